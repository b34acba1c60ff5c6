//! A throw-away PostgreSQL cluster for the serving runs on PostgreSQL: `initdb` into a
//! temporary directory, `pg_ctl` on a free loopback port (as `nobody` when the bench runs as
//! root, since PostgreSQL refuses root), stopped and removed when dropped.
//!
//! The cluster keeps PostgreSQL's default durability (`fsync`, `synchronous_commit` on): the
//! sandbox acknowledges a write after its commit on either backend, and the comparison with
//! SQLite (`synchronous=FULL`) is only fair with the same promise. The sandbox tests' cluster
//! (`crates/spendapi-sandbox/tests/sandbox/pg.rs`) turns fsync off because it measures
//! nothing; this one does.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::procs;

/// A running cluster.
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    pub port: u16,
    as_nobody: bool,
}

/// Where PostgreSQL's programs are: `$PG_BIN`, else the newest Debian
/// `/usr/lib/postgresql/<version>/bin`, else `initdb` on `PATH`.
pub fn find() -> Option<PathBuf> {
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
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .or_else(|| procs::which("initdb").and_then(|p| p.parent().map(Path::to_path_buf)))
}

impl Cluster {
    /// Initialises and starts a cluster under `scratch`.
    pub fn start(bin: &Path, scratch: &Path) -> Result<Cluster> {
        let dir = scratch.join("postgres");
        std::fs::create_dir_all(&dir)?;
        let as_nobody = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        if as_nobody {
            // The scratch directory is root's and private: nobody needs to reach its own.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(scratch, std::fs::Permissions::from_mode(0o755))?;
            std::os::unix::fs::chown(&dir, Some(65534), Some(65534))
                .context("handing the cluster's directory to nobody")?;
        }
        let mut cluster = Cluster {
            bin: bin.to_path_buf(),
            dir,
            port: 0,
            as_nobody,
        };
        let data = cluster.dir.join("data");
        cluster
            .run("initdb", |c| {
                c.arg("-D").arg(&data).args([
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-locale",
                ]);
            })
            .context("initdb")?;
        cluster.port = procs::free_port()?;
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=100",
            cluster.port,
            cluster.dir.display()
        );
        let log = cluster.dir.join("log");
        cluster
            .run("pg_ctl", |c| {
                c.arg("-D")
                    .arg(&data)
                    .arg("-l")
                    .arg(&log)
                    .args(["-w", "-t", "60", "-o", &options, "start"]);
            })
            .with_context(|| {
                format!(
                    "starting PostgreSQL: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            })?;
        Ok(cluster)
    }

    /// Runs one of PostgreSQL's programs (as `nobody` when needed) to completion.
    fn run(&self, program: &str, args: impl FnOnce(&mut Command)) -> Result<String> {
        let path = self.bin.join(program);
        let mut cmd = if self.as_nobody {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "nobody", "--"]).arg(&path);
            cmd
        } else {
            Command::new(&path)
        };
        args(&mut cmd);
        procs::run_bounded(cmd, Duration::from_secs(120))
    }

    /// One SQL statement through `psql`; its single value.
    pub fn query(&self, database: &str, sql: &str) -> Result<String> {
        let port = self.port.to_string();
        let out = self.run("psql", |c| {
            c.args([
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-d",
                database,
            ])
            .args(["-v", "ON_ERROR_STOP=1", "-qAtc", sql]);
        })?;
        Ok(out.trim().to_owned())
    }

    /// A new, empty database; its URL.
    pub fn database(&self, name: &str) -> Result<String> {
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            bail!("database name {name}: letters, digits and _ only");
        }
        self.query("postgres", &format!("CREATE DATABASE {name}"))?;
        Ok(format!(
            "postgres://postgres@127.0.0.1:{}/{name}",
            self.port
        ))
    }

    /// The database's size on disk (tables, indexes, TOAST; not the cluster's WAL).
    pub fn size(&self, name: &str) -> Option<u64> {
        self.query("postgres", &format!("SELECT pg_database_size('{name}')"))
            .ok()?
            .parse()
            .ok()
    }

    /// WAL flushes to disk so far, the whole cluster (`pg_stat_wal.wal_sync`, PostgreSQL 14+):
    /// the fsyncs the commits cost.
    pub fn wal_syncs(&self) -> Option<u64> {
        self.query("postgres", "SELECT wal_sync FROM pg_stat_wal")
            .ok()?
            .parse()
            .ok()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self.run("pg_ctl", |c| {
            c.arg("-D").arg(&data).args(["-m", "fast", "-w", "stop"]);
        });
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
