//! Starting the sandbox in-process, credentials obtained the way an integration obtains them,
//! and small helpers shared by the API modules.

use std::ops::Deref;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::Value;
use spendapi_client::auth::{ClientCredentials, scopes};
use spendapi_client::{ConcurAuth, CoupaAuth, TokenProvider as _, VendorError};
use spendapi_sandbox::{Config, Seed, Settings};

/// The development OAuth client of the sandbox's default configuration.
pub const CLIENT_ID: &str = "sandbox";
pub const CLIENT_SECRET: &str = "sandbox";
/// The CSO API key of the default configuration.
pub const CSO_KEY: &str = "sandbox";

/// Every Coupa Core scope the specs use.
pub const ALL_COUPA: [&str; 5] = [
    scopes::ACCOUNTING_READ,
    scopes::ACCOUNTING_WRITE,
    scopes::INTEGRATION_READ,
    scopes::INTEGRATION_WRITE,
    scopes::USER_READ,
];

/// A running sandbox.
pub struct Sandbox {
    pub base: String,
    pub http: reqwest::Client,
    /// The shared state (tests add records the APIs cannot create, such as a Concur system
    /// allocation).
    pub state: spendapi_sandbox::Sandbox,
}

/// The sandbox on a fresh in-memory database (PostgreSQL database with
/// `SPENDAPI_TEST_BACKEND=postgres`) with the demo seed, serving on 127.0.0.1:0.
pub async fn start() -> Sandbox {
    let (app, state) = spendapi_sandbox::web::build(Settings {
        db: super::pg::backend_db(":memory:"),
        seed: Seed::Demo,
        config: Config::default(),
    })
    .await
    .expect("sandbox app");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Sandbox {
        base: format!("http://{address}"),
        http: reqwest::Client::new(),
        state,
    }
}

impl Sandbox {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The Coupa Core clients, authenticated with client credentials and `scopes` against the
    /// sandbox's `/oauth2/token`.
    pub fn coupa(&self, scopes: &[&str]) -> spendapi_client::CoupaClients {
        spendapi_client::coupa(
            self.base.as_str(),
            CoupaAuth::client_credentials(CLIENT_ID, CLIENT_SECRET, scopes.iter().copied()),
        )
        .expect("Coupa clients")
    }

    /// A Coupa bearer token with `scopes`, from the client crate's client-credentials grant
    /// (for the raw XML requests).
    pub async fn coupa_token(&self, scopes: &[&str]) -> String {
        ClientCredentials::new(
            self.url("/oauth2/token"),
            CLIENT_ID,
            CLIENT_SECRET,
            scopes.iter().copied(),
        )
        .fetch_token(&self.http)
        .await
        .expect("Coupa token")
        .secret()
        .to_owned()
    }

    /// A Concur refresh token for `scope` (a company token through the password grant, as
    /// an integration gets one once), for the client's refresh-token flow.
    pub async fn concur_refresh_token(&self, scope: &str) -> String {
        let response = self
            .http
            .post(self.url("/oauth2/v0/token"))
            .form(&[
                ("grant_type", "password"),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
                ("username", "user@example.com"),
                ("password", "company-request-token"),
                ("credtype", "authtoken"),
                ("scope", scope),
            ])
            .send()
            .await
            .expect("token request");
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("token JSON");
        body["refresh_token"]
            .as_str()
            .expect("refresh_token")
            .to_owned()
    }

    /// The Concur client, authenticated through the refresh-token grant with `scope`.
    pub async fn concur(&self, scope: &str) -> spendapi_client::concur_expense_allocations::Client {
        let refresh = self.concur_refresh_token(scope).await;
        spendapi_client::Config::new(self.base.as_str())
            .correlation_id("e2e-sandbox")
            .concur(ConcurAuth::refresh_token(CLIENT_ID, CLIENT_SECRET, refresh))
            .expect("Concur client")
    }

    /// The CSO events client with the default key.
    pub fn cso(&self) -> spendapi_client::cso_events::Client {
        spendapi_client::cso(self.base.as_str(), CSO_KEY).expect("CSO client")
    }

    /// A raw Coupa request in XML: `Accept: application/xml`, and the body (if any) sent as
    /// `application/xml`.
    pub async fn coupa_xml(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Xml {
        let mut request = self
            .http
            .request(method, self.url(path_and_query))
            .header(ACCEPT, "application/xml");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/xml")
                .body(body.to_owned());
        }
        let response = request.send().await.expect("XML request");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = response.text().await.expect("XML body");
        Xml {
            status,
            content_type,
            text,
        }
    }
}

/// A raw XML answer.
#[derive(Debug)]
pub struct Xml {
    pub status: u16,
    pub content_type: String,
    pub text: String,
}

impl Xml {
    /// The name of the root element (after the XML declaration).
    pub fn root(&self) -> String {
        let mut reader = quick_xml::Reader::from_str(&self.text);
        loop {
            match reader.read_event().expect("well-formed XML") {
                quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                    return String::from_utf8_lossy(e.name().as_ref()).into_owned();
                }
                quick_xml::events::Event::Eof => panic!("no root element in {}", self.text),
                _ => {}
            }
        }
    }

    /// The text of every element named `name`, in document order.
    pub fn texts(&self, name: &str) -> Vec<String> {
        let mut reader = quick_xml::Reader::from_str(&self.text);
        let mut out = Vec::new();
        let mut inside = false;
        let mut current = String::new();
        loop {
            match reader.read_event().expect("well-formed XML") {
                quick_xml::events::Event::Start(e) if e.name().as_ref() == name.as_bytes() => {
                    inside = true;
                    current.clear();
                }
                quick_xml::events::Event::Text(t) if inside => {
                    current.push_str(&t.decode().expect("text"));
                }
                quick_xml::events::Event::End(e) if e.name().as_ref() == name.as_bytes() => {
                    inside = false;
                    out.push(current.trim().to_owned());
                }
                quick_xml::events::Event::Eof => return out,
                _ => {}
            }
        }
    }

    /// The answer as a Coupa error, decoded by `VendorError` (XML `<errors><error>…`).
    pub fn error(&self) -> VendorError {
        VendorError::from_parts(
            reqwest::StatusCode::from_u16(self.status).expect("status"),
            reqwest::header::HeaderMap::new(),
            self.text.clone().into_bytes(),
        )
    }

    /// Asserts an XML Coupa error with `status` whose messages include one containing
    /// `needle` (with `""`: at least one message).
    pub fn assert_error(&self, status: u16, needle: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert!(self.content_type.contains("xml"), "{}", self.content_type);
        assert_eq!(self.root(), "errors", "{}", self.text);
        let err = self.error();
        assert!(
            matches!(err.error_body(), spendapi_client::ErrorBody::CoupaXml(_)),
            "{:?}",
            err.error_body()
        );
        assert!(
            err.messages().iter().any(|m| m.contains(needle)),
            "{needle:?} not in {:?}",
            err.messages()
        );
    }
}

/// The status and messages of a client error.
pub fn failure<E>(error: spendapi_client::Error<E>) -> (u16, Vec<String>, VendorError)
where
    VendorError: From<spendapi_client::Error<E>>,
{
    let err = VendorError::from(error);
    let status = err.status().map(|s| s.as_u16()).unwrap_or_default();
    (status, err.messages(), err)
}

/// Asserts a client error with `status` and a message containing `needle` (with `""`: at
/// least one message, whatever its text).
pub fn assert_failure<T: std::fmt::Debug, E>(
    result: Result<T, spendapi_client::Error<E>>,
    status: u16,
    needle: &str,
) -> VendorError
where
    VendorError: From<spendapi_client::Error<E>>,
{
    let (got, messages, err) = failure(result.expect_err("an error answer"));
    assert_eq!(got, status, "{messages:?} {}", err.body_text());
    assert!(
        messages.iter().any(|m| m.contains(needle)),
        "{needle:?} not in {messages:?}"
    );
    err
}

/// The text of an optional constrained string of the generated types.
pub fn text<T: Deref<Target = String>>(value: &Option<T>) -> Option<&str> {
    value.as_deref().map(String::as_str)
}

/// A generated type from JSON (the request bodies are written as on the vendor pages).
pub fn from_json<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("a value of the generated type")
}
