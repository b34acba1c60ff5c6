//! `cargo xtask diff`, `cargo xtask publish` and the breaking-change gate.
//!
//! A published version of a spec is its bundled form, frozen under
//! `openapi/published/<api>-<version>.yaml` by `cargo xtask publish`. The gate compares each
//! spec with the newest published version of the same API and fails on a breaking change
//! (as classified by `spendapi-spec-diff`) unless `info.version` has a new major version.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;
use spendapi_spec_diff::{Report, diff};

use crate::spec;

pub const PUBLISHED: &str = "openapi/published";

/// `info.version` of a document.
pub fn version(doc: &Value) -> String {
    doc.pointer("/info/version")
        .and_then(Value::as_str)
        .unwrap_or("0")
        .to_owned()
}

/// A version as comparable numbers: `1.10.0` > `1.9.3`; a leading `v` is ignored.
fn version_key(version: &str) -> Vec<u64> {
    version
        .trim_start_matches('v')
        .split(['.', '-', '+'])
        .map_while(|part| part.parse().ok())
        .collect()
}

/// The published versions of `api`, oldest first.
pub fn published_versions(root: &Path, api: &str) -> Result<Vec<(String, PathBuf)>> {
    let dir = root.join(PUBLISHED);
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(&dir) else {
        return Ok(out);
    };
    let prefix = format!("{api}-");
    for entry in entries {
        let path = entry?.path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "yaml")
            && let Some(version) = stem.strip_prefix(&prefix)
        {
            // `coupa-accounts-1.0.0` must not be taken for api `coupa` version `accounts-1.0.0`.
            if version.starts_with(|c: char| c.is_ascii_digit() || c == 'v') {
                out.push((version.to_owned(), path));
            }
        }
    }
    out.sort_by_key(|(v, _)| version_key(v));
    Ok(out)
}

/// Freezes the current bundled form of every spec whose version is not published yet.
/// Returns the files written.
pub fn publish(root: &Path) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    fs::create_dir_all(root.join(PUBLISHED))?;
    for path in spec::spec_files(root)? {
        let api = spec::api_name(&path);
        let bundled = spec::bundle(&path)?;
        let version = version(&bundled);
        let target = root.join(PUBLISHED).join(format!("{api}-{version}.yaml"));
        if target.exists() {
            let frozen = spec::load(&target)?;
            if frozen != bundled {
                // A published version is immutable: changing it would break the promise made to
                // partners who already have it.
                let report = diff(&frozen, &bundled);
                if !report.changes.is_empty() {
                    bail!(
                        "{api} {version} is already published and the spec differs from it; bump info.version in {}",
                        spec::display(root, &path)
                    );
                }
            }
            continue;
        }
        if let Some((latest, latest_path)) = published_versions(root, &api)?.pop() {
            let report = diff(&spec::load(&latest_path)?, &bundled);
            if !report.gate_passes() {
                bail!(
                    "{api} {version} has breaking changes against {latest} without a major version bump:\n{}",
                    breaking_lines(&report)
                );
            }
        }
        // The one YAML writer: it quotes what YAML 1.1 readers would take for a date, a number
        // or a boolean. (Versions published before it stay as they are.)
        let body = spec::to_yaml_checked(&bundled)
            .with_context(|| format!("failed to write {api} {version} as YAML"))?;
        let text = format!(
            "# Published {api} {version}: the bundled form of {} at publication. Do not edit;\n# `cargo xtask publish` writes it and the breaking-change gate compares against it.\n{body}",
            spec::display(root, &path),
        );
        fs::write(&target, text)?;
        written.push(target);
    }
    Ok(written)
}

fn breaking_lines(report: &Report) -> String {
    report
        .breaking()
        .map(|c| format!("  {c}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Prints every change of `report` with a heading; returns whether the gate passes.
pub fn print_report(title: &str, report: &Report) -> bool {
    println!("{title}: {} -> {}", report.old_version, report.new_version);
    if report.changes.is_empty() {
        println!("  no changes to the wire contract");
    }
    for change in &report.changes {
        println!("  {change}");
    }
    let breaking = report.breaking().count();
    let passes = report.gate_passes();
    match (breaking, passes) {
        (0, _) => {}
        (n, true) => println!("  {n} breaking change(s), allowed by the major version bump"),
        (n, false) => println!(
            "  {n} breaking change(s) without a major version bump: FAIL (bump the major version of info.version, or keep the change compatible)"
        ),
    }
    passes
}

/// Compares two spec files (each bundled from its own location).
pub fn diff_files(old: &Path, new: &Path) -> Result<Report> {
    Ok(diff(&spec::bundle(old)?, &spec::bundle(new)?))
}

/// What the gate found: one report per API that has a published version, and the APIs that
/// have none yet.
#[derive(Debug)]
pub struct Gate {
    pub reports: Vec<(String, Report)>,
    pub unpublished: Vec<String>,
}

/// The gate: every spec against its newest published version.
pub fn gate(root: &Path) -> Result<Gate> {
    let mut reports = Vec::new();
    let mut unpublished = Vec::new();
    for path in spec::spec_files(root)? {
        let api = spec::api_name(&path);
        match published_versions(root, &api)?.pop() {
            Some((_, published)) => {
                let report = diff(&spec::load(&published)?, &spec::bundle(&path)?);
                reports.push((api, report));
            }
            None => unpublished.push(api),
        }
    }
    Ok(Gate {
        reports,
        unpublished,
    })
}

/// Every spec against its committed version at a git revision. The `openapi/` tree of that
/// revision is extracted into a temporary directory so its cross-file references resolve there.
pub fn diff_base(root: &Path, base: &str) -> Result<Vec<(String, Report)>> {
    let tmp = tempfile::tempdir()?;
    let listing = git(
        root,
        &["ls-tree", "-r", "--name-only", base, "--", "openapi"],
    )?;
    for file in listing
        .lines()
        .filter(|f| f.ends_with(".yaml") && !f.starts_with(PUBLISHED))
    {
        let contents = git(root, &["show", &format!("{base}:{file}")])?;
        let target = tmp.path().join(file);
        if let Some(dir) = target.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(target, contents)?;
    }
    let mut reports = Vec::new();
    for path in spec::spec_files(root)? {
        let api = spec::api_name(&path);
        let old_path = tmp
            .path()
            .join("openapi")
            .join(path.file_name().unwrap_or_default());
        if !old_path.exists() {
            println!("{api}: new at this revision (not in {base})");
            continue;
        }
        reports.push((api, diff_files(&old_path, &path)?));
    }
    Ok(reports)
}

fn git(root: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .context("failed to run git")?;
    if !output.status.success() {
        bail!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8(output.stdout)?)
}
