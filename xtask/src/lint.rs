//! `cargo xtask lint`: the rules every spec must pass before anything is generated from it.
//!
//! Each finding is one line, `file: json-pointer: message`, pointing at the offending node of
//! the file as written. The rules are of three kinds: the documents are sound (references
//! resolve, examples validate against their schemas), they are documented (operation ids,
//! summaries, tags, security, property descriptions), and they avoid the shapes that make
//! progenitor refuse or panic (see `shared/docs/codegen-notes.md`), so that a spec that lints
//! clean always generates.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::spec::resolve::follow;
use crate::spec::{self, Files, METHODS, Vendor, join, json_schema};

/// One problem, located in a file as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub file: String,
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.pointer, self.message)
    }
}

/// Lints the given spec files and every file they reference. `root` only shortens file names in
/// the findings. Findings come back sorted and without duplicates.
pub fn lint(root: &Path, specs: &[PathBuf]) -> Vec<Finding> {
    let mut linter = Linter {
        root,
        files: Files::default(),
        findings: BTreeSet::new(),
    };
    let all = linter.reachable(specs);
    let mut operation_ids: BTreeMap<String, (String, String)> = BTreeMap::new();
    for file in &all {
        let Ok(doc) = linter.files.get(file).cloned() else {
            continue;
        };
        let name = spec::display(root, file);
        linter.document(&name, &doc, &mut operation_ids);
        linter.examples(file, &name, &doc);
        linter.nullable_without_type(&name, &doc);
        linter.nullable_composition(file, &name, &doc);
        linter.closed_response_enums(&name, &doc);
        linter.parameter_ranges(&name, &doc);
        linter.xml_without_example(&name, &doc);
    }
    linter.findings.into_iter().collect()
}

struct Linter<'a> {
    root: &'a Path,
    files: Files,
    findings: BTreeSet<Finding>,
}

impl Linter<'_> {
    fn report(&mut self, file: &str, pointer: &str, message: impl Into<String>) {
        self.findings.insert(Finding {
            file: file.to_owned(),
            pointer: pointer.to_owned(),
            message: message.into(),
        });
    }

    /// The specs plus every file reachable from them through `$ref`s, reporting each reference
    /// that does not resolve.
    fn reachable(&mut self, specs: &[PathBuf]) -> Vec<PathBuf> {
        let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
        let mut todo: Vec<PathBuf> = specs.to_vec();
        let mut order = Vec::new();
        while let Some(file) = todo.pop() {
            if !seen.insert(file.clone()) {
                continue;
            }
            let name = spec::display(self.root, &file);
            let doc = match self.files.get(&file) {
                Ok(doc) => doc.clone(),
                Err(err) => {
                    self.report(&name, "", format!("{err:#}"));
                    continue;
                }
            };
            order.push(file.clone());
            let mut refs = Vec::new();
            collect_refs(&doc, "", &mut refs);
            for (pointer, reference) in refs {
                match self.files.resolve(&file, &reference) {
                    Ok((target, _)) => {
                        if target != file {
                            todo.push(target);
                        }
                    }
                    Err(_) => self.report(
                        &name,
                        &pointer,
                        format!("unresolvable reference '{reference}'"),
                    ),
                }
            }
        }
        order.sort();
        order
    }

    fn document(
        &mut self,
        name: &str,
        doc: &Value,
        operation_ids: &mut BTreeMap<String, (String, String)>,
    ) {
        match doc.get("openapi").and_then(Value::as_str) {
            Some(v) if v.starts_with("3.0.") => {}
            Some(v) => self.report(
                name,
                "/openapi",
                format!("version {v} is not OpenAPI 3.0.x (progenitor reads 3.0 only)"),
            ),
            None => self.report(name, "", "not an OpenAPI document: no 'openapi' version"),
        }
        if declares_operations(doc)
            && let Err(err) = Vendor::of(doc)
        {
            // Point at the value when there is one, else at the `info` object that lacks it.
            let value = join("/info", spec::vendor::EXTENSION);
            let pointer = if doc.pointer(&value).is_some() {
                value.as_str()
            } else {
                "/info"
            };
            self.report(name, pointer, format!("{err}"));
        }
        let has_security = doc
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .is_some_and(|s| !s.is_empty());
        let global_security = doc.get("security").is_some();

        if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
            for (path, item) in paths {
                let item_ptr = join("/paths", path);
                if item.get("$ref").is_some() {
                    self.report(
                        name,
                        &item_ptr,
                        "path item is a $ref (progenitor refuses them; write the operations here)",
                    );
                    continue;
                }
                for method in METHODS {
                    let Some(op) = item.get(method) else { continue };
                    let ptr = join(&item_ptr, method);
                    self.operation(name, doc, &ptr, op, item, operation_ids);
                    if has_security && !global_security && op.get("security").is_none() {
                        self.report(name, &ptr, "operation has no security requirement");
                    }
                }
            }
        }
        let mut schemas = Vec::new();
        collect_schemas(doc, "", &mut schemas);
        for (pointer, schema) in schemas {
            self.schema(name, doc, &pointer, schema);
        }
    }

    fn operation(
        &mut self,
        name: &str,
        doc: &Value,
        ptr: &str,
        op: &Value,
        item: &Value,
        operation_ids: &mut BTreeMap<String, (String, String)>,
    ) {
        match op.get("operationId").and_then(Value::as_str) {
            None | Some("") => self.report(name, ptr, "operation has no operationId"),
            Some(id) => {
                if !is_snake_case(id) {
                    self.report(name, ptr, format!("operationId '{id}' is not snake_case"));
                }
                match operation_ids.get(id) {
                    Some((file, other)) => {
                        let msg = format!("duplicate operationId '{id}' (also at {file}: {other})");
                        self.report(name, ptr, msg);
                    }
                    None => {
                        operation_ids.insert(id.to_owned(), (name.to_owned(), ptr.to_owned()));
                    }
                }
            }
        }
        if op
            .get("summary")
            .and_then(Value::as_str)
            .is_none_or(|s| s.trim().is_empty())
        {
            self.report(name, ptr, "operation has no summary");
        }
        if op
            .get("tags")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
        {
            self.report(name, ptr, "operation has no tags");
        }

        let params = item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| ("/parameters".to_owned(), p))
            .chain(
                op.get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|p| (format!("{ptr}/parameters"), p)),
            )
            .collect::<Vec<_>>();
        for (i, (base, param)) in params.iter().enumerate() {
            let (_, param) = follow(doc, param);
            let pp = format!("{base}/{i}");
            match param.get("in").and_then(Value::as_str) {
                Some("cookie") => {
                    self.report(name, &pp, "cookie parameters are refused by progenitor")
                }
                Some("query")
                    if param.get("style").and_then(Value::as_str) == Some("deepObject") =>
                {
                    self.report(
                        name,
                        &pp,
                        "deepObject query parameters are refused by progenitor",
                    )
                }
                _ => {}
            }
        }

        if let Some(content) = op
            .pointer("/requestBody/content")
            .and_then(Value::as_object)
        {
            for (media, mt) in content {
                let mp = join(
                    &join(&format!("{ptr}/requestBody/content"), media),
                    "schema",
                );
                if let Some(schema) = mt.get("schema")
                    && !is_named(schema)
                {
                    self.report(
                        name,
                        &mp,
                        "inline request body schema: use a named component schema ($ref)",
                    );
                }
            }
        }

        let Some(responses) = op.get("responses").and_then(Value::as_object) else {
            self.report(name, ptr, "operation has no responses");
            return;
        };
        let mut success_schemas: BTreeMap<&str, Option<String>> = BTreeMap::new();
        let mut error_schemas: BTreeMap<Option<String>, Vec<&str>> = BTreeMap::new();
        let mut default_typed = false;
        for (status, response) in responses {
            let rp = join(&format!("{ptr}/responses"), status);
            let (_, response) = follow(doc, response);
            let primary = primary_schema(response);
            if let Some(content) = response.get("content").and_then(Value::as_object) {
                for (media, mt) in content {
                    if let Some(schema) = mt.get("schema")
                        && !is_named(schema)
                    {
                        let mp = join(&join(&format!("{rp}/content"), media), "schema");
                        self.report(
                            name,
                            &mp,
                            "inline response schema: use a named component schema ($ref)",
                        );
                    }
                }
            }
            if status.starts_with('2') {
                success_schemas.insert(status, primary);
            } else if status == "default" {
                default_typed = primary.is_some();
                error_schemas.entry(primary).or_default().push(status);
            } else if status.starts_with('4') || status.starts_with('5') {
                error_schemas.entry(primary).or_default().push(status);
            }
        }
        if success_schemas.contains_key("200") && success_schemas.contains_key("204") {
            self.report(
                name,
                ptr,
                "200 and 204 on one operation (progenitor panics)",
            );
        }
        if let (Some(a), Some(b)) = (success_schemas.get("200"), success_schemas.get("201"))
            && a != b
        {
            self.report(
                name,
                ptr,
                "200 and 201 with different schemas on one operation (progenitor panics)",
            );
        }
        if default_typed && success_schemas.values().any(Option::is_some) {
            self.report(
                name,
                ptr,
                "typed 2xx response with a typed 'default' response (progenitor panics)",
            );
        }
        if error_schemas.len() > 1 {
            let kinds = error_schemas
                .iter()
                .map(|(schema, statuses)| {
                    format!(
                        "{} for {}",
                        schema.as_deref().unwrap_or("no body"),
                        statuses.join(", ")
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            self.report(
                name,
                ptr,
                format!("error responses of different schemas: {kinds} (progenitor panics; use one error schema)"),
            );
        }
    }

    fn schema(&mut self, name: &str, doc: &Value, ptr: &str, schema: &Value) {
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let mut seen: BTreeMap<String, &str> = BTreeMap::new();
            for v in values.iter().filter_map(Value::as_str) {
                if let Some(other) = seen.insert(v.to_lowercase(), v)
                    && other != v
                {
                    self.report(
                            name,
                            &format!("{ptr}/enum"),
                            format!("enum values '{other}' and '{v}' differ only in case (progenitor panics)"),
                        );
                }
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        // A required name without a property is a typo that typify turns into a field of any
        // JSON type, and that every generated request would fail to send.
        let declared_elsewhere = ["allOf", "anyOf", "oneOf"]
            .iter()
            .any(|k| schema.get(*k).is_some())
            || schema
                .get("additionalProperties")
                .is_some_and(|a| a != &Value::Bool(false));
        if !declared_elsewhere {
            for required in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let required = required.as_str().unwrap_or_default();
                if !properties.is_some_and(|p| p.contains_key(required)) {
                    self.report(
                        name,
                        &format!("{ptr}/required"),
                        format!("required property '{required}' is not defined in properties"),
                    );
                }
            }
        }
        let Some(properties) = properties else {
            return;
        };
        let mut rust_names: BTreeMap<String, &str> = BTreeMap::new();
        for (prop, value) in properties {
            let pp = join(&format!("{ptr}/properties"), prop);
            if !has_description(doc, value) {
                self.report(name, &pp, format!("property '{prop}' has no description"));
            }
            if let Some(other) = rust_names.insert(rust_field_name(prop), prop) {
                self.report(
                    name,
                    &pp,
                    format!("properties '{other}' and '{prop}' map to one Rust field name"),
                );
            }
        }
    }

    /// Validates every example of every media type in `doc` (as written in `file`) against the
    /// media type's schema, resolved in the bundled form of the document.
    fn examples(&mut self, file: &Path, name: &str, doc: &Value) {
        let mut media = Vec::new();
        collect_media_types(doc, "", &mut media);
        if media
            .iter()
            .all(|(_, mt)| mt.get("example").is_none() && mt.get("examples").is_none())
        {
            return;
        }
        let bundled = match spec::bundle_with(&mut self.files, file) {
            Ok(b) => b,
            Err(err) => {
                // An unresolvable reference is already reported where it is written.
                if !self.findings.iter().any(|f| f.file == name) {
                    self.report(name, "", format!("cannot be bundled: {err:#}"));
                }
                return;
            }
        };
        for (ptr, mt) in media {
            let media_type = ptr
                .rsplit('/')
                .next()
                .map(spec::unescape)
                .unwrap_or_default();
            let mut examples: Vec<(String, &Value)> = Vec::new();
            if let Some(v) = mt.get("example") {
                examples.push((format!("{ptr}/example"), v));
            }
            if let Some(map) = mt.get("examples").and_then(Value::as_object) {
                for (key, example) in map {
                    let (_, example) = follow(doc, example);
                    if let Some(v) = example.get("value") {
                        examples.push((join(&join(&format!("{ptr}/examples"), key), "value"), v));
                    }
                }
            }
            let Some(schema) = bundled.pointer(&format!("{ptr}/schema")) else {
                continue;
            };
            for (ep, value) in examples {
                if is_xml(&media_type) {
                    match value.as_str() {
                        Some(text) => {
                            if let Err(err) = check_xml(text) {
                                self.report(
                                    name,
                                    &ep,
                                    format!("example is not well-formed XML: {err}"),
                                );
                            }
                        }
                        None => self.report(name, &ep, "XML example must be a string"),
                    }
                    continue;
                }
                if let Err(errors) = validate(&bundled, schema, value) {
                    self.report(
                        name,
                        &ep,
                        format!("example does not validate against its schema: {errors}"),
                    );
                }
            }
        }
    }
}

/// Whether `doc` is a spec (it has operations) rather than a file of shared components
/// (`openapi/common/*.yaml`, `paths: {}`), which belongs to no vendor of its own.
fn declares_operations(doc: &Value) -> bool {
    doc.get("paths")
        .and_then(Value::as_object)
        .is_some_and(|paths| !paths.is_empty())
}

/// Rules that keep the specs honest about what they promise readers; each is its own pass.
impl Linter<'_> {
    /// `nullable: true` only takes effect beside a `type` in OpenAPI 3.0.3: on an `allOf` or a
    /// `$ref` without one, `null` still fails validation.
    fn nullable_without_type(&mut self, name: &str, doc: &Value) {
        let mut schemas = Vec::new();
        collect_schemas(doc, "", &mut schemas);
        for (pointer, schema) in schemas {
            if schema.get("nullable") == Some(&Value::Bool(true)) && schema.get("type").is_none() {
                self.report(
                    name,
                    &format!("{pointer}/nullable"),
                    "'nullable: true' without a sibling 'type' has no effect in OpenAPI 3.0.3 (add the type)",
                );
            }
        }
    }

    /// OpenAPI 3.0.3: beside `nullable`, every other keyword keeps its meaning "and therefore
    /// may disallow the use of null", so `nullable: true` beside an `allOf` (or a `$ref`) whose
    /// target is not itself nullable still rejects `null` in every OAS 3.0 validator.
    fn nullable_composition(&mut self, file: &Path, name: &str, doc: &Value) {
        let mut schemas = Vec::new();
        collect_schemas(doc, "", &mut schemas);
        for (pointer, schema) in schemas {
            if schema.get("nullable") != Some(&Value::Bool(true)) {
                continue;
            }
            let members = schema.get("allOf").and_then(Value::as_array);
            let references = members
                .into_iter()
                .flatten()
                .chain(std::iter::once(schema))
                .filter_map(|s| s.get("$ref").and_then(Value::as_str));
            for reference in references {
                // An unresolvable reference is reported where it is written.
                let Ok(target) = self.files.resolve(file, reference).map(|(_, t)| t) else {
                    continue;
                };
                if target.get("nullable") != Some(&Value::Bool(true)) {
                    self.report(
                        name,
                        &format!("{pointer}/nullable"),
                        format!(
                            "'nullable: true' beside '{reference}' does not admit null in OpenAPI 3.0: the target is not nullable and its constraints still apply (mark the target 'nullable: true' beside its type, or drop 'nullable' here)"
                        ),
                    );
                }
            }
        }
    }

    /// An enum on a schema that only responses use is a promise that the vendor never adds a
    /// value: a new one would break every reader. Describe the values instead, or opt in with
    /// `x-closed-enum: <reason>` on the schema holding the enum.
    fn closed_response_enums(&mut self, name: &str, doc: &Value) {
        let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
            return;
        };
        let mut written: Vec<&Value> = Vec::new();
        let mut read: Vec<&Value> = Vec::new();
        for item in paths.values() {
            let mut params: Vec<&Value> = item
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .collect();
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                params.extend(
                    op.get("parameters")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten(),
                );
                if let Some(body) = op.get("requestBody") {
                    written.push(local(doc, body));
                }
                for response in op
                    .get("responses")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flat_map(|r| r.values())
                {
                    read.push(local(doc, response));
                }
            }
            written.extend(params.into_iter().map(|p| local(doc, p)));
        }
        let written = reachable_schemas(doc, &written);
        let read = reachable_schemas(doc, &read);
        for schema_name in read.difference(&written) {
            let base = join("/components/schemas", schema_name);
            let Some(schema) = doc.pointer(&base) else {
                continue;
            };
            let mut nested = Vec::new();
            nested_schemas(schema, &base, &mut nested);
            for (pointer, s) in nested {
                if s.get("enum").is_some() && s.get("x-closed-enum").is_none() {
                    self.report(
                        name,
                        &format!("{pointer}/enum"),
                        "enum on a schema only responses use: a value the vendor adds later breaks readers (describe the values, or mark 'x-closed-enum: <reason>')",
                    );
                }
                // A property that refers to an enum schema shared with requests closes the
                // response just the same.
                let target = s.get("$ref").or_else(|| {
                    s.get("allOf")
                        .and_then(Value::as_array)
                        .filter(|all| all.len() == 1)
                        .and_then(|all| all[0].get("$ref"))
                });
                let enum_name = target
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"));
                // The `$ref` inside a one-element `allOf` is judged on the property holding it.
                let in_composition = pointer
                    .rsplit('/')
                    .nth(1)
                    .is_some_and(|k| matches!(k, "allOf" | "anyOf" | "oneOf"));
                if let Some(enum_name) = enum_name
                    && !in_composition
                    && s.get("x-closed-enum").is_none()
                    && doc
                        .pointer(&join("/components/schemas", enum_name))
                        .is_some_and(|t| {
                            t.get("enum").is_some() && t.get("x-closed-enum").is_none()
                        })
                {
                    self.report(
                        name,
                        &pointer,
                        format!("refers to the enum '{enum_name}' from a schema only responses use: a value the vendor adds later breaks readers (describe the values, or mark 'x-closed-enum: <reason>')"),
                    );
                }
            }
        }
    }

    /// A parameter's example or default must lie inside its schema's `minimum`/`maximum`, and a
    /// description that promises clamping contradicts a `maximum` (a value above it is invalid).
    fn parameter_ranges(&mut self, name: &str, doc: &Value) {
        let mut params: Vec<(String, &Value)> = Vec::new();
        if let Some(map) = doc
            .pointer("/components/parameters")
            .and_then(Value::as_object)
        {
            for (key, p) in map {
                params.push((join("/components/parameters", key), p));
            }
        }
        if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
            for (path, item) in paths {
                let item_ptr = join("/paths", path);
                for (i, p) in item
                    .get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    params.push((format!("{item_ptr}/parameters/{i}"), p));
                }
                for method in METHODS {
                    let op_ptr = join(&item_ptr, method);
                    let Some(op) = item.get(method) else { continue };
                    for (i, p) in op
                        .get("parameters")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .enumerate()
                    {
                        params.push((format!("{op_ptr}/parameters/{i}"), p));
                    }
                }
            }
        }
        for (ptr, param) in params {
            if param.get("$ref").is_some() {
                continue;
            }
            let Some(schema) = param.get("schema").map(|s| local(doc, s)) else {
                continue;
            };
            let min = schema.get("minimum").and_then(Value::as_f64);
            let max = schema.get("maximum").and_then(Value::as_f64);
            if min.is_none() && max.is_none() {
                continue;
            }
            let mut values: Vec<(String, &Value)> = Vec::new();
            if let Some(v) = param.get("example") {
                values.push((format!("{ptr}/example"), v));
            }
            if let Some(map) = param.get("examples").and_then(Value::as_object) {
                for (key, example) in map {
                    if let Some(v) = local(doc, example).get("value") {
                        values.push((join(&join(&format!("{ptr}/examples"), key), "value"), v));
                    }
                }
            }
            for key in ["default", "example"] {
                if param.pointer("/schema/$ref").is_none()
                    && let Some(v) = schema.get(key)
                {
                    values.push((format!("{ptr}/schema/{key}"), v));
                }
            }
            for (vp, value) in values {
                let Some(n) = value.as_f64() else { continue };
                if let Some(min) = min.filter(|m| n < *m) {
                    self.report(
                        name,
                        &vp,
                        format!("{value} is below the parameter's minimum {min}"),
                    );
                }
                if let Some(max) = max.filter(|m| n > *m) {
                    self.report(
                        name,
                        &vp,
                        format!("{value} is above the parameter's maximum {max}"),
                    );
                }
            }
            let clamps = param
                .get("description")
                .and_then(Value::as_str)
                .is_some_and(|d| d.to_lowercase().contains("clamp"));
            if clamps && let Some(max) = schema.get("maximum") {
                self.report(
                    name,
                    &format!("{ptr}/description"),
                    format!("the description says values are clamped, but 'maximum: {max}' makes a larger value invalid"),
                );
            }
        }
    }

    /// An XML media type whose JSON sibling has an example must have one too: partners read
    /// the examples to learn the element names.
    fn xml_without_example(&mut self, name: &str, doc: &Value) {
        let mut media = Vec::new();
        collect_media_types(doc, "", &mut media);
        let has_example = |mt: &Value| {
            mt.get("example").is_some()
                || mt
                    .get("examples")
                    .is_some_and(|e| e.as_object().is_some_and(|m| !m.is_empty()))
        };
        for (ptr, mt) in &media {
            let Some((content, media_type)) = ptr.rsplit_once('/') else {
                continue;
            };
            if !is_xml(&spec::unescape(media_type)) || has_example(mt) {
                continue;
            }
            let json_has_example = media.iter().any(|(other, omt)| {
                other.rsplit_once('/').is_some_and(|(c, m)| {
                    c == content && {
                        let m = spec::unescape(m);
                        m == "application/json" || m.ends_with("+json")
                    }
                }) && has_example(omt)
            });
            if json_has_example {
                self.report(
                    name,
                    ptr,
                    "XML media type without an example although its JSON sibling has one",
                );
            }
        }
    }
}

/// Names of the component schemas reachable (through local `$ref`s) from the given nodes.
fn reachable_schemas(doc: &Value, roots: &[&Value]) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut followed: BTreeSet<String> = BTreeSet::new();
    let mut todo: Vec<&Value> = roots.to_vec();
    while let Some(node) = todo.pop() {
        let mut refs = Vec::new();
        collect_refs(node, "", &mut refs);
        for (_, reference) in refs {
            let r = spec::Ref::parse(&reference);
            if r.file.is_some() {
                continue;
            }
            if let Some(schema_name) = r.pointer.strip_prefix("/components/schemas/") {
                let schema_name = spec::unescape(schema_name);
                if seen.insert(schema_name.clone())
                    && let Some(target) = doc.pointer(r.pointer)
                {
                    todo.push(target);
                }
            } else if followed.insert(r.pointer.to_owned())
                && let Some(target) = doc.pointer(r.pointer)
            {
                // A local response, parameter or request body component: follow into it.
                todo.push(target);
            }
        }
    }
    seen
}

fn is_xml(media_type: &str) -> bool {
    media_type.ends_with("/xml") || media_type.ends_with("+xml")
}

fn check_xml(text: &str) -> Result<(), String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            quick_xml::events::Event::Start(_) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
            }
            quick_xml::events::Event::End(_) => depth = depth.saturating_sub(1),
            quick_xml::events::Event::Empty(_) if depth == 0 => roots += 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    match (depth, roots) {
        (0, 1) => Ok(()),
        (0, n) => Err(format!("{n} root elements (expected one)")),
        _ => Err("unclosed element".into()),
    }
}

/// Validates `value` against `schema` (an OpenAPI schema inside the bundled document `bundled`)
/// with the workspace's one OpenAPI → JSON Schema conversion, in the 2020-12 dialect the server
/// stubs validate with, formats included. Returns the messages, joined, on failure.
fn validate(bundled: &Value, schema: &Value, value: &Value) -> Result<(), String> {
    let schema = json_schema::standalone(bundled, schema);
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| format!("schema does not compile: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| {
            let at = e.instance_path().to_string();
            format!("{}: {e}", if at.is_empty() { "/" } else { &at })
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// A `$ref` followed to what it names (lenient: a broken reference leaves the value itself;
/// the unresolvable-reference rule reports those).
fn local<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match follow(doc, value) {
        (_, Value::Null) => value,
        (_, target) => target,
    }
}

/// A body schema progenitor can name: a `$ref`, or an array of `$ref`s.
fn is_named(schema: &Value) -> bool {
    schema.get("$ref").is_some()
        || (schema.get("type").and_then(Value::as_str) == Some("array")
            && schema
                .get("items")
                .is_some_and(|items| items.get("$ref").is_some()))
}

/// The schema progenitor types a response with: the JSON media type's, else the first one's.
fn primary_schema(response: &Value) -> Option<String> {
    let content = response.get("content")?.as_object()?;
    let (_, mt) = content
        .iter()
        .find(|(media, _)| media.as_str() == "application/json" || media.ends_with("+json"))
        .or_else(|| content.iter().next())?;
    let schema = mt.get("schema")?;
    Some(
        schema
            .get("$ref")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| schema.to_string()),
    )
}

fn has_description(doc: &Value, schema: &Value) -> bool {
    let described = |s: &Value| {
        s.get("description")
            .and_then(Value::as_str)
            .is_some_and(|d| !d.trim().is_empty())
    };
    if described(schema) {
        return true;
    }
    // A bare `$ref` property is described by the schema it names (OpenAPI 3.0 ignores siblings
    // of `$ref`), and so is a one-element `allOf` wrapper.
    let target = match (
        schema.get("$ref"),
        schema.get("allOf").and_then(Value::as_array),
    ) {
        (Some(_), _) => Some(schema),
        (None, Some(all)) if all.len() == 1 => all.first(),
        _ => None,
    };
    let Some(target) = target else {
        return false;
    };
    match target.get("$ref").and_then(Value::as_str) {
        Some(reference) if reference.starts_with('#') => described(follow(doc, target).1),
        // External targets are linted in their own file; a reference that does not resolve is
        // reported by the reference rule.
        Some(_) => true,
        None => false,
    }
}

fn is_snake_case(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !id.contains("__")
        && !id.ends_with('_')
}

/// How typify names a field: snake case, with dashes and other separators folded to `_`.
fn rust_field_name(property: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in property.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    out.trim_matches('_').to_owned()
}

/// Every `$ref` string in `value`, with the pointer of the object holding it.
fn collect_refs(value: &Value, ptr: &str, out: &mut Vec<(String, String)>) {
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
fn collect_media_types<'a>(value: &'a Value, ptr: &str, out: &mut Vec<(String, &'a Value)>) {
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
fn collect_schemas<'a>(doc: &'a Value, ptr: &str, out: &mut Vec<(String, &'a Value)>) {
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

fn nested_schemas<'a>(schema: &'a Value, ptr: &str, out: &mut Vec<(String, &'a Value)>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_field_names_follow_typify() {
        assert_eq!(rust_field_name("created-by"), "created_by");
        assert_eq!(rust_field_name("created_by"), "created_by");
        assert_eq!(rust_field_name("allocationId"), "allocation_id");
        assert_eq!(rust_field_name("segment-1"), "segment_1");
    }

    #[test]
    fn examples_validate_in_the_server_dialect() {
        // `nullable` beside a reference (null only where the target admits it, as OpenAPI 3.0
        // reads it), OpenAPI's boolean `exclusiveMinimum` and formats, as spendapi-spec's
        // conversion turns them into JSON Schema 2020-12.
        let doc = serde_json::json!({"components": {"schemas": {
            "When": {"type": "string", "format": "date-time", "nullable": true},
            "Strict": {"type": "string", "format": "date-time"},
            "Thing": {"type": "object", "properties": {
                "at": {"type": "string", "nullable": true, "allOf": [{"$ref": "#/components/schemas/When"}]},
                "on": {"$ref": "#/components/schemas/Strict"},
                "by": {"type": "string", "nullable": true, "allOf": [{"$ref": "#/components/schemas/Strict"}]},
                "n": {"type": "integer", "minimum": 0, "exclusiveMinimum": true}
            }}
        }}});
        let thing = serde_json::json!({"$ref": "#/components/schemas/Thing"});
        assert_eq!(
            validate(
                &doc,
                &thing,
                &serde_json::json!({"at": null, "on": "2026-01-02T03:04:05Z", "n": 1})
            ),
            Ok(())
        );
        let err = validate(
            &doc,
            &thing,
            &serde_json::json!({"at": 7, "on": "yesterday", "n": 0}),
        )
        .expect_err("both properties are invalid");
        assert!(err.contains("/at: ") && err.contains("date-time"), "{err}");
        assert!(err.contains("/n: "), "{err}");
        let err = validate(&doc, &thing, &serde_json::json!({"by": null}))
            .expect_err("the allOf target rejects null");
        assert!(err.contains("/by: "), "{err}");
    }

    #[test]
    fn xml_well_formedness() {
        assert!(check_xml("<errors><error>x</error></errors>").is_ok());
        assert!(check_xml("<errors><error>x</errors>").is_err());
        assert!(check_xml("<a/><b/>").is_err());
    }
}
