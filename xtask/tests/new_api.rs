//! Adding an API is one YAML file: a scratch copy of the workspace gets one new spec per vendor
//! (`xtask/tests/fixtures/new-api/openapi/`, named without their vendor), `cargo xtask generate`
//! runs, and a small crate added beside the others (`fixtures/new-api/crates/new-api-check`)
//! builds against the result and checks over loopback that every new client sends its vendor's
//! credentials and headers and decodes its vendor's error body, that every new server trait
//! serves its operations behind vendor-format rejections, that every new API's typed mock
//! helpers answer its client and its `spendapi` subcommands call it (the CLI run against a
//! one-request server), and that the sandbox serves each new spec and answers its paths with
//! 501 in the vendor's format (it has no implementation for them). No file of the workspace is edited:
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

/// A server on 127.0.0.1 that answers one request with `body` as JSON; returns its base URL
/// and the request it read (head only).
fn answer_once(body: &'static str) -> (String, std::thread::JoinHandle<String>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let thread = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("a connection");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).expect("read") == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("write");
        head
    });
    (base, thread)
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
        tested.contains("test result: ok. 8 passed; 0 failed"),
        "the wiring checks ran:\n{tested}"
    );

    // The CLI has a subcommand per new operation, with the vendor's credentials, and prints
    // what the API answers.
    cargo(ws, &target, &["build", "-p", "spendapi-cli"]);
    let spendapi = target.join("debug").join("spendapi");
    for (args, answer, expected_request) in [
        (
            &[
                "coupa",
                "lookup-values",
                "get",
                "--id",
                "7",
                "--token",
                "coupa-token",
            ][..],
            r#"{"id":7,"name":"Seven"}"#,
            "GET /api/lookup_values/7 ",
        ),
        (
            &[
                "cso",
                "sourcing-lots",
                "get",
                "--id",
                "9",
                "--api-key",
                "cso-key",
            ][..],
            r#"{"id":"9","name":"Lot 9"}"#,
            "GET /api/lots/9 ",
        ),
        (
            &[
                "concur",
                "expense-comments",
                "get",
                "--comment-id",
                "0123456789ABCDEF0123456789ABCDEF",
                "--token",
                "concur-token",
            ][..],
            r#"{"commentId":"0123456789ABCDEF0123456789ABCDEF","text":"ok"}"#,
            "GET /expensereports/v4/comments/0123456789ABCDEF0123456789ABCDEF ",
        ),
    ] {
        let (base, request) = answer_once(answer);
        let output = Command::new(&spendapi)
            .args(args)
            .args(["--base-url", &base])
            .output()
            .expect("run spendapi");
        assert!(
            output.status.success(),
            "spendapi {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let printed: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("JSON output");
        let sent: serde_json::Value = serde_json::from_str(answer).expect("JSON");
        assert_eq!(printed, sent, "spendapi {args:?}");
        let request = request.join().expect("the server thread");
        assert!(request.starts_with(expected_request), "{request}");
    }

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
        for krate in [
            "spendapi-cli",
            "spendapi-client",
            "spendapi-mock",
            "spendapi-server",
            "spendapi-types",
        ] {
            let path = format!("crates/{krate}/src/generated/{module}.rs");
            assert!(generated.contains(&&path), "{path} was generated");
        }
    }
}
