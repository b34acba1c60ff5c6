//! What every generated handler runs: negotiation, authentication, parameter and body
//! validation against the spec's schemas, then the trait method, then the typed response
//! rendered in the negotiated format. The generated code only describes operations
//! ([`ApiSpec`], [`OperationSpec`]) and converts between these steps and the typed structs.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, RawPathParams, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::routing::MethodRouter;
use futures::FutureExt as _;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub use axum::extract::Request;
pub use axum::response::Response;

use crate::auth::{self, Caller, Denied, Requirement, Verifier};
use crate::negotiate::{self, Format};
use crate::schema::{Schemas, Validator};
use crate::vendor::{self, Detail, ErrorContext, Problem, ProblemKind, Vendor};
use crate::xml;

/// One API (one spec), as generated.
#[derive(Debug)]
pub struct ApiSpec {
    /// The spec's name, e.g. `coupa-accounts`.
    pub name: &'static str,
    pub vendor: Vendor,
    /// `{"$defs": {...}}`: the spec's component schemas as JSON Schema 2020-12.
    pub schemas: &'static str,
    pub operations: &'static [&'static OperationSpec],
}

/// Where a parameter lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
}

impl Location {
    fn name(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
        }
    }
}

/// One parameter of an operation.
#[derive(Debug)]
pub struct ParamSpec {
    pub name: &'static str,
    pub location: Location,
    pub required: bool,
    /// JSON Schema (may refer to `#/$defs/...`).
    pub schema: &'static str,
}

/// A schema for one media type.
#[derive(Debug)]
pub struct MediaSpec {
    pub media_type: &'static str,
    /// JSON Schema (may refer to `#/$defs/...`).
    pub schema: &'static str,
}

/// The request body of an operation.
#[derive(Debug)]
pub struct BodySpec {
    pub required: bool,
    pub media: &'static [MediaSpec],
}

/// One documented response of an operation.
#[derive(Debug)]
pub struct ResponseSpec {
    /// `200`, `404`, `default`.
    pub status: &'static str,
    pub media: &'static [MediaSpec],
}

/// One operation, as generated from the spec.
#[derive(Debug)]
pub struct OperationSpec {
    pub id: &'static str,
    /// Upper-case HTTP method.
    pub method: &'static str,
    /// The path template, as in the spec (`/api/accounts/{id}`).
    pub path: &'static str,
    /// The resource name keying Coupa's JSON errors (`account`).
    pub resource: &'static str,
    /// Alternatives; each is a list of schemes that must all be satisfied.
    pub security: &'static [&'static [Requirement]],
    pub params: &'static [ParamSpec],
    pub body: Option<BodySpec>,
    pub responses: &'static [ResponseSpec],
}

impl OperationSpec {
    /// Every media type the operation answers in, in the order the spec lists them.
    pub fn response_media(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for response in self.responses {
            for media in response.media {
                if !out.contains(&media.media_type) {
                    out.push(media.media_type);
                }
            }
        }
        out
    }
}

/// Router settings.
#[derive(Debug, Clone)]
pub struct Options {
    /// The largest request body accepted, in bytes (larger ones answer 413).
    pub body_limit: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            body_limit: 1024 * 1024,
        }
    }
}

struct CompiledOperation {
    params: Vec<(Value, Validator)>,
    bodies: Vec<(Value, Validator)>,
}

struct Runtime {
    spec: &'static ApiSpec,
    schemas: Schemas,
    operations: HashMap<&'static str, CompiledOperation>,
    /// Every XML response schema, compiled once for the XML writer.
    xml: xml::Plan,
    options: Options,
}

/// The router state: the implementation and the compiled schemas of its API.
pub struct RouterState<S> {
    api: Arc<S>,
    runtime: Arc<Runtime>,
}

impl<S> Clone for RouterState<S> {
    fn clone(&self) -> Self {
        RouterState {
            api: Arc::clone(&self.api),
            runtime: Arc::clone(&self.runtime),
        }
    }
}

impl Runtime {
    /// Compiles the API's schemas. Panics only if the generated schemas do not compile, which
    /// the crate's tests rule out for every spec.
    fn new(spec: &'static ApiSpec, options: Options) -> Runtime {
        let schemas = Schemas::parse(spec.schemas).expect("generated $defs are JSON");
        let mut operations = HashMap::new();
        for op in spec.operations {
            let compile = |schema: &str| {
                let schema = Schemas::parse_schema(schema);
                let validator = schemas
                    .compile(&schema)
                    .unwrap_or_else(|err| panic!("{}: {}: {err}", spec.name, op.id));
                (schema, validator)
            };
            let params = op.params.iter().map(|p| compile(p.schema)).collect();
            let bodies = op
                .body
                .iter()
                .flat_map(|b| b.media.iter())
                .map(|m| compile(m.schema))
                .collect();
            operations.insert(op.id, CompiledOperation { params, bodies });
        }
        let xml_schemas: HashMap<&'static str, Value> = spec
            .operations
            .iter()
            .flat_map(|op| op.responses.iter().flat_map(|r| r.media.iter()))
            .filter(|m| Format::of(m.media_type) == Format::Xml)
            .map(|m| (m.schema, Schemas::parse_schema(m.schema)))
            .collect();
        let xml = xml::Plan::build(&schemas, xml_schemas.iter().map(|(k, v)| (*k, v)));
        Runtime {
            spec,
            schemas,
            operations,
            xml,
            options,
        }
    }
}

/// The typed inputs of one request, validated, waiting to be deserialised into the generated
/// parameter structs and the body type.
#[derive(Debug)]
pub struct Input {
    pub caller: Caller,
    /// What the generated reply code writes the response with.
    pub reply: ReplyContext,
    path: Map<String, Value>,
    query: Map<String, Value>,
    headers: Map<String, Value>,
    body: Option<Value>,
}

impl Input {
    fn decode<T: DeserializeOwned>(value: Value, location: &'static str) -> Result<T, Problem> {
        serde_json::from_value(value).map_err(|err| {
            Problem::new(
                ProblemKind::Validation,
                vec![Detail::at(location, "", err.to_string())],
            )
        })
    }

    pub fn path<T: DeserializeOwned>(&mut self) -> Result<T, Problem> {
        Self::decode(Value::Object(std::mem::take(&mut self.path)), "path")
    }

    pub fn query<T: DeserializeOwned>(&mut self) -> Result<T, Problem> {
        Self::decode(Value::Object(std::mem::take(&mut self.query)), "query")
    }

    pub fn headers<T: DeserializeOwned>(&mut self) -> Result<T, Problem> {
        Self::decode(Value::Object(std::mem::take(&mut self.headers)), "header")
    }

    /// The body of an operation whose body is required.
    pub fn body<T: DeserializeOwned>(&mut self) -> Result<T, Problem> {
        match self.optional_body()? {
            Some(body) => Ok(body),
            None => Err(Problem::one(
                ProblemKind::Validation,
                "request body is required",
            )),
        }
    }

    pub fn optional_body<T: DeserializeOwned>(&mut self) -> Result<Option<T>, Problem> {
        self.body
            .take()
            .map(|body| Self::decode(body, "body"))
            .transpose()
    }
}

/// A typed response on its way to the wire: status, headers, and the body, encoded in its media
/// type.
#[derive(Debug)]
pub struct Reply {
    status: StatusCode,
    headers: Vec<(&'static str, String)>,
    body: Option<Encoded>,
}

#[derive(Debug)]
struct Encoded {
    media_type: &'static str,
    payload: Result<Payload, String>,
}

/// A response body, encoded as far as its media type allows before the vendor is known.
/// Both formats are serialised straight from the typed value (no intermediate `Value` tree:
/// that conversion cost more than the rest of the request on large lists).
#[derive(Debug)]
enum Payload {
    Json(Vec<u8>),
    /// Written by the schema-guided XML serializer ([`xml::write`]).
    Xml(String),
}

/// What the generated `into_reply` needs besides the typed response: the negotiated media type
/// and the router's compiled schemas, with which XML bodies are written. Built per request by
/// the runtime and passed down as an argument.
#[derive(Clone)]
pub struct ReplyContext {
    runtime: Arc<Runtime>,
    /// The fallback name of an XML root element (the operation's resource).
    resource: &'static str,
    /// The negotiated response media type.
    pub media: &'static str,
}

impl fmt::Debug for ReplyContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplyContext")
            .field("api", &self.runtime.spec.name)
            .field("resource", &self.resource)
            .field("media", &self.media)
            .finish()
    }
}

impl Reply {
    pub fn new(status: u16) -> Reply {
        Reply {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds a response header when `value` is present.
    pub fn header<T: ToString>(mut self, name: &'static str, value: Option<T>) -> Reply {
        if let Some(value) = value {
            self.headers.push((name, value.to_string()));
        }
        self
    }

    /// Sets the body, in `media_type`, described by `schema`.
    pub fn body<T: Serialize>(
        mut self,
        cx: &ReplyContext,
        media_type: &'static str,
        schema: &'static str,
        body: &T,
    ) -> Reply {
        let payload = match Format::of(media_type) {
            Format::Json => serde_json::to_vec(body)
                .map(Payload::Json)
                .map_err(|err| err.to_string()),
            Format::Xml => cx
                .runtime
                .write_xml(body, schema, cx.resource)
                .map(Payload::Xml)
                .map_err(|err| err.to_string()),
        };
        self.body = Some(Encoded {
            media_type,
            payload,
        });
        self
    }
}

/// The media type to answer a response in: the negotiated one when that response offers it,
/// else the response's first.
pub fn pick(negotiated: &'static str, offered: &[&'static str]) -> &'static str {
    if offered.contains(&negotiated) {
        negotiated
    } else {
        offered.first().copied().unwrap_or(negotiated)
    }
}

/// Converts a response body into the type another media type of the same response documents
/// (Coupa's JSON errors into its XML errors).
pub trait Transcode<T> {
    fn transcode(&self) -> T;
}

impl<S: Verifier> RouterState<S> {
    /// Compiles the API's schemas. Panics only if the generated schemas do not compile, which
    /// the crate's tests rule out for every spec.
    pub fn new(spec: &'static ApiSpec, api: S, options: Options) -> RouterState<S> {
        RouterState {
            api: Arc::new(api),
            runtime: Arc::new(Runtime::new(spec, options)),
        }
    }

    /// Runs one request through the operation's checks, then `call` (which deserialises the
    /// inputs and calls the trait method), then renders its reply.
    pub async fn handle<F, Fut>(
        &self,
        op: &'static OperationSpec,
        request: Request,
        call: F,
    ) -> Response
    where
        F: FnOnce(Arc<S>, Input) -> Fut,
        Fut: Future<Output = Result<Reply, Problem>>,
    {
        let (parts, body) = request.into_parts();
        let path = parts.uri.path().to_owned();
        let rt = &self.runtime;
        let (input, format) = match self.prepare(op, parts, body).await {
            Ok(ok) => ok,
            Err((problem, format)) => return rt.reject(&problem, format, &path, op.resource),
        };
        let format = format.unwrap_or(Format::Json);
        // A panicking implementation is a bug in the implementation, but the caller still gets
        // an answer in the vendor's format rather than a dropped connection.
        let outcome = AssertUnwindSafe(call(Arc::clone(&self.api), input)).catch_unwind();
        let outcome = outcome.await;
        match outcome {
            Ok(Ok(reply)) => rt.render(reply, &path, op.resource, format),
            Ok(Err(problem)) => rt.reject(&problem, format, &path, op.resource),
            Err(_) => {
                let problem = Problem::one(
                    ProblemKind::Internal,
                    format!("the implementation of {} failed", op.id),
                );
                rt.reject(&problem, format, &path, op.resource)
            }
        }
    }

    async fn prepare(
        &self,
        op: &'static OperationSpec,
        mut parts: Parts,
        body: Body,
    ) -> Result<(Input, Option<Format>), (Problem, Format)> {
        let rt = &self.runtime;
        let vendor = rt.spec.vendor;

        // 1. Negotiation (406).
        let offered = op.response_media();
        let accept = header_text(&parts.headers, header::ACCEPT.as_str());
        let media = if offered.is_empty() {
            Some("application/json")
        } else {
            negotiate::choose(accept.as_deref(), &offered)
        };
        let Some(media) = media else {
            let problem = Problem::one(
                ProblemKind::NotAcceptable,
                format!(
                    "cannot answer in {}; this operation answers in {}",
                    accept.unwrap_or_default(),
                    offered.join(", ")
                ),
            );
            return Err((problem, Format::Json));
        };
        let format = error_format(vendor, media);

        // 2. Authentication and scopes (401, 403).
        let caller = auth::authorize(&*self.api, op.security, &parts.headers, parts.uri.query())
            .await
            .map_err(|denied| {
                let problem = match denied {
                    Denied::Unauthenticated(detail) => Problem::one(
                        ProblemKind::Unauthenticated,
                        vendor::unauthenticated_message(vendor, &detail),
                    ),
                    Denied::Forbidden(detail) => Problem::one(
                        ProblemKind::Forbidden,
                        vendor::forbidden_message(vendor, &detail),
                    ),
                };
                (problem, format)
            })?;

        // 3. Parameters (400).
        let compiled = &rt.operations[op.id];
        let raw_path: Vec<(String, String)> =
            match RawPathParams::from_request_parts(&mut parts, &()).await {
                Ok(params) => params
                    .iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
                Err(_) if op.params.iter().all(|p| p.location != Location::Path) => Vec::new(),
                Err(err) => {
                    return Err((
                        Problem::one(ProblemKind::Validation, err.body_text()),
                        format,
                    ));
                }
            };
        let raw_query: Vec<(String, String)> =
            form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        let mut caller = caller;
        caller.request = crate::auth::RequestInfo {
            query: raw_query.clone(),
            media,
        };
        let mut input = Input {
            caller,
            reply: ReplyContext {
                runtime: Arc::clone(rt),
                resource: op.resource,
                media,
            },
            path: Map::new(),
            query: Map::new(),
            headers: Map::new(),
            body: None,
        };
        let mut details = Vec::new();
        for (param, (schema, validator)) in op.params.iter().zip(&compiled.params) {
            let raw: Vec<String> = match param.location {
                Location::Path => raw_path
                    .iter()
                    .filter(|(k, _)| k == param.name)
                    .map(|(_, v)| v.clone())
                    .collect(),
                Location::Query => raw_query
                    .iter()
                    .filter(|(k, _)| query_name_matches(vendor, param.name, k))
                    .map(|(_, v)| v.clone())
                    .collect(),
                Location::Header => parts
                    .headers
                    .get_all(param.name)
                    .iter()
                    .map(|v| {
                        v.to_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|_| String::from_utf8_lossy(v.as_bytes()).into_owned())
                    })
                    .collect(),
            };
            if raw.is_empty() {
                if param.required {
                    details.push(Detail::at(param.location.name(), param.name, "is required"));
                }
                continue;
            }
            let value = coerce(&raw, rt.schemas.shape(schema).kind);
            let found = validator.check(&value, param.location.name(), Some(param.name));
            if found.is_empty() {
                let target = match param.location {
                    Location::Path => &mut input.path,
                    Location::Query => &mut input.query,
                    Location::Header => &mut input.headers,
                };
                target.insert(param.name.to_owned(), value);
            }
            details.extend(found);
        }
        if !details.is_empty() {
            return Err((Problem::new(ProblemKind::Validation, details), format));
        }

        // 4. Body (415, 413, 400).
        if let Some(spec) = &op.body {
            input.body = self
                .read_body(spec, compiled, &parts.headers, body)
                .await
                .map_err(|p| (p, format))?;
        }
        Ok((input, Some(format)))
    }

    async fn read_body(
        &self,
        spec: &BodySpec,
        compiled: &CompiledOperation,
        headers: &HeaderMap,
        body: Body,
    ) -> Result<Option<Value>, Problem> {
        let rt = &self.runtime;
        let limit = rt.options.body_limit;
        let too_large = || {
            Problem::one(
                ProblemKind::PayloadTooLarge,
                format!("request body is larger than {limit} bytes"),
            )
        };
        let declared = header_text(headers, header::CONTENT_LENGTH.as_str())
            .and_then(|v| v.trim().parse::<usize>().ok());
        if declared.is_some_and(|length| length > limit) {
            return Err(too_large());
        }
        let bytes = axum::body::to_bytes(body, limit)
            .await
            .map_err(|_| too_large())?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return if spec.required {
                Err(Problem::one(
                    ProblemKind::Validation,
                    "request body is required",
                ))
            } else {
                Ok(None)
            };
        }
        let documented: Vec<&'static str> = spec.media.iter().map(|m| m.media_type).collect();
        let Some(content_type) = header_text(headers, header::CONTENT_TYPE.as_str()) else {
            return Err(Problem::one(
                ProblemKind::UnsupportedMediaType,
                format!(
                    "missing Content-Type; send one of {}",
                    documented.join(", ")
                ),
            ));
        };
        let Some(index) = negotiate::body_media(&content_type, &documented)
            .and_then(|media| documented.iter().position(|m| *m == media))
        else {
            return Err(Problem::one(
                ProblemKind::UnsupportedMediaType,
                format!(
                    "unsupported Content-Type {content_type}; send one of {}",
                    documented.join(", ")
                ),
            ));
        };
        let (schema, validator) = &compiled.bodies[index];
        let value = match Format::of(documented[index]) {
            Format::Json => serde_json::from_slice::<Value>(&bytes).map_err(|err| {
                Problem::one(ProblemKind::Malformed, format!("malformed JSON: {err}"))
            })?,
            Format::Xml => {
                let text = std::str::from_utf8(&bytes).map_err(|_| {
                    Problem::one(ProblemKind::Malformed, "malformed XML: not UTF-8")
                })?;
                crate::xml::read(text, schema, &rt.schemas)
                    .map_err(|err| Problem::one(ProblemKind::Malformed, err))?
            }
        };
        let details = validator.check(&value, "body", None);
        if !details.is_empty() {
            return Err(Problem::new(ProblemKind::Validation, details));
        }
        Ok(Some(value))
    }
}

impl Runtime {
    /// Writes `body` as XML described by `schema` (a response schema's JSON text).
    fn write_xml<T: Serialize>(
        &self,
        body: &T,
        schema: &'static str,
        resource: &str,
    ) -> Result<String, serde_json::Error> {
        match self.xml.root(schema) {
            Some(root) => xml::write(body, &self.xml, root, resource),
            None => {
                // Not one of this API's XML responses: compiled for this answer only.
                let parsed = Schemas::parse_schema(schema);
                let (plan, root) = xml::Plan::one(&self.schemas, &parsed);
                xml::write(body, &plan, root, resource)
            }
        }
    }

    fn reject(&self, problem: &Problem, format: Format, path: &str, resource: &str) -> Response {
        vendor::render(
            problem,
            ErrorContext {
                vendor: self.spec.vendor,
                format,
                path,
                resource,
            },
        )
    }

    fn render(&self, reply: Reply, path: &str, resource: &str, format: Format) -> Response {
        let mut builder = Response::builder().status(reply.status);
        for (name, value) in &reply.headers {
            if let Ok(value) = HeaderValue::from_str(value) {
                builder = builder.header(*name, value);
            }
        }
        let body = match reply.body {
            None => Body::empty(),
            Some(encoded) => {
                let payload = match encoded.payload {
                    Ok(payload) => payload,
                    Err(err) => {
                        let problem = Problem::one(
                            ProblemKind::Internal,
                            format!("failed to encode the response: {err}"),
                        );
                        return self.reject(&problem, format, path, resource);
                    }
                };
                builder = builder.header(header::CONTENT_TYPE, encoded.media_type);
                match payload {
                    Payload::Json(bytes) if self.spec.vendor.omits_nulls() => {
                        // Rare path (CSO): typed values already skip absent options, but a
                        // nullable field or free-form JSON can still hold a null.
                        match serde_json::from_slice::<Value>(&bytes) {
                            Ok(mut value) => {
                                strip_nulls(&mut value);
                                Body::from(serde_json::to_vec(&value).unwrap_or_default())
                            }
                            Err(_) => Body::from(bytes),
                        }
                    }
                    Payload::Json(bytes) => Body::from(bytes),
                    Payload::Xml(text) => Body::from(text),
                }
            }
        };
        builder.body(body).unwrap_or_else(|_| {
            let problem = Problem::one(ProblemKind::Internal, "failed to build the response");
            self.reject(&problem, format, path, resource)
        })
    }

    /// The format errors outside any operation (unknown path, wrong method) are written in.
    fn routing_format(&self, headers: &HeaderMap) -> Format {
        let accept = header_text(headers, header::ACCEPT.as_str());
        let offered = self.spec.vendor.error_formats();
        let media = negotiate::choose(accept.as_deref(), offered).unwrap_or("application/json");
        error_format(self.spec.vendor, media)
    }
}

fn error_format(vendor: Vendor, media: &str) -> Format {
    if vendor
        .error_formats()
        .iter()
        .any(|m| Format::of(m) == Format::Xml)
    {
        Format::of(media)
    } else {
        Format::Json
    }
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// Types raw parameter text by the schema's type, leaving what does not parse as a string so
/// that validation names the problem.
fn coerce(raw: &[String], kind: Option<&str>) -> Value {
    let one = |text: &str, kind: Option<&str>| -> Value {
        match kind {
            Some("integer") => text
                .parse::<i64>()
                .map(Value::from)
                .or_else(|_| text.parse::<u64>().map(Value::from))
                .unwrap_or_else(|_| Value::String(text.to_owned())),
            Some("number") => text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .unwrap_or_else(|| Value::String(text.to_owned())),
            Some("boolean") => match text {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::String(text.to_owned()),
            },
            _ => Value::String(text.to_owned()),
        }
    };
    match kind {
        Some("array") => {
            let items: Vec<&str> = if raw.len() == 1 {
                raw[0].split(',').collect()
            } else {
                raw.iter().map(String::as_str).collect()
            };
            Value::Array(items.into_iter().map(|t| one(t, None)).collect())
        }
        // A repeated single-valued parameter: the last one wins.
        _ => one(raw.last().map(String::as_str).unwrap_or_default(), kind),
    }
}

fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// Whether query parameter `given` is the documented parameter `documented`. Coupa Core treats
/// dashes and underscores in attribute names as the same (`updated_at[gt]` is `updated-at[gt]`);
/// the other vendors match names exactly.
fn query_name_matches(vendor: Vendor, documented: &str, given: &str) -> bool {
    if documented == given {
        return true;
    }
    vendor == Vendor::CoupaCore
        && documented.len() == given.len()
        && documented
            .bytes()
            .zip(given.bytes())
            .all(|(a, b)| a == b || (matches!(a, b'-' | b'_') && matches!(b, b'-' | b'_')))
}

/// A `MethodRouter` whose unmatched methods answer 405 in the vendor's format, with `Allow`.
pub fn methods<S: Verifier>(allow: &'static [&'static str]) -> MethodRouter<RouterState<S>> {
    MethodRouter::new().fallback(
        move |State(shared): State<RouterState<S>>, request: Request| async move {
            let rt = &shared.runtime;
            let format = rt.routing_format(request.headers());
            let problem = Problem::one(
                ProblemKind::MethodNotAllowed,
                format!(
                    "method {} is not allowed on {}; allowed: {}",
                    request.method(),
                    request.uri().path(),
                    allow.join(", ")
                ),
            );
            let mut response = rt.reject(&problem, format, request.uri().path(), "request");
            if let Ok(value) = HeaderValue::from_str(&allow.join(", ")) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            response
        },
    )
}

async fn not_found<S: Verifier>(
    State(shared): State<RouterState<S>>,
    request: Request,
) -> Response {
    let rt = &shared.runtime;
    let format = rt.routing_format(request.headers());
    let problem = Problem::one(
        ProblemKind::NotFound,
        format!(
            "no operation at {} {}",
            request.method(),
            request.uri().path()
        ),
    );
    rt.reject(&problem, format, request.uri().path(), "request")
}

/// Finishes a generated router: vendor-format 404 for unknown paths, the state, and the
/// vendor's correlation header.
pub fn finish<S: Verifier>(routes: Router<RouterState<S>>, shared: RouterState<S>) -> Router {
    let vendor = shared.runtime.spec.vendor;
    let router = routes.fallback(not_found::<S>).with_state(shared);
    match vendor.correlation_header() {
        Some(name) => router.layer(axum::middleware::from_fn(
            move |request: Request, next: Next| correlate(name, request, next),
        )),
        None => router,
    }
}

/// Echoes the correlation header (generating a UUID when the request has none) on every
/// response; the handler sees the same value in its typed headers.
async fn correlate(name: &'static str, mut request: Request, next: Next) -> Response {
    let header = HeaderName::from_static(name);
    let id = request.headers().get(&header).cloned().unwrap_or_else(|| {
        HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
            .unwrap_or(HeaderValue::from_static("0"))
    });
    request.headers_mut().insert(header.clone(), id.clone());
    let mut response = next.run(request).await;
    response.headers_mut().entry(header).or_insert(id);
    response
}

impl Transcode<spendapi_types::coupa_common::CoupaXmlErrors>
    for spendapi_types::coupa_common::CoupaJsonErrors
{
    fn transcode(&self) -> spendapi_types::coupa_common::CoupaXmlErrors {
        let mut keys: Vec<&String> = self.errors.keys().collect();
        keys.sort();
        spendapi_types::coupa_common::CoupaXmlErrors {
            error: keys
                .into_iter()
                .flat_map(|k| self.errors[k].iter().cloned())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reply is written with the context the runtime passes down: XML with the compiled
    /// schemas of the answering router (its root element named by the schema), JSON as is.
    #[test]
    fn replies_are_written_with_the_context_passed_in() {
        let cx = ReplyContext {
            runtime: Arc::new(Runtime::new(
                &crate::coupa_accounts::API,
                Options::default(),
            )),
            resource: "account",
            media: "application/xml",
        };
        let errors = spendapi_types::coupa_common::CoupaXmlErrors {
            error: vec!["Name can't be blank".to_owned()],
        };
        let schema = r##"{"$ref":"#/$defs/CoupaXmlErrors"}"##;
        let reply = Reply::new(400).body(&cx, "application/xml", schema, &errors);
        match reply.body.expect("a body").payload {
            Ok(Payload::Xml(text)) => assert!(
                text.contains("<errors><error>Name can&apos;t be blank</error></errors>")
                    || text.contains("<errors><error>Name can't be blank</error></errors>"),
                "{text}"
            ),
            other => panic!("expected XML, got {other:?}"),
        }
        let reply = Reply::new(200).body(&cx, "application/json", "{}", &[1, 2]);
        assert!(matches!(
            reply.body.expect("a body").payload,
            Ok(Payload::Json(ref bytes)) if bytes == b"[1,2]"
        ));
    }
}
