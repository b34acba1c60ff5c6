//! Walks over a document: its references, media types and schemas, wherever they are written.

use serde_json::Value;

use crate::spec::join;
use crate::spec::resolve::follow;

/// A `$ref` followed to what it names (lenient: a broken reference leaves the value itself;
/// the unresolvable-reference rule reports those).
pub(super) fn local<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match follow(doc, value) {
        (_, Value::Null) => value,
        (_, target) => target,
    }
}

/// Every `$ref` string in `value`, with the pointer of the object holding it.
pub(super) fn collect_refs(value: &Value, ptr: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push((ptr.to_owned(), r.clone()));
            }
            for (key, child) in map {
                if key != "example" && key != "examples" {
                    collect_refs(child, &join(ptr, key), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                collect_refs(child, &format!("{ptr}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Every media type object (`.../content/<media-type>`) outside schemas and examples.
pub(super) fn collect_media_types<'a>(
    value: &'a Value,
    ptr: &str,
    out: &mut Vec<(String, &'a Value)>,
) {
    let Some(map) = value.as_object() else {
        if let Value::Array(items) = value {
            for (i, child) in items.iter().enumerate() {
                collect_media_types(child, &format!("{ptr}/{i}"), out);
            }
        }
        return;
    };
    for (key, child) in map {
        match key.as_str() {
            "schema" | "schemas" | "example" | "examples" => {}
            "content" => {
                if let Some(content) = child.as_object() {
                    for (media, mt) in content {
                        out.push((join(&join(ptr, "content"), media), mt));
                    }
                }
            }
            _ => collect_media_types(child, &join(ptr, key), out),
        }
    }
}

/// Every schema object in the document (component schemas, schemas of parameters, headers and
/// media types, and everything nested in them), with its pointer.
pub(super) fn collect_schemas<'a>(doc: &'a Value, ptr: &str, out: &mut Vec<(String, &'a Value)>) {
    match doc {
        Value::Object(map) => {
            for (key, child) in map {
                let cp = join(ptr, key);
                match key.as_str() {
                    "example" | "examples" => {}
                    "schema" => nested_schemas(child, &cp, out),
                    "schemas" if ptr == "/components" => {
                        if let Some(schemas) = child.as_object() {
                            for (name, schema) in schemas {
                                nested_schemas(schema, &join(&cp, name), out);
                            }
                        }
                    }
                    _ => collect_schemas(child, &cp, out),
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                collect_schemas(child, &format!("{ptr}/{i}"), out);
            }
        }
        _ => {}
    }
}

pub(super) fn nested_schemas<'a>(schema: &'a Value, ptr: &str, out: &mut Vec<(String, &'a Value)>) {
    let Some(map) = schema.as_object() else {
        return;
    };
    out.push((ptr.to_owned(), schema));
    for (key, child) in map {
        let cp = join(ptr, key);
        match key.as_str() {
            "properties" => {
                if let Some(props) = child.as_object() {
                    for (name, prop) in props {
                        nested_schemas(prop, &join(&cp, name), out);
                    }
                }
            }
            "items" | "additionalProperties" | "not" => nested_schemas(child, &cp, out),
            "allOf" | "anyOf" | "oneOf" => {
                for (i, s) in child.as_array().into_iter().flatten().enumerate() {
                    nested_schemas(s, &format!("{cp}/{i}"), out);
                }
            }
            _ => {}
        }
    }
}
