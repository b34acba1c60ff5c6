//! The reference page of one API: contents, overview, servers, security schemes, operations
//! grouped by their first tag, and schemas.

use maud::{Markup, html};

use super::layout::{anchor, join, op_anchor, page, tag_label};
use super::operation::{operation_section, security_html, servers_table};
use super::schema::schema_section;
use crate::bundle::markdown::markdown;
use crate::spec::Api;
use crate::spec::model::{Operation, SecurityScheme};

/// What the page shows of one API, read once from its model.
struct ApiPage<'a> {
    api: &'a Api,
    /// In document order.
    operations: Vec<&'a Operation>,
    /// The tags in page order ([`Api::tag_order`]).
    tags: Vec<String>,
}

impl<'a> ApiPage<'a> {
    fn new(api: &'a Api) -> Self {
        ApiPage {
            api,
            operations: api.operations_in_document_order(),
            tags: api.tag_order(),
        }
    }

    /// The operations whose first tag is `tag`.
    fn tagged(&self, tag: &str) -> impl Iterator<Item = &'a Operation> {
        self.operations
            .iter()
            .copied()
            .filter(move |o| o.first_tag() == tag)
    }
}

/// The HTML reference page of one partner spec.
pub fn api_page(api: &Api) -> String {
    let page_api = ApiPage::new(api);
    let title = format!("{} {}", api.title, api.version);
    let main = html! {
        (overview(&page_api))
        (servers(api))
        (security(api))
        (operations_html(&page_api))
        section #schemas {
            h2 { "Schemas" }
            @for (name, schema) in api.schemas() { (schema_section(api, name, schema)) }
        }
    };
    page(&title, contents(&page_api), main)
}

/// The table of contents.
fn contents(page: &ApiPage<'_>) -> Markup {
    html! {
        p { a href="index.html" { "← All APIs" } }
        h2 { "Contents" }
        ul {
            li { a href="#overview" { "Overview" } }
            li { a href="#servers" { "Servers" } }
            li {
                a href="#security" { "Security" }
                ul { @for scheme in &page.api.security_schemes {
                    li { a href={ "#" (anchor("security", &scheme.name)) } { code { (scheme.name) } } }
                } }
            }
            li {
                a href="#operations" { "Operations" }
                ul { @for tag in &page.tags {
                    li {
                        a href={ "#" (anchor("tag", tag)) } { (tag_label(tag)) }
                        ul { @for operation in page.tagged(tag) {
                            li { a href={ "#" (op_anchor(operation)) } {
                                span class={ "method " (operation.method) } {
                                    (operation.method.to_uppercase())
                                }
                                " " code { (operation.id) }
                            } }
                        } }
                    }
                } }
            }
            li {
                a href="#schemas" { "Schemas" }
                ul { @for (schema, _) in page.api.schemas() {
                    li { a href={ "#" (anchor("schema", schema)) } { (schema) } }
                } }
            }
        }
    }
}

/// The title, version, files and the facts of `info`.
fn overview(page: &ApiPage<'_>) -> Markup {
    let api = page.api;
    let info = &api.info;
    let name = &api.name;
    // URLs are shown as text, never linked.
    let listed = |parts: &Vec<String>| join(parts.iter().map(|p| html! { (p) }), ", ");
    html! {
        header #overview {
            h1 { (api.title) }
            p.meta {
                "Version " span.badge { (api.version) }
                " · OpenAPI " (api.openapi)
                " · " (page.operations.len()) " operation(s)"
                " · download " a href={ (name) ".yaml" } { (name) ".yaml" }
                " · " a href={ (name) ".json" } { (name) ".json" }
            }
        }
        (markdown(&info.description, 2))
        @if let Some(terms) = &info.terms_of_service {
            p { "Terms of service: " code { (terms) } }
        }
        @if let Some(contact) = &info.contact {
            p { "Contact: " (listed(contact)) }
        }
        @if let Some(license) = &info.license {
            p { "License: " (listed(license)) }
        }
        @if let Some(docs) = &api.external_docs {
            p {
                "External documentation: " (docs.description)
                " " code { (docs.url) }
            }
        }
    }
}

fn servers(api: &Api) -> Markup {
    html! {
        section #servers {
            h2 { "Servers" }
            @match &api.servers {
                Some(servers) => (servers_table(servers)),
                None => p { "No server is given: the base URL is " code { "/" } "." },
            }
        }
    }
}

fn security(api: &Api) -> Markup {
    html! {
        section #security {
            h2 { "Security" }
            @match &api.security {
                Some(default) => p { "Default for every operation: " (security_html(default)) },
                None => p { "No default: each operation names its own requirement." },
            }
            @for scheme in &api.security_schemes { (security_scheme(scheme)) }
        }
    }
}

/// The section of one security scheme: its facts, and for OAuth 2 its flows and scopes.
fn security_scheme(scheme: &SecurityScheme) -> Markup {
    let facts = scheme
        .facts
        .iter()
        .map(|(key, value)| html! { (key) " " code { (value) } });
    let facts = std::iter::once(html! { "type " code { (scheme.scheme_type) } }).chain(facts);
    html! {
        section.scheme id=(anchor("security", &scheme.name)) {
            h3 { code { (scheme.name) } }
            p { (join(facts, " · ")) }
            (markdown(&scheme.description, 4))
            @for flow in &scheme.flows {
                h4 { "Flow " code { (flow.name) } }
                @let urls = flow.urls.iter().map(|(key, url)| html! { (key) " " code { (url) } });
                @if !flow.urls.is_empty() { p { (join(urls, " · ")) } }
                @if !flow.scopes.is_empty() {
                    table {
                        thead { tr { th { "Scope" } th { "Description" } } }
                        tbody { @for (scope, text) in &flow.scopes {
                            tr {
                                td.name { code { (scope) } }
                                td { (markdown(text, 5)) }
                            }
                        } }
                    }
                }
            }
        }
    }
}

/// The operations, grouped by their first tag.
fn operations_html(page: &ApiPage<'_>) -> Markup {
    let groups = page.tags.iter().map(|tag| {
        let description = page
            .api
            .tags
            .iter()
            .find(|t| t.name == *tag)
            .map_or("", |t| t.description.as_str());
        html! {
            section.tag id=(anchor("tag", tag)) {
                h3.tag { (tag_label(tag)) }
                (markdown(description, 4))
                @for operation in page.tagged(tag) { (operation_section(page.api, operation)) }
            }
        }
    });
    html! {
        section #operations {
            h2 { "Operations" }
            @for group in groups { (group) }
        }
    }
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
        let api = Api::with_vendor("api", crate::spec::Vendor::CoupaSourcing, doc).expect("model");
        let html = api_page(&api);
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
}
