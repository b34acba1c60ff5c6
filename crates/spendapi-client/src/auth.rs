//! Authentication for the three vendors.
//!
//! - **Coupa Core**: OAuth 2.0 client credentials ([`CoupaAuth::client_credentials`]). The
//!   client POSTs `grant_type=client_credentials&client_id&client_secret&scope` (scopes
//!   space-separated) to `{base}/oauth2/token`, caches the bearer token and fetches a new one
//!   `refresh_margin` (default 60 s) before `expires_in` runs out. Concurrent requests that
//!   find the token missing or stale wait for one shared refresh. A `401` answer drops the
//!   cached token and the request is sent once more with a fresh one.
//! - **Coupa Sourcing (CSO)**: the API key in the `X-CSO-API-KEY` header
//!   ([`crate::cso`]).
//! - **SAP Concur**: a bearer token, either given ([`ConcurAuth::bearer`]) or obtained through a
//!   [`TokenProvider`] ([`ConcurAuth::provider`], or [`ConcurAuth::refresh_token`] for the
//!   refresh-token grant at `{base}/oauth2/v0/token`), cached like Coupa's.
//!
//! Why not the `oauth2` crate: oauth2 5.0's HTTP integration is built on reqwest 0.12, while
//! this crate (and progenitor-client 0.15) use reqwest 0.13. Bridging it would mean a second
//! reqwest in the build or an adapter from `http` requests to reqwest 0.13 — more code than the
//! one form POST the client-credentials and refresh-token grants need, which is done here with
//! the same `reqwest::Client` as the API calls.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use serde::Deserialize;
use tokio::time::Instant;

use crate::vendor::Vendor;

/// Coupa Core OAuth scopes (`service.object.right`) used by the specs.
pub mod scopes {
    /// Usual minimum scope of a Coupa OAuth client.
    pub const COMMON_READ: &str = "core.common.read";
    /// Accounts: index and show.
    pub const ACCOUNTING_READ: &str = "core.accounting.read";
    /// Accounts: create and update.
    pub const ACCOUNTING_WRITE: &str = "core.accounting.write";
    /// Integration history records: index and show.
    pub const INTEGRATION_READ: &str = "core.integration.read";
    /// Integration history records: create, update and the actions.
    pub const INTEGRATION_WRITE: &str = "core.integration.write";
    /// Delegations (unconfirmed by the vendor; the plausible scope).
    pub const USER_READ: &str = "core.user.read";
}

/// Default time before expiry at which a cached token is replaced.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// A bearer token and its lifetime.
#[derive(Clone)]
pub struct AccessToken {
    secret: String,
    expires_in: Option<Duration>,
}

impl AccessToken {
    /// A token valid for `expires_in` from now (`None`: until the API rejects it).
    pub fn new(secret: impl Into<String>, expires_in: Option<Duration>) -> Self {
        Self {
            secret: secret.into(),
            expires_in,
        }
    }

    /// The token itself.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// Its lifetime from the moment it was requested.
    pub fn expires_in(&self) -> Option<Duration> {
        self.expires_in
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Why no token could be obtained.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The token endpoint could not be reached.
    #[error("could not reach the token endpoint")]
    Transport(#[from] reqwest::Error),
    /// The token endpoint refused (bad credentials, unknown scope, …).
    #[error("token endpoint answered {status}: {body}")]
    Rejected {
        /// Its status.
        status: StatusCode,
        /// Its body, as text.
        body: String,
    },
    /// The token endpoint's answer has no usable `access_token`.
    #[error("token endpoint answered without a usable access token")]
    InvalidResponse(#[source] serde_json::Error),
    /// The token contains bytes not allowed in a header.
    #[error("access token is not a valid header value")]
    InvalidToken,
    /// A custom [`TokenProvider`] failed.
    #[error("token provider failed")]
    Provider(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Source of bearer tokens, called whenever the cached token is missing, stale or rejected.
///
/// Implement it for token flows this crate does not provide (a Concur company token obtained
/// from a secrets store, say). `http` is the client's own `reqwest::Client`.
pub trait TokenProvider: Send + Sync + 'static {
    /// Fetches a new token.
    fn fetch_token<'a>(
        &'a self,
        http: &'a reqwest::Client,
    ) -> BoxFuture<'a, Result<AccessToken, AuthError>>;
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    refresh_token: Option<String>,
}

impl TokenResponse {
    fn expires_in(&self) -> Option<Duration> {
        // Most servers send a number; some send it as a string.
        match self.expires_in.as_ref()? {
            serde_json::Value::Number(n) => n.as_u64().map(Duration::from_secs),
            serde_json::Value::String(s) => s.trim().parse().ok().map(Duration::from_secs),
            _ => None,
        }
    }
}

async fn post_token_form(
    http: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> Result<TokenResponse, AuthError> {
    let body = serde_urlencoded::to_string(form).map_err(|e| AuthError::Provider(Box::new(e)))?;
    let response = http
        .post(url)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(reqwest::header::ACCEPT, "application/json")
        .body(body)
        .send()
        .await?;
    let status = response.status();
    let bytes = response.bytes().await?;
    if !status.is_success() {
        return Err(AuthError::Rejected {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        });
    }
    serde_json::from_slice(&bytes).map_err(AuthError::InvalidResponse)
}

/// The OAuth 2.0 client-credentials grant (Coupa Core).
pub struct ClientCredentials {
    token_url: String,
    client_id: String,
    client_secret: String,
    scopes: Vec<String>,
}

impl ClientCredentials {
    /// A grant against `token_url` with the given client and scopes.
    pub fn new(
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        scopes: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            token_url: token_url.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scopes: scopes.into_iter().map(Into::into).collect(),
        }
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl TokenProvider for ClientCredentials {
    fn fetch_token<'a>(
        &'a self,
        http: &'a reqwest::Client,
    ) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(async move {
            let scope = self.scopes.join(" ");
            let mut form = vec![
                ("grant_type", "client_credentials"),
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.client_secret.as_str()),
            ];
            if !scope.is_empty() {
                form.push(("scope", scope.as_str()));
            }
            let token = post_token_form(http, &self.token_url, &form).await?;
            Ok(AccessToken::new(
                token.access_token.clone(),
                token.expires_in(),
            ))
        })
    }
}

/// Concur's refresh-token grant: `grant_type=refresh_token` with the client id and secret.
/// Concur rotates refresh tokens; the newest one is kept for the next refresh and readable with
/// [`ConcurRefreshToken::current_refresh_token`].
pub struct ConcurRefreshToken {
    token_url: String,
    client_id: String,
    client_secret: String,
    refresh_token: std::sync::Mutex<String>,
}

impl ConcurRefreshToken {
    /// A grant against `token_url` (normally `{datacenter}/oauth2/v0/token`).
    pub fn new(
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        refresh_token: impl Into<String>,
    ) -> Self {
        Self {
            token_url: token_url.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            refresh_token: std::sync::Mutex::new(refresh_token.into()),
        }
    }

    /// The refresh token the next refresh will use.
    pub fn current_refresh_token(&self) -> String {
        self.refresh_token
            .lock()
            .map(|t| t.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }
}

impl fmt::Debug for ConcurRefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConcurRefreshToken")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl TokenProvider for ConcurRefreshToken {
    fn fetch_token<'a>(
        &'a self,
        http: &'a reqwest::Client,
    ) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(async move {
            let refresh_token = self.current_refresh_token();
            let form = [
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.as_str()),
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.client_secret.as_str()),
            ];
            let token = post_token_form(http, &self.token_url, &form).await?;
            if let Some(next) = &token.refresh_token {
                match self.refresh_token.lock() {
                    Ok(mut current) => current.clone_from(next),
                    Err(poisoned) => poisoned.into_inner().clone_from(next),
                }
            }
            Ok(AccessToken::new(
                token.access_token.clone(),
                token.expires_in(),
            ))
        })
    }
}

/// Caches the token of a [`TokenProvider`]; one refresh at a time.
pub(crate) struct TokenCache {
    provider: Arc<dyn TokenProvider>,
    margin: Duration,
    state: tokio::sync::Mutex<Option<Cached>>,
}

struct Cached {
    header: HeaderValue,
    refresh_at: Option<Instant>,
}

fn bearer(token: &str) -> Result<HeaderValue, AuthError> {
    let mut value =
        HeaderValue::try_from(format!("Bearer {token}")).map_err(|_| AuthError::InvalidToken)?;
    value.set_sensitive(true);
    Ok(value)
}

impl TokenCache {
    pub(crate) fn new(provider: Arc<dyn TokenProvider>, margin: Duration) -> Self {
        Self {
            provider,
            margin,
            state: tokio::sync::Mutex::new(None),
        }
    }

    /// The `Authorization` value to send: the cached token while it is fresh, otherwise a new
    /// one. The lock is held across the fetch, so concurrent callers share one refresh.
    pub(crate) async fn authorization(
        &self,
        http: &reqwest::Client,
    ) -> Result<HeaderValue, AuthError> {
        let mut state = self.state.lock().await;
        if let Some(cached) = state.as_ref()
            && cached.refresh_at.is_none_or(|at| Instant::now() < at)
        {
            return Ok(cached.header.clone());
        }
        // Events name why and how long, never the token or the provider's credentials.
        let reason = if state.is_some() {
            "expiring"
        } else {
            "none cached"
        };
        tracing::info!(reason, "requesting an access token");
        let requested_at = Instant::now();
        let token = match self.provider.fetch_token(http).await {
            Ok(token) => token,
            Err(error) => {
                let status = match &error {
                    AuthError::Rejected { status, .. } => Some(status.as_u16()),
                    _ => None,
                };
                tracing::warn!(status, "the access token request failed");
                return Err(error);
            }
        };
        tracing::info!(
            expires_in_s = token.expires_in().map(|d| d.as_secs()),
            "access token obtained"
        );
        let header = bearer(token.secret())?;
        // A token whose lifetime is within the margin is used for this request only.
        let refresh_at = token
            .expires_in()
            .map(|lifetime| requested_at + lifetime.saturating_sub(self.margin));
        *state = Some(Cached {
            header: header.clone(),
            refresh_at,
        });
        Ok(header)
    }

    /// Forgets `rejected` if it is still the cached token (a concurrent caller may already have
    /// replaced it).
    pub(crate) async fn invalidate(&self, rejected: &HeaderValue) {
        let mut state = self.state.lock().await;
        if state.as_ref().is_some_and(|c| c.header == *rejected) {
            tracing::debug!("dropping the rejected access token");
            *state = None;
        }
    }
}

/// How a client authenticates; built from [`CoupaAuth`], [`ConcurAuth`] or a CSO key.
#[derive(Clone, Default)]
pub(crate) enum Auth {
    #[default]
    None,
    /// A fixed header (a given bearer token, the CSO API key).
    Static(HeaderName, HeaderValue),
    /// Refreshable bearer tokens.
    Tokens(Arc<TokenCache>),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Static(name, _) => write!(f, "Static({name}: <redacted>)"),
            Auth::Tokens(cache) => write!(f, "Tokens(margin: {:?})", cache.margin),
        }
    }
}

impl Auth {
    pub(crate) fn bearer(token: &str) -> Result<Self, AuthError> {
        Ok(Auth::Static(AUTHORIZATION, bearer(token)?))
    }

    pub(crate) fn api_key(name: &'static str, key: &str) -> Result<Self, AuthError> {
        let mut value = HeaderValue::try_from(key).map_err(|_| AuthError::InvalidToken)?;
        value.set_sensitive(true);
        Ok(Auth::Static(HeaderName::from_static(name), value))
    }

    fn tokens(provider: Arc<dyn TokenProvider>, margin: Duration) -> Self {
        Auth::Tokens(Arc::new(TokenCache::new(provider, margin)))
    }
}

#[derive(Clone)]
enum CoupaAuthKind {
    ClientCredentials {
        client_id: String,
        client_secret: String,
        scopes: Vec<String>,
        token_url: Option<String>,
    },
    Bearer(String),
    Provider(Arc<dyn TokenProvider>),
}

/// How Coupa Core clients authenticate.
#[derive(Clone)]
pub struct CoupaAuth {
    kind: CoupaAuthKind,
    margin: Duration,
}

impl CoupaAuth {
    /// OAuth 2.0 client credentials with the given scopes (see [`scopes`]); the token endpoint
    /// is `{base}/oauth2/token` unless [`token_url`](Self::token_url) says otherwise.
    pub fn client_credentials(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        scopes: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            kind: CoupaAuthKind::ClientCredentials {
                client_id: client_id.into(),
                client_secret: client_secret.into(),
                scopes: scopes.into_iter().map(Into::into).collect(),
                token_url: None,
            },
            margin: DEFAULT_REFRESH_MARGIN,
        }
    }

    /// A token obtained elsewhere, sent as is (never refreshed).
    pub fn bearer(token: impl Into<String>) -> Self {
        Self {
            kind: CoupaAuthKind::Bearer(token.into()),
            margin: DEFAULT_REFRESH_MARGIN,
        }
    }

    /// Tokens from a custom provider, cached and refreshed like client credentials.
    pub fn provider(provider: impl TokenProvider) -> Self {
        Self {
            kind: CoupaAuthKind::Provider(Arc::new(provider)),
            margin: DEFAULT_REFRESH_MARGIN,
        }
    }

    /// Overrides the token endpoint of the client-credentials grant.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        if let CoupaAuthKind::ClientCredentials { token_url, .. } = &mut self.kind {
            *token_url = Some(url.into());
        }
        self
    }

    /// How long before expiry a cached token is replaced (default 60 s).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    pub(crate) fn into_auth(self, base_url: &str) -> Result<Auth, AuthError> {
        match self.kind {
            CoupaAuthKind::ClientCredentials {
                client_id,
                client_secret,
                scopes,
                token_url,
            } => {
                let url =
                    token_url.unwrap_or_else(|| default_token_url(Vendor::CoupaCore, base_url));
                let grant = ClientCredentials::new(url, client_id, client_secret, scopes);
                Ok(Auth::tokens(Arc::new(grant), self.margin))
            }
            CoupaAuthKind::Bearer(token) => Auth::bearer(&token),
            CoupaAuthKind::Provider(provider) => Ok(Auth::tokens(provider, self.margin)),
        }
    }
}

impl fmt::Debug for CoupaAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.kind {
            CoupaAuthKind::ClientCredentials {
                client_id, scopes, ..
            } => {
                format!("ClientCredentials {{ client_id: {client_id:?}, scopes: {scopes:?} }}")
            }
            CoupaAuthKind::Bearer(_) => "Bearer(<redacted>)".to_owned(),
            CoupaAuthKind::Provider(_) => "Provider".to_owned(),
        };
        f.debug_struct("CoupaAuth")
            .field("kind", &format_args!("{kind}"))
            .field("margin", &self.margin)
            .finish()
    }
}

#[derive(Clone)]
enum ConcurAuthKind {
    Bearer(String),
    Provider(Arc<dyn TokenProvider>),
    RefreshToken {
        client_id: String,
        client_secret: String,
        refresh_token: String,
        token_url: Option<String>,
    },
}

/// How SAP Concur clients authenticate.
#[derive(Clone)]
pub struct ConcurAuth {
    kind: ConcurAuthKind,
    margin: Duration,
}

impl ConcurAuth {
    /// A company or user access token obtained elsewhere, sent as is.
    pub fn bearer(token: impl Into<String>) -> Self {
        Self {
            kind: ConcurAuthKind::Bearer(token.into()),
            margin: DEFAULT_REFRESH_MARGIN,
        }
    }

    /// Tokens from a custom provider, cached and refreshed before `expires_in` runs out.
    pub fn provider(provider: impl TokenProvider) -> Self {
        Self {
            kind: ConcurAuthKind::Provider(Arc::new(provider)),
            margin: DEFAULT_REFRESH_MARGIN,
        }
    }

    /// Tokens from Concur's refresh-token grant at `{base}/oauth2/v0/token` (or
    /// [`token_url`](Self::token_url)).
    pub fn refresh_token(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        refresh_token: impl Into<String>,
    ) -> Self {
        Self {
            kind: ConcurAuthKind::RefreshToken {
                client_id: client_id.into(),
                client_secret: client_secret.into(),
                refresh_token: refresh_token.into(),
                token_url: None,
            },
            margin: DEFAULT_REFRESH_MARGIN,
        }
    }

    /// Overrides the token endpoint of the refresh-token grant.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        if let ConcurAuthKind::RefreshToken { token_url, .. } = &mut self.kind {
            *token_url = Some(url.into());
        }
        self
    }

    /// How long before expiry a cached token is replaced (default 60 s).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    pub(crate) fn into_auth(self, base_url: &str) -> Result<Auth, AuthError> {
        match self.kind {
            ConcurAuthKind::Bearer(token) => Auth::bearer(&token),
            ConcurAuthKind::Provider(provider) => Ok(Auth::tokens(provider, self.margin)),
            ConcurAuthKind::RefreshToken {
                client_id,
                client_secret,
                refresh_token,
                token_url,
            } => {
                let url = token_url.unwrap_or_else(|| default_token_url(Vendor::Concur, base_url));
                let grant = ConcurRefreshToken::new(url, client_id, client_secret, refresh_token);
                Ok(Auth::tokens(Arc::new(grant), self.margin))
            }
        }
    }
}

impl fmt::Debug for ConcurAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.kind {
            ConcurAuthKind::Bearer(_) => "Bearer(<redacted>)",
            ConcurAuthKind::Provider(_) => "Provider",
            ConcurAuthKind::RefreshToken { .. } => "RefreshToken",
        };
        f.debug_struct("ConcurAuth")
            .field("kind", &format_args!("{kind}"))
            .field("margin", &self.margin)
            .finish()
    }
}

/// The vendor's token endpoint on the API's host (the path is the vendor declaration's).
fn default_token_url(vendor: Vendor, base_url: &str) -> String {
    format!("{base_url}{}", vendor.token_path().unwrap_or_default())
}
