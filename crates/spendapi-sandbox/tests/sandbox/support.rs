//! Serving the in-process app and getting tokens.

use serde_json::Value;
use spendapi_sandbox::{Config, Sandbox, Seed, Settings};

use crate::pg;

pub const ALL_COUPA: &str = "core.accounting.read core.accounting.write core.integration.read \
                             core.integration.write core.user.read";

pub struct Sb {
    pub base: String,
    pub http: reqwest::Client,
    pub sandbox: Sandbox,
    /// Keeps a file database alive for the test.
    _dir: Option<tempfile::TempDir>,
}

/// The app on an in-memory database with the demo data (a fresh PostgreSQL database with
/// `SPENDAPI_TEST_BACKEND=postgres`).
pub async fn start() -> Sb {
    serve(pg::backend_db(":memory:"), None, Config::default()).await
}

/// [`start`] with another configuration.
pub async fn start_with(config: Config) -> Sb {
    serve(pg::backend_db(":memory:"), None, config).await
}

/// The app on a database file in a fresh directory (several connections, WAL).
pub async fn start_file() -> Sb {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("sandbox.db").display().to_string();
    serve(db, Some(dir), Config::default()).await
}

async fn serve(db: String, dir: Option<tempfile::TempDir>, config: Config) -> Sb {
    let (app, sandbox) = spendapi_sandbox::web::build(Settings {
        db,
        seed: Seed::Demo,
        config,
    })
    .await
    .expect("app");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Sb {
        base: format!("http://{address}"),
        http: reqwest::Client::new(),
        sandbox,
        _dir: dir,
    }
}

impl Sb {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A Coupa token with `scopes`.
    pub async fn coupa_token(&self, scopes: &str) -> String {
        let response = self
            .http
            .post(self.url("/oauth2/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "sandbox"),
                ("client_secret", "sandbox"),
                ("scope", scopes),
            ])
            .send()
            .await
            .expect("token request");
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("token JSON");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// A Concur token (password grant, every scope of the default client).
    pub async fn concur_token(&self) -> String {
        let body: Value = self
            .http
            .post(self.url("/oauth2/v0/token"))
            .form(&[
                ("grant_type", "password"),
                ("client_id", "sandbox"),
                ("client_secret", "sandbox"),
                ("username", "user@example.com"),
                ("password", "secret"),
            ])
            .send()
            .await
            .expect("token request")
            .json()
            .await
            .expect("token JSON");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// GET with a Coupa bearer token, JSON.
    pub async fn coupa_get(&self, token: &str, path_and_query: &str) -> (u16, Value) {
        let response = self
            .http
            .get(self.url(path_and_query))
            .bearer_auth(token)
            .header("accept", "application/json")
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A CSO request with the default key.
    pub fn cso(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header("X-CSO-API-KEY", "sandbox")
    }
}

/// `fields` and filters go through the query string percent-encoded.
pub fn enc(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
