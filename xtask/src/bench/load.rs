//! The load tools: `oha` (preferred) or `wrk`, run as separate processes against 127.0.0.1,
//! each run bounded in time (neither takes a request cap beside a duration: oha refuses `-n`
//! with `-z`), and their output read back into one [`LoadResult`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::Value;

use super::procs;

/// How hard and how long one run pushes.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub seconds: u64,
    pub connections: u32,
}

/// One HTTP request, sent over and over.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl Request {
    pub fn get(url: String) -> Request {
        Request {
            method: "GET",
            url,
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn post_json(mut self, body: String) -> Request {
        self.method = "POST";
        self.body = Some(body);
        self.header("Content-Type", "application/json")
    }
}

/// What one run measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LoadResult {
    /// Answered requests.
    pub requests: u64,
    /// Answers outside 2xx (and, with oha, connection errors).
    pub failures: u64,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// A load tool found on this machine.
#[derive(Debug, Clone)]
pub enum Tool {
    Oha(PathBuf),
    Wrk(PathBuf),
}

impl Tool {
    /// oha if present, else wrk; the lines name what is missing.
    pub fn detect() -> (Option<Tool>, Vec<String>) {
        let oha = procs::which("oha");
        let wrk = procs::which("wrk");
        let mut notes = Vec::new();
        if oha.is_none() {
            notes.push("oha: not installed (cargo install oha --locked)".to_owned());
        }
        if wrk.is_none() {
            notes.push("wrk: not installed (apt-get install wrk)".to_owned());
        }
        let tool = oha.map(Tool::Oha).or(wrk.map(Tool::Wrk));
        (tool, notes)
    }

    pub fn name(&self) -> String {
        let version = |path: &Path, flag: &str| {
            Command::new(path)
                .arg(flag)
                .output()
                .ok()
                .and_then(|o| {
                    let text = String::from_utf8_lossy(&o.stdout).to_string()
                        + &String::from_utf8_lossy(&o.stderr);
                    text.lines().next().map(|l| l.trim().to_owned())
                })
                .unwrap_or_default()
        };
        match self {
            Tool::Oha(path) => version(path, "--version"),
            Tool::Wrk(path) => {
                let line = version(path, "-v");
                let short = line.split(" [").next().unwrap_or("wrk").to_owned();
                format!("{short} (2 threads)")
            }
        }
    }

    /// Runs `request` within `bounds`; `scratch` holds wrk's script.
    pub fn run(&self, request: &Request, bounds: Bounds, scratch: &Path) -> Result<LoadResult> {
        let limit = Duration::from_secs(bounds.seconds + 60);
        match self {
            Tool::Oha(path) => {
                let mut cmd = Command::new(path);
                cmd.args(["--no-tui", "--output-format", "json", "-c"])
                    .arg(bounds.connections.to_string())
                    .arg("-z")
                    .arg(format!("{}s", bounds.seconds))
                    .args(["-m", request.method]);
                for (name, value) in &request.headers {
                    cmd.arg("-H").arg(format!("{name}: {value}"));
                }
                if let Some(body) = &request.body {
                    cmd.arg("-d").arg(body);
                }
                cmd.arg(&request.url);
                let out = procs::run_bounded(cmd, limit)?;
                parse_oha(&out).context("reading oha's JSON output")
            }
            Tool::Wrk(path) => {
                let script = scratch.join("request.lua");
                std::fs::write(&script, wrk_script(request))?;
                let mut cmd = Command::new(path);
                cmd.args(["-t2", "--latency", "-c"])
                    .arg(bounds.connections.to_string())
                    .arg("-d")
                    .arg(format!("{}s", bounds.seconds))
                    .arg("-s")
                    .arg(&script)
                    .arg(&request.url);
                let out = procs::run_bounded(cmd, limit)?;
                parse_wrk(&out).context("reading wrk's output")
            }
        }
    }

    /// Runs `request` (addressed to `replicas[0]`) spread evenly over several servers that
    /// serve the same data: the load tool itself balances, so no proxy sits in the path.
    /// wrk gives each of its threads one replica (its `setup` hook sets `thread.addr`, one
    /// thread per replica, the connections split between them) and reports the whole run;
    /// oha has no such hook, so one oha per replica runs at once with its share of the
    /// connections: rates and counts add up, and p50/p99 are the slower replica's (an upper
    /// bound of the whole run's).
    pub fn run_spread(
        &self,
        request: &Request,
        replicas: &[SocketAddr],
        bounds: Bounds,
        scratch: &Path,
    ) -> Result<LoadResult> {
        let Some(first) = replicas.first() else {
            bail!("no replica to send to");
        };
        let share = Bounds {
            connections: (bounds.connections / replicas.len() as u32).max(1),
            ..bounds
        };
        match self {
            Tool::Wrk(path) => {
                let script = scratch.join("spread.lua");
                std::fs::write(&script, wrk_script(request) + &wrk_spread(replicas))?;
                let mut cmd = Command::new(path);
                cmd.arg(format!("-t{}", replicas.len()))
                    .args(["--latency", "-c"])
                    .arg((share.connections * replicas.len() as u32).to_string())
                    .arg("-d")
                    .arg(format!("{}s", bounds.seconds))
                    .arg("-s")
                    .arg(&script)
                    .arg(&request.url);
                let out = procs::run_bounded(cmd, Duration::from_secs(bounds.seconds + 60))?;
                parse_wrk(&out).context("reading wrk's output")
            }
            Tool::Oha(_) => {
                let prefix = format!("http://{first}");
                let runs: Vec<Result<LoadResult>> = std::thread::scope(|scope| {
                    let handles: Vec<_> = replicas
                        .iter()
                        .map(|addr| {
                            let mut request = request.clone();
                            request.url =
                                request.url.replacen(&prefix, &format!("http://{addr}"), 1);
                            scope.spawn(move || self.run(&request, share, scratch))
                        })
                        .collect();
                    handles
                        .into_iter()
                        .map(|h| {
                            h.join()
                                .unwrap_or_else(|_| Err(anyhow::anyhow!("oha thread panicked")))
                        })
                        .collect()
                });
                let mut total = LoadResult {
                    requests: 0,
                    failures: 0,
                    rps: 0.0,
                    p50_ms: 0.0,
                    p99_ms: 0.0,
                };
                for run in runs {
                    let run = run?;
                    total.requests += run.requests;
                    total.failures += run.failures;
                    total.rps += run.rps;
                    total.p50_ms = total.p50_ms.max(run.p50_ms);
                    total.p99_ms = total.p99_ms.max(run.p99_ms);
                }
                Ok(total)
            }
        }
    }
}

/// wrk's `setup` hook giving thread *n* the *n*th replica (round robin).
pub fn wrk_spread(replicas: &[SocketAddr]) -> String {
    let list: Vec<String> = replicas
        .iter()
        .map(|a| {
            format!(
                "{{{}, {}}}",
                lua_string(&a.ip().to_string()),
                lua_string(&a.port().to_string())
            )
        })
        .collect();
    format!(
        "local replicas = {{{}}}\nlocal next_replica = 0\n\
         function setup(thread)\n  \
         local replica = replicas[next_replica % #replicas + 1]\n  \
         next_replica = next_replica + 1\n  \
         thread.addr = wrk.lookup(replica[1], replica[2])[1]\n\
         end\n",
        list.join(", ")
    )
}

/// A Lua string literal.
fn lua_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// wrk's request script: method, headers and body.
pub fn wrk_script(request: &Request) -> String {
    let mut script = format!("wrk.method = {}\n", lua_string(request.method));
    for (name, value) in &request.headers {
        script += &format!(
            "wrk.headers[{}] = {}\n",
            lua_string(name),
            lua_string(value)
        );
    }
    if let Some(body) = &request.body {
        script += &format!("wrk.body = {}\n", lua_string(body));
    }
    script
}

/// oha's `--output-format json` (latencies in seconds).
pub fn parse_oha(text: &str) -> Result<LoadResult> {
    let json: Value = serde_json::from_str(text)?;
    let number = |pointer: &str| json.pointer(pointer).and_then(Value::as_f64);
    let mut requests = 0;
    let mut failures = 0;
    if let Some(codes) = json["statusCodeDistribution"].as_object() {
        for (code, count) in codes {
            let count = count.as_u64().unwrap_or(0);
            requests += count;
            if !code.starts_with('2') {
                failures += count;
            }
        }
    }
    if let Some(errors) = json["errorDistribution"].as_object() {
        for (error, count) in errors {
            // Requests cut off when the time is up are not failures of the server.
            if !error.contains("deadline") {
                failures += count.as_u64().unwrap_or(0);
            }
        }
    }
    let (Some(rps), Some(p50), Some(p99)) = (
        number("/summary/requestsPerSec"),
        number("/latencyPercentiles/p50"),
        number("/latencyPercentiles/p99"),
    ) else {
        bail!("no requestsPerSec or latency percentiles");
    };
    Ok(LoadResult {
        requests,
        failures,
        rps,
        p50_ms: p50 * 1e3,
        p99_ms: p99 * 1e3,
    })
}

/// A wrk duration (`231.00us`, `1.23ms`, `2.01s`, `1.00m`) in milliseconds.
fn wrk_ms(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match unit {
        "us" => 1e-3,
        "ms" => 1.0,
        "s" => 1e3,
        "m" => 60e3,
        _ => return None,
    };
    Some(number * factor)
}

/// wrk's text output with `--latency`.
pub fn parse_wrk(text: &str) -> Result<LoadResult> {
    let (mut rps, mut p50, mut p99, mut requests, mut failures) = (None, None, None, None, 0);
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", value] => rps = value.parse().ok(),
            ["50%", value] => p50 = wrk_ms(value),
            ["99%", value] => p99 = wrk_ms(value),
            [count, "requests", "in", ..] => requests = count.parse().ok(),
            ["Non-2xx", "or", "3xx", "responses:", count] => failures += count.parse().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                failures += rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum::<u64>();
            }
            _ => {}
        }
    }
    let (Some(rps), Some(p50_ms), Some(p99_ms), Some(requests)) = (rps, p50, p99, requests) else {
        bail!("no Requests/sec, request count or 50%/99% latency lines in:\n{text}");
    };
    Ok(LoadResult {
        requests,
        failures,
        rps,
        p50_ms,
        p99_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk_output() {
        let text = "Running 5s test @ http://127.0.0.1:1/\n  2 threads and 32 connections\n  \
            Latency Distribution\n     50%  231.00us\n     75%  400.00us\n     99%    1.50ms\n  \
            123456 requests in 5.00s, 12.34MB read\n  Non-2xx or 3xx responses: 12\n\
            Requests/sec:  24690.12\nTransfer/sec:      2.47MB\n";
        let result = parse_wrk(text).expect("parses");
        assert_eq!(result.requests, 123_456);
        assert_eq!(result.failures, 12);
        assert!((result.p50_ms - 0.231).abs() < 1e-9);
        assert!((result.p99_ms - 1.5).abs() < 1e-9);
        assert!((result.rps - 24_690.12).abs() < 1e-6);
    }

    #[test]
    fn reads_oha_json() {
        let text = r#"{"summary":{"requestsPerSec":1000.5},
            "latencyPercentiles":{"p50":0.0002,"p99":0.003},
            "statusCodeDistribution":{"200":990,"500":10},
            "errorDistribution":{"aborted due to deadline":32}}"#;
        let result = parse_oha(text).expect("parses");
        assert_eq!(result.requests, 1000);
        assert_eq!(result.failures, 10);
        assert!((result.p50_ms - 0.2).abs() < 1e-9);
        assert!((result.p99_ms - 3.0).abs() < 1e-9);
    }

    #[test]
    fn wrk_spreads_threads_over_the_replicas() {
        let replicas: Vec<SocketAddr> = vec![
            "127.0.0.1:8001".parse().expect("addr"),
            "127.0.0.1:8002".parse().expect("addr"),
        ];
        let script = wrk_spread(&replicas);
        assert!(
            script.contains(r#"local replicas = {{"127.0.0.1", "8001"}, {"127.0.0.1", "8002"}}"#),
            "{script}"
        );
        assert!(script.contains("function setup(thread)"), "{script}");
        assert!(script.contains("thread.addr = wrk.lookup(replica[1], replica[2])[1]"));
    }

    #[test]
    fn wrk_scripts_quote_their_strings() {
        let request = Request::get("http://127.0.0.1:1/".into()).post_json(r#"{"a":"b\c"}"#.into());
        let script = wrk_script(&request);
        assert!(
            script.contains(r#"wrk.body = "{\"a\":\"b\\c\"}""#),
            "{script}"
        );
        assert!(script.contains("wrk.method = \"POST\""));
    }
}
