//! Operations: the section of one operation (security, parameters, request body, responses,
//! servers), and the pieces the API page shares with it (security requirements, servers).

use maud::{Markup, html};

use super::layout::{anchor, code_value, join, op_anchor};
use super::schema::{constraints_html, examples_html, schema_block, type_html};
use crate::bundle::markdown::markdown;
use crate::spec::Api;
use crate::spec::model::{
    Header, Media, Operation, Parameter, RequestBody, Requirement, Response, Server,
};

/// Security requirement alternatives: `A and B or C`, linking each scheme to its section.
pub fn security_html(alternatives: &[Requirement]) -> Markup {
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
                        td { (markdown(&server.description, 5)) }
                        td {
                            @for variable in &server.variables {
                                p {
                                    code { "{" (variable.name) "}" }
                                    " default " code { (variable.default) }
                                    @if !variable.values.is_empty() {
                                        "; one of "
                                        (join(variable.values.iter().map(|v| html! { code { (v) } }), ", "))
                                    }
                                }
                                (markdown(&variable.description, 5))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Each media type of a body: its schema and examples.
fn content_html(content: &[Media]) -> Markup {
    html! {
        @for media in content {
            div.media {
                h5 { code { (media.media_type) } }
                (schema_block(&media.schema))
                (examples_html(&media.examples))
            }
        }
    }
}

/// The type and constraints cells of a parameter (schema, or `content` by media type).
fn parameter_type(api: &Api, parameter: &Parameter) -> (Markup, Markup) {
    if !parameter.schema.is_null() {
        let (_, resolved) = crate::spec::follow(&api.doc, &parameter.schema);
        return (type_html(&parameter.schema), constraints_html(resolved));
    }
    let by_media_type = parameter.content.iter().map(|media| {
        html! {
            code { (media.media_type) } ": "
            (type_html(&media.schema))
        }
    });
    (join(by_media_type, html! { br; }), html! {})
}

fn parameters_html(api: &Api, parameters: &[Parameter]) -> Markup {
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
                    @let (ty, constraints) = parameter_type(api, parameter);
                    tr {
                        td.name { code { (parameter.name) } }
                        td { (parameter.location.as_str()) }
                        td { (ty) }
                        td { @if parameter.required { "yes" } }
                        td { (constraints) }
                        td {
                            @if parameter.deprecated {
                                p { strong { "Deprecated." } }
                            }
                            (markdown(&parameter.description, 4))
                            @for (key, v) in &parameter.serialization {
                                p.muted { (key) ": " (code_value(v)) }
                            }
                            (examples_html(&parameter.examples))
                        }
                    }
                }
            }
        }
    }
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

fn headers_table(headers: &[Header]) -> Markup {
    html! {
        table.headers {
            thead { tr { th { "Header" } th { "Type" } th { "Required" } th { "Description" } } }
            tbody {
                @for header in headers {
                    tr {
                        td.name { code { (header.name) } }
                        td { @if !header.schema.is_null() { (type_html(&header.schema)) } }
                        td { @if header.required { "yes" } }
                        td { (markdown(&header.description, 5)) }
                    }
                }
            }
        }
    }
}

fn responses_html(responses: &[Response]) -> Markup {
    html! {
        h4 { "Responses" }
        @for response in responses {
            div.response {
                h5 {
                    span class={ "status " (status_class(&response.status)) } { (response.status) }
                    @if let Some(name) = &response.component {
                        " " span.muted { "(shared response " code { (name) } ")" }
                    }
                }
                (markdown(&response.description, 5))
                @if !response.headers.is_empty() {
                    (headers_table(&response.headers))
                }
                @if response.content.is_empty() {
                    p.muted { "No body." }
                } @else {
                    (content_html(&response.content))
                }
            }
        }
    }
}

fn request_body_html(body: &RequestBody) -> Markup {
    let required = if body.required {
        "required"
    } else {
        "optional"
    };
    html! {
        h4 {
            "Request body " span.badge { (required) }
            @if let Some(name) = &body.component {
                " " span.muted { "(shared request body " code { (name) } ")" }
            }
        }
        (markdown(&body.description, 5))
        (content_html(&body.content))
    }
}

/// The section of one operation.
pub fn operation_section(api: &Api, operation: &Operation) -> Markup {
    let security = if operation.own_security {
        Some(&operation.security)
    } else {
        api.security.as_ref()
    };
    let inherited = !operation.own_security;
    html! {
        section.op id=(op_anchor(operation)) {
            h3 {
                span class={ "method " (operation.method) } { (operation.method.to_uppercase()) }
                " " code { (operation.path) }
            }
            p.meta {
                "operationId " code { (operation.id) }
                @if !operation.tags.is_empty() {
                    " · tags: "
                    (join(operation.tags.iter().map(|t| html! { (t) }), ", "))
                }
                @if operation.deprecated { " · " strong { "deprecated" } }
            }
            @if !operation.summary.is_empty() { p { strong { (operation.summary) } } }
            (markdown(&operation.description, 4))
            @if let Some(security) = security {
                p {
                    strong { "Security:" } " " (security_html(security))
                    @if inherited { " (the API default)" }
                }
            }
            (parameters_html(api, &operation.parameters))
            @if let Some(body) = &operation.request_body { (request_body_html(body)) }
            (responses_html(&operation.responses))
            @if let Some(servers) = &operation.servers {
                h4 { "Servers for this operation" }
                (servers_table(servers))
            }
        }
    }
}
