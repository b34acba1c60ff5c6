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
    /// The OpenAPI version the document declares (`3.0.3`).
    pub openapi: String,
    /// `info`'s other facts, as written.
    pub info: Info,
    /// The document's servers, if it lists any.
    pub servers: Option<Vec<Server>>,
    /// The default security requirement, if the document declares one (see
    /// [`Operation::security`]).
    pub security: Option<Vec<Requirement>>,
    pub tags: Vec<Tag>,
    pub external_docs: Option<ExternalDocs>,
    pub security_schemes: Vec<SecurityScheme>,
    /// Path by path in document order, the methods of a path in [`crate::METHODS`] order (see
    /// [`Api::operations_in_document_order`]).
    pub operations: Vec<Operation>,
    /// The bundled document, for what is read as JSON (component schemas).
    pub doc: Value,
}

/// The facts of `info` besides title and version, as written.
#[derive(Debug, Clone, Default)]
pub struct Info {
    pub description: String,
    pub terms_of_service: Option<String>,
    /// The given ones of `name`, `email`, `url`, in that order; `None` without `contact`.
    pub contact: Option<Vec<String>>,
    /// The given ones of `name`, `url`; `None` without `license`.
    pub license: Option<Vec<String>>,
}

/// A server of the document, a path item or an operation.
#[derive(Debug, Clone)]
pub struct Server {
    pub url: String,
    pub description: String,
    pub variables: Vec<ServerVariable>,
}

#[derive(Debug, Clone)]
pub struct ServerVariable {
    pub name: String,
    pub default: String,
    pub values: Vec<String>,
    pub description: String,
}

/// A declared tag.
#[derive(Debug, Clone)]
pub struct Tag {
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct ExternalDocs {
    pub description: String,
    pub url: String,
}

/// One security requirement: (scheme, scopes) pairs, all required.
pub type Requirement = Vec<(String, Vec<String>)>;

/// An example of a parameter or media type, its `$ref` followed.
#[derive(Debug, Clone)]
pub struct Example {
    /// Its key in `examples`.
    pub name: String,
    pub summary: String,
    pub description: String,
    pub value: Option<Value>,
    pub external_value: Option<String>,
}

/// The `example` and the `examples` of a parameter, media type or schema.
#[derive(Debug, Clone, Default)]
pub struct Examples {
    pub example: Option<Value>,
    /// In document order.
    pub examples: Vec<Example>,
}

/// An OAuth 2 flow of a security scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// `clientCredentials`, ...
    pub name: String,
    /// The given ones of `authorizationUrl`, `tokenUrl`, `refreshUrl`, in that order.
    pub urls: Vec<(&'static str, String)>,
    /// (scope, description), in document order.
    pub scopes: Vec<(String, String)>,
}

/// A security scheme of `components/securitySchemes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityScheme {
    pub name: String,
    pub kind: SchemeKind,
    /// `type` as written (`oauth2`).
    pub scheme_type: String,
    /// The given ones of `scheme`, `bearerFormat`, `in`, `name`, `openIdConnectUrl`, in that
    /// order, as text.
    pub facts: Vec<(&'static str, String)>,
    pub description: String,
    pub flows: Vec<Flow>,
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
    /// The alternatives (any one suffices), each a list of (scheme, scopes) all required: the
    /// operation's own, else the document's default.
    pub security: Vec<Requirement>,
    /// Whether [`Operation::security`] is the operation's own (not the document's default).
    pub own_security: bool,
    pub deprecated: bool,
    /// The operation's servers, else its path item's, if either lists any.
    pub servers: Option<Vec<Server>>,
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
    /// The parameter's `content` (instead of a schema), by media type.
    pub content: Vec<Media>,
    pub deprecated: bool,
    /// The given ones of `style`, `explode`, `allowReserved`, `allowEmptyValue`, in that
    /// order, as written.
    pub serialization: Vec<(&'static str, Value)>,
    pub examples: Examples,
}

#[derive(Debug, Clone)]
pub struct RequestBody {
    /// The `requestBodies` component it references, if it is a `$ref`.
    pub component: Option<String>,
    pub required: bool,
    pub description: String,
    pub content: Vec<Media>,
}

/// One media type of a body, with its schema as written (usually a `$ref`).
#[derive(Debug, Clone)]
pub struct Media {
    pub media_type: String,
    pub schema: Value,
    pub examples: Examples,
}

#[derive(Debug, Clone)]
pub struct Response {
    /// As written (`200`).
    pub status: String,
    pub code: u16,
    /// The `responses` component it references, if it is a `$ref`.
    pub component: Option<String>,
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

/// The string at `key` as written (untrimmed), `""` if there is none.
fn raw(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A scalar as text (strings without quotes), anything else as compact JSON.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn flag(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// The given ones of `keys` in `value`, in that order, as text.
fn facts(value: &Value, keys: &[&'static str]) -> Vec<(&'static str, String)> {
    keys.iter()
        .filter_map(|key| Some((*key, scalar(value.get(*key)?))))
        .collect()
}

/// The name of the component a `$ref` at `value` points to, if it is one.
fn component_of_ref(value: &Value) -> Option<String> {
    value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|reference| reference.strip_prefix('#'))
        .and_then(crate::bundle::component_of)
        .map(|(_, name)| name)
}

impl Api {
    /// Builds the model of a bundled document, its vendor read from `info.x-spendapi-vendor`.
    pub fn from_bundled(name: &str, doc: Value) -> Result<Api> {
        let vendor = Vendor::of(&doc)?;
        Api::with_vendor(name, vendor, doc)
    }

    /// Builds the model of a bundled document whose vendor is known (a partner spec, whose
    /// `x-` extensions are gone).
    pub fn with_vendor(name: &str, vendor: Vendor, doc: Value) -> Result<Api> {
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
            openapi: raw(&doc, "openapi"),
            info: info_of(&info),
            servers: servers(&doc).context("failed to read `servers`")?,
            security: requirements(doc.get("security")),
            tags: tags(&doc),
            external_docs: doc.get("externalDocs").map(|docs| ExternalDocs {
                description: raw(docs, "description"),
                url: raw(docs, "url"),
            }),
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

    /// The operations as the document lists them: path by path, the methods of a path in the
    /// order they are written (what a reader of the spec sees).
    pub fn operations_in_document_order(&self) -> Vec<&Operation> {
        let mut out = Vec::new();
        for (path, item) in self
            .doc
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for method in item.as_object().into_iter().flatten().map(|(m, _)| m) {
                out.extend(
                    self.operations
                        .iter()
                        .find(|op| op.path == *path && op.method == method),
                );
            }
        }
        out
    }

    /// The component schemas, in document order, as JSON.
    pub fn schemas(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
    }

    /// The tags in the order a reader meets them: the declared ones first, then the others
    /// operations name first by name, then `""` if some operation has no tag.
    pub fn tag_order(&self) -> Vec<String> {
        let mut order: Vec<String> = self.tags.iter().map(|t| t.name.clone()).collect();
        let others: std::collections::BTreeSet<String> = self
            .operations
            .iter()
            .map(|op| op.first_tag().to_owned())
            .filter(|tag| !order.contains(tag))
            .collect();
        let untagged = others.contains("");
        order.extend(others.into_iter().filter(|tag| !tag.is_empty()));
        if untagged {
            order.push(String::new());
        }
        order
    }
}

impl Operation {
    /// The first tag, `""` for an untagged operation.
    pub fn first_tag(&self) -> &str {
        self.tags.first().map_or("", String::as_str)
    }
}

impl Examples {
    /// The `example` and `examples` of `holder` (a parameter, media type or schema), each
    /// example's `$ref` followed.
    pub fn of(doc: &Value, holder: &Value) -> Result<Examples> {
        let mut examples = Vec::new();
        for (name, example) in holder
            .get("examples")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let example = resolve(doc, example)?;
            examples.push(Example {
                name: name.clone(),
                summary: raw(example, "summary"),
                description: raw(example, "description"),
                value: example.get("value").cloned(),
                external_value: example
                    .get("externalValue")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            });
        }
        Ok(Examples {
            example: holder.get("example").cloned(),
            examples,
        })
    }
}

fn info_of(info: &Value) -> Info {
    let listed = |key: &str, fields: &[&'static str]| {
        info.get(key)
            .filter(|v| v.is_object())
            .map(|holder| facts(holder, fields).into_iter().map(|(_, v)| v).collect())
    };
    Info {
        description: raw(info, "description"),
        terms_of_service: info
            .get("termsOfService")
            .and_then(Value::as_str)
            .map(str::to_owned),
        contact: listed("contact", &["name", "email", "url"]),
        license: listed("license", &["name", "url"]),
    }
}

fn tags(doc: &Value) -> Vec<Tag> {
    doc.get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|tag| Tag {
            name: raw(tag, "name"),
            description: raw(tag, "description"),
        })
        .collect()
}

/// The `servers` of a document, path item or operation, if it lists any.
fn servers(holder: &Value) -> Result<Option<Vec<Server>>> {
    let Some(list) = holder.get("servers") else {
        return Ok(None);
    };
    let list = list
        .as_array()
        .ok_or_else(|| anyhow!("`servers` is not a list"))?;
    let mut out = Vec::new();
    for server in list {
        let url = server
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("a server has no `url`"))?;
        let mut variables = Vec::new();
        for (name, variable) in server
            .get("variables")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let default = variable
                .get("default")
                .and_then(Value::as_str)
                .ok_or_else(|| anyhow!("server variable '{name}' has no `default`"))?;
            variables.push(ServerVariable {
                name: name.clone(),
                default: default.to_owned(),
                values: strings(variable.get("enum")),
                description: raw(variable, "description"),
            });
        }
        out.push(Server {
            url: url.to_owned(),
            description: raw(server, "description"),
            variables,
        });
    }
    Ok(Some(out))
}

/// The strings of a list.
fn strings(list: Option<&Value>) -> Vec<String> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// A `security` list, if there is one.
fn requirements(security: Option<&Value>) -> Option<Vec<Requirement>> {
    let list = security?.as_array()?;
    Some(
        list.iter()
            .map(|alternative| {
                alternative
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(scheme, scopes)| (scheme.clone(), strings(Some(scopes))))
                    .collect()
            })
            .collect(),
    )
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
        let scheme_type = raw(scheme, "type");
        let kind = match scheme_type.as_str() {
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
            scheme_type,
            facts: facts(
                scheme,
                &["scheme", "bearerFormat", "in", "name", "openIdConnectUrl"],
            ),
            description: raw(scheme, "description"),
            flows: flows(scheme),
        });
    }
    Ok(out)
}

fn flows(scheme: &Value) -> Vec<Flow> {
    scheme
        .get("flows")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, flow)| Flow {
            name: name.clone(),
            urls: ["authorizationUrl", "tokenUrl", "refreshUrl"]
                .into_iter()
                .filter_map(|key| Some((key, flow.get(key)?.as_str()?.to_owned())))
                .collect(),
            scopes: flow
                .get("scopes")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(scope, text)| (scope.clone(), scalar(text)))
                .collect(),
        })
        .collect()
}

fn operation(doc: &Value, op: crate::ops::OperationRef<'_>) -> Result<Operation> {
    let id = op.id().ok_or_else(|| anyhow!("no operationId"))?.to_owned();
    let request_body = match op.op.get("requestBody") {
        Some(written) => {
            let body = resolve(doc, written)?;
            Some(RequestBody {
                component: component_of_ref(written),
                required: flag(body, "required"),
                description: text(body, "description"),
                content: media(doc, body.get("content"))?,
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
    let own = requirements(op.op.get("security"));
    let own_security = own.is_some();
    let security = own
        .or_else(|| requirements(doc.get("security")))
        .unwrap_or_default();
    let servers = match servers(op.op)? {
        Some(servers) => Some(servers),
        None => servers(op.item)?,
    };
    Ok(Operation {
        method: op.method,
        path: op.path.to_owned(),
        summary: text(op.op, "summary"),
        description: text(op.op, "description"),
        tags: strings(op.op.get("tags")),
        parameters: parameters(doc, op.item, op.op)?,
        request_body,
        responses,
        security,
        own_security,
        deprecated: flag(op.op, "deprecated"),
        servers,
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
            let parameter = parameter(doc, resolve(doc, raw)?)?;
            // Operation-level parameters override path-item-level ones of the same name and place.
            out.retain(|p| !(p.name == parameter.name && p.location == parameter.location));
            out.push(parameter);
        }
    }
    Ok(out)
}

fn parameter(doc: &Value, param: &Value) -> Result<Parameter> {
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
    let serialization = ["style", "explode", "allowReserved", "allowEmptyValue"]
        .into_iter()
        .filter_map(|key| Some((key, param.get(key)?.clone())))
        .collect();
    Ok(Parameter {
        required: location == Location::Path || flag(param, "required"),
        description: text(param, "description"),
        name,
        location,
        schema,
        content: media(doc, param.get("content"))?,
        deprecated: flag(param, "deprecated"),
        serialization,
        examples: Examples::of(doc, param)?,
    })
}

fn media(doc: &Value, content: Option<&Value>) -> Result<Vec<Media>> {
    let mut out = Vec::new();
    for (media_type, media) in content.and_then(Value::as_object).into_iter().flatten() {
        let schema = media
            .get("schema")
            .ok_or_else(|| anyhow!("media type {media_type} has no schema"))?;
        out.push(Media {
            media_type: media_type.clone(),
            schema: schema.clone(),
            examples: Examples::of(doc, media)?,
        });
    }
    Ok(out)
}

fn response_of(doc: &Value, status: &str, written: &Value) -> Result<Response> {
    let code: u16 = status
        .parse()
        .map_err(|_| anyhow!("response '{status}': only numeric status codes are supported"))?;
    let response = resolve(doc, written)?;
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
        component: component_of_ref(written),
        description: text(response, "description"),
        content: media(doc, response.get("content"))?,
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

    #[test]
    fn reads_what_the_reference_pages_show() {
        let doc = serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "T", "version": "1.0.0", "description": "D",
                     "contact": {"email": "a@b.c", "name": "N"}},
            "servers": [{"url": "https://{host}/api", "variables": {"host": {"default": "x", "enum": ["x", "y"]}}}],
            "tags": [{"name": "b", "description": "Bees"}],
            "paths": {"/x": {
                "post": {"operationId": "create_x", "tags": ["a"], "deprecated": true,
                         "security": [],
                         "requestBody": {"$ref": "#/components/requestBodies/X"},
                         "responses": {"204": {"$ref": "#/components/responses/Empty"}}},
                "get": {"operationId": "list_x", "tags": ["b"],
                        "parameters": [{"name": "q", "in": "query", "style": "form", "explode": false,
                                        "schema": {"type": "string"}, "example": "v",
                                        "examples": {"one": {"$ref": "#/components/examples/One"}}}],
                        "responses": {"200": {"description": "ok"}}}
            }, "/y": {"get": {"operationId": "get_y", "responses": {"200": {"description": "ok"}}}}},
            "components": {
                "requestBodies": {"X": {"required": true, "content": {"application/json": {"schema": {"type": "object"}}}}},
                "responses": {"Empty": {"description": "none"}},
                "examples": {"One": {"summary": "S", "value": 1}},
                "schemas": {"B": {"type": "string"}, "A": {"type": "integer"}}
            }
        });
        let api = Api::with_vendor("t", Vendor::CoupaSourcing, doc).expect("model");
        let ids: Vec<_> = api.operations.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(
            ids,
            ["list_x", "create_x", "get_y"],
            "methods in METHODS order"
        );
        let written: Vec<_> = api
            .operations_in_document_order()
            .iter()
            .map(|o| o.id.as_str())
            .collect();
        assert_eq!(written, ["create_x", "list_x", "get_y"]);
        assert_eq!(api.tag_order(), ["b", "a", ""]);
        assert_eq!(api.info.contact, Some(vec!["N".into(), "a@b.c".into()]));
        assert_eq!(api.info.license, None);
        let servers = api.servers.as_ref().expect("servers");
        assert_eq!(servers[0].variables[0].values, ["x", "y"]);
        assert_eq!(api.security, None);
        let schemas: Vec<_> = api.schemas().map(|(name, _)| name.as_str()).collect();
        assert_eq!(schemas, ["B", "A"]);

        let create = &api.operations[1];
        assert!(create.deprecated && create.own_security && create.security.is_empty());
        let body = create.request_body.as_ref().expect("body");
        assert_eq!(body.component.as_deref(), Some("X"));
        assert_eq!(create.responses[0].component.as_deref(), Some("Empty"));

        let list = &api.operations[0];
        assert!(!list.own_security);
        let q = &list.parameters[0];
        assert_eq!(
            q.serialization,
            [
                ("style", serde_json::json!("form")),
                ("explode", serde_json::json!(false))
            ]
        );
        assert_eq!(q.examples.example, Some(serde_json::json!("v")));
        let one = &q.examples.examples[0];
        assert_eq!((one.name.as_str(), one.summary.as_str()), ("one", "S"));
        assert_eq!(one.value, Some(serde_json::json!(1)));
    }

    #[test]
    fn a_server_without_url_is_an_error() {
        let doc =
            serde_json::json!({"info": {"title": "t"}, "servers": [{"description": "no url"}]});
        let err = Api::with_vendor("t", Vendor::CoupaSourcing, doc).expect_err("no url");
        assert!(format!("{err:#}").contains("servers"), "{err:#}");
    }
}
