//! Following local `$ref`s (`#/components/...`) inside one (bundled) document.

use anyhow::{Result, anyhow, bail};
use serde_json::Value;

use crate::pointer::unescape;

/// How many `$ref` hops are followed before a chain counts as a cycle.
const MAX_HOPS: usize = 32;

/// What one local `$ref` string (`#/components/schemas/User`) names in `doc`, without following
/// the references the target may hold itself (for readers that stop at a named component).
pub fn lookup<'a>(doc: &'a Value, reference: &str) -> Result<&'a Value> {
    let pointer = reference
        .strip_prefix('#')
        .ok_or_else(|| anyhow!("reference '{reference}' is not local (bundle the spec first)"))?;
    doc.pointer(pointer)
        .ok_or_else(|| anyhow!("unresolvable reference '{reference}'"))
}

/// Follows `$ref`s from `value` to what they name. Siblings of a `$ref` are ignored, as
/// OpenAPI 3.0 says. Fails on an external, unresolvable or cyclic reference.
pub fn resolve<'a>(doc: &'a Value, value: &'a Value) -> Result<&'a Value> {
    let mut current = value;
    for _ in 0..MAX_HOPS {
        let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
            return Ok(current);
        };
        current = lookup(doc, reference)?;
    }
    bail!("reference chain longer than {MAX_HOPS} hops (a cycle?)")
}

/// Like [`resolve`], for readers that tolerate a broken document: returns the last `$ref`
/// followed, if any, and the value it leads to (`null` when it leads nowhere).
pub fn follow<'a>(doc: &'a Value, value: &'a Value) -> (Option<&'a str>, &'a Value) {
    static NULL: Value = Value::Null;
    let mut last = None;
    let mut current = value;
    for _ in 0..MAX_HOPS {
        let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
            return (last, current);
        };
        last = Some(reference);
        current = lookup(doc, reference).unwrap_or(&NULL);
    }
    (last, &NULL)
}

/// The component schema a schema names: a `$ref` to `#/components/schemas/<Name>`, or a
/// single-entry `allOf` of one (the 3.0 way to put `nullable` or a description beside a `$ref`).
pub fn component_name(schema: &Value) -> Option<String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference
            .strip_prefix("#/components/schemas/")
            .map(unescape);
    }
    match schema.get("allOf").and_then(Value::as_array) {
        Some(parts) if parts.len() == 1 => component_name(&parts[0]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_chains_and_reports_failures() {
        let doc = serde_json::json!({"components": {"schemas": {
            "A": {"$ref": "#/components/schemas/B"},
            "B": {"type": "string"},
            "C": {"$ref": "#/components/schemas/C"}
        }}});
        let a = serde_json::json!({"$ref": "#/components/schemas/A"});
        assert_eq!(
            resolve(&doc, &a).expect("resolves"),
            &serde_json::json!({"type": "string"})
        );
        assert!(resolve(&doc, &serde_json::json!({"$ref": "#/nowhere"})).is_err());
        assert!(resolve(&doc, &serde_json::json!({"$ref": "other.yaml#/x"})).is_err());
        assert!(resolve(&doc, &serde_json::json!({"$ref": "#/components/schemas/C"})).is_err());
        assert_eq!(follow(&doc, &a).0, Some("#/components/schemas/B"));
        assert_eq!(
            lookup(&doc, "#/components/schemas/A").expect("names A"),
            &serde_json::json!({"$ref": "#/components/schemas/B"})
        );
        assert!(lookup(&doc, "other.yaml#/components/schemas/A").is_err());
        assert!(lookup(&doc, "#/components/schemas/Z").is_err());
        let cycle = serde_json::json!({"$ref": "#/components/schemas/C"});
        assert_eq!(follow(&doc, &cycle).1, &Value::Null);
        assert_eq!(
            follow(&doc, &serde_json::json!({"$ref": "#/nowhere"})).1,
            &Value::Null
        );
        assert_eq!(
            component_name(&serde_json::json!({"allOf": [{"$ref": "#/components/schemas/X~1Y"}]})),
            Some("X/Y".into())
        );
    }
}
