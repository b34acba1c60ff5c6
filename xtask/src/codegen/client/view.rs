//! The client view: the copy of a bundled spec that progenitor reads.
//!
//! Reads a bundled document (`serde_json::Value`); writes its adapted copy and the log of each
//! named adaptation ([`Adaptation`]), which the snapshots and the docs show. [`client_specs`]
//! does it for every spec of the workspace.

use std::fmt;
use std::path::Path;

use anyhow::Result;
use serde_json::Value;

use crate::codegen::plumbing;
use crate::spec;

/// One adaptation the client view made, for the snapshot and the docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adaptation {
    pub step: &'static str,
    pub location: String,
    pub detail: String,
}

impl fmt::Display for Adaptation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.step, self.location, self.detail)
    }
}

/// The media type progenitor reads for request bodies.
const JSON: &str = "application/json";

/// Derives the copy of a bundled spec that progenitor reads, recording each change.
///
/// Steps, in order:
/// 1. `request-body-json-only`: a request body offered in several media types keeps only
///    `application/json` (progenitor panics on two body media types and refuses XML and
///    `application/merge-patch+json`). A body offered only as merge-patch is relabelled
///    `application/json`; the client's hand-written layer sends the real `Content-Type`.
/// 2. `response-json-only`: a response offered as JSON and XML keeps JSON (progenitor would
///    type the JSON one and ask for it with `Accept: application/json` anyway; dropping XML keeps
///    the generated signatures free of a second, unused media type).
/// 3. `strip-extensions`: `x-` extensions are removed (progenitor reads `x-rust-type` and
///    `x-dropshot-*`; ours are documentation and must not change generation).
pub fn client_view(doc: &Value) -> (Value, Vec<Adaptation>) {
    let mut view = doc.clone();
    let mut log = Vec::new();
    spec::ops::for_each_operation_mut(&mut view, |location, op| {
        if let Some(content) = op
            .pointer_mut("/requestBody/content")
            .and_then(Value::as_object_mut)
            && (content.len() > 1 || !content.contains_key(JSON))
        {
            let offered: Vec<String> = content.keys().cloned().collect();
            let chosen = if content.contains_key(JSON) {
                Some(JSON.to_owned())
            } else {
                offered.iter().find(|m| m.ends_with("+json")).cloned()
            };
            if let Some(chosen) = chosen {
                let media = content.remove(&chosen).unwrap_or(Value::Null);
                content.clear();
                content.insert(JSON.to_owned(), media);
                log.push(Adaptation {
                    step: "request-body-json-only",
                    location: location.to_owned(),
                    detail: format!(
                        "body offered as {}; the client view keeps {chosen} as {JSON}",
                        offered.join(", ")
                    ),
                });
            }
        }
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for (status, response) in responses.iter_mut() {
                json_only_response(response, format!("{location} {status}"), &mut log);
            }
        }
    });
    if let Some(responses) = view
        .pointer_mut("/components/responses")
        .and_then(Value::as_object_mut)
    {
        for (name, response) in responses.iter_mut() {
            json_only_response(response, format!("components.responses.{name}"), &mut log);
        }
    }
    let stripped = spec::strip_extensions(&mut view);
    if stripped > 0 {
        log.push(Adaptation {
            step: "strip-extensions",
            location: "document".into(),
            detail: format!("removed {stripped} x- extension(s)"),
        });
    }
    (view, log)
}

/// Step 2 for one response object: keep only its JSON media type when it offers others too.
fn json_only_response(response: &mut Value, location: String, log: &mut Vec<Adaptation>) {
    let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    if content.len() > 1 && content.contains_key(JSON) {
        let dropped: Vec<String> = content.keys().filter(|m| *m != JSON).cloned().collect();
        content.retain(|media, _| media == JSON);
        log.push(Adaptation {
            step: "response-json-only",
            location,
            detail: format!("dropped {}", dropped.join(", ")),
        });
    }
}

/// A spec, bundled, with its client view.
pub struct ClientSpec {
    pub api: String,
    pub source: String,
    pub view: Value,
    pub adaptations: Vec<Adaptation>,
}

/// The client view of every spec, for the snapshots.
pub fn client_specs(root: &Path) -> Result<Vec<ClientSpec>> {
    Ok(plumbing::specs(root)?
        .into_iter()
        .map(|spec| {
            let (view, adaptations) = client_view(&spec.api.doc);
            ClientSpec {
                api: spec.api.name,
                source: spec.source,
                view,
                adaptations,
            }
        })
        .collect())
}
