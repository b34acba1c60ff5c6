//! The one conversion of OpenAPI 3.0 schemas into JSON Schema (2020-12), used both by the
//! server stubs (embedded in the generated code, enforced at run time) and by the lint (which
//! validates every example with it), so an example the lint accepts is one the server accepts.
//!
//! - `nullable: true` beside a `type` becomes a type union (`["string", "null"]`) and adds `null`
//!   to an `enum`; nothing more. As OpenAPI 3.0.3 says, the schema's other keywords keep their
//!   meaning and may still reject null: beside an `allOf` or `$ref` whose target is not nullable
//!   itself, null stays invalid (so the stubs and partners' OAS 3.0 validators agree; the lint
//!   refuses that shape), and without a `type` `nullable` has no effect (also refused);
//! - OpenAPI's boolean `exclusiveMinimum`/`exclusiveMaximum` become 2020-12's numeric ones;
//! - component references `#/components/schemas/<Name>` become `#/$defs/<Name>`;
//! - documentation keywords (`description`, `example`, `examples`, `externalDocs`, `title`)
//!   and `x-` extensions are dropped; `xml` objects are kept (the XML codec reads them).

use serde_json::{Map, Value, json};

/// One schema in the 2020-12 dialect, with references into `#/$defs`.
pub fn to_json_schema(schema: &Value) -> Value {
    let mut converted = nullable_to_unions(schema);
    tidy(&mut converted);
    converted
}

/// Every component schema of a (bundled) document, converted: `{"$defs": {<Name>: …}}`.
pub fn defs_document(doc: &Value) -> Value {
    let defs: Map<String, Value> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, schema)| (name.clone(), to_json_schema(schema)))
        .collect();
    json!({ "$defs": defs })
}

/// A schema of the document as a standalone JSON Schema: the converted schema with the
/// document's converted components under `$defs`, ready to compile into a validator.
pub fn standalone(doc: &Value, schema: &Value) -> Value {
    let converted = to_json_schema(schema);
    let defs = defs_document(doc)["$defs"].take();
    match converted {
        Value::Object(mut map) => {
            map.insert(
                "$schema".into(),
                json!("https://json-schema.org/draft/2020-12/schema"),
            );
            map.insert("$defs".into(), defs);
            Value::Object(map)
        }
        other => json!({ "$defs": defs, "allOf": [other] }),
    }
}

fn nullable_to_unions(schema: &Value) -> Value {
    let Some(map) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        let converted = match key.as_str() {
            "properties" | "patternProperties" => Value::Object(
                value
                    .as_object()
                    .map(|props| {
                        props
                            .iter()
                            .map(|(k, v)| (k.clone(), nullable_to_unions(v)))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            "items" | "additionalProperties" | "not" => nullable_to_unions(value),
            "allOf" | "anyOf" | "oneOf" => Value::Array(
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(nullable_to_unions)
                    .collect(),
            ),
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    if out.get("nullable") == Some(&Value::Bool(true)) {
        match out.get_mut("type") {
            Some(Value::String(t)) => {
                let t = std::mem::take(t);
                out.insert("type".into(), json!([t, "null"]));
            }
            Some(Value::Array(types)) if !types.contains(&Value::from("null")) => {
                types.push(Value::from("null"));
            }
            _ => {}
        }
        if let Some(Value::Array(values)) = out.get_mut("enum")
            && !values.contains(&Value::Null)
        {
            values.push(Value::Null);
        }
    }
    Value::Object(out)
}

fn tidy(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|key, _| {
                !key.starts_with("x-")
                    && !matches!(
                        key.as_str(),
                        "description" | "example" | "examples" | "externalDocs" | "title"
                    )
            });
            map.remove("nullable");
            if let Some(Value::String(reference)) = map.get_mut("$ref")
                && let Some(name) = reference.strip_prefix("#/components/schemas/")
            {
                *reference = format!("#/$defs/{name}");
            }
            for (flag, bound) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                if let Some(Value::Bool(exclusive)) = map.get(flag).cloned() {
                    map.remove(flag);
                    if exclusive && let Some(limit) = map.remove(bound) {
                        map.insert(flag.to_owned(), limit);
                    }
                }
            }
            for (key, child) in map.iter_mut() {
                // `properties` maps names to schemas: only its values are schemas.
                if key == "properties" {
                    if let Value::Object(properties) = child {
                        properties.values_mut().for_each(tidy);
                    }
                } else if key != "enum" && key != "default" && key != "xml" {
                    tidy(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(tidy),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_becomes_a_type_union_and_refs_point_into_defs() {
        let schema = json!({
            "type": "object", "description": "x", "x-unconfirmed": "y",
            "properties": {
                "a": {"type": "string", "nullable": true, "maxLength": 3},
                "b": {"nullable": true, "allOf": [{"$ref": "#/components/schemas/B"}]},
                "c": {"type": "integer", "minimum": 0, "exclusiveMinimum": true},
                "e": {"type": "string", "nullable": true, "enum": ["x"]},
                "description": {"type": "string"}
            }
        });
        assert_eq!(
            to_json_schema(&schema),
            json!({
                "type": "object",
                "properties": {
                    "a": {"type": ["string", "null"], "maxLength": 3},
                    "b": {"allOf": [{"$ref": "#/$defs/B"}]},
                    "c": {"type": "integer", "exclusiveMinimum": 0},
                    "e": {"type": ["string", "null"], "enum": ["x", null]},
                    "description": {"type": "string"}
                }
            })
        );
    }

    /// OAS 3.0 semantics: `nullable` widens the sibling `type` only; an `allOf` target that is
    /// not nullable still rejects null, and one that is nullable admits it.
    #[test]
    fn nullable_beside_a_composition_follows_its_target() {
        let typed = json!({"type": "object", "allOf": [{"$ref": "#/components/schemas/X"}], "nullable": true});
        assert_eq!(
            to_json_schema(&typed),
            json!({"type": ["object", "null"], "allOf": [{"$ref": "#/$defs/X"}]})
        );
        let validate = |target: Value, instance: Value| {
            let doc = json!({"components": {"schemas": {"X": target}}});
            let schema = standalone(&doc, &typed);
            jsonschema::validator_for(&schema)
                .expect("schema compiles")
                .is_valid(&instance)
        };
        let x = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        let nullable_x =
            json!({"type": "object", "nullable": true, "properties": {"a": {"type": "string"}}});
        assert!(!validate(x.clone(), Value::Null));
        assert!(validate(x, json!({"a": "b"})));
        assert!(validate(nullable_x, Value::Null));
    }

    #[test]
    fn standalone_carries_the_components() {
        let doc = json!({"components": {"schemas": {"B": {"type": "string", "nullable": true}}}});
        let schema = standalone(&doc, &json!({"$ref": "#/components/schemas/B"}));
        assert_eq!(schema["$ref"], json!("#/$defs/B"));
        assert_eq!(schema["$defs"]["B"], json!({"type": ["string", "null"]}));
    }
}
