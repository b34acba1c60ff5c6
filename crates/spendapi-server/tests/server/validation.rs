//! Each class of bad input answers 400 (or 404/405/406/413/415) in the API's own error format:
//! Coupa XML and JSON, Concur `ErrorMessage`, the CSO `result` envelope. Never a 500 and never
//! axum's plain-text rejections.

use serde_json::{Value, json};

use crate::support::*;

const ACCOUNT_TYPE: &str = r#"{"account-type": {"id": 1}}"#;

/// The messages of a Coupa JSON error body, asserting its shape: `{"errors": {key: [..]}}`.
fn coupa_json(answer: &Answer, key: &str) -> Vec<String> {
    assert!(
        answer.content_type().starts_with("application/json"),
        "{answer:?}"
    );
    let body = answer.json();
    let errors = body["errors"]
        .as_object()
        .unwrap_or_else(|| panic!("not Coupa JSON errors: {}", answer.body));
    assert_eq!(
        errors.keys().collect::<Vec<_>>(),
        vec![key],
        "{}",
        answer.body
    );
    errors[key]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m.as_str().expect("text").to_owned())
        .collect()
}

/// The messages of a Coupa XML error body, asserting its exact shape.
fn coupa_xml(answer: &Answer) -> Vec<String> {
    assert!(
        answer.content_type().starts_with("application/xml"),
        "{answer:?}"
    );
    let body = &answer.body;
    let inner = body
        .strip_prefix(r#"<?xml version="1.0" encoding="UTF-8"?><errors>"#)
        .and_then(|b| b.strip_suffix("</errors>"))
        .unwrap_or_else(|| panic!("not Coupa XML errors: {body}"));
    inner
        .split("</error>")
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.strip_prefix("<error>")
                .unwrap_or_else(|| panic!("not an <error>: {s}"))
                .to_owned()
        })
        .collect()
}

/// A Concur `ErrorMessage`, asserting its required members.
fn concur_error(answer: &Answer, status: &str, path: &str) -> Value {
    assert!(
        answer.content_type().starts_with("application/json"),
        "{answer:?}"
    );
    let body = answer.json();
    assert_eq!(body["httpStatus"], status, "{}", answer.body);
    assert_eq!(body["path"], path);
    assert!(body["errorMessage"].as_str().is_some_and(|m| !m.is_empty()));
    let timestamp = body["timestamp"].as_str().expect("timestamp");
    chrono::DateTime::parse_from_rfc3339(timestamp).expect("an RFC 3339 timestamp");
    assert!(answer.headers.contains_key("concur-correlationid"));
    body
}

/// The entries of a CSO `result` envelope, asserting its shape and error type.
fn cso_result(answer: &Answer, kind: &str) -> Vec<String> {
    let body = answer.json();
    let entries = body["result"]
        .as_array()
        .unwrap_or_else(|| panic!("not a CSO result: {}", answer.body));
    assert!(!entries.is_empty());
    assert_eq!(
        body.as_object().map(|m| m.len()),
        Some(1),
        "only `result`: {}",
        answer.body
    );
    entries
        .iter()
        .map(|entry| {
            assert_eq!(entry["type"], kind, "{}", answer.body);
            entry["description"]
                .as_str()
                .expect("description")
                .to_owned()
        })
        .collect()
}

fn contains(messages: &[String], needle: &str) -> bool {
    messages.iter().any(|m| m.contains(needle))
}

#[tokio::test]
async fn coupa_malformed_json_answers_400_in_json_and_in_xml() {
    let app = crate::support::app("coupa-accounts");
    let answer = send(
        &app,
        request(
            "POST",
            "/api/accounts",
            &[BEARER, JSON],
            Some("{\"account-type\":"),
        ),
    )
    .await;
    assert_eq!(answer.status, 400);
    let messages = coupa_json(&answer, "account");
    assert!(messages[0].starts_with("malformed JSON"), "{messages:?}");

    let answer = send(
        &app,
        request(
            "POST",
            "/api/accounts",
            &[BEARER, JSON, ACCEPT_XML],
            Some("[1,"),
        ),
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(coupa_xml(&answer)[0].starts_with("malformed JSON"));
}

#[tokio::test]
async fn coupa_malformed_xml_answers_400() {
    let app = crate::support::app("coupa-accounts");
    for body in [
        "<account><name>x</account>",
        "not xml",
        "<user><name>x</name></user>",
    ] {
        let answer = send(
            &app,
            request(
                "POST",
                "/api/accounts",
                &[BEARER, XML, ACCEPT_XML],
                Some(body),
            ),
        )
        .await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        let messages = coupa_xml(&answer);
        assert!(
            messages[0].contains("XML") || messages[0].contains("root element"),
            "{messages:?}"
        );
    }
}

#[tokio::test]
async fn coupa_wrong_types_missing_fields_and_long_strings_answer_400_naming_the_field() {
    let app = crate::support::app("coupa-accounts");
    let long = "x".repeat(101);
    let cases = [
        (
            r#"{"account-type": {"id": "one"}}"#.to_owned(),
            "account-type/id",
        ),
        (
            r#"{"name": "no type"}"#.to_owned(),
            "\"account-type\" is a required property",
        ),
        (
            json!({"account-type": {"id": 1}, "segment-1": long}).to_string(),
            "segment-1",
        ),
        (
            r#"{"account-type": {"id": 1}, "active": "yes"}"#.to_owned(),
            "active",
        ),
    ];
    for (body, needle) in cases {
        let answer = send(
            &app,
            request("POST", "/api/accounts", &[BEARER, JSON], Some(&body)),
        )
        .await;
        assert_eq!(answer.status, 400, "{body}");
        let messages = coupa_json(&answer, "account");
        assert!(contains(&messages, needle), "{needle} not in {messages:?}");
    }
    // The same checks apply to XML bodies: a long segment read from XML.
    let xml = format!(
        "<account><account-type><id>1</id></account-type><segment-1>{long}</segment-1></account>"
    );
    let answer = send(
        &app,
        request(
            "POST",
            "/api/accounts",
            &[BEARER, XML, ACCEPT_XML],
            Some(&xml),
        ),
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(contains(&coupa_xml(&answer), "segment-1"));
    // A valid body passes.
    let answer = send(
        &app,
        request("POST", "/api/accounts", &[BEARER, JSON], Some(ACCOUNT_TYPE)),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
}

#[tokio::test]
async fn coupa_unknown_enum_values_answer_400() {
    let app = crate::support::app("coupa-integration-history-records");
    let body =
        json!({"contact-alert-type": "Functional", "document-id": 1, "document-type": "Nonsense"})
            .to_string();
    let answer = send(
        &app,
        request(
            "POST",
            "/api/integration_history_records",
            &[BEARER, JSON],
            Some(&body),
        ),
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(contains(
        &coupa_json(&answer, "integration-history-record"),
        "document-type"
    ));

    let app = crate::support::app("coupa-accounts");
    let answer = send(
        &app,
        request("GET", "/api/accounts?dir=sideways", &[BEARER], None),
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(contains(
        &coupa_json(&answer, "account"),
        "query parameter 'dir'"
    ));
}

#[tokio::test]
async fn coupa_bad_path_and_query_parameters_answer_400() {
    let app = crate::support::app("coupa-accounts");
    let cases = [
        ("/api/accounts/abc", "path parameter 'id'"),
        ("/api/accounts/0", "path parameter 'id'"),
        (
            "/api/accounts?limit=51",
            "51 is greater than the maximum of 50",
        ),
        ("/api/accounts?limit=ten", "query parameter 'limit'"),
        ("/api/accounts?active=maybe", "query parameter 'active'"),
        (
            "/api/accounts?updated-at%5Bgt%5D=yesterday",
            "query parameter 'updated-at[gt]'",
        ),
        // Coupa treats dashes and underscores in attribute names alike.
        (
            "/api/accounts?updated_at%5Bgt%5D=yesterday",
            "query parameter 'updated-at[gt]'",
        ),
    ];
    for (uri, needle) in cases {
        let answer = send(&app, request("GET", uri, &[BEARER], None)).await;
        assert_eq!(answer.status, 400, "{uri}: {}", answer.body);
        assert!(
            contains(&coupa_json(&answer, "account"), needle),
            "{uri}: {}",
            answer.body
        );
        let answer = send(&app, request("GET", uri, &[BEARER, ACCEPT_XML], None)).await;
        assert_eq!(answer.status, 400);
        assert!(contains(&coupa_xml(&answer), needle));
    }
    // A path segment that does not decode to text is a 400 in the same format.
    let answer = send(
        &app,
        request("GET", "/api/accounts/%FF", &[BEARER, ACCEPT_XML], None),
    )
    .await;
    assert_eq!(answer.status, 400);
    coupa_xml(&answer);
    // Well-formed filters pass, including bracketed and dashed names.
    let answer = send(
        &app,
        request(
            "GET",
            "/api/accounts?limit=5&updated-at%5Bgt%5D=2024-01-01T00:00:00-08:00&segment-1=SF",
            &[BEARER],
            None,
        ),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test]
async fn coupa_media_type_size_route_and_method_errors() {
    let app = crate::support::app("coupa-accounts");
    let answer = send(
        &app,
        request(
            "POST",
            "/api/accounts",
            &[BEARER, ("content-type", "text/plain")],
            Some(ACCOUNT_TYPE),
        ),
    )
    .await;
    assert_eq!(answer.status, 415);
    assert!(contains(&coupa_json(&answer, "account"), "text/plain"));
    let answer = send(
        &app,
        request("POST", "/api/accounts", &[BEARER], Some(ACCOUNT_TYPE)),
    )
    .await;
    assert_eq!(answer.status, 415, "missing Content-Type");

    let answer = send(
        &app,
        request(
            "GET",
            "/api/accounts",
            &[BEARER, ("accept", "text/html")],
            None,
        ),
    )
    .await;
    assert_eq!(answer.status, 406);
    assert!(contains(&coupa_json(&answer, "account"), "text/html"));

    let small = spendapi_server::coupa_accounts::router_with(
        Canned,
        spendapi_server::Options { body_limit: 64 },
    );
    let big = json!({"account-type": {"id": 1}, "name": "x".repeat(200)}).to_string();
    let answer = send(
        &small,
        request(
            "POST",
            "/api/accounts",
            &[BEARER, JSON, ACCEPT_XML],
            Some(&big),
        ),
    )
    .await;
    assert_eq!(answer.status, 413);
    assert!(contains(&coupa_xml(&answer), "larger than 64 bytes"));

    let answer = send(&app, request("GET", "/api/nothing-here", &[BEARER], None)).await;
    assert_eq!(answer.status, 404);
    assert!(contains(
        &coupa_json(&answer, "request"),
        "/api/nothing-here"
    ));
    let answer = send(
        &app,
        request("GET", "/api/nothing-here", &[ACCEPT_XML], None),
    )
    .await;
    assert_eq!(answer.status, 404);
    coupa_xml(&answer);

    let answer = send(&app, request("DELETE", "/api/accounts", &[BEARER], None)).await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.headers["allow"], "GET, POST");
    assert!(contains(&coupa_json(&answer, "request"), "DELETE"));

    let answer = send(
        &app,
        request("PUT", "/api/accounts/1", &[BEARER, JSON], Some("")),
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(contains(
        &coupa_json(&answer, "account"),
        "request body is required"
    ));
}

const ALLOCATION: &str = "/expensereports/v4/users/32c2fcc3-b2e8-4907-9672-5b3f49b1c643/context/TRAVELER/reports/764428DD6A664AF0BFCB/allocations/3BBB494511E1C74DA04469C45B039871";

#[tokio::test]
async fn concur_errors_are_error_messages() {
    let app = crate::support::app("concur-expense-allocations");
    // A malformed report id in the path.
    let bad = ALLOCATION.replace("764428DD6A664AF0BFCB", "not-a-report");
    let answer = send(&app, request("GET", &bad, &[BEARER], None)).await;
    assert_eq!(answer.status, 400);
    let body = concur_error(&answer, "400 - Bad Request", &bad);
    assert_eq!(body["errorMessage"], "Validation failed");
    assert_eq!(body["validationErrors"][0]["id"], "reportId");
    assert_eq!(body["validationErrors"][0]["source"], "path");

    // An unknown context type.
    let bad = ALLOCATION.replace("TRAVELER", "MANAGER");
    let answer = send(&app, request("GET", &bad, &[BEARER], None)).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        concur_error(&answer, "400 - Bad Request", &bad)["validationErrors"][0]["id"],
        "contextType"
    );

    // A custom field value over 48 characters, and a missing required member.
    let long = json!({"allocation": {"customData": [{"id": "custom9", "value": "x".repeat(49)}]}, "expenseIds": ["29EE3C62F5D844458828A5C1086072D1"]});
    let answer = send(
        &app,
        request(
            "PATCH",
            ALLOCATION,
            &[BEARER, JSON],
            Some(&long.to_string()),
        ),
    )
    .await;
    assert_eq!(answer.status, 400);
    let body = concur_error(&answer, "400 - Bad Request", ALLOCATION);
    assert_eq!(
        body["validationErrors"][0]["id"],
        "allocation/customData/0/value"
    );
    assert_eq!(body["validationErrors"][0]["source"], "body");
    let answer = send(
        &app,
        request(
            "PATCH",
            ALLOCATION,
            &[BEARER, JSON],
            Some(r#"{"allocation": {}}"#),
        ),
    )
    .await;
    assert_eq!(answer.status, 400);
    let body = concur_error(&answer, "400 - Bad Request", ALLOCATION);
    assert!(
        body["validationErrors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("expenseIds"))
    );

    // Malformed JSON, a wrong media type, an unknown route.
    let answer = send(
        &app,
        request("PATCH", ALLOCATION, &[BEARER, JSON], Some("{")),
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(
        concur_error(&answer, "400 - Bad Request", ALLOCATION)["errorMessage"]
            .as_str()
            .is_some_and(|m| m.starts_with("malformed JSON"))
    );
    let answer = send(
        &app,
        request("PATCH", ALLOCATION, &[BEARER, XML], Some("<a/>")),
    )
    .await;
    assert_eq!(answer.status, 415);
    concur_error(&answer, "415 - Unsupported Media Type", ALLOCATION);
    let answer = send(
        &app,
        request("GET", "/expensereports/v4/nothing", &[BEARER], None),
    )
    .await;
    assert_eq!(answer.status, 404);
    concur_error(&answer, "404 - Not Found", "/expensereports/v4/nothing");
    let answer = send(&app, request("DELETE", ALLOCATION, &[BEARER], None)).await;
    assert_eq!(answer.status, 405);
    concur_error(&answer, "405 - Method Not Allowed", ALLOCATION);
}

#[tokio::test]
async fn cso_errors_are_result_envelopes() {
    let app = crate::support::app("cso-events");
    let cases: [(&str, &str, Option<&str>, &str); 5] = [
        ("POST", "/api/events", Some(r#"{"events": []}"#), "events"),
        (
            "POST",
            "/api/events",
            Some(r#"{"events": [{"market-id": "1", "state": "active"}]}"#),
            "events/0/state",
        ),
        (
            "POST",
            "/api/events",
            Some(r#"{"events": [{"name": "no market"}]}"#),
            "market-id",
        ),
        (
            "GET",
            "/api/events?limit=251",
            None,
            "query parameter 'limit'",
        ),
        ("GET", "/api/events/12a", None, "path parameter 'id'"),
    ];
    for (method, uri, body, needle) in cases {
        let answer = send(&app, request(method, uri, &[CSO_KEY, JSON], body)).await;
        assert_eq!(answer.status, 400, "{uri} {body:?}: {}", answer.body);
        let descriptions = cso_result(&answer, "api.error.validation");
        assert!(
            contains(&descriptions, needle),
            "{needle} not in {descriptions:?}"
        );
    }
    let answer = send(
        &app,
        request("POST", "/api/events", &[CSO_KEY, JSON], Some("{]")),
    )
    .await;
    assert_eq!(answer.status, 400);
    cso_result(&answer, "api.error.malformed");
    let answer = send(
        &app,
        request("POST", "/api/events", &[CSO_KEY, XML], Some("<events/>")),
    )
    .await;
    assert_eq!(answer.status, 415);
    cso_result(&answer, "api.error.unsupported_media_type");
    let answer = send(
        &app,
        request(
            "GET",
            "/api/events",
            &[CSO_KEY, ("accept", "application/xml")],
            None,
        ),
    )
    .await;
    assert_eq!(answer.status, 406);
    cso_result(&answer, "api.error.not_acceptable");
    let answer = send(&app, request("PATCH", "/api/events", &[CSO_KEY], None)).await;
    assert_eq!(answer.status, 405);
    cso_result(&answer, "api.error.method_not_allowed");
    let answer = send(&app, request("GET", "/api/nope", &[CSO_KEY], None)).await;
    assert_eq!(answer.status, 404);
    cso_result(&answer, "api.error.not_found");
}

#[tokio::test]
async fn auth_failures_answer_401_and_403_in_each_format() {
    // Coupa: JSON and XML, missing, invalid and under-scoped tokens.
    let app = crate::support::app("coupa-accounts");
    let answer = send(&app, request("GET", "/api/accounts", &[], None)).await;
    assert_eq!(answer.status, 401);
    assert!(contains(
        &coupa_json(&answer, "authentication"),
        "missing Authorization header"
    ));
    let answer = send(
        &app,
        request(
            "GET",
            "/api/accounts",
            &[("authorization", "Bearer stolen"), ACCEPT_XML],
            None,
        ),
    )
    .await;
    assert_eq!(answer.status, 401);
    assert!(contains(
        &coupa_xml(&answer),
        "Invalid or expired access token"
    ));
    let answer = send(
        &app,
        request(
            "GET",
            "/api/accounts",
            &[("authorization", "Basic dXNlcjpwdw==")],
            None,
        ),
    )
    .await;
    assert_eq!(answer.status, 401);
    let answer = send(
        &app,
        request(
            "POST",
            "/api/accounts",
            &[READ_ONLY, JSON],
            Some(ACCOUNT_TYPE),
        ),
    )
    .await;
    assert_eq!(answer.status, 403);
    assert!(contains(
        &coupa_json(&answer, "authorization"),
        "core.accounting.write"
    ));
    let answer = send(
        &app,
        request(
            "POST",
            "/api/accounts",
            &[READ_ONLY, JSON, ACCEPT_XML],
            Some(ACCOUNT_TYPE),
        ),
    )
    .await;
    assert_eq!(answer.status, 403);
    assert!(contains(&coupa_xml(&answer), "core.accounting.write"));
    // Auth is checked before the body is read: an unauthenticated bad body is a 401.
    let answer = send(&app, request("POST", "/api/accounts", &[JSON], Some("{"))).await;
    assert_eq!(answer.status, 401);

    // Concur: the documented 401 text, 403 for a read-only token on the PATCH.
    let app = crate::support::app("concur-expense-allocations");
    let answer = send(&app, request("GET", ALLOCATION, &[], None)).await;
    assert_eq!(answer.status, 401);
    let body = concur_error(&answer, "401 - Unauthorized", ALLOCATION);
    assert_eq!(
        body["errorMessage"],
        "Missing or invalid authorization header"
    );
    let patch = r#"{"allocation": {}, "expenseIds": []}"#;
    let answer = send(
        &app,
        request("PATCH", ALLOCATION, &[READ_ONLY, JSON], Some(patch)),
    )
    .await;
    assert_eq!(answer.status, 403);
    let body = concur_error(&answer, "403 - Forbidden", ALLOCATION);
    assert!(
        body["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("expense.report.readwrite"))
    );

    // CSO: the API key header (keys carry no scopes, so there is no 403 from scopes).
    let app = crate::support::app("cso-events");
    let answer = send(&app, request("GET", "/api/events", &[], None)).await;
    assert_eq!(answer.status, 401);
    assert!(contains(
        &cso_result(&answer, "api.error.unauthorized"),
        "X-CSO-API-KEY"
    ));
    let answer = send(
        &app,
        request("GET", "/api/events", &[("x-cso-api-key", "wrong")], None),
    )
    .await;
    assert_eq!(answer.status, 401);
    cso_result(&answer, "api.error.unauthorized");
    // A bearer token is not a CSO key.
    let answer = send(&app, request("GET", "/api/events", &[BEARER], None)).await;
    assert_eq!(answer.status, 401);
}

/// An implementation that panics: the caller still gets a vendor-format 500.
struct Panicking;

impl spendapi_server::Verifier for Panicking {
    async fn verify(
        &self,
        _scheme: &spendapi_server::Scheme,
        _token: &str,
    ) -> Result<spendapi_server::Caller, spendapi_server::AuthError> {
        Ok(spendapi_server::Caller::new("test", ["core.user.read"]))
    }
}

impl spendapi_server::coupa_delegations::CoupaDelegations for Panicking {
    async fn list_delegations(
        &self,
        _caller: spendapi_server::Caller,
        _query: spendapi_server::coupa_delegations::ListDelegationsQuery,
    ) -> spendapi_server::coupa_delegations::ListDelegationsResponse {
        panic!("implementation bug")
    }
}

#[tokio::test]
async fn a_panicking_implementation_answers_500_in_the_vendor_format() {
    let app = spendapi_server::coupa_delegations::router(Panicking);
    let answer = send(
        &app,
        request("GET", "/api/delegations", &[BEARER, ACCEPT_XML], None),
    )
    .await;
    assert_eq!(answer.status, 500, "{}", answer.body);
    assert!(
        contains(&coupa_xml(&answer), "list_delegations failed"),
        "{}",
        answer.body
    );
}

/// Records the [`spendapi_server::RequestInfo`] its one operation receives.
#[derive(Clone, Default)]
struct Recording(std::sync::Arc<std::sync::Mutex<Option<spendapi_server::RequestInfo>>>);

impl spendapi_server::Verifier for Recording {
    async fn verify(
        &self,
        _scheme: &spendapi_server::Scheme,
        _token: &str,
    ) -> Result<spendapi_server::Caller, spendapi_server::AuthError> {
        Ok(spendapi_server::Caller::new("test", ["core.user.read"]))
    }
}

impl spendapi_server::coupa_delegations::CoupaDelegations for Recording {
    async fn list_delegations(
        &self,
        caller: spendapi_server::Caller,
        _query: spendapi_server::coupa_delegations::ListDelegationsQuery,
    ) -> spendapi_server::coupa_delegations::ListDelegationsResponse {
        *self.0.lock().expect("lock") = Some(caller.request);
        spendapi_server::coupa_delegations::ListDelegationsResponse::Ok(
            spendapi_types::coupa_delegations::DelegationList(Vec::new()),
        )
    }
}

#[tokio::test]
async fn the_trait_sees_the_raw_query_and_the_negotiated_media() {
    let recording = Recording::default();
    let app = spendapi_server::coupa_delegations::router(recording.clone());
    let answer = send(
        &app,
        request(
            "GET",
            "/api/delegations?delegator%5Blogin%5D=a%20b&limit=5",
            &[BEARER, ACCEPT_XML],
            None,
        ),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let seen = recording.0.lock().expect("lock").clone().expect("called");
    assert_eq!(
        seen.query,
        vec![
            ("delegator[login]".to_owned(), "a b".to_owned()),
            ("limit".to_owned(), "5".to_owned())
        ]
    );
    assert_eq!(seen.media, "application/xml");
}
