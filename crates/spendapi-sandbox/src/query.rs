//! The Coupa index conventions (api-notes, "Query conventions"), shared by the Coupa Core
//! indexes and the CSO event list: attribute filters with operators, `order_by`/`dir`,
//! `limit`/`offset`, `fields` and `return_object`.
//!
//! Filters are read from the raw query pairs ([`spendapi_server::RequestInfo`]), because the
//! generated `<Op>Query` structs model only a few of them. Whatever maps onto an indexed
//! column is pushed down to SQL; the rest is evaluated on the stored documents of the rows
//! SQL selected. When everything is pushed down, SQL also orders and pages.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::store::{self, Bind, Kind, Pred, Select, SqlOp, Store, Table};

/// A Coupa filter operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Contains,
    StartsWith,
    EndsWith,
    Gt,
    Lt,
    GtOrEq,
    LtOrEq,
    NotEq,
    In,
    NotIn,
    Blank,
}

impl Op {
    fn parse(name: &str) -> Option<Op> {
        Some(match name {
            "contains" => Op::Contains,
            "starts_with" | "starts-with" => Op::StartsWith,
            "ends_with" | "ends-with" => Op::EndsWith,
            "gt" => Op::Gt,
            "lt" => Op::Lt,
            "gt_or_eq" | "gt-or-eq" => Op::GtOrEq,
            "lt_or_eq" | "lt-or-eq" => Op::LtOrEq,
            "not_eq" | "not-eq" => Op::NotEq,
            "in" => Op::In,
            "not_in" | "not-in" => Op::NotIn,
            "blank" => Op::Blank,
            _ => return None,
        })
    }
}

/// One attribute filter: `path` is the attribute (and the association's attribute), with
/// dashes.
#[derive(Debug, Clone)]
pub struct Filter {
    pub path: Vec<String>,
    pub op: Op,
    pub arg: String,
}

/// What an index may be asked about one resource.
#[derive(Debug)]
pub struct Resource {
    pub table: &'static Table,
    /// The scalar attributes and associations that can be filtered and sorted on.
    pub attributes: &'static [&'static str],
    /// Attributes holding datetimes (no `contains`/`starts_with`/`ends_with`).
    pub datetimes: &'static [&'static str],
    /// Filter paths that are another column's attribute (`account-type/id` is
    /// `account-type-id`).
    pub aliases: &'static [(&'static str, &'static str)],
    /// Query keys that are not filters.
    pub reserved: &'static [&'static str],
    /// The default order (attribute).
    pub default_order: &'static str,
}

pub const COUPA_RESERVED: &[&str] = &[
    "limit",
    "offset",
    "order_by",
    "dir",
    "return_object",
    "fields",
    "filter",
];

/// A parsed index request.
#[derive(Debug)]
pub struct Index {
    pub filters: Vec<Filter>,
    pub order_by: Option<String>,
    pub desc: bool,
    pub limit: i64,
    pub offset: i64,
}

/// Dashes and underscores in attribute names are the same (`updated_at` is `updated-at`).
pub fn dashed(name: &str) -> String {
    name.replace('_', "-")
}

/// Reads the filters of `pairs` (everything not in `resource.reserved`).
pub fn filters(resource: &Resource, pairs: &[(String, String)]) -> Result<Vec<Filter>, String> {
    let mut out = Vec::new();
    for (key, value) in pairs {
        if resource.reserved.contains(&key.as_str()) {
            continue;
        }
        let (head, rest) = match key.find('[') {
            Some(i) => (&key[..i], &key[i..]),
            None => (key.as_str(), ""),
        };
        let mut path = vec![dashed(head)];
        let mut rest = rest;
        while let Some(stripped) = rest.strip_prefix('[') {
            let Some(end) = stripped.find(']') else {
                return Err(format!("malformed filter '{key}'"));
            };
            path.push(stripped[..end].to_owned());
            rest = &stripped[end + 1..];
        }
        if !rest.is_empty() {
            return Err(format!("malformed filter '{key}'"));
        }
        let op = match path.last().and_then(|last| Op::parse(last)) {
            Some(op) if path.len() > 1 => {
                path.pop();
                op
            }
            _ => Op::Eq,
        };
        let path: Vec<String> = path.iter().map(|p| dashed(p)).collect();
        if !resource.attributes.contains(&path[0].as_str()) {
            return Err(format!("unknown attribute '{}' in filter '{key}'", path[0]));
        }
        let joined = path.join("/");
        let datetime = resource.datetimes.contains(&joined.as_str());
        if datetime && matches!(op, Op::Contains | Op::StartsWith | Op::EndsWith) {
            return Err(format!("'{key}': text operators do not apply to datetimes"));
        }
        if datetime
            && !matches!(op, Op::Blank | Op::In | Op::NotIn)
            && chrono::DateTime::parse_from_rfc3339(value).is_err()
        {
            return Err(format!("'{key}': '{value}' is not an ISO 8601 datetime"));
        }
        if op == Op::Blank && !matches!(value.as_str(), "true" | "false") {
            return Err(format!("'{key}': blank takes true or false"));
        }
        out.push(Filter {
            path,
            op,
            arg: value.clone(),
        });
    }
    Ok(out)
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Compares two attribute values: numbers as numbers, datetimes as instants, else as text.
fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        _ => compare_text(&text_of(a), &text_of(b)),
    }
}

fn compare_text(a: &str, b: &str) -> Ordering {
    if let (Ok(x), Ok(y)) = (a.parse::<f64>(), b.parse::<f64>()) {
        return x.partial_cmp(&y).unwrap_or(Ordering::Equal);
    }
    if let (Ok(x), Ok(y)) = (
        chrono::DateTime::parse_from_rfc3339(a),
        chrono::DateTime::parse_from_rfc3339(b),
    ) {
        return x.cmp(&y);
    }
    a.cmp(b)
}

fn equal(value: &Value, arg: &str) -> bool {
    compare_text(&text_of(value), arg) == Ordering::Equal && !value.is_null()
}

fn value_at<'a>(doc: &'a Value, path: &[String]) -> &'a Value {
    let mut node = doc;
    for part in path {
        node = match node.get(part) {
            Some(next) => next,
            None => return &Value::Null,
        };
    }
    node
}

/// Whether `doc` passes `filter`.
pub fn matches(doc: &Value, filter: &Filter) -> bool {
    let value = value_at(doc, &filter.path);
    let arg = filter.arg.as_str();
    let text = text_of(value);
    match filter.op {
        Op::Eq => equal(value, arg),
        Op::NotEq => !equal(value, arg),
        Op::Contains => !value.is_null() && text.contains(arg),
        Op::StartsWith => !value.is_null() && text.starts_with(arg),
        Op::EndsWith => !value.is_null() && text.ends_with(arg),
        Op::Gt => !value.is_null() && compare_text(&text, arg) == Ordering::Greater,
        Op::Lt => !value.is_null() && compare_text(&text, arg) == Ordering::Less,
        Op::GtOrEq => !value.is_null() && compare_text(&text, arg) != Ordering::Less,
        Op::LtOrEq => !value.is_null() && compare_text(&text, arg) != Ordering::Greater,
        Op::In => arg.split(',').any(|item| equal(value, item.trim())),
        Op::NotIn => !arg.split(',').any(|item| equal(value, item.trim())),
        Op::Blank => {
            let blank = value.is_null() || text.is_empty();
            blank == (arg == "true")
        }
    }
}

/// The SQL form of `filter`, when it maps onto an indexed column with the same meaning.
///
/// Pushed down on both backends: `=`, `not_eq`, `gt`/`lt`/`gt_or_eq`/`lt_or_eq` (numbers and
/// datetimes; on text only `=`/`not_eq`, because the in-memory comparison reads numeric text
/// as numbers), `contains`/`starts_with`/`ends_with` on text and `blank`. What stays in
/// memory: `in`/`not_in`, ordering comparisons on text, and any filter or `order_by` on an
/// attribute without a column; those are evaluated by [`run`] over the rows the pushed-down
/// predicates select, read in batches (see [`SCAN_BATCH`]).
fn pushdown(resource: &Resource, filter: &Filter) -> Option<Pred> {
    let joined = filter.path.join("/");
    let attr = resource
        .aliases
        .iter()
        .find(|(from, _)| *from == joined)
        .map(|(_, to)| *to)
        .unwrap_or(joined.as_str());
    let column = resource.table.column_for(attr)?;
    // PostgreSQL cannot hold NUL in text: its columns store U+FFFD instead (`store::storable`),
    // so such an argument is compared with the documents themselves.
    if filter.arg.contains(['\0', '\u{FFFD}']) {
        return None;
    }
    let op = match filter.op {
        Op::Eq => SqlOp::Eq,
        Op::NotEq => SqlOp::NotEq,
        Op::Gt => SqlOp::Gt,
        Op::Lt => SqlOp::Lt,
        Op::GtOrEq => SqlOp::GtOrEq,
        Op::LtOrEq => SqlOp::LtOrEq,
        Op::Contains => SqlOp::Contains,
        Op::StartsWith => SqlOp::StartsWith,
        Op::EndsWith => SqlOp::EndsWith,
        Op::Blank => SqlOp::Blank(filter.arg == "true"),
        Op::In | Op::NotIn => return None,
    };
    let equality = matches!(op, SqlOp::Eq | SqlOp::NotEq);
    let text_op = matches!(op, SqlOp::Contains | SqlOp::StartsWith | SqlOp::EndsWith);
    let value = match column.kind {
        _ if matches!(op, SqlOp::Blank(_)) => Bind::Null(column.kind),
        Kind::Int if !text_op => Bind::Int(filter.arg.parse().ok()?),
        Kind::Bool if equality => Bind::Bool(filter.arg.parse().ok()?),
        Kind::Text if equality || text_op => Bind::Text(filter.arg.clone()),
        Kind::Time if !text_op => Bind::Time(store::parse_time(&filter.arg)?),
        _ => return None,
    };
    Some(Pred {
        column: column.column,
        op,
        value,
    })
}

/// Rows read per statement when a filter or the order stays in memory. The process holds at
/// most this many documents plus the `offset + limit` best matches so far, however many rows
/// the table has.
pub const SCAN_BATCH: i64 = 500;

/// One page of an index and the number of matches.
pub struct Page {
    pub docs: Vec<Value>,
    pub total: i64,
}

/// Runs an index: filters, order, page.
pub async fn run(store: &Store, resource: &Resource, index: &Index) -> anyhow::Result<Page> {
    let mut preds = Vec::new();
    let mut residual = Vec::new();
    for filter in &index.filters {
        match pushdown(resource, filter) {
            Some(pred) => preds.push(pred),
            None => residual.push(filter.clone()),
        }
    }
    let order_attr = index
        .order_by
        .clone()
        .unwrap_or_else(|| resource.default_order.to_owned());
    let order_column = resource
        .table
        .column_for(&order_attr)
        .map(|c| c.column)
        .filter(|_| resource.table.columns.iter().any(|c| c.attr == order_attr));
    if residual.is_empty()
        && let Some(column) = order_column
    {
        let select = Select {
            preds,
            order: Some((column, index.desc)),
            page: Some((index.limit, index.offset)),
        };
        let (docs, total) = store.page(resource.table, &select).await?;
        return Ok(Page { docs, total });
    }
    // Key order, batch by batch: each match goes after its equals among the best so far (a
    // stable sort by the order attribute, ties in key order), and only `offset + limit` are
    // kept.
    let path: Vec<String> = order_attr.split('/').map(str::to_owned).collect();
    let order = |a: &Value, b: &Value| {
        let ordering = compare(value_at(a, &path), value_at(b, &path));
        if index.desc {
            ordering.reverse()
        } else {
            ordering
        }
    };
    let offset = usize::try_from(index.offset).unwrap_or(0);
    let limit = usize::try_from(index.limit).unwrap_or(0);
    let keep = offset.saturating_add(limit);
    let mut best: Vec<Value> = Vec::new();
    let mut total: i64 = 0;
    let mut after = None;
    loop {
        let batch = store
            .batch(resource.table, &preds, after.as_ref(), SCAN_BATCH)
            .await?;
        let full = i64::try_from(batch.len()).unwrap_or(i64::MAX) == SCAN_BATCH;
        after = batch.last().map(|(key, _)| key.clone());
        for (_, doc) in batch {
            if !residual.iter().all(|f| matches(&doc, f)) {
                continue;
            }
            total += 1;
            let at = best.partition_point(|kept| order(kept, &doc) != Ordering::Greater);
            if at < keep {
                best.insert(at, doc);
                best.truncate(keep);
            }
        }
        if !full {
            break;
        }
    }
    let docs = best.into_iter().skip(offset).take(limit).collect();
    Ok(Page { docs, total })
}

/// Checks `order_by` against the resource's attributes.
pub fn order_by(resource: &Resource, order_by: Option<&str>) -> Result<Option<String>, String> {
    match order_by {
        None => Ok(None),
        Some(name) => {
            let name = dashed(name);
            if resource.attributes.contains(&name.as_str()) {
                Ok(Some(name))
            } else {
                Err(format!("cannot order by unknown attribute '{name}'"))
            }
        }
    }
}

/// `return_object` and `fields`: how much of each document is answered.
#[derive(Debug, Clone, Default)]
pub struct Shape {
    /// `limited`, `shallow`, `none` or absent (full).
    pub return_object: Option<String>,
    /// The parsed `fields` array.
    pub fields: Option<Value>,
}

impl Shape {
    pub fn new(return_object: Option<String>, fields: Option<&str>) -> Result<Shape, String> {
        let fields = match fields {
            None => None,
            Some(text) => {
                let value: Value = serde_json::from_str(text)
                    .map_err(|_| format!("fields must be a JSON array, not {text}"))?;
                if !value.is_array() {
                    return Err(format!("fields must be a JSON array, not {text}"));
                }
                Some(value)
            }
        };
        Ok(Shape {
            return_object,
            fields,
        })
    }

    /// The document as the caller asked for it.
    pub fn apply(&self, doc: &Value) -> Value {
        if let Some(fields) = &self.fields {
            return project(doc, fields);
        }
        match self.return_object.as_deref() {
            Some("limited") => limited(doc),
            Some("shallow") => shallow(doc),
            Some("none") => Value::Object(Map::new()),
            _ => doc.clone(),
        }
    }
}

/// `fields=["id",{"account-type":["id","name"]}]`: the named attributes, nested for
/// associations (applied to each element of a list).
pub fn project(doc: &Value, fields: &Value) -> Value {
    match doc {
        Value::Array(items) => Value::Array(items.iter().map(|d| project(d, fields)).collect()),
        Value::Object(map) => {
            let mut out = Map::new();
            for field in fields.as_array().into_iter().flatten() {
                match field {
                    Value::String(name) => {
                        let name = dashed(name);
                        if let Some(v) = map.get(&name) {
                            out.insert(name, v.clone());
                        }
                    }
                    Value::Object(nested) => {
                        for (name, inner) in nested {
                            let name = dashed(name);
                            if let Some(v) = map.get(&name) {
                                out.insert(name, project(v, inner));
                            }
                        }
                    }
                    _ => {}
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// `return_object=limited`: the id only.
pub fn limited(doc: &Value) -> Value {
    let mut out = Map::new();
    if let Some(id) = doc.get("id") {
        out.insert("id".into(), id.clone());
    }
    Value::Object(out)
}

/// `return_object=shallow`: every attribute, associations reduced to their id (or, without
/// one, their key: `code`, `name`, `login`).
pub fn shallow(doc: &Value) -> Value {
    let reduce = |value: &Value| -> Value {
        let mut out = Map::new();
        for key in ["id", "code", "name", "login"] {
            if let Some(v) = value.get(key) {
                out.insert(key.into(), v.clone());
                break;
            }
        }
        Value::Object(out)
    };
    match doc {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::Object(_) => reduce(v),
                        Value::Array(items) if items.iter().all(Value::is_object) => {
                            Value::Array(items.iter().map(reduce).collect())
                        }
                        other => other.clone(),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn projection_nests() {
        let doc = json!({"id": 1, "name": "A", "account-type": {"id": 2, "name": "US"}});
        let fields = json!(["id", {"account_type": ["name"]}]);
        assert_eq!(
            project(&doc, &fields),
            json!({"id": 1, "account-type": {"name": "US"}})
        );
    }

    #[test]
    fn operators() {
        let doc = json!({"name": "LTL Freight", "n": 10, "at": "2024-05-02T14:03:11-07:00"});
        let f = |path: &str, op, arg: &str| Filter {
            path: vec![path.into()],
            op,
            arg: arg.into(),
        };
        assert!(matches(&doc, &f("name", Op::Contains, "LTL")));
        assert!(matches(&doc, &f("n", Op::Gt, "9")));
        assert!(!matches(&doc, &f("n", Op::Gt, "10")));
        assert!(matches(&doc, &f("n", Op::In, "1,10")));
        assert!(matches(&doc, &f("at", Op::Gt, "2024-05-02T21:00:00Z")));
        assert!(matches(&doc, &f("missing", Op::Blank, "true")));
    }
}
