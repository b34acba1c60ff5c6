//! The types split: progenitor's `types` module cut out of its file into the types crate.
//!
//! Reads progenitor's `syn::File`; writes `crates/spendapi-types/src/generated/<module>.rs`
//! (typify's types), leaves `pub use ::spendapi_types::<module> as types;` in the client file,
//! and writes the types crate's `generated/mod.rs` naming every module.

use anyhow::{Result, anyhow};

use crate::codegen::plumbing::{Output, header};
use crate::spec::Vendor;

/// Where the types crate keeps its generated modules.
pub const TYPES_GENERATED: &str = "crates/spendapi-types/src/generated";

/// The types crate, as generated code names it (the crate names itself so too, with
/// `extern crate self as spendapi_types`), so one path works in every crate.
const TYPES_CRATE: &str = "::spendapi_types";

/// progenitor's file split in two: the `types` module's items, and the rest.
pub(super) struct Split {
    pub types: syn::File,
    pub client: syn::File,
}

/// Cuts progenitor's `pub mod types { ... }` out of `file`, leaving `pub use <path> as types;`.
pub(super) fn split_types(mut file: syn::File, types_path: &str) -> Result<Split> {
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
pub fn types_module(module: &str) -> String {
    format!("{TYPES_CRATE}::{module}")
}

/// Everything generated for one module, before the index files.
pub(super) struct Module {
    pub name: String,
    pub source: String,
    pub vendor: Vendor,
    /// Whether it has a client (shared-component modules only have types).
    pub client: bool,
}

/// The types crate's file of one module.
pub(super) fn types_output(module: &str, source: &str, types: &syn::File) -> Output {
    Output {
        path: format!("{TYPES_GENERATED}/{module}.rs"),
        contents: format!("{}\n{}", header(source), prettyplease::unparse(types)),
    }
}

/// The types crate's `generated/mod.rs`: one module per spec and per shared-components file.
pub(super) fn types_index(modules: &[Module]) -> Output {
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
