//! The generated code matches the specs (freshness), each generator's output for a small
//! fixture spec per feature is pinned by snapshots (`fixtures/generate/`), as is each real
//! spec's client view, the client view's steps do what they say, and a spec progenitor cannot
//! take fails readably.

mod support;

use std::path::PathBuf;

use support::copy_dir;

use serde_json::json;
use xtask::codegen::client::{self as client, client_view};
use xtask::codegen::{self as generate, cli, mock, server};
use xtask::{lint, spec};

/// `cargo test` fails on stale generated code, like `cargo xtask generate --check`.
#[test]
fn generated_code_is_fresh() {
    let root = spec::workspace_root();
    if let Err(err) = generate::ensure_fresh(&root) {
        panic!("{err:#}");
    }
}

/// Every `HashMap` gets a fresh random seed, so two renders in one process would differ if the
/// output depended on hash order anywhere in the generators.
#[test]
fn rendering_is_deterministic() {
    let root = spec::workspace_root();
    let first = generate::render(&root).expect("render");
    let second = generate::render(&root).expect("render");
    assert_eq!(first, second);
}

/// The client view of each real spec and the adaptations that made it: facts the committed
/// generated code does not show.
#[test]
fn snapshots_of_client_views() {
    let root = spec::workspace_root();
    for spec in client::client_specs(&root).expect("client specs") {
        let adaptations: Vec<String> = spec.adaptations.iter().map(ToString::to_string).collect();
        insta::assert_yaml_snapshot!(
            format!("client_view_adaptations__{}", spec.api),
            adaptations
        );
        insta::assert_yaml_snapshot!(format!("client_view__{}", spec.api), spec.view);
    }
}

/// Small specs, one per generator feature; see [`generator_output_of_each_fixture`].
const FIXTURES: &str = "xtask/tests/fixtures/generate";

/// Each fixture rendered alone through every generator, one snapshot per crate
/// (`fixture__<name>__<crate>`), so a generator change shows as a small diff. The real specs'
/// output is pinned by the committed files ([`generated_code_is_fresh`]), not snapshotted.
#[test]
fn generator_output_of_each_fixture() {
    let root = spec::workspace_root();
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(root.join(FIXTURES))
        .expect("fixtures")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    fixtures.sort();
    assert!(!fixtures.is_empty(), "no fixture under {FIXTURES}");
    // `generate` refuses specs that do not lint clean; the fixtures must not rely on more.
    let findings: Vec<String> = lint::lint(&root, &fixtures)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(findings, Vec::<String>::new());
    for path in fixtures {
        let name = path
            .file_stem()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let specs = generate::load_specs(&root, std::slice::from_ref(&path)).expect("load");
        // The vendor's shared types are the same for every fixture and committed as they are.
        let shared: Vec<String> = specs
            .iter()
            .filter_map(|s| s.api.vendor.shared_components())
            .map(|c| format!("/{}.rs", c.module))
            .collect();
        let mut outputs = client::render(&root, &specs).expect("client");
        outputs.extend(server::render(&root, &specs).expect("server"));
        outputs.extend(mock::render(&root, &specs).expect("mock"));
        outputs.extend(cli::render(&root, &specs).expect("cli"));
        for krate in ["types", "client", "server", "mock", "cli"] {
            let prefix = format!("crates/spendapi-{krate}/");
            let files: Vec<String> = outputs
                .iter()
                .filter(|o| o.path.starts_with(&prefix))
                .filter(|o| !shared.iter().any(|s| o.path.ends_with(s.as_str())))
                .map(|o| format!("// ---- {} ----\n{}", o.path, o.contents))
                .collect();
            assert!(!files.is_empty(), "{name}: nothing generated in {prefix}");
            insta::assert_snapshot!(format!("fixture__{name}__{krate}"), files.join("\n"));
        }
    }
}

#[test]
fn editing_a_spec_makes_the_check_fail_with_a_diff() {
    let root = spec::workspace_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_dir(&root.join("openapi"), &tmp.path().join("openapi"));
    copy_dir(&root.join("crates"), &tmp.path().join("crates"));
    let fresh = generate::render(tmp.path()).expect("render");
    assert_eq!(
        generate::check(tmp.path(), &fresh).expect("check"),
        Vec::<String>::new()
    );

    let accounts = tmp.path().join("openapi/coupa-accounts.yaml");
    let text = std::fs::read_to_string(&accounts).expect("read");
    let edited = text.replacen("summary: ", "summary: Edited ", 1);
    assert_ne!(text, edited);
    std::fs::write(&accounts, edited).expect("write");

    let outputs = generate::render(tmp.path()).expect("render");
    let diffs = generate::check(tmp.path(), &outputs).expect("check");
    assert!(!diffs.is_empty(), "an edited spec must make the check fail");
    assert!(
        diffs
            .iter()
            .any(|d| d.contains("+") && d.contains("Edited")),
        "{diffs:?}"
    );

    generate::write(tmp.path(), &outputs).expect("write");
    assert_eq!(
        generate::check(tmp.path(), &outputs).expect("check"),
        Vec::<String>::new()
    );
}

#[test]
fn client_view_keeps_one_json_body_and_json_responses() {
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1", "x-note": "internal"},
        "paths": {"/a": {"patch": {
            "operationId": "patch_a",
            "requestBody": {"content": {
                "application/merge-patch+json": {"schema": {"$ref": "#/components/schemas/A"}}
            }},
            "responses": {"200": {"description": "ok", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/A"}},
                "application/xml": {"schema": {"$ref": "#/components/schemas/A"}}
            }}}
        }, "put": {
            "operationId": "put_a",
            "requestBody": {"content": {
                "application/xml": {"schema": {"$ref": "#/components/schemas/A"}},
                "application/json": {"schema": {"$ref": "#/components/schemas/A"}}
            }},
            "responses": {"204": {"description": "done"}}
        }}},
        "components": {"schemas": {"A": {"type": "object", "x-unconfirmed": "why"}}}
    });
    let (view, log) = client_view(&doc);
    let patch_body = &view["paths"]["/a"]["patch"]["requestBody"]["content"];
    assert_eq!(
        patch_body
            .as_object()
            .expect("map")
            .keys()
            .collect::<Vec<_>>(),
        ["application/json"]
    );
    let put_body = &view["paths"]["/a"]["put"]["requestBody"]["content"];
    assert_eq!(
        put_body
            .as_object()
            .expect("map")
            .keys()
            .collect::<Vec<_>>(),
        ["application/json"]
    );
    let ok = &view["paths"]["/a"]["patch"]["responses"]["200"]["content"];
    assert_eq!(
        ok.as_object().expect("map").keys().collect::<Vec<_>>(),
        ["application/json"]
    );
    assert!(view["info"].get("x-note").is_none());
    assert!(
        view["components"]["schemas"]["A"]
            .get("x-unconfirmed")
            .is_none()
    );
    let steps: Vec<&str> = log.iter().map(|a| a.step).collect();
    assert_eq!(
        steps,
        // Operations are visited in method order (put before patch).
        [
            "request-body-json-only",
            "request-body-json-only",
            "response-json-only",
            "strip-extensions"
        ]
    );
}

#[test]
fn a_shape_progenitor_cannot_take_is_a_readable_error_naming_the_operation() {
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/fine": {"get": {"operationId": "fine", "responses": {"204": {"description": "ok"}}}},
            "/bad": {"get": {
                "operationId": "both_200_and_204",
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "string"}}}},
                    "204": {"description": "none"}
                }
            }}
        }
    });
    let Err(err) = client::generate_code(&doc, &Default::default()) else {
        panic!("progenitor accepted a 200 + 204 operation");
    };
    let message = format!("{err:#}");
    assert!(
        message.contains("operation both_200_and_204 (GET /bad)"),
        "{message}"
    );
    assert!(!message.contains("operation fine"), "{message}");
}
