//! The `spendapi` command line (`spendapi-cli`): progenitor's `Generator::cli` per spec, plus a
//! generated index that the hand-written shell (`crates/spendapi-cli/src/shell.rs`) reads.
//!
//! Per spec, `generated/<api>.rs` holds progenitor's `Cli<T: CliConfig>` (a clap command per
//! operation, its help from the summary and description, arguments from the parameters and
//! body properties, `--json-body FILE`), `CliCommand` and the `CliConfig` trait, followed by the
//! shell's `impl CliConfig for crate::shell::Output` (printing, and `--all` for every index).
//! `generated/mod.rs` lists every API with its place in the command tree (`coupa accounts`,
//! `cso events`, `concur expense-allocations`), each operation's subcommand name, and the
//! dispatch from an API and operationId to its `Cli`. A new spec gets its subcommands from
//! `cargo xtask generate` alone.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::client::{catch_silently, client_view, settings, types_module};
use super::plumbing::{self, Output, Spec, format, header};
use crate::spec::{Vendor, naming};

/// Where the CLI crate keeps its generated modules.
pub const CLI_GENERATED: &str = "crates/spendapi-cli/src/generated";

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The vendor's word in the command tree.
pub fn vendor_command(vendor: Vendor) -> &'static str {
    vendor.command()
}

/// The API's word under its vendor: the API name without the vendor's word (`coupa-accounts`
/// → `accounts`), else the whole name.
pub fn api_command(spec: &Spec) -> String {
    let name = &spec.api.name;
    let prefix = format!("{}-", vendor_command(spec.api.vendor));
    name.strip_prefix(&prefix)
        .filter(|rest| !rest.is_empty())
        .unwrap_or(name)
        .to_owned()
}

/// Each operation's subcommand: its operationId in kebab case without the words that name the
/// API's resource (`list_accounts` → `list`, `update_account_allocation` →
/// `update-allocation`); where two operations of an API would get one name, both keep their
/// whole operationId.
pub fn operation_commands(spec: &Spec) -> BTreeMap<String, String> {
    let resource: BTreeSet<String> = api_command(spec)
        .split('-')
        .flat_map(|word| {
            let singular = word.strip_suffix('s').unwrap_or(word).to_owned();
            [word.to_owned(), singular]
        })
        .collect();
    let short = |id: &str| -> String {
        let words: Vec<&str> = id.split('_').filter(|w| !resource.contains(*w)).collect();
        if words.is_empty() {
            id.replace('_', "-")
        } else {
            words.join("-")
        }
    };
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for op in &spec.api.operations {
        *count.entry(short(&op.id)).or_default() += 1;
    }
    spec.api
        .operations
        .iter()
        .map(|op| {
            let name = short(&op.id);
            let name = if count[&name] > 1 {
                op.id.replace('_', "-")
            } else {
                name
            };
            (op.id.clone(), name)
        })
        .collect()
}

/// Renders the CLI crate's generated files.
pub fn render(root: &Path, specs: &[Spec]) -> Result<Vec<Output>> {
    let mut replacements: BTreeMap<Vendor, BTreeMap<String, String>> = BTreeMap::new();
    for spec in specs {
        let vendor = spec.api.vendor;
        if replacements.contains_key(&vendor) {
            continue;
        }
        let names = match plumbing::shared(root, vendor)? {
            Some(shared) => shared
                .schema_names
                .into_iter()
                .map(|name| {
                    let path = format!("{}::{name}", types_module(shared.components.module));
                    (name, path)
                })
                .collect(),
            None => BTreeMap::new(),
        };
        replacements.insert(vendor, names);
    }

    let mut outputs = Vec::new();
    let mut modules = Vec::new();
    let mut entries = Vec::new();
    let mut arms = Vec::new();
    for spec in specs {
        let module = spec.module();
        let module_ident = ident(&module);
        let (view, _) = client_view(&spec.api.doc);
        let shared = replacements
            .get(&spec.api.vendor)
            .cloned()
            .unwrap_or_default();
        let client_module = format!("spendapi_client::{module}");
        let tokens = generate(&view, &shared, &client_module)
            .with_context(|| format!("failed to generate the CLI of {}", spec.source))?;
        let config = output_impl(spec, &module)?;
        outputs.push(Output {
            path: format!("{CLI_GENERATED}/{module}.rs"),
            contents: format!(
                "{}\n{}",
                header(&spec.source),
                format(quote!(#tokens #config))?
            ),
        });
        let doc = format!(" Generated from `{}`.", spec.source);
        modules.push(quote! {
            #[doc = #doc]
            pub mod #module_ident;
        });

        let names = operation_commands(spec);
        let operations = spec.api.operations.iter().map(|op| {
            let id = &op.id;
            let name = &names[&op.id];
            let variant = ident(&naming::pascal(&op.id));
            let paged = op.is_paged();
            quote! {
                crate::shell::OperationCommand {
                    name: #name,
                    operation_id: #id,
                    paged: #paged,
                    command: #module_ident::Cli::<crate::shell::Output>::get_command(#module_ident::CliCommand::#variant),
                }
            }
        });
        let vendor = vendor_command(spec.api.vendor);
        let api = api_command(spec);
        let about = format!("{} ({})", spec.api.title, spec.source);
        entries.push(quote! {
            crate::shell::ApiCommand {
                vendor: #vendor,
                name: #api,
                module: #module,
                about: #about,
                operations: vec![#(#operations),*],
            }
        });
        let client_path: syn::Path = syn::parse_str(&format!("{client_module}::Client"))?;
        arms.push(quote! {
            #module => {
                let command = #module_ident::CliCommand::iter()
                    .find(|c| c.operation_id() == operation_id)
                    .ok_or_else(|| anyhow::anyhow!("{module} has no operation {operation_id}"))?;
                let client: #client_path = shell.connect()?;
                #module_ident::Cli::new(client, shell.output()).execute(command, matches).await
            }
        });
    }
    let index = quote! {
        #(#modules)*

        /// Every API in the command tree, with its operations' subcommands.
        pub fn apis() -> Vec<crate::shell::ApiCommand> {
            vec![#(#entries),*]
        }

        /// Runs `operation_id` of the API `module` with the parsed arguments.
        pub async fn execute(
            module: &str,
            operation_id: &str,
            matches: &::clap::ArgMatches,
            shell: &crate::shell::Shell,
        ) -> anyhow::Result<()> {
            match module {
                #(#arms)*
                _ => Err(anyhow::anyhow!("unknown API {module}")),
            }
        }
    };
    outputs.push(Output {
        path: format!("{CLI_GENERATED}/mod.rs"),
        contents: format!("{}\n{}", header("openapi/*.yaml"), format(index)?),
    });
    Ok(outputs)
}

/// The shell's printer as the module's `CliConfig`: items, errors, and `--all` on every index
/// (progenitor's own paging is for dropshot's page tokens, not `offset`/`limit`).
fn output_impl(spec: &Spec, module: &str) -> Result<TokenStream> {
    let bounds = quote!(schemars::JsonSchema + serde::Serialize + std::fmt::Debug);
    let pages = spec
        .api
        .operations
        .iter()
        .filter(|op| op.is_paged())
        .map(|op| -> Result<TokenStream> {
            let hook = ident(&format!("execute_{}", op.id));
            let builder: syn::Path = syn::parse_str(&format!(
                "spendapi_client::{module}::builder::{}",
                naming::pascal(&op.id)
            ))?;
            Ok(quote! {
                fn #hook(&self, _matches: &::clap::ArgMatches, request: &mut #builder<'_>) -> anyhow::Result<()> {
                    self.all_pages(request.clone().stream())
                }
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(quote! {
        impl CliConfig for crate::shell::Output {
            fn success_item<T>(&self, value: &ResponseValue<T>) where T: #bounds {
                self.item(&**value);
            }
            fn success_no_item(&self, value: &ResponseValue<()>) {
                self.no_item(value.status());
            }
            fn error<T>(&self, value: &Error<T>) where T: #bounds {
                self.error(value);
            }
            fn list_start<T>(&self) where T: #bounds {}
            fn list_item<T>(&self, value: &T) where T: #bounds {
                self.list_item(value);
            }
            fn list_end_success<T>(&self) where T: #bounds {}
            fn list_end_error<T>(&self, value: &Error<T>) where T: #bounds {
                self.error(value);
            }
            #(#pages)*
        }
    })
}

/// Runs `Generator::cli` over a client view, its panics turned into errors.
fn generate(
    view: &serde_json::Value,
    shared: &BTreeMap<String, String>,
    client_module: &str,
) -> Result<TokenStream> {
    let openapi: openapiv3::OpenAPI =
        serde_json::from_value(view.clone()).context("not an OpenAPI 3.0 document")?;
    let settings = settings(shared);
    let result = catch_silently(|| {
        let mut generator = progenitor::Generator::new(&settings);
        generator.cli(&openapi, client_module)
    });
    match result {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(err)) => Err(anyhow!("progenitor's CLI generator failed: {err}")),
        Err(_) => Err(anyhow!("progenitor's CLI generator panicked")),
    }
}
