//! Bundles every spec in `openapi/` at build time (cross-file `$ref`s resolved, `x-` extensions
//! stripped, `servers` and token URLs pointed at the sandbox itself) and writes each as YAML
//! (with `spendapi_spec::yaml`, the writer of everything published, so YAML 1.1 readers get
//! strings where the spec has strings) and as its JSON twin into `OUT_DIR`, plus `specs.rs`,
//! the table `src/web.rs` includes (name, vendor, path templates, YAML, JSON): the binary never
//! needs the source tree, and a new spec is served, routed and listed without naming it here.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use spendapi_spec::Vendor;

fn main() -> Result<()> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let root = manifest.join("../..");
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    println!("cargo:rerun-if-changed={}", root.join("openapi").display());
    // `sqlx::migrate!` embeds the migrations: a new one must rebuild the crate.
    println!("cargo:rerun-if-changed=migrations");
    let mut table = String::from(
        "/// The bundled specs (written by `build.rs`, one per `openapi/*.yaml`).\n\
         pub const SPECS: &[ServedSpec] = &[\n",
    );
    for path in spendapi_spec::spec_files(&root)? {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = spendapi_spec::api_name(&path);
        let served = served(&path).with_context(|| format!("bundling {name}"))?;
        let yaml_file = out.join(format!("{name}.yaml"));
        let json_file = out.join(format!("{name}.json"));
        std::fs::write(&yaml_file, &served.yaml)?;
        std::fs::write(&json_file, &served.json)?;
        writeln!(
            table,
            "    ServedSpec {{ name: {name:?}, url: {:?}, vendor: Vendor::{}, paths: &{:?}, \
             yaml: include_str!({:?}), json: include_str!({:?}) }},",
            format!("/openapi/{name}.yaml"),
            served.vendor.variant(),
            served.paths,
            yaml_file.display(),
            json_file.display()
        )?;
    }
    table.push_str("];\n");
    std::fs::write(out.join("specs.rs"), table)?;
    Ok(())
}

/// The served form of one spec, with what routing needs of it.
struct Served {
    vendor: Vendor,
    /// The path templates of its operations (`/api/events/{id}`), in document order.
    paths: Vec<String>,
    yaml: String,
    json: String,
}

fn served(path: &Path) -> Result<Served> {
    let mut doc = spendapi_spec::bundle(path)?;
    let vendor = Vendor::of(&doc)?;
    let paths = doc
        .get("paths")
        .and_then(|p| p.as_object())
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    spendapi_spec::strip_extensions(&mut doc);
    point_at_sandbox(&mut doc, vendor);
    let yaml = spendapi_spec::to_yaml_checked(&doc).context("writing YAML")?;
    let json = serde_json::to_string_pretty(&doc)? + "\n";
    Ok(Served {
        vendor,
        paths,
        yaml,
        json,
    })
}

/// Where the served spec says the sandbox is; `src/web.rs` replaces it with the base URL the
/// request came to.
const PLACEHOLDER: &str = "http://sandbox.invalid";

/// "Try it out" goes to the sandbox: one server, and token URLs on the sandbox's token
/// endpoint for the spec's vendor. Flows the sandbox does not serve (Concur's authorization
/// code) are left out.
fn point_at_sandbox(doc: &mut serde_json::Value, vendor: Vendor) {
    doc["servers"] = serde_json::json!([{"url": PLACEHOLDER, "description": "This sandbox."}]);
    // A vendor whose clients use an API key has no token endpoint of its own; the sandbox
    // serves Coupa's for the OAuth2 schemes such a spec may still declare.
    let token_path = vendor
        .token_path()
        .or(Vendor::CoupaCore.token_path())
        .unwrap_or("/oauth2/token");
    let token_url = serde_json::Value::from(format!("{PLACEHOLDER}{token_path}"));
    if let Some(schemes) = doc
        .pointer_mut("/components/securitySchemes")
        .and_then(|s| s.as_object_mut())
    {
        for scheme in schemes.values_mut() {
            let Some(flows) = scheme.get_mut("flows").and_then(|f| f.as_object_mut()) else {
                continue;
            };
            if flows.len() > 1 {
                flows.remove("authorizationCode");
            }
            for flow in flows.values_mut() {
                for key in ["tokenUrl", "refreshUrl"] {
                    if let Some(url) = flow.get_mut(key) {
                        *url = token_url.clone();
                    }
                }
            }
        }
    }
}
