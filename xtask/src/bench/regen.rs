//! Regeneration: whole-process wall time of `cargo xtask generate --check` exactly as the README
//! runs it (the cargo alias, the debug build, already built; every spec, lint included), of the
//! release binary alone, and of cargo's own start-up for the alias (`cargo xtask --help`),
//! beside openapi-generator generating a Rust client (`-g rust`) and a `rust-axum` server from
//! the same bundled specs, when it is installed.

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
    /// `cargo xtask generate --check`, as the README runs it: what the targets are measured on.
    pub ours: Timing,
    /// The release binary alone (`target/release/xtask generate --check`).
    pub release: Option<Timing>,
    /// Cargo's share of `ours`: `cargo xtask --help`, which starts the same binary and returns.
    pub cargo_overhead: Option<Timing>,
    /// openapi-generator, all specs, both generators, per run.
    pub peer: Option<Timing>,
    pub peer_version: Option<String>,
    /// Peer median over ours.
    pub ratio: Option<f64>,
}

/// Times `cargo xtask <args>` (the alias in `.cargo/config.toml`, the dev profile) `runs` times
/// after one warm-up run, which also builds the debug xtask if it is stale.
pub fn cargo_xtask(root: &Path, args: &[&str], runs: usize) -> Result<Timing> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    time(
        || {
            let mut cmd = Command::new(&cargo);
            cmd.arg("xtask").args(args).current_dir(root);
            cmd
        },
        // The warm-up may build the debug xtask.
        Duration::from_secs(1800),
        runs,
    )
    .with_context(|| format!("cargo xtask {}", args.join(" ")))
}

/// Times the xtask binary `xtask` running `generate --check` `runs` times after one warm-up.
pub fn binary(root: &Path, xtask: &Path, runs: usize) -> Result<Timing> {
    time(
        || {
            let mut cmd = Command::new(xtask);
            cmd.args(["generate", "--check"]).current_dir(root);
            cmd
        },
        Duration::from_secs(120),
        runs,
    )
    .context("xtask generate --check (is the generated code fresh?)")
}

/// Wall times of `runs` runs of the command `make` builds, after one untimed warm-up run.
fn time(make: impl Fn() -> Command, bound: Duration, runs: usize) -> Result<Timing> {
    let mut seconds = Vec::new();
    for i in 0..=runs {
        let started = Instant::now();
        procs::run_bounded(make(), bound)?;
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
