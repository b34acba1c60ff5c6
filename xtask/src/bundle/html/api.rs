//! The reference page of one API: contents, overview, servers, security schemes, operations
//! grouped by their first tag, and schemas.

use std::collections::BTreeSet;

use anyhow::Result;
use maud::{Markup, html};
use openapiv3::{SecurityRequirement, Server};
use serde_json::{Map, Value};

use super::layout::{anchor, join, op_anchor, page, tag_label};
use super::operation::{operation_section, security_html, servers_table};
use super::schema::schema_section;
use crate::bundle::markdown::markdown;
use crate::bundle::model::{
    Operation, array_of, deref, object_of, operations, opt_str, scalar_text, str_of, typed,
};

/// What the page shows of one document, read once.
struct Api<'a> {
    name: &'a str,
    doc: &'a Value,
    operations: Vec<Operation<'a>>,
    /// The tags in page order (see [`tag_order`]).
    tags: Vec<String>,
    schemes: &'a Map<String, Value>,
    schemas: &'a Map<String, Value>,
}

impl<'a> Api<'a> {
    fn new(name: &'a str, doc: &'a Value) -> Self {
        static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
        let components = doc.get("components").unwrap_or(&Value::Null);
        let operations = operations(doc);
        Api {
            name,
            doc,
            tags: tag_order(doc, &operations),
            operations,
            schemes: object_of(components, "securitySchemes").unwrap_or(&EMPTY),
            schemas: object_of(components, "schemas").unwrap_or(&EMPTY),
        }
    }

    /// The operations whose first tag is `tag`.
    fn tagged(&self, tag: &str) -> impl Iterator<Item = &Operation<'a>> {
        self.operations.iter().filter(move |o| o.first_tag() == tag)
    }
}

/// The tags of the document in order: the declared ones first, then the others by name, then
/// `""` for untagged operations if there are any.
fn tag_order(doc: &Value, operations: &[Operation<'_>]) -> Vec<String> {
    let mut order: Vec<String> = array_of(doc, "tags")
        .iter()
        .map(|t| str_of(t, "name").to_owned())
        .collect();
    let others: BTreeSet<String> = operations
        .iter()
        .map(Operation::first_tag)
        .filter(|tag| !order.contains(tag))
        .collect();
    let untagged = others.contains("");
    order.extend(others.into_iter().filter(|tag| !tag.is_empty()));
    if untagged {
        order.push(String::new());
    }
    order
}

/// The HTML reference page of one partner spec.
pub fn api_page(name: &str, doc: &Value) -> Result<String> {
    let api = Api::new(name, doc);
    let info = doc.get("info").unwrap_or(&Value::Null);
    let title = format!(
        "{} {}",
        str_of(info, "title"),
        info.get("version").map(scalar_text).unwrap_or_default()
    );
    let main = html! {
        (overview(&api))
        (servers(&api)?)
        (security(&api)?)
        (operations_html(&api)?)
        section #schemas {
            h2 { "Schemas" }
            @for (name, schema) in api.schemas { (schema_section(doc, name, schema)) }
        }
    };
    Ok(page(&title, contents(&api), main))
}

/// The table of contents.
fn contents(api: &Api<'_>) -> Markup {
    html! {
        p { a href="index.html" { "← All APIs" } }
        h2 { "Contents" }
        ul {
            li { a href="#overview" { "Overview" } }
            li { a href="#servers" { "Servers" } }
            li {
                a href="#security" { "Security" }
                ul { @for scheme in api.schemes.keys() {
                    li { a href={ "#" (anchor("security", scheme)) } { code { (scheme) } } }
                } }
            }
            li {
                a href="#operations" { "Operations" }
                ul { @for tag in &api.tags {
                    li {
                        a href={ "#" (anchor("tag", tag)) } { (tag_label(tag)) }
                        ul { @for operation in api.tagged(tag) {
                            li { a href={ "#" (op_anchor(operation)) } {
                                span class={ "method " (operation.method) } {
                                    (operation.method.to_uppercase())
                                }
                                " " code { (operation.id()) }
                            } }
                        } }
                    }
                } }
            }
            li {
                a href="#schemas" { "Schemas" }
                ul { @for schema in api.schemas.keys() {
                    li { a href={ "#" (anchor("schema", schema)) } { (schema) } }
                } }
            }
        }
    }
}

/// The title, version, files and the facts of `info`.
fn overview(api: &Api<'_>) -> Markup {
    let info = api.doc.get("info").unwrap_or(&Value::Null);
    let name = api.name;
    // Each fact a list of texts; URLs are shown as text, never linked.
    let listed = |key: &str, fields: &[&str]| -> Option<Markup> {
        let holder = object_of(info, key)?;
        let parts = fields
            .iter()
            .filter_map(|k| holder.get(*k).map(|v| html! { (scalar_text(v)) }));
        Some(join(parts, ", "))
    };
    html! {
        header #overview {
            h1 { (str_of(info, "title")) }
            p.meta {
                "Version " span.badge { (info.get("version").map(scalar_text).unwrap_or_default()) }
                " · OpenAPI " (str_of(api.doc, "openapi"))
                " · " (api.operations.len()) " operation(s)"
                " · download " a href={ (name) ".yaml" } { (name) ".yaml" }
                " · " a href={ (name) ".json" } { (name) ".json" }
            }
        }
        (markdown(str_of(info, "description"), 2))
        @if let Some(terms) = opt_str(info, "termsOfService") {
            p { "Terms of service: " code { (terms) } }
        }
        @if let Some(contact) = listed("contact", &["name", "email", "url"]) {
            p { "Contact: " (contact) }
        }
        @if let Some(license) = listed("license", &["name", "url"]) {
            p { "License: " (license) }
        }
        @if let Some(docs) = api.doc.get("externalDocs") {
            p {
                "External documentation: " (str_of(docs, "description"))
                " " code { (str_of(docs, "url")) }
            }
        }
    }
}

fn servers(api: &Api<'_>) -> Result<Markup> {
    let servers = typed::<Vec<Server>>(api.doc, "servers")?;
    Ok(html! {
        section #servers {
            h2 { "Servers" }
            @match servers {
                Some(servers) => (servers_table(&servers)),
                None => p { "No server is given: the base URL is " code { "/" } "." },
            }
        }
    })
}

fn security(api: &Api<'_>) -> Result<Markup> {
    let default = typed::<Vec<SecurityRequirement>>(api.doc, "security")?;
    Ok(html! {
        section #security {
            h2 { "Security" }
            @match default {
                Some(default) => p { "Default for every operation: " (security_html(&default)) },
                None => p { "No default: each operation names its own requirement." },
            }
            @for (name, scheme) in api.schemes {
                (security_scheme(name, deref(api.doc, scheme).0))
            }
        }
    })
}

/// The section of one security scheme: its facts, and for OAuth 2 its flows and scopes.
fn security_scheme(name: &str, scheme: &Value) -> Markup {
    let facts = ["scheme", "bearerFormat", "in", "name", "openIdConnectUrl"]
        .into_iter()
        .filter_map(|key| {
            let v = scheme.get(key)?;
            Some(html! { (key) " " code { (scalar_text(v)) } })
        });
    let facts = std::iter::once(html! { "type " code { (str_of(scheme, "type")) } }).chain(facts);
    html! {
        section.scheme id=(anchor("security", name)) {
            h3 { code { (name) } }
            p { (join(facts, " · ")) }
            (markdown(str_of(scheme, "description"), 4))
            @for (flow, body) in object_of(scheme, "flows").into_iter().flatten() {
                h4 { "Flow " code { (flow) } }
                @let urls: Vec<Markup> = ["authorizationUrl", "tokenUrl", "refreshUrl"]
                    .into_iter()
                    .filter_map(|key| {
                        let url = opt_str(body, key)?;
                        Some(html! { (key) " " code { (url) } })
                    })
                    .collect();
                @if !urls.is_empty() { p { (join(urls, " · ")) } }
                @if let Some(scopes) = object_of(body, "scopes").filter(|s| !s.is_empty()) {
                    table {
                        thead { tr { th { "Scope" } th { "Description" } } }
                        tbody { @for (scope, text) in scopes {
                            tr {
                                td.name { code { (scope) } }
                                td { (markdown(&scalar_text(text), 5)) }
                            }
                        } }
                    }
                }
            }
        }
    }
}

/// The operations, grouped by their first tag.
fn operations_html(api: &Api<'_>) -> Result<Markup> {
    let mut groups = Vec::new();
    for tag in &api.tags {
        let description = array_of(api.doc, "tags")
            .iter()
            .find(|t| str_of(t, "name") == tag)
            .map(|t| str_of(t, "description"))
            .unwrap_or("");
        let sections = api
            .tagged(tag)
            .map(|operation| operation_section(api.doc, operation))
            .collect::<Result<Vec<_>>>()?;
        groups.push(html! {
            section.tag id=(anchor("tag", tag)) {
                h3.tag { (tag_label(tag)) }
                (markdown(description, 4))
                @for section in sections { (section) }
            }
        });
    }
    Ok(html! {
        section #operations {
            h2 { "Operations" }
            @for group in groups { (group) }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_from_the_spec_are_text() {
        let doc = serde_json::json!({
            "openapi": "3.0.3",
            "info": {
                "title": "<script>alert(1)</script>",
                "version": "1.0\"><b>",
                "description": "<img src=x> [x](javascript:alert(1)) [ok](#op-get_x)",
            },
            "servers": [{"url": "https://example.com/<i>"}],
            "security": [{"s<1>": ["read'x"]}],
            "paths": {"/x/{id}": {"get": {
                "operationId": "get_x",
                "summary": "<u>bold</u>",
                "tags": ["t<a>"],
                "parameters": [{"name": "id\"", "in": "path", "required": true,
                    "schema": {"type": "string", "enum": ["<e>"], "pattern": "^<p>$"}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/A<b>"},
                    "example": {"k": "</pre><script>"},
                }}}},
            }}},
            "components": {
                "schemas": {"A<b>": {"type": "object", "properties": {"p<q>": {"type": "string"}}}},
                "securitySchemes": {"s<1>": {"type": "apiKey", "in": "header", "name": "<h>"}},
            },
        });
        let html = api_page("api", &doc).expect("page");
        for raw in [
            "<script",
            "<img",
            "<u>",
            "<i>",
            "<e>",
            "<p>$",
            "<h>",
            "<q>",
            "href=\"javascript",
        ] {
            assert!(!html.contains(raw), "{raw} is not escaped in:\n{html}");
        }
        assert!(html.contains("id=\"op-get_x\""), "{html}");
        assert!(html.contains("<a href=\"#op-get_x\">ok</a>"), "{html}");
        assert!(html.contains("href=\"#schema-A~3c~b~3e~\""), "{html}");
        assert!(html.contains("id=\"security-s~3c~1~3e~\""), "{html}");
        assert!(html.contains("<code>read'x</code>"), "{html}");
        assert!(html.contains("&lt;/pre&gt;&lt;script&gt;"), "{html}");
    }

    #[test]
    fn a_malformed_piece_is_an_error_not_a_silent_gap() {
        let doc =
            serde_json::json!({"info": {"title": "t"}, "servers": [{"description": "no url"}]});
        let err = api_page("api", &doc).expect_err("servers without url");
        assert!(format!("{err:#}").contains("servers"), "{err:#}");
    }
}
