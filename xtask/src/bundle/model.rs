//! What one API contributes to the bundle's summary line and index, read from the typed model
//! of its partner spec ([`crate::spec::Api`]), and the one-line form of a text.

use crate::spec::Api;

/// What one API contributes to the bundle, for the summary line and the index.
#[derive(Debug, Clone)]
pub struct ApiSummary {
    pub name: String,
    pub title: String,
    pub version: String,
    /// `(operationId, METHOD, path, summary)` in document order.
    pub operations: Vec<(String, String, String, String)>,
    pub schemas: usize,
    /// How many `x-unconfirmed` notes were folded into descriptions.
    pub unconfirmed: usize,
}

pub fn summarize(api: &Api, unconfirmed: usize) -> ApiSummary {
    let operations = api
        .operations_in_document_order()
        .into_iter()
        .map(|o| {
            (
                o.id.clone(),
                o.method.to_uppercase(),
                o.path.clone(),
                o.summary.clone(),
            )
        })
        .collect();
    ApiSummary {
        name: api.name.clone(),
        title: api.title.clone(),
        version: api.version.clone(),
        operations,
        schemas: api.schemas().count(),
        unconfirmed,
    }
}

pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
