//! Comparison of two schemas reached from the same place, in the request or response direction.

use std::collections::HashSet;

use serde_json::Value;
use spendapi_spec::resolve::follow;

use crate::Rule;
use crate::differ::Differ;
use crate::refs::{Flat, flatten};

/// Which way data flows through the schema being compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dir {
    /// Sent by the client: a request body or parameter. `readOnly` properties are skipped.
    Request,
    /// Read by the client: a response body. `writeOnly` properties are skipped.
    Response,
}

/// The comparison of one root schema (a parameter, a request body or a response media type).
pub(crate) struct Walk {
    dir: Dir,
    /// The readable location of the root, e.g. `GET /accounts responses.200 application/json`.
    prefix: String,
    /// The pairs of schemas (by address in their documents, after `$ref` resolution) already
    /// compared under this root: the recursion guard. A schema reached twice under one root, as
    /// a shared or recursive component is, is compared (and reported) once, at its first
    /// location.
    seen: HashSet<(*const Value, *const Value)>,
}

/// How a constraint change moves the set of accepted values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rel {
    /// Fewer values accepted.
    Tighter,
    /// More values accepted.
    Looser,
    /// Neither a subset nor a superset (a changed `pattern`): breaking both ways.
    Both,
}

const UPPER_BOUNDS: &[&str] = &["maxLength", "maximum", "maxItems", "maxProperties"];
const LOWER_BOUNDS: &[&str] = &["minLength", "minimum", "minItems", "minProperties"];
const FLAGS: &[&str] = &["exclusiveMaximum", "exclusiveMinimum", "uniqueItems"];

impl Walk {
    pub(crate) fn new(dir: Dir, prefix: String) -> Self {
        Walk {
            dir,
            prefix,
            seen: HashSet::new(),
        }
    }

    fn loc(&self, ptr: &str) -> String {
        if ptr.is_empty() {
            self.prefix.clone()
        } else {
            format!("{} {ptr}", self.prefix)
        }
    }
}

/// Appends a JSON-pointer segment (escaped per RFC 6901) to `ptr`.
fn child(ptr: &str, segments: &[&str]) -> String {
    let mut out = ptr.to_owned();
    for s in segments {
        out.push('/');
        out.push_str(&s.replace('~', "~0").replace('/', "~1"));
    }
    out
}

/// The declared `type`, or the one implied by `properties`/`items`.
fn schema_type(s: &Flat<'_>) -> Option<Value> {
    if let Some(t) = s.get("type") {
        return Some(t.clone());
    }
    if !s.properties.is_empty() || s.get("additionalProperties").is_some() {
        Some(Value::from("object"))
    } else if s.get("items").is_some() {
        Some(Value::from("array"))
    } else {
        None
    }
}

fn flag(s: &Flat<'_>, key: &str) -> bool {
    s.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn show(v: Option<&Value>) -> String {
    v.map_or_else(|| "none".to_owned(), Value::to_string)
}

fn find<'v>(props: &[(&str, &'v Value)], name: &str) -> Option<&'v Value> {
    props.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
}

/// `true` when the (possibly `$ref`d) schema carries `key: true`.
fn has_flag(doc: &Value, schema: &Value, key: &str) -> bool {
    let own = schema.get(key).and_then(Value::as_bool).unwrap_or(false);
    own || {
        let (_, target) = follow(doc, schema);
        flatten(doc, target)
            .get(key)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

impl Differ<'_> {
    /// Compares the schemas `old` and `new` found at `ptr` (relative to the root of `walk`).
    pub(crate) fn schema(&mut self, walk: &mut Walk, ptr: &str, old: &Value, new: &Value) {
        let (_, old_s) = follow(self.old, old);
        let (_, new_s) = follow(self.new, new);
        if !walk
            .seen
            .insert((std::ptr::from_ref(old_s), std::ptr::from_ref(new_s)))
        {
            return;
        }
        let o = flatten(self.old, old_s);
        let n = flatten(self.new, new_s);

        if let (Some(ot), Some(nt)) = (schema_type(&o), schema_type(&n))
            && ot != nt
        {
            // Nothing below a changed type is worth comparing.
            self.push(
                Rule::TypeChanged,
                walk.loc(ptr),
                format!("type changed from {ot} to {nt}"),
            );
            return;
        }
        if o.get("format") != n.get("format") {
            let msg = format!(
                "format changed from {} to {}",
                show(o.get("format")),
                show(n.get("format"))
            );
            self.push(Rule::TypeChanged, walk.loc(ptr), msg);
        }
        self.nullable(walk, ptr, &o, &n);
        self.enum_values(walk, ptr, &o, &n);
        self.default(walk, ptr, &o, &n);
        self.constraints(walk, ptr, &o, &n);
        self.properties(walk, ptr, &o, &n);

        match (o.get("additionalProperties"), n.get("additionalProperties")) {
            (Some(a @ Value::Object(_)), Some(b @ Value::Object(_))) => {
                self.schema(walk, &child(ptr, &["additionalProperties"]), a, b);
            }
            (a, b) => {
                let allows = |v: Option<&Value>| v != Some(&Value::Bool(false));
                let rel = match (allows(a), allows(b)) {
                    (true, false) => Some(Rel::Tighter),
                    (false, true) => Some(Rel::Looser),
                    _ => None,
                };
                if let Some(rel) = rel {
                    let msg = format!(
                        "additionalProperties changed from {} to {}",
                        show(a),
                        show(b)
                    );
                    self.constraint(walk, ptr, rel, msg);
                }
            }
        }
        if let (Some(a), Some(b)) = (o.get("items"), n.get("items")) {
            self.schema(walk, &child(ptr, &["items"]), a, b);
        }
        for key in ["oneOf", "anyOf"] {
            self.branches(walk, ptr, key, &o, &n);
        }
    }

    fn nullable(&mut self, walk: &Walk, ptr: &str, o: &Flat<'_>, n: &Flat<'_>) {
        let rule = match (walk.dir, o.nullable(), n.nullable()) {
            (Dir::Request, true, false) => Rule::RequestPropertyBecameNonNullable,
            (Dir::Request, false, true) => Rule::RequestPropertyBecameNullable,
            (Dir::Response, false, true) => Rule::ResponsePropertyBecameNullable,
            (Dir::Response, true, false) => Rule::ResponsePropertyBecameNonNullable,
            _ => return,
        };
        let msg = if n.nullable() {
            "now nullable"
        } else {
            "no longer nullable"
        };
        self.push(rule, walk.loc(ptr), msg);
    }

    fn enum_values(&mut self, walk: &Walk, ptr: &str, o: &Flat<'_>, n: &Flat<'_>) {
        let (a, b) = match (o.get("enum"), n.get("enum")) {
            (Some(Value::Array(a)), Some(Value::Array(b))) => (a, b),
            (None, Some(_)) => {
                return self.constraint(walk, ptr, Rel::Tighter, "enum introduced".to_owned());
            }
            (Some(_), None) => {
                return self.constraint(walk, ptr, Rel::Looser, "enum dropped".to_owned());
            }
            _ => return,
        };
        let (removed, added) = match walk.dir {
            Dir::Request => (Rule::RequestEnumValueRemoved, Rule::RequestEnumValueAdded),
            Dir::Response => (Rule::ResponseEnumValueRemoved, Rule::ResponseEnumValueAdded),
        };
        for v in a.iter().filter(|v| !b.contains(v)) {
            self.push(removed, walk.loc(ptr), format!("enum value {v} removed"));
        }
        for v in b.iter().filter(|v| !a.contains(v)) {
            self.push(added, walk.loc(ptr), format!("enum value {v} added"));
        }
    }

    fn default(&mut self, walk: &Walk, ptr: &str, o: &Flat<'_>, n: &Flat<'_>) {
        match (o.get("default"), n.get("default")) {
            (Some(a), Some(b)) if a != b => {
                let msg = format!("default changed from {a} to {b}");
                self.push(Rule::DefaultChanged, walk.loc(ptr), msg);
            }
            (Some(a), None) => {
                self.push(
                    Rule::DefaultChanged,
                    walk.loc(ptr),
                    format!("default {a} removed"),
                );
            }
            (None, Some(b)) => {
                self.push(
                    Rule::DefaultAdded,
                    walk.loc(ptr),
                    format!("default {b} added"),
                );
            }
            _ => {}
        }
    }

    fn constraints(&mut self, walk: &Walk, ptr: &str, o: &Flat<'_>, n: &Flat<'_>) {
        let num = |s: &Flat<'_>, k: &str| s.get(k).and_then(Value::as_f64);
        for (keys, upper) in [(UPPER_BOUNDS, true), (LOWER_BOUNDS, false)] {
            for &k in keys {
                let (a, b) = (num(o, k), num(n, k));
                let (rel, msg) = match (a, b) {
                    (None, Some(_)) => (Rel::Tighter, format!("{k} {} added", show(n.get(k)))),
                    (Some(_), None) => (Rel::Looser, format!("{k} {} removed", show(o.get(k)))),
                    (Some(a), Some(b)) if a != b => {
                        let rel = if (b < a) == upper {
                            Rel::Tighter
                        } else {
                            Rel::Looser
                        };
                        let verb = if b < a { "decreased" } else { "increased" };
                        (
                            rel,
                            format!("{k} {verb} from {} to {}", show(o.get(k)), show(n.get(k))),
                        )
                    }
                    _ => continue,
                };
                self.constraint(walk, ptr, rel, msg);
            }
        }
        for &k in FLAGS {
            match (flag(o, k), flag(n, k)) {
                (false, true) => self.constraint(walk, ptr, Rel::Tighter, format!("{k} set")),
                (true, false) => self.constraint(walk, ptr, Rel::Looser, format!("{k} unset")),
                _ => {}
            }
        }
        let (a, b) = (num(o, "multipleOf"), num(n, "multipleOf"));
        let rel = match (a, b) {
            (None, Some(_)) => Some(Rel::Tighter),
            (Some(_), None) => Some(Rel::Looser),
            (Some(a), Some(b)) if a != b => Some(if (b / a).fract() == 0.0 {
                Rel::Tighter
            } else if (a / b).fract() == 0.0 {
                Rel::Looser
            } else {
                Rel::Both
            }),
            _ => None,
        };
        if let Some(rel) = rel {
            let msg = format!(
                "multipleOf changed from {} to {}",
                show(o.get("multipleOf")),
                show(n.get("multipleOf"))
            );
            self.constraint(walk, ptr, rel, msg);
        }
        let (a, b) = (o.get("pattern"), n.get("pattern"));
        let rel = match (a, b) {
            (None, Some(_)) => Some(Rel::Tighter),
            (Some(_), None) => Some(Rel::Looser),
            (Some(a), Some(b)) if a != b => Some(Rel::Both),
            _ => None,
        };
        if let Some(rel) = rel {
            let msg = format!("pattern changed from {} to {}", show(a), show(b));
            self.constraint(walk, ptr, rel, msg);
        }
    }

    /// Reports a constraint change under the rule its direction and relation call for.
    fn constraint(&mut self, walk: &Walk, ptr: &str, rel: Rel, msg: String) {
        let rule = match (walk.dir, rel) {
            (Dir::Request, Rel::Tighter | Rel::Both) => Rule::RequestConstraintTightened,
            (Dir::Request, Rel::Looser) => Rule::RequestConstraintLoosened,
            (Dir::Response, Rel::Looser | Rel::Both) => Rule::ResponseConstraintLoosened,
            (Dir::Response, Rel::Tighter) => Rule::ResponseConstraintTightened,
        };
        self.push(rule, walk.loc(ptr), msg);
    }

    /// The properties that travel in this direction: `readOnly` ones never appear in a request,
    /// `writeOnly` ones never in a response.
    fn visible<'v>(doc: &Value, dir: Dir, s: &Flat<'v>) -> Vec<(&'v str, &'v Value)> {
        let hidden = match dir {
            Dir::Request => "readOnly",
            Dir::Response => "writeOnly",
        };
        s.properties
            .iter()
            .copied()
            .filter(|(_, v)| !has_flag(doc, v, hidden))
            .collect()
    }

    fn properties(&mut self, walk: &mut Walk, ptr: &str, o: &Flat<'_>, n: &Flat<'_>) {
        let old_props = Self::visible(self.old, walk.dir, o);
        let new_props = Self::visible(self.new, walk.dir, n);
        let required = |s: &Flat<'_>, name: &str| s.required.contains(&name);

        for &(name, _) in &old_props {
            if find(&new_props, name).is_none() {
                let was = if required(o, name) {
                    "required"
                } else {
                    "optional"
                };
                let rule = match walk.dir {
                    Dir::Request => Rule::RequestPropertyRemoved,
                    Dir::Response => Rule::ResponsePropertyRemoved,
                };
                let msg = format!("{was} property `{name}` removed");
                self.push(rule, walk.loc(&child(ptr, &["properties", name])), msg);
            }
        }
        for &(name, new_schema) in &new_props {
            let at = child(ptr, &["properties", name]);
            let now_required = required(n, name);
            let Some(old_schema) = find(&old_props, name) else {
                let (rule, what) = match (walk.dir, now_required) {
                    (Dir::Request, true) => (Rule::RequestPropertyAddedRequired, "required"),
                    (Dir::Request, false) => (Rule::RequestPropertyAddedOptional, "optional"),
                    (Dir::Response, true) => (Rule::ResponsePropertyAdded, "required"),
                    (Dir::Response, false) => (Rule::ResponsePropertyAdded, "optional"),
                };
                self.push(
                    rule,
                    walk.loc(&at),
                    format!("{what} property `{name}` added"),
                );
                continue;
            };
            let rule = match (walk.dir, required(o, name), now_required) {
                (Dir::Request, false, true) => Some(Rule::RequestPropertyBecameRequired),
                (Dir::Request, true, false) => Some(Rule::RequestPropertyBecameOptional),
                (Dir::Response, true, false) => Some(Rule::ResponsePropertyBecameOptional),
                (Dir::Response, false, true) => Some(Rule::ResponsePropertyBecameRequired),
                _ => None,
            };
            if let Some(rule) = rule {
                let what = if now_required { "required" } else { "optional" };
                self.push(
                    rule,
                    walk.loc(&at),
                    format!("property `{name}` is now {what}"),
                );
            }
            self.schema(walk, &at, old_schema, new_schema);
        }
    }

    /// Compares `oneOf`/`anyOf` branches, matched by `$ref` where they have one and by
    /// position otherwise. Only compared when both versions use the keyword.
    fn branches(&mut self, walk: &mut Walk, ptr: &str, key: &str, o: &Flat<'_>, n: &Flat<'_>) {
        let (Some(Value::Array(a)), Some(Value::Array(b))) = (o.get(key), n.get(key)) else {
            return;
        };
        let ref_of = |v: &Value| v.get("$ref").and_then(Value::as_str).map(str::to_owned);
        let partner = |i: usize, v: &Value, other: &[Value]| match ref_of(v) {
            Some(r) => other.iter().position(|w| ref_of(w).as_deref() == Some(&r)),
            None => other.get(i).filter(|w| ref_of(w).is_none()).map(|_| i),
        };
        for (i, v) in a.iter().enumerate() {
            let index = i.to_string();
            match partner(i, v, b) {
                Some(j) => {
                    let at = child(ptr, &[key, &j.to_string()]);
                    self.schema(walk, &at, v, &b[j]);
                }
                None => {
                    let msg = format!("{key} branch {} removed", ref_of(v).unwrap_or(index));
                    self.constraint(walk, ptr, Rel::Tighter, msg);
                }
            }
        }
        for (j, v) in b.iter().enumerate() {
            if partner(j, v, a).is_none() {
                let msg = format!("{key} branch {} added", ref_of(v).unwrap_or(j.to_string()));
                self.constraint(walk, ptr, Rel::Looser, msg);
            }
        }
    }
}
