//! The breaking-change gate on the real specs: removing a response property fails it unless the
//! major version is bumped; `publish` refuses the same change.

mod support;

use support::copy_dir;

use xtask::{publish, spec};

fn workspace_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &spec::workspace_root().join("openapi"),
        &tmp.path().join("openapi"),
    );
    tmp
}

#[test]
fn the_committed_specs_pass_the_gate() {
    let publish::Gate {
        reports,
        unpublished,
    } = publish::gate(&spec::workspace_root()).expect("gate");
    assert!(
        unpublished.is_empty(),
        "every spec has a published version: {unpublished:?}"
    );
    for (api, report) in reports {
        assert!(report.gate_passes(), "{api}: {:?}", report.changes);
    }
}

#[test]
fn removing_a_response_property_fails_the_gate_without_a_major_bump() {
    let tmp = workspace_copy();
    let spec = tmp.path().join("openapi/cso-events.yaml");
    // `reference-number` is an optional response property of Event.
    let text = std::fs::read_to_string(&spec).expect("read");
    let doc = spec::parse(&text).expect("parse");
    assert!(
        doc.pointer("/components/schemas/Event/properties/reference-number")
            .is_some()
    );
    let mut edited = doc.clone();
    edited["components"]["schemas"]["Event"]["properties"]
        .as_object_mut()
        .expect("properties")
        .remove("reference-number");
    std::fs::write(&spec, serde_json::to_string_pretty(&edited).expect("json")).expect("write");

    let reports = publish::gate(tmp.path()).expect("gate").reports;
    let (_, report) = reports
        .iter()
        .find(|(api, _)| api == "cso-events")
        .expect("cso report");
    assert!(!report.gate_passes());
    assert!(
        report
            .breaking()
            .any(|c| c.rule.id() == "response-property-removed"
                && c.location.contains("reference-number")),
        "{:?}",
        report.changes
    );
    let err = publish::publish(tmp.path()).expect_err("publish refuses a breaking minor version");
    assert!(format!("{err:#}").contains("already published"), "{err:#}");

    // The same change with a new major version passes, and can be published.
    edited["info"]["version"] = "4.0.0".into();
    std::fs::write(&spec, serde_json::to_string_pretty(&edited).expect("json")).expect("write");
    let reports = publish::gate(tmp.path()).expect("gate").reports;
    let (_, report) = reports
        .iter()
        .find(|(api, _)| api == "cso-events")
        .expect("cso report");
    assert!(report.gate_passes());
    let before: Vec<String> = publish::published_versions(tmp.path(), "cso-events")
        .expect("versions")
        .into_iter()
        .map(|v| v.0)
        .collect();
    let written = publish::publish(tmp.path()).expect("publish");
    assert_eq!(written.len(), 1);
    assert!(written[0].ends_with("cso-events-4.0.0.yaml"));
    // Written by the bundle's YAML writer, after the two header lines.
    let text = std::fs::read_to_string(&written[0]).expect("published file");
    let body: String = text.split_inclusive('\n').skip(2).collect();
    let bundled = spec::bundle(&spec).expect("bundle");
    assert_eq!(body, xtask::bundle::to_yaml(&bundled));
    assert_eq!(spec::load(&written[0]).expect("reads back"), bundled);
    let versions: Vec<String> = publish::published_versions(tmp.path(), "cso-events")
        .expect("versions")
        .into_iter()
        .map(|v| v.0)
        .collect();
    assert!(before.starts_with(&["1.0.0".to_owned(), "1.1.0".into(), "2.0.0".into()]));
    assert_eq!(versions, [before, vec!["4.0.0".to_owned()]].concat());
}

#[test]
fn adding_an_optional_request_property_passes_the_gate() {
    let tmp = workspace_copy();
    let spec = tmp.path().join("openapi/cso-events.yaml");
    let mut doc = spec::load(&spec).expect("load");
    doc["components"]["schemas"]["EventCreate"]["properties"]["extra-note"] =
        serde_json::json!({"type": "string", "description": "An optional extra."});
    std::fs::write(&spec, serde_json::to_string_pretty(&doc).expect("json")).expect("write");
    let reports = publish::gate(tmp.path()).expect("gate").reports;
    let (_, report) = reports
        .iter()
        .find(|(api, _)| api == "cso-events")
        .expect("cso report");
    assert!(report.gate_passes(), "{:?}", report.changes);
    assert!(
        !report.changes.is_empty(),
        "the added property is reported as non-breaking"
    );
}

#[test]
fn diff_base_compares_with_the_committed_version() {
    let tmp = workspace_copy();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args([
                "-c",
                "user.name=test",
                "-c",
                "user.email=test@example.invalid",
            ])
            .args(args)
            .current_dir(tmp.path())
            .output()
            .expect("git runs");
        assert!(
            status.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["add", "openapi"]);
    git(&["commit", "-q", "-m", "specs"]);

    let spec = tmp.path().join("openapi/cso-events.yaml");
    let mut doc = spec::load(&spec).expect("load");
    doc["components"]["schemas"]["Event"]["properties"]
        .as_object_mut()
        .expect("properties")
        .remove("reference-number");
    std::fs::write(&spec, serde_json::to_string_pretty(&doc).expect("json")).expect("write");

    let reports = publish::diff_base(tmp.path(), "HEAD").expect("diff --base");
    assert_eq!(reports.len(), 5, "every spec is compared");
    for (api, report) in &reports {
        if api == "cso-events" {
            assert!(
                report
                    .breaking()
                    .any(|c| c.rule.id() == "response-property-removed")
            );
        } else {
            assert!(report.changes.is_empty(), "{api}: {:?}", report.changes);
        }
    }
}

/// The command line: `cargo xtask diff OLD NEW` prints each change with its class and location
/// and exits non-zero on a breaking change.
#[test]
fn diff_command_exit_status_follows_the_classification() {
    let fixtures =
        spec::workspace_root().join("crates/spec-diff/tests/fixtures/response-property-removed");
    let run = |new: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("diff")
            .arg(fixtures.join("old.yaml"))
            .arg(fixtures.join(new))
            .output()
            .expect("xtask runs")
    };
    let breaking = run("breaking.yaml");
    let stdout = String::from_utf8_lossy(&breaking.stdout);
    assert_eq!(breaking.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("breaking") && stdout.contains("response-property-removed"),
        "{stdout}"
    );
    let ok = run("ok.yaml");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
}
