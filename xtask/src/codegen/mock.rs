//! The typed mocks (`spendapi-mock`): progenitor's `Generator::httpmock` over the same client
//! view and type replacements as the client, one module per spec.
//!
//! Each module holds progenitor's `operations` (a `When`/`Then` pair per operation, with a
//! method per parameter and per documented response) and `MockServerExt`, which adds one
//! method per operation to `httpmock::MockServer`. The code names the client module's types
//! (`spendapi_client::<module>::types`), so a mock answers with exactly the values the client
//! decodes.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow};

use super::client::{catch_silently, client_view, settings, types_module};
use super::plumbing::{self, Output, Spec, format, header};
use crate::spec::Vendor;

/// Where the mock crate keeps its generated modules.
pub const MOCK_GENERATED: &str = "crates/spendapi-mock/src/generated";

/// Renders the mock crate's generated files.
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
    let mut index = header("openapi/*.yaml");
    index.push_str(
        "\n//! One module per spec: progenitor's typed `httpmock` helpers for the client module of \
         the\n//! same name.\n\n",
    );
    for spec in specs {
        let module = spec.module();
        let (view, _) = client_view(&spec.api.doc);
        let shared = replacements
            .get(&spec.api.vendor)
            .cloned()
            .unwrap_or_default();
        let tokens = generate(&view, &shared, &format!("spendapi_client::{module}"))
            .with_context(|| format!("failed to generate the mocks of {}", spec.source))?;
        outputs.push(Output {
            path: format!("{MOCK_GENERATED}/{module}.rs"),
            contents: format!("{}\n{}", header(&spec.source), format(tokens)?),
        });
        index.push_str(&format!(
            "#[doc = \"Generated from `{}`: mocks of `spendapi_client::{module}`.\"]\npub mod {module};\n",
            spec.source
        ));
    }
    outputs.push(Output {
        path: format!("{MOCK_GENERATED}/mod.rs"),
        contents: index,
    });
    Ok(outputs)
}

/// Runs `Generator::httpmock` over a client view, its panics turned into errors.
fn generate(
    view: &serde_json::Value,
    shared: &BTreeMap<String, String>,
    client_module: &str,
) -> Result<proc_macro2::TokenStream> {
    let openapi: openapiv3::OpenAPI =
        serde_json::from_value(view.clone()).context("not an OpenAPI 3.0 document")?;
    let settings = settings(shared);
    let result = catch_silently(|| {
        let mut generator = progenitor::Generator::new(&settings);
        generator.httpmock(&openapi, client_module)
    });
    match result {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(err)) => Err(anyhow!("progenitor's httpmock generator failed: {err}")),
        Err(_) => Err(anyhow!("progenitor's httpmock generator panicked")),
    }
}
