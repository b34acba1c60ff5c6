//! Bundles the five specs at build time (cross-file `$ref`s resolved, `x-` extensions stripped,
//! `servers` and token URLs pointed at the sandbox itself) and writes them as YAML into
//! `OUT_DIR`, where `src/docs.rs` embeds them: the binary never needs the source tree.

use std::path::PathBuf;

use anyhow::{Context, Result};

const SPECS: [&str; 5] = [
    "coupa-accounts",
    "coupa-delegations",
    "coupa-integration-history-records",
    "cso-events",
    "concur-expense-allocations",
];

fn main() -> Result<()> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let openapi = manifest.join("../../openapi");
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    println!("cargo:rerun-if-changed={}", openapi.display());
    // `sqlx::migrate!` embeds the migrations: a new one must rebuild the crate.
    println!("cargo:rerun-if-changed=migrations");
    for name in SPECS {
        let path = openapi.join(format!("{name}.yaml"));
        let mut doc = spendapi_spec::bundle(&path).with_context(|| format!("bundling {name}"))?;
        spendapi_spec::strip_extensions(&mut doc);
        point_at_sandbox(&mut doc);
        let yaml = serde_yaml::to_string(&doc).context("writing YAML")?;
        std::fs::write(out.join(format!("{name}.yaml")), yaml)?;
    }
    Ok(())
}

/// Where the served spec says the sandbox is; `src/web.rs` replaces it with the base URL the
/// request came to.
const PLACEHOLDER: &str = "http://sandbox.invalid";

/// "Try it out" goes to the sandbox: one server, and token URLs on the sandbox. Flows the
/// sandbox does not serve (Concur's authorization code) are left out.
fn point_at_sandbox(doc: &mut serde_json::Value) {
    doc["servers"] = serde_json::json!([{"url": PLACEHOLDER, "description": "This sandbox."}]);
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
                if let Some(url) = flow.get_mut("tokenUrl") {
                    let concur = url.as_str().is_some_and(|u| u.contains("/oauth2/v0/"));
                    let path = if concur {
                        "/oauth2/v0/token"
                    } else {
                        "/oauth2/token"
                    };
                    *url = serde_json::Value::from(format!("{PLACEHOLDER}{path}"));
                    if let Some(refresh) = flow.get_mut("refreshUrl") {
                        *refresh = serde_json::Value::from(format!("{PLACEHOLDER}{path}"));
                    }
                }
            }
        }
    }
}
