//! Rules on references: every `$ref` resolves, and none stands for a whole path item.

use serde_json::Value;

use super::{Cx, walk};
use crate::spec::join;

/// `unresolvable-ref`: each `$ref` of the document, outside examples, resolves.
pub(super) fn unresolvable_ref(cx: &mut Cx) {
    let mut refs = Vec::new();
    walk::collect_refs(cx.doc, "", &mut refs);
    for (pointer, reference) in refs {
        if cx.linter.files.resolve(cx.file, &reference).is_err() {
            cx.report(&pointer, format!("unresolvable reference '{reference}'"));
        }
    }
}

/// `path-item-ref`: progenitor refuses a path item that is a `$ref`.
pub(super) fn path_item_ref(cx: &mut Cx) {
    let doc = cx.doc;
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if item.get("$ref").is_some() {
            cx.report(
                &join("/paths", path),
                "path item is a $ref (progenitor refuses them; write the operations here)",
            );
        }
    }
}
