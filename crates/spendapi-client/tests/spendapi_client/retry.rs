//! Retries: 429 with `Retry-After`, bounded attempts, POST/PATCH not resent unless opted in,
//! transport errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::StatusCode;
use spendapi_client::coupa_accounts::types::AccountCreate;
use spendapi_client::{ClientExt, CoupaAuth, RetryPolicy, VendorError};

use crate::support::{ACCOUNTS, Reply, Server, fast_retries};

fn account_create() -> AccountCreate {
    serde_json::from_value(serde_json::json!({"name": "X", "account-type": {"name": "Ace"}}))
        .expect("valid AccountCreate")
}

fn coupa(server: &Server, retry: RetryPolicy) -> spendapi_client::CoupaClients {
    server
        .config()
        .retry_policy(retry)
        .coupa(CoupaAuth::bearer("t"))
        .expect("client")
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_after_the_delay() {
    let server = Server::start(|r| match r.nth {
        0 => Reply::json(
            429,
            serde_json::json!({"errors": {"base": ["Too many requests"]}}),
        )
        .header("retry-after", "1"),
        _ => Reply::json(200, serde_json::json!([{"id": 1}])),
    })
    .await;
    let list = coupa(&server, fast_retries())
        .accounts
        .list_accounts()
        .send()
        .await
        .expect("second attempt succeeds");
    assert_eq!(list.len(), 1);
    assert_eq!(server.count(ACCOUNTS), 2);
}

#[tokio::test]
async fn attempts_are_bounded() {
    let server = Server::start(|_| {
        Reply::json(429, serde_json::json!({"errors": {"base": ["Slow down"]}}))
            .header("retry-after", "0")
    })
    .await;
    let err = coupa(&server, fast_retries().max_attempts(3))
        .accounts
        .list_accounts()
        .send()
        .await
        .expect_err("always 429");
    assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(server.count(ACCOUNTS), 3);

    // A Retry-After beyond the policy's patience is not waited for.
    let server = Server::start(|_| {
        Reply::json(429, serde_json::json!({"errors": {"base": ["Slow down"]}}))
            .header("retry-after", "3600")
    })
    .await;
    let err = coupa(&server, fast_retries())
        .accounts
        .list_accounts()
        .send()
        .await
        .expect_err("429");
    assert_eq!(VendorError::from(err).messages(), ["Slow down"]);
    assert_eq!(server.count(ACCOUNTS), 1);
}

#[tokio::test]
async fn post_is_not_resent_unless_opted_in() {
    let respond = |r: &crate::support::Recorded| match r.nth {
        0 => Reply::json(429, serde_json::json!({"errors": {"base": ["Slow down"]}}))
            .header("retry-after", "0"),
        _ => Reply::json(201, serde_json::json!({"id": 9})),
    };
    let server = Server::start(respond).await;
    let clients = coupa(&server, fast_retries());
    let err = clients
        .accounts
        .create_account()
        .body(account_create())
        .send()
        .await
        .expect_err("429 not retried");
    assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(server.count(ACCOUNTS), 1);

    // Opted in per handle.
    let server = Server::start(respond).await;
    let clients = coupa(&server, fast_retries());
    let created = clients
        .accounts
        .with_retry_non_idempotent()
        .create_account()
        .body(account_create())
        .send()
        .await
        .expect("retried");
    assert_eq!(created.id, Some(9));
    assert_eq!(server.count(ACCOUNTS), 2);

    // Opted in by policy.
    let server = Server::start(respond).await;
    let clients = coupa(&server, fast_retries().retry_non_idempotent(true));
    clients
        .accounts
        .create_account()
        .body(account_create())
        .send()
        .await
        .expect("retried");
    assert_eq!(server.count(ACCOUNTS), 2);
}

#[tokio::test]
async fn a_500_is_not_retried_for_post_even_when_listed() {
    let server = Server::start(|_| Reply::new(500)).await;
    let policy = fast_retries().retry_on_statuses([StatusCode::INTERNAL_SERVER_ERROR]);
    let clients = coupa(&server, policy);
    let err = clients
        .accounts
        .create_account()
        .body(account_create())
        .send()
        .await
        .expect_err("500");
    assert_eq!(err.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert_eq!(server.count(ACCOUNTS), 1);

    // The same status on a GET is retried up to the bound.
    clients
        .accounts
        .list_accounts()
        .send()
        .await
        .expect_err("500");
    assert_eq!(server.count(ACCOUNTS), 1 + 3);

    // Not listed (the default policy): never retried.
    let server = Server::start(|_| Reply::new(500)).await;
    coupa(&server, fast_retries())
        .accounts
        .list_accounts()
        .send()
        .await
        .expect_err("500");
    assert_eq!(server.count(ACCOUNTS), 1);
}

/// A TCP server that accepts connections and closes them without answering.
async fn hang_up_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (format!("http://{addr}"), accepted)
}

#[tokio::test]
async fn transport_errors_resend_idempotent_requests_only() {
    let (base, accepted) = hang_up_server().await;
    let clients = spendapi_client::Config::new(&base)
        .retry_policy(fast_retries())
        .coupa(CoupaAuth::bearer("t"))
        .expect("client");
    clients
        .accounts
        .list_accounts()
        .send()
        .await
        .expect_err("hung up");
    assert_eq!(accepted.load(Ordering::SeqCst), 3, "GET: every attempt");

    let (base, accepted) = hang_up_server().await;
    let clients = spendapi_client::Config::new(&base)
        .retry_policy(fast_retries())
        .coupa(CoupaAuth::bearer("t"))
        .expect("client");
    clients
        .accounts
        .create_account()
        .body(account_create())
        .send()
        .await
        .expect_err("hung up");
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "POST: may have been received, not resent"
    );
}
