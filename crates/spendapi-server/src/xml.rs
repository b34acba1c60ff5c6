//! XML bodies, guided by the spec's schemas: element names come from `xml.name`, wrapped
//! arrays from `xml.wrapped`.
//!
//! Request bodies are read into the same JSON value (and so the same typed structs) as JSON
//! bodies, with scalar text typed by the schema (`<id>12</id>` is the integer 12 where the
//! schema says integer, the string "12" where it says string). Values the schema cannot type
//! are kept as strings so that validation reports them precisely.
//!
//! Responses are written straight from the typed value by a serde serializer ([`write()`], in
//! `xml/write.rs`) over the schemas compiled once per router ([`Plan`]).
//!
//! Coupa's conventions: a nil value is `<x nil="true"/>`; type attributes are ignored on input.

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Map, Number, Value};

use crate::schema::{Schemas, Shape};

mod write;

pub use write::{Plan, Root, write};

/// An XML element, parsed.
#[derive(Debug, Default)]
struct Element {
    name: String,
    nil: bool,
    text: String,
    children: Vec<Element>,
}

/// Escapes text for element content (`<`, `>`, `&`).
pub fn escape(text: &str) -> String {
    quick_xml::escape::partial_escape(text).into_owned()
}

fn parse(text: &str) -> Result<Element, String> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("malformed XML: {e}"))?;
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() && stack.is_empty() => {
                let _ = start;
                return Err("malformed XML: more than one root element".into());
            }
            Event::Start(start) => stack.push(element(&start)?),
            Event::Empty(start) => {
                let child = element(&start)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(child),
                    None => root = Some(child),
                }
            }
            Event::End(_) => {
                let done = stack
                    .pop()
                    .ok_or_else(|| "malformed XML: unexpected end tag".to_owned())?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(text) => {
                let decoded = text
                    .xml_content()
                    .map_err(|e| format!("malformed XML: {e}"))?;
                match stack.last_mut() {
                    Some(current) => current.text.push_str(&decoded),
                    None if decoded.trim().is_empty() => {}
                    None => return Err("malformed XML: text outside the root element".into()),
                }
            }
            Event::CData(data) => {
                let decoded = data.decode().map_err(|e| format!("malformed XML: {e}"))?;
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&decoded);
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference
                    .resolve_char_ref()
                    .map_err(|e| format!("malformed XML: {e}"))?
                {
                    Some(ch) => ch.to_string(),
                    None => {
                        let name = reference
                            .decode()
                            .map_err(|e| format!("malformed XML: {e}"))?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| format!("malformed XML: unknown entity &{name};"))?
                            .to_owned()
                    }
                };
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&resolved);
                }
            }
            Event::DocType(_) => {
                return Err("malformed XML: document type declarations are not accepted".into());
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err("malformed XML: unclosed element".into());
    }
    root.ok_or_else(|| "malformed XML: no root element".to_owned())
}

fn element(start: &quick_xml::events::BytesStart<'_>) -> Result<Element, String> {
    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
    let mut nil = false;
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| format!("malformed XML: {e}"))?;
        let key = attribute.key.local_name();
        if key.as_ref() == b"nil" {
            let value = attribute
                .unescape_value()
                .map_err(|e| format!("malformed XML: {e}"))?;
            nil = value.trim() == "true";
        }
    }
    Ok(Element {
        name,
        nil,
        ..Element::default()
    })
}

/// Reads an XML body into the JSON value its `schema` describes. The root element must be the
/// schema's `xml.name` when it has one.
pub fn read(text: &str, schema: &Value, schemas: &Schemas) -> Result<Value, String> {
    let root = parse(text)?;
    let shape = schemas.shape(schema);
    if let Some(expected) = shape.xml_name
        && root.name != expected
    {
        return Err(format!(
            "expected the root element <{expected}>, found <{}>",
            root.name
        ));
    }
    Ok(convert(&root, Some(schema), schemas))
}

fn convert(element: &Element, schema: Option<&Value>, schemas: &Schemas) -> Value {
    if element.nil {
        return Value::Null;
    }
    let shape = schema.map(|s| schemas.shape(s)).unwrap_or_default();
    match shape.kind {
        Some("object") => object(element, &shape, schemas),
        Some("array") => wrapped(element, shape.items, schemas),
        Some(kind) if element.children.is_empty() => scalar(&element.text, kind),
        // Children where the schema wants a scalar: keep the structure so validation says so.
        Some(_) => object(element, &Shape::default(), schemas),
        None if !element.children.is_empty() => object(element, &Shape::default(), schemas),
        None if element.text.trim().is_empty() => Value::Null,
        None => Value::String(element.text.clone()),
    }
}

/// A wrapped array: one item per child element. Text where the schema wants the items'
/// elements (`<responses>abc</responses>`) is kept as a string so that validation reports the
/// type, rather than read as an empty array.
fn wrapped(element: &Element, items: Option<&Value>, schemas: &Schemas) -> Value {
    if element.children.is_empty() && !element.text.trim().is_empty() {
        return Value::String(element.text.clone());
    }
    Value::Array(
        element
            .children
            .iter()
            .map(|c| convert(c, items, schemas))
            .collect(),
    )
}

fn object(element: &Element, shape: &Shape<'_>, schemas: &Schemas) -> Value {
    if element.children.is_empty() && !element.text.trim().is_empty() {
        // Text where the schema wants an object: validation reports the type.
        return Value::String(element.text.clone());
    }
    let mut map = Map::new();
    for child in &element.children {
        let property = shape
            .properties
            .and_then(|p| p.get(&child.name))
            .or(shape.additional.filter(|a| a.is_object()));
        let property_shape = property.map(|p| schemas.shape(p)).unwrap_or_default();
        if property_shape.kind == Some("array") {
            if property_shape.xml_wrapped || child.nil {
                let value = if child.nil {
                    Value::Null
                } else {
                    wrapped(child, property_shape.items, schemas)
                };
                map.insert(child.name.clone(), value);
            } else {
                let item = convert(child, property_shape.items, schemas);
                match map
                    .entry(child.name.clone())
                    .or_insert_with(|| Value::Array(Vec::new()))
                {
                    Value::Array(items) => items.push(item),
                    other => *other = Value::Array(vec![item]),
                }
            }
        } else {
            map.insert(child.name.clone(), convert(child, property, schemas));
        }
    }
    Value::Object(map)
}

fn scalar(text: &str, kind: &str) -> Value {
    let trimmed = text.trim();
    match kind {
        "integer" if trimmed.is_empty() => Value::Null,
        "integer" => trimmed
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| trimmed.parse::<u64>().map(Value::from))
            .unwrap_or_else(|_| Value::String(text.to_owned())),
        "number" if trimmed.is_empty() => Value::Null,
        "number" => trimmed
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(text.to_owned())),
        "boolean" if trimmed.is_empty() => Value::Null,
        "boolean" => match trimmed {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text.to_owned()),
        },
        _ => Value::String(text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schemas() -> Schemas {
        Schemas::parse(
            &json!({"$defs": {
                "Account": {"type": "object", "xml": {"name": "account"}, "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "active": {"type": "boolean"},
                    "segment-1": {"type": ["string", "null"]},
                    "account-type": {"allOf": [{"$ref": "#/$defs/Type"}]},
                    "roles": {"type": "array", "xml": {"wrapped": true}, "items": {"$ref": "#/$defs/Role"}}
                }},
                "Type": {"type": "object", "xml": {"name": "account-type"}, "properties": {"id": {"type": "integer"}}},
                "Role": {"type": "object", "xml": {"name": "role"}, "properties": {"name": {"type": "string"}}},
                "Accounts": {"type": "array", "xml": {"name": "accounts", "wrapped": true}, "items": {"$ref": "#/$defs/Account"}},
                "Errors": {"type": "object", "xml": {"name": "errors"}, "properties": {
                    "error": {"type": "array", "xml": {"name": "error"}, "items": {"type": "string", "xml": {"name": "error"}}}
                }}
            }})
            .to_string(),
        )
        .expect("schemas")
    }

    #[test]
    fn reads_typed_scalars_nested_objects_wrapped_arrays_and_nil() {
        let schemas = schemas();
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
            <account><id type="integer">12</id><name>R&amp;D &#233;</name><active>true</active>
            <segment-1 nil="true"/><account-type><id>3</id></account-type>
            <roles><role><name>Admin</name></role><role><name>Buyer</name></role></roles></account>"#;
        let value = read(xml, &json!({"$ref": "#/$defs/Account"}), &schemas).expect("read");
        assert_eq!(
            value,
            json!({"id": 12, "name": "R&D é", "active": true, "segment-1": null, "account-type": {"id": 3},
                   "roles": [{"name": "Admin"}, {"name": "Buyer"}]})
        );
    }

    #[test]
    fn keeps_untyped_text_for_validation_and_rejects_bad_documents() {
        let schemas = schemas();
        let schema = json!({"$ref": "#/$defs/Account"});
        assert_eq!(
            read("<account><id>x</id></account>", &schema, &schemas).expect("read"),
            json!({"id": "x"})
        );
        // Text where a wrapped array's elements belong stays text; an empty one is no items.
        assert_eq!(
            read("<account><roles>0</roles></account>", &schema, &schemas).expect("read"),
            json!({"roles": "0"})
        );
        assert_eq!(
            read("<account><roles> </roles></account>", &schema, &schemas).expect("read"),
            json!({"roles": []})
        );
        assert_eq!(
            read(
                "<accounts>x</accounts>",
                &json!({"$ref": "#/$defs/Accounts"}),
                &schemas
            )
            .expect("read"),
            json!("x")
        );
        assert!(read("<account><id>1</account>", &schema, &schemas).is_err());
        assert!(
            read("<user/>", &schema, &schemas)
                .expect_err("root")
                .contains("<account>")
        );
        assert!(read("", &schema, &schemas).is_err());
    }
}
