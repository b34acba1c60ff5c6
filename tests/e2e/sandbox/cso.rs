//! Coupa Sourcing events: the seven operations through the typed client, with the bulk
//! summaries and per-item failures, increasing event numbers, the immutable `market-id`, the
//! list's filters and paging, and the documented failures in the CSO `result` envelope.

use futures::TryStreamExt as _;
use serde_json::json;
use spendapi_client::cso_events::types as t;
use spendapi_client::{ClientExt as _, ErrorBody, Filters, VendorError, VendorErrorKind};

use super::support::{CSO_KEY, assert_failure, from_json, start, text};

pub const OPERATIONS: &[&str] = &[
    "list_events",
    "create_events",
    "update_events",
    "delete_events",
    "get_event",
    "update_event",
    "delete_event",
];

/// The seeded events in event-number order (the list's default order).
const SEEDED: [(&str, i64); 5] = [
    ("9219595375673293031", 10),
    ("9219601944812992706", 11),
    ("9219594228963465852", 13),
    ("9219592828238410706", 613),
    ("9219593444808990596", 1602),
];

fn ids(events: &[t::Event]) -> Vec<String> {
    events.iter().map(|e| e.id.to_string()).collect()
}

/// The CSO entries of an error.
fn entries(err: &VendorError) -> Vec<(String, Option<String>)> {
    match err.error_body() {
        ErrorBody::Cso(entries) => entries
            .iter()
            .map(|e| (e.type_.clone(), e.id.clone()))
            .collect(),
        other => panic!("not a CSO envelope: {other:?}"),
    }
}

#[tokio::test]
async fn list_events_filters_pages_and_streams() {
    let sb = start().await;
    let cso = sb.cso();
    let list = cso.list_events().send().await.expect("list").into_inner();
    assert_eq!(list.total, 5);
    assert_eq!(
        ids(&list.events),
        SEEDED.map(|(id, _)| id.to_owned()).to_vec()
    );
    assert_eq!(
        list.events
            .iter()
            .map(|e| e.event_number)
            .collect::<Vec<_>>(),
        SEEDED.map(|(_, n)| Some(n)).to_vec()
    );
    let data_storage = &list.events[1];
    assert_eq!(data_storage.name.as_deref(), Some("API - Data storage"));
    assert_eq!(data_storage.time_zone.as_deref(), Some("Europe/Stockholm"));
    assert_eq!(
        data_storage
            .settings
            .as_ref()
            .and_then(|s| s.currency.as_deref()),
        Some("EUR")
    );
    assert_eq!(
        text(&data_storage.market_id).map(str::to_owned),
        Some("9219596879086622384".to_owned())
    );
    assert_eq!(
        data_storage.reference_number, None,
        "no nulls in CSO answers"
    );

    // Paging: the total counts every match, the page holds `limit` of them.
    let page = cso
        .list_events()
        .limit(2u64)
        .offset(3u64)
        .send()
        .await
        .expect("page")
        .into_inner();
    assert_eq!(page.total, 5);
    assert_eq!(
        ids(&page.events),
        [SEEDED[3].0.to_owned(), SEEDED[4].0.to_owned()]
    );

    // The spec's named filters and `Filters`.
    let it = cso
        .list_events()
        .name_contains("IT")
        .send()
        .await
        .expect("name[contains]")
        .into_inner();
    assert_eq!(ids(&it.events), ["9219592828238410706"]);
    let active = cso
        .list_events()
        .state(t::EventState::Active)
        .send()
        .await
        .expect("state")
        .into_inner();
    assert_eq!(active.total, 1);
    let market = cso
        .list_events()
        .market_id("9219592396342653837")
        .event_number_gt(12)
        .event_number_lt(1000)
        .send()
        .await
        .expect("market and numbers")
        .into_inner();
    assert_eq!(
        ids(&market.events),
        ["9219594228963465852", "9219592828238410706"]
    );
    let by_reference = cso
        .list_events()
        .reference_number_contains("A15")
        .send()
        .await
        .expect("reference-number[contains]")
        .into_inner();
    assert_eq!(ids(&by_reference.events), ["9219594228963465852"]);
    for (filters, expected) in [
        (Filters::new().starts_with("name", "**"), 2),
        (Filters::new().is_in("state", ["Setup", "Terminated"]), 4),
        (Filters::new().eq("settings[currency]", "USD"), 2),
        (Filters::new().blank("reference-number", false), 2),
        (Filters::new().gt_or_eq("event_number", 613), 2),
    ] {
        let query = filters.to_query_string();
        let found = cso
            .with_filters(filters)
            .list_events()
            .send()
            .await
            .unwrap_or_else(|e| panic!("{query}: {e}"))
            .into_inner();
        assert_eq!(found.total, expected, "{query}");
        assert_eq!(found.events.len() as i64, expected, "{query}");
    }
    // Paging through a filter on a nested attribute: the total counts the matches only.
    let usd_second = cso
        .with_filters(Filters::new().eq("settings[currency]", "USD"))
        .list_events()
        .limit(1u64)
        .offset(1u64)
        .send()
        .await
        .expect("filtered page")
        .into_inner();
    assert_eq!(usd_second.total, 2);
    assert_eq!(ids(&usd_second.events), [SEEDED[4].0.to_owned()]);
    let nothing = cso
        .list_events()
        .name("No such event")
        .send()
        .await
        .expect("empty")
        .into_inner();
    assert_eq!((nothing.total, nothing.events.len()), (0, 0));

    let streamed: Vec<t::Event> = cso
        .list_events()
        .stream()
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(streamed, list.events);

    // Failures: a limit above 250, an unknown attribute, a wrong key.
    let err = assert_failure(cso.list_events().limit(251u64).send().await, 400, "");
    assert!(
        entries(&err)
            .iter()
            .all(|(t, _)| t.starts_with("api.error"))
    );
    let err = assert_failure(
        cso.with_filters(Filters::new().eq("colour", "red"))
            .list_events()
            .send()
            .await,
        400,
        "unknown attribute 'colour'",
    );
    assert_eq!(entries(&err)[0].0, "api.error.validation");
    let wrong = spendapi_client::cso(sb.base.as_str(), "not-the-key").expect("client");
    let err = assert_failure(
        wrong.list_events().send().await,
        401,
        "Missing or invalid X-CSO-API-KEY header.",
    );
    assert_eq!(err.kind(), VendorErrorKind::Response);
}

#[tokio::test]
async fn create_events_numbers_increase() {
    let sb = start().await;
    let cso = sb.cso();
    // The vendor page's create payload: two events in one market.
    let request: t::EventCreateRequest = from_json(json!({"events": [
        {"market-id": "9220538753220565329", "name": "IT Hardware and Services 2021",
         "description": "direct Services", "reference-number": "DEMO-ref1",
         "settings": {"currency": "USD"}},
        {"market-id": "9220538753220565329", "state": "Active", "name": "Services ONLY",
         "time-zone": "Europe/Stockholm", "settings": {"currency": "EUR"}}
    ]}));
    let created = cso
        .create_events()
        .body(request)
        .send()
        .await
        .expect("create");
    assert_eq!(created.status().as_u16(), 201);
    let created = created.into_inner();
    assert_eq!(created.added, 2);
    assert_eq!(created.result.len(), 1);
    assert_eq!(created.result[0].type_, "api.post.added");
    assert_eq!(
        created.result[0].description.as_deref(),
        Some("2 objects created.")
    );
    let new_ids: Vec<String> = created.events.iter().map(|e| e.id.to_string()).collect();
    assert_eq!(new_ids.len(), 2);
    assert!(new_ids.iter().all(|id| id.len() == 19), "{new_ids:?}");
    assert!(new_ids[0] < new_ids[1], "ids in request order");

    // Read back: event numbers continue after the highest seeded one, in request order.
    let mut numbers = Vec::new();
    for id in &new_ids {
        let event = cso
            .get_event()
            .id(id.as_str())
            .send()
            .await
            .expect("show")
            .into_inner();
        numbers.push(event.event_number.expect("event-number"));
    }
    assert_eq!(numbers, [1603, 1604]);
    let first = cso
        .get_event()
        .id(new_ids[0].as_str())
        .send()
        .await
        .expect("show")
        .into_inner();
    assert_eq!(first.state, Some(t::EventState::Setup), "default state");
    assert_eq!(first.reference_number.as_deref(), Some("DEMO-ref1"));
    let second = cso
        .get_event()
        .id(new_ids[1].as_str())
        .send()
        .await
        .expect("show")
        .into_inner();
    assert_eq!(second.state, Some(t::EventState::Active));
    assert_eq!(second.time_zone.as_deref(), Some("Europe/Stockholm"));
    // A later create keeps counting.
    let later = cso
        .create_events()
        .body(from_json::<t::EventCreateRequest>(json!({"events": [
            {"market-id": "9220538753220565329", "name": "Later"}
        ]})))
        .send()
        .await
        .expect("create")
        .into_inner();
    let later_event = cso
        .get_event()
        .id(later.events[0].id.to_string().as_str())
        .send()
        .await
        .expect("show")
        .into_inner();
    assert_eq!(later_event.event_number, Some(1605));
    assert!(later.events[0].id.to_string() > new_ids[1]);
    let listed = cso.list_events().send().await.expect("list").into_inner();
    assert_eq!(listed.total, 8);

    // Failures: an empty list (minItems 1) and a missing market-id are 400; a wrong key 401.
    assert_failure(
        cso.create_events()
            .body(from_json::<t::EventCreateRequest>(json!({"events": []})))
            .send()
            .await,
        400,
        "",
    );
    let raw = sb
        .http
        .post(sb.url("/api/events"))
        .header("X-CSO-API-KEY", CSO_KEY)
        .json(&json!({"events": [{"name": "No market"}]}))
        .send()
        .await
        .expect("raw create");
    let err = VendorError::from_response(raw).await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert!(
        err.messages().iter().any(|m| m.contains("market-id")),
        "{:?}",
        err.messages()
    );
    let wrong = spendapi_client::cso(sb.base.as_str(), "nope").expect("client");
    assert_failure(
        wrong
            .create_events()
            .body(from_json::<t::EventCreateRequest>(json!({"events": [
                {"market-id": "1", "name": "x"}
            ]})))
            .send()
            .await,
        401,
        "X-CSO-API-KEY",
    );
    assert_eq!(
        cso.list_events()
            .send()
            .await
            .expect("list")
            .into_inner()
            .total,
        8,
        "nothing created by the failures"
    );
}

#[tokio::test]
async fn update_events_is_lenient_and_market_id_is_immutable() {
    let sb = start().await;
    let cso = sb.cso();
    let (first, second) = (SEEDED[0].0, SEEDED[1].0);
    let update: t::EventUpdateRequest = from_json(json!({"events": [
        {"id": first, "state": "Active", "name": "APC Training Project-ABC",
         "reference-number": "DEMO-reference"},
        {"id": "9220538753252879999", "name": "Nobody"},
        {"id": second, "description": "changed", "settings": {"currency": "NOK"}}
    ]}));
    let outcome = cso
        .update_events()
        .body(update)
        .send()
        .await
        .expect("bulk update")
        .into_inner();
    assert_eq!(outcome.updated, 2);
    assert_eq!(outcome.result[0].type_, "api.put.updated");
    assert_eq!(
        outcome.result[0].description.as_deref(),
        Some("2 objects updated.")
    );
    let failed: Vec<_> = outcome.result[1..]
        .iter()
        .map(|e| (e.type_.as_str(), text(&e.id).map(str::to_owned)))
        .collect();
    assert_eq!(
        failed,
        [(
            "api.put.error.not_found",
            Some("9220538753252879999".to_owned())
        )]
    );
    let one = cso
        .get_event()
        .id(first)
        .send()
        .await
        .expect("show")
        .into_inner();
    assert_eq!(one.name.as_deref(), Some("APC Training Project-ABC"));
    assert_eq!(one.state, Some(t::EventState::Active));
    assert_eq!(one.reference_number.as_deref(), Some("DEMO-reference"));
    assert_eq!(one.description.as_deref(), Some("For Bids"), "kept");
    assert_eq!(one.event_number, Some(10), "kept");
    let two = cso
        .get_event()
        .id(second)
        .send()
        .await
        .expect("show")
        .into_inner();
    assert_eq!(two.description.as_deref(), Some("changed"));
    assert_eq!(
        two.settings.as_ref().and_then(|s| s.currency.as_deref()),
        Some("NOK")
    );

    // `market-id` and `event-number` are not in the update schemas; sent anyway (a raw
    // body), they change nothing.
    let raw = sb
        .http
        .put(sb.url("/api/events"))
        .header("X-CSO-API-KEY", CSO_KEY)
        .json(&json!({"events": [
            {"id": first, "market-id": "1111111111111111111", "event-number": 1, "name": "Moved?"}
        ]}))
        .send()
        .await
        .expect("raw bulk update");
    assert_eq!(raw.status(), 200);
    let after = cso
        .get_event()
        .id(first)
        .send()
        .await
        .expect("show")
        .into_inner();
    assert_eq!(after.name.as_deref(), Some("Moved?"));
    assert_eq!(
        text(&after.market_id).map(str::to_owned),
        Some("9219595214580536433".to_owned())
    );
    assert_eq!(after.event_number, Some(10));

    // Failures: an empty list, a wrong key.
    let err = assert_failure(
        cso.update_events()
            .body(from_json::<t::EventUpdateRequest>(json!({"events": []})))
            .send()
            .await,
        400,
        "",
    );
    assert!(!entries(&err).is_empty());
    let wrong = spendapi_client::cso(sb.base.as_str(), "nope").expect("client");
    assert_failure(
        wrong
            .update_events()
            .body(from_json::<t::EventUpdateRequest>(
                json!({"events": [{"id": first}]}),
            ))
            .send()
            .await,
        401,
        "",
    );
    // An unknown state in a raw body: 400 in the CSO envelope.
    let raw = sb
        .http
        .put(sb.url("/api/events"))
        .header("X-CSO-API-KEY", CSO_KEY)
        .json(&json!({"events": [{"id": first, "state": "Closed"}]}))
        .send()
        .await
        .expect("raw bulk update");
    let err = VendorError::from_response(raw).await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert!(!entries(&err).is_empty());
}

#[tokio::test]
async fn delete_events_reports_each_item() {
    let sb = start().await;
    let cso = sb.cso();
    let request: t::EventDeleteRequest = from_json(json!({"events": [
        {"id": SEEDED[0].0},
        {"id": "9220538753252879999"},
        {"id": SEEDED[4].0}
    ]}));
    let outcome = cso
        .delete_events()
        .body(request)
        .send()
        .await
        .expect("bulk delete")
        .into_inner();
    assert_eq!(outcome.deleted, 2);
    let entries_: Vec<_> = outcome
        .result
        .iter()
        .map(|e| {
            (
                e.type_.as_str(),
                text(&e.id).map(str::to_owned),
                e.description.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        entries_,
        [
            (
                "event.deleted.logMsg",
                Some(SEEDED[0].0.to_owned()),
                "The event APC Training Project was deleted.".to_owned()
            ),
            (
                "api.delete.error.not_found",
                Some("9220538753252879999".to_owned()),
                "Event 9220538753252879999 was not found.".to_owned()
            ),
            (
                "event.deleted.logMsg",
                Some(SEEDED[4].0.to_owned()),
                "The event !*** Test procedures ***! (for backup purposes only) was deleted."
                    .to_owned()
            ),
        ]
    );
    let left = cso.list_events().send().await.expect("list").into_inner();
    assert_eq!(left.total, 3);
    assert_failure(cso.get_event().id(SEEDED[0].0).send().await, 404, "");

    // Failures: an empty list, a wrong key.
    assert_failure(
        cso.delete_events()
            .body(from_json::<t::EventDeleteRequest>(json!({"events": []})))
            .send()
            .await,
        400,
        "",
    );
    let wrong = spendapi_client::cso(sb.base.as_str(), "nope").expect("client");
    assert_failure(
        wrong
            .delete_events()
            .body(from_json::<t::EventDeleteRequest>(
                json!({"events": [{"id": SEEDED[1].0}]}),
            ))
            .send()
            .await,
        401,
        "",
    );
    assert_eq!(
        cso.list_events()
            .send()
            .await
            .expect("list")
            .into_inner()
            .total,
        3
    );
}

#[tokio::test]
async fn get_update_and_delete_one_event() {
    let sb = start().await;
    let cso = sb.cso();
    let id = SEEDED[1].0;
    let event = cso
        .get_event()
        .id(id)
        .send()
        .await
        .expect("show")
        .into_inner();
    assert_eq!(event.id.to_string(), id);
    assert_eq!(event.name.as_deref(), Some("API - Data storage"));
    assert_eq!(event.description.as_deref(), Some("Hamno Testing"));
    assert_eq!(event.event_number, Some(11));
    assert_eq!(event.state, Some(t::EventState::Setup));

    let updated = cso
        .update_event()
        .id(id)
        .body(from_json::<t::EventUpdate>(json!({
            "state": "Terminated", "name": "API - Data storage (closed)"
        })))
        .send()
        .await
        .expect("update")
        .into_inner();
    assert_eq!(updated.updated, 1);
    assert_eq!(updated.result[0].type_, "api.put.updated");
    let read = cso
        .get_event()
        .id(id)
        .send()
        .await
        .expect("show")
        .into_inner();
    assert_eq!(read.state, Some(t::EventState::Terminated));
    assert_eq!(read.name.as_deref(), Some("API - Data storage (closed)"));
    assert_eq!(read.market_id, event.market_id, "market-id kept");
    assert_eq!(read.time_zone.as_deref(), Some("Europe/Stockholm"));
    // A raw body naming another market changes nothing but what the schema allows.
    let raw = sb
        .http
        .put(sb.url(&format!("/api/events/{id}")))
        .header("X-CSO-API-KEY", CSO_KEY)
        .json(&json!({"market-id": "2222222222222222222", "description": "raw"}))
        .send()
        .await
        .expect("raw update");
    assert_eq!(raw.status(), 200);
    let read = cso
        .get_event()
        .id(id)
        .send()
        .await
        .expect("show")
        .into_inner();
    assert_eq!(read.market_id, event.market_id);
    assert_eq!(read.description.as_deref(), Some("raw"));

    let deleted = cso
        .delete_event()
        .id(id)
        .send()
        .await
        .expect("delete")
        .into_inner();
    assert_eq!(deleted.deleted, 1);
    assert_eq!(deleted.result[0].type_, "event.deleted.logMsg");
    assert_eq!(
        text(&deleted.result[0].id).map(str::to_owned),
        Some(id.to_owned())
    );

    // 404 for the deleted id on each per-id operation, in the CSO envelope with the id.
    let unknown = "9220538753252879999";
    for err in [
        assert_failure(cso.get_event().id(id).send().await, 404, "was not found"),
        assert_failure(
            cso.update_event()
                .id(unknown)
                .body(t::EventUpdate::default())
                .send()
                .await,
            404,
            "was not found",
        ),
        assert_failure(cso.delete_event().id(id).send().await, 404, "was not found"),
    ] {
        let found = entries(&err);
        assert_eq!(found[0].0, "api.error.not_found");
        assert!(found[0].1.is_some());
    }
    // A malformed id is refused by the typed client before it is sent, and by the server.
    let err = VendorError::from(cso.get_event().id("abc").send().await.expect_err("invalid"));
    assert_eq!(err.kind(), VendorErrorKind::InvalidRequest);
    let raw = sb
        .http
        .get(sb.url("/api/events/abc"))
        .header("X-CSO-API-KEY", CSO_KEY)
        .send()
        .await
        .expect("raw");
    let err = VendorError::from_response(raw).await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    let wrong = spendapi_client::cso(sb.base.as_str(), "nope").expect("client");
    assert_failure(wrong.get_event().id(SEEDED[0].0).send().await, 401, "");
    assert_failure(
        wrong
            .update_event()
            .id(SEEDED[0].0)
            .body(t::EventUpdate::default())
            .send()
            .await,
        401,
        "",
    );
    assert_failure(wrong.delete_event().id(SEEDED[0].0).send().await, 401, "");
}
