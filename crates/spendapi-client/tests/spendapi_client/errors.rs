//! Every vendor's error body parsed into `VendorError`, through the generated clients and raw
//! `reqwest` calls.

use reqwest::StatusCode;
use spendapi_client::coupa_accounts::types::AccountCreate;
use spendapi_client::errors::{ConcurError, CsoEntry};
use spendapi_client::runtime::NORMALIZED_BODY_HEADER;
use spendapi_client::{ConcurAuth, CoupaAuth, ErrorBody, VendorError, VendorErrorKind};

use crate::support::{ALLOCATION, REPORT, Reply, Server, USER};

const COUPA_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><errors><error>Segment 1 - Cost Center can't be blank</error><error>Account type is invalid</error></errors>"#;

fn account_create() -> AccountCreate {
    serde_json::from_value(serde_json::json!({"name": "X", "account-type": {"name": "Ace"}}))
        .expect("valid AccountCreate")
}

#[tokio::test]
async fn coupa_json_validation_errors() {
    let server = Server::start(|_| {
        Reply::json(
            400,
            serde_json::json!({"errors": {"account": ["Segment 1 - Cost Center can't be blank"]}}),
        )
    })
    .await;
    let coupa = server
        .config()
        .coupa(CoupaAuth::bearer("t"))
        .expect("client");
    let err = coupa
        .accounts
        .create_account()
        .body(account_create())
        .send()
        .await
        .expect_err("400");
    let err = VendorError::from(err);
    assert_eq!(err.kind(), VendorErrorKind::Response);
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(err.messages(), ["Segment 1 - Cost Center can't be blank"]);
    assert_eq!(
        err.error_body(),
        &ErrorBody::CoupaJson(vec![(
            "account".into(),
            vec!["Segment 1 - Cost Center can't be blank".into()]
        )])
    );
    // The bytes the server sent, not a re-serialisation of the typed body.
    assert_eq!(
        err.body_text(),
        serde_json::json!({"errors": {"account": ["Segment 1 - Cost Center can't be blank"]}})
            .to_string()
    );
    assert_eq!(
        err.to_string(),
        "error response (400 Bad Request): Segment 1 - Cost Center can't be blank"
    );
}

#[tokio::test]
async fn coupa_xml_errors_keep_their_status_through_the_generated_client() {
    let server = Server::start(|_| Reply::xml(400, COUPA_XML)).await;
    let coupa = server
        .config()
        .coupa(CoupaAuth::bearer("t"))
        .expect("client");
    let err = coupa
        .accounts
        .create_account()
        .body(account_create())
        .send()
        .await
        .expect_err("400");
    let err = VendorError::from(err);
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(
        err.messages(),
        [
            "Segment 1 - Cost Center can't be blank",
            "Account type is invalid"
        ]
    );
    assert_eq!(
        err.headers()
            .get(NORMALIZED_BODY_HEADER)
            .and_then(|v| v.to_str().ok()),
        Some("application/xml")
    );
    assert_eq!(err.body_text(), COUPA_XML);
}

#[tokio::test]
async fn coupa_xml_errors_from_a_raw_request() {
    let server = Server::start(|r| {
        assert_eq!(r.header("accept"), Some("application/xml"));
        Reply::xml(404, "<errors><error>No account found</error></errors>")
    })
    .await;
    let response = reqwest::Client::new()
        .get(format!("{}/api/accounts?segment-1=NOPE", server.base))
        .header("accept", "application/xml")
        .send()
        .await
        .expect("response");
    let err = VendorError::from_response(response).await;
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert!(err.is_not_found());
    assert_eq!(
        err.error_body(),
        &ErrorBody::CoupaXml(vec!["No account found".into()])
    );
    assert_eq!(
        err.body_text(),
        "<errors><error>No account found</error></errors>"
    );
}

#[tokio::test]
async fn concur_error_message() {
    let server = Server::start(|r| {
        Reply::json(
            403,
            serde_json::json!({
                "errorId": "4a1f",
                "errorMessage": "System allocation cannot be modified",
                "httpStatus": "403 - Forbidden",
                "path": r.path,
                "timestamp": "2024-05-14T09:31:12.123Z",
                "validationErrors": [{"id": "v1", "message": "read only", "source": "allocationId"}],
            }),
        )
    })
    .await;
    let concur = server
        .config()
        .concur(ConcurAuth::bearer("t"))
        .expect("client");
    let err = concur
        .get_report_allocation()
        .user_id(USER)
        .context_type("TRAVELER")
        .report_id(REPORT)
        .allocation_id(ALLOCATION)
        .send()
        .await
        .expect_err("403");
    let err = VendorError::from(err);
    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));
    assert_eq!(
        err.messages(),
        [
            "System allocation cannot be modified",
            "allocationId: read only"
        ]
    );
    let ErrorBody::Concur(ConcurError {
        http_status,
        error_id,
        ..
    }) = err.error_body()
    else {
        panic!("not a Concur body: {:?}", err.error_body());
    };
    assert_eq!(http_status, "403 - Forbidden");
    assert_eq!(error_id.as_deref(), Some("4a1f"));
}

#[tokio::test]
async fn cso_result_envelope() {
    let server = Server::start(|_| {
        Reply::json(
            404,
            serde_json::json!({"result": [{"type": "api.error.not_found", "description": "Event not found", "id": "9219595375673293031"}]}),
        )
    })
    .await;
    let events = server.config().cso("key").expect("client");
    let err = events
        .get_event()
        .id("9219595375673293031")
        .send()
        .await
        .expect_err("404");
    let err = VendorError::from(err);
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(err.messages(), ["Event not found"]);
    assert_eq!(
        err.error_body(),
        &ErrorBody::Cso(vec![CsoEntry {
            type_: "api.error.not_found".into(),
            description: Some("Event not found".into()),
            id: Some("9219595375673293031".into()),
        }])
    );
}

#[tokio::test]
async fn bodies_of_other_shapes_keep_status_and_text() {
    // A rate limiter's plain-text 429 on a Coupa operation that documents 429 with JSON.
    let server = Server::start(|_| {
        Reply::new(429)
            .header("content-type", "text/plain")
            .header("retry-after", "3600")
            .body("Rate limit exceeded")
    })
    .await;
    let coupa = server
        .config()
        .coupa(CoupaAuth::bearer("t"))
        .expect("client");
    let err = VendorError::from(
        coupa
            .accounts
            .list_accounts()
            .send()
            .await
            .expect_err("429"),
    );
    assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(err.messages(), ["Rate limit exceeded"]);
    // The raw body is what the server sent, not the JSON the hook rewrote it into.
    assert_eq!(err.body(), b"Rate limit exceeded");

    // An empty 502 from a proxy, undocumented for the operation: read with from_client_error.
    let server = Server::start(|_| Reply::new(502)).await;
    let events = server
        .config()
        .retry_policy(spendapi_client::RetryPolicy::none())
        .cso("key")
        .expect("client");
    let err = events.list_events().send().await.expect_err("502");
    let err = VendorError::from_client_error(err).await;
    assert_eq!(err.kind(), VendorErrorKind::UnexpectedResponse);
    assert_eq!(err.status(), Some(StatusCode::BAD_GATEWAY));
    assert_eq!(err.messages(), ["Bad Gateway"]);
}

#[tokio::test]
async fn invalid_requests_and_transport_errors() {
    let coupa =
        spendapi_client::coupa("http://127.0.0.1:9", CoupaAuth::bearer("t")).expect("client");
    // A builder argument that fails its conversion never reaches the network.
    let err = VendorError::from(
        coupa
            .accounts
            .get_account()
            .id(0u64)
            .send()
            .await
            .expect_err("invalid id"),
    );
    assert_eq!(err.kind(), VendorErrorKind::InvalidRequest);
    assert_eq!(err.status(), None);
    assert_eq!(err.messages().len(), 1);

    let events = spendapi_client::Config::new(crate::support::closed_port_url().await)
        .retry_policy(spendapi_client::RetryPolicy::none())
        .cso("key")
        .expect("client");
    let err = VendorError::from(events.list_events().send().await.expect_err("refused"));
    assert_eq!(err.kind(), VendorErrorKind::Communication);
    assert!(std::error::Error::source(&err).is_some());
}
