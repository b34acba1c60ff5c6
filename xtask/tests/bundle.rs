//! `cargo xtask bundle` on the real specs: every API gets its files, the specs are
//! self-contained and free of `x-` extensions, the HTML pages name every operation and load
//! nothing from the network, the changelog covers every API, and the output is byte-identical
//! from run to run.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use serde_json::Value;
use xtask::bundle::{self, MANIFEST};
use xtask::spec;

fn root() -> std::path::PathBuf {
    spec::workspace_root()
}

/// Bundles into a fresh temporary directory.
fn bundle_into_temp() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    bundle::run(&root(), dir.path()).expect("bundle");
    dir
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("failed to read {}: {e}", path.display()))
}

/// Every `(json pointer, key)` of an object key starting with `x-`, outside example values
/// (examples are data: their keys are the API's, not extensions).
fn extension_keys(value: &Value, pointer: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let here = spec::join(pointer, key);
                if key.starts_with("x-") {
                    out.push(here.clone());
                }
                if key != "example" && key != "examples" {
                    extension_keys(child, &here, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                extension_keys(item, &format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Every `$ref` string of a document, with where it sits.
fn refs(value: &Value, pointer: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let here = spec::join(pointer, key);
                if key == "$ref"
                    && let Value::String(target) = child
                {
                    out.push((here.clone(), target.clone()));
                }
                refs(child, &here, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                refs(item, &format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn operation_ids(doc: &Value) -> Vec<String> {
    spec::operations(doc)
        .map(|op| op.id().expect("operationId").to_owned())
        .collect()
}

/// The values of every `name="..."` attribute in `html`.
fn attribute_values(html: &str, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = html.to_ascii_lowercase();
    for quote in ['"', '\''] {
        let needle = format!("{name}={quote}");
        let mut from = 0;
        while let Some(at) = lower[from..].find(&needle) {
            let start = from + at + needle.len();
            let end = html[start..].find(quote).map_or(html.len(), |e| start + e);
            // Only real attributes: the character before the name is whitespace.
            let before = html[..from + at].chars().next_back();
            if before.is_some_and(char::is_whitespace) {
                out.push(html[start..end].to_owned());
            }
            from = end;
        }
    }
    out
}

/// Offline check of one page: no external `src`/`href`, no CSS imports or `url(`, no element
/// that would fetch something.
fn offline_problems(html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for attr in ["src", "href", "srcset", "action", "poster", "data"] {
        for value in attribute_values(html, attr) {
            let v = value.trim().to_ascii_lowercase();
            let external = v.starts_with("//") || v.contains(':');
            if external {
                problems.push(format!("{attr}=\"{value}\""));
            }
        }
    }
    // Text is escaped, so a raw `<tag` can only be markup.
    let lower = html.to_ascii_lowercase();
    for needle in [
        "<link", "<img", "<script", "<iframe", "<object", "<embed", "<video", "<audio", "<source",
        "<base",
    ] {
        if lower.contains(needle) {
            problems.push(format!("contains {needle}"));
        }
    }
    // CSS: the <style> elements and style attributes.
    let mut css: Vec<String> = attribute_values(html, "style");
    let mut rest = lower.as_str();
    while let Some(start) = rest.find("<style") {
        let end = rest[start..]
            .find("</style>")
            .map_or(rest.len(), |e| start + e);
        css.push(rest[start..end].to_owned());
        rest = &rest[end..];
    }
    for block in css {
        let block = block.to_ascii_lowercase();
        for needle in ["@import", "url(", "image-set(", "src:"] {
            if block.contains(needle) {
                problems.push(format!("CSS contains {needle}"));
            }
        }
    }
    problems
}

#[test]
fn every_api_is_bundled_self_contained_and_offline() {
    let dir = bundle_into_temp();
    let out = dir.path();
    let specs = spec::spec_files(&root()).expect("spec files");
    assert!(!specs.is_empty());
    for path in &specs {
        let api = spec::api_name(path);
        for ext in ["yaml", "json", "html"] {
            assert!(
                out.join(format!("{api}.{ext}")).is_file(),
                "{api}.{ext} is missing"
            );
        }

        // The JSON: pretty, newline-terminated, self-contained, without extensions.
        let json_text = read(&out.join(format!("{api}.json")));
        assert!(json_text.ends_with("}\n"), "{api}.json ends with a newline");
        let doc: Value = serde_json::from_str(&json_text).expect("valid JSON");
        let mut found = Vec::new();
        refs(&doc, "", &mut found);
        assert!(!found.is_empty(), "{api}: expected local references");
        for (at, target) in &found {
            assert!(
                target.starts_with("#/"),
                "{api}.json{at}: '{target}' is not a local reference"
            );
            assert!(
                doc.pointer(&target[1..]).is_some(),
                "{api}.json{at}: '{target}' does not resolve"
            );
        }
        let mut extensions = Vec::new();
        extension_keys(&doc, "", &mut extensions);
        assert_eq!(
            extensions,
            Vec::<String>::new(),
            "{api}.json keeps x- extensions"
        );

        // The YAML is the same document.
        let yaml = spec::load(&out.join(format!("{api}.yaml"))).expect("valid YAML");
        assert_eq!(yaml, doc, "{api}.yaml and {api}.json differ");

        // Unconfirmed notes are folded into descriptions, not lost.
        let source_text = read(path);
        if source_text.contains("x-unconfirmed") {
            assert!(
                json_text.contains("**Unconfirmed:** "),
                "{api}: unconfirmed notes were dropped"
            );
        }

        // The HTML names every operation of the source spec and loads nothing.
        let html = read(&out.join(format!("{api}.html")));
        let source = spec::load(path).expect("source spec");
        for op_id in operation_ids(&source) {
            assert!(
                html.contains(&format!("id=\"op-{op_id}\"")),
                "{api}.html has no anchor for {op_id}"
            );
            assert!(
                html.contains(&format!("<code>{op_id}</code>")),
                "{api}.html does not name {op_id}"
            );
        }
        assert_eq!(
            offline_problems(&html),
            Vec::<String>::new(),
            "{api}.html would load something"
        );
        assert!(
            html.contains("Content-Security-Policy"),
            "{api}.html has no CSP"
        );
        // Every in-page link has its target.
        for href in attribute_values(&html, "href") {
            if let Some(id) = href.strip_prefix('#') {
                assert!(
                    html.contains(&format!("id=\"{id}\"")),
                    "{api}.html: no element with id {id}"
                );
            }
        }
    }

    let index = read(&out.join("index.html"));
    assert_eq!(
        offline_problems(&index),
        Vec::<String>::new(),
        "index.html would load something"
    );
    for path in &specs {
        let api = spec::api_name(path);
        for ext in ["yaml", "json", "html"] {
            assert!(
                index.contains(&format!("href=\"{api}.{ext}\"")),
                "index.html does not link {api}.{ext}"
            );
        }
    }
    assert!(index.contains("id=\"changelog\""));
}

#[test]
fn the_offline_check_catches_external_resources() {
    let page = r##"<html><head><style>@import "x.css"; body { background: url(x.png) }</style>
        <link rel="stylesheet" href="https://cdn.example/x.css"></head>
        <body><a href="//example.com">x</a> <a href="#ok">ok</a> <a href="other.html">ok</a>
        <p>Text may say https://example.com or url( as &lt;img src=...&gt;.</p></body></html>"##;
    let problems = offline_problems(page);
    assert_eq!(
        problems,
        [
            "href=\"https://cdn.example/x.css\"",
            "href=\"//example.com\"",
            "contains <link",
            "CSS contains @import",
            "CSS contains url(",
        ]
    );
}

#[test]
fn the_changelog_covers_every_api_version_and_operation() {
    let changelog = read(&root().join(bundle::CHANGELOG));
    for path in spec::spec_files(&root()).expect("spec files") {
        let api = spec::api_name(&path);
        let doc = spec::load(&path).expect("spec");
        let version = doc["info"]["version"].as_str().expect("version");
        let heading = changelog
            .lines()
            .find(|l| l.starts_with("### ") && l.contains(&format!("(`{api}`)")))
            .unwrap_or_else(|| panic!("CHANGELOG.md has no entry for {api}"));
        assert!(
            heading.contains(version),
            "CHANGELOG.md: the entry for {api} does not name {version}"
        );
        for op_id in operation_ids(&doc) {
            assert!(
                changelog.contains(&format!("`{op_id}`")),
                "CHANGELOG.md does not mention {op_id} ({api})"
            );
        }
    }
}

#[test]
fn bundling_is_deterministic() {
    let first = bundle_into_temp();
    let second = bundle_into_temp();
    let a = bundle::read_tree(first.path()).expect("tree");
    let b = bundle::read_tree(second.path()).expect("tree");
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, content) in &a {
        assert!(
            content == &b[path],
            "{} differs between two runs",
            path.display()
        );
    }
    // Re-running into the same directory changes nothing either.
    bundle::run(&root(), first.path()).expect("second bundle");
    assert!(
        bundle::read_tree(first.path()).expect("tree") == a,
        "re-bundling changed the tree"
    );
}

#[test]
fn stale_files_go_and_foreign_files_stay() {
    let base = tempfile::tempdir().expect("temp dir");
    let out = base.path().join("dist");
    bundle::run(&root(), &out).expect("bundle");
    // A file an earlier bundle wrote (listed in the manifest) that this one does not write, and
    // a listed name outside the directory, which must never be followed.
    fs::write(out.join("retired-api.html"), "old").expect("write");
    fs::write(base.path().join("outside.txt"), "keep").expect("write");
    let manifest = read(&out.join(MANIFEST));
    fs::write(
        out.join(MANIFEST),
        format!("{manifest}retired-api.html\n../outside.txt\n"),
    )
    .expect("write");
    // A file nobody listed.
    fs::write(out.join("notes.txt"), "mine").expect("write");

    bundle::run(&root(), &out).expect("bundle");
    assert!(
        !out.join("retired-api.html").exists(),
        "a stale file survived"
    );
    assert_eq!(read(&out.join("notes.txt")), "mine");
    assert_eq!(read(&base.path().join("outside.txt")), "keep");
    let listed: BTreeSet<String> = read(&out.join(MANIFEST))
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    assert!(listed.contains("index.html") && !listed.contains("retired-api.html"));
}

#[test]
fn refuses_dangerous_targets() {
    let root = root();
    let err = bundle::run(&root, &root).expect_err("the workspace root");
    assert!(format!("{err:#}").contains("workspace root"), "{err:#}");
    let err = bundle::run(&root, &root.join("openapi")).expect_err("the spec directory");
    assert!(format!("{err:#}").contains("source specs"), "{err:#}");

    let crate_dir = tempfile::tempdir().expect("temp dir");
    fs::write(crate_dir.path().join("Cargo.toml"), "[package]\n").expect("write");
    let err = bundle::run(&root, crate_dir.path()).expect_err("a crate");
    assert!(format!("{err:#}").contains("Cargo.toml"), "{err:#}");

    // A file in the way that no bundle wrote is not overwritten.
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("index.html"), "someone else's").expect("write");
    let err = bundle::run(&root, dir.path()).expect_err("a foreign index.html");
    assert!(
        format!("{err:#}").contains("not written by a previous bundle"),
        "{err:#}"
    );
    assert_eq!(read(&dir.path().join("index.html")), "someone else's");
}
