//! `allOf` flattening, on top of `spendapi-spec`'s local `$ref` resolution.

use serde_json::Value;
use spendapi_spec::resolve::follow;

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
    /// Whether some part says `nullable: true`.
    nullable_said: bool,
    /// Whether some part has a `type` without `nullable: true`, which rejects null whatever the
    /// other parts say (OpenAPI 3.0.3: other keywords "may disallow the use of null").
    null_rejected: bool,
}

impl<'a> Flat<'a> {
    /// The value of a keyword.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.keywords
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    /// Whether null is valid under OpenAPI 3.0 semantics: some part is `nullable` and no part
    /// with a `type` rejects null.
    pub(crate) fn nullable(&self) -> bool {
        self.nullable_said && !self.null_rejected
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
        let nullable = obj.get("nullable") == Some(&Value::Bool(true));
        self.nullable_said |= nullable;
        self.null_rejected |= obj.contains_key("type") && !nullable;
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
            let (r, target) = follow(doc, member);
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
        assert!(looped.nullable());
    }

    /// OpenAPI 3.0: `nullable` beside an `allOf` admits null only when every typed part does.
    #[test]
    fn nullable_needs_every_typed_part() {
        let doc = json!({"components": {"schemas": {
            "Plain": {"type": "object"},
            "Nullable": {"type": "object", "nullable": true},
        }}});
        let over = |target: &str| {
            json!({"type": "object", "nullable": true,
                "allOf": [{"$ref": format!("#/components/schemas/{target}")}]})
        };
        let plain = over("Plain");
        let nullable = over("Nullable");
        assert!(!flatten(&doc, &plain).nullable());
        assert!(flatten(&doc, &nullable).nullable());
        let untyped = json!({"nullable": true, "type": "string"});
        assert!(flatten(&doc, &untyped).nullable());
    }
}
