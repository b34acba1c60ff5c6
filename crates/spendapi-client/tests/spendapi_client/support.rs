//! A recording HTTP server: every request is logged, and a closure decides each answer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use spendapi_client::{Config, RetryPolicy};

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    pub path: String,
    /// The raw query string, as sent.
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// How many requests to the same path came before this one.
    pub nth: usize,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The decoded query pairs.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        serde_urlencoded::from_str(self.query.as_deref().unwrap_or("")).expect("valid query")
    }

    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// An answer: status, headers, body, and an optional delay before it.
pub struct Reply {
    status: StatusCode,
    headers: Vec<(String, String)>,
    body: String,
    delay: Option<Duration>,
}

impl Reply {
    pub fn new(status: u16) -> Self {
        Self {
            status: StatusCode::from_u16(status).expect("valid status"),
            headers: Vec::new(),
            body: String::new(),
            delay: None,
        }
    }

    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self::new(status)
            .header("content-type", "application/json")
            .body(body.to_string())
    }

    pub fn xml(status: u16, body: &str) -> Self {
        Self::new(status)
            .header("content-type", "application/xml")
            .body(body)
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }

    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }
}

type Responder = dyn Fn(&Recorded) -> Reply + Send + Sync;

struct Shared {
    log: Mutex<Vec<Recorded>>,
    respond: Box<Responder>,
}

pub struct Server {
    pub base: String,
    shared: Arc<Shared>,
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let recorded = {
        let mut log = shared.log.lock().expect("log lock");
        let path = uri.path().to_owned();
        let nth = log.iter().filter(|r| r.path == path).count();
        let recorded = Recorded {
            method,
            path,
            query: uri.query().map(str::to_owned),
            headers,
            body,
            nth,
        };
        log.push(recorded.clone());
        recorded
    };
    let reply = (shared.respond)(&recorded);
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    let mut builder = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        builder = builder.header(name, value);
    }
    builder
        .body(Body::from(reply.body))
        .expect("valid response")
}

impl Server {
    /// Starts a server on 127.0.0.1 with an ephemeral port; it lives as long as the test's
    /// runtime.
    pub async fn start(respond: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        let shared = Arc::new(Shared {
            log: Mutex::new(Vec::new()),
            respond: Box::new(respond),
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Self {
            base: format!("http://{addr}"),
            shared,
        }
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.log.lock().expect("log lock").clone()
    }

    /// The requests to `path`.
    pub fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    pub fn count(&self, path: &str) -> usize {
        self.requests_to(path).len()
    }

    /// Client settings for this server with fast retries (1–5 ms backoff, 3 attempts).
    pub fn config(&self) -> Config {
        Config::new(&self.base).retry_policy(fast_retries())
    }
}

pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
}

/// A Coupa token endpoint answer: `tok-<n>` valid for `expires_in` seconds.
pub fn token_reply(nth: usize, expires_in: u64) -> Reply {
    Reply::json(
        200,
        serde_json::json!({
            "access_token": format!("tok-{nth}"),
            "token_type": "bearer",
            "expires_in": expires_in,
        }),
    )
}

pub const ACCOUNTS: &str = "/api/accounts";
pub const TOKEN: &str = "/oauth2/token";
pub const EVENTS: &str = "/api/events";

/// A Concur allocation path and a valid allocation response.
pub const USER: &str = "0f5b5d7a-3d4e-4c1b-9a56-1b2c3d4e5f60";
pub const REPORT: &str = "4F3A2B1C0D9E8F7A6B5C";
pub const ALLOCATION: &str = "A1B2C3D4E5F60718293A4B5C6D7E8F90";
pub const EXPENSE: &str = "0123456789ABCDEF0123456789ABCDEF";

pub fn allocation_path() -> String {
    format!(
        "/expensereports/v4/users/{USER}/context/TRAVELER/reports/{REPORT}/allocations/{ALLOCATION}"
    )
}

/// A valid `ReportAllocationResponse`.
pub fn allocation_json() -> serde_json::Value {
    serde_json::json!({
        "allocationId": ALLOCATION,
        "expenseId": EXPENSE,
        "isPercentEdited": false,
        "isSystemAllocation": false,
        "percentage": 100.0,
        "customData": [{"id": "custom1", "value": "Marketing", "isValid": true}],
    })
}

/// The URL of a local port nobody listens on (bound, then released).
pub async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    drop(listener);
    format!("http://{addr}")
}
