//! The server-stub generator: a trait and an axum router per API, written into the server
//! crate by `cargo xtask generate` next to the client modules.
//!
//! It reads the typed model of the *bundled* spec (the truth: JSON and XML bodies,
//! merge-patch, every response), not progenitor's client view. Per API it emits one module:
//!
//! - `SCHEMAS`: the component schemas as JSON Schema 2020-12 (the one conversion of
//!   `spendapi_spec::json_schema`, `xml` objects kept) and an `OperationSpec` static per
//!   operation (parameters, body and response media types with their schemas, security): the
//!   data the hand-written runtime validates and negotiates with;
//! - per operation, `<Op>Path` / `<Op>Query` / `<Op>Headers` parameter structs and an
//!   `<Op>Response` enum with a variant per status code; bodies are the model types of
//!   `spendapi-types`, never a second copy;
//! - the trait (one method per operation, no default bodies), a handler per operation carrying
//!   `#[utoipa::path]`, `router`/`router_with`, and `ApiDoc` (`utoipa::OpenApi`).
//!
//! Formatting is prettyplease over a `quote!` token stream, so the output is deterministic.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use super::plumbing::{self, Output, Spec, format, header};
use crate::spec::json_schema::{defs_document, to_json_schema};
use crate::spec::model::{BodyShape, Location, Media, Operation, Parameter, Response, SchemeKind};
use crate::spec::naming::{pascal, snake, trait_name};
use crate::spec::{self, component_name};

/// Where the server crate keeps its generated modules.
pub const SERVER_GENERATED: &str = "crates/spendapi-server/src/generated";

/// Renders every generated file of the server crate.
pub fn render(root: &Path, specs: &[Spec]) -> Result<Vec<Output>> {
    let mut outputs = Vec::new();
    let mut index = header("openapi/*.yaml");
    index.push_str(
        "\n//! One module per spec: the API's trait, its router and its utoipa document.\n\n",
    );
    for spec in specs {
        let module = spec.module();
        let shared = shared_names(root, spec)?;
        let code = render_api(spec, &shared)
            .with_context(|| format!("failed to generate the server stubs for {}", spec.source))?;
        outputs.push(Output {
            path: format!("{SERVER_GENERATED}/{module}.rs"),
            contents: format!("{}\n{code}", header(&spec.source)),
        });
        index.push_str(&format!(
            "#[doc = \"Generated from `{}`: the [`{module}::{}`] trait and [`{module}::router`].\"]\npub mod {module};\n",
            spec.source,
            trait_name(&spec.api.name)
        ));
    }
    outputs.push(Output {
        path: format!("{SERVER_GENERATED}/mod.rs"),
        contents: index,
    });
    Ok(outputs)
}

/// The shared components the API's vendor has: their module and schema names.
struct SharedSchemas {
    module: Ident,
    names: BTreeSet<String>,
}

fn shared_names(root: &Path, spec: &Spec) -> Result<Option<SharedSchemas>> {
    Ok(
        plumbing::shared(root, spec.api.vendor)?.map(|shared| SharedSchemas {
            module: ident(shared.components.module),
            names: shared.schema_names,
        }),
    )
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

fn lit(text: &str) -> Literal {
    Literal::string(text)
}

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// A schema as embedded JSON Schema text.
fn schema_text(schema: &Value) -> String {
    compact(&to_json_schema(schema))
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

fn doc_attr(text: &str) -> Option<TokenStream> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let text = lit(&format!(" {}", text.replace('\n', "\n ")));
    Some(quote!(#[doc = #text]))
}

/// The model types an API's code refers to, and which of them its utoipa document lists.
struct Types<'a> {
    shared: Option<&'a SharedSchemas>,
    /// Component schemas referenced from operations: they get a `doc::` alias.
    referenced: BTreeSet<String>,
    shared_used: bool,
}

impl Types<'_> {
    /// The model type of component schema `name`.
    fn model(&mut self, name: &str) -> TokenStream {
        self.referenced.insert(name.to_owned());
        let ty = ident(name);
        if self.shared.is_some_and(|s| s.names.contains(name)) {
            self.shared_used = true;
            quote!(common::#ty)
        } else {
            quote!(t::#ty)
        }
    }

    /// The Rust type of a parameter or header schema, and the utoipa `value_type` to document it
    /// with when it is a model type.
    fn scalar(&mut self, schema: &Value) -> Result<(TokenStream, Option<TokenStream>)> {
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
        Ok(match (kind, format) {
            ("integer", "int32") => (quote!(i32), None),
            ("integer", _) => (quote!(i64), None),
            ("number", "float") => (quote!(f32), None),
            ("number", _) => (quote!(f64), None),
            ("boolean", _) => (quote!(bool), None),
            ("string", "date-time") => (quote!(chrono::DateTime<chrono::FixedOffset>), None),
            ("string", "date") => (quote!(chrono::NaiveDate), None),
            ("string", "uuid") => (quote!(uuid::Uuid), None),
            ("string", _) => (quote!(String), None),
            ("array", _) => {
                let items = schema.get("items").cloned().unwrap_or(Value::Null);
                let (inner, doc) = self.scalar(&items)?;
                (quote!(Vec<#inner>), doc.map(|d| quote!(Vec<#d>)))
            }
            (other, _) => bail!("parameter schema of type '{other}' is not supported"),
        })
    }

    /// The model type of a body (a named component, or an array of one) and its utoipa type.
    fn body(&mut self, media: &Media) -> Result<(TokenStream, TokenStream)> {
        Ok(match media.shape()? {
            BodyShape::Named(name) => {
                let ty = self.model(&name);
                let doc = ident(&name);
                (ty, quote!(doc::#doc))
            }
            BodyShape::ArrayOf(name) => {
                let ty = self.model(&name);
                let doc = ident(&name);
                (quote!(Vec<#ty>), quote!(Vec<doc::#doc>))
            }
        })
    }
}

/// One media type of a body or response, ready to emit.
struct MediaOut {
    media_type: String,
    schema_text: String,
    rust: TokenStream,
    doc: TokenStream,
    key: String,
}

fn media_out(types: &mut Types<'_>, content: &[Media]) -> Result<Vec<MediaOut>> {
    content
        .iter()
        .map(|media| {
            let (rust, doc) = types.body(media)?;
            Ok(MediaOut {
                media_type: media.media_type.clone(),
                schema_text: schema_text(&media.schema),
                key: rust.to_string(),
                rust,
                doc,
            })
        })
        .collect()
}

fn media_specs(media: &[MediaOut]) -> TokenStream {
    let items = media.iter().map(|m| {
        let media_type = lit(&m.media_type);
        let schema = lit(&m.schema_text);
        quote!(rt::MediaSpec { media_type: #media_type, schema: #schema })
    });
    quote!(&[#(#items),*])
}

fn utoipa_content(media: &[MediaOut]) -> TokenStream {
    let items = media.iter().map(|m| {
        let doc = &m.doc;
        let media_type = lit(&m.media_type);
        quote!((#doc = #media_type))
    });
    quote!(content(#(#items),*))
}

/// The resource name Coupa keys JSON errors with: the XML element of the operation's success
/// body (or of its list items), else the last literal path segment.
fn resource_name(api: &spec::Api, op: &Operation) -> String {
    let success = op
        .responses
        .iter()
        .filter(|r| (200..300).contains(&r.code))
        .flat_map(|r| r.content.iter());
    let bodies = op.request_body.iter().flat_map(|b| b.content.iter());
    for media in success.chain(bodies) {
        let Ok(schema) = api.resolve(&media.schema) else {
            continue;
        };
        let target = if schema.get("type").and_then(Value::as_str) == Some("array") {
            schema
                .get("items")
                .and_then(|i| api.resolve(i).ok())
                .unwrap_or(schema)
        } else {
            schema
        };
        if let Some(name) = target.pointer("/xml/name").and_then(Value::as_str) {
            return name.to_owned();
        }
    }
    let segment = op
        .path
        .split('/')
        .rev()
        .find(|s| !s.is_empty() && !s.starts_with('{'))
        .unwrap_or("resource");
    segment
        .strip_suffix('s')
        .unwrap_or(segment)
        .replace('_', "-")
}

/// The security schemes as statics, and the static's name per scheme.
fn schemes(api: &spec::Api) -> (Vec<TokenStream>, BTreeMap<String, Ident>) {
    let mut statics = Vec::new();
    let mut idents = BTreeMap::new();
    for scheme in &api.security_schemes {
        let kind = match &scheme.kind {
            SchemeKind::Bearer => quote!(crate::SchemeKind::Bearer),
            SchemeKind::ApiKeyHeader(name) => {
                let name = lit(name);
                quote!(crate::SchemeKind::ApiKeyHeader(#name))
            }
            SchemeKind::ApiKeyQuery(name) => {
                let name = lit(name);
                quote!(crate::SchemeKind::ApiKeyQuery(#name))
            }
        };
        let static_ident = format_ident!("SCHEME_{}", snake(&scheme.name).to_uppercase());
        let name = lit(&scheme.name);
        let vendor = format_ident!("{}", api.vendor.variant());
        statics.push(quote! {
            #[doc = "A security scheme of the spec."]
            pub static #static_ident: crate::Scheme = crate::Scheme {
                name: #name,
                vendor: crate::Vendor::#vendor,
                kind: #kind,
            };
        });
        idents.insert(scheme.name.clone(), static_ident);
    }
    (statics, idents)
}

/// The pieces of the module that every operation contributes to.
#[derive(Default)]
struct Collected {
    items: Vec<TokenStream>,
    trait_methods: Vec<TokenStream>,
    handlers: Vec<TokenStream>,
    statics: Vec<Ident>,
    handler_idents: Vec<Ident>,
    /// Handlers per path, paths in document order.
    routes: Vec<(String, Vec<(&'static str, Ident)>)>,
}

impl Collected {
    fn add(&mut self, op: &Operation, rendered: RenderedOperation) {
        self.items.push(rendered.items);
        self.trait_methods.push(rendered.trait_method);
        self.handlers.push(rendered.handler);
        self.statics.push(rendered.static_ident);
        self.handler_idents.push(rendered.handler_ident.clone());
        match self.routes.iter_mut().find(|(path, _)| *path == op.path) {
            Some((_, methods)) => methods.push((op.method, rendered.handler_ident)),
            None => self
                .routes
                .push((op.path.clone(), vec![(op.method, rendered.handler_ident)])),
        }
    }

    fn route_calls(&self) -> Vec<TokenStream> {
        self.routes
            .iter()
            .map(|(path, methods)| {
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
            })
            .collect()
    }
}

fn render_api(spec: &Spec, shared: &Option<SharedSchemas>) -> Result<String> {
    let api = &spec.api;
    let mut types = Types {
        shared: shared.as_ref(),
        referenced: BTreeSet::new(),
        shared_used: false,
    };
    let trait_ident = ident(&trait_name(&api.name));
    let (scheme_statics, scheme_idents) = schemes(api);
    let schemas_text = lit(&compact(&defs_document(&api.doc)));

    let mut collected = Collected::default();
    for op in &api.operations {
        let cx = OperationContext {
            api,
            op,
            schemes: &scheme_idents,
            trait_ident: &trait_ident,
        };
        let rendered = render_operation(&cx, &mut types)
            .with_context(|| format!("operation {} ({})", op.id, op.location()))?;
        collected.add(op, rendered);
    }
    let route_calls = collected.route_calls();
    let Collected {
        items,
        trait_methods,
        handlers,
        statics,
        handler_idents,
        ..
    } = collected;

    let doc_aliases = types.referenced.iter().map(|name| {
        let alias = ident(name);
        let ty = if types.shared.is_some_and(|s| s.names.contains(name)) {
            quote!(common::#alias)
        } else {
            quote!(t::#alias)
        };
        quote!(pub type #alias = crate::mirror::Mirror<#ty>;)
    });
    // Parameter types are not collected from `IntoParams`: list every alias as a component.
    let doc_names: Vec<Ident> = types.referenced.iter().map(|name| ident(name)).collect();
    let types_module = ident(&spec.module());
    let common_use = shared.as_ref().filter(|_| types.shared_used).map(|s| {
        let module = &s.module;
        quote!(
            #[allow(unused_imports)]
            use spendapi_types::#module as common;
        )
    });
    let vendor = ident(api.vendor.variant());
    let api_name = lit(&api.name);
    let trait_doc = lit(&format!(
        " The operations of {} ({} {}). Implement every method (there are no defaults) and \
         [`crate::Verifier`], then serve [`router`].",
        api.title, api.name, api.version
    ));
    let title = lit(&api.title);
    let version = lit(&api.version);

    format(quote! {
        use axum::extract::State;
        #[allow(unused_imports)]
        use spendapi_types::#types_module as t;
        #common_use
        use crate::runtime as rt;

        /// The spec's component schemas as JSON Schema 2020-12 (`#/$defs/<Name>`), with their
        /// `xml` objects: what the runtime validates bodies and parameters against.
        pub const SCHEMAS: &str = #schemas_text;

        #(#scheme_statics)*

        /// The API as the runtime sees it.
        pub static API: rt::ApiSpec = rt::ApiSpec {
            name: #api_name,
            vendor: crate::Vendor::#vendor,
            schemas: SCHEMAS,
            operations: &[#(&#statics),*],
        };

        /// utoipa's view of the model types used by this API (see [`crate::mirror`]).
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
            let shared = rt::RouterState::new(&API, implementation, options);
            let routes = axum::Router::new() #(#route_calls)*;
            rt::finish(routes, shared)
        }

        /// The OpenAPI document derived from the handlers' annotations and the model types.
        #[derive(utoipa::OpenApi)]
        #[openapi(
            info(title = #title, version = #version),
            paths(#(#handler_idents),*),
            components(schemas(#(doc::#doc_names),*))
        )]
        pub struct ApiDoc;
    })
    .context("the generated server code does not parse")
}

/// What rendering one operation reads.
struct OperationContext<'a> {
    api: &'a spec::Api,
    op: &'a Operation,
    schemes: &'a BTreeMap<String, Ident>,
    trait_ident: &'a Ident,
}

impl OperationContext<'_> {
    fn type_name(&self) -> String {
        pascal(&self.op.id)
    }

    fn fn_ident(&self) -> Ident {
        ident(&snake(&self.op.id))
    }

    fn static_ident(&self) -> Ident {
        format_ident!("{}", snake(&self.op.id).to_uppercase())
    }
}

struct RenderedOperation {
    items: TokenStream,
    trait_method: TokenStream,
    handler: TokenStream,
    static_ident: Ident,
    handler_ident: Ident,
}

/// A parameter struct (`<Op>Path`, `<Op>Query`, `<Op>Headers`) and how the handler fills it.
struct ParamStruct {
    ty: Ident,
    arg: Ident,
    method: Ident,
    tokens: TokenStream,
}

/// A request body, ready to emit.
struct BodyOut {
    media: Vec<MediaOut>,
    required: bool,
    description: String,
}

/// A response, ready to emit.
struct ResponseOut {
    variant: TokenStream,
    arm: TokenStream,
    spec: TokenStream,
    utoipa: TokenStream,
}

fn render_operation(cx: &OperationContext<'_>, types: &mut Types<'_>) -> Result<RenderedOperation> {
    let op = cx.op;
    let mut structs = Vec::new();
    for location in [Location::Path, Location::Query, Location::Header] {
        let params: Vec<&Parameter> = op.parameters_in(location).collect();
        if let Some(s) = param_struct(types, &cx.type_name(), location, &params)? {
            structs.push(s);
        }
    }
    let body = match &op.request_body {
        Some(body) => {
            let media = media_out(types, &body.content)?;
            let first = media
                .first()
                .ok_or_else(|| anyhow!("request body without content"))?;
            if media.iter().any(|m| m.key != first.key) {
                bail!("request body media types with different schemas are not supported");
            }
            Some(BodyOut {
                media,
                required: body.required,
                description: body.description.clone(),
            })
        }
        None => None,
    };
    let responses = op
        .responses
        .iter()
        .map(|response| render_response(types, response))
        .collect::<Result<Vec<_>>>()?;

    let items = operation_items(cx, &structs, body.as_ref(), &responses)?;
    let (trait_method, handler) =
        trait_method_and_handler(cx, &structs, body.as_ref(), &responses)?;
    Ok(RenderedOperation {
        items,
        trait_method,
        handler,
        static_ident: cx.static_ident(),
        handler_ident: cx.fn_ident(),
    })
}

fn param_struct(
    types: &mut Types<'_>,
    op_type: &str,
    location: Location,
    params: &[&Parameter],
) -> Result<Option<ParamStruct>> {
    if params.is_empty() {
        return Ok(None);
    }
    let (suffix, parameter_in, arg) = match location {
        Location::Path => ("Path", quote!(Path), "path"),
        Location::Query => ("Query", quote!(Query), "query"),
        Location::Header => ("Headers", quote!(Header), "headers"),
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
        let (rust, doc) = types.scalar(&param.schema)?;
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
    let what = lit(&format!(
        "The {} parameters of the operation.",
        location.as_str()
    ));
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
        method: ident(arg),
        tokens,
    }))
}

/// A response header, ready to emit.
struct HeaderOut {
    name: String,
    field: Ident,
    rust: TokenStream,
    required: bool,
    description: String,
}

fn render_response(types: &mut Types<'_>, response: &Response) -> Result<ResponseOut> {
    let variant = ident(&variant_name(&response.status)?);
    let media = media_out(types, &response.content)?;
    let headers = response
        .headers
        .iter()
        .map(|h| {
            Ok(HeaderOut {
                name: h.name.clone(),
                field: ident(&snake(&h.name)),
                rust: types.scalar(&h.schema)?.0,
                required: h.required,
                description: h.description.clone(),
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let variant_doc = doc_attr(&format!("{}: {}", response.status, response.description));
    let header_fields = headers.iter().map(|h| {
        let field_doc = doc_attr(&format!("The `{}` header. {}", h.name, h.description));
        let (field, rust) = (&h.field, &h.rust);
        let ty = if h.required {
            quote!(#rust)
        } else {
            quote!(Option<#rust>)
        };
        quote!(#field_doc #field: #ty,)
    });
    let header_names: Vec<&Ident> = headers.iter().map(|h| &h.field).collect();
    let (variant_tokens, pattern) = match (media.first().map(|m| &m.rust), headers.is_empty()) {
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

    let header_calls = headers.iter().map(|h| {
        let (name, field) = (lit(&h.name), &h.field);
        if h.required {
            quote!(.header(#name, Some(#field)))
        } else {
            quote!(.header(#name, #field))
        }
    });
    let code = response.code;
    let base = quote!(rt::Reply::new(#code) #(#header_calls)*);
    let arm_body = reply_body(&base, &media);

    let status = lit(&response.status);
    let specs = media_specs(&media);
    let description = lit(&response.description);
    let content = (!media.is_empty()).then(|| {
        let content = utoipa_content(&media);
        quote!(, #content)
    });
    let utoipa_headers = (!headers.is_empty()).then(|| {
        let entries = headers.iter().map(|h| {
            let (name, rust, description) = (lit(&h.name), &h.rust, lit(&h.description));
            quote!((#name = #rust, description = #description))
        });
        quote!(, headers(#(#entries),*))
    });
    Ok(ResponseOut {
        variant: variant_tokens,
        arm: quote!(#pattern => #arm_body,),
        spec: quote!(rt::ResponseSpec { status: #status, media: #specs }),
        utoipa: quote!((status = #code, description = #description #content #utoipa_headers)),
    })
}

/// How a response variant renders its body: in the one media type it has, or in the
/// negotiated one of several (transcoding when they have different schemas).
fn reply_body(base: &TokenStream, media: &[MediaOut]) -> TokenStream {
    let Some((first, rest)) = media.split_first() else {
        return base.clone();
    };
    let media_type = lit(&first.media_type);
    let schema = lit(&first.schema_text);
    if rest.is_empty() {
        return quote!(#base.body(cx, #media_type, #schema, &body));
    }
    let offered: Vec<Literal> = media.iter().map(|m| lit(&m.media_type)).collect();
    let arms = rest.iter().map(|m| {
        let media_type = lit(&m.media_type);
        let schema = lit(&m.schema_text);
        let value = if m.key == first.key {
            quote!(&body)
        } else {
            let target = &m.rust;
            quote!(&<_ as rt::Transcode<#target>>::transcode(&body))
        };
        quote!(#media_type => #base.body(cx, #media_type, #schema, #value),)
    });
    quote! {
        match rt::pick(media, &[#(#offered),*]) {
            #(#arms)*
            _ => #base.body(cx, #media_type, #schema, &body),
        }
    }
}

/// The security alternatives as runtime requirements and as utoipa's `security(...)` entries.
fn security(cx: &OperationContext<'_>) -> Result<(Vec<TokenStream>, Vec<TokenStream>)> {
    let mut alternatives = Vec::new();
    let mut utoipa = Vec::new();
    for alternative in &cx.op.security {
        let mut requirements = Vec::new();
        let mut entries = Vec::new();
        for (scheme, scopes) in alternative {
            let scheme_ident = cx
                .schemes
                .get(scheme)
                .ok_or_else(|| anyhow!("unknown security scheme '{scheme}'"))?;
            let scopes: Vec<Literal> = scopes.iter().map(|s| lit(s)).collect();
            requirements.push(
                quote!(crate::Requirement { scheme: &#scheme_ident, scopes: &[#(#scopes),*] }),
            );
            let scheme = lit(scheme);
            entries.push(quote!(#scheme = [#(#scopes),*]));
        }
        alternatives.push(quote!(&[#(#requirements),*]));
        utoipa.push(quote!((#(#entries),*)));
    }
    Ok((alternatives, utoipa))
}

/// The operation's static description, parameter structs and response enum.
fn operation_items(
    cx: &OperationContext<'_>,
    structs: &[ParamStruct],
    body: Option<&BodyOut>,
    responses: &[ResponseOut],
) -> Result<TokenStream> {
    let op = cx.op;
    let param_specs = op.parameters.iter().map(|param| {
        let name = lit(&param.name);
        let location = match param.location {
            Location::Path => quote!(rt::Location::Path),
            Location::Query => quote!(rt::Location::Query),
            Location::Header => quote!(rt::Location::Header),
        };
        let required = param.required;
        let schema = lit(&schema_text(&param.schema));
        quote!(rt::ParamSpec { name: #name, location: #location, required: #required, schema: #schema })
    });
    let body_spec = match body {
        Some(body) => {
            let specs = media_specs(&body.media);
            let required = body.required;
            quote!(Some(rt::BodySpec { required: #required, media: #specs }))
        }
        None => quote!(None),
    };
    let (alternatives, _) = security(cx)?;
    let static_ident = cx.static_ident();
    let id = lit(&op.id);
    let method = lit(&op.method.to_uppercase());
    let path = lit(&op.path);
    let resource = lit(&resource_name(cx.api, op));
    let static_doc = lit(&format!(
        " `{}` (`{}`), as the runtime sees it.",
        op.location(),
        op.id
    ));
    let response_ident = format_ident!("{}Response", cx.type_name());
    let response_doc = lit(&format!(
        " The documented responses of `{}`, one variant per status code.",
        op.id
    ));
    let struct_tokens = structs.iter().map(|s| &s.tokens);
    let response_specs = responses.iter().map(|r| &r.spec);
    let variants = responses.iter().map(|r| &r.variant);
    let arms = responses.iter().map(|r| &r.arm);
    Ok(quote! {
        #[doc = #static_doc]
        pub static #static_ident: rt::OperationSpec = rt::OperationSpec {
            id: #id,
            method: #method,
            path: #path,
            resource: #resource,
            security: &[#(#alternatives),*],
            params: &[#(#param_specs),*],
            body: #body_spec,
            responses: &[#(#response_specs),*],
        };
        #(#struct_tokens)*
        #[doc = #response_doc]
        #[derive(Debug, Clone, PartialEq)]
        pub enum #response_ident {
            #(#variants)*
        }
        impl #response_ident {
            /// Renders the response in the negotiated media type (or the one this status offers).
            pub fn into_reply(self, cx: &rt::ReplyContext) -> rt::Reply {
                let media = cx.media;
                let _ = media;
                match self {
                    #(#arms)*
                }
            }
        }
    })
}

/// The trait method, and the handler (with its utoipa annotation) that decodes the request
/// and calls it.
fn trait_method_and_handler(
    cx: &OperationContext<'_>,
    structs: &[ParamStruct],
    body: Option<&BodyOut>,
    responses: &[ResponseOut],
) -> Result<(TokenStream, TokenStream)> {
    let op = cx.op;
    let fn_ident = cx.fn_ident();
    let response_ident = format_ident!("{}Response", cx.type_name());
    let mut args = vec![quote!(caller: crate::Caller)];
    let mut call_args = vec![quote!(input.caller)];
    let mut decodes = Vec::new();
    for s in structs {
        let (arg, ty, method) = (&s.arg, &s.ty, &s.method);
        args.push(quote!(#arg: #ty));
        call_args.push(quote!(#arg));
        decodes.push(quote!(let #arg: #ty = input.#method()?;));
    }
    if let Some(body) = body {
        let ty = &body.media[0].rust;
        if body.required {
            args.push(quote!(body: #ty));
            decodes.push(quote!(let body: #ty = input.body()?;));
        } else {
            args.push(quote!(body: Option<#ty>));
            decodes.push(quote!(let body: Option<#ty> = input.optional_body()?;));
        }
        call_args.push(quote!(body));
    }
    let method_doc = doc_attr(&format!(
        "`{}`: {}\n\n{}",
        op.location(),
        op.summary,
        op.description
    ));
    let trait_method = quote! {
        #method_doc
        fn #fn_ident(&self, #(#args),*) -> impl std::future::Future<Output = #response_ident> + Send;
    };

    let (_, utoipa_security) = security(cx)?;
    let method_ident = ident(op.method);
    let operation_id = lit(&op.id);
    let path = lit(&op.path);
    let tag_attr = op.tags.first().map(|t| {
        let t = lit(t);
        quote!(tag = #t,)
    });
    let summary_attr = (!op.summary.is_empty()).then(|| {
        let s = lit(&op.summary);
        quote!(summary = #s,)
    });
    let param_types: Vec<&Ident> = structs.iter().map(|s| &s.ty).collect();
    let params_attr = (!param_types.is_empty()).then(|| quote!(params(#(#param_types),*),));
    let body_attr = body.map(|body| {
        let content = utoipa_content(&body.media);
        let description = lit(&body.description);
        quote!(request_body(description = #description, #content),)
    });
    let utoipa_responses = responses.iter().map(|r| &r.utoipa);
    let security_attr =
        (!utoipa_security.is_empty()).then(|| quote!(security(#(#utoipa_security),*),));
    let handler_doc = lit(&format!(" Handles `{}` (`{}`).", op.location(), op.id));
    let input_pattern = if decodes.is_empty() {
        quote!(input)
    } else {
        quote!(mut input)
    };
    let (static_ident, trait_ident) = (cx.static_ident(), cx.trait_ident);
    let handler = quote! {
        #[doc = #handler_doc]
        #[utoipa::path(
            #method_ident,
            path = #path,
            operation_id = #operation_id,
            #tag_attr
            #summary_attr
            #params_attr
            #body_attr
            responses(#(#utoipa_responses),*),
            #security_attr
        )]
        pub async fn #fn_ident<S: #trait_ident>(State(shared): State<rt::RouterState<S>>, request: rt::Request) -> rt::Response {
            shared
                .handle(&#static_ident, request, |api, #input_pattern| async move {
                    #(#decodes)*
                    let reply = input.reply;
                    Ok(api.#fn_ident(#(#call_args),*).await.into_reply(&reply))
                })
                .await
        }
    };
    Ok((trait_method, handler))
}
