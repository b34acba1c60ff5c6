//! The request and response schemas embedded in the generated code (OpenAPI 3.0 schemas
//! converted to JSON Schema 2020-12, component references as `#/$defs/<Name>`, OpenAPI's `xml`
//! objects kept as annotations): compiled into validators once per router, and read by the XML
//! codec for element names and scalar types.

use serde_json::{Map, Value};

use crate::detail::Detail;

/// The `$defs` of one API.
#[derive(Debug)]
pub struct Schemas {
    defs: Map<String, Value>,
}

/// What a schema says about a value's shape, after following `$ref`s, single-entry `allOf`s and
/// `anyOf: [X, {type: null}]` (the converted form of `nullable`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Shape<'a> {
    pub kind: Option<&'a str>,
    pub properties: Option<&'a Map<String, Value>>,
    pub additional: Option<&'a Value>,
    pub items: Option<&'a Value>,
    /// `xml.name` of the schema (or of what it refers to).
    pub xml_name: Option<&'a str>,
    pub xml_wrapped: bool,
}

impl Schemas {
    /// Parses the generated `$defs` document (`{"$defs": {...}}`).
    pub fn parse(json: &str) -> Result<Schemas, serde_json::Error> {
        let mut doc: Map<String, Value> = serde_json::from_str(json)?;
        let defs = match doc.remove("$defs") {
            Some(Value::Object(defs)) => defs,
            _ => Map::new(),
        };
        Ok(Schemas { defs })
    }

    /// Parses a schema embedded as JSON text.
    pub fn parse_schema(json: &str) -> Value {
        serde_json::from_str(json).unwrap_or(Value::Bool(true))
    }

    fn target<'a>(&'a self, schema: &'a Value) -> Option<&'a Value> {
        let reference = schema.get("$ref")?.as_str()?;
        self.defs.get(reference.strip_prefix("#/$defs/")?)
    }

    /// The name of the component a schema refers to, if it is a plain `$ref`.
    pub fn ref_name(schema: &Value) -> Option<&str> {
        schema.get("$ref")?.as_str()?.strip_prefix("#/$defs/")
    }

    /// The shape of `schema`.
    pub fn shape<'a>(&'a self, schema: &'a Value) -> Shape<'a> {
        let mut shape = Shape::default();
        self.collect(schema, &mut shape, 0);
        shape
    }

    fn collect<'a>(&'a self, schema: &'a Value, shape: &mut Shape<'a>, depth: usize) {
        if depth > 16 {
            return;
        }
        let Some(map) = schema.as_object() else {
            return;
        };
        if let Some(xml) = map.get("xml") {
            if shape.xml_name.is_none() {
                shape.xml_name = xml.get("name").and_then(Value::as_str);
            }
            shape.xml_wrapped |= xml.get("wrapped").and_then(Value::as_bool).unwrap_or(false);
        }
        match map.get("type") {
            Some(Value::String(kind)) => shape.kind = shape.kind.or(Some(kind.as_str())),
            Some(Value::Array(kinds)) => {
                shape.kind = shape.kind.or_else(|| {
                    kinds
                        .iter()
                        .filter_map(Value::as_str)
                        .find(|k| *k != "null")
                });
            }
            _ => {}
        }
        if let Some(Value::Object(properties)) = map.get("properties") {
            shape.properties = shape.properties.or(Some(properties));
        }
        if let Some(additional) = map.get("additionalProperties") {
            shape.additional = shape.additional.or(Some(additional));
        }
        if let Some(items) = map.get("items") {
            shape.items = shape.items.or(Some(items));
        }
        if let Some(target) = self.target(schema) {
            self.collect(target, shape, depth + 1);
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(parts)) = map.get(key) {
                for part in parts {
                    if part.get("type").and_then(Value::as_str) != Some("null") {
                        self.collect(part, shape, depth + 1);
                    }
                }
            }
        }
        if shape.kind.is_none() && (shape.properties.is_some() || shape.additional.is_some()) {
            shape.kind = Some("object");
        }
    }

    /// Compiles `schema` (which may refer to this API's `$defs`) into a validator.
    pub fn compile(&self, schema: &Value) -> Result<Validator, String> {
        let mut document = match schema {
            Value::Object(map) => map.clone(),
            other => return compile_document(other.clone()),
        };
        if !self.defs.is_empty() && mentions_ref(schema) {
            document.insert("$defs".into(), Value::Object(self.defs.clone()));
        }
        compile_document(Value::Object(document))
    }
}

fn mentions_ref(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.contains_key("$ref") || map.values().any(mentions_ref),
        Value::Array(items) => items.iter().any(mentions_ref),
        _ => false,
    }
}

fn compile_document(document: Value) -> Result<Validator, String> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&document)
        .map(|inner| Validator { inner })
        .map_err(|err| format!("failed to compile a schema: {err}"))
}

/// A compiled schema.
pub struct Validator {
    inner: jsonschema::Validator,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Validator")
    }
}

impl Validator {
    /// Every violation of the schema by `value`, as details located at `location` (`body`,
    /// `query`, `path`, `header`). For a body the field is the JSON pointer of the offending
    /// value (without its leading `/`); for a parameter it is `name`.
    pub fn check(&self, value: &Value, location: &'static str, name: Option<&str>) -> Vec<Detail> {
        let mut details: Vec<Detail> = self
            .inner
            .iter_errors(value)
            .map(|error| {
                let pointer = error
                    .instance_path()
                    .as_str()
                    .trim_start_matches('/')
                    .to_owned();
                let field = match name {
                    Some(name) if pointer.is_empty() => name.to_owned(),
                    Some(name) => format!("{name}/{pointer}"),
                    None => pointer,
                };
                Detail::at(location, field, error.to_string())
            })
            .collect();
        details.dedup();
        details
    }
}
