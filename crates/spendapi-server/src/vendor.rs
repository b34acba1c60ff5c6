//! The vendors' error formats. Every rejection the runtime makes (bad input, auth, routing,
//! negotiation, size) is rendered here, with the client crate's own error types, so that an
//! error body always matches the spec's error schema.

use std::collections::HashMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use spendapi_types::concur_expense_allocations as concur;
use spendapi_types::coupa_common as coupa;
use spendapi_types::cso_events as cso;

pub use crate::detail::Detail;
use crate::negotiate::Format;

/// Which vendor an API belongs to: decides the error format and a few wire conventions
/// (generated, with those conventions, from the one vendor declaration).
///
/// Generated into this crate by `cargo xtask generate` (`xtask/src/codegen/vendor.rs` says why
/// each runtime has its own copy rather than a re-export).
#[rustfmt::skip]
#[path = "generated/vendor.rs"]
mod declared;
pub use declared::Vendor;

/// What went wrong, before it is put in a vendor's format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub status: StatusCode,
    /// A machine-readable kind, used where the format has one (CSO `type`).
    pub kind: ProblemKind,
    pub details: Vec<Detail>,
}

/// The classes of rejection, each with its status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    Malformed,
    Validation,
    Unauthenticated,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    NotAcceptable,
    PayloadTooLarge,
    UnsupportedMediaType,
    Internal,
    /// The API is served but has no implementation behind it.
    NotImplemented,
}

impl ProblemKind {
    pub fn status(self) -> StatusCode {
        match self {
            ProblemKind::Malformed | ProblemKind::Validation => StatusCode::BAD_REQUEST,
            ProblemKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ProblemKind::Forbidden => StatusCode::FORBIDDEN,
            ProblemKind::NotFound => StatusCode::NOT_FOUND,
            ProblemKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ProblemKind::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            ProblemKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ProblemKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ProblemKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ProblemKind::NotImplemented => StatusCode::NOT_IMPLEMENTED,
        }
    }

    /// The CSO `result[].type` of this kind.
    fn cso_type(self) -> &'static str {
        match self {
            ProblemKind::Malformed => "api.error.malformed",
            ProblemKind::Validation => "api.error.validation",
            ProblemKind::Unauthenticated => "api.error.unauthorized",
            ProblemKind::Forbidden => "api.error.forbidden",
            ProblemKind::NotFound => "api.error.not_found",
            ProblemKind::MethodNotAllowed => "api.error.method_not_allowed",
            ProblemKind::NotAcceptable => "api.error.not_acceptable",
            ProblemKind::PayloadTooLarge => "api.error.payload_too_large",
            ProblemKind::UnsupportedMediaType => "api.error.unsupported_media_type",
            ProblemKind::Internal => "api.error.internal",
            ProblemKind::NotImplemented => "api.error.not_implemented",
        }
    }
}

impl Problem {
    pub fn new(kind: ProblemKind, details: Vec<Detail>) -> Problem {
        Problem {
            status: kind.status(),
            kind,
            details,
        }
    }

    pub fn one(kind: ProblemKind, message: impl Into<String>) -> Problem {
        Problem::new(kind, vec![Detail::new(message)])
    }
}

/// Everything an error body needs besides the problem itself.
#[derive(Debug, Clone, Copy)]
pub struct ErrorContext<'a> {
    pub vendor: Vendor,
    pub format: Format,
    /// The request path (Concur `path`).
    pub path: &'a str,
    /// The resource name keying Coupa's JSON errors (`account`).
    pub resource: &'a str,
}

/// Renders `problem` in the vendor's error format.
pub fn render(problem: &Problem, cx: ErrorContext<'_>) -> Response {
    let (content_type, body) = match cx.vendor {
        Vendor::CoupaCore => coupa_body(problem, cx),
        Vendor::CoupaSourcing => ("application/json", cso_body(problem)),
        Vendor::Concur => ("application/json", concur_body(problem, cx.path)),
    };
    let mut response = (problem.status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn coupa_body(problem: &Problem, cx: ErrorContext<'_>) -> (&'static str, String) {
    let messages: Vec<String> = problem.details.iter().map(Detail::text).collect();
    match cx.format {
        Format::Xml => ("application/xml", coupa_xml(&messages)),
        Format::Json => {
            // The spec's examples key authentication and authorization failures by what failed,
            // everything else by the resource.
            let key = match problem.kind {
                ProblemKind::Unauthenticated => "authentication",
                ProblemKind::Forbidden => "authorization",
                _ => cx.resource,
            };
            let body = coupa::CoupaJsonErrors {
                errors: HashMap::from([(key.to_owned(), messages)]),
            };
            ("application/json", to_json(&body))
        }
    }
}

/// `<?xml version="1.0" encoding="UTF-8"?><errors><error>…</error></errors>`.
pub fn coupa_xml(messages: &[String]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><errors>");
    for message in messages {
        out.push_str("<error>");
        out.push_str(&crate::xml::escape(message));
        out.push_str("</error>");
    }
    out.push_str("</errors>");
    out
}

fn cso_body(problem: &Problem) -> String {
    let body = cso::CsoResult {
        result: problem
            .details
            .iter()
            .map(|detail| cso::CsoResultEntry {
                type_: problem.kind.cso_type().to_owned(),
                description: Some(detail.text()),
                id: None,
            })
            .collect(),
    };
    to_json(&body)
}

fn concur_body(problem: &Problem, path: &str) -> String {
    let status = problem.status;
    let validation = matches!(problem.kind, ProblemKind::Validation)
        && problem.details.iter().any(|d| d.field.is_some());
    let error_message = if validation {
        "Validation failed".to_owned()
    } else {
        problem
            .details
            .iter()
            .map(Detail::text)
            .collect::<Vec<_>>()
            .join("; ")
    };
    let body = concur::ErrorMessage {
        error_id: Some(uuid::Uuid::new_v4().to_string()),
        error_message,
        http_status: format!(
            "{} - {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("Error")
        ),
        path: path.to_owned(),
        timestamp: chrono::Utc::now(),
        validation_errors: if validation {
            problem
                .details
                .iter()
                .map(|detail| concur::ValidationError {
                    id: detail.field.clone(),
                    message: Some(detail.message.clone()),
                    source: detail.location.map(str::to_owned),
                })
                .collect()
        } else {
            Vec::new()
        },
    };
    to_json(&body)
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    // The error types are plain data (strings, maps, vectors): serialising them cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned())
}

/// The message of a 401 in each vendor's words.
pub fn unauthenticated_message(vendor: Vendor, detail: &str) -> String {
    match vendor {
        // Documented text (api-notes).
        Vendor::Concur => "Missing or invalid authorization header".to_owned(),
        Vendor::CoupaCore => format!("Invalid or expired access token ({detail})"),
        Vendor::CoupaSourcing => format!("Invalid or missing API key ({detail})"),
    }
}

/// The message of a 403 in each vendor's words.
pub fn forbidden_message(vendor: Vendor, detail: &str) -> String {
    match vendor {
        Vendor::CoupaCore => format!("Access token is missing the required scope ({detail})"),
        Vendor::Concur => format!("Insufficient scope ({detail})"),
        Vendor::CoupaSourcing => format!("Access denied ({detail})"),
    }
}
