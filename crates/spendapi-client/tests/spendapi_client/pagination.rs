//! Walking real indexes through the generated clients: no record skipped or repeated at page
//! boundaries, the walk stops where it should.

use futures::TryStreamExt;
use spendapi_client::pagination::{CsoPage, coupa_index, cso_index};
use spendapi_client::{CoupaAuth, VendorError};

use crate::support::{ACCOUNTS, EVENTS, Recorded, Reply, Server};

fn offset_limit(r: &Recorded) -> (u64, u64) {
    let offset = r
        .query_param("offset")
        .map_or(0, |v| v.parse().expect("offset"));
    let limit = r
        .query_param("limit")
        .map_or(50, |v| v.parse().expect("limit"));
    (offset, limit)
}

/// A Coupa accounts index holding ids `1..=n`; `xml_semantics` answers 404 for an empty page.
async fn coupa_accounts(n: u64, xml_semantics: bool) -> Server {
    Server::start(move |r| {
        let (offset, limit) = offset_limit(r);
        let ids: Vec<u64> = (offset + 1..=n.min(offset + limit.min(50))).collect();
        if ids.is_empty() && xml_semantics {
            return Reply::json(
                404,
                serde_json::json!({"errors": {"account": ["Not found"]}}),
            );
        }
        let page: Vec<_> = ids.iter().map(|id| serde_json::json!({"id": id})).collect();
        Reply::json(200, serde_json::Value::Array(page))
    })
    .await
}

async fn walk_accounts(server: &Server, page_size: u64) -> Vec<i64> {
    let coupa = server
        .config()
        .coupa(CoupaAuth::bearer("t"))
        .expect("client");
    let accounts = &coupa.accounts;
    coupa_index(page_size, |page| async move {
        let list = accounts
            .list_accounts()
            .offset(page.offset)
            .limit(page.limit)
            .send()
            .await?;
        Ok::<_, VendorError>(list.into_inner().0)
    })
    .map_ok(|account| account.id.expect("id"))
    .try_collect()
    .await
    .expect("walk")
}

#[tokio::test]
async fn coupa_index_walks_every_account_once() {
    let size = 3;
    for n in [0, 1, size - 1, size, size + 1, 2 * size, 2 * size + 1] {
        for xml_semantics in [false, true] {
            let server = coupa_accounts(n, xml_semantics).await;
            let ids = walk_accounts(&server, size).await;
            let expected: Vec<i64> = (1..=n as i64).collect();
            assert_eq!(ids, expected, "n = {n}, 404 at end: {xml_semantics}");
            let pages: Vec<_> = server
                .requests_to(ACCOUNTS)
                .iter()
                .map(offset_limit)
                .collect();
            let expected_pages: Vec<_> = (0..=n / size).map(|i| (i * size, size)).collect();
            assert_eq!(
                pages, expected_pages,
                "n = {n}, 404 at end: {xml_semantics}"
            );
        }
    }
}

#[tokio::test]
async fn coupa_index_pages_are_at_most_fifty() {
    let server = coupa_accounts(120, false).await;
    let ids = walk_accounts(&server, 500).await;
    assert_eq!(ids, (1..=120).collect::<Vec<i64>>());
    let pages: Vec<_> = server
        .requests_to(ACCOUNTS)
        .iter()
        .map(offset_limit)
        .collect();
    assert_eq!(pages, [(0, 50), (50, 50), (100, 50)]);
}

#[tokio::test]
async fn coupa_index_stops_at_the_first_error() {
    let server = Server::start(|r| {
        let (offset, _) = offset_limit(r);
        if offset == 0 {
            Reply::json(200, serde_json::json!([{"id": 1}, {"id": 2}]))
        } else {
            Reply::json(403, serde_json::json!({"errors": {"base": ["Forbidden"]}}))
        }
    })
    .await;
    let coupa = server
        .config()
        .coupa(CoupaAuth::bearer("t"))
        .expect("client");
    let accounts = &coupa.accounts;
    let results: Vec<Result<_, VendorError>> =
        futures::StreamExt::collect(coupa_index(2, |page| async move {
            let list = accounts
                .list_accounts()
                .offset(page.offset)
                .limit(page.limit)
                .send()
                .await?;
            Ok(list.into_inner().0)
        }))
        .await;
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[1].is_ok());
    let err = results[2].as_ref().expect_err("the 403");
    assert_eq!(err.status(), Some(reqwest::StatusCode::FORBIDDEN));
    assert_eq!(server.count(ACCOUNTS), 2);
}

/// A CSO events index of `n` events that serves at most `server_max` per page.
async fn cso_events(n: u64, server_max: u64) -> Server {
    Server::start(move |r| {
        let (offset, limit) = offset_limit(r);
        let events: Vec<_> = (offset..n.min(offset + limit.min(server_max)))
            .map(|i| {
                serde_json::json!({
                    "id": format!("{:019}", 9_000_000_000_000_000_000u64 + i),
                    "event-number": i as i64 + 1,
                    "market-id": "42",
                    "state": "Setup",
                })
            })
            .collect();
        Reply::json(200, serde_json::json!({"total": n, "events": events}))
    })
    .await
}

async fn walk_events(server: &Server, page_size: u64) -> Vec<i64> {
    let events = server.config().cso("key").expect("client");
    let events = &events;
    cso_index(page_size, |page| async move {
        let list = events
            .list_events()
            .offset(page.offset)
            .limit(page.limit)
            .send()
            .await?;
        Ok::<_, VendorError>(CsoPage::from(list.into_inner()))
    })
    .map_ok(|event| event.event_number.expect("every event here has a number"))
    .try_collect()
    .await
    .expect("walk")
}

#[tokio::test]
async fn cso_index_walks_every_event_once() {
    let size = 4;
    for n in [0, 1, size - 1, size, size + 1, 2 * size, 2 * size + 1] {
        let server = cso_events(n, 250).await;
        let numbers = walk_events(&server, size).await;
        assert_eq!(numbers, (1..=n as i64).collect::<Vec<_>>(), "n = {n}");
        let offsets: Vec<_> = server
            .requests_to(EVENTS)
            .iter()
            .map(|r| offset_limit(r).0)
            .collect();
        let expected: Vec<_> = (0..n.div_ceil(size).max(1)).map(|i| i * size).collect();
        assert_eq!(
            offsets, expected,
            "n = {n}: total ends the walk without an extra request"
        );
    }
    // A server serving fewer than asked: offsets advance by what was received.
    let server = cso_events(7, 3).await;
    assert_eq!(walk_events(&server, 250).await, (1..=7).collect::<Vec<_>>());
    let offsets: Vec<_> = server
        .requests_to(EVENTS)
        .iter()
        .map(|r| offset_limit(r).0)
        .collect();
    assert_eq!(offsets, [0, 3, 6]);
}

/// The `stream()` generated on every index builder: the spec's page size (50 for Coupa, 250
/// for CSO), the builder's other arguments kept on every page, every record once.
#[tokio::test]
async fn generated_streams_walk_with_the_spec_page_size_and_keep_the_arguments() {
    let server = coupa_accounts(120, false).await;
    let coupa = server
        .config()
        .coupa(CoupaAuth::bearer("t"))
        .expect("client");
    let ids: Vec<i64> = coupa
        .accounts
        .list_accounts()
        .order_by("id")
        .limit(7u64)
        .stream()
        .map_ok(|account| account.id.expect("id"))
        .try_collect()
        .await
        .expect("walk");
    assert_eq!(ids, (1..=120).collect::<Vec<i64>>());
    let requests = server.requests_to(ACCOUNTS);
    let pages: Vec<_> = requests.iter().map(offset_limit).collect();
    assert_eq!(pages, [(0, 50), (50, 50), (100, 50)]);
    assert!(
        requests
            .iter()
            .all(|r| r.query_param("order_by").as_deref() == Some("id")),
        "every page keeps the builder's order_by"
    );

    let server = cso_events(600, 250).await;
    let events = server.config().cso("key").expect("client");
    let numbers: Vec<i64> = events
        .list_events()
        .stream()
        .map_ok(|event| event.event_number.expect("every event has a number"))
        .try_collect()
        .await
        .expect("walk");
    assert_eq!(numbers, (1..=600).collect::<Vec<i64>>());
    let pages: Vec<_> = server
        .requests_to(EVENTS)
        .iter()
        .map(offset_limit)
        .collect();
    assert_eq!(pages, [(0, 250), (250, 250), (500, 250)]);
}

#[tokio::test]
async fn a_generated_stream_yields_the_vendor_error_and_stops() {
    let server = Server::start(|r| {
        let (offset, _) = offset_limit(r);
        if offset == 0 {
            Reply::json(200, serde_json::json!({"total": 300, "events": (0..250).map(|i| serde_json::json!({"id": format!("{:019}", 9_000_000_000_000_000_000u64 + i), "event-number": i + 1, "market-id": "42", "state": "Setup"})).collect::<Vec<_>>()}))
        } else {
            Reply::json(
                403,
                serde_json::json!({"result": [{"type": "api.error.forbidden", "description": "Forbidden"}]}),
            )
        }
    })
    .await;
    let events = server.config().cso("key").expect("client");
    let results: Vec<Result<_, VendorError>> =
        futures::StreamExt::collect(events.list_events().stream()).await;
    assert_eq!(results.len(), 251);
    let err = results[250].as_ref().expect_err("the 403");
    assert_eq!(err.status(), Some(reqwest::StatusCode::FORBIDDEN));
    assert_eq!(err.messages(), ["Forbidden"]);
    assert_eq!(server.count(EVENTS), 2);
}
