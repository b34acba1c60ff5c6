//! Fixture pairs per rule, plus behaviour tests of `spendapi_spec_diff::diff`.
//!
//! `tests/fixtures/<rule-id>/` holds `old.yaml`, `ok.yaml` and, for a breaking rule,
//! `breaking.yaml`. `old -> breaking` must report that rule and no other breaking rule;
//! `old -> ok` (the non-breaking near-miss) must report exactly the rules listed on its first
//! line, `# expect: <rule-id>, ...` (or `none`), none of them breaking.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use spendapi_spec_diff::{Class, Report, Rule, diff};

fn load(path: &Path) -> Value {
    spendapi_spec::load(path).unwrap_or_else(|e| panic!("{e:#}"))
}

fn listing(report: &Report) -> String {
    report
        .changes
        .iter()
        .map(|c| format!("\n    {c}"))
        .collect()
}

fn fixture_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut dirs: Vec<_> = fs::read_dir(&root)
        .expect("failed to list tests/fixtures")
        .map(|e| e.expect("failed to read a fixture entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn rule(id: &str) -> Rule {
    *Rule::ALL
        .iter()
        .find(|r| r.id() == id)
        .unwrap_or_else(|| panic!("unknown rule id `{id}`"))
}

/// The rule ids on the `# expect:` line that opens `ok.yaml`.
fn expected(ok: &Path) -> BTreeSet<&'static str> {
    let text = fs::read_to_string(ok).expect("failed to read ok.yaml");
    let line = text.lines().next().unwrap_or_default();
    let list = line
        .strip_prefix("# expect:")
        .unwrap_or_else(|| panic!("{} must open with `# expect: <rule-id>, ...`", ok.display()))
        .trim();
    if list == "none" {
        return BTreeSet::new();
    }
    list.split(',').map(|id| rule(id.trim()).id()).collect()
}

#[test]
fn fixtures() {
    let mut failures = Vec::new();
    let mut with_breaking = BTreeSet::new();
    let mut near_misses = BTreeSet::new();
    for dir in fixture_dirs() {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("utf-8 fixture name")
            .to_owned();
        let this = rule(&name);
        let old = load(&dir.join("old.yaml"));

        let breaking_file = dir.join("breaking.yaml");
        if breaking_file.exists() {
            with_breaking.insert(this);
            if this.class() != Class::Breaking {
                failures.push(format!(
                    "{name}: has breaking.yaml but the rule is non-breaking"
                ));
            }
            let report = diff(&old, &load(&breaking_file));
            let hit = report.breaking().any(|c| c.rule == this);
            let others = report.breaking().any(|c| c.rule != this);
            if !hit || others {
                failures.push(format!(
                    "{name}: old -> breaking reported:{}",
                    listing(&report)
                ));
            }
        }

        let ok_file = dir.join("ok.yaml");
        let want = expected(&ok_file);
        near_misses.extend(want.iter().copied());
        let report = diff(&old, &load(&ok_file));
        let got: BTreeSet<_> = report.changes.iter().map(|c| c.rule.id()).collect();
        if report.breaking().next().is_some() || got != want {
            failures.push(format!(
                "{name}: old -> ok expected {want:?}, reported:{}",
                listing(&report)
            ));
        }
    }
    for r in Rule::ALL {
        match r.class() {
            Class::Breaking if !with_breaking.contains(r) => {
                failures.push(format!("{}: no fixture with a breaking.yaml", r.id()));
            }
            Class::NonBreaking if !near_misses.contains(r.id()) => {
                failures.push(format!("{}: not expected by any fixture's ok.yaml", r.id()));
            }
            _ => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn identical_documents_have_no_changes() {
    for dir in fixture_dirs() {
        for file in ["old.yaml", "breaking.yaml", "ok.yaml"] {
            let path = dir.join(file);
            if path.exists() {
                let doc = load(&path);
                let report = diff(&doc, &doc);
                assert!(
                    report.changes.is_empty(),
                    "{}:{}",
                    path.display(),
                    listing(&report)
                );
                assert!(report.gate_passes());
            }
        }
    }
}

fn fixture(rule: &str, file: &str) -> Value {
    load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(rule)
            .join(file),
    )
}

fn with_version(mut doc: Value, version: &str) -> Value {
    doc["info"]["version"] = json!(version);
    doc
}

#[test]
fn gate_needs_a_major_bump_for_breaking_changes() {
    let old = with_version(fixture("path-removed", "old.yaml"), "1.4.2");
    let breaking = fixture("path-removed", "breaking.yaml");
    let ok = fixture("path-removed", "ok.yaml");

    let report = diff(&old, &with_version(breaking.clone(), "1.5.0"));
    assert_eq!(
        (report.old_version.as_str(), report.new_version.as_str()),
        ("1.4.2", "1.5.0")
    );
    assert!(!report.major_bumped());
    assert!(!report.gate_passes());

    for version in ["2.0.0", "2.0", "v2"] {
        let report = diff(&old, &with_version(breaking.clone(), version));
        assert!(report.major_bumped(), "{version}");
        assert!(report.gate_passes(), "{version}");
    }

    let report = diff(&old, &with_version(ok, "1.5.0"));
    assert!(report.gate_passes());
}

#[test]
fn display_is_one_line() {
    let report = diff(
        &fixture("path-removed", "old.yaml"),
        &fixture("path-removed", "breaking.yaml"),
    );
    let lines: Vec<_> = report.changes.iter().map(ToString::to_string).collect();
    assert_eq!(lines, ["breaking  path-removed  /users: path removed"]);
}

/// A document whose parameters, request body, responses and schemas are all `$ref`s.
fn referenced(name_type: &str, page_max: u64) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1.0.0"},
        "paths": {"/accounts": {"post": {
            "parameters": [{"$ref": "#/components/parameters/Page"}],
            "requestBody": {"$ref": "#/components/requestBodies/AccountBody"},
            "responses": {"201": {"$ref": "#/components/responses/Created"}},
        }}},
        "components": {
            "parameters": {"Page": {"name": "page", "in": "query",
                "schema": {"$ref": "#/components/schemas/PageNumber"}}},
            "requestBodies": {"AccountBody": {"required": true, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Account"}}}}},
            "responses": {"Created": {"description": "Created.", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Account"}}}}},
            "schemas": {
                "PageNumber": {"type": "integer", "maximum": page_max},
                "Account": {"type": "object", "properties": {
                    "owner": {"$ref": "#/components/schemas/Owner"}}},
                "Owner": {"type": "object", "properties": {"name": {"type": name_type}}},
            },
        },
    })
}

#[test]
fn references_into_components_are_followed() {
    let old = referenced("string", 100);

    let report = diff(&old, &referenced("integer", 100));
    let found: Vec<_> = report
        .changes
        .iter()
        .map(|c| (c.rule, c.location.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                Rule::TypeChanged,
                "POST /accounts requestBody application/json /properties/owner/properties/name"
            ),
            (
                Rule::TypeChanged,
                "POST /accounts responses.201 application/json /properties/owner/properties/name"
            ),
        ],
        "{}",
        listing(&report)
    );

    let report = diff(&old, &referenced("string", 50));
    let found: Vec<_> = report
        .changes
        .iter()
        .map(|c| (c.rule, c.location.as_str()))
        .collect();
    assert_eq!(
        found,
        [(
            Rule::RequestConstraintTightened,
            "POST /accounts parameters.query.page"
        )]
    );
}

fn tree(extra: Value) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1.0.0"},
        "paths": {"/nodes": {"get": {"responses": {"200": {"description": "OK.", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}}}}}},
        "components": {"schemas": {
            "Node": {"type": "object", "properties": {
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                "parent": {"$ref": "#/components/schemas/Node"},
                "owner": {"$ref": "#/components/schemas/Person"},
                "base": {"allOf": [{"$ref": "#/components/schemas/Node"}]},
            }},
            "Person": {"type": "object", "properties": extra},
            "Team": {"type": "object", "properties": {"members": {"type": "array",
                "items": {"$ref": "#/components/schemas/Person"}}}},
        }},
    })
}

#[test]
fn recursive_schemas_terminate() {
    let person = |label: &str| {
        json!({
            "label": {"type": "string", "enum": [label]},
            "team": {"$ref": "#/components/schemas/Team"},
            "self": {"allOf": [{"$ref": "#/components/schemas/Person"}]},
        })
    };
    let old = tree(person("a"));
    assert!(diff(&old, &old).changes.is_empty());

    let report = diff(&old, &tree(person("b")));
    let found: Vec<_> = report
        .changes
        .iter()
        .map(|c| (c.rule, c.location.as_str()))
        .collect();
    let at = "GET /nodes responses.200 application/json /properties/owner/properties/label";
    assert_eq!(
        found,
        [
            (Rule::ResponseEnumValueRemoved, at),
            (Rule::ResponseEnumValueAdded, at)
        ]
    );
}

fn shared(account: Value) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1.0.0"},
        "paths": {"/accounts/{id}": {"put": {
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Account"}}}},
            "responses": {"200": {"description": "OK.", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Account"}}}}},
        }}},
        "components": {"schemas": {"Account": account}},
    })
}

#[test]
fn a_schema_in_both_directions_gets_both_rule_sets() {
    let old = shared(
        json!({"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string"}, "code": {"type": "string", "format": "uuid"}}}),
    );
    let new = shared(json!({"type": "object", "properties": {
        "name": {"type": "string"}, "code": {"type": "string"}}}));
    let report = diff(&old, &new);
    let found: Vec<_> = report
        .changes
        .iter()
        .map(|c| (c.rule, c.location.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                Rule::RequestPropertyBecameOptional,
                "PUT /accounts/{id} requestBody application/json /properties/name"
            ),
            (
                Rule::TypeChanged,
                "PUT /accounts/{id} requestBody application/json /properties/code"
            ),
            (
                Rule::ResponsePropertyBecameOptional,
                "PUT /accounts/{id} responses.200 application/json /properties/name"
            ),
            (
                Rule::TypeChanged,
                "PUT /accounts/{id} responses.200 application/json /properties/code"
            ),
        ],
        "{}",
        listing(&report)
    );
}

#[test]
fn read_only_properties_are_not_part_of_requests() {
    let old = shared(json!({"type": "object", "properties": {"name": {"type": "string"}}}));
    let new = shared(json!({"type": "object", "required": ["id"], "properties": {
        "id": {"type": "string", "readOnly": true}, "name": {"type": "string"}}}));
    let report = diff(&old, &new);
    let rules: Vec<_> = report.changes.iter().map(|c| c.rule).collect();
    assert_eq!(rules, [Rule::ResponsePropertyAdded], "{}", listing(&report));
}

#[test]
fn restructuring_without_changing_meaning_is_not_a_change() {
    // Properties moved into an `allOf` base, a path parameter renamed, an inline schema
    // replaced by an equal component.
    let old = shared(
        json!({"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string"}, "code": {"type": "string"}}}),
    );
    let mut new = shared(json!({"allOf": [
        {"$ref": "#/components/schemas/Named"},
        {"type": "object", "properties": {"code": {"type": "string"}}},
    ]}));
    new["components"]["schemas"]["Named"] =
        json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}});
    let renamed = new["paths"]["/accounts/{id}"].take();
    new["paths"] = json!({"/accounts/{account-id}": renamed});
    new["paths"]["/accounts/{account-id}"]["put"]["parameters"][0]["name"] = json!("account-id");
    let report = diff(&old, &new);
    assert!(report.changes.is_empty(), "{}", listing(&report));
}
