//! Adding an API is one YAML file: a scratch copy of the workspace gets one new spec per vendor
//! (`xtask/tests/fixtures/new-api/openapi/`, named without their vendor), `cargo xtask generate`
//! runs, and a small crate added beside the others (`fixtures/new-api/crates/new-api-check`)
//! builds against the result and checks over loopback that every new client sends its vendor's
//! credentials and headers and decodes its vendor's error body, and that every new server trait
//! serves its operations behind vendor-format rejections. No file of the workspace is edited:
//! the test also checks that only generated files and `Cargo.lock` differ from the original.
//!
//! The scratch workspace builds in its own target directory (`<target>/new-api-workspace`, kept
//! between runs): a copy must not share one with the original, whose fingerprints would claim
//! its artifacts fresh.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::copy_dir;
use xtask::spec;

const FIXTURES: &str = "xtask/tests/fixtures/new-api";

/// Every file below `dir` (skipping build output), relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("read_dir") {
            let entry = entry.expect("entry");
            let path = entry.path();
            if entry.file_type().expect("type").is_dir() {
                if entry.file_name() != "target" {
                    walk(base, &path, out);
                }
            } else {
                let rel = path.strip_prefix(base).expect("inside").to_string_lossy();
                out.insert(rel.replace('\\', "/"), std::fs::read(&path).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn cargo(dir: &Path, target: &Path, args: &[&str]) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        // The scratch build is thrown away after its checks: no incremental cache, line tables
        // only (about a third of the disk of a full debug build).
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_PROFILE_DEV_DEBUG", "line-tables-only")
        .env_remove("RUSTC_WRAPPER")
        .output()
        .expect("run cargo");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "`cargo {}` failed:\n{text}",
        args.join(" ")
    );
    text
}

#[test]
fn a_new_spec_per_vendor_is_fully_wired_by_generate_alone() {
    let root = spec::workspace_root();
    let scratch = tempfile::tempdir().expect("tempdir");
    let ws = scratch.path();
    for file in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(root.join(file), ws.join(file)).expect("copy");
    }
    for dir in [".cargo", "crates", "xtask", "tests", "openapi"] {
        copy_dir(&root.join(dir), &ws.join(dir));
    }
    let before = tree(ws);

    let fixtures = root.join(FIXTURES);
    let mut new_specs = Vec::new();
    for entry in std::fs::read_dir(fixtures.join("openapi")).expect("fixture specs") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        std::fs::copy(&path, ws.join("openapi").join(&name)).expect("copy spec");
        new_specs.push(format!("openapi/{name}"));
    }
    assert_eq!(new_specs.len(), 3, "one spec per vendor");
    copy_dir(
        &fixtures.join("crates/new-api-check"),
        &ws.join("crates/new-api-check"),
    );

    let target: PathBuf = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("new-api-workspace");
    cargo(ws, &target, &["xtask", "generate"]);
    let tested = cargo(ws, &target, &["test", "-p", "new-api-check"]);
    assert!(
        tested.contains("test result: ok. 6 passed; 0 failed"),
        "the wiring checks ran:\n{tested}"
    );

    // Only the new specs, the added check crate, generated code and the lock file differ.
    let after = tree(ws);
    let changed: Vec<&String> = after
        .keys()
        .chain(before.keys())
        .filter(|path| before.get(*path) != after.get(*path))
        .filter(|path| {
            !(path.contains("/src/generated/")
                || *path == "Cargo.lock"
                || path.starts_with("crates/new-api-check/")
                || new_specs.contains(path))
        })
        .collect();
    assert!(
        changed.is_empty(),
        "files edited outside openapi/ and generated code: {changed:?}"
    );
    let generated: Vec<&String> = after
        .keys()
        .filter(|path| path.contains("/src/generated/") && before.get(*path) != after.get(*path))
        .collect();
    for module in ["lookup_values", "sourcing_lots", "expense_comments"] {
        for krate in ["spendapi-client", "spendapi-server", "spendapi-types"] {
            let path = format!("crates/{krate}/src/generated/{module}.rs");
            assert!(generated.contains(&&path), "{path} was generated");
        }
    }
}
