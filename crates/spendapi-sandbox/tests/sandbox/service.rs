//! What test suites and browsers use: reset, fault injection, docs and specs.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{ALL_COUPA, start};

#[tokio::test]
async fn reset_restores_the_seed_behind_the_admin_token() {
    let sb = start().await;
    let response = sb
        .cso(Method::DELETE, "/api/events/9219601944812992706")
        .send()
        .await
        .expect("delete");
    assert_eq!(response.status(), 200);
    let response = sb
        .http
        .post(sb.url("/_sandbox/reset"))
        .send()
        .await
        .expect("reset");
    assert_eq!(response.status(), 401);
    let response = sb
        .http
        .post(sb.url("/_sandbox/reset"))
        .bearer_auth("sandbox-admin")
        .send()
        .await
        .expect("reset");
    assert_eq!(response.status(), 204);
    let list: Value = sb
        .cso(Method::GET, "/api/events")
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("JSON");
    assert_eq!(list["total"], 5);
    // Numbering starts over from the seed.
    let created: Value = sb
        .cso(Method::POST, "/api/events")
        .json(&json!({"events": [{"market-id": "1"}]}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("JSON");
    let id = created["events"][0]["id"].as_str().expect("id");
    let event: Value = sb
        .cso(Method::GET, &format!("/api/events/{id}"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("JSON");
    assert_eq!(event["event-number"], 1603);
}

#[tokio::test]
async fn injected_faults_use_the_vendor_format() {
    let sb = start().await;
    let token = sb.coupa_token(ALL_COUPA).await;
    for code in [429u16, 500, 503] {
        let response = sb
            .http
            .get(sb.url("/api/accounts"))
            .bearer_auth(&token)
            .header("accept", "application/xml")
            .header("X-Sandbox-Fault", code.to_string())
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), code);
        assert_eq!(response.headers().contains_key("retry-after"), code == 429);
        let text = response.text().await.expect("body");
        assert!(text.contains("<errors>"), "{text}");
    }
    let response = sb
        .cso(Method::GET, "/api/events")
        .header("X-Sandbox-Fault", "429")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "1");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["result"][0]["type"], "api.error.too_many_requests");
    let response = sb
        .http
        .get(sb.url("/expensereports/v4/users/32c2fcc3-b2e8-4907-9672-5b3f49b1c643/context/TRAVELER/reports/764428DD6A664AF0BFCB/allocations/3BBB494511E1C74DA04469C45B039871"))
        .header("X-Sandbox-Fault", "503")
        .header("concur-correlationid", "c-1")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["concur-correlationid"], "c-1");
    let body: Value = response.json().await.expect("JSON");
    assert!(body["errorMessage"].is_string());
    // The next request is served normally.
    let (status, _) = sb.coupa_get(&token, "/api/accounts").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn docs_and_specs_are_served() {
    let sb = start().await;
    let response = sb.http.get(sb.url("/docs/")).send().await.expect("docs");
    assert_eq!(response.status(), 200);
    let initializer = sb
        .http
        .get(sb.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .expect("initializer")
        .text()
        .await
        .expect("text");
    assert!(
        initializer.contains("/openapi/cso-events.yaml"),
        "{initializer}"
    );
    // Every spec in openapi/ is served, found by build.rs, not named in the sandbox.
    let root = spendapi_spec::workspace_root();
    let names: Vec<String> = spendapi_spec::spec_files(&root)
        .expect("specs")
        .iter()
        .map(|path| spendapi_spec::api_name(path))
        .collect();
    assert!(names.len() >= 5, "{names:?}");
    for name in &names {
        assert!(
            initializer.contains(&format!("/openapi/{name}.yaml")),
            "{name}"
        );
        let fetch = |extension: &'static str| {
            let url = sb.url(&format!("/openapi/{name}.{extension}"));
            let http = sb.http.clone();
            async move {
                let response = http.get(url).send().await.expect("spec");
                assert_eq!(response.status(), 200);
                let media_type = response.headers()["content-type"].clone();
                (media_type, response.text().await.expect("text"))
            }
        };
        let (media_type, text) = fetch("yaml").await;
        assert_eq!(media_type, "application/yaml");
        // The one YAML writer quotes what YAML 1.1 readers would not read as a string.
        assert!(text.starts_with("openapi: \"3.0.3\"\n"), "{name}");
        assert!(
            text.contains(&format!("url: {}\n", sb.base)),
            "{name}: servers point at the sandbox"
        );
        assert!(!text.contains("sandbox.invalid"), "{name}");
        assert!(
            !text.contains("x-unconfirmed"),
            "{name}: extensions stripped"
        );
        assert!(!text.contains("$ref: ./common"), "{name}: bundled");
        let (media_type, json) = fetch("json").await;
        assert_eq!(media_type, "application/json");
        let json: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(
            spendapi_spec::parse(&text).expect("YAML"),
            json,
            "{name}: the YAML and its JSON twin say the same"
        );
    }
    let response = sb
        .http
        .get(sb.url("/openapi/cso-events.txt"))
        .send()
        .await
        .expect("spec");
    assert_eq!(response.status(), 404);
}

/// Datetime columns order and compare as instants on both backends, whatever the fractional
/// digits written (`…:11Z` before `…:11.5Z`; as text with variable digits it sorted after).
#[tokio::test]
async fn stored_times_sort_as_instants() {
    use spendapi_sandbox::store::{self, Bind, Pred, Select, SqlOp};

    let db = crate::pg::backend_db(":memory:");
    let store = store::Store::open(&db).await.expect("open");
    let mut tx = store.begin().await.expect("tx");
    tx.put(
        &store::ACCOUNT_TYPES,
        &json!({"id": 1, "name": "US Chart of Accounts"}),
    )
    .await
    .expect("account type");
    for (id, at) in [
        (1, "2024-05-02T21:03:11.5Z"),
        (2, "2024-05-02T21:03:11Z"),
        (3, "2024-05-02T14:03:11.25-07:00"),
        (4, "2024-05-02T21:03:10.999999Z"),
    ] {
        let doc =
            json!({"id": id, "account-type-id": 1, "code": format!("C{id}"), "updated-at": at});
        tx.put(&store::ACCOUNTS, &doc).await.expect("put");
    }
    tx.commit().await.expect("commit");
    let ids = |docs: Vec<Value>| -> Vec<i64> {
        docs.iter().map(|d| d["id"].as_i64().expect("id")).collect()
    };
    let ordered = store
        .list(
            &store::ACCOUNTS,
            &Select {
                order: Some(("updated_at", false)),
                ..Select::default()
            },
        )
        .await
        .expect("list");
    assert_eq!(ids(ordered), [4, 2, 3, 1]);
    let after = store
        .list(
            &store::ACCOUNTS,
            &Select {
                preds: vec![Pred {
                    column: "updated_at",
                    op: SqlOp::Gt,
                    value: Bind::Time(store::parse_time("2024-05-02T21:03:11Z").expect("time")),
                }],
                ..Select::default()
            },
        )
        .await
        .expect("list");
    assert_eq!(ids(after), [1, 3]);
}

/// NUL in a filter, a path or a stored name is text like any other, on both backends
/// (PostgreSQL cannot hold NUL in a text column).
#[tokio::test]
async fn nul_characters_are_not_server_errors() {
    let sb = start().await;
    let token = sb.coupa_token(ALL_COUPA).await;
    let (status, body) = sb
        .coupa_get(
            &token,
            "/api/accounts?name%5Bcontains%5D=%00&code%5Bstarts_with%5D=a%00&segment-1=%00",
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!([]));
    let response = sb
        .cso(Method::POST, "/api/events")
        .json(&json!({"events": [{"market-id": "7", "name": "a\u{0}b"}]}))
        .send()
        .await
        .expect("create");
    assert_eq!(response.status(), 201);
    for (query, total) in [
        ("name=a%00b", 1),
        ("name%5Bcontains%5D=%00", 1),
        ("name=a%EF%BF%BDb", 0),
    ] {
        let list: Value = sb
            .cso(Method::GET, &format!("/api/events?{query}"))
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("JSON");
        assert_eq!(list["total"], total, "{query}");
    }
    let response = sb
        .cso(Method::GET, "/api/events/9%00")
        .send()
        .await
        .expect("show");
    assert!(response.status().is_client_error(), "{}", response.status());
}

/// `/healthz` answers 200 while the database does; on SQLite it also counts the committed
/// write transactions (each one fsync), which grow with each acknowledged write.
#[tokio::test]
async fn healthz_counts_commits_on_sqlite() {
    let sb = crate::support::start_file().await;
    let health = |sb: &crate::support::Sb| {
        let request = sb.http.get(sb.url("/healthz"));
        async move {
            let response = request.send().await.expect("healthz");
            assert_eq!(response.status(), 200);
            let body: Value = response.json().await.expect("JSON");
            assert_eq!(body["status"], "ok");
            body["commits"].as_u64().expect("a commit count on SQLite")
        }
    };
    let before = health(&sb).await;
    let response = sb
        .cso(Method::POST, "/api/events")
        .json(&json!({"events": [{"market-id": "1"}]}))
        .send()
        .await
        .expect("create");
    assert!(response.status().is_success(), "{}", response.status());
    assert!(health(&sb).await > before, "the create was committed");
}

/// The totals read from the `counts` triggers (no filter, or equality on a counted column)
/// agree with a scan after inserts, upserts that change and keep the counted value, deletes, a
/// rolled-back write and a reset.
#[tokio::test]
async fn counted_totals_agree_with_a_scan() {
    use spendapi_sandbox::store::{Bind, EVENTS, Key, Pred, Select, SqlOp, Store};

    async fn check(store: &Store, states: &[&str]) {
        let select = Select::default();
        let (_, total) = store.page(&EVENTS, &select).await.expect("page");
        let scanned = store.count(&EVENTS, &[]).await.expect("count");
        assert_eq!(total, scanned, "every event");
        for state in states {
            let preds = vec![Pred {
                column: "state",
                op: SqlOp::Eq,
                value: Bind::Text((*state).to_owned()),
            }];
            let select = Select {
                preds: preds.clone(),
                ..Select::default()
            };
            let (_, total) = store.page(&EVENTS, &select).await.expect("page");
            let scanned = store.count(&EVENTS, &preds).await.expect("count");
            assert_eq!(total, scanned, "state={state}");
        }
    }
    let states = ["Setup", "Active", "Closed", "Nowhere"];
    let sb = start().await;
    let store = &sb.sandbox.store;
    check(store, &states).await;
    let event = |id: u32, state: &str| json!({"id": format!("c{id}"), "event-number": 90_000 + id, "market-id": "1", "name": "Counted", "state": state, "_updated-at": "2026-01-01T00:00:00Z"});
    let mut tx = store.begin().await.expect("begin");
    let docs: Vec<Value> = (0..30)
        .map(|i| event(i, if i % 3 == 0 { "Active" } else { "Setup" }))
        .collect();
    tx.put_many(&EVENTS, &docs).await.expect("insert");
    tx.put(&EVENTS, &event(1, "Closed"))
        .await
        .expect("change the state");
    tx.put(&EVENTS, &event(2, "Setup"))
        .await
        .expect("keep the state");
    assert!(
        tx.delete(&EVENTS, &Key::Text("c3".into()))
            .await
            .expect("delete")
    );
    tx.commit().await.expect("commit");
    check(store, &states).await;
    // A write that is not committed changes no total.
    let mut tx = store.begin().await.expect("begin");
    tx.put(&EVENTS, &event(4, "Closed")).await.expect("change");
    tx.put(&EVENTS, &event(99, "Active")).await.expect("insert");
    drop(tx);
    check(store, &states).await;
    spendapi_sandbox::demo::reset(store, sb.sandbox.seed)
        .await
        .expect("reset");
    check(store, &states).await;
}
