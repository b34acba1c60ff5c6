//! State shared by every generated client, and the `ClientHooks` that apply it.
//!
//! Each generated `Client` carries a [`Runtime`] as its inner value. The generator writes, after
//! progenitor's code in every module, an `impl ClientHooks<Runtime> for Client` (by value, which
//! overrides the generated default for `&Client` through auto-ref specialisation) that calls
//! [`pre`] and [`exec`] here, and an `impl Connect for Client` naming the spec's vendor; so no
//! generated client can miss its runtime:
//!
//! - `pre` (before each operation, once):
//!   - removes progenitor's `api-version` header (no vendor uses it);
//!   - sets `Accept: application/json` when missing, and `Content-Type: application/json` on
//!     bodies (always on Concur PATCH: the spec also allows merge-patch, the client sends
//!     JSON);
//!   - on Concur requests, sets `concur-correlationid` unless the operation's own
//!     `concur_correlationid` argument did: the id configured with
//!     [`RequestOptions::correlation_id`] / [`Config::correlation_id`](crate::Config::correlation_id),
//!     else a new UUID v4;
//!   - authenticates: `Authorization: Bearer …` from the token cache (Coupa, Concur) or the
//!     `X-CSO-API-KEY` header;
//!   - appends the [`Filters`] of the [`RequestOptions`] to the query.
//! - `exec` (sends the request): retries per the [`RetryPolicy`] (see [`crate::retry`]); on
//!   `401` with a refreshable token drops the token and sends once more with a fresh one; and
//!   rewrites an error body that is not the API's JSON error schema into it, so that the
//!   status survives (see [`NORMALIZED_BODY_HEADER`]).
//!
//! # Tracing
//!
//! Every operation runs in a `spendapi.operation` span (target `spendapi_client`, level INFO)
//! with `operation_id`, `method`, `path` (the spec's path template, not the URL), `vendor`,
//! `attempt` and `status` (updated per attempt) and, on Concur, `correlation_id`. Preparing the
//! request (credentials) runs in a `spendapi.prepare` span (DEBUG) with the same identity.
//! Events: each retry (`delay_ms`, `reason`, `retry_after` when the server's `Retry-After`
//! set the delay), each token request, obtained token and renewal after a `401`. No header
//! value, token, secret or body is ever recorded: only names, counts and statuses.

use std::time::SystemTime;

use progenitor_client::{ClientInfo, Error as ClientError, OperationInfo};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use tracing::Instrument as _;
use tracing::field::Empty;

use crate::auth::Auth;
use crate::filters::Filters;
use crate::headers::CORRELATION_ID_HEADER;
pub use crate::headers::{NORMALIZED_BODY_HEADER, RAW_BODY_HEADER, RAW_BODY_LIMIT};
use crate::retry::{Attempt, RetryPolicy};
use crate::vendor::{Vendor, VendorKind};

tokio::task_local! {
    /// The filters of one request, set by the generated `send_filtered`/`stream_filtered`.
    /// progenitor's builders keep their fields private to the generated module, so a
    /// per-request value cannot ride in the builder; it rides with the request's future.
    static REQUEST_FILTERS: Filters;
}

/// Runs `future` (a generated `send()`) with `filters` appended to the query of the request it
/// sends. What the generated `send_filtered`/`stream_filtered` of every index call.
pub async fn with_request_filters<F: std::future::Future>(
    filters: Filters,
    future: F,
) -> F::Output {
    REQUEST_FILTERS.scope(filters, future).await
}

/// Per-handle request options: filters, a correlation id, the retry opt-in.
///
/// Attach them to a clone of a client with [`ClientExt::with_options`] (or the shorthands
/// [`ClientExt::with_filters`], [`ClientExt::with_correlation_id`]); every request sent
/// through that clone uses them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOptions {
    filters: Filters,
    correlation_id: Option<String>,
    retry_non_idempotent: Option<bool>,
}

impl RequestOptions {
    /// No option.
    pub fn new() -> Self {
        Self::default()
    }

    /// Query pairs appended to every request (Coupa/CSO attribute filters, `fields`).
    pub fn filters(mut self, filters: Filters) -> Self {
        self.filters = filters;
        self
    }

    /// The `concur-correlationid` to send (instead of a new UUID per request).
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    /// Whether POST/PATCH requests may be retried on retryable statuses and transport errors
    /// (overrides the client's [`RetryPolicy`]).
    pub fn retry_non_idempotent(mut self, yes: bool) -> Self {
        self.retry_non_idempotent = Some(yes);
        self
    }
}

/// The state behind every generated client: authentication, retry policy, request options.
///
/// Build clients with [`crate::coupa`], [`crate::cso`], [`crate::concur`] or
/// [`crate::Config`]; `Runtime::default()` is a client without authentication and with the
/// default retry policy.
#[derive(Debug, Clone, Default)]
pub struct Runtime {
    auth: Auth,
    retry: RetryPolicy,
    correlation_id: Option<String>,
    options: RequestOptions,
}

impl Runtime {
    pub(crate) fn new(auth: Auth, retry: RetryPolicy, correlation_id: Option<String>) -> Self {
        Self {
            auth,
            retry,
            correlation_id,
            options: RequestOptions::default(),
        }
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The request options of this handle.
    pub fn options(&self) -> &RequestOptions {
        &self.options
    }

    /// The same runtime (sharing its token cache) with other request options.
    pub fn with_options(&self, options: RequestOptions) -> Self {
        Self {
            options,
            ..self.clone()
        }
    }

    /// The same runtime with another retry policy.
    pub fn with_retry_policy(&self, retry: RetryPolicy) -> Self {
        Self {
            retry,
            ..self.clone()
        }
    }

    /// Applies headers, authentication and filters to a request about to be sent. The error is
    /// the message of `progenitor_client::Error::Custom`.
    pub(crate) async fn prepare(
        &self,
        vendor: Vendor,
        http: &reqwest::Client,
        request: &mut reqwest::Request,
    ) -> Result<(), String> {
        let json = HeaderValue::from_static("application/json");
        let has_body = request.body().is_some();
        let method = request.method().clone();
        let headers = request.headers_mut();
        headers.remove("api-version");
        if !headers.contains_key(ACCEPT) {
            headers.insert(ACCEPT, json.clone());
        }
        if has_body
            && (!headers.contains_key(CONTENT_TYPE)
                || (vendor == Vendor::Concur && method == Method::PATCH))
        {
            headers.insert(CONTENT_TYPE, json);
        }
        if let Some(name) = vendor.correlation_header()
            && !headers.contains_key(name)
        {
            let id = self
                .options
                .correlation_id
                .clone()
                .or_else(|| self.correlation_id.clone())
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            let value = HeaderValue::try_from(id)
                .map_err(|_| "correlation id is not a valid header value".to_owned())?;
            headers.insert(HeaderName::from_static(name), value);
        }
        match &self.auth {
            Auth::None => {}
            Auth::Static(name, value) => {
                headers.insert(name.clone(), value.clone());
            }
            Auth::Tokens(cache) => {
                let value = cache
                    .authorization(http)
                    .await
                    .map_err(|e| format!("could not obtain an access token: {}", chain(&e)))?;
                request.headers_mut().insert(AUTHORIZATION, value);
            }
        }
        self.options.filters.apply_to(request);
        // `send_filtered`/`stream_filtered`: this request's own filters, after the handle's.
        REQUEST_FILTERS
            .try_with(|filters| filters.apply_to(request))
            .ok();
        Ok(())
    }

    /// Sends a request with retries and token renewal, then normalises an error body.
    pub(crate) async fn execute(
        &self,
        vendor: Vendor,
        http: &reqwest::Client,
        request: reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        let path = request.url().path().to_owned();
        let response = self.send_with_retries(http, request).await?;
        let status = response.status();
        if status.is_client_error() || status.is_server_error() {
            normalize_error_body(vendor, &path, response).await
        } else {
            Ok(response)
        }
    }

    async fn send_with_retries(
        &self,
        http: &reqwest::Client,
        mut request: reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        let method = request.method().clone();
        let allow_non_idempotent = self
            .options
            .retry_non_idempotent
            .unwrap_or(self.retry.retries_non_idempotent());
        let mut attempt = 1;
        let mut renewed_token = false;
        let span = tracing::Span::current();
        loop {
            span.record("attempt", attempt);
            let spare = request.try_clone();
            let sent_authorization = request.headers().get(AUTHORIZATION).cloned();
            let result = http.execute(request).await;
            if let Ok(response) = &result {
                span.record("status", response.status().as_u16());
            }

            // A rejected token: renew it once and resend (the request was not processed).
            if !renewed_token
                && let (Ok(response), Auth::Tokens(cache), Some(rejected)) =
                    (&result, &self.auth, sent_authorization.as_ref())
                && response.status() == StatusCode::UNAUTHORIZED
                && let Some(mut next) = spare.as_ref().and_then(reqwest::Request::try_clone)
            {
                tracing::info!(
                    attempt,
                    "access token rejected with 401: renewing it and resending once"
                );
                cache.invalidate(rejected).await;
                if let Ok(fresh) = cache.authorization(http).await {
                    renewed_token = true;
                    next.headers_mut().insert(AUTHORIZATION, fresh);
                    request = next;
                    continue;
                }
            }

            let outcome = match &result {
                Ok(response) => Attempt::Response(response.status(), response.headers()),
                Err(e) if e.is_connect() => Attempt::ConnectFailed,
                Err(e) if e.is_builder() || e.is_redirect() => return result,
                Err(_) => Attempt::TransportFailed,
            };
            let delay = self.retry.next_delay(
                &method,
                attempt,
                outcome,
                allow_non_idempotent,
                SystemTime::now(),
            );
            match (delay, spare) {
                (Some(delay), Some(next)) => {
                    log_retry(&result, attempt, delay);
                    drop(result);
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                    request = next;
                }
                _ => return result,
            }
        }
    }
}

/// The event of a retry: why, after how long, and whether the server chose the delay.
fn log_retry(
    result: &reqwest::Result<reqwest::Response>,
    attempt: u32,
    delay: std::time::Duration,
) {
    let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
    match result {
        Ok(response) => {
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| crate::retry::parse_retry_after(v, SystemTime::now()))
                .is_some();
            tracing::info!(
                attempt,
                delay_ms,
                reason = "status",
                status = response.status().as_u16(),
                retry_after,
                "retrying after a retryable status"
            );
        }
        Err(error) => {
            let reason = if error.is_connect() {
                "connect"
            } else if error.is_timeout() {
                "timeout"
            } else {
                "transport"
            };
            tracing::info!(
                attempt,
                delay_ms,
                reason,
                retry_after = false,
                "retrying after a transport error"
            );
        }
    }
}

/// Rewrites an error body that is not the API's JSON error shape into that shape.
///
/// Every operation of a spec has one error schema (`CoupaJsonErrors`, `CsoResult`,
/// `ErrorMessage`). When the body of an error status does not parse as it (an XML `<errors>`
/// body, plain text or an empty body from a rate limiter or proxy), progenitor reports
/// `InvalidResponsePayload` and drops the status. Rewriting the body into the schema, with the
/// messages recognised in the original ([`ErrorBody::parse`](crate::errors::ErrorBody::parse)), its text,
/// or the status's reason phrase, keeps the status and the messages. Such responses carry
/// [`NORMALIZED_BODY_HEADER`].
async fn normalize_error_body(
    vendor: Vendor,
    path: &str,
    response: reqwest::Response,
) -> reqwest::Result<reqwest::Response> {
    use reqwest::ResponseBuilderExt;

    let url = response.url().clone();
    let (parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    let original = reqwest::Response::from(http::Response::new(body))
        .bytes()
        .await?;
    let conforms = match vendor {
        Vendor::CoupaCore => {
            serde_json::from_slice::<spendapi_types::coupa_common::CoupaJsonErrors>(&original)
                .is_ok()
        }
        Vendor::CoupaSourcing => {
            serde_json::from_slice::<spendapi_types::cso_events::CsoResult>(&original).is_ok()
        }
        Vendor::Concur => serde_json::from_slice::<
            spendapi_types::concur_expense_allocations::ErrorMessage,
        >(&original)
        .is_ok(),
    };
    let mut builder = http::Response::builder()
        .status(parts.status)
        .version(parts.version)
        .url(url);
    if let Some(headers) = builder.headers_mut() {
        *headers = parts.headers;
    }
    if original.len() <= RAW_BODY_LIMIT {
        use base64::Engine as _;
        let encoded = base64::engine::general_purpose::STANDARD.encode(&original);
        if let (Some(headers), Ok(value)) = (builder.headers_mut(), HeaderValue::from_str(&encoded))
        {
            headers.insert(HeaderName::from_static(RAW_BODY_HEADER), value);
        }
    }
    let body = if conforms {
        original
    } else {
        let headers = builder.headers_mut();
        let original_type = headers
            .as_ref()
            .and_then(|h| h.get(CONTENT_TYPE).cloned())
            .unwrap_or(HeaderValue::from_static("none"));
        if let Some(headers) = headers {
            headers.remove(reqwest::header::CONTENT_LENGTH);
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            headers.insert(
                HeaderName::from_static(NORMALIZED_BODY_HEADER),
                original_type,
            );
        }
        bytes::Bytes::from(synthesize_error_body(vendor, parts.status, path, &original))
    };
    let rebuilt = builder
        .body(reqwest::Body::from(body))
        .unwrap_or_else(|_| http::Response::new(reqwest::Body::from(bytes::Bytes::new())));
    Ok(reqwest::Response::from(rebuilt))
}

fn synthesize_error_body(
    vendor: Vendor,
    status: StatusCode,
    path: &str,
    original: &[u8],
) -> Vec<u8> {
    let reason = status.canonical_reason().unwrap_or("Error");
    let mut messages = crate::errors::ErrorBody::parse(original).messages();
    if messages.is_empty() {
        let text = String::from_utf8_lossy(original);
        let text = text.trim();
        let markup = text.starts_with('<') || text.starts_with('{') || text.starts_with('[');
        messages.push(if text.is_empty() || markup {
            reason.to_owned()
        } else {
            text.chars().take(1000).collect()
        });
    }
    let value = match vendor {
        Vendor::CoupaCore => serde_json::json!({ "errors": { "base": messages } }),
        Vendor::CoupaSourcing => serde_json::json!({
            "result": messages
                .iter()
                .map(|m| serde_json::json!({
                    "type": format!("http.{}", status.as_u16()),
                    "description": m,
                }))
                .collect::<Vec<_>>()
        }),
        Vendor::Concur => serde_json::json!({
            "errorMessage": messages.join("; "),
            "httpStatus": format!("{} - {reason}", status.as_u16()),
            "path": path,
            "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        }),
    };
    serde_json::to_vec(&value).unwrap_or_default()
}

/// The error and its sources, joined with `: `.
fn chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// One operation's route as the spec declares it (the generator writes a table of them into
/// each module's wiring, [`Connect::ROUTES`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The spec's `operationId`.
    pub operation_id: &'static str,
    /// Uppercase HTTP method.
    pub method: &'static str,
    /// The path template (`/api/accounts/{id}`), without the base URL.
    pub path: &'static str,
}

/// What every generated client and client group implements (written by the generator after
/// progenitor's code): its vendor, and how to build it from a base URL, an HTTP client and a
/// [`Runtime`]. [`Config::connect`](crate::Config::connect) builds any of them.
pub trait Connect: Sized {
    /// The vendor whose credentials the client takes.
    type Vendor: VendorKind;

    /// The route of every operation of the client (none for a group).
    const ROUTES: &'static [Route] = &[];

    /// The client at `base_url`, sending through `http`, with `runtime`'s state.
    fn from_parts(base_url: &str, http: reqwest::Client, runtime: Runtime) -> Self;
}

/// The `pre` hook of every generated client: headers, credentials, filters.
pub async fn pre<C, E>(
    client: &C,
    request: &mut reqwest::Request,
    info: &OperationInfo,
) -> Result<(), ClientError<E>>
where
    C: Connect + ClientInfo<Runtime>,
{
    let vendor = <C::Vendor as VendorKind>::VENDOR;
    let route = route::<C>(info);
    let span = tracing::debug_span!(
        "spendapi.prepare",
        operation_id = info.operation_id,
        method = route.method,
        path = route.path,
        vendor = vendor.id(),
    );
    client
        .inner()
        .prepare(vendor, client.client(), request)
        .instrument(span)
        .await
        .map_err(ClientError::Custom)
}

/// The route of the operation `info` names (its id alone if the table lacks it).
fn route<C: Connect>(info: &OperationInfo) -> Route {
    C::ROUTES
        .iter()
        .find(|r| r.operation_id == info.operation_id)
        .copied()
        .unwrap_or(Route {
            operation_id: info.operation_id,
            method: "",
            path: "",
        })
}

/// The `exec` hook of every generated client: retries, token renewal, error bodies.
pub async fn exec<C>(
    client: &C,
    request: reqwest::Request,
    info: &OperationInfo,
) -> reqwest::Result<reqwest::Response>
where
    C: Connect + ClientInfo<Runtime>,
{
    let vendor = <C::Vendor as VendorKind>::VENDOR;
    let route = route::<C>(info);
    let span = tracing::info_span!(
        "spendapi.operation",
        operation_id = info.operation_id,
        method = route.method,
        path = route.path,
        vendor = vendor.id(),
        attempt = Empty,
        status = Empty,
        correlation_id = Empty,
    );
    // The correlation id is an identifier the caller or the runtime chose, not a credential;
    // it is what Concur support asks for.
    if let Some(id) = request
        .headers()
        .get(CORRELATION_ID_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        span.record("correlation_id", id);
    }
    client
        .inner()
        .execute(vendor, client.client(), request)
        .instrument(span)
        .await
}

/// Per-handle options for any generated client: returns a cheap clone of the client (sharing
/// its connection pool and token cache) whose requests use the given options.
///
/// ```no_run
/// # async fn demo(events: spendapi_client::cso_events::Client) {
/// use spendapi_client::{ClientExt, Filters};
///
/// let ltl = events.with_filters(Filters::new().contains("name", "LTL"));
/// let page = ltl.list_events().limit(50u64).send().await;
/// # }
/// ```
pub trait ClientExt: Sized {
    /// Which vendor the client talks to.
    const VENDOR: Vendor;

    /// The client's runtime.
    fn runtime(&self) -> &Runtime;

    /// A clone of the client with these request options.
    fn with_options(&self, options: RequestOptions) -> Self;

    /// A clone of the client whose requests carry these filters.
    fn with_filters(&self, filters: Filters) -> Self {
        let options = self.runtime().options().clone().filters(filters);
        self.with_options(options)
    }

    /// A clone of the client whose requests carry this `concur-correlationid`.
    fn with_correlation_id(&self, id: impl Into<String>) -> Self {
        let options = self.runtime().options().clone().correlation_id(id);
        self.with_options(options)
    }

    /// A clone of the client that may retry POST/PATCH requests (only safe when the server
    /// deduplicates them).
    fn with_retry_non_idempotent(&self) -> Self {
        let options = self.runtime().options().clone().retry_non_idempotent(true);
        self.with_options(options)
    }
}

impl<C> ClientExt for C
where
    C: Connect + ClientInfo<Runtime>,
{
    const VENDOR: Vendor = <C::Vendor as VendorKind>::VENDOR;

    fn runtime(&self) -> &Runtime {
        self.inner()
    }

    fn with_options(&self, options: RequestOptions) -> Self {
        C::from_parts(
            self.baseurl(),
            self.client().clone(),
            self.inner().with_options(options),
        )
    }
}
