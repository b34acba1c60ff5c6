//! The typed model of an API, built once from its bundled document: what the generators read
//! instead of walking `serde_json::Value` while they emit code. Schemas stay JSON values (they
//! are converted or embedded as they are), everything around them is typed.

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;

use crate::ops::operations;
use crate::resolve::{component_name, resolve};
use crate::vendor::Vendor;

/// One API: a spec file, bundled.
#[derive(Debug, Clone)]
pub struct Api {
    /// The spec's short name (`coupa-accounts`), from its file.
    pub name: String,
    pub vendor: Vendor,
    pub title: String,
    pub version: String,
    pub security_schemes: Vec<SecurityScheme>,
    pub operations: Vec<Operation>,
    /// The bundled document, for what is read as JSON (component schemas).
    pub doc: Value,
}

/// A security scheme of `components/securitySchemes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityScheme {
    pub name: String,
    pub kind: SchemeKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemeKind {
    /// OAuth2, OpenID Connect or HTTP bearer: an `Authorization: Bearer` token.
    Bearer,
    /// An API key in a header.
    ApiKeyHeader(String),
    /// An API key in a query parameter.
    ApiKeyQuery(String),
}

/// One operation.
#[derive(Debug, Clone)]
pub struct Operation {
    pub id: String,
    /// Lowercase (`get`).
    pub method: &'static str,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub tags: Vec<String>,
    /// Path-item and operation parameters merged (the operation's win).
    pub parameters: Vec<Parameter>,
    pub request_body: Option<RequestBody>,
    /// In document order.
    pub responses: Vec<Response>,
    /// The alternatives (any one suffices), each a list of (scheme, scopes) all required.
    pub security: Vec<Vec<(String, Vec<String>)>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    Path,
    Query,
    Header,
}

impl Location {
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Parameter {
    pub name: String,
    pub location: Location,
    pub required: bool,
    pub description: String,
    /// A `$ref` to a component schema is kept as written; anything else is resolved.
    pub schema: Value,
}

#[derive(Debug, Clone)]
pub struct RequestBody {
    pub required: bool,
    pub description: String,
    pub content: Vec<Media>,
}

/// One media type of a body, with its schema as written (usually a `$ref`).
#[derive(Debug, Clone)]
pub struct Media {
    pub media_type: String,
    pub schema: Value,
}

#[derive(Debug, Clone)]
pub struct Response {
    /// As written (`200`).
    pub status: String,
    pub code: u16,
    pub description: String,
    pub content: Vec<Media>,
    pub headers: Vec<Header>,
}

#[derive(Debug, Clone)]
pub struct Header {
    pub name: String,
    pub required: bool,
    pub description: String,
    /// Resolved.
    pub schema: Value,
}

/// What a body schema is, for a generator that needs a Rust type for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyShape {
    /// A component schema.
    Named(String),
    /// An array of a component schema.
    ArrayOf(String),
}

impl Media {
    /// The body's shape, or an error if it is neither a component nor an array of one.
    pub fn shape(&self) -> Result<BodyShape> {
        if let Some(name) = component_name(&self.schema) {
            return Ok(BodyShape::Named(name));
        }
        if self.schema.get("type").and_then(Value::as_str) == Some("array")
            && let Some(name) = self.schema.get("items").and_then(component_name)
        {
            return Ok(BodyShape::ArrayOf(name));
        }
        bail!("body schemas must be named components (or arrays of them)")
    }
}

impl Operation {
    /// `GET /api/accounts`.
    pub fn location(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }

    /// The parameters in one location, in order.
    pub fn parameters_in(&self, location: Location) -> impl Iterator<Item = &Parameter> {
        self.parameters
            .iter()
            .filter(move |p| p.location == location)
    }

    /// Whether the operation is an index: it documents `limit` and `offset` query parameters.
    pub fn is_paged(&self) -> bool {
        let has = |name: &str| self.parameters_in(Location::Query).any(|p| p.name == name);
        has("limit") && has("offset")
    }
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn flag(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool).unwrap_or(false)
}

impl Api {
    /// Builds the model of a bundled document.
    pub fn from_bundled(name: &str, doc: Value) -> Result<Api> {
        let vendor = Vendor::of(&doc)?;
        let info = doc.get("info").cloned().unwrap_or(Value::Null);
        let security_schemes = security_schemes(&doc)?;
        let mut ops = Vec::new();
        for op in operations(&doc) {
            let location = op.location();
            let built = operation(&doc, op).with_context(|| {
                format!(
                    "operation {} ({location})",
                    op.id().unwrap_or("<no operationId>")
                )
            })?;
            ops.push(built);
        }
        Ok(Api {
            name: name.to_owned(),
            vendor,
            title: text(&info, "title"),
            version: text(&info, "version"),
            security_schemes,
            operations: ops,
            doc,
        })
    }

    /// Loads and bundles a spec file, then builds its model.
    pub fn load(path: &std::path::Path) -> Result<Api> {
        let doc = crate::bundle::bundle(path)?;
        Api::from_bundled(&crate::workspace::api_name(path), doc)
            .with_context(|| format!("failed to read {}", path.display()))
    }

    /// Follows local `$ref`s in this API's document.
    pub fn resolve<'a>(&'a self, value: &'a Value) -> Result<&'a Value> {
        resolve(&self.doc, value)
    }
}

fn security_schemes(doc: &Value) -> Result<Vec<SecurityScheme>> {
    let mut out = Vec::new();
    for (name, scheme) in doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let scheme = resolve(doc, scheme)?;
        let kind = match scheme
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
        {
            "oauth2" | "openIdConnect" => SchemeKind::Bearer,
            "http" if text(scheme, "scheme").eq_ignore_ascii_case("bearer") => SchemeKind::Bearer,
            "apiKey" => {
                let key = text(scheme, "name");
                match scheme.get("in").and_then(Value::as_str) {
                    Some("header") => SchemeKind::ApiKeyHeader(key),
                    Some("query") => SchemeKind::ApiKeyQuery(key),
                    other => {
                        bail!("security scheme '{name}': API keys in {other:?} are not supported")
                    }
                }
            }
            other => bail!("security scheme '{name}' of type '{other}' is not supported"),
        };
        out.push(SecurityScheme {
            name: name.clone(),
            kind,
        });
    }
    Ok(out)
}

fn operation(doc: &Value, op: crate::ops::OperationRef<'_>) -> Result<Operation> {
    let id = op.id().ok_or_else(|| anyhow!("no operationId"))?.to_owned();
    let tags = op
        .op
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let request_body = match op.op.get("requestBody") {
        Some(body) => {
            let body = resolve(doc, body)?;
            Some(RequestBody {
                required: flag(body, "required"),
                description: text(body, "description"),
                content: media(body.get("content"))?,
            })
        }
        None => None,
    };
    let mut responses = Vec::new();
    for (status, response) in op
        .op
        .get("responses")
        .and_then(Value::as_object)
        .ok_or_else(|| anyhow!("no responses"))?
    {
        responses.push(response_of(doc, status, response)?);
    }
    let security = op
        .op
        .get("security")
        .or_else(|| doc.get("security"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|alternative| {
            alternative
                .as_object()
                .into_iter()
                .flatten()
                .map(|(scheme, scopes)| {
                    let scopes = scopes
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect();
                    (scheme.clone(), scopes)
                })
                .collect()
        })
        .collect();
    Ok(Operation {
        method: op.method,
        path: op.path.to_owned(),
        summary: text(op.op, "summary"),
        description: text(op.op, "description"),
        tags,
        parameters: parameters(doc, op.item, op.op)?,
        request_body,
        responses,
        security,
        id,
    })
}

fn parameters(doc: &Value, item: &Value, op: &Value) -> Result<Vec<Parameter>> {
    let mut out: Vec<Parameter> = Vec::new();
    for list in [item.get("parameters"), op.get("parameters")]
        .into_iter()
        .flatten()
    {
        for raw in list.as_array().into_iter().flatten() {
            let param = resolve(doc, raw)?;
            let name = param
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| anyhow!("parameter without a name"))?
                .to_owned();
            let location = match param.get("in").and_then(Value::as_str).unwrap_or_default() {
                "path" => Location::Path,
                "query" => Location::Query,
                "header" => Location::Header,
                other => bail!("parameter '{name}' in '{other}' is not supported"),
            };
            let schema = param.get("schema").cloned().unwrap_or(Value::Null);
            let schema = match component_name(&schema) {
                Some(_) => schema,
                None => resolve(doc, &schema)?.clone(),
            };
            // Operation-level parameters override path-item-level ones of the same name and place.
            out.retain(|p| !(p.name == name && p.location == location));
            out.push(Parameter {
                required: location == Location::Path || flag(param, "required"),
                description: text(param, "description"),
                name,
                location,
                schema,
            });
        }
    }
    Ok(out)
}

fn media(content: Option<&Value>) -> Result<Vec<Media>> {
    let mut out = Vec::new();
    for (media_type, media) in content.and_then(Value::as_object).into_iter().flatten() {
        let schema = media
            .get("schema")
            .ok_or_else(|| anyhow!("media type {media_type} has no schema"))?;
        out.push(Media {
            media_type: media_type.clone(),
            schema: schema.clone(),
        });
    }
    Ok(out)
}

fn response_of(doc: &Value, status: &str, response: &Value) -> Result<Response> {
    let code: u16 = status
        .parse()
        .map_err(|_| anyhow!("response '{status}': only numeric status codes are supported"))?;
    let response = resolve(doc, response)?;
    let mut headers = Vec::new();
    for (name, header) in response
        .get("headers")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let header = resolve(doc, header)?;
        let schema = header.get("schema").cloned().unwrap_or(Value::Null);
        headers.push(Header {
            name: name.clone(),
            required: flag(header, "required"),
            description: text(header, "description"),
            schema: resolve(doc, &schema)?.clone(),
        });
    }
    Ok(Response {
        status: status.to_owned(),
        code,
        description: text(response, "description"),
        content: media(response.get("content"))?,
        headers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_operations_with_merged_parameters_and_resolved_responses() {
        let doc = serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "T", "version": "1.0.0", "x-spendapi-vendor": "coupa-sourcing"},
            "security": [{"key": []}],
            "paths": {"/api/events/{id}": {
                "parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}}],
                "get": {
                    "operationId": "get_event",
                    "parameters": [{"$ref": "#/components/parameters/Limit"}],
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}}},
                        "404": {"$ref": "#/components/responses/NotFound"}
                    }
                }
            }},
            "components": {
                "parameters": {"Limit": {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer"}}},
                "responses": {"NotFound": {"description": "missing", "headers": {"Retry-After": {"schema": {"type": "integer"}}}}},
                "schemas": {"Event": {"type": "object"}},
                "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-CSO-API-KEY"}}
            }
        });
        let api = Api::from_bundled("cso-events", doc).expect("model");
        assert_eq!(api.vendor, Vendor::CoupaSourcing);
        assert_eq!(
            api.security_schemes[0].kind,
            SchemeKind::ApiKeyHeader("X-CSO-API-KEY".into())
        );
        let op = &api.operations[0];
        assert_eq!(
            (op.id.as_str(), op.method, op.location().as_str()),
            ("get_event", "get", "GET /api/events/{id}")
        );
        let names: Vec<_> = op
            .parameters
            .iter()
            .map(|p| (p.name.as_str(), p.location, p.required))
            .collect();
        assert_eq!(
            names,
            [
                ("id", Location::Path, true),
                ("limit", Location::Query, false)
            ]
        );
        assert_eq!(op.responses[1].code, 404);
        assert_eq!(op.responses[1].headers[0].name, "Retry-After");
        assert_eq!(
            op.responses[0].content[0].shape().expect("shape"),
            BodyShape::Named("Event".into())
        );
        assert_eq!(op.security, vec![vec![("key".to_owned(), vec![])]]);
        assert!(!op.is_paged());
    }
}
