//! Rules that keep operations documented and addressable: ids, summaries, tags and security.

use serde_json::Value;

use super::{Cx, LintedOperation};

/// The operation's `operationId`, unless missing or empty.
fn operation_id<'a>(op: &LintedOperation<'a>) -> Option<&'a str> {
    op.op
        .get("operationId")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
}

/// `missing-operation-id`.
pub(super) fn missing_operation_id(cx: &mut Cx, op: &LintedOperation) {
    if operation_id(op).is_none() {
        cx.report(&op.ptr, "operation has no operationId");
    }
}

/// `operation-id-snake-case`: the generated method names are the ids as written.
pub(super) fn operation_id_snake_case(cx: &mut Cx, op: &LintedOperation) {
    if let Some(id) = operation_id(op)
        && !is_snake_case(id)
    {
        cx.report(&op.ptr, format!("operationId '{id}' is not snake_case"));
    }
}

/// `duplicate-operation-id`: across every file linted together, naming the first use.
pub(super) fn duplicate_operation_id(cx: &mut Cx, op: &LintedOperation) {
    let Some(id) = operation_id(op) else { return };
    match cx.linter.operation_ids.get(id) {
        Some((file, other)) => {
            let msg = format!("duplicate operationId '{id}' (also at {file}: {other})");
            cx.report(&op.ptr, msg);
        }
        None => {
            let first = (cx.name.to_owned(), op.ptr.clone());
            cx.linter.operation_ids.insert(id.to_owned(), first);
        }
    }
}

/// `no-summary`.
pub(super) fn no_summary(cx: &mut Cx, op: &LintedOperation) {
    if op
        .op
        .get("summary")
        .and_then(Value::as_str)
        .is_none_or(|s| s.trim().is_empty())
    {
        cx.report(&op.ptr, "operation has no summary");
    }
}

/// `no-tags`.
pub(super) fn no_tags(cx: &mut Cx, op: &LintedOperation) {
    if op
        .op
        .get("tags")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        cx.report(&op.ptr, "operation has no tags");
    }
}

/// `no-security`: in a document with security schemes and no global requirement, each
/// operation states its own.
pub(super) fn no_security(cx: &mut Cx, op: &LintedOperation) {
    let has_security = cx
        .doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .is_some_and(|s| !s.is_empty());
    let global_security = cx.doc.get("security").is_some();
    if has_security && !global_security && op.op.get("security").is_none() {
        cx.report(&op.ptr, "operation has no security requirement");
    }
}

fn is_snake_case(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !id.contains("__")
        && !id.ends_with('_')
}
