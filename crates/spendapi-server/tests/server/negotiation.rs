//! Content negotiation (Coupa JSON and XML from the same types), CSO's omitted nulls, and the
//! Concur correlation id and merge-patch media type.

use serde_json::Value;

use crate::support::*;

#[tokio::test]
async fn coupa_answers_json_or_xml_following_accept() {
    let app = crate::support::app("coupa-accounts");
    let json = send(&app, request("GET", "/api/accounts/1", &[BEARER], None)).await;
    assert_eq!(json.status, 200);
    assert!(json.content_type().starts_with("application/json"));
    let id = json.json()["id"].clone();
    assert!(id.is_number());

    let xml = send(
        &app,
        request(
            "GET",
            "/api/accounts/1",
            &[
                BEARER,
                ("accept", "application/json;q=0.5, application/xml"),
            ],
            None,
        ),
    )
    .await;
    assert_eq!(xml.status, 200);
    assert!(xml.content_type().starts_with("application/xml"));
    assert!(
        xml.body
            .starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><account><id>"#),
        "{}",
        xml.body
    );
    assert!(xml.body.contains(&format!("<id>{id}</id>")));
    assert!(
        xml.body.contains("<account-type>"),
        "nested elements keep their property names: {}",
        xml.body
    );

    let list = send(
        &app,
        request("GET", "/api/accounts", &[BEARER, ACCEPT_XML], None),
    )
    .await;
    assert_eq!(list.status, 200);
    assert!(
        list.body
            .starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><accounts><account>"#),
        "{}",
        list.body
    );
    assert!(list.body.ends_with("</account></accounts>"));

    // Accept */* and no Accept both get the first documented type (JSON).
    let any = send(
        &app,
        request("GET", "/api/accounts", &[BEARER, ("accept", "*/*")], None),
    )
    .await;
    assert!(any.content_type().starts_with("application/json"));
    // JSON answers an empty query with 200 [].
    let empty = send(
        &app,
        request("GET", "/api/accounts?name=nothing", &[BEARER], None),
    )
    .await;
    assert_eq!(empty.body, "[]");
}

#[tokio::test]
async fn coupa_reads_xml_bodies_into_the_same_types_as_json() {
    let app = crate::support::app("coupa-accounts");
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
        <account>
          <name>R&amp;D Marketing</name>
          <active type="boolean">false</active>
          <account-type><id type="integer">7</id></account-type>
          <segment-1>SF</segment-1>
        </account>"#;
    let answer = send(
        &app,
        request("POST", "/api/accounts", &[BEARER, XML], Some(xml)),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let created = answer.json();
    assert_eq!(created["name"], "R&D Marketing");
    assert_eq!(created["active"], false);
    assert_eq!(created["account-type"]["id"], 7);
    assert_eq!(created["segment-1"], "SF");

    // The same body as JSON decodes to the same value.
    let json = r#"{"name": "R&D Marketing", "active": false, "account-type": {"id": 7}, "segment-1": "SF"}"#;
    let again = send(
        &app,
        request("POST", "/api/accounts", &[BEARER, JSON], Some(json)),
    )
    .await;
    assert_eq!(again.json(), created);

    // And back out as XML, escaped.
    let out = send(
        &app,
        request(
            "POST",
            "/api/accounts",
            &[BEARER, JSON, ACCEPT_XML],
            Some(json),
        ),
    )
    .await;
    assert!(
        out.body.contains("<name>R&amp;D Marketing</name>"),
        "{}",
        out.body
    );
    assert!(
        out.body.contains("<account-type><id>7</id></account-type>"),
        "{}",
        out.body
    );
}

fn has_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.iter().any(has_null),
        Value::Object(map) => map.values().any(has_null),
        _ => false,
    }
}

#[tokio::test]
async fn cso_responses_leave_nulls_out() {
    let app = crate::support::app("cso-events");
    for uri in ["/api/events", "/api/events/9219601944812992706"] {
        let answer = send(&app, request("GET", uri, &[CSO_KEY], None)).await;
        assert_eq!(answer.status, 200);
        assert!(!has_null(&answer.json()), "{}", answer.body);
    }
}

const ALLOCATION: &str = "/expensereports/v4/users/32c2fcc3-b2e8-4907-9672-5b3f49b1c643/context/TRAVELER/reports/764428DD6A664AF0BFCB/allocations/3BBB494511E1C74DA04469C45B039871";
const PATCH: &str = r#"{"allocation": {"customData": [{"id": "custom9", "value": "058713001E2CD943824280D9275FDC3F"}]}, "expenseIds": ["29EE3C62F5D844458828A5C1086072D1"]}"#;

#[tokio::test]
async fn concur_echoes_the_correlation_id_on_every_response() {
    let app = crate::support::app("concur-expense-allocations");
    let answer = send(
        &app,
        request(
            "GET",
            ALLOCATION,
            &[BEARER, ("concur-correlationid", "Viswa test")],
            None,
        ),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.headers["concur-correlationid"], "Viswa test");

    // Absent: a UUID is generated (and the handler saw it, see support::Canned).
    let answer = send(&app, request("GET", ALLOCATION, &[BEARER], None)).await;
    let id = answer.headers["concur-correlationid"]
        .to_str()
        .expect("text");
    uuid::Uuid::parse_str(id).expect("a generated UUID");

    // Errors and unknown routes carry it too.
    for (method, uri, headers) in [
        ("GET", ALLOCATION, vec![("concur-correlationid", "abc")]),
        (
            "GET",
            "/nowhere",
            vec![BEARER, ("concur-correlationid", "abc")],
        ),
        (
            "PATCH",
            ALLOCATION,
            vec![BEARER, JSON, ("concur-correlationid", "abc")],
        ),
    ] {
        let answer = send(&app, request(method, uri, &headers, Some("{"))).await;
        assert!(answer.status.is_client_error());
        assert_eq!(
            answer.headers["concur-correlationid"], "abc",
            "{method} {uri}"
        );
    }
}

#[tokio::test]
async fn concur_patch_accepts_json_and_merge_patch() {
    let app = crate::support::app("concur-expense-allocations");
    for content_type in [
        "application/json",
        "application/merge-patch+json",
        "application/merge-patch+json; charset=utf-8",
    ] {
        let answer = send(
            &app,
            request(
                "PATCH",
                ALLOCATION,
                &[BEARER, ("content-type", content_type)],
                Some(PATCH),
            ),
        )
        .await;
        assert_eq!(answer.status, 204, "{content_type}: {}", answer.body);
        assert!(answer.body.is_empty());
        assert!(answer.headers.contains_key("concur-correlationid"));
    }
}
