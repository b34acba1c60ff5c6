//! The version policy, checked against the release recorded in `release.toml`: the
//! publishable crates share one version, and a spec whose major version rose since the release
//! (what `cargo xtask diff --published` demands of a breaking spec change) or that was removed
//! raises the crates' major version. `cargo semver-checks` (CI) covers breaking changes of the
//! Rust API itself against the same release.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn major(version: &str) -> u64 {
    version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("not a version: {version}"))
}

/// `key = "value"` lines of a TOML section (`""` for the top level).
fn section(text: &str, name: &str) -> BTreeMap<String, String> {
    let mut current = String::new();
    let mut out = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = header.to_owned();
        } else if current == name
            && let Some((key, value)) = line.split_once('=')
            && !line.starts_with('#')
        {
            out.insert(
                key.trim().to_owned(),
                value.trim().trim_matches('"').to_owned(),
            );
        }
    }
    out
}

/// The version of a crate of the workspace, from its manifest.
fn crate_version(name: &str) -> String {
    let manifest = std::fs::read_to_string(root().join("crates").join(name).join("Cargo.toml"))
        .expect("manifest");
    section(&manifest, "package")
        .remove("version")
        .expect("a version")
}

/// `info.version` of every spec, by API name.
fn spec_versions() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(root().join("openapi")).expect("openapi dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("spec");
        let version = text
            .lines()
            .find_map(|line| line.strip_prefix("  version:"))
            .map(|v| v.trim().trim_matches(['"', '\'']).to_owned())
            .expect("info.version");
        let name = path
            .file_stem()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        out.insert(name, version);
    }
    out
}

#[test]
fn the_publishable_crates_share_one_version() {
    let client = env!("CARGO_PKG_VERSION");
    assert_eq!(crate_version("spendapi-types"), client);
    assert_eq!(crate_version("spendapi-mock"), client);
    assert_eq!(crate_version("spendapi-cli"), client);
}

#[test]
fn a_spec_major_bump_since_the_release_raises_the_crates_major() {
    let record = std::fs::read_to_string(root().join("release.toml")).expect("release.toml");
    let released = section(&record, "").remove("version").expect("version");
    let released_specs = section(&record, "specs");
    let current = env!("CARGO_PKG_VERSION");
    let specs = spec_versions();

    let mut breaking = Vec::new();
    for (api, then) in &released_specs {
        match specs.get(api) {
            None => breaking.push(format!("{api} was removed")),
            Some(now) if major(now) > major(then) => breaking.push(format!("{api} {then} → {now}")),
            Some(_) => {}
        }
    }
    if breaking.is_empty() {
        assert!(
            major(current) >= major(&released),
            "the crates' version {current} is below the release {released}"
        );
    } else {
        assert!(
            major(current) > major(&released),
            "specs changed major version since release {released} ({}), so the crates' major \
             version must rise too (now {current}); see the README's version policy",
            breaking.join(", ")
        );
    }
}
