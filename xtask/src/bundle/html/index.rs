//! The index page: every API with its version, operation count and files, then the changelog.

use maud::html;

use super::layout::{anchor, page};
use crate::bundle::markdown::markdown;
use crate::bundle::model::ApiSummary;

/// The index page of the bundle.
pub fn index_page(apis: &[ApiSummary], changelog: &str) -> String {
    let nav = html! {
        h2 { "Contents" }
        ul {
            li {
                a href="#apis" { "APIs" }
                ul { @for api in apis {
                    li { a href={ (api.name) ".html" } { (api.title) } }
                } }
            }
            li { a href="#changelog" { "Changelog" } }
        }
    };
    let main = html! {
        h1 { "API reference" }
        p {
            "One self-contained OpenAPI 3.0 document per API, as YAML and as JSON, and an HTML \
             reference page for each. Elements whose vendor behaviour is not confirmed say so in \
             their description ("
            strong { "Unconfirmed:" } " ...)."
        }
        section #apis {
            h2 { "APIs" }
            table {
                thead { tr { th { "API" } th { "Version" } th { "Operations" } th { "Files" } } }
                tbody { @for api in apis {
                    tr id=(anchor("api", &api.name)) {
                        td {
                            a href={ (api.name) ".html" } { (api.title) }
                            br;
                            code.muted { (api.name) }
                        }
                        td { (api.version) }
                        td { (api.operations.len()) }
                        td {
                            a href={ (api.name) ".html" } { "HTML" } " · "
                            a href={ (api.name) ".yaml" } { "YAML" } " · "
                            a href={ (api.name) ".json" } { "JSON" }
                        }
                    }
                } }
            }
        }
        section #changelog { (markdown(changelog, 1)) }
    };
    page("API reference", nav, main)
}
