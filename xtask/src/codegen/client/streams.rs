//! Page streams: `stream()`, `send_filtered` and `stream_filtered` on every index builder.
//!
//! Reads a spec's model (the operations with `limit` and `offset`, the page shape their success
//! schema documents, the `limit` maximum) and progenitor's client file (the return type of
//! each builder's `send()`, with `syn`); writes the tokens appended to the client module.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow};
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::codegen::plumbing::{Spec, ident};
use crate::spec::{self, naming};

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
pub(super) fn send_outputs(client: &syn::File) -> BTreeMap<String, syn::ReturnType> {
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
pub(super) fn streams(
    spec: &Spec,
    shared: &BTreeMap<String, String>,
    sends: &BTreeMap<String, syn::ReturnType>,
) -> Result<TokenStream> {
    let mut out = Vec::new();
    for op in spec.api.operations.iter().filter(|op| op.is_paged()) {
        let builder = ident(&naming::pascal(&op.id));
        let walk = page_walk(&spec.api, op, shared)?;
        let output = sends
            .get(&builder.to_string())
            .ok_or_else(|| anyhow!("progenitor wrote no `send()` for the builder of {}", op.id))?;
        out.push(index_impl(op, &builder, &walk, output));
    }
    Ok(quote!(#(#out)*))
}

/// How a generated stream walks an index: the record type, the `pagination` walk and the
/// expression that turns one request into one page.
struct PageWalk {
    item: syn::Path,
    walk: TokenStream,
    page: TokenStream,
}

/// The walk of one index, from its page shape; records of a shared component are named by
/// their shared path.
fn page_walk(
    api: &spec::Api,
    op: &spec::model::Operation,
    shared: &BTreeMap<String, String>,
) -> Result<PageWalk> {
    let type_path = |name: &str| -> Result<syn::Path> {
        Ok(match shared.get(name) {
            Some(path) => syn::parse_str(path)?,
            None => syn::parse_str(&format!("types::{name}"))?,
        })
    };
    Ok(match page_shape(api, op)? {
        PageShape::Array { item } => PageWalk {
            item: type_path(&item)?,
            walk: quote!(array_index),
            page: quote!(request.send().await?.into_inner().0),
        },
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
            PageWalk {
                item: type_path(&item)?,
                walk: quote!(counted_index),
                page: quote! {{
                    let list = request.send().await?.into_inner();
                    crate::pagination::CsoPage { total: #total, items: list.#field }
                }},
            }
        }
    })
}

/// The `impl` block of one index builder: `stream()`, `send_filtered`, `stream_filtered`.
fn index_impl(
    op: &spec::model::Operation,
    builder: &proc_macro2::Ident,
    walk: &PageWalk,
    output: &syn::ReturnType,
) -> TokenStream {
    let PageWalk { item, walk, page } = walk;
    let limit = page_size(op);
    let doc = format!(
        " Every record of every page of `{}`, {limit} per request (the spec's page size), \
         walking `offset`; any `offset` or `limit` set on this builder is replaced. The \
         stream ends after the last page or after the first error, which it yields.",
        op.id
    );
    let send_doc = format!(
        " Sends `{}` with `filters` appended to its query (attribute filters such as \
         `code[starts_with]=SF`, `fields`), for this request only; the client's own filters \
         ([`ClientExt::with_filters`](crate::ClientExt::with_filters)) apply too.",
        op.id
    );
    let stream_doc = " [`stream()`](Self::stream) with `filters` on every page's request \
                      (see [`send_filtered`](Self::send_filtered)).";
    quote! {
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
    }
}
