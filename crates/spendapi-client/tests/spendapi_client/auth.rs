//! Coupa client credentials (caching, refresh, shared refresh, renewal on 401), the CSO API
//! key, Concur bearer tokens and token providers.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use spendapi_client::auth::scopes;
use spendapi_client::{
    AccessToken, AuthError, ConcurAuth, CoupaAuth, TokenProvider, VendorError, VendorErrorKind,
};

use crate::support::{ACCOUNTS, EVENTS, Reply, Server, TOKEN, token_reply};

fn coupa_auth() -> CoupaAuth {
    CoupaAuth::client_credentials(
        "my-client",
        "s3cret",
        [scopes::ACCOUNTING_READ, scopes::COMMON_READ],
    )
}

/// Answers the token endpoint with `tok-<n>` valid for `expires_in`, and the accounts index
/// with `[]`.
async fn coupa_server(expires_in: u64) -> Server {
    Server::start(move |r| match r.path.as_str() {
        TOKEN => token_reply(r.nth, expires_in),
        _ => Reply::json(200, serde_json::json!([])),
    })
    .await
}

#[tokio::test]
async fn coupa_token_is_requested_once_and_reused() {
    let server = coupa_server(86_400).await;
    let coupa = server.config().coupa(coupa_auth()).expect("client");
    for _ in 0..3 {
        coupa.accounts.list_accounts().send().await.expect("list");
    }
    coupa
        .delegations
        .list_delegations()
        .send()
        .await
        .expect("list");

    let tokens = server.requests_to(TOKEN);
    assert_eq!(
        tokens.len(),
        1,
        "one token for all requests of all Coupa clients"
    );
    assert_eq!(tokens[0].method, "POST");
    assert_eq!(
        tokens[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        tokens[0].body_text(),
        "grant_type=client_credentials&client_id=my-client&client_secret=s3cret\
         &scope=core.accounting.read+core.common.read"
    );
    let api: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path != TOKEN)
        .collect();
    assert_eq!(api.len(), 4);
    for r in api {
        assert_eq!(r.header("authorization"), Some("Bearer tok-0"));
    }
}

#[tokio::test]
async fn coupa_token_is_refreshed_within_the_safety_margin() {
    // 30 s of validity is inside the default 60 s margin: every request needs a new token.
    let server = coupa_server(30).await;
    let coupa = server.config().coupa(coupa_auth()).expect("client");
    for _ in 0..3 {
        coupa.accounts.list_accounts().send().await.expect("list");
    }
    assert_eq!(server.count(TOKEN), 3);
    let sent: Vec<_> = server
        .requests_to(ACCOUNTS)
        .iter()
        .map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    assert_eq!(
        sent,
        ["Bearer tok-0", "Bearer tok-1", "Bearer tok-2"].map(|s| Some(s.to_owned()))
    );

    // With a 10 s margin the same 30 s token is fresh enough to reuse.
    let server = coupa_server(30).await;
    let auth = coupa_auth().refresh_margin(Duration::from_secs(10));
    let coupa = server.config().coupa(auth).expect("client");
    for _ in 0..3 {
        coupa.accounts.list_accounts().send().await.expect("list");
    }
    assert_eq!(server.count(TOKEN), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_token_request() {
    let server = Server::start(|r| match r.path.as_str() {
        // A slow token endpoint, so that every caller arrives while the first fetch is running.
        TOKEN => token_reply(r.nth, 3600).after(Duration::from_millis(200)),
        _ => Reply::json(200, serde_json::json!([])),
    })
    .await;
    let coupa = server.config().coupa(coupa_auth()).expect("client");
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let accounts = coupa.accounts.clone();
            tokio::spawn(async move { accounts.list_accounts().send().await.map(|_| ()) })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("list");
    }
    assert_eq!(server.count(TOKEN), 1);
    assert_eq!(server.count(ACCOUNTS), 8);
}

#[tokio::test]
async fn a_rejected_token_is_renewed_once() {
    // The API rejects tok-0 (revoked early) and accepts any later token.
    let server = Server::start(|r| match r.path.as_str() {
        TOKEN => token_reply(r.nth, 3600),
        _ if r.header("authorization") == Some("Bearer tok-0") => Reply::json(
            401,
            serde_json::json!({"errors": {"base": ["Invalid token"]}}),
        ),
        _ => Reply::json(200, serde_json::json!([{"id": 1}])),
    })
    .await;
    let coupa = server.config().coupa(coupa_auth()).expect("client");
    let list = coupa.accounts.list_accounts().send().await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(server.count(TOKEN), 2);
    assert_eq!(server.count(ACCOUNTS), 2);

    // A server that rejects every token: one renewal, then the 401 reaches the caller.
    let server = Server::start(|r| match r.path.as_str() {
        TOKEN => token_reply(r.nth, 3600),
        _ => Reply::json(
            401,
            serde_json::json!({"errors": {"base": ["Invalid token"]}}),
        ),
    })
    .await;
    let coupa = server.config().coupa(coupa_auth()).expect("client");
    let err = VendorError::from(
        coupa
            .accounts
            .list_accounts()
            .send()
            .await
            .expect_err("401"),
    );
    assert_eq!(err.status(), Some(reqwest::StatusCode::UNAUTHORIZED));
    assert_eq!(err.messages(), ["Invalid token"]);
    assert_eq!(server.count(TOKEN), 2);
    assert_eq!(server.count(ACCOUNTS), 2);
}

#[tokio::test]
async fn a_token_endpoint_refusal_is_reported_without_calling_the_api() {
    let server = Server::start(|r| match r.path.as_str() {
        TOKEN => Reply::json(401, serde_json::json!({"error": "invalid_client"})),
        _ => Reply::json(200, serde_json::json!([])),
    })
    .await;
    let coupa = server.config().coupa(coupa_auth()).expect("client");
    let err = VendorError::from(
        coupa
            .accounts
            .list_accounts()
            .send()
            .await
            .expect_err("no token"),
    );
    assert_eq!(err.kind(), VendorErrorKind::Hook);
    let message = err.to_string();
    assert!(message.contains("401 Unauthorized"), "{message}");
    assert!(message.contains("invalid_client"), "{message}");
    assert_eq!(server.count(ACCOUNTS), 0);
}

#[tokio::test]
async fn token_url_and_static_bearer_token_can_be_configured() {
    let server = Server::start(|r| match r.path.as_str() {
        "/custom/token" => token_reply(r.nth, 3600),
        _ => Reply::json(200, serde_json::json!([])),
    })
    .await;
    let auth = coupa_auth().token_url(format!("{}/custom/token", server.base));
    let coupa = server.config().coupa(auth).expect("client");
    coupa.accounts.list_accounts().send().await.expect("list");
    assert_eq!(server.count("/custom/token"), 1);
    assert_eq!(server.count(TOKEN), 0);

    let coupa = server
        .config()
        .coupa(CoupaAuth::bearer("given"))
        .expect("client");
    coupa.accounts.list_accounts().send().await.expect("list");
    let last = server.requests_to(ACCOUNTS).pop().expect("a request");
    assert_eq!(last.header("authorization"), Some("Bearer given"));
}

#[tokio::test]
async fn cso_requests_carry_the_api_key_header() {
    let server =
        Server::start(|_| Reply::json(200, serde_json::json!({"total": 0, "events": []}))).await;
    let events = server.config().cso("cso-key-123").expect("client");
    events.list_events().send().await.expect("list");
    let sent = &server.requests_to(EVENTS)[0];
    assert_eq!(sent.header("x-cso-api-key"), Some("cso-key-123"));
    assert_eq!(sent.header("authorization"), None);
}

/// Hands out `provided-<n>` valid for `expires_in`, counting calls.
struct CountingProvider {
    calls: Arc<AtomicUsize>,
    expires_in: Duration,
}

impl TokenProvider for CountingProvider {
    fn fetch_token<'a>(
        &'a self,
        _http: &'a reqwest::Client,
    ) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(async move {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            Ok(AccessToken::new(
                format!("provided-{n}"),
                Some(self.expires_in),
            ))
        })
    }
}

#[tokio::test]
async fn concur_bearer_tokens_given_or_provided() {
    let server = Server::start(|_| Reply::json(200, serde_json::json!([]))).await;
    async fn list(client: &spendapi_client::concur_expense_allocations::Client) {
        client
            .list_expense_allocations()
            .user_id(crate::support::USER)
            .context_type("TRAVELER")
            .report_id(crate::support::REPORT)
            .expense_id(crate::support::EXPENSE)
            .send()
            .await
            .expect("list");
    }
    let last_authorization = || {
        server
            .requests()
            .pop()
            .and_then(|r| r.header("authorization").map(str::to_owned))
    };

    let given = server
        .config()
        .concur(ConcurAuth::bearer("company-token"))
        .expect("client");
    list(&given).await;
    assert_eq!(
        last_authorization().as_deref(),
        Some("Bearer company-token")
    );

    let calls = Arc::new(AtomicUsize::new(0));
    let provided = server
        .config()
        .concur(ConcurAuth::provider(CountingProvider {
            calls: calls.clone(),
            expires_in: Duration::from_secs(3600),
        }))
        .expect("client");
    list(&provided).await;
    list(&provided).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1, "cached between requests");
    assert_eq!(last_authorization().as_deref(), Some("Bearer provided-0"));

    let calls = Arc::new(AtomicUsize::new(0));
    let short_lived = server
        .config()
        .concur(ConcurAuth::provider(CountingProvider {
            calls: calls.clone(),
            expires_in: Duration::from_secs(5),
        }))
        .expect("client");
    list(&short_lived).await;
    list(&short_lived).await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "refreshed inside the margin"
    );
    assert_eq!(last_authorization().as_deref(), Some("Bearer provided-1"));
}

#[tokio::test]
async fn concur_refresh_token_grant_rotates_the_refresh_token() {
    const CONCUR_TOKEN: &str = "/oauth2/v0/token";
    let server = Server::start(|r| match r.path.as_str() {
        CONCUR_TOKEN => Reply::json(
            200,
            serde_json::json!({
                "access_token": format!("access-{}", r.nth),
                "expires_in": 10,
                "refresh_token": format!("refresh-{}", r.nth + 1),
                "geolocation": "https://us2.api.concursolutions.com",
            }),
        ),
        _ => Reply::json(200, crate::support::allocation_json()),
    })
    .await;
    let concur = server
        .config()
        .concur(ConcurAuth::refresh_token("cid", "csecret", "refresh-0"))
        .expect("client");
    for _ in 0..2 {
        concur
            .get_report_allocation()
            .user_id(crate::support::USER)
            .context_type("TRAVELER")
            .report_id(crate::support::REPORT)
            .allocation_id(crate::support::ALLOCATION)
            .send()
            .await
            .expect("get");
    }
    let grants: Vec<_> = server
        .requests_to(CONCUR_TOKEN)
        .iter()
        .map(|r| r.body_text())
        .collect();
    assert_eq!(
        grants,
        [
            "grant_type=refresh_token&refresh_token=refresh-0&client_id=cid&client_secret=csecret",
            "grant_type=refresh_token&refresh_token=refresh-1&client_id=cid&client_secret=csecret",
        ]
    );
    let sent: Vec<_> = server
        .requests()
        .iter()
        .filter(|r| r.path != CONCUR_TOKEN)
        .map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    assert_eq!(
        sent,
        [
            Some("Bearer access-0".to_owned()),
            Some("Bearer access-1".to_owned())
        ]
    );
}
