//! Local `$ref` resolution and `allOf` flattening.

use serde_json::{Map, Value};

static NULL: Value = Value::Null;

/// How many `$ref` hops are followed before giving up (a chain longer than this is a cycle).
const MAX_HOPS: usize = 32;

/// Follows `$ref`s (local JSON pointers such as `#/components/schemas/Account`) from `v`.
///
/// Returns the last `$ref` followed, if any, and the value it leads to; an unresolvable or
/// cyclic reference leads to `null`. Siblings of a `$ref` are ignored, as OpenAPI 3.0 says.
pub(crate) fn resolve<'a>(doc: &'a Value, v: &'a Value) -> (Option<&'a str>, &'a Value) {
    let mut last = None;
    let mut cur = v;
    for _ in 0..MAX_HOPS {
        let Some(r) = cur.get("$ref").and_then(Value::as_str) else {
            return (last, cur);
        };
        last = Some(r);
        cur = r.strip_prefix('#').and_then(|p| doc.pointer(p)).unwrap_or(&NULL);
    }
    (last, &NULL)
}

/// The schema `s` with its `allOf` members merged in: properties and `required` are united, any
/// other keyword is taken from the schema itself first, then from the members in order.
pub(crate) fn flatten(doc: &Value, s: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    flatten_into(doc, s, &mut out, &mut Vec::new());
    out
}

fn flatten_into<'a>(doc: &'a Value, s: &'a Value, out: &mut Map<String, Value>, stack: &mut Vec<&'a str>) {
    let Some(obj) = s.as_object() else { return };
    for (k, v) in obj {
        match (k.as_str(), out.get_mut(k)) {
            ("allOf", _) => {}
            ("properties", Some(Value::Object(props))) => {
                for (name, p) in v.as_object().into_iter().flatten() {
                    props.entry(name.clone()).or_insert_with(|| p.clone());
                }
            }
            ("required", Some(Value::Array(req))) => {
                for name in v.as_array().into_iter().flatten() {
                    if !req.contains(name) {
                        req.push(name.clone());
                    }
                }
            }
            (_, Some(_)) => {}
            (_, None) => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    for member in obj.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        let (r, target) = resolve(doc, member);
        if let Some(r) = r {
            if stack.contains(&r) {
                continue;
            }
            stack.push(r);
        }
        flatten_into(doc, target, out, stack);
        if r.is_some() {
            stack.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resolves_chains_and_stops_on_cycles() {
        let doc = json!({"components": {"schemas": {
            "A": {"$ref": "#/components/schemas/B"},
            "B": {"type": "string"},
            "X": {"$ref": "#/components/schemas/Y"},
            "Y": {"$ref": "#/components/schemas/X"},
        }}});
        let a = json!({"$ref": "#/components/schemas/A"});
        assert_eq!(resolve(&doc, &a), (Some("#/components/schemas/B"), &json!({"type": "string"})));
        let x = json!({"$ref": "#/components/schemas/X"});
        assert_eq!(resolve(&doc, &x).1, &Value::Null);
    }

    #[test]
    fn flattens_all_of_including_self_reference() {
        let doc = json!({"components": {"schemas": {
            "Base": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
            "Loop": {"allOf": [{"$ref": "#/components/schemas/Loop"}], "nullable": true},
        }}});
        let s = json!({"allOf": [{"$ref": "#/components/schemas/Base"},
            {"required": ["name"], "properties": {"name": {"type": "string"}}}]});
        let flat = flatten(&doc, &s);
        assert_eq!(flat["required"], json!(["id", "name"]));
        assert_eq!(flat["type"], json!("object"));
        let props: Vec<_> = flat["properties"].as_object().expect("object").keys().collect();
        assert_eq!(props, ["id", "name"]);
        let looped = flatten(&doc, &doc["components"]["schemas"]["Loop"]);
        assert_eq!(looped.get("nullable"), Some(&json!(true)));
    }
}
