//! Breaking-change classification between two versions of an OpenAPI 3.0 document.
//!
//! [`diff`] compares an old and a new version of one document and classifies every change for
//! *clients* of the API, the way oasdiff and Redocly diff do: a [`Class::Breaking`] change can
//! make an existing client fail (to build, to be accepted, or to read a response); a
//! [`Class::NonBreaking`] one cannot. [`Report::gate_passes`] is the CI gate: no breaking change,
//! or a major bump of `info.version`.
//!
//! Both documents are `serde_json::Value`s that are self-contained: external files bundled in,
//! only local references (`#/components/<section>/<name>`) left. Those are followed for path
//! items, parameters, request bodies, responses and schemas; a schema that refers to itself
//! (directly, through other schemas or through `allOf`) is compared once per root and does not
//! loop.
//!
//! # What is compared
//!
//! Paths are matched by template with parameter names ignored (`/a/{id}` is `/a/{a-id}`),
//! operations by method, parameters by location and name (path parameters by position, header
//! names case-insensitively), responses by status key, media types case-insensitively.
//! Path-level parameters apply to every operation; an operation without its own `security`
//! inherits the document's, whose changes are reported once, at location `security`.
//!
//! Schemas are walked through properties, `items`, `additionalProperties`, `oneOf`/`anyOf`
//! (branches matched by `$ref`, else by position) and `allOf` (merged into one schema before
//! comparing, so moving a property into a base schema is not a change). A schema is compared
//! with the *request* rules where it is reached from a parameter or request body, and with the
//! *response* rules where it is reached from a response (error responses included). In requests
//! `readOnly` properties are ignored; in responses `writeOnly` ones. A component reached twice
//! under one body is reported at its first location only.
//!
//! Descriptions, summaries, examples, tags, `operationId`s, servers, extensions and components
//! that nothing references are ignored: only what changes the wire contract is reported.
//!
//! # Rules
//!
//! Breaking:
//!
//! | id | change |
//! |---|---|
//! | `path-removed` | a path was removed |
//! | `operation-removed` | a method was removed from a path |
//! | `response-success-status-removed` | a 2xx status was removed |
//! | `response-media-type-removed` | a response media type was removed |
//! | `request-media-type-removed` | a request-body media type was removed |
//! | `request-parameter-added-required` | a required parameter was added |
//! | `request-property-added-required` | a required request-body property was added |
//! | `request-parameter-became-required` | a parameter went from optional to required |
//! | `request-property-became-required` | a request property went from optional to required |
//! | `request-body-became-required` | the request body became required (or was added as required) |
//! | `request-property-became-non-nullable` | a request schema lost `nullable: true` |
//! | `response-property-became-optional` | a response property went from required to optional |
//! | `response-property-became-nullable` | a response schema gained `nullable: true` |
//! | `response-property-removed` | a response property was removed, required or not |
//! | `type-changed` | a schema's `type` or `format` changed, in a request or a response |
//! | `request-enum-value-removed` | an enum value was removed from a request schema or parameter |
//! | `response-enum-value-added` | an enum value was added to a response schema |
//! | `request-constraint-tightened` | a request accepts fewer values: `maxLength`/`maximum`/`maxItems`/`maxProperties` decreased or added, their `min` counterparts increased or added, `exclusiveMaximum`/`exclusiveMinimum`/`uniqueItems` set, `multipleOf` added or changed, `pattern` added or changed, an `enum` introduced, `additionalProperties: false` set, a `oneOf`/`anyOf` branch removed |
//! | `response-constraint-loosened` | a response may carry values old clients never saw: the mirror image of the above |
//! | `default-changed` | a parameter's or schema's `default` changed or was removed |
//! | `security-alternative-removed` | an alternative of a security requirement was removed (including anonymous access) |
//! | `security-scope-added` | a scope was added to a security requirement |
//!
//! Non-breaking: `path-added`, `operation-added`, `response-status-added`,
//! `response-non-success-status-removed`, `response-media-type-added`,
//! `request-media-type-added`, `request-parameter-added-optional`,
//! `request-property-added-optional`, `request-parameter-removed`, `request-property-removed`,
//! `request-parameter-became-optional`, `request-property-became-optional`,
//! `request-body-added`, `request-body-removed`, `request-body-became-optional`,
//! `request-property-became-nullable`, `response-property-added`,
//! `response-property-became-required`, `response-property-became-non-nullable`,
//! `request-enum-value-added`, `response-enum-value-removed`, `request-constraint-loosened`,
//! `response-constraint-tightened`, `default-added`, `security-alternative-added`,
//! `security-scope-removed`.
//!
//! A changed `type` stops the comparison below that schema: what lies under it is reported as
//! the one `type-changed`.
//!
//! # Locations
//!
//! A [`Change::location`] is a readable path into the document: `<path>` for a path,
//! `<METHOD> <path>` for an operation, then `parameters.<in>.<name>`, `requestBody <media type>`,
//! `responses.<status> <media type>` or `security`, then a JSON pointer relative to the schema
//! at that place, e.g. `GET /accounts responses.200 application/json /items/properties/name`.
//! Paths and names are the new document's, or the old one's for what was removed. Changes come
//! in document order: the document's `security`, then paths in the old document's order (with
//! added paths last), methods in the order `get put post delete options head patch trace`.
//!
//! ```
//! use serde_json::json;
//!
//! let old = json!({"info": {"version": "1.4.0"}, "paths": {"/accounts": {"get": {}, "post": {}}}});
//! let new = json!({"info": {"version": "1.5.0"}, "paths": {"/accounts": {"get": {}}}});
//! let report = spendapi_spec_diff::diff(&old, &new);
//! assert_eq!(
//!     report.changes[0].to_string(),
//!     "breaking  operation-removed  POST /accounts: operation removed"
//! );
//! assert!(!report.gate_passes());
//! ```

mod differ;
mod refs;
mod rule;
mod schema;
mod walk;

use std::fmt;

use serde_json::Value;

pub use rule::{Class, Rule};

/// Compares two versions of one OpenAPI 3.0 document and classifies every change.
pub fn diff(old: &Value, new: &Value) -> Report {
    let mut differ = differ::Differ {
        old,
        new,
        changes: Vec::new(),
    };
    differ.document();
    Report {
        changes: differ.changes,
        old_version: version(old),
        new_version: version(new),
    }
}

fn version(doc: &Value) -> String {
    let v = doc.get("info").and_then(|i| i.get("version"));
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// The outcome of [`diff`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Every change, breaking or not, in document order.
    pub changes: Vec<Change>,
    /// `info.version` of the old document (empty when absent).
    pub old_version: String,
    /// `info.version` of the new document (empty when absent).
    pub new_version: String,
}

impl Report {
    /// The breaking changes.
    pub fn breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.class == Class::Breaking)
    }

    /// Whether the major component of `info.version` increased. Versions are read leniently:
    /// an optional `v`, then the leading digits (`1.2` has major 1, `v2` major 2,
    /// `3.0.0-rc.1` major 3). An unreadable version never counts as bumped.
    pub fn major_bumped(&self) -> bool {
        match (major(&self.old_version), major(&self.new_version)) {
            (Some(old), Some(new)) => new > old,
            _ => false,
        }
    }

    /// The CI gate: no breaking change, or a major version bump.
    pub fn gate_passes(&self) -> bool {
        self.breaking().next().is_none() || self.major_bumped()
    }
}

/// The major component of a version string, read leniently (see [`Report::major_bumped`]).
fn major(version: &str) -> Option<u64> {
    let v = version.trim();
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let end = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    v[..end].parse().ok()
}

/// One change between the two documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What kind of change it is.
    pub rule: Rule,
    /// Whether it breaks clients (always `rule.class()`).
    pub class: Class,
    /// Where it is (see the crate documentation for the scheme).
    pub location: String,
    /// What changed, as a lowercase fragment, e.g. `maxLength decreased from 255 to 100`.
    pub message: String,
}

impl fmt::Display for Change {
    /// One line: `breaking  <rule-id>  <location>: <message>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}  {}  {}: {}",
            self.class, self.rule, self.location, self.message
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn major_versions_read_leniently() {
        assert_eq!(major("1.2"), Some(1));
        assert_eq!(major("v2"), Some(2));
        assert_eq!(major("V10.0.1"), Some(10));
        assert_eq!(major(" 3.0.0-rc.1 "), Some(3));
        assert_eq!(major("2"), Some(2));
        assert_eq!(major("beta"), None);
        assert_eq!(major(""), None);
    }

    #[test]
    fn major_bump_compares_numbers() {
        let report = |old: &str, new: &str| Report {
            changes: Vec::new(),
            old_version: old.to_owned(),
            new_version: new.to_owned(),
        };
        assert!(report("1.9", "v2").major_bumped());
        assert!(report("9.0.0", "10.0.0").major_bumped());
        assert!(!report("1.2", "1.3").major_bumped());
        assert!(!report("2.0.0", "1.0.0").major_bumped());
        assert!(!report("1.0", "next").major_bumped());
    }

    #[test]
    fn every_rule_has_a_unique_kebab_case_id_and_is_documented() {
        let docs = include_str!("lib.rs");
        let mut seen = std::collections::HashSet::new();
        for rule in Rule::ALL {
            let id = rule.id();
            assert!(seen.insert(id), "duplicate id {id}");
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{id}"
            );
            assert!(
                docs.contains(&format!("`{id}`")),
                "{id} missing from the crate docs"
            );
        }
    }
}
