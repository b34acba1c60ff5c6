//! `cargo xtask generate [--check]`: every generated Rust file, rendered in memory.
//!
//! One rendering path, two modes: [`render`] produces every generated file; `generate` writes
//! them ([`write`]), `generate --check` compares them with the committed files ([`check`]).
//! Output is deterministic: token streams formatted in-process with prettyplease, behind a
//! fixed [`header`].
//!
//! The generators read the typed model of each spec ([`crate::spec::Api`]), built once by [`specs`]:
//! - [`client`]: the model types (`spendapi-types`) and the client modules (progenitor over a
//!   client view of the spec), with the wiring that attaches the client's hand-written runtime;
//! - [`server`]: a trait, an axum router and a utoipa document per API (`spendapi-server`);
//! - [`mock`]: typed `httpmock` helpers per API (`spendapi-mock`), from progenitor;
//! - [`cli`]: the `spendapi` command line's subcommands per API (`spendapi-cli`), from
//!   progenitor, and the index its hand-written shell reads;
//! - [`vendor`]: the runtimes' `Vendor` type (`spendapi-types`), from the one vendor
//!   declaration (`spendapi_spec::Vendor`).
//!
//! All use [`plumbing`] (outputs, headers, the specs, formatting), a leaf; this module uses
//! them all, and no generator imports it back.

pub mod cli;
pub mod client;
pub mod mock;
pub mod plumbing;
pub mod server;
pub mod vendor;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

pub use self::plumbing::{Output, Spec, format, header, load_specs, specs};

/// One generator's entry point: every file it makes from the specs.
type Generator = fn(&Path, &[Spec]) -> Result<Vec<Output>>;

/// Renders every generated file of the workspace.
///
/// The generators only read the specs, so they run on their own threads: most of the
/// time goes into progenitor, syn and prettyplease, and a spec author waits for the slowest
/// generator rather than for the sum (README, "Regeneration as the spec author runs it").
pub fn render(root: &Path) -> Result<Vec<Output>> {
    let specs = specs(root)?;
    let specs = specs.as_slice();
    let generators: [Generator; 5] = [
        client::render,
        server::render,
        mock::render,
        cli::render,
        vendor::render,
    ];
    std::thread::scope(|scope| {
        let running: Vec<_> = generators
            .iter()
            .map(|generate| scope.spawn(move || generate(root, specs)))
            .collect();
        let mut outputs = Vec::new();
        for handle in running {
            let rendered = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            outputs.extend(rendered);
        }
        Ok(outputs)
    })
}

/// Writes the outputs, removing stale generated files; returns the paths that changed.
pub fn write(root: &Path, outputs: &[Output]) -> Result<Vec<String>> {
    let mut changed = Vec::new();
    for output in outputs {
        let path = root.join(&output.path);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(output.contents.as_str()) {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&path, &output.contents)
                .with_context(|| format!("failed to write {}", path.display()))?;
            changed.push(output.path.clone());
        }
    }
    for stale in stale_files(root, outputs)? {
        std::fs::remove_file(root.join(&stale))?;
        changed.push(stale);
    }
    Ok(changed)
}

/// Generated files on disk that no output accounts for.
fn stale_files(root: &Path, outputs: &[Output]) -> Result<Vec<String>> {
    let mut stale = Vec::new();
    let dirs: BTreeSet<PathBuf> = outputs
        .iter()
        .filter_map(|o| Path::new(&o.path).parent().map(Path::to_path_buf))
        .collect();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(root.join(&dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            let rel = format!(
                "{}/{}",
                dir.display(),
                path.file_name().unwrap_or_default().to_string_lossy()
            );
            if path.extension().is_some_and(|e| e == "rs") && !outputs.iter().any(|o| o.path == rel)
            {
                stale.push(rel);
            }
        }
    }
    stale.sort();
    Ok(stale)
}

/// Compares the outputs with the files on disk; returns a unified diff per differing file.
pub fn check(root: &Path, outputs: &[Output]) -> Result<Vec<String>> {
    let mut diffs = Vec::new();
    for output in outputs {
        let on_disk = std::fs::read_to_string(root.join(&output.path)).unwrap_or_default();
        if on_disk != output.contents {
            let diff = similar::TextDiff::from_lines(&on_disk, &output.contents)
                .unified_diff()
                .context_radius(3)
                .header(
                    &format!("a/{} (committed)", output.path),
                    &format!("b/{} (from the specs)", output.path),
                )
                .to_string();
            diffs.push(diff);
        }
    }
    for stale in stale_files(root, outputs)? {
        diffs.push(format!(
            "{stale}: generated file that no spec produces any more\n"
        ));
    }
    Ok(diffs)
}

/// `generate --check`: an error carrying the diff when anything is stale.
pub fn ensure_fresh(root: &Path) -> Result<()> {
    let outputs = render(root)?;
    let diffs = check(root, &outputs)?;
    if diffs.is_empty() {
        return Ok(());
    }
    bail!(
        "generated code is stale:\n{}\nrun `cargo xtask generate` to update it",
        diffs.join("\n")
    )
}
