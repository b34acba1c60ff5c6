//! Each lint rule has one fixture, `fixtures/lint/<rule-id>.yaml`, a small bad spec derived
//! from `fixtures/lint/good.yaml` on which the rule fires with its exact message; the good
//! fixture (which references a shared file) is clean, and the README's rule table is the
//! registry's. Every fixture with operations declares `info.x-spendapi-vendor` (except the
//! vendor rules' own), so that it reports only what it is meant to; `shared.yaml` holds only
//! components and declares none.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use xtask::lint::{Finding, Rule, lint};

/// The fixtures that belong to no rule: the clean spec and the file it references.
const NOT_RULES: &[&str] = &["good", "shared"];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint")
}

fn lint_fixture(name: &str) -> Vec<Finding> {
    let dir = fixtures();
    lint(&dir, &[dir.join(format!("{name}.yaml"))])
}

/// The findings for one fixture, as `pointer: message` lines.
fn findings(name: &str) -> Vec<String> {
    lint_fixture(name)
        .into_iter()
        .map(|f| {
            assert!(f.file.ends_with(".yaml"), "finding names its file: {f}");
            format!("{}: {}", f.pointer, f.message)
        })
        .collect()
}

const OP: &str = "/paths/~1things~1{id}/get";

#[test]
fn good_fixture_is_clean() {
    assert_eq!(findings("good"), Vec::<String>::new());
    assert_eq!(findings("shared"), Vec::<String>::new());
}

#[test]
fn each_rule_fires_with_a_precise_message() {
    let cases: &[(&str, &[&str])] = &[
        (
            "unresolvable-ref",
            &[
                "/paths/~1things~1{id}/get/responses/404/content/application~1json/schema: unresolvable reference './shared.yaml#/components/schemas/Missing'",
            ],
        ),
        (
            "unreadable-file",
            &[
                ": failed to parse {DIR}/unreadable-file.yaml: did not find expected ',' or '}' at line 3 column 1, while parsing a flow mapping at line 2 column 7",
            ],
        ),
        (
            "missing-operation-id",
            &["{OP}: operation has no operationId"],
        ),
        (
            "operation-id-snake-case",
            &["{OP}: operationId 'getThing' is not snake_case"],
        ),
        ("no-summary", &["{OP}: operation has no summary"]),
        ("no-tags", &["{OP}: operation has no tags"]),
        (
            "no-security",
            &["{OP}: operation has no security requirement"],
        ),
        (
            "property-without-description",
            &["/components/schemas/Thing/properties/name: property 'name' has no description"],
        ),
        (
            "unbundlable",
            &[
                ": cannot be bundled: {DIR}/unbundlable.yaml: /components/schemas/Error is defined here and differently in {DIR}/shared.yaml",
            ],
        ),
        (
            "invalid-json-example",
            &[
                "{OP}/responses/200/content/application~1json/examples/one/value: example does not validate against its schema: /id: \"one\" is not of type \"integer\"; /name: \"toolong\" is longer than 5 characters; /kind: \"Huge\" is not one of \"Big\" or \"Small\"",
            ],
        ),
        (
            "invalid-xml-example",
            &[
                "{OP}/responses/200/content/application~1xml/examples/one/value: example is not well-formed XML: ill-formed document: expected `</id>`, but `</thing>` was found",
            ],
        ),
        (
            "openapi-version",
            &["/openapi: version 3.1.0 is not OpenAPI 3.0.x (progenitor reads 3.0 only)"],
        ),
        (
            "path-item-ref",
            &[
                "/paths/~1alias: path item is a $ref (progenitor refuses them; write the operations here)",
            ],
        ),
        (
            "inline-body-schema",
            &[
                "{OP}/responses/200/content/application~1json/schema: inline response schema: use a named component schema ($ref)",
            ],
        ),
        ("no-responses", &["{OP}: operation has no responses"]),
        (
            "status-200-and-204",
            &["{OP}: 200 and 204 on one operation (progenitor panics)"],
        ),
        (
            "status-200-and-201",
            &["{OP}: 200 and 201 with different schemas on one operation (progenitor panics)"],
        ),
        (
            "typed-default",
            &[
                "{OP}: error responses of different schemas: #/components/schemas/Thing for default; ./shared.yaml#/components/schemas/Error for 404 (progenitor panics; use one error schema)",
                "{OP}: typed 2xx response with a typed 'default' response (progenitor panics)",
            ],
        ),
        (
            "mixed-error-schemas",
            &[
                "{OP}: error responses of different schemas: #/components/schemas/Thing for 400; ./shared.yaml#/components/schemas/Error for 404 (progenitor panics; use one error schema)",
            ],
        ),
        (
            "enum-case",
            &[
                "/components/schemas/Thing/properties/kind/enum: enum values 'Big' and 'big' differ only in case (progenitor panics)",
            ],
        ),
        (
            "rust-name-collision",
            &[
                "/components/schemas/Thing/properties/created_by: properties 'created-by' and 'created_by' map to one Rust field name",
            ],
        ),
        (
            "required-not-defined",
            &[
                "/components/schemas/Thing/required: required property 'nmae' is not defined in properties",
                "{OP}/responses/200/content/application~1json/examples/one/value: example does not validate against its schema: /: \"nmae\" is a required property",
            ],
        ),
        (
            "deep-object",
            &["{OP}/parameters/1: deepObject query parameters are refused by progenitor"],
        ),
        (
            "cookie-parameter",
            &["{OP}/parameters/1: cookie parameters are refused by progenitor"],
        ),
        (
            "vendor-missing",
            &[
                "/info: info.x-spendapi-vendor is missing: expected one of 'coupa-core', 'coupa-sourcing', 'concur'",
            ],
        ),
        (
            "vendor-unknown",
            &[
                "/info/x-spendapi-vendor: info.x-spendapi-vendor 'sap-ariba' is unknown: expected one of 'coupa-core', 'coupa-sourcing', 'concur'",
            ],
        ),
        (
            "nullable-without-type",
            &[
                "/components/schemas/Thing/properties/parent/nullable: 'nullable: true' without a sibling 'type' has no effect in OpenAPI 3.0.3 (add the type)",
            ],
        ),
        (
            "nullable-composition",
            &[
                "/components/schemas/Thing/properties/parent/nullable: 'nullable: true' beside './shared.yaml#/components/schemas/Error' does not admit null in OpenAPI 3.0: the target is not nullable and its constraints still apply (mark the target 'nullable: true' beside its type, or drop 'nullable' here)",
            ],
        ),
        (
            "closed-response-enum",
            &[
                "/components/schemas/Thing/properties/kind/enum: enum on a schema only responses use: a value the vendor adds later breaks readers (describe the values, or mark 'x-closed-enum: <reason>')",
            ],
        ),
        (
            "closed-response-enum-ref",
            &[
                "/components/schemas/Kind/enum: enum on a schema only responses use: a value the vendor adds later breaks readers (describe the values, or mark 'x-closed-enum: <reason>')",
                "/components/schemas/Thing/properties/kind: refers to the enum 'Kind' from a schema only responses use: a value the vendor adds later breaks readers (describe the values, or mark 'x-closed-enum: <reason>')",
            ],
        ),
        (
            "parameter-range",
            &[
                "{OP}/parameters/1/description: the description says values are clamped, but 'maximum: 50' makes a larger value invalid",
                "{OP}/parameters/1/example: 0 is below the parameter's minimum 1",
                "{OP}/parameters/1/schema/default: 100 is above the parameter's maximum 50",
            ],
        ),
        (
            "xml-without-example",
            &[
                "{OP}/responses/200/content/application~1xml: XML media type without an example although its JSON sibling has one",
            ],
        ),
    ];
    let dir = fixtures();
    let dir = dir.to_string_lossy();
    for (fixture, expected) in cases {
        let expected: Vec<String> = expected
            .iter()
            .map(|e| e.replace("{OP}", OP).replace("{DIR}", &dir))
            .collect();
        assert_eq!(findings(fixture), expected, "fixture {fixture}");
    }
    // Every rule has its messages pinned, here or in its own test below.
    let mut pinned: BTreeSet<&str> = cases.iter().map(|(fixture, _)| *fixture).collect();
    pinned.insert("duplicate-operation-id");
    let ids: BTreeSet<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
    assert_eq!(pinned, ids);
}

#[test]
fn duplicate_operation_ids_name_both_places() {
    let found = findings("duplicate-operation-id");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("/paths/~1other/get: duplicate operationId 'get_thing' (also at ")
    );
    assert!(found[0].ends_with("duplicate-operation-id.yaml: /paths/~1things~1{id}/get)"));
}

#[test]
fn one_fixture_per_rule_and_it_fires() {
    // A fixture without a rule would silently test nothing; a rule without one, untested.
    let stems: BTreeSet<String> = std::fs::read_dir(fixtures())
        .expect("fixtures dir")
        .map(|e| {
            let path = e.expect("entry").path();
            assert_eq!(path.extension().and_then(|e| e.to_str()), Some("yaml"));
            path.file_stem()
                .expect("stem")
                .to_string_lossy()
                .into_owned()
        })
        .filter(|stem| !NOT_RULES.contains(&stem.as_str()))
        .collect();
    let ids: BTreeSet<String> = Rule::ALL.iter().map(|r| r.id().to_owned()).collect();
    assert_eq!(stems, ids, "fixtures/lint/<rule-id>.yaml, one per rule");
    for rule in Rule::ALL {
        let found = lint_fixture(rule.id());
        assert!(
            found.iter().any(|f| f.rule == *rule),
            "{}.yaml has no finding of its rule: {found:?}",
            rule.id()
        );
    }
}

#[test]
fn findings_print_their_rule_id() {
    let found = lint_fixture("no-tags");
    assert_eq!(
        found[0].to_string(),
        format!("error[no-tags] no-tags.yaml: {OP}: operation has no tags")
    );
}

#[test]
fn the_readme_rule_table_is_the_registry() {
    let readme = std::fs::read_to_string(xtask::spec::workspace_root().join("README.md"))
        .expect("README.md");
    let table: Vec<(String, String)> = readme
        .lines()
        .skip_while(|line| *line != "| rule | what it checks |")
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let row = line.trim_start_matches("| ").trim_end_matches(" |");
            let (id, description) = row.split_once(" | ").expect("two columns");
            (id.trim_matches('`').to_owned(), description.to_owned())
        })
        .collect();
    let registry: Vec<(String, String)> = Rule::ALL
        .iter()
        .map(|r| (r.id().to_owned(), r.description().to_owned()))
        .collect();
    assert_eq!(
        table, registry,
        "README.md's lint rule table, in registry order"
    );
}

#[test]
fn the_workspace_specs_lint_clean() {
    let root = xtask::spec::workspace_root();
    let specs = xtask::spec::spec_files(&root).expect("spec files");
    assert!(!specs.is_empty());
    let found: Vec<String> = lint(&root, &specs)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        found.is_empty(),
        "cargo xtask lint fails:\n{}",
        found.join("\n")
    );
}
