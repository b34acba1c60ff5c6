//! Schemas: a schema's type in a few words, its constraints, the table of its properties, its
//! examples, and the section of a component schema.

use std::collections::BTreeSet;

use maud::{Markup, html};
use serde_json::{Map, Value};

use super::layout::{anchor, code_value, join};
use crate::bundle::markdown::{markdown, markdown_inline};
use crate::spec::model::Examples;
use crate::spec::{self, Api};

// Schemas stay JSON in the model (they are converted or shown as written), so this module
// reads them with the few lookups below.

/// The string at `key`, if there is one.
fn opt_str<'a>(schema: &'a Value, key: &str) -> Option<&'a str> {
    schema.get(key).and_then(Value::as_str)
}

/// The string at `key`, `""` if there is none.
fn str_of<'a>(schema: &'a Value, key: &str) -> &'a str {
    opt_str(schema, key).unwrap_or("")
}

/// The list at `key`, if there is one.
fn opt_array<'a>(schema: &'a Value, key: &str) -> Option<&'a [Value]> {
    schema.get(key).and_then(Value::as_array).map(Vec::as_slice)
}

/// The list at `key`, empty if there is none.
fn array_of<'a>(schema: &'a Value, key: &str) -> &'a [Value] {
    opt_array(schema, key).unwrap_or(&[])
}

/// Whether `key` is `true`.
fn bool_of(schema: &Value, key: &str) -> bool {
    schema.get(key) == Some(&Value::Bool(true))
}

/// A scalar as text (strings without quotes), anything else as compact JSON.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An example value for a `<pre>`: strings (XML bodies, plain text) as they are, anything
/// else as pretty JSON.
fn pretty(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_else(|_| other.to_string()),
    }
}

/// A link to a component schema, or the reference as code when it is not one.
fn ref_link(reference: &str) -> Markup {
    match reference.strip_prefix("#/components/schemas/") {
        Some(name) => {
            let name = spec::unescape(name);
            html! { a href={ "#" (anchor("schema", &name)) } { (name) } }
        }
        None => html! { code { (reference) } },
    }
}

/// A short description of a schema's type: `string (date-time)`, `array of Account`...
pub fn type_html(schema: &Value) -> Markup {
    if let Some(reference) = opt_str(schema, "$ref") {
        return ref_link(reference);
    }
    for (key, label) in [
        ("allOf", "all of"),
        ("oneOf", "one of"),
        ("anyOf", "any of"),
    ] {
        if let Some(members) = opt_array(schema, key) {
            return match members {
                [only] if key == "allOf" => type_html(only),
                _ => html! { (label) ": " (join(members.iter().map(type_html), ", ")) },
            };
        }
    }
    if let Some(not) = schema.get("not") {
        return html! { "not " (type_html(not)) };
    }
    let base = match opt_str(schema, "type") {
        Some("array") => match schema.get("items") {
            Some(items) => html! { "array of " (type_html(items)) },
            None => html! { "array" },
        },
        Some("object") | None if schema.get("properties").is_some() => html! { "object" },
        Some("object") => match schema.get("additionalProperties") {
            Some(Value::Bool(false)) | None => html! { "object" },
            Some(Value::Bool(true)) => html! { "map of any" },
            Some(values) if values.as_object().is_some_and(Map::is_empty) => {
                html! { "map of any" }
            }
            Some(values) => html! { "map of " (type_html(values)) },
        },
        Some(other) => html! { (other) },
        None => html! { "any" },
    };
    match opt_str(schema, "format") {
        Some(format) => html! { (base) " " span.muted { "(" (format) ")" } },
        None => base,
    }
}

/// The constraints of a schema, one short fragment each.
fn constraints(schema: &Value) -> Vec<Markup> {
    let mut out = Vec::new();
    let Some(map) = schema.as_object() else {
        return out;
    };
    if bool_of(schema, "nullable") {
        out.push(html! { "nullable" });
    }
    if bool_of(schema, "deprecated") {
        out.push(html! { strong { "deprecated" } });
    }
    if let Some(values) = opt_array(schema, "enum") {
        out.push(html! { "one of " (join(values.iter().map(code_value), ", ")) });
    }
    if let Some(default) = map.get("default") {
        out.push(html! { "default " (code_value(default)) });
    }
    for key in [
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
        "multipleOf",
    ] {
        if let Some(v) = map.get(key) {
            out.push(html! { (key) " " (scalar_text(v)) });
        }
    }
    for (key, exclusive) in [
        ("minimum", "exclusiveMinimum"),
        ("maximum", "exclusiveMaximum"),
    ] {
        if let Some(v) = map.get(key) {
            let strict = if bool_of(schema, exclusive) {
                " (exclusive)"
            } else {
                ""
            };
            out.push(html! { (key) (strict) " " (scalar_text(v)) });
        }
    }
    if bool_of(schema, "uniqueItems") {
        out.push(html! { "unique items" });
    }
    if let Some(pattern) = opt_str(schema, "pattern") {
        out.push(html! { "pattern " code { (pattern) } });
    }
    if let Some(items) = map.get("items") {
        out.extend(
            constraints(items)
                .into_iter()
                .map(|c| html! { "items: " (c) }),
        );
    }
    if let Some(xml) = map.get("xml") {
        let mut parts = Vec::new();
        if let Some(name) = opt_str(xml, "name") {
            parts.push(html! { "element " code { (name) } });
        }
        if bool_of(xml, "attribute") {
            parts.push(html! { "attribute" });
        }
        if bool_of(xml, "wrapped") {
            parts.push(html! { "wrapped" });
        }
        if !parts.is_empty() {
            out.push(html! { "XML: " (join(parts, ", ")) });
        }
    }
    out
}

/// The constraints of a schema as a list (nothing when there are none).
pub fn constraints_html(schema: &Value) -> Markup {
    let items = constraints(schema);
    html! {
        @if !items.is_empty() {
            ul.constraints { @for item in items { li { (item) } } }
        }
    }
}

/// The inline object schemas whose properties belong in a table for `schema`: the schema
/// itself, the inline members of an `allOf`.
fn inline_objects(schema: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    if schema.get("$ref").is_some() {
        return out;
    }
    if schema.get("properties").is_some() {
        out.push(schema);
    }
    for member in array_of(schema, "allOf") {
        out.extend(inline_objects(member));
    }
    out
}

/// The inline objects of `schema` and, for an array, of its items.
fn tabled_objects(schema: &Value) -> Vec<&Value> {
    let mut objects = inline_objects(schema);
    if let Some(items) = schema.get("items") {
        objects.extend(inline_objects(items));
    }
    objects
}

/// The table of the properties of `objects` (nothing when they have none).
fn property_table(objects: &[&Value]) -> Markup {
    let mut rows = Vec::new();
    for object in objects {
        property_rows(&mut rows, object, "", 0);
    }
    html! {
        @if !rows.is_empty() {
            table.props {
                thead { tr {
                    th { "Property" } th { "Type" } th { "Required" } th { "Read-only" }
                    th { "Constraints" } th { "Description" }
                } }
                tbody { @for row in rows { (row) } }
            }
        }
    }
}

/// One row per property of `object`, then the rows of its inline nested objects, whose names
/// are prefixed with the path to them (`parent.child`, `list[].child`).
fn property_rows(out: &mut Vec<Markup>, object: &Value, prefix: &str, depth: usize) {
    let Some(properties) = object.get("properties").and_then(Value::as_object) else {
        return;
    };
    let required: BTreeSet<&str> = array_of(object, "required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for (name, schema) in properties {
        let access = match (bool_of(schema, "readOnly"), bool_of(schema, "writeOnly")) {
            (true, _) => "read-only",
            (_, true) => "write-only",
            _ => "",
        };
        out.push(html! {
            tr {
                td.name { code { (prefix) (name) } }
                td { (type_html(schema)) }
                td { @if required.contains(name.as_str()) { "yes" } }
                td { (access) }
                td { (constraints_html(schema)) }
                td {
                    (markdown(str_of(schema, "description"), 4))
                    @if let Some(example) = schema.get("example") {
                        p.muted { "Example: " (code_value(example)) }
                    }
                }
            }
        });
        if depth < 6 {
            for nested in inline_objects(schema) {
                property_rows(out, nested, &format!("{prefix}{name}."), depth + 1);
            }
            if let Some(items) = schema.get("items") {
                for nested in inline_objects(items) {
                    property_rows(out, nested, &format!("{prefix}{name}[]."), depth + 1);
                }
            }
        }
    }
}

/// A schema used by a parameter, body or header: its type, constraints and, if inline, the
/// table of its properties.
pub fn schema_block(schema: &Value) -> Markup {
    html! {
        p { "Schema: " (type_html(schema)) }
        @if schema.get("$ref").is_none() {
            (constraints_html(schema))
            (property_table(&tabled_objects(schema)))
        }
    }
}

/// The `example` and `examples` of a schema, parameter or media type, each folded away.
pub fn examples_html(examples: &Examples) -> Markup {
    html! {
        @if let Some(example) = &examples.example {
            details { summary { "Example" } pre { (pretty(example)) } }
        }
        @for example in &examples.examples {
            details {
                summary {
                    "Example " code { (example.name) }
                    @if !example.summary.is_empty() { ": " (markdown_inline(&example.summary)) }
                }
                (markdown(&example.description, 5))
                @if let Some(value) = &example.value {
                    pre { (pretty(value)) }
                }
                @if let Some(external) = &example.external_value {
                    p { "External value: " code { (external) } }
                }
            }
        }
    }
}

/// The section of one component schema.
pub fn schema_section(api: &Api, name: &str, schema: &Value) -> Markup {
    // A schema's examples hold values, not references; one that cannot be read shows none.
    let examples = Examples::of(&api.doc, schema).unwrap_or_default();
    let includes: Vec<Markup> = array_of(schema, "allOf")
        .iter()
        .filter_map(|m| opt_str(m, "$ref"))
        .map(ref_link)
        .collect();
    let others = schema
        .get("additionalProperties")
        .filter(|extra| schema.get("properties").is_some() && **extra != Value::Bool(false));
    html! {
        section.schema id=(anchor("schema", name)) {
            h3 { (name) }
            p { "Type: " (type_html(schema)) }
            (markdown(str_of(schema, "description"), 4))
            (constraints_html(schema))
            @if !includes.is_empty() {
                p { "Includes every property of " (join(includes, ", ")) "." }
            }
            (property_table(&tabled_objects(schema)))
            @if let Some(extra) = others {
                p {
                    "Other properties are allowed: "
                    @if *extra == Value::Bool(true) { "any" } @else { (type_html(extra)) }
                    "."
                }
            }
            (examples_html(&examples))
        }
    }
}
