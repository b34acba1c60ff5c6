//! Every operation of every spec is served at its documented method and path, and answers a
//! request built from the spec's own examples with its documented success status, in every
//! documented request media type.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::*;

/// A value for a path parameter: its example, else one its schema allows.
fn path_value(doc: &Value, param: &Value) -> String {
    if let Some(example) = param.get("example") {
        return example
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| example.to_string());
    }
    let schema = resolve(doc, &param["schema"]);
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.as_str().unwrap_or_default().to_owned();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") => schema
            .get("minimum")
            .map(ToString::to_string)
            .unwrap_or_else(|| "1".into()),
        _ => "x".into(),
    }
}

/// The operation's URL with every path parameter filled in.
fn url(op: &Op) -> String {
    let doc = &spec(op.api).doc;
    let mut url = op.path.clone();
    for list in [op.item.get("parameters"), op.op.get("parameters")]
        .into_iter()
        .flatten()
    {
        for param in list.as_array().into_iter().flatten() {
            let param = resolve(doc, param);
            if param["in"] == "path" {
                let name = param["name"].as_str().unwrap_or_default();
                url = url.replace(&format!("{{{name}}}"), &path_value(doc, param));
            }
        }
    }
    url
}

/// The credential header the operation's security scheme expects.
fn credential(op: &Op) -> (&'static str, &'static str) {
    let doc = &spec(op.api).doc;
    let security = op
        .op
        .get("security")
        .or_else(|| doc.get("security"))
        .expect("security");
    let scheme_name = security[0]
        .as_object()
        .and_then(|m| m.keys().next())
        .expect("scheme");
    let scheme = resolve(doc, &doc["components"]["securitySchemes"][scheme_name]);
    match scheme["type"].as_str() {
        Some("apiKey") => CSO_KEY,
        _ => BEARER,
    }
}

fn success(op: &Op) -> (u16, Vec<String>) {
    let doc = &spec(op.api).doc;
    // A create documented with both 200 and 201 (same body) is answered 201 by the stubs.
    let (status, response) = op.op["responses"]
        .as_object()
        .and_then(|r| {
            r.get_key_value("201")
                .or_else(|| r.iter().find(|(s, _)| s.starts_with('2')))
        })
        .expect("a 2xx response");
    let media = resolve(doc, response)
        .get("content")
        .and_then(Value::as_object)
        .map(|c| c.keys().cloned().collect())
        .unwrap_or_default();
    (status.parse().expect("status"), media)
}

#[tokio::test]
async fn every_operation_is_served_and_answers_its_examples() {
    let operations = operations();
    // The generated routers describe exactly the spec's operations.
    let generated: BTreeSet<(String, String, String)> = [
        &spendapi_server::coupa_accounts::API,
        &spendapi_server::coupa_delegations::API,
        &spendapi_server::coupa_integration_history_records::API,
        &spendapi_server::cso_events::API,
        &spendapi_server::concur_expense_allocations::API,
    ]
    .iter()
    .flat_map(|api| {
        api.operations
            .iter()
            .map(|op| (op.id.to_owned(), op.method.to_owned(), op.path.to_owned()))
    })
    .collect();
    let documented: BTreeSet<(String, String, String)> = operations
        .iter()
        .map(|op| (op.id.clone(), op.method.clone(), op.path.clone()))
        .collect();
    assert_eq!(generated, documented);
    assert!(!operations.is_empty());

    let mut exercised = 0;
    for op in &operations {
        let app = app(op.api);
        let doc = &spec(op.api).doc;
        let url = url(op);
        let (status, media) = success(op);
        let bodies: Vec<(String, Option<String>)> = match op.op.get("requestBody") {
            None => vec![(String::new(), None)],
            Some(body) => resolve(doc, body)["content"]
                .as_object()
                .expect("content")
                .iter()
                // Each media type the spec has an example for (a JSON one at least).
                .filter_map(|(media_type, m)| {
                    let example = example(doc, m)?;
                    let text = example
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| example.to_string());
                    Some((media_type.clone(), Some(text)))
                })
                .collect(),
        };
        assert!(!bodies.is_empty(), "{}: no request body example", op.id);
        for (content_type, body) in bodies {
            let accept = media
                .iter()
                .find(|m| **m == content_type)
                .or(media.first())
                .cloned()
                .unwrap_or_default();
            let mut headers = vec![credential(op)];
            if !content_type.is_empty() {
                headers.push(("content-type", content_type.as_str()));
            }
            if !accept.is_empty() {
                headers.push(("accept", accept.as_str()));
            }
            let answer = send(&app, request(&op.method, &url, &headers, body.as_deref())).await;
            assert_eq!(
                answer.status.as_u16(),
                status,
                "{} {} {url} ({content_type}): {}",
                op.id,
                op.method,
                answer.body
            );
            if !accept.is_empty() {
                assert!(
                    answer.content_type().starts_with(&accept),
                    "{}: answered in {}",
                    op.id,
                    answer.content_type()
                );
            }
            exercised += 1;
        }
    }
    assert!(exercised >= operations.len());
}
