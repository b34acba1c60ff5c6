//! Regeneration: whole-process wall time of `xtask generate --check` (release build, every
//! spec, lint included) beside openapi-generator generating a Rust client (`-g rust`) and a
//! `rust-axum` server from the same bundled specs, when it is installed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::Serialize;

use super::procs;

/// Wall times of repeated runs of one command.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timing {
    pub runs: usize,
    pub median_s: f64,
    pub min_s: f64,
}

impl Timing {
    pub fn of(mut seconds: Vec<f64>) -> Timing {
        seconds.sort_by(f64::total_cmp);
        let n = seconds.len();
        let median = match n {
            0 => f64::NAN,
            _ if n % 2 == 1 => seconds[n / 2],
            _ => (seconds[n / 2 - 1] + seconds[n / 2]) / 2.0,
        };
        Timing {
            runs: n,
            median_s: median,
            min_s: seconds.first().copied().unwrap_or(f64::NAN),
        }
    }
}

/// The section of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Regeneration {
    pub specs: usize,
    pub ours: Timing,
    /// openapi-generator, all specs, both generators, per run.
    pub peer: Option<Timing>,
    pub peer_version: Option<String>,
    /// Peer median over ours.
    pub ratio: Option<f64>,
}

/// Times `xtask generate --check` `runs` times after one warm-up run.
pub fn ours(root: &Path, xtask: &Path, runs: usize) -> Result<Timing> {
    let mut seconds = Vec::new();
    for i in 0..=runs {
        let mut cmd = Command::new(xtask);
        cmd.args(["generate", "--check"]).current_dir(root);
        let started = Instant::now();
        procs::run_bounded(cmd, Duration::from_secs(120))
            .context("xtask generate --check (is the generated code fresh?)")?;
        if i > 0 {
            seconds.push(started.elapsed().as_secs_f64());
        }
    }
    Ok(Timing::of(seconds))
}

/// `openapi-generator-cli` on `PATH`, else in the venv under `peers`.
pub fn find_peer(peers: &Path) -> Option<PathBuf> {
    procs::which("openapi-generator-cli").or_else(|| {
        let venv = peers.join("venv/bin/openapi-generator-cli");
        venv.is_file().then_some(venv)
    })
}

/// Times openapi-generator over every bundled spec (`specs`: YAML files), `-g rust` and
/// `-g rust-axum` each, `runs` times; returns the timing and its version.
pub fn peer(
    cli: &Path,
    specs: &[PathBuf],
    scratch: &Path,
    runs: usize,
) -> Result<(Timing, String)> {
    let version = procs::run_bounded(
        {
            let mut cmd = Command::new(cli);
            cmd.arg("version");
            cmd
        },
        Duration::from_secs(120),
    )?
    .trim()
    .to_owned();
    let mut seconds = Vec::new();
    for run in 0..runs {
        let started = Instant::now();
        for spec in specs {
            let stem = spec.file_stem().unwrap_or_default().to_string_lossy();
            for generator in ["rust", "rust-axum"] {
                let out = scratch.join(format!("run{run}/{generator}/{stem}"));
                let mut cmd = Command::new(cli);
                cmd.args(["generate", "-g", generator, "-i"])
                    .arg(spec)
                    .arg("-o")
                    .arg(&out);
                procs::run_bounded(cmd, Duration::from_secs(300))
                    .with_context(|| format!("openapi-generator -g {generator} {stem}"))?;
            }
        }
        seconds.push(started.elapsed().as_secs_f64());
    }
    Ok((Timing::of(seconds), version))
}

#[cfg(test)]
mod tests {
    use super::Timing;

    #[test]
    fn medians() {
        let t = Timing::of(vec![3.0, 1.0, 2.0]);
        assert_eq!((t.runs, t.median_s, t.min_s), (3, 2.0, 1.0));
        assert_eq!(Timing::of(vec![4.0, 1.0, 2.0, 3.0]).median_s, 2.5);
    }
}
