//! Rules on bodies and responses: the shapes progenitor refuses or panics on when it types an
//! operation's results.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Cx, LintedOperation};
use crate::spec::join;
use crate::spec::resolve::follow;

/// `inline-body-schema`: progenitor names body types after their component schemas.
pub(super) fn inline_body_schema(cx: &mut Cx, op: &LintedOperation) {
    let request = op
        .op
        .pointer("/requestBody/content")
        .and_then(Value::as_object);
    for (media, mt) in request.into_iter().flatten() {
        if mt.get("schema").is_some_and(|s| !is_named(s)) {
            let content = format!("{}/requestBody/content", op.ptr);
            cx.report(
                &join(&join(&content, media), "schema"),
                "inline request body schema: use a named component schema ($ref)",
            );
        }
    }
    let doc = cx.doc;
    let responses = op.op.get("responses").and_then(Value::as_object);
    for (status, response) in responses.into_iter().flatten() {
        let content = follow(doc, response)
            .1
            .get("content")
            .and_then(Value::as_object);
        for (media, mt) in content.into_iter().flatten() {
            if mt.get("schema").is_some_and(|s| !is_named(s)) {
                let rp = join(&format!("{}/responses", op.ptr), status);
                cx.report(
                    &join(&join(&format!("{rp}/content"), media), "schema"),
                    "inline response schema: use a named component schema ($ref)",
                );
            }
        }
    }
}

/// `no-responses`.
pub(super) fn no_responses(cx: &mut Cx, op: &LintedOperation) {
    if op.op.get("responses").and_then(Value::as_object).is_none() {
        cx.report(&op.ptr, "operation has no responses");
    }
}

/// `status-200-and-204`.
pub(super) fn status_200_and_204(cx: &mut Cx, op: &LintedOperation) {
    let Some(statuses) = Statuses::of(cx.doc, op) else {
        return;
    };
    if statuses.success.contains_key("200") && statuses.success.contains_key("204") {
        cx.report(&op.ptr, "200 and 204 on one operation (progenitor panics)");
    }
}

/// `status-200-and-201`.
pub(super) fn status_200_and_201(cx: &mut Cx, op: &LintedOperation) {
    let Some(statuses) = Statuses::of(cx.doc, op) else {
        return;
    };
    if let (Some(a), Some(b)) = (statuses.success.get("200"), statuses.success.get("201"))
        && a != b
    {
        cx.report(
            &op.ptr,
            "200 and 201 with different schemas on one operation (progenitor panics)",
        );
    }
}

/// `typed-default`.
pub(super) fn typed_default(cx: &mut Cx, op: &LintedOperation) {
    let Some(statuses) = Statuses::of(cx.doc, op) else {
        return;
    };
    if statuses.default_typed && statuses.success.values().any(Option::is_some) {
        cx.report(
            &op.ptr,
            "typed 2xx response with a typed 'default' response (progenitor panics)",
        );
    }
}

/// `mixed-error-schemas`: progenitor gives an operation one error type.
pub(super) fn mixed_error_schemas(cx: &mut Cx, op: &LintedOperation) {
    let Some(statuses) = Statuses::of(cx.doc, op) else {
        return;
    };
    if statuses.error.len() > 1 {
        let kinds = statuses
            .error
            .iter()
            .map(|(schema, statuses)| {
                format!(
                    "{} for {}",
                    schema.as_deref().unwrap_or("no body"),
                    statuses.join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        cx.report(
            &op.ptr,
            format!("error responses of different schemas: {kinds} (progenitor panics; use one error schema)"),
        );
    }
}

/// An operation's responses by the schema progenitor types each with ([`primary_schema`]).
struct Statuses<'a> {
    /// Each 2xx status, with its schema.
    success: BTreeMap<&'a str, Option<String>>,
    /// Each schema of the 4xx, 5xx and `default` responses, with the statuses that use it.
    error: BTreeMap<Option<String>, Vec<&'a str>>,
    /// Whether the `default` response has a body.
    default_typed: bool,
}

impl<'a> Statuses<'a> {
    /// `None` when the operation has no responses (`no-responses` reports that).
    fn of(doc: &Value, op: &LintedOperation<'a>) -> Option<Self> {
        let responses = op.op.get("responses").and_then(Value::as_object)?;
        let mut statuses = Statuses {
            success: BTreeMap::new(),
            error: BTreeMap::new(),
            default_typed: false,
        };
        for (status, response) in responses {
            let primary = primary_schema(follow(doc, response).1);
            if status.starts_with('2') {
                statuses.success.insert(status, primary);
            } else if status == "default" {
                statuses.default_typed = primary.is_some();
                statuses.error.entry(primary).or_default().push(status);
            } else if status.starts_with('4') || status.starts_with('5') {
                statuses.error.entry(primary).or_default().push(status);
            }
        }
        Some(statuses)
    }
}

/// A body schema progenitor can name: a `$ref`, or an array of `$ref`s.
fn is_named(schema: &Value) -> bool {
    schema.get("$ref").is_some()
        || (schema.get("type").and_then(Value::as_str) == Some("array")
            && schema
                .get("items")
                .is_some_and(|items| items.get("$ref").is_some()))
}

/// The schema progenitor types a response with: the JSON media type's, else the first one's.
fn primary_schema(response: &Value) -> Option<String> {
    let content = response.get("content")?.as_object()?;
    let (_, mt) = content
        .iter()
        .find(|(media, _)| media.as_str() == "application/json" || media.ends_with("+json"))
        .or_else(|| content.iter().next())?;
    let schema = mt.get("schema")?;
    Some(
        schema
            .get("$ref")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| schema.to_string()),
    )
}
