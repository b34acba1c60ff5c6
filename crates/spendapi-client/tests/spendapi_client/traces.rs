//! Tracing: the operation span, retry and token events, and no credential in any of them.
//!
//! A capturing subscriber records every span (with its fields as finally recorded) and every
//! event, from any target, while one test runs on the current thread.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use spendapi_client::auth::scopes;
use spendapi_client::{AccessToken, AuthError, ConcurAuth, CoupaAuth, TokenProvider};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};

use crate::support::{ACCOUNTS, EVENTS, Reply, Server, TOKEN, fast_retries, token_reply};

/// A span or an event as captured.
#[derive(Debug, Clone)]
struct Captured {
    span: bool,
    /// The span's name, or for an event its message.
    name: String,
    /// For an event, the name of the span it happened in.
    within: Option<String>,
    fields: BTreeMap<String, String>,
}

impl Captured {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// Everything recorded, as text, for the credential check.
    fn text(&self) -> String {
        format!("{} {:?} {:?}", self.name, self.within, self.fields)
    }
}

#[derive(Default)]
struct Log {
    entries: Vec<Captured>,
    spans: HashMap<Id, usize>,
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Log>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: Subscriber> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let mut log = self.0.lock().expect("log lock");
        let index = log.entries.len();
        log.entries.push(Captured {
            span: true,
            name: attrs.metadata().name().to_owned(),
            within: None,
            fields,
        });
        log.spans.insert(id.clone(), index);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut log = self.0.lock().expect("log lock");
        if let Some(&index) = log.spans.get(id) {
            values.record(&mut Fields(&mut log.entries[index].fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let name = fields.remove("message").unwrap_or_default();
        let within = ctx.current_span().metadata().map(|m| m.name().to_owned());
        self.0.lock().expect("log lock").entries.push(Captured {
            span: false,
            name,
            within,
            fields,
        });
    }
}

impl Capture {
    /// Installs the capture for the current thread (the test's single-threaded runtime).
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        let subscriber = tracing_subscriber::registry().with(self.clone());
        tracing::subscriber::set_default(subscriber)
    }

    fn entries(&self) -> Vec<Captured> {
        self.0.lock().expect("log lock").entries.clone()
    }

    fn operations(&self) -> Vec<Captured> {
        self.entries()
            .into_iter()
            .filter(|c| c.span && c.name == "spendapi.operation")
            .collect()
    }

    fn events(&self, message_start: &str) -> Vec<Captured> {
        self.entries()
            .into_iter()
            .filter(|c| !c.span && c.name.starts_with(message_start))
            .collect()
    }

    /// Fails if any span or event holds one of the secrets.
    fn assert_free_of(&self, secrets: &[&str]) {
        let entries = self.entries();
        assert!(!entries.is_empty(), "nothing was captured");
        for entry in entries {
            let text = entry.text();
            for secret in secrets {
                assert!(
                    !text.contains(secret),
                    "{secret:?} appears in a trace: {text}"
                );
            }
            assert!(!text.contains("Bearer"), "an Authorization value: {text}");
        }
    }
}

const CLIENT_SECRET: &str = "client-secret-7f3a";

fn coupa_credentials() -> CoupaAuth {
    CoupaAuth::client_credentials("trace-client", CLIENT_SECRET, [scopes::ACCOUNTING_READ])
}

#[tokio::test]
async fn a_coupa_success_records_the_operation_and_the_token_request() {
    let capture = Capture::default();
    let _guard = capture.install();
    let server = Server::start(|r| match r.path.as_str() {
        TOKEN => token_reply(r.nth, 3600),
        ACCOUNTS => Reply::json(200, serde_json::json!([{"id": 1}])),
        _ => Reply::json(200, serde_json::json!({"id": 1})),
    })
    .await;
    let coupa = server.config().coupa(coupa_credentials()).expect("client");
    coupa
        .accounts
        .get_account()
        .id(1u64)
        .send()
        .await
        .expect("get");
    coupa.accounts.list_accounts().send().await.expect("list");

    let operations = capture.operations();
    assert_eq!(operations.len(), 2);
    let list = &operations[1];
    assert_eq!(list.field("operation_id"), Some("list_accounts"));
    assert_eq!(list.field("method"), Some("GET"));
    assert_eq!(list.field("path"), Some(ACCOUNTS));
    assert_eq!(list.field("vendor"), Some("coupa-core"));
    assert_eq!(list.field("attempt"), Some("1"));
    assert_eq!(list.field("status"), Some("200"));
    assert_eq!(operations[0].field("path"), Some("/api/accounts/{id}"));

    // One token for both operations, requested while preparing the first.
    let requested = capture.events("requesting an access token");
    assert_eq!(requested.len(), 1);
    assert_eq!(requested[0].within.as_deref(), Some("spendapi.prepare"));
    assert_eq!(requested[0].field("reason"), Some("none cached"));
    let obtained = capture.events("access token obtained");
    assert_eq!(obtained.len(), 1);
    assert_eq!(obtained[0].field("expires_in_s"), Some("3600"));
    assert!(capture.events("retrying").is_empty());

    capture.assert_free_of(&[CLIENT_SECRET, "tok-0"]);
}

#[tokio::test]
async fn a_429_with_retry_after_is_one_retry_event_and_a_second_attempt() {
    let capture = Capture::default();
    let _guard = capture.install();
    let server = Server::start(|r| match r.nth {
        // `Retry-After: 0`: the server's delay is honoured without slowing the test.
        0 => Reply::json(
            429,
            serde_json::json!({"errors": {"base": ["Too many requests"]}}),
        )
        .header("retry-after", "0"),
        _ => Reply::json(200, serde_json::json!([])),
    })
    .await;
    let coupa = server
        .config()
        .retry_policy(fast_retries())
        .coupa(CoupaAuth::bearer("static-token-91c2"))
        .expect("client");
    coupa.accounts.list_accounts().send().await.expect("list");
    assert_eq!(server.count(ACCOUNTS), 2);

    let retries = capture.events("retrying");
    assert_eq!(retries.len(), 1);
    let retry = &retries[0];
    assert_eq!(retry.within.as_deref(), Some("spendapi.operation"));
    assert_eq!(retry.field("reason"), Some("status"));
    assert_eq!(retry.field("status"), Some("429"));
    assert_eq!(retry.field("retry_after"), Some("true"));
    assert_eq!(retry.field("delay_ms"), Some("0"));
    assert_eq!(retry.field("attempt"), Some("1"));

    let operations = capture.operations();
    assert_eq!(operations.len(), 1);
    assert_eq!(operations[0].field("attempt"), Some("2"));
    assert_eq!(operations[0].field("status"), Some("200"));
    capture.assert_free_of(&["static-token-91c2"]);
}

#[tokio::test]
async fn a_backoff_retry_says_the_delay_was_not_the_servers() {
    let capture = Capture::default();
    let _guard = capture.install();
    let server = Server::start(|r| match r.nth {
        0 => Reply::new(503),
        _ => Reply::json(200, serde_json::json!([])),
    })
    .await;
    let coupa = server
        .config()
        .coupa(CoupaAuth::bearer("static-token-91c2"))
        .expect("client");
    coupa.accounts.list_accounts().send().await.expect("list");
    let retries = capture.events("retrying");
    assert_eq!(retries.len(), 1);
    assert_eq!(retries[0].field("status"), Some("503"));
    assert_eq!(retries[0].field("retry_after"), Some("false"));
}

#[tokio::test]
async fn a_coupa_token_rejected_with_401_is_renewed_visibly() {
    let capture = Capture::default();
    let _guard = capture.install();
    let server = Server::start(|r| match r.path.as_str() {
        TOKEN => token_reply(r.nth, 3600),
        _ if r.header("authorization") == Some("Bearer tok-0") => Reply::json(
            401,
            serde_json::json!({"errors": {"base": ["Invalid token"]}}),
        ),
        _ => Reply::json(200, serde_json::json!([])),
    })
    .await;
    let coupa = server.config().coupa(coupa_credentials()).expect("client");
    coupa.accounts.list_accounts().send().await.expect("list");
    assert_eq!(server.count(TOKEN), 2);

    let renewals = capture.events("access token rejected with 401");
    assert_eq!(renewals.len(), 1);
    assert_eq!(renewals[0].within.as_deref(), Some("spendapi.operation"));
    let requested = capture.events("requesting an access token");
    assert_eq!(requested.len(), 2, "the first token and its renewal");
    assert_eq!(requested[1].within.as_deref(), Some("spendapi.operation"));
    assert_eq!(capture.events("access token obtained").len(), 2);
    let operations = capture.operations();
    assert_eq!(operations.len(), 1);
    assert_eq!(operations[0].field("status"), Some("200"));
    capture.assert_free_of(&[CLIENT_SECRET, "tok-0", "tok-1"]);
}

#[tokio::test]
async fn a_cso_api_key_never_appears() {
    let capture = Capture::default();
    let _guard = capture.install();
    let server =
        Server::start(|_| Reply::json(200, serde_json::json!({"total": 0, "events": []}))).await;
    let events = server.config().cso("cso-key-5d1e").expect("client");
    events.list_events().send().await.expect("list");
    let operations = capture.operations();
    assert_eq!(operations.len(), 1);
    assert_eq!(operations[0].field("operation_id"), Some("list_events"));
    assert_eq!(operations[0].field("path"), Some(EVENTS));
    assert_eq!(operations[0].field("vendor"), Some("coupa-sourcing"));
    capture.assert_free_of(&["cso-key-5d1e"]);
}

struct FixedProvider;

impl TokenProvider for FixedProvider {
    fn fetch_token<'a>(
        &'a self,
        _http: &'a reqwest::Client,
    ) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(async { Ok(AccessToken::new("provided-token-c9e0", None)) })
    }
}

#[tokio::test]
async fn concur_spans_carry_the_correlation_id_and_no_credential() {
    const CONCUR_TOKEN: &str = "/oauth2/v0/token";
    let capture = Capture::default();
    let _guard = capture.install();
    let server = Server::start(|r| match r.path.as_str() {
        CONCUR_TOKEN => Reply::json(
            200,
            serde_json::json!({
                "access_token": "concur-access-2b7f",
                "expires_in": 3600,
                "refresh_token": "concur-refresh-next-8a1d",
            }),
        ),
        _ => Reply::json(200, crate::support::allocation_json()),
    })
    .await;
    let credentials = [
        ConcurAuth::refresh_token("concur-client", "concur-secret-44ab", "concur-refresh-6e0c"),
        ConcurAuth::bearer("concur-bearer-3f9d"),
        ConcurAuth::provider(FixedProvider),
    ];
    for (n, auth) in credentials.into_iter().enumerate() {
        let concur = server
            .config()
            .correlation_id(format!("trace-corr-{n}"))
            .concur(auth)
            .expect("client");
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
    let operations = capture.operations();
    assert_eq!(operations.len(), 3);
    for (n, operation) in operations.iter().enumerate() {
        assert_eq!(
            operation.field("operation_id"),
            Some("get_report_allocation")
        );
        assert_eq!(operation.field("vendor"), Some("concur"));
        assert_eq!(
            operation.field("correlation_id"),
            Some(format!("trace-corr-{n}").as_str())
        );
        assert_eq!(operation.field("status"), Some("200"));
    }
    // The refresh-token grant and the provider each requested a token; the bearer did not.
    assert_eq!(capture.events("access token obtained").len(), 2);
    capture.assert_free_of(&[
        "concur-secret-44ab",
        "concur-refresh-6e0c",
        "concur-refresh-next-8a1d",
        "concur-access-2b7f",
        "concur-bearer-3f9d",
        "provided-token-c9e0",
    ]);
}
