//! Rules on the document as a whole: its OpenAPI version and the vendor it declares.

use serde_json::Value;

use super::Cx;
use crate::spec::{self, Vendor, join};

/// `openapi-version`: progenitor reads OpenAPI 3.0 only.
pub(super) fn openapi_version(cx: &mut Cx) {
    match cx.doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => {}
        Some(v) => cx.report(
            "/openapi",
            format!("version {v} is not OpenAPI 3.0.x (progenitor reads 3.0 only)"),
        ),
        None => cx.report("", "not an OpenAPI document: no 'openapi' version"),
    }
}

/// `vendor-missing`: a document with operations names its vendor in `info`.
pub(super) fn vendor_missing(cx: &mut Cx) {
    if let Some(error) = vendor_error(cx.doc)
        && cx.doc.pointer(&vendor_pointer()).is_none()
    {
        cx.report("/info", error);
    }
}

/// `vendor-unknown`: the vendor a document names is one of the workspace's.
pub(super) fn vendor_unknown(cx: &mut Cx) {
    let pointer = vendor_pointer();
    if let Some(error) = vendor_error(cx.doc)
        && cx.doc.pointer(&pointer).is_some()
    {
        cx.report(&pointer, error);
    }
}

fn vendor_pointer() -> String {
    join("/info", spec::vendor::EXTENSION)
}

/// Why the vendor of a document with operations cannot be read. A file of shared components
/// (`openapi/common/*.yaml`, `paths: {}`) belongs to no vendor of its own.
fn vendor_error(doc: &Value) -> Option<String> {
    let declares_operations = doc
        .get("paths")
        .and_then(Value::as_object)
        .is_some_and(|paths| !paths.is_empty());
    if !declares_operations {
        return None;
    }
    Vendor::of(doc).err().map(|err| format!("{err}"))
}
