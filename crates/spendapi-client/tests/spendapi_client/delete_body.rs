//! `DELETE /api/events` carries its ids in a request body. OpenAPI 3.0.3 lets consumers
//! ignore a body on methods without body semantics, so this pins that the generated client
//! does send it, as JSON, on a DELETE.

use axum::http::Method;

use crate::support::{EVENTS, Reply, Server};

#[tokio::test]
async fn bulk_delete_sends_its_body() {
    let server = Server::start(|_| {
        Reply::json(
            200,
            serde_json::json!({"result": [{"type": "event.deleted.logMsg", "description": "deleted"}], "deleted": 1}),
        )
    })
    .await;
    let events = server.config().cso("key").expect("client");
    let body: spendapi_client::cso_events::types::EventDeleteRequest =
        serde_json::from_value(serde_json::json!({"events": [{"id": "9220538753252871154"}]}))
            .expect("a delete request");
    let answer = events
        .delete_events()
        .body(body)
        .send()
        .await
        .expect("bulk delete")
        .into_inner();
    assert_eq!(answer.deleted, 1);

    let sent = server.requests_to(EVENTS);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, Method::DELETE);
    assert_eq!(sent[0].header("content-type"), Some("application/json"));
    let json: serde_json::Value = serde_json::from_slice(&sent[0].body).expect("a JSON body");
    assert_eq!(
        json,
        serde_json::json!({"events": [{"id": "9220538753252871154"}]})
    );
}
