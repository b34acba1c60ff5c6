//! The walk over paths, operations, parameters, bodies, responses and security.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};
use spendapi_spec::METHODS;
use spendapi_spec::resolve::follow;

use crate::Rule;
use crate::differ::Differ;
use crate::schema::{Dir, Walk};

/// The entries of an object-valued field, in document order (empty when absent).
fn entries<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = (&'a String, &'a Value)> {
    v.get(key).and_then(Value::as_object).into_iter().flatten()
}

/// `/accounts/{id}` and `/accounts/{account-id}` are the same path.
fn normalize_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if !in_param => out.push(c),
            _ => {}
        }
    }
    out
}

/// The position of `{name}` among the template parameters of `path`.
fn path_param_position(path: &str, name: &str) -> Option<usize> {
    path.split('{')
        .skip(1)
        .position(|seg| seg.split('}').next() == Some(name))
}

/// A resolved parameter with the key it is matched on across versions.
struct Param<'a> {
    key: (String, String),
    name: &'a str,
    location: &'a str,
    required: bool,
    value: &'a Value,
}

/// The parameters of an operation, path-level ones overridden by operation-level ones. Path
/// parameters are keyed by position so that renaming `{id}` is not a change; header names are
/// case-insensitive.
fn parameters<'a>(doc: &'a Value, path: &str, item: &'a Value, op: &'a Value) -> Vec<Param<'a>> {
    let mut out: Vec<Param<'a>> = Vec::new();
    let lists = [item, op]
        .into_iter()
        .filter_map(|v| v.get("parameters")?.as_array());
    for p in lists.flatten() {
        let (_, p) = follow(doc, p);
        let (Some(name), Some(location)) = (
            p.get("name").and_then(Value::as_str),
            p.get("in").and_then(Value::as_str),
        ) else {
            continue;
        };
        let id = match location {
            "path" => {
                path_param_position(path, name).map_or_else(|| name.to_owned(), |i| format!("#{i}"))
            }
            "header" => name.to_ascii_lowercase(),
            _ => name.to_owned(),
        };
        let key = (location.to_owned(), id);
        let required =
            location == "path" || p.get("required").and_then(Value::as_bool).unwrap_or(false);
        let param = Param {
            key,
            name,
            location,
            required,
            value: p,
        };
        match out.iter_mut().find(|q| q.key == param.key) {
            Some(q) => *q = param,
            None => out.push(param),
        }
    }
    out
}

/// The schema of a parameter: its `schema`, or the one of its single `content` entry.
fn param_schema(p: &Value) -> Option<&Value> {
    p.get("schema").or_else(|| {
        p.get("content")?
            .as_object()?
            .values()
            .next()?
            .get("schema")
    })
}

type Alternative = BTreeMap<String, BTreeSet<String>>;

/// A security requirement as alternatives; no requirement (or `[]`) means anonymous access,
/// which is the alternative `{}`.
fn alternatives(v: Option<&Value>) -> Vec<Alternative> {
    let alts: Vec<Alternative> = v
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(|alt| {
            alt.iter()
                .map(|(scheme, scopes)| {
                    let scopes = scopes.as_array().into_iter().flatten();
                    (
                        scheme.clone(),
                        scopes
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect(),
                    )
                })
                .collect()
        })
        .collect();
    if alts.is_empty() {
        vec![Alternative::new()]
    } else {
        alts
    }
}

fn describe(alt: &Alternative) -> String {
    if alt.is_empty() {
        "anonymous access".to_owned()
    } else {
        let names: Vec<_> = alt.keys().map(|k| format!("`{k}`")).collect();
        names.join(" + ")
    }
}

impl<'a> Differ<'a> {
    pub(crate) fn document(&mut self) {
        self.security(
            "security".to_owned(),
            self.old.get("security"),
            self.new.get("security"),
        );

        let new_paths: Vec<_> = entries(self.new, "paths").collect();
        let find_new = |path: &str| {
            let norm = normalize_path(path);
            new_paths
                .iter()
                .find(|(p, _)| normalize_path(p) == norm)
                .copied()
        };
        for (old_path, old_item) in entries(self.old, "paths") {
            let (_, old_item) = follow(self.old, old_item);
            match find_new(old_path) {
                Some((new_path, new_item)) => {
                    let (_, new_item) = follow(self.new, new_item);
                    self.path_item(old_path, old_item, new_path, new_item);
                }
                None => self.push(Rule::PathRemoved, old_path.clone(), "path removed"),
            }
        }
        let old_norms: BTreeSet<_> = entries(self.old, "paths")
            .map(|(p, _)| normalize_path(p))
            .collect();
        for (new_path, _) in &new_paths {
            if !old_norms.contains(&normalize_path(new_path)) {
                self.push(Rule::PathAdded, (*new_path).clone(), "path added");
            }
        }
    }

    fn path_item(
        &mut self,
        old_path: &str,
        old_item: &'a Value,
        new_path: &str,
        new_item: &'a Value,
    ) {
        for method in METHODS {
            let at = format!("{} {new_path}", method.to_ascii_uppercase());
            match (old_item.get(method), new_item.get(method)) {
                (Some(o), Some(n)) => {
                    let old_op = Op {
                        path: old_path,
                        item: old_item,
                        op: o,
                    };
                    let new_op = Op {
                        path: new_path,
                        item: new_item,
                        op: n,
                    };
                    self.operation(&at, old_op, new_op);
                }
                (Some(_), None) => self.push(Rule::OperationRemoved, at, "operation removed"),
                (None, Some(_)) => self.push(Rule::OperationAdded, at, "operation added"),
                (None, None) => {}
            }
        }
    }

    fn operation(&mut self, at: &str, old: Op<'a, '_>, new: Op<'a, '_>) {
        if old.op.get("security").is_some() || new.op.get("security").is_some() {
            let effective =
                |doc: &'a Value, op: &'a Value| op.get("security").or_else(|| doc.get("security"));
            let (o, n) = (effective(self.old, old.op), effective(self.new, new.op));
            self.security(format!("{at} security"), o, n);
        }
        self.parameters(at, &old, &new);
        self.request_body(at, old.op, new.op);
        self.responses(at, old.op, new.op);
    }

    fn parameters(&mut self, at: &str, old: &Op<'a, '_>, new: &Op<'a, '_>) {
        let old_params = parameters(self.old, old.path, old.item, old.op);
        let new_params = parameters(self.new, new.path, new.item, new.op);
        for p in &old_params {
            if !new_params.iter().any(|q| q.key == p.key) {
                let loc = format!("{at} parameters.{}.{}", p.location, p.name);
                let msg = format!("{} parameter `{}` removed", p.location, p.name);
                self.push(Rule::RequestParameterRemoved, loc, msg);
            }
        }
        for q in &new_params {
            let loc = format!("{at} parameters.{}.{}", q.location, q.name);
            let Some(p) = old_params.iter().find(|p| p.key == q.key) else {
                let (rule, what) = if q.required {
                    (Rule::RequestParameterAddedRequired, "required")
                } else {
                    (Rule::RequestParameterAddedOptional, "optional")
                };
                self.push(
                    rule,
                    loc,
                    format!("{what} {} parameter `{}` added", q.location, q.name),
                );
                continue;
            };
            match (p.required, q.required) {
                (false, true) => {
                    let msg = format!("{} parameter `{}` is now required", q.location, q.name);
                    self.push(Rule::RequestParameterBecameRequired, loc.clone(), msg);
                }
                (true, false) => {
                    let msg = format!("{} parameter `{}` is now optional", q.location, q.name);
                    self.push(Rule::RequestParameterBecameOptional, loc.clone(), msg);
                }
                _ => {}
            }
            if let (Some(a), Some(b)) = (param_schema(p.value), param_schema(q.value)) {
                self.schema(&mut Walk::new(Dir::Request, loc), "", a, b);
            }
        }
    }

    fn request_body(&mut self, at: &str, old_op: &'a Value, new_op: &'a Value) {
        let body = |doc: &'a Value, op: &'a Value| op.get("requestBody").map(|b| follow(doc, b).1);
        let required = |b: &Value| b.get("required").and_then(Value::as_bool).unwrap_or(false);
        let loc = format!("{at} requestBody");
        let (old, new) = match (body(self.old, old_op), body(self.new, new_op)) {
            (None, None) => return,
            (None, Some(b)) if required(b) => {
                return self.push(
                    Rule::RequestBodyBecameRequired,
                    loc,
                    "required request body added",
                );
            }
            (None, Some(_)) => {
                return self.push(Rule::RequestBodyAdded, loc, "optional request body added");
            }
            (Some(_), None) => {
                return self.push(Rule::RequestBodyRemoved, loc, "request body removed");
            }
            (Some(o), Some(n)) => (o, n),
        };
        match (required(old), required(new)) {
            (false, true) => self.push(
                Rule::RequestBodyBecameRequired,
                loc.clone(),
                "request body is now required",
            ),
            (true, false) => self.push(
                Rule::RequestBodyBecameOptional,
                loc.clone(),
                "request body is now optional",
            ),
            _ => {}
        }
        self.content(&loc, Dir::Request, old, new);
    }

    fn responses(&mut self, at: &str, old_op: &'a Value, new_op: &'a Value) {
        let new_responses: Vec<_> = entries(new_op, "responses").collect();
        for (status, old) in entries(old_op, "responses") {
            let loc = format!("{at} responses.{status}");
            let Some((_, new)) = new_responses.iter().find(|(s, _)| *s == status) else {
                let rule = if status.starts_with('2') {
                    Rule::ResponseSuccessStatusRemoved
                } else {
                    Rule::ResponseNonSuccessStatusRemoved
                };
                self.push(rule, loc, format!("response status {status} removed"));
                continue;
            };
            let (old, new) = (follow(self.old, old).1, follow(self.new, new).1);
            self.content(&loc, Dir::Response, old, new);
        }
        for (status, _) in &new_responses {
            if old_op
                .get("responses")
                .and_then(|r| r.get(status.as_str()))
                .is_none()
            {
                let loc = format!("{at} responses.{status}");
                self.push(
                    Rule::ResponseStatusAdded,
                    loc,
                    format!("response status {status} added"),
                );
            }
        }
    }

    /// Compares the `content` of a request body or response: media types, then their schemas.
    fn content(&mut self, loc: &str, dir: Dir, old: &'a Value, new: &'a Value) {
        let (removed, added, what) = match dir {
            Dir::Request => (
                Rule::RequestMediaTypeRemoved,
                Rule::RequestMediaTypeAdded,
                "request",
            ),
            Dir::Response => (
                Rule::ResponseMediaTypeRemoved,
                Rule::ResponseMediaTypeAdded,
                "response",
            ),
        };
        let new_media: Vec<_> = entries(new, "content").collect();
        for (media, old_media) in entries(old, "content") {
            let at = format!("{loc} {media}");
            let Some((_, new_media)) = new_media
                .iter()
                .find(|(m, _)| m.eq_ignore_ascii_case(media))
            else {
                self.push(removed, at, format!("{what} media type `{media}` removed"));
                continue;
            };
            if let (Some(a), Some(b)) = (old_media.get("schema"), new_media.get("schema")) {
                self.schema(&mut Walk::new(dir, at), "", a, b);
            }
        }
        let old_media: Map<String, Value> = Map::new();
        let old_content = old
            .get("content")
            .and_then(Value::as_object)
            .unwrap_or(&old_media);
        for (media, _) in &new_media {
            if !old_content.keys().any(|m| m.eq_ignore_ascii_case(media)) {
                self.push(
                    added,
                    format!("{loc} {media}"),
                    format!("{what} media type `{media}` added"),
                );
            }
        }
    }

    /// Compares two security requirements (each a list of alternatives).
    fn security(&mut self, loc: String, old: Option<&Value>, new: Option<&Value>) {
        if old == new {
            return;
        }
        let (old, new) = (alternatives(old), alternatives(new));
        let keys = |a: &Alternative| a.keys().cloned().collect::<Vec<_>>();
        for o in &old {
            let Some(n) = new.iter().find(|n| keys(n) == keys(o)) else {
                let msg = format!("security alternative {} removed", describe(o));
                self.push(Rule::SecurityAlternativeRemoved, loc.clone(), msg);
                continue;
            };
            for (scheme, old_scopes) in o {
                let new_scopes = &n[scheme];
                for scope in new_scopes.difference(old_scopes) {
                    let msg = format!("scope `{scope}` added to `{scheme}`");
                    self.push(Rule::SecurityScopeAdded, loc.clone(), msg);
                }
                for scope in old_scopes.difference(new_scopes) {
                    let msg = format!("scope `{scope}` removed from `{scheme}`");
                    self.push(Rule::SecurityScopeRemoved, loc.clone(), msg);
                }
            }
        }
        for n in &new {
            if !old.iter().any(|o| keys(o) == keys(n)) {
                let msg = format!("security alternative {} added", describe(n));
                self.push(Rule::SecurityAlternativeAdded, loc.clone(), msg);
            }
        }
    }
}

/// An operation together with its path and path item (for path-level parameters).
struct Op<'a, 'p> {
    path: &'p str,
    item: &'a Value,
    op: &'a Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_regardless_of_parameter_names() {
        assert_eq!(
            normalize_path("/a/{id}/b/{x}"),
            normalize_path("/a/{account-id}/b/{y}")
        );
        assert_ne!(normalize_path("/a/{id}"), normalize_path("/a/{id}/b"));
        assert_eq!(path_param_position("/a/{id}/b/{x}", "x"), Some(1));
        assert_eq!(path_param_position("/a/{id}", "nope"), None);
    }
}
