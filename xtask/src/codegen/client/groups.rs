//! Vendor groups: one struct per vendor holding a client of each of its APIs.
//!
//! Reads the models of every spec; writes the tokens of the client crate's
//! `generated/clients.rs` (`CoupaCoreClients`, ...), each with its `impl Connect`.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::wiring::vendor_marker;
use crate::codegen::plumbing::{Spec, ident};
use crate::spec::{Vendor, naming};

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
pub(super) fn groups(specs: &[Spec]) -> TokenStream {
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
