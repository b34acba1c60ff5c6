//! The server-stub generator: a trait and an axum router per API, written into the server
//! crate by `cargo xtask generate` next to the client modules.
//!
//! It reads the *bundled* spec (the truth: JSON and XML bodies, merge-patch, every response),
//! not progenitor's client view. Per API it emits one module with:
//!
//! - `SCHEMAS`: the component schemas as JSON Schema 2020-12 (`nullable` turned into type
//!   unions, references as `#/$defs/<Name>`, `xml` objects kept) and an `OperationSpec` static
//!   per operation (parameters, body and response media types with their schemas, security):
//!   the data the hand-written runtime validates and negotiates with;
//! - per operation, `<Op>Path` / `<Op>Query` / `<Op>Headers` parameter structs and an
//!   `<Op>Response` enum with a variant per status code; bodies are the client crate's types
//!   (`spendapi_client::generated::<api>::types`), never a second copy;
//! - the trait (one method per operation, no default bodies), a handler per operation carrying
//!   `#[utoipa::path]`, `router`/`router_with`, and `ApiDoc` (`utoipa::OpenApi`).
//!
//! Formatting is prettyplease over a `quote!` token stream, so the output is deterministic.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};
use serde_json::{Map, Value};

use crate::generate::{self, Output};
use crate::lint::{METHODS, openapi_to_json_schema};
use crate::spec;

/// Where the server crate keeps its generated modules.
pub const SERVER_GENERATED: &str = "crates/spendapi-server/src/generated";

/// Renders every generated file of the server crate.
pub fn render(root: &Path) -> Result<Vec<Output>> {
    let common = generate::common_schema_names(root)?;
    let mut outputs = Vec::new();
    let mut modules = Vec::new();
    for path in spec::spec_files(root)? {
        let api = spec::api_name(&path);
        let source = spec::display(root, &path);
        let bundled = spec::bundle(&path).with_context(|| format!("failed to bundle {source}"))?;
        let module = generate::module_name(&api);
        let code = render_api(&api, &bundled, &common)
            .with_context(|| format!("failed to generate the server stubs for {source}"))?;
        outputs.push(Output {
            path: format!("{SERVER_GENERATED}/{module}.rs"),
            contents: format!("{}\n{code}", generate::header(&source)),
        });
        modules.push((module, source, trait_name(&api)));
    }
    let mut mod_rs = generate::header("openapi/*.yaml");
    mod_rs.push_str(
        "\n//! One module per spec: the API's trait, its router and its utoipa document.\n\n",
    );
    for (module, source, trait_name) in &modules {
        mod_rs.push_str(&format!(
            "#[doc = \"Generated from `{source}`: the [`{module}::{trait_name}`] trait and [`{module}::router`].\"]\npub mod {module};\n"
        ));
    }
    outputs.push(Output {
        path: format!("{SERVER_GENERATED}/mod.rs"),
        contents: mod_rs,
    });
    Ok(outputs)
}

/// `coupa-accounts` → `CoupaAccounts`.
pub fn trait_name(api: &str) -> String {
    pascal(api)
}

fn pascal(text: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            if upper {
                out.push(ch.to_ascii_uppercase());
            } else {
                out.push(ch);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    out
}

/// `userID` → `user_id`, `name[contains]` → `name_contains`, `Accept-Language` → `accept_language`.
fn snake(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    for (i, &ch) in chars.iter().enumerate() {
        if ch.is_ascii_alphanumeric() {
            if ch.is_ascii_uppercase() {
                let prev = i.checked_sub(1).map(|j| chars[j]);
                let next = chars.get(i + 1).copied();
                let boundary = prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
                    || (prev.is_some_and(|p| p.is_ascii_uppercase())
                        && next.is_some_and(|n| n.is_ascii_lowercase()));
                if boundary && !out.ends_with('_') {
                    out.push('_');
                }
            }
            out.push(ch.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_owned();
    let out = if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{out}")
    } else {
        out
    };
    if is_keyword(&out) {
        format!("{out}_")
    } else {
        out
    }
}

fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "as" | "async"
            | "await"
            | "box"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "gen"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "yield"
            | ""
    )
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

fn lit(text: &str) -> Literal {
    Literal::string(text)
}

/// The variant of a response enum for a status code.
fn variant_name(status: &str) -> Result<String> {
    let code: u16 = status.parse().map_err(|_| {
        anyhow!(
            "response '{status}': only numeric status codes are supported by the server generator"
        )
    })?;
    Ok(match code {
        200 => "Ok".into(),
        201 => "Created".into(),
        202 => "Accepted".into(),
        204 => "NoContent".into(),
        301 => "MovedPermanently".into(),
        304 => "NotModified".into(),
        400 => "BadRequest".into(),
        401 => "Unauthorized".into(),
        403 => "Forbidden".into(),
        404 => "NotFound".into(),
        405 => "MethodNotAllowed".into(),
        406 => "NotAcceptable".into(),
        409 => "Conflict".into(),
        410 => "Gone".into(),
        412 => "PreconditionFailed".into(),
        413 => "PayloadTooLarge".into(),
        415 => "UnsupportedMediaType".into(),
        422 => "UnprocessableEntity".into(),
        429 => "TooManyRequests".into(),
        500 => "InternalServerError".into(),
        502 => "BadGateway".into(),
        503 => "ServiceUnavailable".into(),
        other => format!("Status{other}"),
    })
}

/// The vendor of an API, from its name.
fn vendor(api: &str) -> Result<TokenStream> {
    Ok(if api.starts_with("coupa-") {
        quote!(crate::Vendor::CoupaCore)
    } else if api.starts_with("cso-") {
        quote!(crate::Vendor::CoupaSourcing)
    } else if api.starts_with("concur-") {
        quote!(crate::Vendor::Concur)
    } else {
        bail!("cannot tell the vendor of '{api}' (expected a coupa-, cso- or concur- prefix)")
    })
}

/// Follows a local `$ref` (`#/components/<section>/<name>`) one or more steps.
fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> Result<&'a Value> {
    for _ in 0..8 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return Ok(value);
        };
        let pointer = reference.strip_prefix('#').ok_or_else(|| {
            anyhow!("reference '{reference}' is not local (bundle the spec first)")
        })?;
        value = doc
            .pointer(pointer)
            .ok_or_else(|| anyhow!("unresolvable reference '{reference}'"))?;
    }
    bail!("reference chain too long")
}

/// The component schema a schema names: a `$ref` or a single-entry `allOf` of one.
fn component_name(schema: &Value) -> Option<String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference
            .strip_prefix("#/components/schemas/")
            .map(spec::unescape);
    }
    match schema.get("allOf").and_then(Value::as_array) {
        Some(parts) if parts.len() == 1 => component_name(&parts[0]),
        _ => None,
    }
}

/// An OpenAPI 3.0 schema as JSON Schema 2020-12 text: `nullable` as type unions, component
/// references as `#/$defs/<Name>`, without documentation keywords and `x-` extensions.
fn json_schema(schema: &Value) -> Value {
    let mut converted = openapi_to_json_schema(schema);
    tidy(&mut converted);
    converted
}

fn tidy(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|key, _| {
                !key.starts_with("x-")
                    && !matches!(
                        key.as_str(),
                        "description" | "example" | "examples" | "externalDocs" | "title"
                    )
            });
            map.remove("nullable");
            if let Some(Value::String(reference)) = map.get_mut("$ref")
                && let Some(name) = reference.strip_prefix("#/components/schemas/")
            {
                *reference = format!("#/$defs/{name}");
            }
            // OpenAPI 3.0's boolean exclusive bounds become 2020-12's numeric ones.
            for (flag, bound) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                if let Some(Value::Bool(exclusive)) = map.get(flag).cloned() {
                    map.remove(flag);
                    if exclusive && let Some(limit) = map.remove(bound) {
                        map.insert(flag.to_owned(), limit);
                    }
                }
            }
            for (key, child) in map.iter_mut() {
                // `properties` maps names to schemas: only its values are schemas.
                if key == "properties" {
                    if let Value::Object(properties) = child {
                        properties.values_mut().for_each(tidy);
                    }
                } else if key != "enum" && key != "default" && key != "xml" {
                    tidy(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(tidy),
        _ => {}
    }
}

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Everything the generator knows about one API while rendering it.
struct Api<'a> {
    doc: &'a Value,
    client_module: Ident,
    common: &'a BTreeSet<String>,
    uses_common: bool,
    /// Component schemas referenced from operations: they get a `doc::` alias.
    referenced: BTreeSet<String>,
    common_used: bool,
}

impl Api<'_> {
    /// The client type of component schema `name`.
    fn model(&mut self, name: &str) -> TokenStream {
        self.referenced.insert(name.to_owned());
        let ty = ident(name);
        if self.uses_common && self.common.contains(name) {
            self.common_used = true;
            quote!(common::#ty)
        } else {
            quote!(t::#ty)
        }
    }

    /// The Rust type of a parameter or header schema, and the utoipa `value_type` to document it
    /// with when it is a client type.
    fn scalar_type(&mut self, schema: &Value) -> Result<(TokenStream, Option<TokenStream>)> {
        if let Some(name) = component_name(schema) {
            let ty = self.model(&name);
            let doc = ident(&name);
            return Ok((ty, Some(quote!(doc::#doc))));
        }
        let kind = schema
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("string");
        let format = schema
            .get("format")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Ok(match kind {
            "integer" if format == "int32" => (quote!(i32), None),
            "integer" => (quote!(i64), None),
            "number" if format == "float" => (quote!(f32), None),
            "number" => (quote!(f64), None),
            "boolean" => (quote!(bool), None),
            "string" => match format {
                "date-time" => (quote!(chrono::DateTime<chrono::FixedOffset>), None),
                "date" => (quote!(chrono::NaiveDate), None),
                "uuid" => (quote!(uuid::Uuid), None),
                _ => (quote!(String), None),
            },
            "array" => {
                let items = schema.get("items").cloned().unwrap_or(Value::Null);
                let (inner, doc) = self.scalar_type(&items)?;
                (quote!(Vec<#inner>), doc.map(|d| quote!(Vec<#d>)))
            }
            other => bail!("parameter schema of type '{other}' is not supported"),
        })
    }

    /// The client type of a body schema (a named component, or an array of one).
    fn body_type(&mut self, schema: &Value) -> Result<(TokenStream, TokenStream)> {
        if let Some(name) = component_name(schema) {
            let ty = self.model(&name);
            let doc = ident(&name);
            return Ok((ty, quote!(doc::#doc)));
        }
        if schema.get("type").and_then(Value::as_str) == Some("array")
            && let Some(name) = schema.get("items").and_then(component_name)
        {
            let ty = self.model(&name);
            let doc = ident(&name);
            return Ok((quote!(Vec<#ty>), quote!(Vec<doc::#doc>)));
        }
        bail!("body schemas must be named components (or arrays of them)")
    }
}

/// A parameter of one operation.
struct Param {
    name: String,
    location: &'static str,
    required: bool,
    description: String,
    schema: Value,
}

fn operation_params(doc: &Value, item: &Value, op: &Value) -> Result<Vec<Param>> {
    let mut merged: Vec<(String, String, Value)> = Vec::new();
    for list in [item.get("parameters"), op.get("parameters")]
        .into_iter()
        .flatten()
    {
        for raw in list.as_array().into_iter().flatten() {
            let param = resolve(doc, raw)?;
            let name = param
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| anyhow!("parameter without a name"))?;
            let location = param.get("in").and_then(Value::as_str).unwrap_or_default();
            // Operation-level parameters override path-item-level ones of the same name and place.
            merged.retain(|(n, l, _)| !(n == name && l == location));
            merged.push((name.to_owned(), location.to_owned(), param.clone()));
        }
    }
    let mut out = Vec::new();
    for (name, location, param) in merged {
        let location = match location.as_str() {
            "path" => "path",
            "query" => "query",
            "header" => "header",
            other => bail!("parameter '{name}' in '{other}' is not supported"),
        };
        let schema = param.get("schema").cloned().unwrap_or(Value::Null);
        let schema = match component_name(&schema) {
            Some(_) => schema,
            None => resolve(doc, &schema)?.clone(),
        };
        out.push(Param {
            required: location == "path"
                || param
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            description: param
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .trim()
                .to_owned(),
            name,
            location,
            schema,
        });
    }
    Ok(out)
}

/// A parameter struct (`<Op>Path`, `<Op>Query`, `<Op>Headers`) and how the handler fills it.
struct ParamStruct {
    ty: Ident,
    arg: Ident,
    method: Ident,
    tokens: TokenStream,
}

fn param_struct(
    api: &mut Api<'_>,
    op_type: &str,
    location: &str,
    params: &[&Param],
) -> Result<Option<ParamStruct>> {
    if params.is_empty() {
        return Ok(None);
    }
    let (suffix, parameter_in, arg, method) = match location {
        "path" => ("Path", quote!(Path), "path", "path"),
        "query" => ("Query", quote!(Query), "query", "query"),
        _ => ("Headers", quote!(Header), "headers", "headers"),
    };
    let ty = format_ident!("{op_type}{suffix}");
    let mut used = BTreeSet::new();
    let mut fields = Vec::new();
    for param in params {
        let mut field = snake(&param.name);
        while !used.insert(field.clone()) {
            field.push('_');
        }
        let field_ident = ident(&field);
        let (rust, doc) = api.scalar_type(&param.schema)?;
        let (rust, doc) = if param.required {
            (rust, doc)
        } else {
            (quote!(Option<#rust>), doc.map(|d| quote!(Option<#d>)))
        };
        let rename = (field != param.name).then(|| {
            let name = lit(&param.name);
            quote!(#[serde(rename = #name)])
        });
        let value_type = doc.map(|d| quote!(#[param(value_type = #d)]));
        let description = doc_attr(&param.description);
        fields.push(quote! {
            #description
            #rename
            #value_type
            pub #field_ident: #rust,
        });
    }
    let what = lit(&format!("The {location} parameters of the operation."));
    let tokens = quote! {
        #[doc = #what]
        #[derive(Debug, Clone, PartialEq, serde::Deserialize, utoipa::IntoParams)]
        #[into_params(parameter_in = #parameter_in)]
        pub struct #ty {
            #(#fields)*
        }
    };
    Ok(Some(ParamStruct {
        ty,
        arg: ident(arg),
        method: ident(method),
        tokens,
    }))
}

fn doc_attr(text: &str) -> Option<TokenStream> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let text = lit(&format!(" {}", text.replace('\n', "\n ")));
    Some(quote!(#[doc = #text]))
}

/// One media type of a body or response: its schema (as embedded JSON Schema text), the client
/// type and the utoipa type.
struct Media {
    media_type: String,
    schema_text: String,
    rust: TokenStream,
    doc: TokenStream,
    key: String,
}

fn media_list(api: &mut Api<'_>, content: Option<&Value>) -> Result<Vec<Media>> {
    let mut out = Vec::new();
    for (media_type, media) in content.and_then(Value::as_object).into_iter().flatten() {
        let schema = media
            .get("schema")
            .ok_or_else(|| anyhow!("media type {media_type} has no schema"))?;
        let (rust, doc) = api.body_type(schema)?;
        out.push(Media {
            media_type: media_type.clone(),
            schema_text: compact(&json_schema(schema)),
            key: rust.to_string(),
            rust,
            doc,
        });
    }
    Ok(out)
}

fn media_specs(media: &[Media]) -> TokenStream {
    let items = media.iter().map(|m| {
        let media_type = lit(&m.media_type);
        let schema = lit(&m.schema_text);
        quote!(rt::MediaSpec { media_type: #media_type, schema: #schema })
    });
    quote!(&[#(#items),*])
}

fn utoipa_content(media: &[Media]) -> TokenStream {
    let items = media.iter().map(|m| {
        let doc = &m.doc;
        let media_type = lit(&m.media_type);
        quote!((#doc = #media_type))
    });
    quote!(content(#(#items),*))
}

/// The resource name Coupa keys JSON errors with: the XML element of the operation's success
/// body (or of its list items), else the last literal path segment.
fn resource_name(doc: &Value, op: &Value, path: &str) -> String {
    let mut candidates = Vec::new();
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        for (status, response) in responses {
            if status.starts_with('2')
                && let Ok(response) = resolve(doc, response)
                && let Some(content) = response.get("content").and_then(Value::as_object)
            {
                candidates.extend(content.values().filter_map(|m| m.get("schema")).cloned());
            }
        }
    }
    if let Some(content) = op
        .pointer("/requestBody/content")
        .and_then(Value::as_object)
    {
        candidates.extend(content.values().filter_map(|m| m.get("schema")).cloned());
    }
    for schema in candidates {
        let Ok(schema) = resolve(doc, &schema) else {
            continue;
        };
        let target = if schema.get("type").and_then(Value::as_str) == Some("array") {
            schema
                .get("items")
                .and_then(|i| resolve(doc, i).ok())
                .unwrap_or(schema)
        } else {
            schema
        };
        if let Some(name) = target.pointer("/xml/name").and_then(Value::as_str) {
            return name.to_owned();
        }
    }
    let segment = path
        .split('/')
        .rev()
        .find(|s| !s.is_empty() && !s.starts_with('{'))
        .unwrap_or("resource");
    segment
        .strip_suffix('s')
        .unwrap_or(segment)
        .replace('_', "-")
}

fn render_api(api_name: &str, doc: &Value, common: &BTreeSet<String>) -> Result<String> {
    let module = generate::module_name(api_name);
    let mut api = Api {
        doc,
        client_module: ident(&module),
        common,
        uses_common: api_name.starts_with("coupa-"),
        referenced: BTreeSet::new(),
        common_used: false,
    };
    let vendor = vendor(api_name)?;
    let trait_ident = ident(&trait_name(api_name));
    let title = doc
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or(api_name)
        .to_owned();
    let version = doc
        .pointer("/info/version")
        .and_then(Value::as_str)
        .unwrap_or("0")
        .to_owned();

    // Security schemes.
    let mut schemes = Vec::new();
    let mut scheme_idents = BTreeMap::new();
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
            "oauth2" | "openIdConnect" => quote!(crate::SchemeKind::Bearer),
            "http"
                if scheme
                    .get("scheme")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.eq_ignore_ascii_case("bearer")) =>
            {
                quote!(crate::SchemeKind::Bearer)
            }
            "apiKey" => {
                let header = lit(scheme
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default());
                match scheme.get("in").and_then(Value::as_str) {
                    Some("header") => quote!(crate::SchemeKind::ApiKeyHeader(#header)),
                    Some("query") => quote!(crate::SchemeKind::ApiKeyQuery(#header)),
                    other => {
                        bail!("security scheme '{name}': API keys in {other:?} are not supported")
                    }
                }
            }
            other => bail!("security scheme '{name}' of type '{other}' is not supported"),
        };
        let static_ident = format_ident!("SCHEME_{}", snake(name).to_uppercase());
        let name_lit = lit(name);
        schemes.push(quote! {
            #[doc = "A security scheme of the spec."]
            pub static #static_ident: crate::Scheme = crate::Scheme { name: #name_lit, kind: #kind };
        });
        scheme_idents.insert(name.clone(), static_ident);
    }

    // Component schemas as JSON Schema.
    let mut defs = Map::new();
    for (name, schema) in doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        defs.insert(name.clone(), json_schema(schema));
    }
    let schemas_text = lit(&compact(&serde_json::json!({ "$defs": defs })));

    let mut items = Vec::new();
    let mut trait_methods = Vec::new();
    let mut handlers = Vec::new();
    let mut op_statics = Vec::new();
    let mut handler_idents = Vec::new();
    let mut routes: BTreeMap<String, Vec<(String, Ident)>> = BTreeMap::new();
    let mut route_order: Vec<String> = Vec::new();

    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| anyhow!("the spec has no paths"))?;
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .ok_or_else(|| anyhow!("{method} {path}: no operationId"))?;
            let location = format!("operation {id} ({} {path})", method.to_uppercase());
            let rendered = render_operation(
                &mut api,
                path,
                method,
                item,
                op,
                &scheme_idents,
                &trait_ident,
            )
            .with_context(|| location.clone())?;
            items.push(rendered.items);
            trait_methods.push(rendered.trait_method);
            handlers.push(rendered.handler);
            op_statics.push(rendered.static_ident.clone());
            handler_idents.push(rendered.handler_ident.clone());
            if !routes.contains_key(path) {
                route_order.push(path.clone());
            }
            routes
                .entry(path.clone())
                .or_default()
                .push((method.to_owned(), rendered.handler_ident));
        }
    }

    let route_calls = route_order.iter().map(|path| {
        let methods = &routes[path];
        let allow: Vec<Literal> = methods
            .iter()
            .map(|(m, _)| lit(&m.to_uppercase()))
            .collect();
        let calls = methods.iter().map(|(method, handler)| {
            let method = ident(method);
            quote!(.#method(#handler::<S>))
        });
        let path = lit(path);
        quote!(.route(#path, rt::methods::<S>(&[#(#allow),*]) #(#calls)*))
    });

    let doc_aliases = api.referenced.iter().map(|name| {
        let alias = ident(name);
        let ty = if api.uses_common && api.common.contains(name) {
            quote!(common::#alias)
        } else {
            quote!(t::#alias)
        };
        quote!(pub type #alias = crate::mirror::Mirror<#ty>;)
    });
    // Parameter types are not collected from `IntoParams`: list every alias as a component.
    let doc_names: Vec<Ident> = api.referenced.iter().map(|name| ident(name)).collect();
    let client_module = &api.client_module;
    let common_use = api.common_used.then(|| {
        quote!(
            #[allow(unused_imports)]
            use spendapi_client::generated::coupa_common::types as common;
        )
    });
    let api_name_lit = lit(api_name);
    let trait_doc = lit(&format!(
        " The operations of {title} ({api_name} {version}). Implement every method (there are no \
         defaults) and [`crate::Verifier`], then serve [`router`]."
    ));
    let title_lit = lit(&title);
    let version_lit = lit(&version);

    let tokens = quote! {
        use axum::extract::State;
        #[allow(unused_imports)]
        use spendapi_client::generated::#client_module::types as t;
        #common_use
        use crate::runtime as rt;

        /// The spec's component schemas as JSON Schema 2020-12 (`#/$defs/<Name>`), with their
        /// `xml` objects: what the runtime validates bodies and parameters against.
        pub const SCHEMAS: &str = #schemas_text;

        #(#schemes)*

        /// The API as the runtime sees it.
        pub static API: rt::ApiSpec = rt::ApiSpec {
            name: #api_name_lit,
            vendor: #vendor,
            schemas: SCHEMAS,
            operations: &[#(&#op_statics),*],
        };

        /// utoipa's view of the client types used by this API (see [`crate::mirror`]).
        pub mod doc {
            #[allow(unused_imports)]
            use super::*;
            #(#doc_aliases)*
        }

        #(#items)*

        #[doc = #trait_doc]
        pub trait #trait_ident: crate::Verifier {
            #(#trait_methods)*
        }

        #(#handlers)*

        /// Serves every operation of the API with default [`crate::Options`].
        pub fn router<S: #trait_ident>(implementation: S) -> axum::Router {
            router_with(implementation, crate::Options::default())
        }

        /// Serves every operation of the API at its documented method and path.
        pub fn router_with<S: #trait_ident>(implementation: S, options: crate::Options) -> axum::Router {
            let shared = rt::Shared::new(&API, implementation, options);
            let routes = axum::Router::new() #(#route_calls)*;
            rt::finish(routes, shared)
        }

        /// The OpenAPI document derived from the handlers' annotations and the client types.
        #[derive(utoipa::OpenApi)]
        #[openapi(
            info(title = #title_lit, version = #version_lit),
            paths(#(#handler_idents),*),
            components(schemas(#(doc::#doc_names),*))
        )]
        pub struct ApiDoc;
    };
    let file: syn::File =
        syn::parse2(tokens).context("the generated server code does not parse")?;
    Ok(prettyplease::unparse(&file))
}

struct RenderedOperation {
    items: TokenStream,
    trait_method: TokenStream,
    handler: TokenStream,
    static_ident: Ident,
    handler_ident: Ident,
}

fn render_operation(
    api: &mut Api<'_>,
    path: &str,
    method: &str,
    item: &Value,
    op: &Value,
    schemes: &BTreeMap<String, Ident>,
    trait_ident: &Ident,
) -> Result<RenderedOperation> {
    let doc = api.doc;
    let id = op
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let op_type = pascal(id);
    let fn_ident = ident(&snake(id));
    let static_ident = format_ident!("{}", snake(id).to_uppercase());
    let summary = op
        .get("summary")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_owned();
    let description = op
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_owned();
    let tag = op
        .pointer("/tags/0")
        .and_then(Value::as_str)
        .map(str::to_owned);

    // Parameters.
    let params = operation_params(doc, item, op)?;
    let mut structs = Vec::new();
    let mut param_specs = Vec::new();
    for location in ["path", "query", "header"] {
        let group: Vec<&Param> = params.iter().filter(|p| p.location == location).collect();
        if let Some(s) = param_struct(api, &op_type, location, &group)? {
            structs.push(s);
        }
    }
    for param in &params {
        let name = lit(&param.name);
        let location = match param.location {
            "path" => quote!(rt::Location::Path),
            "query" => quote!(rt::Location::Query),
            _ => quote!(rt::Location::Header),
        };
        let required = param.required;
        let schema = lit(&compact(&json_schema(&param.schema)));
        param_specs.push(quote!(rt::ParamSpec { name: #name, location: #location, required: #required, schema: #schema }));
    }

    // Request body.
    let body = match op.get("requestBody") {
        Some(body) => {
            let body = resolve(doc, body)?;
            let media = media_list(api, body.get("content"))?;
            let first = media
                .first()
                .ok_or_else(|| anyhow!("request body without content"))?;
            if media.iter().any(|m| m.key != first.key) {
                bail!("request body media types with different schemas are not supported");
            }
            let required = body
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let description = body
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .trim()
                .to_owned();
            Some((media, required, description))
        }
        None => None,
    };
    let body_spec = match &body {
        Some((media, required, _)) => {
            let specs = media_specs(media);
            quote!(Some(rt::BodySpec { required: #required, media: #specs }))
        }
        None => quote!(None),
    };

    // Responses.
    let response_ident = format_ident!("{op_type}Response");
    let mut variants = Vec::new();
    let mut arms = Vec::new();
    let mut response_specs = Vec::new();
    let mut utoipa_responses = Vec::new();
    let responses = op
        .get("responses")
        .and_then(Value::as_object)
        .ok_or_else(|| anyhow!("no responses"))?;
    for (status, response) in responses {
        let response = resolve(doc, response)?;
        let variant = ident(&variant_name(status)?);
        let code: u16 = status.parse()?;
        let description = response
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_owned();
        let media = media_list(api, response.get("content"))?;
        let mut headers = Vec::new();
        for (name, header) in response
            .get("headers")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let header = resolve(doc, header)?;
            let schema = header.get("schema").cloned().unwrap_or(Value::Null);
            let (rust, _) = api.scalar_type(resolve(doc, &schema)?)?;
            let required = header
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let header_doc = header
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .trim()
                .to_owned();
            headers.push((
                name.clone(),
                ident(&snake(name)),
                rust,
                required,
                header_doc,
            ));
        }

        // The variant.
        let variant_doc = doc_attr(&format!("{status}: {description}"));
        let body_ty = media.first().map(|m| m.rust.clone());
        let header_fields: Vec<TokenStream> = headers
            .iter()
            .map(|(name, field, rust, required, header_doc)| {
                let field_doc = doc_attr(&format!("The `{name}` header. {header_doc}"));
                let ty = if *required {
                    quote!(#rust)
                } else {
                    quote!(Option<#rust>)
                };
                quote!(#field_doc #field: #ty,)
            })
            .collect();
        let header_names: Vec<&Ident> = headers.iter().map(|h| &h.1).collect();
        let header_calls: Vec<TokenStream> = headers
            .iter()
            .map(|(name, field, _, required, _)| {
                let name = lit(name);
                if *required {
                    quote!(.header(#name, Some(#field)))
                } else {
                    quote!(.header(#name, #field))
                }
            })
            .collect();
        let (variant_tokens, pattern) = match (&body_ty, headers.is_empty()) {
            (None, true) => (quote!(#variant_doc #variant,), quote!(Self::#variant)),
            (Some(ty), true) => (
                quote!(#variant_doc #variant(#ty),),
                quote!(Self::#variant(body)),
            ),
            (None, false) => (
                quote!(#variant_doc #variant { #(#header_fields)* },),
                quote!(Self::#variant { #(#header_names),* }),
            ),
            (Some(ty), false) => (
                quote!(#variant_doc #variant { body: #ty, #(#header_fields)* },),
                quote!(Self::#variant { body, #(#header_names),* }),
            ),
        };
        variants.push(variant_tokens);

        // Its rendering.
        let base = quote!(rt::Reply::new(#code) #(#header_calls)*);
        let arm_body = match media.split_first() {
            None => base,
            Some((first, [])) => {
                let media_type = lit(&first.media_type);
                let schema = lit(&first.schema_text);
                quote!(#base.body(#media_type, #schema, &body))
            }
            Some((first, rest)) => {
                let offered: Vec<Literal> = media.iter().map(|m| lit(&m.media_type)).collect();
                let mut media_arms = Vec::new();
                for m in rest {
                    let media_type = lit(&m.media_type);
                    let schema = lit(&m.schema_text);
                    let value = if m.key == first.key {
                        quote!(&body)
                    } else {
                        let target = &m.rust;
                        quote!(&<_ as rt::Transcode<#target>>::transcode(&body))
                    };
                    media_arms
                        .push(quote!(#media_type => #base.body(#media_type, #schema, #value),));
                }
                let media_type = lit(&first.media_type);
                let schema = lit(&first.schema_text);
                quote! {
                    match rt::pick(media, &[#(#offered),*]) {
                        #(#media_arms)*
                        _ => #base.body(#media_type, #schema, &body),
                    }
                }
            }
        };
        arms.push(quote!(#pattern => #arm_body,));

        let status_lit = lit(status);
        let specs = media_specs(&media);
        response_specs.push(quote!(rt::ResponseSpec { status: #status_lit, media: #specs }));

        let description_lit = lit(&description);
        let content = (!media.is_empty()).then(|| {
            let content = utoipa_content(&media);
            quote!(, #content)
        });
        let utoipa_headers = (!headers.is_empty()).then(|| {
            let entries = headers.iter().map(|(name, _, rust, _, header_doc)| {
                let name = lit(name);
                let header_doc = lit(header_doc);
                quote!((#name = #rust, description = #header_doc))
            });
            quote!(, headers(#(#entries),*))
        });
        utoipa_responses.push(
            quote!((status = #code, description = #description_lit #content #utoipa_headers)),
        );
    }

    // Security.
    let security_value = op.get("security").or_else(|| doc.get("security"));
    let mut alternatives = Vec::new();
    let mut utoipa_security = Vec::new();
    for alternative in security_value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mut requirements = Vec::new();
        let mut utoipa_entries = Vec::new();
        for (scheme, scopes) in alternative.as_object().into_iter().flatten() {
            let scheme_ident = schemes
                .get(scheme)
                .ok_or_else(|| anyhow!("unknown security scheme '{scheme}'"))?;
            let scopes: Vec<String> = scopes
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            let scope_lits: Vec<Literal> = scopes.iter().map(|s| lit(s)).collect();
            requirements.push(
                quote!(crate::Requirement { scheme: &#scheme_ident, scopes: &[#(#scope_lits),*] }),
            );
            let scheme_lit = lit(scheme);
            utoipa_entries.push(quote!(#scheme_lit = [#(#scope_lits),*]));
        }
        alternatives.push(quote!(&[#(#requirements),*]));
        utoipa_security.push(quote!((#(#utoipa_entries),*)));
    }

    // The static description.
    let id_lit = lit(id);
    let method_lit = lit(&method.to_uppercase());
    let path_lit = lit(path);
    let resource = lit(&resource_name(doc, op, path));
    let static_doc = lit(&format!(
        " `{} {path}` (`{id}`), as the runtime sees it.",
        method.to_uppercase()
    ));
    let op_static = quote! {
        #[doc = #static_doc]
        pub static #static_ident: rt::OperationSpec = rt::OperationSpec {
            id: #id_lit,
            method: #method_lit,
            path: #path_lit,
            resource: #resource,
            security: &[#(#alternatives),*],
            params: &[#(#param_specs),*],
            body: #body_spec,
            responses: &[#(#response_specs),*],
        };
    };

    let struct_tokens = structs.iter().map(|s| &s.tokens);
    let response_doc = lit(&format!(
        " The documented responses of `{id}`, one variant per status code."
    ));
    let items = quote! {
        #op_static
        #(#struct_tokens)*
        #[doc = #response_doc]
        #[derive(Debug, Clone, PartialEq)]
        pub enum #response_ident {
            #(#variants)*
        }
        impl #response_ident {
            /// Renders the response in the negotiated media type (or the one this status offers).
            pub fn into_reply(self, media: &'static str) -> rt::Reply {
                let _ = media;
                match self {
                    #(#arms)*
                }
            }
        }
    };

    // The trait method.
    let mut args = vec![quote!(caller: crate::Caller)];
    let mut call_args = vec![quote!(input.caller)];
    let mut decodes = Vec::new();
    for s in &structs {
        let (arg, ty, method) = (&s.arg, &s.ty, &s.method);
        args.push(quote!(#arg: #ty));
        call_args.push(quote!(#arg));
        decodes.push(quote!(let #arg: #ty = input.#method()?;));
    }
    if let Some((media, required, _)) = &body {
        let ty = &media[0].rust;
        if *required {
            args.push(quote!(body: #ty));
            decodes.push(quote!(let body: #ty = input.body()?;));
        } else {
            args.push(quote!(body: Option<#ty>));
            decodes.push(quote!(let body: Option<#ty> = input.optional_body()?;));
        }
        call_args.push(quote!(body));
    }
    let method_doc = doc_attr(&format!(
        "`{} {path}`: {summary}\n\n{description}",
        method.to_uppercase()
    ));
    let trait_method = quote! {
        #method_doc
        fn #fn_ident(&self, #(#args),*) -> impl std::future::Future<Output = #response_ident> + Send;
    };

    // The handler, with its utoipa annotation.
    let method_ident = ident(method);
    let operation_id = lit(id);
    let tag_attr = tag.map(|t| {
        let t = lit(&t);
        quote!(tag = #t,)
    });
    let summary_attr = (!summary.is_empty()).then(|| {
        let s = lit(&summary);
        quote!(summary = #s,)
    });
    let param_types: Vec<&Ident> = structs.iter().map(|s| &s.ty).collect();
    let params_attr = (!param_types.is_empty()).then(|| quote!(params(#(#param_types),*),));
    let body_attr = body.as_ref().map(|(media, _, description)| {
        let content = utoipa_content(media);
        let description = lit(description);
        quote!(request_body(description = #description, #content),)
    });
    let security_attr =
        (!utoipa_security.is_empty()).then(|| quote!(security(#(#utoipa_security),*),));
    let handler_doc = lit(&format!(
        " Handles `{} {path}` (`{id}`).",
        method.to_uppercase()
    ));
    let input_pattern = if decodes.is_empty() {
        quote!(input)
    } else {
        quote!(mut input)
    };
    let handler = quote! {
        #[doc = #handler_doc]
        #[utoipa::path(
            #method_ident,
            path = #path_lit,
            operation_id = #operation_id,
            #tag_attr
            #summary_attr
            #params_attr
            #body_attr
            responses(#(#utoipa_responses),*),
            #security_attr
        )]
        pub async fn #fn_ident<S: #trait_ident>(State(shared): State<rt::Shared<S>>, request: rt::Request) -> rt::Response {
            shared
                .handle(&#static_ident, request, |api, #input_pattern| async move {
                    #(#decodes)*
                    let media = input.media;
                    Ok(api.#fn_ident(#(#call_args),*).await.into_reply(media))
                })
                .await
        }
    };

    Ok(RenderedOperation {
        items,
        trait_method,
        handler,
        static_ident,
        handler_ident: fn_ident,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("userID"), "user_id");
        assert_eq!(snake("contextType"), "context_type");
        assert_eq!(snake("name[contains]"), "name_contains");
        assert_eq!(snake("updated-at[gt]"), "updated_at_gt");
        assert_eq!(snake("Accept-Language"), "accept_language");
        assert_eq!(snake("type"), "type_");
        assert_eq!(pascal("list_accounts"), "ListAccounts");
        assert_eq!(trait_name("cso-events"), "CsoEvents");
    }

    #[test]
    fn nullable_becomes_a_type_union_and_refs_point_into_defs() {
        let schema = serde_json::json!({
            "type": "object", "description": "x", "x-unconfirmed": "y",
            "properties": {
                "a": {"type": "string", "nullable": true, "maxLength": 3},
                "b": {"nullable": true, "allOf": [{"$ref": "#/components/schemas/B"}]},
                "description": {"type": "string"}
            }
        });
        assert_eq!(
            json_schema(&schema),
            serde_json::json!({
                "type": "object",
                "properties": {
                    "a": {"type": ["string", "null"], "maxLength": 3},
                    "b": {"anyOf": [{"allOf": [{"$ref": "#/$defs/B"}]}, {"type": "null"}]},
                    "description": {"type": "string"}
                }
            })
        );
    }
}
