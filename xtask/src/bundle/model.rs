//! Reading a partner spec: its operations in document order, the summary of an API, and small
//! accessors that replace `get(..).and_then(Value::as_..)` chains in the page code.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use anyhow::{Context, Result};

use crate::spec;

/// One operation of a document, with the path item it sits in.
#[derive(Debug, Clone, Copy)]
pub struct Operation<'a> {
    pub path: &'a str,
    /// Lowercase, as in the document.
    pub method: &'a str,
    pub item: &'a Value,
    pub op: &'a Value,
}

impl<'a> Operation<'a> {
    /// The `operationId`, `""` if there is none.
    pub fn id(&self) -> &'a str {
        str_of(self.op, "operationId")
    }

    /// The first tag, `""` for an untagged operation.
    pub fn first_tag(&self) -> String {
        array_of(self.op, "tags")
            .first()
            .map(scalar_text)
            .unwrap_or_default()
    }
}

/// Every operation of `doc`, in document order (the page lists them as the author wrote them;
/// [`spec::operations`] visits the methods of a path in a fixed order instead).
pub fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let mut out = Vec::new();
    for (path, item) in object_of(doc, "paths").into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if spec::METHODS.contains(&method.as_str()) {
                out.push(Operation {
                    path,
                    method,
                    item,
                    op,
                });
            }
        }
    }
    out
}

/// What one API contributes to the bundle, for the summary line and the index.
#[derive(Debug, Clone)]
pub struct ApiSummary {
    pub name: String,
    pub title: String,
    pub version: String,
    /// `(operationId, METHOD, path, summary)` in document order.
    pub operations: Vec<(String, String, String, String)>,
    pub schemas: usize,
    /// How many `x-unconfirmed` notes were folded into descriptions.
    pub unconfirmed: usize,
}

pub fn summarize(name: &str, doc: &Value, unconfirmed: usize) -> ApiSummary {
    let info = doc.get("info").unwrap_or(&Value::Null);
    let text = |key: &str| info.get(key).map(scalar_text).unwrap_or_default();
    let operations = operations(doc)
        .into_iter()
        .map(|o| {
            (
                o.id().to_owned(),
                o.method.to_uppercase(),
                o.path.to_owned(),
                str_of(o.op, "summary").to_owned(),
            )
        })
        .collect();
    ApiSummary {
        name: name.to_owned(),
        title: text("title"),
        version: text("version"),
        operations,
        schemas: doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map_or(0, Map::len),
        unconfirmed,
    }
}

/// The string at `key`, `""` if it is missing or not a string.
pub fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    opt_str(value, key).unwrap_or("")
}

/// The string at `key`, if there is one.
pub fn opt_str<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// The array at `key`, if there is one.
pub fn opt_array<'a>(value: &'a Value, key: &str) -> Option<&'a [Value]> {
    value.get(key).and_then(Value::as_array).map(Vec::as_slice)
}

/// Whether `key` is `true`.
pub fn bool_of(value: &Value, key: &str) -> bool {
    value.get(key) == Some(&Value::Bool(true))
}

/// The object at `key`, if there is one.
pub fn object_of<'a>(value: &'a Value, key: &str) -> Option<&'a Map<String, Value>> {
    value.get(key).and_then(Value::as_object)
}

/// The array at `key`, empty if it is missing or not an array.
pub fn array_of<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    opt_array(value, key).unwrap_or(&[])
}

/// The piece of the document at `key` read as an OpenAPI type, if it is there.
pub fn typed<T: DeserializeOwned>(value: &Value, key: &str) -> Result<Option<T>> {
    value
        .get(key)
        .map(|v| serde_json::from_value(v.clone()))
        .transpose()
        .with_context(|| format!("failed to read `{key}`"))
}

/// A scalar as text (strings without quotes), anything else as compact JSON.
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An example value for a `<pre>`: strings (XML bodies, plain text) as they are, anything
/// else as pretty JSON.
pub fn pretty(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_else(|_| other.to_string()),
    }
}

/// Follows local `$ref`s (with the core resolver); returns the target (`null` when a reference
/// leads nowhere) and the component name of the first hop, if any.
pub fn deref<'a>(doc: &'a Value, value: &'a Value) -> (&'a Value, Option<String>) {
    let name = opt_str(value, "$ref")
        .and_then(|reference| reference.strip_prefix('#'))
        .and_then(spec::component_of)
        .map(|(_, name)| name);
    (spec::follow(doc, value).1, name)
}
