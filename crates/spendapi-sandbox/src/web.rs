//! The service: the generated router of every API in the specs (the only way API operations
//! are served; dispatched by [`crate::apis`]) plus the
//! routes outside the specs: token endpoints, `POST /_sandbox/reset`, `GET /healthz`, `/docs`
//! (Swagger UI), `/openapi/<name>.yaml` (and its JSON twin `<name>.json`); and request layers
//! for test suites, the vendor rules the typed path cannot express (`X-Sandbox-Fault`, Concur
//! context types) and a database outage (503 in the vendor's format).

use std::sync::Arc;

use anyhow::Result;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use spendapi_server::negotiate::{self, Format};
use spendapi_server::vendor::{self, Detail, ErrorContext, Problem, ProblemKind, Vendor};
use tower::ServiceExt as _;

use crate::apis::{Apis, SPECS, vendor_of};
use crate::{Sandbox, Settings, base_url, demo, store, tokens};

/// The token endpoints, where the vendor declaration puts them.
const COUPA_TOKEN: &str = match Vendor::CoupaCore.token_path() {
    Some(path) => path,
    None => panic!("Coupa Core issues OAuth 2.0 tokens"),
};
const CONCUR_TOKEN: &str = match Vendor::Concur.token_path() {
    Some(path) => path,
    None => panic!("Concur issues OAuth 2.0 tokens"),
};

/// Opens the database, loads the seed into a fresh one and builds the service.
pub async fn app(settings: Settings) -> Result<Router> {
    Ok(build(settings).await?.0)
}

/// [`app`], also returning the shared state (tests reach the store through it).
pub async fn build(settings: Settings) -> Result<(Router, Sandbox)> {
    let store = store::Store::open(&settings.db).await?;
    demo::init(&store, settings.seed).await?;
    let sandbox = Sandbox {
        store,
        config: Arc::new(settings.config),
        seed: settings.seed,
    };
    let apis = Apis::new(&sandbox);
    let docs = utoipa_swagger_ui::SwaggerUi::new("/docs").config(
        utoipa_swagger_ui::Config::new(
            SPECS
                .iter()
                .map(|spec| utoipa_swagger_ui::Url::new(spec.name, spec.url)),
        )
        .try_it_out_enabled(true)
        .persist_authorization(true),
    );
    let extra = Router::new()
        .route("/", get(index))
        .route(COUPA_TOKEN, post(tokens::coupa_token))
        .route(CONCUR_TOKEN, post(tokens::concur_token))
        .route("/_sandbox/reset", post(reset))
        .route("/healthz", get(healthz))
        .route("/openapi/{file}", get(spec))
        .with_state(sandbox.clone());
    let router = extra
        .merge(docs)
        .fallback(move |request: Request| {
            let router = apis.router(request.uri().path()).cloned();
            async move {
                let Some(router) = router else {
                    return own_error(
                        StatusCode::NOT_FOUND,
                        "not_found",
                        "no API of this sandbox is served at this path",
                    );
                };
                match router.oneshot(request).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                }
            }
        })
        .layer(middleware::from_fn(concur_context))
        .layer(middleware::from_fn_with_state(sandbox.clone(), unavailable))
        .layer(middleware::from_fn(fault));
    Ok((router, sandbox))
}

async fn index(headers: HeaderMap) -> Response {
    let base = base_url(&headers);
    axum::Json(json!({
        "docs": format!("{base}/docs/"),
        "specs": SPECS.iter().map(|spec| format!("{base}{}", spec.url)).collect::<Vec<_>>(),
        "coupa_token": format!("{base}{COUPA_TOKEN}"),
        "concur_token": format!("{base}{CONCUR_TOKEN}"),
    }))
    .into_response()
}

/// The placeholder `build.rs` writes where the sandbox's base URL belongs.
const PLACEHOLDER: &str = "http://sandbox.invalid";

/// A bundled spec, `<name>.yaml` or `<name>.json`, its server and token URLs pointing at the
/// base URL of this request.
async fn spec(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let found = SPECS.iter().find_map(|spec| {
        let (stem, extension) = file.rsplit_once('.')?;
        match (stem == spec.name, extension) {
            (true, "yaml") => Some(("application/yaml", spec.yaml)),
            (true, "json") => Some(("application/json", spec.json)),
            _ => None,
        }
    });
    match found {
        Some((media_type, text)) => (
            [(header::CONTENT_TYPE, media_type)],
            text.replace(PLACEHOLDER, &base_url(&headers)),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such spec").into_response(),
    }
}

/// `POST /_sandbox/reset` (bearer: the admin token): back to the seed state.
async fn reset(State(sandbox): State<Sandbox>, headers: HeaderMap) -> Response {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if presented != Some(sandbox.config.admin_token.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid_token", "error_description": "the admin token is required"})),
        )
            .into_response();
    }
    match demo::reset(&sandbox.store, sandbox.seed).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(err) if store::is_unavailable(&err) => {
            tracing::warn!("reset: the database is unavailable: {err:#}");
            own_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the database is unavailable; retry later",
            )
        }
        Err(err) => {
            tracing::error!("reset failed: {err:#}");
            own_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "the reset failed; see the sandbox's log",
            )
        }
    }
}

/// The JSON of the sandbox's own routes (`{"error", "error_description"}`, as OAuth 2.0
/// errors read); driver messages go to the log, never into a response.
fn own_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

/// `GET /healthz`: 200 when the database answers, 503 when it does not (for a load
/// balancer's health check; no credentials needed, nothing about the database disclosed).
async fn healthz(State(sandbox): State<Sandbox>) -> Response {
    match sandbox.store.ping().await {
        // `commits` (SQLite): write transactions committed so far, each one fsync; the
        // benchmark reads it to report fsyncs per second beside the write rate.
        Ok(()) => match sandbox.store.commits() {
            Some(commits) => axum::Json(json!({"status": "ok", "commits": commits})),
            None => axum::Json(json!({"status": "ok"})),
        }
        .into_response(),
        Err(err) => {
            tracing::warn!("health check: the database is unavailable: {err:#}");
            own_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the database is unavailable",
            )
        }
    }
}

/// The message of a 503 answered during a database outage.
const OUTAGE: &str = "The sandbox's database is unavailable; retry later.";

/// An API request that failed because the database is gone is answered 503 in the vendor's
/// format (with `Retry-After`), not with the 500 (or, for a token that could not be looked
/// up, the 401) the implementation produced. Only failures pay for the check: the pool
/// reconnects on its own once the database is back, so the next request is served normally.
async fn unavailable(State(sandbox): State<Sandbox>, request: Request, next: Next) -> Response {
    let Some(vendor) = vendor_of(request.uri().path()) else {
        return next.run(request).await;
    };
    let headers = request.headers().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let suspect = matches!(
        response.status(),
        StatusCode::INTERNAL_SERVER_ERROR | StatusCode::UNAUTHORIZED
    );
    if !suspect || sandbox.store.ping().await.is_ok() {
        return response;
    }
    let mut response = if vendor == Vendor::CoupaSourcing {
        cso_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "api.error.unavailable",
            OUTAGE,
        )
    } else {
        vendor_error(
            &headers,
            &path,
            vendor,
            StatusCode::SERVICE_UNAVAILABLE,
            OUTAGE.to_owned(),
        )
    };
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// CSO's result envelope for a failure.
fn cso_error(status: StatusCode, type_: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"result": [{"type": type_, "description": message}]})),
    )
        .into_response()
}

/// An error in the format of the API `path` belongs to.
fn vendor_error(
    headers: &HeaderMap,
    path: &str,
    vendor: Vendor,
    status: StatusCode,
    message: String,
) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let format = match vendor {
        Vendor::CoupaCore => negotiate::choose(accept, vendor.error_formats())
            .map(Format::of)
            .unwrap_or(Format::Json),
        _ => Format::Json,
    };
    let kind = match status {
        StatusCode::FORBIDDEN => ProblemKind::Forbidden,
        _ => ProblemKind::Internal,
    };
    let problem = Problem {
        status,
        kind,
        details: vec![Detail::new(message)],
    };
    let mut response = vendor::render(
        &problem,
        ErrorContext {
            vendor,
            format,
            path,
            resource: "request",
        },
    );
    if let Some(name) = vendor.correlation_header() {
        let id = headers.get(name).cloned().unwrap_or_else(|| {
            HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
                .unwrap_or(HeaderValue::from_static("0"))
        });
        response.headers_mut().insert(name, id);
    }
    response
}

/// `X-Sandbox-Fault: 429|500|503` makes this one API request fail in its vendor's format
/// (429 with `Retry-After`), before anything else runs.
async fn fault(request: Request, next: Next) -> Response {
    let wanted = request
        .headers()
        .get("x-sandbox-fault")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u16>().ok());
    let (Some(code), Some(vendor)) = (wanted, vendor_of(request.uri().path())) else {
        return next.run(request).await;
    };
    let (status, message) = match code {
        429 => (
            StatusCode::TOO_MANY_REQUESTS,
            "Rate limit exceeded; retry after 1 second.",
        ),
        500 => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error (injected by X-Sandbox-Fault).",
        ),
        503 => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Service unavailable (injected by X-Sandbox-Fault).",
        ),
        _ => return next.run(request).await,
    };
    let mut response = if vendor == Vendor::CoupaSourcing {
        // CSO's result envelope, with a type naming the fault.
        let type_ = match code {
            429 => "api.error.too_many_requests",
            503 => "api.error.unavailable",
            _ => "api.error.internal",
        };
        cso_error(status, type_, message)
    } else {
        vendor_error(
            request.headers(),
            request.uri().path(),
            vendor,
            status,
            message.to_owned(),
        )
    };
    if code == 429 {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

/// Concur answers a context type the operation does not support with 403 "Specified context
/// type is invalid for this API". The supported values are the spec's, per operation: the
/// generated path types admit only those (`ListContextType` for the list under `/expenses/`,
/// `ContextType` for get and PATCH), so the check parses with them, before the router's
/// parameter validation would answer 400.
async fn concur_context(request: Request, next: Next) -> Response {
    use spendapi_types::concur_expense_allocations::{ContextType, ListContextType};

    let path = request.uri().path().to_owned();
    let Some(rest) = path.strip_prefix("/expensereports/v4/users/") else {
        return next.run(request).await;
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let Some(context) = segments
        .get(2)
        .filter(|_| segments.get(1) == Some(&"context"))
    else {
        return next.run(request).await;
    };
    let supported = if segments.contains(&"expenses") {
        context.parse::<ListContextType>().is_ok()
    } else {
        context.parse::<ContextType>().is_ok()
    };
    if supported {
        next.run(request).await
    } else {
        vendor_error(
            request.headers(),
            request.uri().path(),
            Vendor::Concur,
            StatusCode::FORBIDDEN,
            "Specified context type is invalid for this API".to_owned(),
        )
    }
}
