use futures::TryStreamExt as _;
use spendapi_client::generated::cso_events::types as t;
use spendapi_client::pagination::{CsoPage, cso_index};
use spendapi_client::{ClientExt as _, Filters, VendorError, VendorErrorKind};
use spendapi_e2e::{CSO_KEY, Events, serve};

async fn client() -> spendapi_client::cso_events::Client {
    let base = serve(spendapi_server::cso_events::router(Events::default())).await;
    spendapi_client::cso(base, CSO_KEY).expect("client")
}

fn create_request(names: &[&str]) -> t::EventCreateRequest {
    serde_json::from_value(serde_json::json!({
        "events": names.iter().map(|name| serde_json::json!({
            "market-id": "9220538753220565329",
            "name": name,
            "settings": {"currency": "USD"}
        })).collect::<Vec<_>>()
    }))
    .expect("an EventCreateRequest")
}

#[tokio::test]
async fn create_page_update_and_delete_events() {
    let events = client().await;
    let names: Vec<String> = (1..=7).map(|i| format!("Tender {i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let created = events
        .create_events()
        .body(create_request(&refs))
        .send()
        .await
        .expect("create")
        .into_inner();
    assert_eq!(created.added, 7);
    let ids: Vec<String> = created.events.iter().map(|e| e.id.to_string()).collect();
    assert!(ids.iter().all(|id| id.len() == 19));

    // Paging by 3 through 7 events: 3 + 3 + 1, each exactly once, in order.
    let events_ref = &events;
    let walked: Vec<t::Event> = cso_index(3, |page| async move {
        let list = events_ref
            .list_events()
            .offset(page.offset)
            .limit(page.limit)
            .send()
            .await?;
        Ok::<_, VendorError>(CsoPage::from(list.into_inner()))
    })
    .try_collect()
    .await
    .expect("walk");
    let walked_ids: Vec<String> = walked.iter().map(|e| e.id.to_string()).collect();
    assert_eq!(walked_ids, ids);
    assert_eq!(
        walked.iter().map(|e| e.event_number).collect::<Vec<_>>(),
        (1..=7).map(Some).collect::<Vec<_>>()
    );

    // A filter travels as `name[contains]=...` and the stub hands it to the implementation.
    let filtered = events
        .with_filters(Filters::new().contains("name", "Tender 7"))
        .list_events()
        .send()
        .await
        .expect("filtered list")
        .into_inner();
    assert_eq!(filtered.total, 1);

    // Bulk update is lenient: the unknown id is reported, the known one updated.
    let update: t::EventUpdateRequest = serde_json::from_value(serde_json::json!({"events": [
        {"id": ids[0], "state": "Active", "name": "Renamed"},
        {"id": "9999999999999999999", "name": "Nobody"}
    ]}))
    .expect("an EventUpdateRequest");
    let outcome = events
        .update_events()
        .body(update)
        .send()
        .await
        .expect("bulk update")
        .into_inner();
    assert_eq!(outcome.updated, 1);
    assert!(outcome.result.iter().any(|r| {
        r.id.as_ref()
            .is_some_and(|id| id.to_string() == "9999999999999999999")
    }));
    let first = events
        .get_event()
        .id(ids[0].as_str())
        .send()
        .await
        .expect("get")
        .into_inner();
    assert_eq!(first.state, Some(t::EventState::Active));
    assert_eq!(first.name.as_deref(), Some("Renamed"));
    assert_eq!(
        first.market_id.as_deref().map(String::as_str),
        Some("9220538753220565329"),
        "market-id is kept"
    );

    // Delete one by id; reading it again is a CSO-format 404.
    let deleted = events
        .delete_event()
        .id(ids[1].as_str())
        .send()
        .await
        .expect("delete")
        .into_inner();
    assert_eq!(deleted.deleted, 1);
    let err = VendorError::from(
        events
            .get_event()
            .id(ids[1].as_str())
            .send()
            .await
            .expect_err("gone"),
    );
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.messages(), [format!("Event {} not found", ids[1])]);

    // Bulk delete with a body (DELETE /api/events): the ids travel only in the body, so the
    // count proves the generated client sent it and the stub read it.
    let delete: t::EventDeleteRequest =
        serde_json::from_value(serde_json::json!({"events": [{"id": ids[2]}, {"id": ids[3]}]}))
            .expect("body");
    let deleted = events
        .delete_events()
        .body(delete)
        .send()
        .await
        .expect("bulk delete")
        .into_inner();
    assert_eq!(deleted.deleted, 2);
    let left = events
        .list_events()
        .send()
        .await
        .expect("list")
        .into_inner();
    assert_eq!(left.total, 4);
}

#[tokio::test]
async fn a_wrong_key_and_an_invalid_id_are_cso_errors() {
    let base = serve(spendapi_server::cso_events::router(Events::default())).await;
    let wrong = spendapi_client::cso(base.as_str(), "not-the-key").expect("client");
    let err = VendorError::from(wrong.list_events().send().await.expect_err("401"));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert!(
        !err.messages().is_empty(),
        "the CSO envelope carries a description"
    );

    // An id that is not 19 digits: the typed client refuses to send it...
    let events = spendapi_client::cso(base.as_str(), CSO_KEY).expect("client");
    let err = VendorError::from(
        events
            .get_event()
            .id("abc")
            .send()
            .await
            .expect_err("invalid id"),
    );
    assert_eq!(err.kind(), VendorErrorKind::InvalidRequest);
    assert_eq!(err.status(), None, "nothing was sent");
    // ...and a caller that sends it anyway gets the documented 400 in the CSO envelope.
    let answer = reqwest::Client::new()
        .get(format!("{base}/api/events/abc"))
        .header("X-CSO-API-KEY", CSO_KEY)
        .send()
        .await
        .expect("raw request");
    let err = VendorError::from_response(answer).await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert!(
        err.body_text().starts_with("{\"result\":"),
        "{}",
        err.body_text()
    );
    assert!(!err.messages().is_empty());
}
