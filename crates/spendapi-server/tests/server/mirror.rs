//! The utoipa mirror: the OpenAPI document derived from the generated server code (handler
//! annotations, parameter structs and the client types) says the same as the hand-written
//! spec, compared by meaning: paths and methods, each parameter's name, location, required
//! flag and type, status codes and media types with their body schemas, response headers,
//! security requirements, and each reachable schema's kind, property names and types, required
//! list and enum values. utoipa writes OpenAPI 3.1 and marks every `Option` nullable, so both
//! documents are normalised first (nullability, formats and constraints are not compared).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use utoipa::OpenApi;

use crate::support::*;

/// One document, flattened into `location → meaning` lines.
type Flat = BTreeMap<String, String>;

struct Doc<'a> {
    doc: &'a Value,
    /// The component names the spec defines (a reference to anything else is followed).
    named: &'a BTreeSet<String>,
}

impl<'a> Doc<'a> {
    /// The component schema a `$ref` names, one hop (a named component stays a name).
    fn target<'r>(&self, reference: &'r str) -> Option<(&'r str, &'a Value)> {
        let name = reference.strip_prefix("#/components/schemas/")?;
        Some((name, spendapi_spec::lookup(self.doc, reference).ok()?))
    }

    /// A schema's type, normalised: `ref:Name` for a spec component, else its kind.
    fn describe(&self, schema: &Value, depth: usize) -> String {
        if depth > 12 {
            return "…".into();
        }
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            return match self.target(reference) {
                Some((name, _)) if self.named.contains(name) => format!("ref:{name}"),
                Some((_, target)) => self.describe(target, depth + 1),
                None => format!("unresolved:{reference}"),
            };
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(parts) = schema.get(key).and_then(Value::as_array) {
                let non_null: Vec<&Value> = parts.iter().filter(|p| !is_null_schema(p)).collect();
                // A `type` beside a one-entry wrapper (OpenAPI 3.0.3 needs it for `nullable`)
                // says nothing the wrapped schema does not.
                if non_null.len() == 1 && schema.get("properties").is_none() {
                    return self.describe(non_null[0], depth + 1);
                }
            }
        }
        match kind(schema).as_deref() {
            Some("array") => {
                let items = schema
                    .get("items")
                    .map(|i| self.describe(i, depth + 1))
                    .unwrap_or_else(|| "any".into());
                format!("array<{items}>")
            }
            Some(kind) => kind.to_owned(),
            None if schema.get("properties").is_some()
                || schema.get("additionalProperties").is_some() =>
            {
                "object".into()
            }
            None => "any".into(),
        }
    }

    /// A component schema, after following references and single-entry wrappers.
    fn definition<'b>(&self, schema: &'b Value) -> &'b Value
    where
        'a: 'b,
    {
        if let Some((_, target)) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| self.target(r))
        {
            return self.definition(target);
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(parts) = schema.get(key).and_then(Value::as_array) {
                let non_null: Vec<&Value> = parts.iter().filter(|p| !is_null_schema(p)).collect();
                if non_null.len() == 1 && schema.get("properties").is_none() {
                    return self.definition(non_null[0]);
                }
            }
        }
        schema
    }

    fn flatten_schema(&self, name: &str, schema: &Value, out: &mut Flat) {
        let schema = self.definition(schema);
        let at = format!("schema {name}");
        let kind = match schema.get("$ref") {
            Some(_) => self.describe(schema, 0),
            None => self.describe(&strip_refs(schema), 0),
        };
        out.insert(format!("{at}: kind"), kind);
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (property, property_schema) in properties {
                out.insert(
                    format!("{at}: property {property}"),
                    self.describe(property_schema, 0),
                );
            }
        }
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        out.insert(
            format!("{at}: required"),
            required.into_iter().collect::<Vec<_>>().join(", "),
        );
        if let Some(values) = enum_values(schema) {
            out.insert(format!("{at}: enum"), values);
        }
    }
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
        || schema.as_object().is_some_and(|m| {
            m.len() == 1 && m.get("enum") == Some(&Value::Array(vec![Value::Null]))
        })
}

/// The type of a schema, without `null`.
fn kind(schema: &Value) -> Option<String> {
    match schema.get("type")? {
        Value::String(kind) => Some(kind.clone()),
        Value::Array(kinds) => {
            let kinds: Vec<&str> = kinds
                .iter()
                .filter_map(Value::as_str)
                .filter(|k| *k != "null")
                .collect();
            (kinds.len() == 1).then(|| kinds[0].to_owned())
        }
        _ => None,
    }
}

fn strip_refs(schema: &Value) -> Value {
    let mut copy = schema.clone();
    if let Value::Object(map) = &mut copy {
        map.remove("$ref");
    }
    copy
}

/// Enum values, sorted, without null (schemars may list string enums as `oneOf` of `const`s).
fn enum_values(schema: &Value) -> Option<String> {
    let mut values: Vec<String> = Vec::new();
    if let Some(list) = schema.get("enum").and_then(Value::as_array) {
        values.extend(list.iter().filter(|v| !v.is_null()).map(Value::to_string));
    }
    for key in ["oneOf", "anyOf"] {
        for part in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(value) = part.get("const") {
                values.push(value.to_string());
            }
            if let Some(list) = part.get("enum").and_then(Value::as_array) {
                values.extend(list.iter().filter(|v| !v.is_null()).map(Value::to_string));
            }
        }
    }
    if values.is_empty() {
        return None;
    }
    values.sort();
    values.dedup();
    Some(values.join(", "))
}

/// The component schemas reachable from the operations of `doc`.
fn reachable(doc: &Value) -> BTreeSet<String> {
    fn walk(doc: &Value, value: &Value, seen: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                    if let Some(name) = reference.strip_prefix("#/components/schemas/")
                        && !seen.insert(name.to_owned())
                    {
                        return;
                    }
                    if let Ok(target) = spendapi_spec::lookup(doc, reference) {
                        walk(doc, target, seen);
                    }
                }
                for (key, child) in map {
                    if key != "examples" && key != "example" {
                        walk(doc, child, seen);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(doc, i, seen)),
            _ => {}
        }
    }
    let mut seen = BTreeSet::new();
    walk(doc, &doc["paths"], &mut seen);
    seen
}

/// Follows references to parameters, bodies, responses and headers (not to schemas, which are
/// compared by name).
fn deref<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) if !reference.starts_with("#/components/schemas/") => {
            spendapi_spec::lookup(doc, reference)
                .map(|target| deref(doc, target))
                .unwrap_or(value)
        }
        _ => value,
    }
}

/// Flattens the meaning of `doc` (a spec or the derived document).
fn flatten(doc: &Value, named: &BTreeSet<String>, schemas: &BTreeSet<String>) -> Flat {
    let d = Doc { doc, named };
    let mut out = Flat::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let at = format!("{} {path}", method.to_uppercase());
            out.insert(
                format!("{at}: operationId"),
                op["operationId"].as_str().unwrap_or_default().to_owned(),
            );
            let mut params: Vec<&Value> = Vec::new();
            for list in [item.get("parameters"), op.get("parameters")]
                .into_iter()
                .flatten()
            {
                params.extend(list.as_array().into_iter().flatten().map(|p| deref(doc, p)));
            }
            for param in params {
                let name = param["name"].as_str().unwrap_or_default();
                let location = param["in"].as_str().unwrap_or_default();
                let required = param
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let ty = param
                    .get("schema")
                    .map(|s| d.describe(s, 0))
                    .unwrap_or_default();
                out.insert(
                    format!("{at}: parameter {name}"),
                    format!("in {location}, required {required}, {ty}"),
                );
            }
            if let Some(body) = op.get("requestBody") {
                let body = deref(doc, body);
                for (media, content) in body["content"].as_object().into_iter().flatten() {
                    let ty = content
                        .get("schema")
                        .map(|s| d.describe(s, 0))
                        .unwrap_or_default();
                    out.insert(format!("{at}: request body {media}"), ty);
                }
            }
            for (status, response) in op["responses"].as_object().into_iter().flatten() {
                let response = deref(doc, response);
                let content = response.get("content").and_then(Value::as_object);
                out.insert(
                    format!("{at}: response {status}"),
                    if content.is_some_and(|c| !c.is_empty()) {
                        "content"
                    } else {
                        "no content"
                    }
                    .into(),
                );
                for (media, content) in content.into_iter().flatten() {
                    let ty = content
                        .get("schema")
                        .map(|s| d.describe(s, 0))
                        .unwrap_or_default();
                    out.insert(format!("{at}: response {status} {media}"), ty);
                }
                for (name, header) in response
                    .get("headers")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    let header = deref(doc, header);
                    let ty = header
                        .get("schema")
                        .map(|s| d.describe(deref(doc, s), 0))
                        .unwrap_or_default();
                    out.insert(format!("{at}: response {status} header {name}"), ty);
                }
            }
            let security = op.get("security").or_else(|| doc.get("security"));
            let alternatives: BTreeSet<String> = security
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|alternative| {
                    alternative
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(scheme, scopes)| format!("{scheme}{scopes}"))
                        .collect::<Vec<_>>()
                        .join(" + ")
                })
                .collect();
            out.insert(
                format!("{at}: security"),
                alternatives.into_iter().collect::<Vec<_>>().join(" | "),
            );
        }
    }
    for name in schemas {
        match doc.pointer(&format!("/components/schemas/{name}")) {
            Some(schema) => d.flatten_schema(name, schema, &mut out),
            None => {
                out.insert(format!("schema {name}"), "missing".into());
            }
        }
    }
    out
}

/// Lines that differ, readably.
fn diff(spec: &Flat, code: &Flat) -> Vec<String> {
    let keys: BTreeSet<&String> = spec.keys().chain(code.keys()).collect();
    keys.into_iter()
        .filter_map(|key| match (spec.get(key), code.get(key)) {
            (Some(a), Some(b)) if a == b => None,
            (Some(a), Some(b)) => Some(format!("{key}: spec says `{a}`, code says `{b}`")),
            (Some(a), None) => Some(format!("{key}: spec says `{a}`, code has nothing")),
            (None, Some(b)) => Some(format!("{key}: code says `{b}`, spec has nothing")),
            (None, None) => None,
        })
        .collect()
}

fn derived(api: &str) -> Value {
    let doc = match api {
        "coupa-accounts" => spendapi_server::coupa_accounts::ApiDoc::openapi(),
        "coupa-delegations" => spendapi_server::coupa_delegations::ApiDoc::openapi(),
        "coupa-integration-history-records" => {
            spendapi_server::coupa_integration_history_records::ApiDoc::openapi()
        }
        "cso-events" => spendapi_server::cso_events::ApiDoc::openapi(),
        "concur-expense-allocations" => {
            spendapi_server::concur_expense_allocations::ApiDoc::openapi()
        }
        other => panic!("no ApiDoc for {other}"),
    };
    serde_json::to_value(doc).expect("the derived document serialises")
}

#[test]
fn the_document_derived_from_the_code_says_what_the_specs_say() {
    let mut problems = Vec::new();
    for spec in specs() {
        let code = derived(&spec.api);
        assert!(
            code["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1")),
            "utoipa writes 3.1"
        );
        let named: BTreeSet<String> = spec.doc["components"]["schemas"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let schemas = reachable(&spec.doc);
        assert!(!schemas.is_empty());
        let expected = flatten(&spec.doc, &named, &schemas);
        let actual = flatten(&code, &named, &schemas);
        assert!(
            expected.len() > 50,
            "{}: only {} facts compared",
            spec.api,
            expected.len()
        );
        println!("{}: {} facts compared", spec.api, expected.len());
        problems.extend(
            diff(&expected, &actual)
                .into_iter()
                .map(|line| format!("{}: {line}", spec.api)),
        );
    }
    assert!(
        problems.is_empty(),
        "the code and the specs disagree:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_comparison_notices_a_difference() {
    let spec = spec("coupa-accounts");
    let named: BTreeSet<String> = spec.doc["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
        .cloned()
        .collect();
    let schemas = reachable(&spec.doc);
    let expected = flatten(&spec.doc, &named, &schemas);
    let mut code = derived("coupa-accounts");
    code["paths"]["/api/accounts"]["get"]["parameters"][0]["required"] = Value::Bool(true);
    if let Some(properties) = code
        .pointer_mut("/components/schemas/AccountCreate/properties")
        .and_then(Value::as_object_mut)
    {
        properties.remove("name");
    }
    let problems = diff(&expected, &flatten(&code, &named, &schemas));
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("GET /api/accounts: parameter limit")),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("schema AccountCreate: property name")),
        "{problems:#?}"
    );
}
