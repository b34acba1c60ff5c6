//! Times the in-process generation and lint of every spec under `openapi/`.
//!
//! Run with `cargo bench -p xtask --bench generate`. `codegen::render` is the whole of
//! `cargo xtask generate` short of linting and writing files: progenitor for the client modules
//! and the server-stub generator for every API; `codegen::server::render` is the server stubs alone. The
//! single-spec row takes `openapi/concur-expense-allocations.yaml` (three operations) from the
//! file to formatted client code (bundle, client view, progenitor, prettyplease), the shape of
//! the peer measurement in `shared/docs/codegen-notes.md`. `lint` loads every spec, resolves
//! references across files and validates every example. Each is run once to warm up, then [`ITERATIONS`] times;
//! the table gives min, median and max wall time.
//!
//! Without `--bench` (for example under `cargo test --benches`) each runs once, as a smoke test.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Result, ensure};

const ITERATIONS: usize = 5;

/// Runs `f` `iterations` times after one warm-up run; returns the sorted durations.
fn time<T>(iterations: usize, mut f: impl FnMut() -> Result<T>) -> Result<Vec<Duration>> {
    f()?;
    let mut out = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        let value = f()?;
        out.push(start.elapsed());
        drop(value);
    }
    out.sort_unstable();
    Ok(out)
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

fn main() -> Result<()> {
    let bench = std::env::args().any(|a| a == "--bench");
    let iterations = if bench { ITERATIONS } else { 1 };
    let root = xtask::spec::workspace_root();
    let specs = xtask::spec::spec_files(&root)?;

    let outputs = xtask::codegen::render(&root)?;
    let bytes: usize = outputs.iter().map(|o| o.contents.len()).sum();
    let findings = xtask::lint::lint(&root, &specs);
    ensure!(
        findings.is_empty(),
        "the specs do not lint clean: {} findings",
        findings.len()
    );

    let single = root.join("openapi/concur-expense-allocations.yaml");
    let client = || {
        let bundled = xtask::spec::bundle(&single)?;
        let (view, _) = xtask::codegen::client::client_view(&bundled);
        xtask::codegen::client::generate_code(&view, &BTreeMap::new())
            .map(|file| prettyplease::unparse(&file))
    };

    let render = time(iterations, || xtask::codegen::render(&root))?;
    let models = xtask::codegen::specs(&root)?;
    let server = time(iterations, || {
        xtask::codegen::server::render(&root, &models)
    })?;
    let one = time(iterations, client)?;
    let lint = time(iterations, || Ok(xtask::lint::lint(&root, &specs)))?;

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "xtask over {} specs: {cores} cores; {iterations} timed runs after one warm-up; render writes {} files, {} KiB",
        specs.len(),
        outputs.len(),
        bytes / 1024
    );
    println!();
    println!("| step | min ms | median ms | max ms |");
    println!("|---|---:|---:|---:|");
    let rows = [
        (
            "codegen::render (all types + client + server code)",
            &render,
        ),
        ("codegen::server::render (server stubs only)", &server),
        ("client for concur-expense-allocations (3 operations)", &one),
        ("lint::lint (every spec)", &lint),
    ];
    for (name, times) in rows {
        println!(
            "| {name} | {} | {} | {} |",
            ms(times[0]),
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1])
        );
    }
    Ok(())
}
