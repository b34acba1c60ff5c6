//! Rules on parameters: the kinds progenitor refuses, and values outside a parameter's range.

use serde_json::Value;

use super::walk::local;
use super::{Cx, LintedOperation};
use crate::spec::resolve::follow;
use crate::spec::{METHODS, join};

/// `cookie-parameter`.
pub(super) fn cookie_parameter(cx: &mut Cx, op: &LintedOperation) {
    for (pointer, param) in operation_parameters(cx.doc, op) {
        if param.get("in").and_then(Value::as_str) == Some("cookie") {
            cx.report(&pointer, "cookie parameters are refused by progenitor");
        }
    }
}

/// `deep-object`.
pub(super) fn deep_object(cx: &mut Cx, op: &LintedOperation) {
    for (pointer, param) in operation_parameters(cx.doc, op) {
        if param.get("in").and_then(Value::as_str) == Some("query")
            && param.get("style").and_then(Value::as_str) == Some("deepObject")
        {
            cx.report(
                &pointer,
                "deepObject query parameters are refused by progenitor",
            );
        }
    }
}

/// The parameters an operation takes, its path item's first, each followed through `$ref`s.
/// The pointers number them in that one list, the path item's under `/parameters`.
fn operation_parameters<'a>(doc: &'a Value, op: &LintedOperation<'a>) -> Vec<(String, &'a Value)> {
    let parameters = |v: &'a Value| v.get("parameters").and_then(Value::as_array).into_iter();
    parameters(op.item)
        .flatten()
        .map(|p| ("/parameters".to_owned(), p))
        .chain(
            parameters(op.op)
                .flatten()
                .map(|p| (format!("{}/parameters", op.ptr), p)),
        )
        .enumerate()
        .map(|(i, (base, param))| (format!("{base}/{i}"), follow(doc, param).1))
        .collect()
}

/// `parameter-range`: a parameter's example or default must lie inside its schema's
/// `minimum`/`maximum`, and a description that promises clamping contradicts a `maximum` (a
/// value above it is invalid).
pub(super) fn parameter_range(cx: &mut Cx) {
    let doc = cx.doc;
    for (ptr, param) in written_parameters(doc) {
        if param.get("$ref").is_some() {
            continue;
        }
        let Some(schema) = param.get("schema").map(|s| local(doc, s)) else {
            continue;
        };
        let min = schema.get("minimum").and_then(Value::as_f64);
        let max = schema.get("maximum").and_then(Value::as_f64);
        if min.is_none() && max.is_none() {
            continue;
        }
        for (vp, value) in parameter_values(doc, &ptr, param, schema) {
            let Some(n) = value.as_f64() else { continue };
            if let Some(min) = min.filter(|m| n < *m) {
                cx.report(
                    &vp,
                    format!("{value} is below the parameter's minimum {min}"),
                );
            }
            if let Some(max) = max.filter(|m| n > *m) {
                cx.report(
                    &vp,
                    format!("{value} is above the parameter's maximum {max}"),
                );
            }
        }
        let clamps = param
            .get("description")
            .and_then(Value::as_str)
            .is_some_and(|d| d.to_lowercase().contains("clamp"));
        if clamps && let Some(max) = schema.get("maximum") {
            cx.report(
                &format!("{ptr}/description"),
                format!("the description says values are clamped, but 'maximum: {max}' makes a larger value invalid"),
            );
        }
    }
}

/// Every parameter as written (component, path item or operation), with its pointer.
fn written_parameters(doc: &Value) -> Vec<(String, &Value)> {
    let mut params: Vec<(String, &Value)> = Vec::new();
    if let Some(map) = doc
        .pointer("/components/parameters")
        .and_then(Value::as_object)
    {
        for (key, p) in map {
            params.push((join("/components/parameters", key), p));
        }
    }
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let item_ptr = join("/paths", path);
        for (i, p) in listed(item) {
            params.push((format!("{item_ptr}/parameters/{i}"), p));
        }
        for method in METHODS {
            let op_ptr = join(&item_ptr, method);
            let Some(op) = item.get(method) else { continue };
            for (i, p) in listed(op) {
                params.push((format!("{op_ptr}/parameters/{i}"), p));
            }
        }
    }
    params
}

/// The `parameters` listed on a path item or an operation, numbered.
fn listed(v: &Value) -> impl Iterator<Item = (usize, &Value)> {
    v.get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

/// The values a parameter (at `ptr`, its schema followed to `schema`) shows readers: its
/// examples, and its schema's default and example when the schema is its own.
fn parameter_values<'a>(
    doc: &'a Value,
    ptr: &str,
    param: &'a Value,
    schema: &'a Value,
) -> Vec<(String, &'a Value)> {
    let mut values: Vec<(String, &Value)> = Vec::new();
    if let Some(v) = param.get("example") {
        values.push((format!("{ptr}/example"), v));
    }
    if let Some(map) = param.get("examples").and_then(Value::as_object) {
        for (key, example) in map {
            if let Some(v) = local(doc, example).get("value") {
                values.push((join(&join(&format!("{ptr}/examples"), key), "value"), v));
            }
        }
    }
    for key in ["default", "example"] {
        if param.pointer("/schema/$ref").is_none()
            && let Some(v) = schema.get(key)
        {
            values.push((format!("{ptr}/schema/{key}"), v));
        }
    }
    values
}
