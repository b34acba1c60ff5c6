//! Error impls: every error schema convertible into the client's `VendorError`.
//!
//! Reads the client views (the JSON schemas of 4xx/5xx responses); writes the tokens of the
//! client crate's `generated/errors.rs` (`impl TypedErrorBody` per schema).

use std::collections::BTreeSet;

use anyhow::Result;
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::spec;

/// The schemas of the JSON error responses (status 4xx/5xx) of a client view.
pub(super) fn error_schemas(view: &Value) -> BTreeSet<String> {
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
pub(super) fn error_impls(types: &BTreeSet<String>) -> Result<TokenStream> {
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
