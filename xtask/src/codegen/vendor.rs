//! The runtimes' `Vendor` type, from the one vendor declaration.
//!
//! Reads [`crate::spec::Vendor`] (the table in `crates/spendapi-spec/src/vendor.rs`, not the
//! specs) and writes the same file into the client and the server stubs
//! (`crates/spendapi-{client,server}/src/generated/vendor.rs`): an enum with one variant per
//! vendor and `const fn`s for the facts the client, the server stubs and the sandbox read at run
//! time.
//!
//! Each runtime defines the type itself rather than re-exporting one from `spendapi-types`:
//! `spendapi_client::Vendor` is public API that CI's semver gate checks, and
//! cargo-semver-checks cannot follow a re-export of another crate's item (it reports the enum as
//! removed; obi1kenobi/cargo-semver-checks#638). The server keeps its own copy so that it still
//! depends on neither the client nor an HTTP client.

use std::path::Path;

use anyhow::Result;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::plumbing::{Output, Spec, format, header};
use crate::spec::Vendor;
use crate::spec::vendor::Credentials;

/// Where the generated type goes (each declared by its crate's hand-written `src/vendor.rs`).
pub const VENDOR_FILES: [&str; 2] = [
    "crates/spendapi-client/src/generated/vendor.rs",
    "crates/spendapi-server/src/generated/vendor.rs",
];

/// The generator's entry point: the file does not depend on the specs, only on the declaration.
pub fn render(_root: &Path, _specs: &[Spec]) -> Result<Vec<Output>> {
    let contents = format!(
        "{}\n{}",
        header("crates/spendapi-spec/src/vendor.rs"),
        format(vendor_type())?
    );
    Ok(VENDOR_FILES
        .iter()
        .map(|path| Output {
            path: (*path).to_owned(),
            contents: contents.clone(),
        })
        .collect())
}

fn vendor_type() -> TokenStream {
    let variants: Vec<Ident> = Vendor::ALL
        .iter()
        .map(|v| Ident::new(v.variant(), Span::call_site()))
        .collect();
    let docs = Vendor::ALL.map(|v| format!(" {}", v.summary()));
    let ids = Vendor::ALL.map(Vendor::id);
    let token_paths = Vendor::ALL.map(|v| match v.token_path() {
        Some(path) => quote!(Some(#path)),
        None => quote!(None),
    });
    let key_headers = Vendor::ALL.map(|v| match v.credentials() {
        Credentials::ApiKeyHeader { header } => quote!(Some(#header)),
        Credentials::OAuth2 { .. } => quote!(None),
    });
    let error_formats = Vendor::ALL.map(|v| {
        let formats = v.error_formats();
        quote!(&[#(#formats),*])
    });
    let correlation = Vendor::ALL.map(|v| match v.correlation_header() {
        Some(name) => quote!(Some(#name)),
        None => quote!(None),
    });
    let omits_nulls = Vendor::ALL.map(Vendor::omits_nulls);
    let count = proc_macro2::Literal::usize_unsuffixed(Vendor::ALL.len());
    quote! {
        //! Which vendor an API belongs to, with what differs between vendors at run time.

        /// A vendor spendapi knows; every spec names its own in `info.x-spendapi-vendor`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Vendor {
            #(#[doc = #docs] #variants,)*
        }

        impl Vendor {
            /// Every vendor, in the declaration's order.
            pub const ALL: [Vendor; #count] = [#(Vendor::#variants),*];

            /// The value of `info.x-spendapi-vendor`, also the name in logs and spans.
            pub const fn id(self) -> &'static str {
                match self { #(Vendor::#variants => #ids,)* }
            }

            /// The vendor of an `info.x-spendapi-vendor` value.
            pub fn from_id(id: &str) -> Option<Vendor> {
                Vendor::ALL.into_iter().find(|v| v.id() == id)
            }

            /// The path of the OAuth 2.0 token endpoint on the API's host, for a vendor whose
            /// clients use bearer tokens.
            pub const fn token_path(self) -> Option<&'static str> {
                match self { #(Vendor::#variants => #token_paths,)* }
            }

            /// The request header carrying a static API key (lower case), for a vendor whose
            /// clients use one.
            pub const fn api_key_header(self) -> Option<&'static str> {
                match self { #(Vendor::#variants => #key_headers,)* }
            }

            /// The media types the vendor can render errors in, preferred first.
            pub const fn error_formats(self) -> &'static [&'static str] {
                match self { #(Vendor::#variants => #error_formats,)* }
            }

            /// The request header echoed on every response (generated when absent), if any.
            pub const fn correlation_header(self) -> Option<&'static str> {
                match self { #(Vendor::#variants => #correlation,)* }
            }

            /// Whether response bodies leave null values out rather than writing `null`.
            pub const fn omits_nulls(self) -> bool {
                match self { #(Vendor::#variants => #omits_nulls,)* }
            }
        }
    }
}
