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
//!
//! One file per job, each a leaf or using only those listed before it: [`view`] (the client
//! view), [`progenitor`] (the driver), [`types_split`] (the `types` module cut out, the types
//! index), [`wiring`] (the runtime attached, the client index), [`groups`] (the vendor groups,
//! uses `wiring`), [`streams`] (the index streams), [`errors`] (the error impls). [`render`],
//! here, runs them in order; none imports this module back.

pub mod errors;
pub mod groups;
pub mod progenitor;
pub mod streams;
pub mod types_split;
pub mod view;
pub mod wiring;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result};
use quote::quote;

pub use self::progenitor::generate_code;
pub(crate) use self::progenitor::{catch_silently, settings};
pub use self::types_split::{TYPES_GENERATED, types_module};
pub use self::view::{Adaptation, ClientSpec, client_specs, client_view};
pub use self::wiring::CLIENT_GENERATED;

use self::types_split::{Module, split_types, types_index, types_output};
use super::plumbing::{self, Output, Spec, format, header};
use crate::spec::Vendor;

/// Schema name → Rust path of the one type that represents it, per vendor (the shared
/// components, used through progenitor's type replacement).
type Replacements = BTreeMap<Vendor, BTreeMap<String, String>>;

/// What the per-module steps collect for the index files.
#[derive(Default)]
struct Rendered {
    outputs: Vec<Output>,
    modules: Vec<Module>,
    /// The Rust paths of every error schema, for `generated/errors.rs`.
    error_types: BTreeSet<String>,
}

/// Renders the types crate's and the client crate's generated files.
pub fn render(root: &Path, specs: &[Spec]) -> Result<Vec<Output>> {
    let mut rendered = Rendered::default();
    let replacements = shared_modules(root, specs, &mut rendered)?;
    let none = BTreeMap::new();
    for spec in specs {
        let shared = replacements.get(&spec.api.vendor).unwrap_or(&none);
        client_module(spec, shared, &mut rendered)?;
    }
    let Rendered {
        mut outputs,
        modules,
        error_types,
    } = rendered;
    outputs.push(types_index(&modules));
    outputs.push(wiring::client_index(&modules));
    outputs.push(Output {
        path: format!("{CLIENT_GENERATED}/clients.rs"),
        contents: format!(
            "{}\n{}",
            header("openapi/*.yaml"),
            format(groups::groups(specs))?
        ),
    });
    outputs.push(Output {
        path: format!("{CLIENT_GENERATED}/errors.rs"),
        contents: format!(
            "{}\n{}",
            header("openapi/*.yaml"),
            format(errors::error_impls(&error_types)?)?
        ),
    });
    Ok(outputs)
}

/// Components a vendor's specs share: generated once, then used by each of its modules
/// through progenitor's type replacement, so each is one Rust type. Returns the replacements.
fn shared_modules(root: &Path, specs: &[Spec], rendered: &mut Rendered) -> Result<Replacements> {
    let mut replacements = Replacements::new();
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
        rendered
            .outputs
            .push(types_output(shared.module, shared.file, &split.types));
        rendered.outputs.push(Output {
            path: format!("{CLIENT_GENERATED}/{}.rs", shared.module),
            contents: format!(
                "{}\n/// Types shared by the {} APIs (from `spendapi-types`).\npub use {} as types;\n",
                header(shared.file),
                vendor.id(),
                types_module(shared.module)
            ),
        });
        rendered.modules.push(Module {
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
    Ok(replacements)
}

/// One spec's client module: progenitor's code without its types, then the wiring and the
/// index streams; its types go to the types crate and its error schemas to `rendered`.
fn client_module(
    spec: &Spec,
    shared: &BTreeMap<String, String>,
    rendered: &mut Rendered,
) -> Result<()> {
    let module = spec.module();
    let (view, _) = client_view(&spec.api.doc);
    let file = generate_code(&view, shared)
        .with_context(|| format!("failed to generate the client for {}", spec.source))?;
    let split = split_types(file, &types_module(&module))?;
    rendered
        .outputs
        .push(types_output(&module, &spec.source, &split.types));
    let wiring_tokens = wiring::wiring(spec);
    let sends = streams::send_outputs(&split.client);
    let streams = streams::streams(spec, shared, &sends)
        .with_context(|| format!("failed to generate the index streams of {}", spec.source))?;
    let client = format!(
        "{}\n{}\n{}",
        header(&spec.source),
        prettyplease::unparse(&split.client),
        format(quote!(#wiring_tokens #streams))?
    );
    rendered.outputs.push(Output {
        path: format!("{CLIENT_GENERATED}/{module}.rs"),
        contents: client,
    });
    rendered
        .error_types
        .extend(errors::error_schemas(&view).into_iter().map(|name| {
            shared
                .get(&name)
                .cloned()
                .unwrap_or_else(|| format!("{}::{name}", types_module(&module)))
        }));
    rendered.modules.push(Module {
        name: module,
        source: spec.source.clone(),
        vendor: spec.api.vendor,
        client: true,
    });
    Ok(())
}
