//! Processes the benchmark starts: finding programs, bounded runs, servers on loopback ports
//! (started, waited for, measured through `/proc`, and stopped by their own id).

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// `name` on `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Runs `cmd` to completion within `limit` (killed after it) and returns its stdout; fails
/// on a non-zero exit, quoting stderr.
pub fn run_bounded(mut cmd: Command, limit: Duration) -> Result<String> {
    let program = format!("{:?}", cmd.get_program());
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {program}"))?;
    let mut stdout = child.stdout.take().context("stdout")?;
    let mut stderr = child.stderr.take().context("stderr")?;
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            bail!("{program} still running after {limit:?}: stopped");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    if !status.success() {
        bail!("{program} failed ({status}):\n{err}{out}");
    }
    Ok(out)
}

/// A loopback port free a moment ago (for programs that take a port, not port 0).
pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A server the benchmark started, stopped (its whole process group) when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
}

impl Server {
    /// Starts `cmd` in its own process group and waits until it prints `http://HOST:PORT`
    /// on stdout (the sandbox and the bare handler announce their address so).
    pub fn announced(mut cmd: Command, within: Duration) -> Result<Server> {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {:?}", cmd.get_program()))?;
        let stdout = child.stdout.take().context("stdout")?;
        let (send, receive) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("http://").nth(1) {
                    let addr = rest.split(['/', ' ']).next().unwrap_or_default().to_owned();
                    let _ = send.send(addr);
                }
            }
        });
        let mut server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        let addr = receive
            .recv_timeout(within)
            .with_context(|| format!("no address announced within {within:?}"))?;
        server.addr = addr.parse().with_context(|| format!("address {addr}"))?;
        Ok(server)
    }

    /// Starts `cmd` (told to listen on `port`) and waits until the port accepts connections.
    pub fn on_port(mut cmd: Command, port: u16, within: Duration) -> Result<Server> {
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {:?}", cmd.get_program()))?;
        let mut server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        let started = Instant::now();
        while TcpStream::connect(server.addr).is_err() {
            if let Some(status) = server.child.try_wait()? {
                bail!("exited before listening ({status})");
            }
            if started.elapsed() > within {
                bail!("not listening on {} within {within:?}", server.addr);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(server)
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The body of `GET <path>` on this loopback server, parsed as JSON.
    ///
    /// One HTTP/1.0 request written by hand: the benchmark reads one number from the sandbox's
    /// `/healthz` between load runs, and an HTTP client crate would cost the xtask's build more
    /// than these lines (the load itself is oha's or wrk's).
    pub fn get_json(&self, path: &str) -> Result<serde_json::Value> {
        use std::io::Write as _;
        let mut stream = TcpStream::connect_timeout(&self.addr, Duration::from_secs(5))
            .with_context(|| format!("connecting to {}", self.addr))?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        write!(stream, "GET {path} HTTP/1.0\r\nHost: {}\r\n\r\n", self.addr)?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        let (head, body) = response
            .split_once("\r\n\r\n")
            .context("an HTTP response")?;
        if !head.starts_with("HTTP/1.0 200") && !head.starts_with("HTTP/1.1 200") {
            bail!("GET {path}: {}", head.lines().next().unwrap_or_default());
        }
        serde_json::from_str(body).with_context(|| format!("GET {path}: JSON"))
    }

    /// Peak resident memory so far (`VmHWM`), in bytes.
    pub fn peak_rss(&self) -> Option<u64> {
        peak_rss(
            &Path::new("/proc")
                .join(self.child.id().to_string())
                .join("status"),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // The group the server leads (Prism's node children too), by its id.
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `VmHWM` of a `/proc/<pid>/status` file, in bytes.
pub fn peak_rss(status: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(status).ok()?;
    parse_vm_hwm(&text)
}

pub fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_peak_resident_set() {
        let status = "Name:\tx\nVmPeak:\t  10 kB\nVmHWM:\t    2048 kB\nVmRSS:\t 1000 kB\n";
        assert_eq!(super::parse_vm_hwm(status), Some(2048 * 1024));
    }
}
