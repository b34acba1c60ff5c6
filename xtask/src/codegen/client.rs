//! The client side of `cargo xtask generate`: the model types (`spendapi-types`) and the client
//! modules (`spendapi-client`), from progenitor.
//!
//! progenitor cannot take every truthful spec shape, so it reads a *client view* of each spec:
//! a copy adapted by the explicit steps in [`client_view`]. The hand-written layer of the
//! client crate restores the real behaviour (for example the real `Content-Type`).
//!
//! progenitor writes one file per spec with a `types` module inside. That module is cut out
//! (with `syn`) into the types crate, so that the server stubs use the same types without
//! compiling an HTTP client; the client module re-exports it as `types`. After progenitor's
//! code, each client module gets its *wiring*: the `ClientHooks` impl that attaches the
//! hand-written runtime and the `Connect` impl that the ready-client constructors use. The
//! generator writes it for every module, so a module without its runtime cannot exist.
//! `generated/clients.rs` groups every vendor's modules (`CoupaCoreClients`, ...) and
//! `generated/errors.rs` makes every error schema convertible into a `VendorError`.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Once;

use anyhow::{Context, Result, anyhow};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use serde_json::Value;

use super::plumbing::{self, Output, Spec, format, header};
use crate::spec::{self, Vendor, naming};

/// Where the client crate keeps its generated modules.
pub const CLIENT_GENERATED: &str = "crates/spendapi-client/src/generated";

/// Where the types crate keeps its generated modules.
pub const TYPES_GENERATED: &str = "crates/spendapi-types/src/generated";

/// The types crate, as generated code names it (the crate names itself so too, with
/// `extern crate self as spendapi_types`), so one path works in every crate.
const TYPES_CRATE: &str = "::spendapi_types";

/// One adaptation the client view made, for the snapshot and the docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adaptation {
    pub step: &'static str,
    pub location: String,
    pub detail: String,
}

impl fmt::Display for Adaptation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.step, self.location, self.detail)
    }
}

/// The media type progenitor reads for request bodies.
const JSON: &str = "application/json";

/// Derives the copy of a bundled spec that progenitor reads, recording each change.
///
/// Steps, in order:
/// 1. `request-body-json-only`: a request body offered in several media types keeps only
///    `application/json` (progenitor panics on two body media types and refuses XML and
///    `application/merge-patch+json`). A body offered only as merge-patch is relabelled
///    `application/json`; the client's hand-written layer sends the real `Content-Type`.
/// 2. `response-json-only`: a response offered as JSON and XML keeps JSON (progenitor would
///    type the JSON one and ask for it with `Accept: application/json` anyway; dropping XML keeps
///    the generated signatures free of a second, unused media type).
/// 3. `strip-extensions`: `x-` extensions are removed (progenitor reads `x-rust-type` and
///    `x-dropshot-*`; ours are documentation and must not change generation).
pub fn client_view(doc: &Value) -> (Value, Vec<Adaptation>) {
    let mut view = doc.clone();
    let mut log = Vec::new();
    spec::ops::for_each_operation_mut(&mut view, |location, op| {
        if let Some(content) = op
            .pointer_mut("/requestBody/content")
            .and_then(Value::as_object_mut)
            && (content.len() > 1 || !content.contains_key(JSON))
        {
            let offered: Vec<String> = content.keys().cloned().collect();
            let chosen = if content.contains_key(JSON) {
                Some(JSON.to_owned())
            } else {
                offered.iter().find(|m| m.ends_with("+json")).cloned()
            };
            if let Some(chosen) = chosen {
                let media = content.remove(&chosen).unwrap_or(Value::Null);
                content.clear();
                content.insert(JSON.to_owned(), media);
                log.push(Adaptation {
                    step: "request-body-json-only",
                    location: location.to_owned(),
                    detail: format!(
                        "body offered as {}; the client view keeps {chosen} as {JSON}",
                        offered.join(", ")
                    ),
                });
            }
        }
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for (status, response) in responses.iter_mut() {
                json_only_response(response, format!("{location} {status}"), &mut log);
            }
        }
    });
    if let Some(responses) = view
        .pointer_mut("/components/responses")
        .and_then(Value::as_object_mut)
    {
        for (name, response) in responses.iter_mut() {
            json_only_response(response, format!("components.responses.{name}"), &mut log);
        }
    }
    let stripped = spec::strip_extensions(&mut view);
    if stripped > 0 {
        log.push(Adaptation {
            step: "strip-extensions",
            location: "document".into(),
            detail: format!("removed {stripped} x- extension(s)"),
        });
    }
    (view, log)
}

/// Step 2 for one response object: keep only its JSON media type when it offers others too.
fn json_only_response(response: &mut Value, location: String, log: &mut Vec<Adaptation>) {
    let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    if content.len() > 1 && content.contains_key(JSON) {
        let dropped: Vec<String> = content.keys().filter(|m| *m != JSON).cloned().collect();
        content.retain(|media, _| media == JSON);
        log.push(Adaptation {
            step: "response-json-only",
            location,
            detail: format!("dropped {}", dropped.join(", ")),
        });
    }
}

/// progenitor's settings for every client module. `shared` maps schema names to the Rust path
/// of the one type that already represents them (the shared Coupa components).
pub(super) fn settings(shared: &BTreeMap<String, String>) -> progenitor::GenerationSettings {
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_inner_type(quote_path("crate::runtime::Runtime"))
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq");
    for (name, path) in shared {
        settings.with_replacement(name, path, std::iter::empty());
    }
    settings
}

fn quote_path(path: &str) -> proc_macro2::TokenStream {
    path.parse().expect("a Rust path is a token stream")
}

/// Runs progenitor over a client view, turning its errors *and panics* into a readable error
/// that names the operations responsible.
pub fn generate_code(view: &Value, shared: &BTreeMap<String, String>) -> Result<syn::File> {
    match try_generate(view, shared) {
        Ok(code) => Ok(code),
        Err(whole) => {
            // Find the culprits: generate each operation alone.
            let mut culprits = Vec::new();
            for op in spec::operations(view) {
                let mut single = view.clone();
                single["paths"] = serde_json::json!({ op.path: { op.method: op.op } });
                if let Err(err) = try_generate(&single, shared) {
                    let id = op.id().unwrap_or("<no operationId>");
                    culprits.push(format!("operation {id} ({}): {err}", op.location()));
                }
            }
            if culprits.is_empty() {
                Err(anyhow!("progenitor failed on the document: {whole}"))
            } else {
                Err(anyhow!(
                    "progenitor cannot generate:\n  {}",
                    culprits.join("\n  ")
                ))
            }
        }
    }
}

fn try_generate(view: &Value, shared: &BTreeMap<String, String>) -> Result<syn::File, String> {
    let openapi: openapiv3::OpenAPI = serde_json::from_value(view.clone())
        .map_err(|e| format!("not an OpenAPI 3.0 document: {e}"))?;
    let settings = settings(shared);
    // progenitor panics on some shapes (see shared/docs/codegen-notes.md); keep those panics
    // from reaching the user as a backtrace.
    let result = catch_silently(|| {
        let mut generator = progenitor::Generator::new(&settings);
        generator.generate_tokens(&openapi)
    });
    let tokens = match result {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(err)) => return Err(err.to_string()),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "unknown panic".into());
            return Err(format!("progenitor panicked: {message}"));
        }
    };
    syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))
}

thread_local! {
    /// Whether a panic on this thread is caught by [`catch_silently`] and must not be reported.
    static SILENCED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` and catches its panic without the panic hook reporting it.
///
/// Swapping the process-wide hook around the call would race when several threads generate at
/// once (one thread restores another's silent hook, or the original hook is lost). Instead one
/// hook is installed once per process: it delegates to the hook that was in place before,
/// except for a panic on a thread that is inside this function. (A hook set later by other code
/// replaces this one, and then reports these panics too.)
pub(super) fn catch_silently<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !SILENCED.with(Cell::get) {
                previous(info);
            }
        }));
    });
    /// Puts the flag back as it was when the call is over (a nested call keeps the outer one's).
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            SILENCED.with(|silenced| silenced.set(self.0));
        }
    }
    let _restore = Restore(SILENCED.with(|silenced| silenced.replace(true)));
    catch_unwind(AssertUnwindSafe(f))
}

/// A spec, bundled, with its client view.
pub struct ClientSpec {
    pub api: String,
    pub source: String,
    pub view: Value,
    pub adaptations: Vec<Adaptation>,
}

/// The client view of every spec, for the snapshots.
pub fn client_specs(root: &Path) -> Result<Vec<ClientSpec>> {
    Ok(super::plumbing::specs(root)?
        .into_iter()
        .map(|spec| {
            let (view, adaptations) = client_view(&spec.api.doc);
            ClientSpec {
                api: spec.api.name,
                source: spec.source,
                view,
                adaptations,
            }
        })
        .collect())
}

/// progenitor's file split in two: the `types` module's items, and the rest.
struct Split {
    types: syn::File,
    client: syn::File,
}

/// Cuts progenitor's `pub mod types { ... }` out of `file`, leaving `pub use <path> as types;`.
fn split_types(mut file: syn::File, types_path: &str) -> Result<Split> {
    let position = file
        .items
        .iter()
        .position(|item| matches!(item, syn::Item::Mod(m) if m.ident == "types"))
        .ok_or_else(|| anyhow!("progenitor's output has no `types` module"))?;
    let syn::Item::Mod(module) = file.items.remove(position) else {
        unreachable!("the item at `position` is a module");
    };
    let (_, items) = module
        .content
        .ok_or_else(|| anyhow!("progenitor's `types` module has no body"))?;
    let path: syn::Path = syn::parse_str(types_path)?;
    file.items.insert(
        position,
        syn::parse_quote! {
            /// Types used as operation parameters and responses (from `spendapi-types`).
            pub use #path as types;
        },
    );
    Ok(Split {
        types: syn::File {
            shebang: None,
            attrs: Vec::new(),
            items,
        },
        client: file,
    })
}

/// The Rust path of a module of the types crate.
pub(super) fn types_module(module: &str) -> String {
    format!("{TYPES_CRATE}::{module}")
}

/// Everything generated for one module, before the index files.
struct Module {
    name: String,
    source: String,
    vendor: Vendor,
    /// Whether it has a client (shared-component modules only have types).
    client: bool,
}

/// Renders the types crate's and the client crate's generated files.
pub fn render(root: &Path, specs: &[Spec]) -> Result<Vec<Output>> {
    let mut outputs = Vec::new();
    let mut modules = Vec::new();
    let mut replacements: BTreeMap<Vendor, BTreeMap<String, String>> = BTreeMap::new();
    let mut error_types = BTreeSet::new();

    // Components a vendor's specs share: generated once, then used by each of its modules
    // through progenitor's type replacement, so each is one Rust type.
    let vendors: BTreeSet<Vendor> = specs.iter().map(|s| s.api.vendor).collect();
    for vendor in vendors {
        let Some(loaded) = plumbing::shared(root, vendor)? else {
            continue;
        };
        let shared = loaded.components;
        let (view, _) = client_view(&loaded.doc);
        let file = generate_code(&view, &BTreeMap::new())
            .with_context(|| format!("failed to generate the types of {}", shared.file))?;
        let split = split_types(file, &types_module(shared.module))?;
        outputs.push(types_output(shared.module, shared.file, &split.types));
        outputs.push(Output {
            path: format!("{CLIENT_GENERATED}/{}.rs", shared.module),
            contents: format!(
                "{}\n/// Types shared by the {} APIs (from `spendapi-types`).\npub use {} as types;\n",
                header(shared.file),
                vendor.id(),
                types_module(shared.module)
            ),
        });
        modules.push(Module {
            name: shared.module.to_owned(),
            source: shared.file.to_owned(),
            vendor,
            client: false,
        });
        let names = loaded
            .schema_names
            .into_iter()
            .map(|name| {
                let path = format!("{}::{name}", types_module(shared.module));
                (name, path)
            })
            .collect();
        replacements.insert(vendor, names);
    }

    let none = BTreeMap::new();
    for spec in specs {
        let module = spec.module();
        let (view, _) = client_view(&spec.api.doc);
        let shared = replacements.get(&spec.api.vendor).unwrap_or(&none);
        let file = generate_code(&view, shared)
            .with_context(|| format!("failed to generate the client for {}", spec.source))?;
        let split = split_types(file, &types_module(&module))?;
        outputs.push(types_output(&module, &spec.source, &split.types));
        let wiring_tokens = wiring(spec);
        let sends = send_outputs(&split.client);
        let streams = streams(spec, shared, &sends)
            .with_context(|| format!("failed to generate the index streams of {}", spec.source))?;
        let client = format!(
            "{}\n{}\n{}",
            header(&spec.source),
            prettyplease::unparse(&split.client),
            format(quote!(#wiring_tokens #streams))?
        );
        outputs.push(Output {
            path: format!("{CLIENT_GENERATED}/{module}.rs"),
            contents: client,
        });
        error_types.extend(error_schemas(&view).into_iter().map(|name| {
            shared
                .get(&name)
                .cloned()
                .unwrap_or_else(|| format!("{}::{name}", types_module(&module)))
        }));
        modules.push(Module {
            name: module,
            source: spec.source.clone(),
            vendor: spec.api.vendor,
            client: true,
        });
    }

    outputs.push(types_index(&modules));
    outputs.push(client_index(&modules));
    outputs.push(Output {
        path: format!("{CLIENT_GENERATED}/clients.rs"),
        contents: format!("{}\n{}", header("openapi/*.yaml"), format(groups(specs))?),
    });
    outputs.push(Output {
        path: format!("{CLIENT_GENERATED}/errors.rs"),
        contents: format!(
            "{}\n{}",
            header("openapi/*.yaml"),
            format(error_impls(&error_types)?)?
        ),
    });
    Ok(outputs)
}

fn types_output(module: &str, source: &str, types: &syn::File) -> Output {
    Output {
        path: format!("{TYPES_GENERATED}/{module}.rs"),
        contents: format!("{}\n{}", header(source), prettyplease::unparse(types)),
    }
}

fn types_index(modules: &[Module]) -> Output {
    let mut out = header("openapi/*.yaml");
    out.push_str("\n//! One module per spec (and per vendor's shared components): typify's types, cut out of\n//! progenitor's output.\n\n");
    for module in modules {
        out.push_str(&format!(
            "#[doc = \"Generated from `{}`.\"]\npub mod {};\n",
            module.source, module.name
        ));
    }
    Output {
        path: format!("{TYPES_GENERATED}/mod.rs"),
        contents: out,
    }
}

fn client_index(modules: &[Module]) -> Output {
    let mut out = header("openapi/*.yaml");
    out.push_str("\n//! One module per spec, each generated by progenitor from the spec's client view, with its\n//! wiring to the hand-written runtime; `clients` groups them per vendor.\n\n");
    for module in modules {
        let what = if module.client {
            format!("the {} client", module.vendor.id())
        } else {
            format!("the {} shared types", module.vendor.id())
        };
        out.push_str(&format!(
            "#[doc = \"Generated from `{}`: {what}.\"]\npub mod {};\n",
            module.source, module.name
        ));
    }
    out.push_str("pub mod clients;\nmod errors;\n");
    Output {
        path: format!("{CLIENT_GENERATED}/mod.rs"),
        contents: out,
    }
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The vendor marker type of the client crate (`crate::vendor::CoupaCore`).
fn vendor_marker(vendor: Vendor) -> TokenStream {
    let marker = ident(vendor.variant());
    quote!(crate::vendor::#marker)
}

/// What attaches a generated `Client` to the hand-written runtime, with the route of every
/// operation (progenitor's `OperationInfo` names only the operationId; the runtime's spans
/// also name the method and the path template).
fn wiring(spec: &Spec) -> TokenStream {
    let marker = vendor_marker(spec.api.vendor);
    let routes = spec.api.operations.iter().map(|op| {
        let id = &op.id;
        let method = op.method.to_uppercase();
        let path = &op.path;
        quote!(crate::runtime::Route { operation_id: #id, method: #method, path: #path })
    });
    quote! {
        /// Attaches the hand-written runtime (headers, credentials, retries, error bodies): by
        /// value, which takes precedence over progenitor's default impl for `&Client`.
        impl ClientHooks<crate::runtime::Runtime> for Client {
            async fn pre<E>(&self, request: &mut reqwest::Request, info: &OperationInfo) -> Result<(), Error<E>> {
                crate::runtime::pre(self, request, info).await
            }

            async fn exec(&self, request: reqwest::Request, info: &OperationInfo) -> reqwest::Result<reqwest::Response> {
                crate::runtime::exec(self, request, info).await
            }
        }

        impl crate::runtime::Connect for Client {
            type Vendor = #marker;

            const ROUTES: &'static [crate::runtime::Route] = &[#(#routes),*];

            fn from_parts(base_url: &str, http: reqwest::Client, runtime: crate::runtime::Runtime) -> Self {
                Self::new_with_client(base_url, http, runtime)
            }
        }
    }
}

/// The field of an API in its vendor's group: the API's name without the vendor's first word
/// (`coupa-accounts` → `accounts`), else the whole name.
fn group_field(spec: &Spec) -> String {
    let name = &spec.api.name;
    let first = spec.api.vendor.id().split('-').next().unwrap_or_default();
    let short = name
        .strip_prefix(first)
        .and_then(|rest| rest.strip_prefix('-'))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(name);
    naming::snake(short)
}

/// A struct per vendor holding one client of each of its APIs, sharing a connection pool and
/// a token cache.
fn groups(specs: &[Spec]) -> TokenStream {
    let mut items = Vec::new();
    for vendor in Vendor::ALL {
        let members: Vec<&Spec> = specs.iter().filter(|s| s.api.vendor == vendor).collect();
        if members.is_empty() {
            continue;
        }
        let group = ident(&format!("{}Clients", vendor.variant()));
        let marker = vendor_marker(vendor);
        let fields: Vec<Ident> = members.iter().map(|s| ident(&group_field(s))).collect();
        let modules: Vec<Ident> = members.iter().map(|s| ident(&s.module())).collect();
        let docs: Vec<String> = members
            .iter()
            .map(|s| format!(" {} ({}).", s.api.title, s.source))
            .collect();
        let doc = format!(
            " The {} clients, sharing one connection pool and one credential cache.",
            vendor.id()
        );
        items.push(quote! {
            #[doc = #doc]
            #[derive(Debug, Clone)]
            pub struct #group {
                #( #[doc = #docs] pub #fields: super::#modules::Client, )*
            }

            impl crate::runtime::Connect for #group {
                type Vendor = #marker;

                fn from_parts(base_url: &str, http: reqwest::Client, runtime: crate::runtime::Runtime) -> Self {
                    Self {
                        #( #fields: super::#modules::Client::new_with_client(base_url, http.clone(), runtime.clone()), )*
                    }
                }
            }
        });
    }
    quote!(#(#items)*)
}

/// How an index answers a page, read from its success schema.
enum PageShape {
    /// A component that is an array of `item` (typify: a newtype over `Vec`).
    Array { item: String },
    /// An envelope with an integer `total` and the records in property `field`.
    Counted {
        item: String,
        field: String,
        total_required: bool,
    },
}

/// The page shape of an index operation's JSON success body.
fn page_shape(api: &spec::Api, op: &spec::model::Operation) -> Result<PageShape> {
    let media = op
        .responses
        .iter()
        .filter(|r| (200..300).contains(&r.code))
        .flat_map(|r| r.content.iter())
        .find(|m| m.media_type == "application/json")
        .ok_or_else(|| anyhow!("index {} has no JSON success body", op.id))?;
    let schema = api.resolve(&media.schema)?;
    let item_of = |array: &Value| array.get("items").and_then(spec::component_name);
    if schema.get("type").and_then(Value::as_str) == Some("array")
        && let Some(item) = item_of(schema)
    {
        return Ok(PageShape::Array { item });
    }
    let properties = schema.get("properties").and_then(Value::as_object);
    let arrays: Vec<(&String, String)> = properties
        .into_iter()
        .flatten()
        .filter_map(|(name, property)| {
            let property = api.resolve(property).ok()?;
            (property.get("type").and_then(Value::as_str) == Some("array"))
                .then(|| item_of(property).map(|item| (name, item)))
                .flatten()
        })
        .collect();
    let has_total = properties.is_some_and(|p| p.contains_key("total"));
    match arrays.as_slice() {
        [(field, item)] if has_total => {
            let required = schema
                .get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|n| n == "total"));
            Ok(PageShape::Counted {
                item: item.clone(),
                field: naming::snake(field),
                total_required: required,
            })
        }
        _ => Err(anyhow!(
            "index {} pages with limit/offset, but its success body is neither an array of a \
             component nor an object with `total` and one array of a component",
            op.id
        )),
    }
}

/// The page size a generated `stream()` asks for: the `limit` parameter's documented maximum,
/// else its default, else 50.
fn page_size(op: &spec::model::Operation) -> u64 {
    op.parameters_in(spec::model::Location::Query)
        .find(|p| p.name == "limit")
        .and_then(|p| {
            p.schema
                .get("maximum")
                .or_else(|| p.schema.get("default"))
                .and_then(Value::as_u64)
        })
        .unwrap_or(50)
}

/// The return type of progenitor's `send()` per builder (`ListAccounts` → `Result<...>`), read
/// from its `builder` module, so that wrappers of `send()` name the same type.
fn send_outputs(client: &syn::File) -> BTreeMap<String, syn::ReturnType> {
    let mut out = BTreeMap::new();
    let builder = client.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref(),
        _ => None,
    });
    for item in builder
        .map(|(_, items)| items.as_slice())
        .unwrap_or_default()
    {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let syn::Type::Path(path) = block.self_ty.as_ref() else {
            continue;
        };
        let Some(name) = path.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        for member in &block.items {
            if let syn::ImplItem::Fn(f) = member
                && f.sig.ident == "send"
            {
                out.insert(name.clone(), f.sig.output.clone());
            }
        }
    }
    out
}

/// On the builder of every index (an operation with `limit` and `offset`): `stream()`, every
/// record of every page with the builder's other arguments; and `send_filtered` /
/// `stream_filtered`, the same with query filters (Coupa attribute filters, `fields`) for this
/// request only. progenitor's builder fields are private to its module, so the filters travel
/// with the request's future ([`with_request_filters`](crate::runtime)), not in the builder.
fn streams(
    spec: &Spec,
    shared: &BTreeMap<String, String>,
    sends: &BTreeMap<String, syn::ReturnType>,
) -> Result<TokenStream> {
    let mut out = Vec::new();
    for op in spec.api.operations.iter().filter(|op| op.is_paged()) {
        let builder = ident(&naming::pascal(&op.id));
        let type_path = |name: &str| -> Result<syn::Path> {
            Ok(match shared.get(name) {
                Some(path) => syn::parse_str(path)?,
                None => syn::parse_str(&format!("types::{name}"))?,
            })
        };
        let limit = page_size(op);
        let (item, walk, page) = match page_shape(&spec.api, op)? {
            PageShape::Array { item } => (
                type_path(&item)?,
                quote!(array_index),
                quote!(request.send().await?.into_inner().0),
            ),
            PageShape::Counted {
                item,
                field,
                total_required,
            } => {
                let field = ident(&field);
                let total = if total_required {
                    quote!(u64::try_from(list.total).unwrap_or(0))
                } else {
                    quote!(list.total.and_then(|t| u64::try_from(t).ok()).unwrap_or(0))
                };
                (
                    type_path(&item)?,
                    quote!(counted_index),
                    quote! {{
                        let list = request.send().await?.into_inner();
                        crate::pagination::CsoPage { total: #total, items: list.#field }
                    }},
                )
            }
        };
        let doc = format!(
            " Every record of every page of `{}`, {limit} per request (the spec's page size), \
             walking `offset`; any `offset` or `limit` set on this builder is replaced. The \
             stream ends after the last page or after the first error, which it yields.",
            op.id
        );
        let output = sends
            .get(&builder.to_string())
            .ok_or_else(|| anyhow!("progenitor wrote no `send()` for the builder of {}", op.id))?;
        let send_doc = format!(
            " Sends `{}` with `filters` appended to its query (attribute filters such as \
             `code[starts_with]=SF`, `fields`), for this request only; the client's own filters \
             ([`ClientExt::with_filters`](crate::ClientExt::with_filters)) apply too.",
            op.id
        );
        let stream_doc = " [`stream()`](Self::stream) with `filters` on every page's request \
                          (see [`send_filtered`](Self::send_filtered)).";
        out.push(quote! {
            impl<'a> builder::#builder<'a> {
                #[doc = #doc]
                pub fn stream(self) -> impl futures::Stream<Item = Result<#item, crate::errors::VendorError>> + 'a {
                    crate::pagination::#walk(#limit, move |page| {
                        let request = self.clone().offset(page.offset).limit(page.limit);
                        async move { Ok(#page) }
                    })
                }

                #[doc = #send_doc]
                pub async fn send_filtered(self, filters: crate::filters::Filters) #output {
                    crate::runtime::with_request_filters(filters, self.send()).await
                }

                #[doc = #stream_doc]
                pub fn stream_filtered(self, filters: crate::filters::Filters) -> impl futures::Stream<Item = Result<#item, crate::errors::VendorError>> + 'a {
                    crate::pagination::#walk(#limit, move |page| {
                        let request = self.clone().offset(page.offset).limit(page.limit);
                        let filters = filters.clone();
                        async move {
                            crate::runtime::with_request_filters(filters, async move { Ok(#page) }).await
                        }
                    })
                }
            }
        });
    }
    Ok(quote!(#(#out)*))
}

/// The schemas of the JSON error responses (status 4xx/5xx) of a client view.
fn error_schemas(view: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for op in spec::operations(view) {
        for (status, response) in op
            .op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if !(status.starts_with('4') || status.starts_with('5')) {
                continue;
            }
            let Ok(response) = spec::resolve(view, response) else {
                continue;
            };
            if let Some(name) = response
                .pointer("/content/application~1json/schema")
                .and_then(spec::component_name)
            {
                out.insert(name);
            }
        }
    }
    out
}

/// `TypedErrorBody` for every error schema, so `VendorError::from` works for every client.
fn error_impls(types: &BTreeSet<String>) -> Result<TokenStream> {
    let paths = types
        .iter()
        .map(|path| syn::parse_str::<syn::Path>(path))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(quote! {
        #(
            impl crate::errors::TypedErrorBody for #paths {
                fn to_error_body(&self) -> crate::errors::ErrorBody {
                    crate::errors::typed_error_body(self)
                }
            }
        )*
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::catch_silently;

    /// The only test of this binary that silences a panic, so the counting hook below is in
    /// place before [`catch_silently`] installs its own on top of it.
    #[test]
    fn silencing_panics_in_parallel_keeps_the_process_hook() {
        static REPORTED: AtomicUsize = AtomicUsize::new(0);
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            REPORTED.fetch_add(1, Ordering::SeqCst);
            if info.payload().downcast_ref::<&str>() != Some(&"reported on purpose") {
                previous(info);
            }
        }));

        let threads: Vec<_> = (0..8)
            .map(|_| {
                std::thread::spawn(|| {
                    for _ in 0..200 {
                        let caught = catch_silently::<()>(|| panic!("silenced"));
                        assert!(caught.is_err());
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("no silenced panic escapes");
        }
        assert_eq!(
            REPORTED.load(Ordering::SeqCst),
            0,
            "a silenced panic was reported"
        );

        // The counting hook is still the process hook: a panic outside the guard reaches it.
        let outside = std::thread::spawn(|| panic!("reported on purpose")).join();
        assert!(outside.is_err());
        assert_eq!(
            REPORTED.load(Ordering::SeqCst),
            1,
            "the original hook was lost"
        );
    }
}
