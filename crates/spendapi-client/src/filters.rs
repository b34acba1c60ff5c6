//! Coupa attribute filters and `fields` selections as typed builders.
//!
//! Coupa Core (and the CSO events index) filter an index with query parameters named after the
//! resource's attributes: `attr=value` for equality and `attr[op]=value` for the operators in
//! [`Op`]; associations nest with brackets (`account-type[name]=Ace`). Dashes and underscores
//! in attribute names are interchangeable on the server; names are sent as given.
//!
//! A [`Filters`] value is attached to requests of a generated client with
//! [`ClientExt::with_filters`](crate::ClientExt::with_filters) (the `pre` hook appends its pairs
//! to the URL), or to a hand-built `reqwest` request with [`FiltersExt::coupa_filters`].
//!
//! ```
//! use spendapi_client::filters::{Attr, Fields, Filters};
//!
//! let filters = Filters::new()
//!     .eq(Attr::assoc("account-type", "name"), "Ace")
//!     .starts_with("code", "SF-")
//!     .is_in("segment-1", ["SF", "NY"])
//!     .blank("segment-3", true)
//!     .fields(Fields::new().field("id").field("code"));
//! assert_eq!(
//!     filters.to_query_string(),
//!     "account-type%5Bname%5D=Ace&code%5Bstarts_with%5D=SF-&segment-1%5Bin%5D=SF%2CNY\
//!      &segment-3%5Bblank%5D=true&fields=%5B%22id%22%2C%22code%22%5D"
//! );
//! ```

use std::fmt;

/// A Coupa attribute-filter operator (`attr[op]=value`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `attr[contains]=text`: substring match (not for datetimes).
    Contains,
    /// `attr[starts_with]=text` (not for datetimes).
    StartsWith,
    /// `attr[ends_with]=text` (not for datetimes).
    EndsWith,
    /// `attr[gt]=value`: strictly greater.
    Gt,
    /// `attr[lt]=value`: strictly less.
    Lt,
    /// `attr[gt_or_eq]=value`.
    GtOrEq,
    /// `attr[lt_or_eq]=value`.
    LtOrEq,
    /// `attr[not_eq]=value`.
    NotEq,
    /// `attr[in]=a,b,c`: one of a comma-separated list.
    In,
    /// `attr[not_in]=a,b,c`: none of a comma-separated list.
    NotIn,
    /// `attr[blank]=true|false`: the attribute is (not) empty.
    Blank,
}

impl Op {
    /// Every operator, in documentation order.
    pub const ALL: [Op; 11] = [
        Op::Contains,
        Op::StartsWith,
        Op::EndsWith,
        Op::Gt,
        Op::Lt,
        Op::GtOrEq,
        Op::LtOrEq,
        Op::NotEq,
        Op::In,
        Op::NotIn,
        Op::Blank,
    ];

    /// The operator as it appears between the brackets.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Contains => "contains",
            Op::StartsWith => "starts_with",
            Op::EndsWith => "ends_with",
            Op::Gt => "gt",
            Op::Lt => "lt",
            Op::GtOrEq => "gt_or_eq",
            Op::LtOrEq => "lt_or_eq",
            Op::NotEq => "not_eq",
            Op::In => "in",
            Op::NotIn => "not_in",
            Op::Blank => "blank",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An attribute name, possibly through associations: `name`, `account-type[name]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Attr(String);

impl Attr {
    /// An attribute of the resource itself.
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// An attribute of an associated object: `Attr::assoc("account-type", "name")` is
    /// `account-type[name]`.
    pub fn assoc(association: impl Into<String>, attribute: impl AsRef<str>) -> Self {
        Self::new(association).then(attribute)
    }

    /// An attribute reached through a path of associations:
    /// `Attr::path(["requisition", "requested-by", "login"])` is
    /// `requisition[requested-by][login]`.
    pub fn path<I, S>(segments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut out = String::new();
        for (i, segment) in segments.into_iter().enumerate() {
            if i == 0 {
                out.push_str(segment.as_ref());
            } else {
                out.push('[');
                out.push_str(segment.as_ref());
                out.push(']');
            }
        }
        Self(out)
    }

    /// One association deeper: `Attr::new("supplier").then("name")` is `supplier[name]`.
    pub fn then(mut self, attribute: impl AsRef<str>) -> Self {
        self.0.push('[');
        self.0.push_str(attribute.as_ref());
        self.0.push(']');
        self
    }

    /// The query-parameter name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Attr {
    fn from(name: &str) -> Self {
        Self::new(name)
    }
}

impl From<String> for Attr {
    fn from(name: String) -> Self {
        Self(name)
    }
}

impl fmt::Display for Attr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A value as Coupa expects it in a filter: text as is, numbers in decimal, booleans as
/// `true`/`false`, datetimes in RFC 3339 (`2016-10-07T06:59:46-07:00`), dates as `YYYY-MM-DD`.
pub trait FilterValue {
    /// The value as it is sent.
    fn to_filter_value(&self) -> String;
}

impl<T: FilterValue + ?Sized> FilterValue for &T {
    fn to_filter_value(&self) -> String {
        (**self).to_filter_value()
    }
}

impl FilterValue for str {
    fn to_filter_value(&self) -> String {
        self.to_owned()
    }
}

impl FilterValue for String {
    fn to_filter_value(&self) -> String {
        self.clone()
    }
}

macro_rules! display_filter_value {
    ($($t:ty),*) => {$(
        impl FilterValue for $t {
            fn to_filter_value(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
display_filter_value!(bool, i32, i64, u32, u64, usize, f64);

impl<Tz: chrono::TimeZone> FilterValue for chrono::DateTime<Tz>
where
    Tz::Offset: fmt::Display,
{
    fn to_filter_value(&self) -> String {
        self.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    }
}

impl FilterValue for chrono::NaiveDate {
    fn to_filter_value(&self) -> String {
        self.format("%Y-%m-%d").to_string()
    }
}

/// Query pairs filtering a Coupa (or CSO) index; see the [module docs](self).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pairs: Vec<(String, String)>,
}

impl Filters {
    /// No filter.
    pub fn new() -> Self {
        Self::default()
    }

    /// `attr=value`: equality.
    pub fn eq(self, attr: impl Into<Attr>, value: impl FilterValue) -> Self {
        let name = attr.into().0;
        self.param(name, value.to_filter_value())
    }

    /// `attr[op]=value` for any operator. For [`Op::In`] and [`Op::NotIn`] prefer
    /// [`is_in`](Self::is_in)/[`not_in`](Self::not_in), which join a list.
    pub fn op(self, attr: impl Into<Attr>, op: Op, value: impl FilterValue) -> Self {
        let name = attr.into().then(op.as_str()).0;
        self.param(name, value.to_filter_value())
    }

    /// `attr[contains]=value`.
    pub fn contains(self, attr: impl Into<Attr>, value: impl FilterValue) -> Self {
        self.op(attr, Op::Contains, value)
    }

    /// `attr[starts_with]=value`.
    pub fn starts_with(self, attr: impl Into<Attr>, value: impl FilterValue) -> Self {
        self.op(attr, Op::StartsWith, value)
    }

    /// `attr[ends_with]=value`.
    pub fn ends_with(self, attr: impl Into<Attr>, value: impl FilterValue) -> Self {
        self.op(attr, Op::EndsWith, value)
    }

    /// `attr[gt]=value`.
    pub fn gt(self, attr: impl Into<Attr>, value: impl FilterValue) -> Self {
        self.op(attr, Op::Gt, value)
    }

    /// `attr[lt]=value`.
    pub fn lt(self, attr: impl Into<Attr>, value: impl FilterValue) -> Self {
        self.op(attr, Op::Lt, value)
    }

    /// `attr[gt_or_eq]=value`.
    pub fn gt_or_eq(self, attr: impl Into<Attr>, value: impl FilterValue) -> Self {
        self.op(attr, Op::GtOrEq, value)
    }

    /// `attr[lt_or_eq]=value`.
    pub fn lt_or_eq(self, attr: impl Into<Attr>, value: impl FilterValue) -> Self {
        self.op(attr, Op::LtOrEq, value)
    }

    /// `attr[not_eq]=value`.
    pub fn not_eq(self, attr: impl Into<Attr>, value: impl FilterValue) -> Self {
        self.op(attr, Op::NotEq, value)
    }

    /// `attr[in]=a,b,c`.
    pub fn is_in<I>(self, attr: impl Into<Attr>, values: I) -> Self
    where
        I: IntoIterator,
        I::Item: FilterValue,
    {
        self.op(attr, Op::In, join(values))
    }

    /// `attr[not_in]=a,b,c`.
    pub fn not_in<I>(self, attr: impl Into<Attr>, values: I) -> Self
    where
        I: IntoIterator,
        I::Item: FilterValue,
    {
        self.op(attr, Op::NotIn, join(values))
    }

    /// `attr[blank]=true` (the attribute is empty) or `attr[blank]=false`.
    pub fn blank(self, attr: impl Into<Attr>, blank: bool) -> Self {
        self.op(attr, Op::Blank, blank)
    }

    /// `fields=[...]`: the attributes to return.
    pub fn fields(self, fields: Fields) -> Self {
        self.param("fields", fields.to_json())
    }

    /// `filter=name`: an API filter defined by a Coupa administrator.
    pub fn named_filter(self, name: impl Into<String>) -> Self {
        self.param("filter", name)
    }

    /// Any other query parameter, verbatim.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.pairs.push((name.into(), value.into()));
        self
    }

    /// Adds the pairs of `other` after these.
    pub fn extend(mut self, other: &Filters) -> Self {
        self.pairs.extend(other.pairs.iter().cloned());
        self
    }

    /// The query pairs, in the order they were added (not yet URL-encoded).
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Whether there is no pair.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The pairs as an `application/x-www-form-urlencoded` query string.
    pub fn to_query_string(&self) -> String {
        serde_urlencoded::to_string(&self.pairs).unwrap_or_default()
    }

    /// Appends the pairs to the request's URL query.
    pub fn apply_to(&self, request: &mut reqwest::Request) {
        if !self.pairs.is_empty() {
            request
                .url_mut()
                .query_pairs_mut()
                .extend_pairs(&self.pairs);
        }
    }
}

fn join<I>(values: I) -> String
where
    I: IntoIterator,
    I::Item: FilterValue,
{
    values
        .into_iter()
        .map(|v| v.to_filter_value())
        .collect::<Vec<_>>()
        .join(",")
}

/// Attaches [`Filters`] to a hand-built `reqwest` request.
pub trait FiltersExt {
    /// Appends the filters' query pairs.
    fn coupa_filters(self, filters: &Filters) -> Self;
}

impl FiltersExt for reqwest::RequestBuilder {
    fn coupa_filters(self, filters: &Filters) -> Self {
        self.query(filters.pairs())
    }
}

/// A Coupa `fields` selection: a JSON array of attribute names, with nested arrays under an
/// association (`["id","name",{"account-type":["id","name"]}]`).
///
/// Pass it to a generated builder's `.fields(...)` (it converts into `String`) or to
/// [`Filters::fields`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(Vec<Field>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Name(String),
    Nested(String, Fields),
}

impl Fields {
    /// An empty selection.
    pub fn new() -> Self {
        Self::default()
    }

    /// A selection of plain attributes.
    pub fn of<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self(names.into_iter().map(|n| Field::Name(n.into())).collect())
    }

    /// Adds an attribute.
    pub fn field(mut self, name: impl Into<String>) -> Self {
        self.0.push(Field::Name(name.into()));
        self
    }

    /// Adds an association with the attributes to return of it.
    pub fn nested(mut self, association: impl Into<String>, fields: Fields) -> Self {
        self.0.push(Field::Nested(association.into(), fields));
        self
    }

    fn to_value(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.0
                .iter()
                .map(|f| match f {
                    Field::Name(n) => serde_json::Value::String(n.clone()),
                    Field::Nested(n, inner) => {
                        let mut map = serde_json::Map::new();
                        map.insert(n.clone(), inner.to_value());
                        serde_json::Value::Object(map)
                    }
                })
                .collect(),
        )
    }

    /// The compact JSON array sent as the `fields` parameter.
    pub fn to_json(&self) -> String {
        self.to_value().to_string()
    }
}

impl fmt::Display for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json())
    }
}

impl From<Fields> for String {
    fn from(fields: Fields) -> Self {
        fields.to_json()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(f: &Filters) -> Vec<(&str, &str)> {
        f.pairs()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn every_operator_produces_its_bracketed_pair() {
        let f = Filters::new()
            .contains("name", "LTL")
            .starts_with("name", "Fr")
            .ends_with("name", "ight")
            .gt("id", 10)
            .lt("id", 20u64)
            .gt_or_eq("event-number", 3i64)
            .lt_or_eq("event-number", 4u32)
            .not_eq("state", "Setup")
            .is_in("id", [1, 2, 3])
            .not_in("code", ["A", "B"])
            .blank("segment-2", false);
        assert_eq!(
            pairs(&f),
            [
                ("name[contains]", "LTL"),
                ("name[starts_with]", "Fr"),
                ("name[ends_with]", "ight"),
                ("id[gt]", "10"),
                ("id[lt]", "20"),
                ("event-number[gt_or_eq]", "3"),
                ("event-number[lt_or_eq]", "4"),
                ("state[not_eq]", "Setup"),
                ("id[in]", "1,2,3"),
                ("code[not_in]", "A,B"),
                ("segment-2[blank]", "false"),
            ]
        );
        // The generic form covers the same operators.
        for op in Op::ALL {
            let f = Filters::new().op("a", op, "v");
            assert_eq!(pairs(&f), [(format!("a[{op}]").as_str(), "v")]);
        }
    }

    #[test]
    fn equality_associations_and_values() {
        let at = chrono::DateTime::parse_from_rfc3339("2016-10-07T06:59:46-07:00")
            .expect("valid datetime");
        let day = chrono::NaiveDate::from_ymd_opt(2024, 2, 29).expect("valid date");
        let f = Filters::new()
            .eq("segment-1", "SF")
            .eq(Attr::assoc("account-type", "name"), "Ace")
            .contains(Attr::path(["requisition", "requested-by", "login"]), "jo")
            .gt("updated-at", at)
            .lt("updated-at", at.with_timezone(&chrono::Utc))
            .eq("start-date", day)
            .eq("active", true);
        assert_eq!(
            pairs(&f),
            [
                ("segment-1", "SF"),
                ("account-type[name]", "Ace"),
                ("requisition[requested-by][login][contains]", "jo"),
                ("updated-at[gt]", "2016-10-07T06:59:46-07:00"),
                ("updated-at[lt]", "2016-10-07T13:59:46Z"),
                ("start-date", "2024-02-29"),
                ("active", "true"),
            ]
        );
    }

    #[test]
    fn fields_render_as_compact_json() {
        let fields = Fields::of(["id", "name"])
            .nested("account-type", Fields::of(["id", "name"]))
            .nested(
                "created-by",
                Fields::new()
                    .field("login")
                    .nested("roles", Fields::of(["name"])),
            );
        assert_eq!(
            fields.to_json(),
            r#"["id","name",{"account-type":["id","name"]},{"created-by":["login",{"roles":["name"]}]}]"#
        );
        assert_eq!(String::from(Fields::new()), "[]");
        let f = Filters::new()
            .fields(Fields::of(["id"]))
            .named_filter("recent");
        assert_eq!(pairs(&f), [("fields", r#"["id"]"#), ("filter", "recent")]);
    }

    #[test]
    fn query_string_is_form_encoded() {
        let f = Filters::new().eq("name", "a b&c").is_in("id", [1, 2]);
        assert_eq!(f.to_query_string(), "name=a+b%26c&id%5Bin%5D=1%2C2");
        assert_eq!(Filters::new().to_query_string(), "");
    }

    #[test]
    fn apply_to_appends_to_an_existing_query() {
        let client = reqwest::Client::new();
        let mut request = client
            .get("http://example.invalid/api/accounts?limit=5")
            .build()
            .expect("valid request");
        Filters::new().contains("code", "SF").apply_to(&mut request);
        assert_eq!(request.url().query(), Some("limit=5&code%5Bcontains%5D=SF"));
        let built = client
            .get("http://example.invalid/api/accounts")
            .coupa_filters(&Filters::new().blank("segment-3", true))
            .build()
            .expect("valid request");
        assert_eq!(built.url().query(), Some("segment-3%5Bblank%5D=true"));
    }
}
