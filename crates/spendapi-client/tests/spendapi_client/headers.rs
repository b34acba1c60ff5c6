//! Content negotiation and the headers the hooks set or remove on every API.

use spendapi_client::concur_expense_allocations::types::UpdateReportAllocation;
use spendapi_client::coupa_accounts::types::AccountCreate;
use spendapi_client::{ConcurAuth, CoupaAuth};

use crate::support::{ACCOUNTS, EVENTS, REPORT, Reply, Server, USER, allocation_path};

#[tokio::test]
async fn coupa_requests_ask_for_json_without_api_version() {
    let server = Server::start(|r| match r.method.as_str() {
        "POST" => Reply::json(201, serde_json::json!({"id": 7, "name": "Marketing"})),
        _ => Reply::json(200, serde_json::json!([])),
    })
    .await;
    let coupa = server
        .config()
        .coupa(CoupaAuth::bearer("t"))
        .expect("client");
    coupa.accounts.list_accounts().send().await.expect("list");
    let body: AccountCreate = serde_json::from_value(serde_json::json!({
        "name": "Marketing",
        "active": true,
        "account-type": {"name": "Ace"},
        "segment-1": "SF",
    }))
    .expect("valid AccountCreate");
    let created = coupa
        .accounts
        .create_account()
        .body(body)
        .send()
        .await
        .expect("create");
    assert_eq!(created.id, Some(7));

    let [list, create] = <[_; 2]>::try_from(server.requests_to(ACCOUNTS)).expect("two requests");
    for r in [&list, &create] {
        assert_eq!(r.header("accept"), Some("application/json"));
        assert_eq!(
            r.header("api-version"),
            None,
            "progenitor's api-version is removed"
        );
        assert!(
            r.header("user-agent")
                .is_some_and(|ua| ua.starts_with("spendapi-client/")),
            "{:?}",
            r.header("user-agent")
        );
        assert_eq!(r.header("concur-correlationid"), None);
    }
    assert_eq!(list.header("content-type"), None);
    assert_eq!(create.header("content-type"), Some("application/json"));
    let sent: serde_json::Value = serde_json::from_slice(&create.body).expect("JSON body");
    assert_eq!(sent["account-type"]["name"], "Ace");
    assert_eq!(sent["segment-1"], "SF");
}

#[tokio::test]
async fn cso_requests_ask_for_json_without_api_version() {
    let server =
        Server::start(|_| Reply::json(200, serde_json::json!({"total": 0, "events": []}))).await;
    let events = server.config().cso("key").expect("client");
    events.list_events().send().await.expect("list");
    let r = &server.requests_to(EVENTS)[0];
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(r.header("api-version"), None);
}

#[tokio::test]
async fn concur_patch_sends_application_json() {
    let server = Server::start(|_| Reply::new(204)).await;
    let concur = server
        .config()
        .concur(ConcurAuth::bearer("t"))
        .expect("client");
    let body: UpdateReportAllocation = serde_json::from_value(serde_json::json!({
        "allocation": {"customData": [{"id": "custom1", "value": "Marketing"}]},
        "expenseIds": [crate::support::EXPENSE],
    }))
    .expect("valid UpdateReportAllocation");
    let answer = concur
        .update_report_allocation()
        .user_id(USER)
        .context_type("TRAVELER")
        .report_id(REPORT)
        .allocation_id(crate::support::ALLOCATION)
        .body(body)
        .send()
        .await
        .expect("patch");
    assert_eq!(answer.status(), 204);

    let r = &server.requests_to(&allocation_path())[0];
    assert_eq!(r.method, "PATCH");
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(r.header("api-version"), None);
    let sent: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON body");
    assert_eq!(
        sent,
        serde_json::json!({
            "allocation": {"customData": [{"id": "custom1", "value": "Marketing", "isValid": true}]},
            "expenseIds": [crate::support::EXPENSE],
        })
    );
}

#[tokio::test]
async fn concur_conditional_get_sends_its_headers_and_a_304_keeps_its_status() {
    let server = Server::start(|_| Reply::new(304)).await;
    let concur = server
        .config()
        .concur(ConcurAuth::bearer("t"))
        .expect("client");
    let err = concur
        .get_report_allocation()
        .user_id(USER)
        .context_type("PROXY")
        .report_id(REPORT)
        .allocation_id(crate::support::ALLOCATION)
        .if_modified_since(spendapi_client::http_date(
            std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_715_679_072),
        ))
        .cache_control("no-cache")
        .send()
        .await
        .expect_err("progenitor types no 304");
    // Not modified: the typed client has no body to give, but the status survives.
    assert_eq!(
        spendapi_client::VendorError::from(err)
            .status()
            .map(|s| s.as_u16()),
        Some(304)
    );

    let r = &server.requests_to(&allocation_path().replace("TRAVELER", "PROXY"))[0];
    assert_eq!(
        r.header("if-modified-since"),
        Some("Tue, 14 May 2024 09:31:12 GMT")
    );
    assert_eq!(r.header("cache-control"), Some("no-cache"));
}
