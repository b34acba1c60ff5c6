//! Filters and `fields` reach the server as exact query strings.

use spendapi_client::{Attr, ClientExt, CoupaAuth, Fields, Filters, FiltersExt};

use crate::support::{ACCOUNTS, EVENTS, Reply, Server};

#[tokio::test]
async fn cso_filters_are_appended_by_the_pre_hook() {
    let server =
        Server::start(|_| Reply::json(200, serde_json::json!({"total": 0, "events": []}))).await;
    let events = server.config().cso("key").expect("client");
    let ltl = events.with_filters(
        Filters::new()
            .contains("name", "LTL")
            .is_in("state", ["Setup", "Active"])
            .gt("event-number", 100),
    );
    ltl.list_events().limit(25u64).send().await.expect("list");
    // The unfiltered client is unchanged.
    events.list_events().send().await.expect("list");

    let sent: Vec<_> = server
        .requests_to(EVENTS)
        .into_iter()
        .map(|r| r.query)
        .collect();
    assert_eq!(
        sent,
        [
            Some(
                "limit=25&name%5Bcontains%5D=LTL&state%5Bin%5D=Setup%2CActive&event-number%5Bgt%5D=100"
                    .to_owned()
            ),
            None,
        ]
    );
}

#[tokio::test]
async fn coupa_filters_every_operator_and_fields() {
    let server = Server::start(|_| Reply::json(200, serde_json::json!([]))).await;
    let coupa = server
        .config()
        .coupa(CoupaAuth::bearer("t"))
        .expect("client");
    let updated =
        chrono::DateTime::parse_from_rfc3339("2016-10-07T06:59:46-07:00").expect("datetime");
    let filters = Filters::new()
        .eq(Attr::assoc("account-type", "name"), "Ace")
        .eq("active", true)
        .contains("name", "Mark")
        .starts_with("code", "SF-")
        .ends_with("code", "-6100")
        .gt("updated-at", updated)
        .lt("id", 1000)
        .gt_or_eq("id", 10)
        .lt_or_eq("id", 999)
        .not_eq("segment-2", "MKT")
        .is_in("segment-1", ["SF", "NY"])
        .not_in("segment-3", ["6100", "6200"])
        .blank("segment-4", true);
    coupa
        .accounts
        .with_filters(filters)
        .list_accounts()
        .fields(Fields::of(["id", "code"]).nested("account-type", Fields::of(["name"])))
        .limit(50u64)
        .send()
        .await
        .expect("list");

    let r = &server.requests_to(ACCOUNTS)[0];
    assert_eq!(
        r.query.as_deref(),
        Some(concat!(
            "fields=%5B%22id%22%2C%22code%22%2C%7B%22account-type%22%3A%5B%22name%22%5D%7D%5D",
            "&limit=50",
            "&account-type%5Bname%5D=Ace",
            "&active=true",
            "&name%5Bcontains%5D=Mark",
            "&code%5Bstarts_with%5D=SF-",
            "&code%5Bends_with%5D=-6100",
            "&updated-at%5Bgt%5D=2016-10-07T06%3A59%3A46-07%3A00",
            "&id%5Blt%5D=1000",
            "&id%5Bgt_or_eq%5D=10",
            "&id%5Blt_or_eq%5D=999",
            "&segment-2%5Bnot_eq%5D=MKT",
            "&segment-1%5Bin%5D=SF%2CNY",
            "&segment-3%5Bnot_in%5D=6100%2C6200",
            "&segment-4%5Bblank%5D=true",
        ))
    );
    // Decoded, as the server reads them.
    let pairs = r.query_pairs();
    assert_eq!(
        pairs[0],
        (
            "fields".to_owned(),
            r#"["id","code",{"account-type":["name"]}]"#.to_owned()
        )
    );
    assert!(pairs.contains(&("account-type[name]".to_owned(), "Ace".to_owned())));
    assert!(pairs.contains(&(
        "updated-at[gt]".to_owned(),
        "2016-10-07T06:59:46-07:00".to_owned()
    )));
}

#[tokio::test]
async fn filters_on_a_raw_reqwest_request() {
    let server = Server::start(|_| Reply::json(200, serde_json::json!([]))).await;
    reqwest::Client::new()
        .get(format!("{}{ACCOUNTS}", server.base))
        .query(&[("offset", "50")])
        .coupa_filters(
            &Filters::new()
                .eq("segment-1", "SF")
                .blank("segment-2", false),
        )
        .send()
        .await
        .expect("response");
    assert_eq!(
        server.requests_to(ACCOUNTS)[0].query.as_deref(),
        Some("offset=50&segment-1=SF&segment-2%5Bblank%5D=false")
    );
}

#[tokio::test]
async fn send_filtered_applies_to_that_request_only_after_the_handles_filters() {
    let server = Server::start(|_| Reply::json(200, serde_json::json!([]))).await;
    let coupa = server
        .config()
        .coupa(CoupaAuth::bearer("t"))
        .expect("client");
    let active = coupa
        .accounts
        .with_filters(Filters::new().eq("active", true));
    active
        .list_accounts()
        .limit(10u64)
        .send_filtered(
            Filters::new()
                .starts_with("code", "SF-")
                .fields(Fields::of(["id", "code"])),
        )
        .await
        .expect("list");
    // The same handle, unfiltered per request: only the handle's filters.
    active.list_accounts().send().await.expect("list");

    let sent: Vec<_> = server
        .requests_to(ACCOUNTS)
        .into_iter()
        .map(|r| r.query_pairs())
        .collect();
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    assert_eq!(
        sent,
        [
            pairs(&[
                ("limit", "10"),
                ("active", "true"),
                ("code[starts_with]", "SF-"),
                ("fields", "[\"id\",\"code\"]"),
            ]),
            pairs(&[("active", "true")]),
        ]
    );
}

#[tokio::test]
async fn stream_filtered_sends_the_filters_with_every_page() {
    // Two full CSO pages of 250, then a short one.
    let server = Server::start(|r| {
        let offset: usize = r
            .query_param("offset")
            .and_then(|o| o.parse().ok())
            .unwrap_or(0);
        let count = if offset < 500 { 250 } else { 3 };
        let events: Vec<_> = (0..count)
            .map(|n| serde_json::json!({"id": format!("{}", offset + n), "name": "LTL"}))
            .collect();
        Reply::json(200, serde_json::json!({"total": 503, "events": events}))
    })
    .await;
    let events = server.config().cso("key").expect("client");
    let all: Vec<_> = futures::TryStreamExt::try_collect(
        events
            .list_events()
            .stream_filtered(Filters::new().contains("name", "LTL")),
    )
    .await
    .expect("every page");
    assert_eq!(all.len(), 503);
    let requests = server.requests_to(EVENTS);
    assert_eq!(requests.len(), 3);
    for request in &requests {
        assert_eq!(
            request.query_param("name[contains]").as_deref(),
            Some("LTL")
        );
    }
}
