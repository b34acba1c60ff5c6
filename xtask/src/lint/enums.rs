//! Rules on enums: values progenitor can tell apart, and no closed set of values promised in
//! responses the vendor may extend.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::Cx;
use super::walk::{self, local};
use crate::spec::{self, METHODS, join};

/// `enum-case`: progenitor derives one variant name per value, case folded.
pub(super) fn enum_case(cx: &mut Cx, ptr: &str, schema: &Value) {
    let Some(values) = schema.get("enum").and_then(Value::as_array) else {
        return;
    };
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for v in values.iter().filter_map(Value::as_str) {
        if let Some(other) = seen.insert(v.to_lowercase(), v)
            && other != v
        {
            cx.report(
                &format!("{ptr}/enum"),
                format!("enum values '{other}' and '{v}' differ only in case (progenitor panics)"),
            );
        }
    }
}

/// `closed-response-enum`: an enum on a schema that only responses use is a promise that the
/// vendor never adds a value: a new one would break every reader. Describe the values instead,
/// or opt in with `x-closed-enum: <reason>` on the schema holding the enum.
pub(super) fn closed_response_enum(cx: &mut Cx) {
    for (pointer, s) in response_only_schemas(cx.doc) {
        if s.get("enum").is_some() && s.get("x-closed-enum").is_none() {
            cx.report(
                &format!("{pointer}/enum"),
                "enum on a schema only responses use: a value the vendor adds later breaks readers (describe the values, or mark 'x-closed-enum: <reason>')",
            );
        }
    }
}

/// `closed-response-enum-ref`: a property that refers to an enum schema shared with requests
/// closes the response just the same.
pub(super) fn closed_response_enum_ref(cx: &mut Cx) {
    let doc = cx.doc;
    for (pointer, s) in response_only_schemas(doc) {
        let target = s.get("$ref").or_else(|| {
            s.get("allOf")
                .and_then(Value::as_array)
                .filter(|all| all.len() == 1)
                .and_then(|all| all[0].get("$ref"))
        });
        let enum_name = target
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"));
        // The `$ref` inside a one-element `allOf` is judged on the property holding it.
        let in_composition = pointer
            .rsplit('/')
            .nth(1)
            .is_some_and(|k| matches!(k, "allOf" | "anyOf" | "oneOf"));
        if let Some(enum_name) = enum_name
            && !in_composition
            && s.get("x-closed-enum").is_none()
            && doc
                .pointer(&join("/components/schemas", enum_name))
                .is_some_and(|t| t.get("enum").is_some() && t.get("x-closed-enum").is_none())
        {
            cx.report(
                &pointer,
                format!("refers to the enum '{enum_name}' from a schema only responses use: a value the vendor adds later breaks readers (describe the values, or mark 'x-closed-enum: <reason>')"),
            );
        }
    }
}

/// The component schemas that responses reach and no request body or parameter does, with
/// every schema nested in them and its pointer.
fn response_only_schemas(doc: &Value) -> Vec<(String, &Value)> {
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut written: Vec<&Value> = Vec::new();
    let mut read: Vec<&Value> = Vec::new();
    for item in paths.values() {
        let mut params: Vec<&Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            params.extend(
                op.get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            );
            if let Some(body) = op.get("requestBody") {
                written.push(local(doc, body));
            }
            for response in op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flat_map(|r| r.values())
            {
                read.push(local(doc, response));
            }
        }
        written.extend(params.into_iter().map(|p| local(doc, p)));
    }
    let written = reachable_schemas(doc, &written);
    let read = reachable_schemas(doc, &read);
    let mut nested = Vec::new();
    for schema_name in read.difference(&written) {
        let base = join("/components/schemas", schema_name);
        if let Some(schema) = doc.pointer(&base) {
            walk::nested_schemas(schema, &base, &mut nested);
        }
    }
    nested
}

/// Names of the component schemas reachable (through local `$ref`s) from the given nodes.
fn reachable_schemas(doc: &Value, roots: &[&Value]) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut followed: BTreeSet<String> = BTreeSet::new();
    let mut todo: Vec<&Value> = roots.to_vec();
    while let Some(node) = todo.pop() {
        let mut refs = Vec::new();
        walk::collect_refs(node, "", &mut refs);
        for (_, reference) in refs {
            let r = spec::Ref::parse(&reference);
            if r.file.is_some() {
                continue;
            }
            if let Some(schema_name) = r.pointer.strip_prefix("/components/schemas/") {
                let schema_name = spec::unescape(schema_name);
                if seen.insert(schema_name.clone())
                    && let Some(target) = doc.pointer(r.pointer)
                {
                    todo.push(target);
                }
            } else if followed.insert(r.pointer.to_owned())
                && let Some(target) = doc.pointer(r.pointer)
            {
                // A local response, parameter or request body component: follow into it.
                todo.push(target);
            }
        }
    }
    seen
}
