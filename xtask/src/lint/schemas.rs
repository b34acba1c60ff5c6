//! Rules on schema objects: properties are declared, described and distinct in Rust, and
//! `nullable` means what it says.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Cx;
use crate::spec::join;
use crate::spec::resolve::follow;

/// `required-not-defined`: a required name without a property is a typo that typify turns into
/// a field of any JSON type, and that every generated request would fail to send.
pub(super) fn required_not_defined(cx: &mut Cx, ptr: &str, schema: &Value) {
    let declared_elsewhere = ["allOf", "anyOf", "oneOf"]
        .iter()
        .any(|k| schema.get(*k).is_some())
        || schema
            .get("additionalProperties")
            .is_some_and(|a| a != &Value::Bool(false));
    if declared_elsewhere {
        return;
    }
    let properties = schema.get("properties").and_then(Value::as_object);
    for required in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let required = required.as_str().unwrap_or_default();
        if !properties.is_some_and(|p| p.contains_key(required)) {
            cx.report(
                &format!("{ptr}/required"),
                format!("required property '{required}' is not defined in properties"),
            );
        }
    }
}

/// `property-without-description`.
pub(super) fn property_without_description(cx: &mut Cx, ptr: &str, schema: &Value) {
    let doc = cx.doc;
    for (prop, value) in properties(schema) {
        if !has_description(doc, value) {
            let pp = join(&format!("{ptr}/properties"), prop);
            cx.report(&pp, format!("property '{prop}' has no description"));
        }
    }
}

/// `rust-name-collision`: typify would give two properties one field.
pub(super) fn rust_name_collision(cx: &mut Cx, ptr: &str, schema: &Value) {
    let mut rust_names: BTreeMap<String, &str> = BTreeMap::new();
    for (prop, _) in properties(schema) {
        if let Some(other) = rust_names.insert(rust_field_name(prop), prop) {
            let pp = join(&format!("{ptr}/properties"), prop);
            cx.report(
                &pp,
                format!("properties '{other}' and '{prop}' map to one Rust field name"),
            );
        }
    }
}

/// `nullable-without-type`: `nullable: true` only takes effect beside a `type` in OpenAPI
/// 3.0.3: on an `allOf` or a `$ref` without one, `null` still fails validation.
pub(super) fn nullable_without_type(cx: &mut Cx, ptr: &str, schema: &Value) {
    if schema.get("nullable") == Some(&Value::Bool(true)) && schema.get("type").is_none() {
        cx.report(
            &format!("{ptr}/nullable"),
            "'nullable: true' without a sibling 'type' has no effect in OpenAPI 3.0.3 (add the type)",
        );
    }
}

/// `nullable-composition`: OpenAPI 3.0.3 says that beside `nullable`, every other keyword keeps
/// its meaning "and therefore may disallow the use of null", so `nullable: true` beside an
/// `allOf` (or a `$ref`) whose target is not itself nullable still rejects `null` in every OAS
/// 3.0 validator.
pub(super) fn nullable_composition(cx: &mut Cx, ptr: &str, schema: &Value) {
    if schema.get("nullable") != Some(&Value::Bool(true)) {
        return;
    }
    let members = schema.get("allOf").and_then(Value::as_array);
    let references = members
        .into_iter()
        .flatten()
        .chain(std::iter::once(schema))
        .filter_map(|s| s.get("$ref").and_then(Value::as_str));
    for reference in references {
        // An unresolvable reference is reported where it is written.
        let Ok((_, target)) = cx.linter.files.resolve(cx.file, reference) else {
            continue;
        };
        if target.get("nullable") != Some(&Value::Bool(true)) {
            cx.report(
                &format!("{ptr}/nullable"),
                format!(
                    "'nullable: true' beside '{reference}' does not admit null in OpenAPI 3.0: the target is not nullable and its constraints still apply (mark the target 'nullable: true' beside its type, or drop 'nullable' here)"
                ),
            );
        }
    }
}

fn properties(schema: &Value) -> impl Iterator<Item = (&String, &Value)> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

fn has_description(doc: &Value, schema: &Value) -> bool {
    let described = |s: &Value| {
        s.get("description")
            .and_then(Value::as_str)
            .is_some_and(|d| !d.trim().is_empty())
    };
    if described(schema) {
        return true;
    }
    // A bare `$ref` property is described by the schema it names (OpenAPI 3.0 ignores siblings
    // of `$ref`), and so is a one-element `allOf` wrapper.
    let target = match (
        schema.get("$ref"),
        schema.get("allOf").and_then(Value::as_array),
    ) {
        (Some(_), _) => Some(schema),
        (None, Some(all)) if all.len() == 1 => all.first(),
        _ => None,
    };
    let Some(target) = target else {
        return false;
    };
    match target.get("$ref").and_then(Value::as_str) {
        Some(reference) if reference.starts_with('#') => described(follow(doc, target).1),
        // External targets are linted in their own file; a reference that does not resolve is
        // reported by the reference rule.
        Some(_) => true,
        None => false,
    }
}

/// How typify names a field: snake case, with dashes and other separators folded to `_`.
fn rust_field_name(property: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in property.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    out.trim_matches('_').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_field_names_follow_typify() {
        assert_eq!(rust_field_name("created-by"), "created_by");
        assert_eq!(rust_field_name("created_by"), "created_by");
        assert_eq!(rust_field_name("allocationId"), "allocation_id");
        assert_eq!(rust_field_name("segment-1"), "segment_1");
    }
}
