//! A throw-away PostgreSQL cluster for tests: `initdb` into a temporary directory and
//! `pg_ctl` on a free loopback port, as `nobody` when the tests run as root (PostgreSQL
//! refuses to run as root). One cluster per test binary, shared through [`database`] (a fresh
//! database per test); [`Cluster::start`] gives a test a cluster of its own to stop and
//! restart.
//!
//! The cluster is driven by a small shell process whose standard input is a pipe from the
//! test binary: when the binary exits (normally, on a panic or killed), the pipe closes and the
//! shell stops PostgreSQL and removes the directory, so no cluster outlives its tests.
//!
//! Without PostgreSQL installed, [`database`] and [`Cluster::start`] answer `None` after
//! printing that the test was skipped and how to enable it; with `CI=true` they panic, so CI
//! never passes by skipping.
//!
//! Shared by the sandbox crate's tests and the end-to-end tests (`#[path]`).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// The environment variable that makes [`backend_db`] answer a PostgreSQL database: the
/// sandbox tests then run against PostgreSQL instead of SQLite.
pub const BACKEND_VAR: &str = "SPENDAPI_TEST_BACKEND";

/// Where PostgreSQL's programs are: `$PG_BIN`, else the newest Debian
/// `/usr/lib/postgresql/<version>/bin`, else `initdb` on `PATH`.
fn bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|dir| dir.join("initdb").exists())
}

/// Reports a skip, or fails in CI.
fn skip(what: &str) {
    let message = format!(
        "skipped: {what} needs PostgreSQL, which is not installed here; install it \
         (Debian: apt-get install postgresql) or point PG_BIN at its bin directory"
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message} (CI=true: a skipped PostgreSQL test is a failure)");
    }
    eprintln!("{message}");
}

/// A running cluster; stopped and removed when dropped (or when the test binary exits).
pub struct Cluster {
    pub port: u16,
    bin: PathBuf,
    /// The shell's input and output; `None` once the cluster is being dropped.
    control: Mutex<Option<(ChildStdin, BufReader<ChildStdout>)>>,
    shell: Child,
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// The control script: initialise, then obey `start`/`stop` lines; at end of input, stop and
/// clean up. `$1` bin dir, `$2` data dir, `$3` port.
const SCRIPT: &str = r#"
set -u
bin=$1 dir=$2 port=$3
"$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; echo failed; exit 1; }
while read -r command; do
    case $command in
        start) "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
                   -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
                   start >/dev/null 2>&1 && echo ok || { cat "$dir/log" >&2; echo failed; } ;;
        stop) "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 && echo ok || echo failed ;;
    esac
done
"$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
rm -rf "$dir"
"#;

impl Cluster {
    /// A new cluster of this test's own, running; `None` (after saying so) without
    /// PostgreSQL.
    pub fn start(what: &str) -> Option<Cluster> {
        let cluster = Cluster::launch();
        if cluster.is_none() {
            skip(what);
        }
        cluster
    }

    fn launch() -> Option<Cluster> {
        let bin = bin_dir()?;
        let dir = tempfile::Builder::new()
            .prefix("spendapi-pg-")
            .tempdir()
            .expect("temp dir")
            .keep();
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        let port = free_port();
        let mut command = if root {
            // PostgreSQL will not run as root: the cluster belongs to `nobody`.
            std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).expect("chown to nobody");
            let mut command = Command::new("runuser");
            command.args(["-u", "nobody", "--", "sh"]);
            command
        } else {
            Command::new("sh")
        };
        let mut shell = command
            .args(["-c", SCRIPT, "pg-cluster"])
            .arg(&bin)
            .arg(&dir)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the cluster's control shell");
        let stdin = shell.stdin.take().expect("stdin");
        let stdout = BufReader::new(shell.stdout.take().expect("stdout"));
        let cluster = Cluster {
            port,
            bin,
            control: Mutex::new(Some((stdin, stdout))),
            shell,
        };
        cluster.command("start");
        Some(cluster)
    }

    fn command(&self, command: &str) {
        let mut control = self.control.lock().expect("control");
        let (input, output) = control.as_mut().expect("a running cluster");
        writeln!(input, "{command}").expect("write to the cluster's control shell");
        input.flush().expect("flush");
        let mut line = String::new();
        output.read_line(&mut line).expect("read the answer");
        assert_eq!(line.trim(), "ok", "PostgreSQL {command} failed");
    }

    /// Stops PostgreSQL (fast shutdown: connections are closed).
    pub fn stop(&self) {
        self.command("stop");
    }

    /// Starts it again on the same port and data.
    pub fn restart(&self) {
        self.command("start");
    }

    /// A new, empty database; its URL.
    pub fn database(&self, name: &str) -> String {
        let output = Command::new(self.bin.join("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
            ])
            .args(["-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c"])
            .arg(format!("CREATE DATABASE \"{name}\""))
            .output()
            .expect("run psql");
        assert!(
            output.status.success(),
            "creating database {name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        self.url(name)
    }

    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Closing the pipe makes the shell stop PostgreSQL and remove the directory.
        drop(
            self.control
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .take(),
        );
        let _ = self.shell.wait();
    }
}

/// The binary's shared cluster (started on first use; it lives until the binary exits).
fn shared(what: &str) -> Option<&'static Cluster> {
    static SHARED: OnceLock<Option<Cluster>> = OnceLock::new();
    let cluster = SHARED.get_or_init(Cluster::launch).as_ref();
    if cluster.is_none() {
        skip(what);
    }
    cluster
}

/// A fresh database on the shared cluster, `None` (after saying so) without PostgreSQL.
pub fn database(what: &str) -> Option<String> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let cluster = shared(what)?;
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    Some(cluster.database(&format!("t{}_{n}", std::process::id())))
}

/// The database a backend-neutral test runs on: `fallback` (a SQLite path or `:memory:`),
/// or a fresh PostgreSQL database when `SPENDAPI_TEST_BACKEND=postgres` (which then requires
/// PostgreSQL: asking for it and silently getting SQLite would prove nothing).
pub fn backend_db(fallback: &str) -> String {
    match std::env::var(BACKEND_VAR).as_deref() {
        Ok("postgres") => match shared("this test") {
            Some(cluster) => {
                static NEXT: AtomicUsize = AtomicUsize::new(0);
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                cluster.database(&format!("b{}_{n}", std::process::id()))
            }
            None => {
                panic!("{BACKEND_VAR}=postgres, but PostgreSQL is not installed (or set PG_BIN)")
            }
        },
        Ok("sqlite") | Err(_) => fallback.to_owned(),
        Ok(other) => panic!("{BACKEND_VAR}={other}: expected sqlite or postgres"),
    }
}
