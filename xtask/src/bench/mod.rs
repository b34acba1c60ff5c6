//! `cargo xtask bench`: regeneration and sandbox serving speed beside the peers, in one run.
//!
//! This module orchestrates: release builds, temporary directories, the order of the runs,
//! the report's JSON file. [`regen`] times `xtask generate --check` and openapi-generator;
//! [`serving`] loads sandbox databases and runs the scenarios against the sandbox, a bare
//! axum handler and Prism through [`load`] (oha or wrk), on SQLite and on a throw-away
//! PostgreSQL cluster ([`postgres`]); [`procs`] starts and stops the
//! processes; [`report`] compares with the targets and renders the table; [`machine`] names
//! the machine. Optional peers missing here are named and skipped, never installed.

pub mod load;
pub mod machine;
pub mod postgres;
pub mod procs;
pub mod regen;
pub mod report;
pub mod serving;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use load::{Bounds, Tool};
use report::{LoadSetup, Report};
use serving::Bins;

/// What `cargo xtask bench` was asked for.
#[derive(Debug, Clone)]
pub struct Options {
    /// Timed runs of `xtask generate --check` (after one warm-up).
    pub runs: usize,
    /// Timed runs of openapi-generator over every spec.
    pub peer_runs: usize,
    pub bounds: Bounds,
    /// Event counts of the sandbox databases, smallest first.
    pub sizes: Vec<u64>,
    /// Where the optional peers are installed (`venv/`, `node_modules/`).
    pub peers: Option<PathBuf>,
    /// Use the release binaries already built.
    pub no_build: bool,
    /// Also serve from PostgreSQL (one and two replicas) when it is installed.
    pub postgres: bool,
}

/// Cargo's target directory (`CARGO_TARGET_DIR`, else `target/`).
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// Release builds of the xtask and the sandbox's binaries.
fn build(root: &Path) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("bench: cargo build --release -p xtask -p spendapi-sandbox --bins");
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--locked",
            "-p",
            "xtask",
            "-p",
            "spendapi-sandbox",
            "--bins",
        ])
        .current_dir(root)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("the release build failed");
    }
    Ok(())
}

/// Runs everything (the specs bundled by `xtask bundle --out <temp>`), prints the table and writes `<target>/bench/latest.json`.
pub fn run(root: &Path, options: &Options) -> Result<Report> {
    let target = target_dir(root);
    if !options.no_build {
        build(root)?;
    }
    let release = target.join("release");
    let peers = options
        .peers
        .clone()
        .unwrap_or_else(|| target.join("bench/peers"));
    let scratch = tempfile::Builder::new()
        .prefix("spendapi-bench")
        .tempdir()?;
    let mut report = Report {
        date: machine::now_utc(),
        machine: machine::Machine::detect(),
        regeneration: None,
        load: None,
        serving: Vec::new(),
        sizing: Vec::new(),
        targets: Vec::new(),
        skipped: Vec::new(),
    };
    let bundle = scratch.path().join("bundle");
    let mut cmd = Command::new(release.join("xtask"));
    cmd.args(["bundle", "--out"]).arg(&bundle).current_dir(root);
    procs::run_bounded(cmd, std::time::Duration::from_secs(120)).context("xtask bundle")?;
    let specs: Vec<PathBuf> = crate::spec::spec_files(root)?
        .iter()
        .filter_map(|f| {
            f.file_stem()
                .map(|s| bundle.join(format!("{}.yaml", s.to_string_lossy())))
        })
        .collect();
    report.regeneration = Some(regeneration(
        root,
        &release,
        &peers,
        &specs,
        options,
        scratch.path(),
        &mut report.skipped,
    )?);
    let (tool, missing) = Tool::detect();
    report.skipped.extend(missing);
    match tool {
        Some(tool) => serve(&tool, &release, &peers, &bundle, options, scratch.path(), &mut report)?,
        None => report
            .skipped
            .push("sandbox serving: no load tool, skipped (cargo install oha --locked, or apt-get install wrk)".into()),
    }
    report.evaluate();
    let out = target.join("bench");
    std::fs::create_dir_all(&out)?;
    let json = out.join("latest.json");
    std::fs::write(&json, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("writing {}", json.display()))?;
    print!("{}", report::render(&report));
    eprintln!("\nbench: wrote {}", json.display());
    Ok(report)
}

fn regeneration(
    root: &Path,
    release: &Path,
    peers: &Path,
    specs: &[PathBuf],
    options: &Options,
    scratch: &Path,
    skipped: &mut Vec<String>,
) -> Result<regen::Regeneration> {
    eprintln!("bench: timing cargo xtask generate --check (debug build, as the README runs it)");
    let ours = regen::cargo_xtask(root, &["generate", "--check"], options.runs)?;
    let cargo_overhead = regen::cargo_xtask(root, &["--help"], options.runs)?;
    eprintln!("bench: timing the release xtask generate --check");
    let release = regen::binary(root, &release.join("xtask"), options.runs)?;
    let mut result = regen::Regeneration {
        specs: specs.len(),
        ours,
        release: Some(release),
        cargo_overhead: Some(cargo_overhead),
        peer: None,
        peer_version: None,
        ratio: None,
    };
    let Some(cli) = regen::find_peer(peers) else {
        skipped.push(
            "openapi-generator-cli: not installed, skipped (pip install openapi-generator-cli)"
                .into(),
        );
        return Ok(result);
    };
    eprintln!("bench: timing openapi-generator ({})", cli.display());
    match regen::peer(
        &cli,
        specs,
        &scratch.join("openapi-generator"),
        options.peer_runs,
    ) {
        Ok((timing, version)) => {
            result.ratio = Some(timing.median_s / result.ours.median_s);
            result.peer = Some(timing);
            result.peer_version = Some(version);
        }
        Err(err) => skipped.push(format!("openapi-generator-cli: failed, skipped: {err:#}")),
    }
    Ok(result)
}

fn serve(
    tool: &Tool,
    release: &Path,
    peers: &Path,
    bundle: &Path,
    options: &Options,
    scratch: &Path,
    report: &mut Report,
) -> Result<()> {
    let bounds = options.bounds;
    report.load = Some(LoadSetup {
        tool: tool.name(),
        seconds: bounds.seconds,
        connections: bounds.connections,
    });
    let bins = Bins {
        sandbox: release.join("spendapi-sandbox"),
        helper: release.join("spendapi-sandbox-bench"),
    };
    report
        .serving
        .push(serving::bare(tool, &bins.helper, bounds, scratch)?);
    for &events in &options.sizes {
        let (rows, sizing) = serving::sandbox(tool, &bins, events, bounds, scratch)?;
        report.serving.extend(rows);
        report.sizing.push(sizing);
    }
    if options.postgres {
        match postgres::find() {
            Some(bin) => {
                eprintln!("bench: starting a PostgreSQL cluster ({})", bin.display());
                let cluster = postgres::Cluster::start(&bin, scratch)?;
                for &events in &options.sizes {
                    let (rows, sizing) =
                        serving::postgres(tool, &bins, &cluster, events, bounds, scratch)?;
                    report.serving.extend(rows);
                    report.sizing.extend(sizing);
                }
            }
            None => report.skipped.push(
                "PostgreSQL: not installed, skipped (apt-get install postgresql, or PG_BIN)".into(),
            ),
        }
    }
    match serving::find_prism(peers) {
        Some(prism) => {
            let spec = bundle.join("cso-events.yaml");
            match serving::prism(tool, &prism, &spec, bounds, scratch) {
                Ok(rows) => report.serving.extend(rows),
                Err(err) => report.skipped.push(format!("Prism: failed, skipped: {err:#}")),
            }
        }
        None => report.skipped.push(format!(
            "Prism: not installed, skipped (needs npx; npm install --prefix {} @stoplight/prism-cli)",
            peers.display()
        )),
    }
    Ok(())
}
