//! One error type for every vendor: [`VendorError`].
//!
//! It recognises the four error bodies the APIs answer with:
//! - Coupa XML: `<errors><error>message</error></errors>`;
//! - Coupa JSON: `{"errors":{"account":["message"]}}`;
//! - Concur `ErrorMessage`: `{"errorMessage","httpStatus","path","timestamp","errorId"?,
//!   "validationErrors"?}`;
//! - the CSO result envelope: `{"result":[{"type","description","id"?}]}`.
//!
//! Every generated client's `progenitor_client::Error<E>` converts into it with `From` (so `?`
//! works in a function returning `Result<_, VendorError>`). Progenitor has already read the body
//! of a documented error status into `E`; the conversion keeps that typed value as the parsed
//! body and re-serialises it as the raw body. An undocumented status
//! (`Error::UnexpectedResponse`) still holds the unread response: use
//! [`VendorError::from_client_error`] to read its body, as `From` cannot.
//!
//! Progenitor reports an error status whose body does not match the operation's error schema
//! as `InvalidResponsePayload`, without the status. To keep the status, the `exec` hook
//! rewrites such bodies (an XML `<errors>` body, plain text, an empty body from a proxy) into
//! the API's JSON error schema, carrying the messages it recognised; those responses are
//! marked with [`NORMALIZED_BODY_HEADER`](crate::headers::NORMALIZED_BODY_HEADER).
//! [`VendorError::body`] is always the original bytes (carried past progenitor in
//! [`RAW_BODY_HEADER`](crate::headers::RAW_BODY_HEADER)), whatever the typed value says. For raw `reqwest` calls (for example with
//! `Accept: application/xml`), [`VendorError::from_response`] keeps the original bytes.

use std::fmt;

use bytes::Bytes;
use progenitor_client::{Error as ClientError, ResponseValue};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;

pub use crate::headers::CORRELATION_ID_HEADER;
use crate::headers::RAW_BODY_HEADER;

/// What went wrong, in broad classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VendorErrorKind {
    /// The API answered with an error status.
    Response,
    /// The API answered with a status its spec does not list (success or not).
    UnexpectedResponse,
    /// The request could not be sent or no answer came back.
    Communication,
    /// The request was invalid before it was sent (a builder argument failed to convert).
    InvalidRequest,
    /// The body of the answer could not be read.
    ResponseBody,
    /// The body of the answer did not match the documented schema.
    InvalidPayload,
    /// A hook refused the request (for example: no access token could be obtained).
    Hook,
}

impl fmt::Display for VendorErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VendorErrorKind::Response => "error response",
            VendorErrorKind::UnexpectedResponse => "unexpected response",
            VendorErrorKind::Communication => "communication error",
            VendorErrorKind::InvalidRequest => "invalid request",
            VendorErrorKind::ResponseBody => "unreadable response body",
            VendorErrorKind::InvalidPayload => "response body does not match the schema",
            VendorErrorKind::Hook => "request refused by the client",
        })
    }
}

/// A Concur `ErrorMessage` body (lenient: missing fields are empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ConcurError {
    /// `errorMessage`.
    #[serde(rename = "errorMessage")]
    pub error_message: String,
    /// `httpStatus`, for example `404 - Not Found`.
    #[serde(rename = "httpStatus")]
    pub http_status: String,
    /// `path`: the request path.
    pub path: String,
    /// `timestamp`, as sent.
    pub timestamp: String,
    /// `errorId`.
    #[serde(rename = "errorId")]
    pub error_id: Option<String>,
    /// `validationErrors`.
    #[serde(rename = "validationErrors")]
    pub validation_errors: Vec<ConcurValidationError>,
}

/// One entry of a Concur `validationErrors` list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ConcurValidationError {
    /// `id`.
    pub id: Option<String>,
    /// `message`.
    pub message: Option<String>,
    /// `source`.
    pub source: Option<String>,
}

/// One entry of a CSO `result` envelope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct CsoEntry {
    /// `type`: the message type (for example `api.error.not_found`).
    #[serde(rename = "type")]
    pub type_: String,
    /// `description`: the human-readable message.
    #[serde(default)]
    pub description: Option<String>,
    /// `id`: the event concerned, if one.
    #[serde(default)]
    pub id: Option<String>,
}

/// An error body, recognised by its shape.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorBody {
    /// Coupa XML `<errors><error>…</error></errors>`: the messages in order.
    CoupaXml(Vec<String>),
    /// Coupa JSON `{"errors":{resource:[messages]}}`: per resource (or attribute), in order.
    CoupaJson(Vec<(String, Vec<String>)>),
    /// Concur `ErrorMessage`.
    Concur(ConcurError),
    /// CSO `{"result":[…]}`.
    Cso(Vec<CsoEntry>),
    /// A body of another shape (an HTML proxy page, say); see [`VendorError::body`].
    Unrecognized,
    /// No body.
    Empty,
}

impl ErrorBody {
    /// Recognises `body` as one of the vendors' error formats.
    pub fn parse(body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body);
        let trimmed = text.trim_start_matches('\u{feff}').trim();
        if trimmed.is_empty() {
            return ErrorBody::Empty;
        }
        if trimmed.starts_with('<') {
            return parse_coupa_xml(trimmed).map_or(ErrorBody::Unrecognized, ErrorBody::CoupaXml);
        }
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(trimmed)
        else {
            return ErrorBody::Unrecognized;
        };
        if let Some(errors) = map.get("errors") {
            return parse_coupa_json(errors).map_or(ErrorBody::Unrecognized, ErrorBody::CoupaJson);
        }
        if map.contains_key("errorMessage") {
            return serde_json::from_value(serde_json::Value::Object(map))
                .map_or(ErrorBody::Unrecognized, ErrorBody::Concur);
        }
        if let Some(result) = map.get("result") {
            return serde_json::from_value(result.clone())
                .map_or(ErrorBody::Unrecognized, ErrorBody::Cso);
        }
        ErrorBody::Unrecognized
    }

    /// The human-readable messages, in the order the body gives them.
    ///
    /// Coupa JSON messages come without their key (the resource or attribute name is in
    /// [`ErrorBody::CoupaJson`]). Concur gives `errorMessage`, then each validation message
    /// prefixed with its `source`; CSO gives each entry's `description` (its `type` when it has
    /// none).
    pub fn messages(&self) -> Vec<String> {
        match self {
            ErrorBody::CoupaXml(messages) => messages.clone(),
            ErrorBody::CoupaJson(groups) => groups
                .iter()
                .flat_map(|(_, messages)| messages.iter().cloned())
                .collect(),
            ErrorBody::Concur(e) => std::iter::once(e.error_message.clone())
                .filter(|m| !m.is_empty())
                .chain(e.validation_errors.iter().filter_map(|v| {
                    v.message.as_ref().map(|m| match &v.source {
                        Some(source) => format!("{source}: {m}"),
                        None => m.clone(),
                    })
                }))
                .collect(),
            ErrorBody::Cso(entries) => entries
                .iter()
                .map(|e| e.description.clone().unwrap_or_else(|| e.type_.clone()))
                .collect(),
            ErrorBody::Unrecognized | ErrorBody::Empty => Vec::new(),
        }
    }
}

fn parse_coupa_json(errors: &serde_json::Value) -> Option<Vec<(String, Vec<String>)>> {
    let as_messages = |v: &serde_json::Value| -> Option<Vec<String>> {
        match v {
            serde_json::Value::String(s) => Some(vec![s.clone()]),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect(),
            _ => None,
        }
    };
    match errors {
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| Some((k.clone(), as_messages(v)?)))
            .collect(),
        // Some Coupa endpoints answer a bare list: `{"errors":["message"]}`.
        other => as_messages(other).map(|m| vec![(String::new(), m)]),
    }
}

fn parse_coupa_xml(xml: &str) -> Option<Vec<String>> {
    use quick_xml::events::Event;

    #[derive(Deserialize)]
    struct Errors {
        #[serde(default)]
        error: Vec<String>,
    }

    // The root element must be `<errors>`; serde alone would accept any root.
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"errors" => break,
            Event::Start(_) | Event::Empty(_) | Event::Eof => return None,
            _ => {}
        }
    }
    let errors: Errors = quick_xml::de::from_str(xml).ok()?;
    Some(
        errors
            .error
            .into_iter()
            .map(|m| m.trim().to_owned())
            .collect(),
    )
}

/// An error from any spendapi client; see the [module docs](self).
#[derive(Debug, thiserror::Error)]
#[error("{}", self.summary())]
pub struct VendorError {
    kind: VendorErrorKind,
    status: Option<StatusCode>,
    headers: HeaderMap,
    body: Bytes,
    parsed: ErrorBody,
    detail: Option<String>,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl VendorError {
    fn new(kind: VendorErrorKind) -> Self {
        Self {
            kind,
            status: None,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            parsed: ErrorBody::Empty,
            detail: None,
            source: None,
        }
    }

    /// An error response from its parts; the body is recognised with [`ErrorBody::parse`].
    pub fn from_parts(status: StatusCode, headers: HeaderMap, body: impl Into<Bytes>) -> Self {
        let body = body.into();
        let kind = VendorErrorKind::Response;
        Self {
            status: Some(status),
            headers,
            parsed: ErrorBody::parse(&body),
            body,
            ..Self::new(kind)
        }
    }

    /// Reads an error response of a raw `reqwest` call.
    pub async fn from_response(response: reqwest::Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        match response.bytes().await {
            Ok(body) => Self::from_parts(status, headers, body),
            Err(e) => Self {
                status: Some(status),
                headers,
                source: Some(Box::new(e)),
                ..Self::new(VendorErrorKind::ResponseBody)
            },
        }
    }

    /// Like `From<progenitor_client::Error<E>>`, but also reads the body of an undocumented
    /// response (`Error::UnexpectedResponse`).
    pub async fn from_client_error<E>(error: ClientError<E>) -> Self
    where
        E: TypedErrorBody,
    {
        match error {
            ClientError::UnexpectedResponse(response) => {
                let mut out = Self::from_response(response).await;
                if out.kind == VendorErrorKind::Response {
                    out.kind = VendorErrorKind::UnexpectedResponse;
                }
                out
            }
            other => other.into(),
        }
    }

    /// The broad class of the error.
    pub fn kind(&self) -> VendorErrorKind {
        self.kind
    }

    /// The HTTP status, when the error comes from a response whose status is known.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// The human-readable messages of the error body (empty when there is none), or the
    /// client-side message of an invalid request or a refused hook.
    pub fn messages(&self) -> Vec<String> {
        let messages = self.parsed.messages();
        if messages.is_empty() {
            self.detail.iter().cloned().collect()
        } else {
            messages
        }
    }

    /// The recognised error body.
    pub fn error_body(&self) -> &ErrorBody {
        &self.parsed
    }

    /// The raw body: the bytes the server sent (kept by the `exec` hook, see
    /// [`RAW_BODY_HEADER`](crate::headers::RAW_BODY_HEADER)); for an error body larger than
    /// [`RAW_BODY_LIMIT`](crate::headers::RAW_BODY_LIMIT), the typed body re-serialised to JSON.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The raw body as text (lossy).
    pub fn body_text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The response headers (empty when there was no response).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Whether the server answered 404 Not Found.
    pub fn is_not_found(&self) -> bool {
        self.status == Some(StatusCode::NOT_FOUND)
    }

    fn summary(&self) -> String {
        let mut out = match self.status {
            Some(status) => format!("{} ({status})", self.kind),
            None => self.kind.to_string(),
        };
        let messages = self.messages();
        if !messages.is_empty() {
            out.push_str(": ");
            out.push_str(&messages.join("; "));
        }
        out
    }
}

/// A generated error-body type that converts into an [`ErrorBody`]. Implemented for the error
/// schemas of every spec (and `()` for operations without a typed error).
pub trait TypedErrorBody: serde::Serialize {
    /// The body as an [`ErrorBody`].
    fn to_error_body(&self) -> ErrorBody;
}

/// The [`ErrorBody`] of a generated error-body value: its JSON, recognised as any vendor's
/// format. The generator implements [`TypedErrorBody`] with this for every error schema of every
/// spec (`generated/errors.rs`), so a new spec's errors convert without hand-written code.
pub fn typed_error_body<T: serde::Serialize>(value: &T) -> ErrorBody {
    serde_json::to_vec(value).map_or(ErrorBody::Unrecognized, |json| ErrorBody::parse(&json))
}

impl TypedErrorBody for () {
    fn to_error_body(&self) -> ErrorBody {
        ErrorBody::Empty
    }
}

impl TypedErrorBody for spendapi_types::coupa_common::CoupaXmlErrors {
    fn to_error_body(&self) -> ErrorBody {
        ErrorBody::CoupaXml(self.error.clone())
    }
}

/// The original error body the `exec` hook recorded in
/// [`RAW_BODY_HEADER`](crate::headers::RAW_BODY_HEADER), if any.
fn raw_body(headers: &HeaderMap) -> Option<Bytes> {
    use base64::Engine as _;
    let value = headers.get(RAW_BODY_HEADER)?;
    base64::engine::general_purpose::STANDARD
        .decode(value.as_bytes())
        .ok()
        .map(Bytes::from)
}

impl<E: TypedErrorBody> From<ClientError<E>> for VendorError {
    fn from(error: ClientError<E>) -> Self {
        match error {
            ClientError::ErrorResponse(value) => {
                let status = value.status();
                let headers = value.headers().clone();
                let parsed = value.to_error_body();
                let body = raw_body(&headers).unwrap_or_else(|| {
                    serde_json::to_vec(&*value)
                        .map(Bytes::from)
                        .unwrap_or_default()
                });
                Self {
                    status: Some(status),
                    headers,
                    body,
                    parsed,
                    ..Self::new(VendorErrorKind::Response)
                }
            }
            ClientError::UnexpectedResponse(response) => Self {
                status: Some(response.status()),
                headers: response.headers().clone(),
                ..Self::new(VendorErrorKind::UnexpectedResponse)
            },
            ClientError::InvalidResponsePayload(body, e) => Self {
                parsed: ErrorBody::parse(&body),
                body,
                source: Some(Box::new(e)),
                ..Self::new(VendorErrorKind::InvalidPayload)
            },
            ClientError::CommunicationError(e) => Self {
                status: e.status(),
                source: Some(Box::new(e)),
                ..Self::new(VendorErrorKind::Communication)
            },
            ClientError::InvalidUpgrade(e) | ClientError::ResponseBodyError(e) => Self {
                status: e.status(),
                source: Some(Box::new(e)),
                ..Self::new(VendorErrorKind::ResponseBody)
            },
            ClientError::InvalidRequest(message) => Self {
                detail: Some(message),
                ..Self::new(VendorErrorKind::InvalidRequest)
            },
            ClientError::Custom(message) => Self {
                detail: Some(message),
                ..Self::new(VendorErrorKind::Hook)
            },
        }
    }
}

/// Reads the `concur-correlationid` header of a response or an error.
///
/// Concur echoes the id the client sent (every Concur request carries one; see
/// [`crate::runtime`]); quote it to SAP support.
pub trait CorrelationIdExt {
    /// The `concur-correlationid` header, if present.
    fn correlation_id(&self) -> Option<&str>;
}

impl CorrelationIdExt for HeaderMap {
    fn correlation_id(&self) -> Option<&str> {
        self.get(CORRELATION_ID_HEADER)?.to_str().ok()
    }
}

impl<T> CorrelationIdExt for ResponseValue<T> {
    fn correlation_id(&self) -> Option<&str> {
        self.headers().correlation_id()
    }
}

impl<E> CorrelationIdExt for ClientError<E> {
    fn correlation_id(&self) -> Option<&str> {
        match self {
            ClientError::ErrorResponse(value) => value.correlation_id(),
            ClientError::UnexpectedResponse(response) => response.headers().correlation_id(),
            _ => None,
        }
    }
}

impl CorrelationIdExt for reqwest::Response {
    fn correlation_id(&self) -> Option<&str> {
        self.headers().correlation_id()
    }
}

impl CorrelationIdExt for VendorError {
    fn correlation_id(&self) -> Option<&str> {
        self.headers.correlation_id()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coupa_xml_errors() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<errors>
  <error>Segment 1 - Cost Center can't be blank</error>
  <error>Account type &amp; name are invalid</error>
</errors>"#;
        let parsed = ErrorBody::parse(body);
        assert_eq!(
            parsed,
            ErrorBody::CoupaXml(vec![
                "Segment 1 - Cost Center can't be blank".into(),
                "Account type & name are invalid".into(),
            ])
        );
        assert_eq!(
            ErrorBody::parse(b"<errors><error>only one</error></errors>").messages(),
            ["only one"]
        );
        assert_eq!(ErrorBody::parse(b"<errors/>"), ErrorBody::CoupaXml(vec![]));
        assert_eq!(
            ErrorBody::parse(b"<html><body>Bad gateway</body></html>"),
            ErrorBody::Unrecognized
        );
    }

    #[test]
    fn coupa_json_errors() {
        let parsed =
            ErrorBody::parse(br#"{"errors":{"account":["Segment 1 - Cost Center can't be blank","Name is too long"]}}"#);
        assert_eq!(
            parsed,
            ErrorBody::CoupaJson(vec![(
                "account".into(),
                vec![
                    "Segment 1 - Cost Center can't be blank".into(),
                    "Name is too long".into()
                ]
            )])
        );
        assert_eq!(parsed.messages().len(), 2);
        assert_eq!(
            ErrorBody::parse(br#"{"errors":["Invalid token"]}"#).messages(),
            ["Invalid token"]
        );
    }

    #[test]
    fn concur_error_message() {
        let parsed = ErrorBody::parse(
            br#"{"errorId":"e1","errorMessage":"allocationId not found","httpStatus":"404 - Not Found",
                "path":"/expensereports/v4/users/u/context/TRAVELER/reports/r/allocations/a",
                "timestamp":"2024-05-14T09:31:12.123Z",
                "validationErrors":[{"id":"v1","message":"value is too long","source":"customData[0].value"}]}"#,
        );
        let ErrorBody::Concur(e) = &parsed else {
            panic!("not recognised as Concur: {parsed:?}");
        };
        assert_eq!(e.http_status, "404 - Not Found");
        assert_eq!(e.error_id.as_deref(), Some("e1"));
        assert_eq!(
            parsed.messages(),
            [
                "allocationId not found",
                "customData[0].value: value is too long"
            ]
        );
    }

    #[test]
    fn cso_result_envelope() {
        let parsed = ErrorBody::parse(
            br#"{"result":[{"type":"api.error.not_found","description":"Event not found","id":"9219595375673293031"},{"type":"api.error"}]}"#,
        );
        assert_eq!(
            parsed,
            ErrorBody::Cso(vec![
                CsoEntry {
                    type_: "api.error.not_found".into(),
                    description: Some("Event not found".into()),
                    id: Some("9219595375673293031".into()),
                },
                CsoEntry {
                    type_: "api.error".into(),
                    description: None,
                    id: None,
                },
            ])
        );
        assert_eq!(parsed.messages(), ["Event not found", "api.error"]);
    }

    #[test]
    fn other_bodies() {
        assert_eq!(ErrorBody::parse(b""), ErrorBody::Empty);
        assert_eq!(ErrorBody::parse(b"  \n"), ErrorBody::Empty);
        assert_eq!(
            ErrorBody::parse(b"Service Unavailable"),
            ErrorBody::Unrecognized
        );
        assert_eq!(
            ErrorBody::parse(br#"{"message":"x"}"#),
            ErrorBody::Unrecognized
        );
    }

    #[test]
    fn display_names_status_and_messages() {
        let e = VendorError::from_parts(
            StatusCode::BAD_REQUEST,
            HeaderMap::new(),
            &b"<errors><error>Name can't be blank</error></errors>"[..],
        );
        assert_eq!(
            e.to_string(),
            "error response (400 Bad Request): Name can't be blank"
        );
        assert_eq!(
            e.body_text(),
            "<errors><error>Name can't be blank</error></errors>"
        );
    }
}
