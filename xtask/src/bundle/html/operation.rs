//! Operations: the section of one operation (security, parameters, request body, responses,
//! servers), and the pieces the API page shares with it (security requirements, servers).

use std::collections::BTreeSet;

use anyhow::Result;
use maud::{Markup, html};
use openapiv3::{SecurityRequirement, Server};
use serde_json::Value;

use super::layout::{anchor, code_value, join, op_anchor};
use super::schema::{constraints_html, examples_html, schema_block, type_html};
use crate::bundle::markdown::markdown;
use crate::bundle::model::{
    Operation, array_of, bool_of, deref, object_of, scalar_text, str_of, typed,
};

/// Security requirement alternatives: `A and B or C`, linking each scheme to its section.
pub fn security_html(alternatives: &[SecurityRequirement]) -> Markup {
    if alternatives.is_empty() {
        return html! { "none" };
    }
    let alternatives = alternatives.iter().map(|requirement| {
        if requirement.is_empty() {
            return html! { "none (anonymous)" };
        }
        let schemes = requirement.iter().map(|(name, scopes)| {
            html! {
                a href={ "#" (anchor("security", name)) } { (name) }
                @if !scopes.is_empty() {
                    " (scopes " (join(scopes.iter().map(|s| html! { code { (s) } }), ", ")) ")"
                }
            }
        });
        join(schemes, " and ")
    });
    join(alternatives, html! { " " em { "or" } " " })
}

/// A table of servers with their variables.
pub fn servers_table(servers: &[Server]) -> Markup {
    html! {
        table.servers {
            thead { tr { th { "URL" } th { "Description" } th { "Variables" } } }
            tbody {
                @for server in servers {
                    tr {
                        td { code { (server.url) } }
                        td { (markdown(server.description.as_deref().unwrap_or(""), 5)) }
                        td {
                            @for (name, variable) in server.variables.iter().flatten() {
                                p {
                                    code { "{" (name) "}" }
                                    " default " code { (variable.default) }
                                    @if !variable.enumeration.is_empty() {
                                        "; one of "
                                        (join(variable.enumeration.iter().map(|v| html! { code { (v) } }), ", "))
                                    }
                                }
                                (markdown(variable.description.as_deref().unwrap_or(""), 5))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Each media type of a `content` map: its schema and examples.
fn content_html(doc: &Value, content: &serde_json::Map<String, Value>) -> Markup {
    html! {
        @for (media_type, media) in content {
            div.media {
                h5 { code { (media_type) } }
                @if let Some(schema) = media.get("schema") { (schema_block(schema)) }
                (examples_html(doc, media))
            }
        }
    }
}

/// The type and constraints cells of a parameter (schema, or `content` by media type).
fn parameter_type(doc: &Value, parameter: &Value) -> (Markup, Markup) {
    if let Some(schema) = parameter.get("schema") {
        let (resolved, _) = deref(doc, schema);
        return (type_html(schema), constraints_html(resolved));
    }
    let by_media_type =
        object_of(parameter, "content")
            .into_iter()
            .flatten()
            .map(|(media_type, media)| {
                html! {
                    code { (media_type) } ": "
                    @if let Some(schema) = media.get("schema") { (type_html(schema)) }
                }
            });
    (join(by_media_type, html! { br; }), html! {})
}

fn parameters_html(doc: &Value, parameters: &[&Value]) -> Markup {
    if parameters.is_empty() {
        return html! {};
    }
    html! {
        h4 { "Parameters" }
        table.params {
            thead { tr {
                th { "Name" } th { "In" } th { "Type" } th { "Required" } th { "Constraints" }
                th { "Description" }
            } }
            tbody {
                @for parameter in parameters {
                    @let (ty, constraints) = parameter_type(doc, parameter);
                    tr {
                        td.name { code { (str_of(parameter, "name")) } }
                        td { (str_of(parameter, "in")) }
                        td { (ty) }
                        td { @if bool_of(parameter, "required") { "yes" } }
                        td { (constraints) }
                        td {
                            @if bool_of(parameter, "deprecated") {
                                p { strong { "Deprecated." } }
                            }
                            (markdown(str_of(parameter, "description"), 4))
                            @for key in ["style", "explode", "allowReserved", "allowEmptyValue"] {
                                @if let Some(v) = parameter.get(key) {
                                    p.muted { (key) ": " (code_value(v)) }
                                }
                            }
                            (examples_html(doc, parameter))
                        }
                    }
                }
            }
        }
    }
}

/// The parameters of an operation: the path item's, overridden by the operation's own with
/// the same name and location, then the operation's others; in document order.
fn effective_parameters<'a>(doc: &'a Value, operation: &Operation<'a>) -> Vec<&'a Value> {
    let resolve = |holder: &'a Value| -> Vec<&'a Value> {
        array_of(holder, "parameters")
            .iter()
            .map(|p| deref(doc, p).0)
            .collect()
    };
    let key = |p: &Value| (str_of(p, "name").to_owned(), str_of(p, "in").to_owned());
    let own = resolve(operation.op);
    let own_keys: BTreeSet<_> = own.iter().map(|p| key(p)).collect();
    let mut out: Vec<&Value> = resolve(operation.item)
        .into_iter()
        .filter(|p| !own_keys.contains(&key(p)))
        .collect();
    out.extend(own);
    out
}

fn status_class(status: &str) -> &'static str {
    match status.as_bytes().first() {
        Some(b'2') => "s2",
        Some(b'3') => "s3",
        Some(b'4') => "s4",
        Some(b'5') => "s5",
        _ => "sd",
    }
}

fn headers_table(doc: &Value, headers: &serde_json::Map<String, Value>) -> Markup {
    html! {
        table.headers {
            thead { tr { th { "Header" } th { "Type" } th { "Required" } th { "Description" } } }
            tbody {
                @for (name, header) in headers {
                    @let (header, _) = deref(doc, header);
                    tr {
                        td.name { code { (name) } }
                        td { @if let Some(schema) = header.get("schema") { (type_html(schema)) } }
                        td { @if bool_of(header, "required") { "yes" } }
                        td { (markdown(str_of(header, "description"), 5)) }
                    }
                }
            }
        }
    }
}

fn responses_html(doc: &Value, responses: &serde_json::Map<String, Value>) -> Markup {
    html! {
        h4 { "Responses" }
        @for (status, response) in responses {
            @let (response, shared) = deref(doc, response);
            div.response {
                h5 {
                    span class={ "status " (status_class(status)) } { (status) }
                    @if let Some(name) = shared {
                        " " span.muted { "(shared response " code { (name) } ")" }
                    }
                }
                (markdown(str_of(response, "description"), 5))
                @if let Some(headers) = object_of(response, "headers") {
                    (headers_table(doc, headers))
                }
                @match object_of(response, "content").filter(|c| !c.is_empty()) {
                    Some(content) => (content_html(doc, content)),
                    None => p.muted { "No body." },
                }
            }
        }
    }
}

fn request_body_html(doc: &Value, body: &Value) -> Markup {
    let (body, shared) = deref(doc, body);
    let required = if bool_of(body, "required") {
        "required"
    } else {
        "optional"
    };
    html! {
        h4 {
            "Request body " span.badge { (required) }
            @if let Some(name) = shared {
                " " span.muted { "(shared request body " code { (name) } ")" }
            }
        }
        (markdown(str_of(body, "description"), 5))
        @if let Some(content) = object_of(body, "content") { (content_html(doc, content)) }
    }
}

/// The section of one operation.
pub fn operation_section(doc: &Value, operation: &Operation<'_>) -> Result<Markup> {
    let op = operation.op;
    let own_security = typed::<Vec<SecurityRequirement>>(op, "security")?;
    let inherited = own_security.is_none();
    let security = match own_security {
        Some(security) => Some(security),
        None => typed::<Vec<SecurityRequirement>>(doc, "security")?,
    };
    let servers = match typed::<Vec<Server>>(op, "servers")? {
        Some(servers) => Some(servers),
        None => typed::<Vec<Server>>(operation.item, "servers")?,
    };
    let tags = array_of(op, "tags");
    let summary = str_of(op, "summary");
    Ok(html! {
        section.op id=(op_anchor(operation)) {
            h3 {
                span class={ "method " (operation.method) } { (operation.method.to_uppercase()) }
                " " code { (operation.path) }
            }
            p.meta {
                "operationId " code { (operation.id()) }
                @if op.get("tags").is_some_and(Value::is_array) {
                    " · tags: "
                    (join(tags.iter().map(|t| html! { (scalar_text(t)) }), ", "))
                }
                @if bool_of(op, "deprecated") { " · " strong { "deprecated" } }
            }
            @if !summary.is_empty() { p { strong { (summary) } } }
            (markdown(str_of(op, "description"), 4))
            @if let Some(security) = security {
                p {
                    strong { "Security:" } " " (security_html(&security))
                    @if inherited { " (the API default)" }
                }
            }
            (parameters_html(doc, &effective_parameters(doc, operation)))
            @if let Some(body) = op.get("requestBody") { (request_body_html(doc, body)) }
            @if let Some(responses) = object_of(op, "responses") { (responses_html(doc, responses)) }
            @if let Some(servers) = servers {
                h4 { "Servers for this operation" }
                (servers_table(&servers))
            }
        }
    })
}
