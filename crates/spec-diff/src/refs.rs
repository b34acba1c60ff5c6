//! Local `$ref` resolution and `allOf` flattening.

use serde_json::Value;

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
        cur = r
            .strip_prefix('#')
            .and_then(|p| doc.pointer(p))
            .unwrap_or(&NULL);
    }
    (last, &NULL)
}

/// A schema with its `allOf` members merged in, borrowing from the document (so that the
/// schemas it leads to keep their identity, which the recursion guard relies on).
#[derive(Debug, Default)]
pub(crate) struct Flat<'a> {
    /// Keywords other than `properties`, `required` and `allOf`: the schema's own first, then
    /// the members' in order; the first occurrence wins.
    keywords: Vec<(&'a str, &'a Value)>,
    /// The properties of the schema and its members, in order; the first occurrence wins.
    pub(crate) properties: Vec<(&'a str, &'a Value)>,
    /// The union of the `required` lists.
    pub(crate) required: Vec<&'a str>,
}

impl<'a> Flat<'a> {
    /// The value of a keyword.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.keywords
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    /// The schema of a property.
    pub(crate) fn property(&self, name: &str) -> Option<&'a Value> {
        self.properties
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
    }

    fn merge(&mut self, doc: &'a Value, s: &'a Value, stack: &mut Vec<&'a str>) {
        let Some(obj) = s.as_object() else { return };
        for (k, v) in obj {
            match k.as_str() {
                "allOf" => {}
                "properties" => {
                    for (name, p) in v.as_object().into_iter().flatten() {
                        if self.property(name).is_none() {
                            self.properties.push((name, p));
                        }
                    }
                }
                "required" => {
                    for name in v.as_array().into_iter().flatten().filter_map(Value::as_str) {
                        if !self.required.contains(&name) {
                            self.required.push(name);
                        }
                    }
                }
                k => {
                    if self.get(k).is_none() {
                        self.keywords.push((k, v));
                    }
                }
            }
        }
        for member in obj
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (r, target) = resolve(doc, member);
            if let Some(r) = r {
                if stack.contains(&r) {
                    continue;
                }
                stack.push(r);
            }
            self.merge(doc, target, stack);
            if r.is_some() {
                stack.pop();
            }
        }
    }
}

/// The schema `s` (already resolved) with its `allOf` members merged in: properties and
/// `required` are united, any other keyword is taken from the schema itself first, then from
/// the members in order.
pub(crate) fn flatten<'a>(doc: &'a Value, s: &'a Value) -> Flat<'a> {
    let mut flat = Flat::default();
    flat.merge(doc, s, &mut Vec::new());
    flat
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
        assert_eq!(
            resolve(&doc, &a),
            (Some("#/components/schemas/B"), &json!({"type": "string"}))
        );
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
        assert_eq!(flat.required, ["id", "name"]);
        assert_eq!(flat.get("type"), Some(&json!("object")));
        let props: Vec<_> = flat.properties.iter().map(|(k, _)| *k).collect();
        assert_eq!(props, ["id", "name"]);
        let looped = flatten(&doc, &doc["components"]["schemas"]["Loop"]);
        assert_eq!(looped.get("nullable"), Some(&json!(true)));
    }
}
