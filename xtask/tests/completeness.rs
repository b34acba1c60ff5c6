//! The specs cover what the vendor documents: every action of the source pages as an operation
//! and every documented element as a property, with the documented required flags, lengths and
//! enumerations. The lists below are transcribed from the vendor pages (`shared/seeds/`) and the
//! vendor conventions page; a spec edit that drops or retypes one of them fails here.

use std::collections::BTreeSet;

use serde_json::Value;
use xtask::spec;

fn bundled(api: &str) -> Value {
    let root = spec::workspace_root();
    spec::bundle(&root.join(format!("openapi/{api}.yaml"))).expect("bundle")
}

/// A schema with local `$ref`s and one-element `allOf` wrappers followed.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let target = spec::resolve(doc, schema).expect("local ref resolves");
    match target
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        Some([only]) => resolve(doc, only),
        _ => target,
    }
}

fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc.pointer(&format!("/components/schemas/{name}"))
        .unwrap_or_else(|| panic!("schema {name} exists"))
}

fn property<'a>(doc: &'a Value, schema_name: &str, prop: &str) -> &'a Value {
    let s = schema(doc, schema_name);
    let p = s["properties"]
        .get(prop)
        .unwrap_or_else(|| panic!("{schema_name} has property {prop}"));
    resolve(doc, p)
}

fn required(doc: &Value, schema_name: &str) -> BTreeSet<String> {
    schema(doc, schema_name)["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn assert_properties(doc: &Value, schema_name: &str, expected: &[&str]) {
    for prop in expected {
        property(doc, schema_name, prop);
    }
}

fn operations(doc: &Value) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                out.insert((method.to_uppercase(), path.clone(), id.to_owned()));
            }
        }
    }
    out
}

fn ops(list: &[(&str, &str, &str)]) -> BTreeSet<(String, String, String)> {
    list.iter()
        .map(|(m, p, i)| ((*m).into(), (*p).into(), (*i).into()))
        .collect()
}

#[test]
fn accounts() {
    let doc = bundled("coupa-accounts");
    assert_eq!(
        operations(&doc),
        ops(&[
            ("GET", "/api/accounts", "list_accounts"),
            ("POST", "/api/accounts", "create_account"),
            (
                "PUT",
                "/api/accountAllocations",
                "update_account_allocation"
            ),
            ("GET", "/api/accounts/{id}", "get_account"),
            ("PUT", "/api/accounts/{id}", "update_account"),
        ])
    );
    let mut elements = vec![
        "id",
        "name",
        "code",
        "active",
        "account-type",
        "account-type-id",
        "created-at",
        "updated-at",
        "created-by",
        "updated-by",
    ];
    let segments: Vec<String> = (1..=20).map(|i| format!("segment-{i}")).collect();
    elements.extend(segments.iter().map(String::as_str));
    assert_properties(&doc, "Account", &elements);
    for ro in [
        "id",
        "code",
        "account-type-id",
        "created-at",
        "updated-at",
        "created-by",
        "updated-by",
    ] {
        let p = &schema(&doc, "Account")["properties"][ro];
        assert_eq!(p["readOnly"], true, "Account.{ro} is read-only");
    }
    assert_eq!(property(&doc, "Account", "name")["maxLength"], 1024);
    for segment in &segments {
        assert_eq!(property(&doc, "Account", segment)["maxLength"], 100);
    }
    assert!(required(&doc, "AccountCreate").contains("account-type"));
    assert!(
        doc.pointer("/paths/~1api~1accounts/post/responses/201")
            .is_some(),
        "create answers 201"
    );
}

#[test]
fn delegations() {
    let doc = bundled("coupa-delegations");
    assert_eq!(
        operations(&doc),
        ops(&[("GET", "/api/delegations", "list_delegations")])
    );
    assert_properties(
        &doc,
        "Delegation",
        &[
            "approval-delegate",
            "created-at",
            "created-by",
            "delegate",
            "delegate-id",
            "delegator",
            "delegator-id",
            "end-date",
            "id",
            "invoice-requester-delegate",
            "reason",
            "receiving-delegate",
            "review-delegate",
            "start-date",
            "updated-at",
            "updated-by",
        ],
    );
    assert_eq!(property(&doc, "Delegation", "reason")["maxLength"], 255);
    assert_eq!(
        property(&doc, "Delegation", "start-date")["format"],
        "date-time"
    );
    // The full user objects of the example, and the short ones.
    assert_properties(
        &doc,
        "User",
        &[
            "id",
            "login",
            "email",
            "firstname",
            "lastname",
            "roles",
            "default-currency",
            "custom-fields",
        ],
    );
    assert_properties(
        &doc,
        "UserSimple",
        &[
            "id",
            "login",
            "employee-number",
            "firstname",
            "lastname",
            "fullname",
            "email",
            "salesforce-id",
            "avatar-thumb-url",
            "gpo-entity",
            "custom-fields",
        ],
    );
}

#[test]
fn integration_history_records() {
    let doc = bundled("coupa-integration-history-records");
    let base = "/api/integration_history_records";
    let expected = [
        ("POST", base.to_owned(), "create_integration_history_record"),
        ("GET", base.to_owned(), "list_integration_history_records"),
        (
            "GET",
            format!("{base}/{{id}}"),
            "get_integration_history_record",
        ),
        (
            "PUT",
            format!("{base}/{{id}}"),
            "update_integration_history_record",
        ),
        (
            "PATCH",
            format!("{base}/{{id}}"),
            "patch_integration_history_record",
        ),
        (
            "POST",
            format!("{base}/acknowledge"),
            "acknowledge_integration_history_record",
        ),
        (
            "POST",
            format!("{base}/create_alert"),
            "create_alert_integration_history_record",
        ),
        (
            "POST",
            format!("{base}/create_alert_and_mark_exported"),
            "create_alert_and_mark_exported_integration_history_record",
        ),
        (
            "POST",
            format!("{base}/mark_exported"),
            "mark_exported_integration_history_record",
        ),
        (
            "PUT",
            format!("{base}/{{id}}/resolve"),
            "resolve_integration_history_record",
        ),
        (
            "PUT",
            format!("{base}/{{id}}/unresolve"),
            "unresolve_integration_history_record",
        ),
    ];
    let expected: BTreeSet<_> = expected
        .into_iter()
        .map(|(m, p, i)| (m.to_owned(), p, i.to_owned()))
        .collect();
    assert_eq!(operations(&doc), expected);

    assert_properties(
        &doc,
        "IntegrationHistoryRecord",
        &[
            "contact-alert-type",
            "created-at",
            "created-by",
            "creation-method",
            "document-id",
            "document-revision",
            "document-status",
            "document-type",
            "external-id",
            "id",
            "integration",
            "integration-run-id",
            "integration-filename",
            "resolved",
            "responses",
            "status",
            "updated-at",
            "updated-by",
        ],
    );
    assert_properties(&doc, "IntegrationHistoryRecordCreate", &["integration-run"]);
    assert_eq!(
        required(&doc, "IntegrationHistoryRecordCreate"),
        ["contact-alert-type", "document-id", "document-type"]
            .map(String::from)
            .into()
    );
    for s255 in [
        "contact-alert-type",
        "creation-method",
        "document-status",
        "external-id",
        "status",
    ] {
        assert_eq!(
            property(&doc, "IntegrationHistoryRecord", s255)["maxLength"],
            255,
            "{s255}"
        );
    }
    // The 31 documented values close the write schemas; the response describes them but
    // accepts a type Coupa adds later.
    for write in [
        "IntegrationHistoryRecordCreate",
        "IntegrationHistoryRecordUpdate",
    ] {
        assert_eq!(
            property(&doc, write, "document-type")["enum"],
            schema(&doc, "IntegrationDocumentType")["enum"],
            "{write}"
        );
    }
    let read = property(&doc, "IntegrationHistoryRecord", "document-type");
    assert!(
        read.get("enum").is_none(),
        "the response's document-type is open"
    );
    assert_eq!(read["maxLength"], 255);
    let document_types = schema(&doc, "IntegrationDocumentType")["enum"]
        .as_array()
        .expect("document-type is an enumeration")
        .clone();
    assert_eq!(document_types.len(), 31);
    for value in [
        "ExternalOrderHeader",
        "Asn::Header",
        "Payables::External::Payable",
        "InventoryRequestHeader",
    ] {
        assert!(document_types.contains(&Value::from(value)), "{value}");
    }
    assert_properties(
        &doc,
        "IntegrationResponse",
        &[
            "id",
            "response-code",
            "response-message",
            "created-at",
            "updated-at",
        ],
    );
}

#[test]
fn cso_events() {
    let doc = bundled("cso-events");
    assert_eq!(
        operations(&doc),
        ops(&[
            ("GET", "/api/events", "list_events"),
            ("POST", "/api/events", "create_events"),
            ("PUT", "/api/events", "update_events"),
            ("DELETE", "/api/events", "delete_events"),
            ("GET", "/api/events/{id}", "get_event"),
            ("PUT", "/api/events/{id}", "update_event"),
            ("DELETE", "/api/events/{id}", "delete_event"),
        ])
    );
    assert_properties(
        &doc,
        "Event",
        &[
            "id",
            "market-id",
            "state",
            "name",
            "description",
            "reference-number",
            "event-number",
            "time-zone",
            "settings",
        ],
    );
    assert_eq!(
        property(&doc, "Event", "state")["enum"],
        serde_json::json!(["Setup", "Active", "Terminated"])
    );
    assert!(required(&doc, "EventCreate").contains("market-id"));
    // CSO leaves out elements without a value: only the id is always in a returned event.
    assert_eq!(required(&doc, "Event"), BTreeSet::from(["id".to_owned()]));
    // market-id and event-number cannot be changed.
    for update in ["EventUpdate", "EventUpdateItem"] {
        let props = schema(&doc, update)["properties"]
            .as_object()
            .expect("properties");
        assert!(
            !props.contains_key("market-id") && !props.contains_key("event-number"),
            "{update}"
        );
    }
}

#[test]
fn concur_expense_allocations() {
    let doc = bundled("concur-expense-allocations");
    let base = "/expensereports/v4/users/{userID}/context/{contextType}/reports/{reportId}";
    let expected: BTreeSet<_> = [
        (
            "GET",
            format!("{base}/expenses/{{expenseId}}/allocations"),
            "list_expense_allocations",
        ),
        (
            "GET",
            format!("{base}/allocations/{{allocationId}}"),
            "get_report_allocation",
        ),
        (
            "PATCH",
            format!("{base}/allocations/{{allocationId}}"),
            "update_report_allocation",
        ),
    ]
    .into_iter()
    .map(|(m, p, i)| (m.to_owned(), p, i.to_owned()))
    .collect();
    assert_eq!(operations(&doc), expected);

    let tables: &[(&str, &[&str], &[&str])] = &[
        (
            "ReportAllocationResponse",
            &[
                "accountCode",
                "allocationAmount",
                "allocationId",
                "approvedAmount",
                "claimedAmount",
                "customData",
                "expenseId",
                "isPercentEdited",
                "isSystemAllocation",
                "overLimitAccountCode",
                "percentage",
            ],
            &[
                "allocationId",
                "expenseId",
                "isPercentEdited",
                "isSystemAllocation",
                "percentage",
            ],
        ),
        ("CustomData", &["id", "isValid", "value"], &["id"]),
        (
            "Amount",
            &["currencyCode", "value"],
            &["currencyCode", "value"],
        ),
        (
            "UpdateReportAllocation",
            &["allocation", "expenseIds"],
            &["allocation", "expenseIds"],
        ),
        ("UpdateAllocation", &["customData"], &[]),
        (
            "Link",
            &[
                "deprecation",
                "href",
                "hreflang",
                "isTemplated",
                "media",
                "method",
                "rel",
                "title",
                "type",
            ],
            &["href", "isTemplated", "method", "rel"],
        ),
        (
            "ErrorMessage",
            &[
                "errorId",
                "errorMessage",
                "httpStatus",
                "path",
                "timestamp",
                "validationErrors",
            ],
            &["errorMessage", "httpStatus", "path", "timestamp"],
        ),
        ("ValidationError", &["id", "message", "source"], &[]),
    ];
    for (name, props, req) in tables {
        assert_properties(&doc, name, props);
        let req: BTreeSet<String> = req.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(required(&doc, name), req, "{name} required");
    }
    assert_eq!(property(&doc, "CustomData", "value")["maxLength"], 48);
    assert_eq!(property(&doc, "Amount", "value")["format"], "double");
    assert_eq!(
        property(&doc, "ErrorMessage", "timestamp")["format"],
        "date-time"
    );
    let patch = &doc["paths"][format!("{base}/allocations/{{allocationId}}")]["patch"];
    let media: BTreeSet<&String> = patch["requestBody"]["content"]
        .as_object()
        .expect("content")
        .keys()
        .collect();
    assert_eq!(
        media.len(),
        2,
        "application/json and application/merge-patch+json"
    );
    assert!(patch["responses"].get("204").is_some());
    // contextType values per operation, as the vendor page lists them.
    let context = |path: String| {
        let params = doc["paths"][path]["parameters"]
            .as_array()
            .expect("path parameters");
        let param = params
            .iter()
            .map(|p| resolve(&doc, p))
            .find(|p| p["name"] == "contextType")
            .expect("contextType");
        resolve(&doc, &param["schema"])["enum"].clone()
    };
    assert_eq!(
        context(format!("{base}/expenses/{{expenseId}}/allocations")),
        serde_json::json!(["TRAVELER"])
    );
    assert_eq!(
        context(format!("{base}/allocations/{{allocationId}}")),
        serde_json::json!(["TRAVELER", "PROXY"])
    );
}

/// Security as the vendors document it, per operation.
#[test]
fn security_requirements() {
    let scopes = |api: &str, op_path: &str, method: &str| -> Value {
        bundled(api)["paths"][op_path][method]["security"].clone()
    };
    assert_eq!(
        scopes("coupa-accounts", "/api/accounts", "get"),
        serde_json::json!([{"coupa_oauth2": ["core.accounting.read"]}])
    );
    assert_eq!(
        scopes("coupa-accounts", "/api/accounts", "post"),
        serde_json::json!([{"coupa_oauth2": ["core.accounting.write"]}])
    );
    assert_eq!(
        scopes(
            "coupa-integration-history-records",
            "/api/integration_history_records/mark_exported",
            "post"
        ),
        serde_json::json!([{"coupa_oauth2": ["core.integration.write"]}])
    );
    assert_eq!(
        scopes("cso-events", "/api/events", "get"),
        serde_json::json!([{"cso_api_key": []}])
    );
    let concur = "/expensereports/v4/users/{userID}/context/{contextType}/reports/{reportId}/allocations/{allocationId}";
    assert_eq!(
        scopes("concur-expense-allocations", concur, "patch"),
        serde_json::json!([{"concur_oauth2": ["expense.report.readwrite"]}])
    );
}
