//! CSO events: bulk and per-id operations, numbering, immutability, filters.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{start, start_file};

async fn create(sb: &crate::support::Sb, events: Value) -> Value {
    let response = sb
        .cso(Method::POST, "/api/events")
        .json(&json!({ "events": events }))
        .send()
        .await
        .expect("create");
    assert_eq!(response.status(), 201);
    response.json().await.expect("JSON")
}

async fn get(sb: &crate::support::Sb, path: &str) -> (u16, Value) {
    let response = sb.cso(Method::GET, path).send().await.expect("request");
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn bulk_create_numbers_events_and_answers_the_summary() {
    let sb = start().await;
    let body = create(
        &sb,
        json!([
            {"market-id": "9219595214580536433", "name": "LTL Freight 2027", "settings": {"currency": "USD"}},
            {"market-id": "9219595214580536433", "name": "Parcel", "state": "Active"}
        ]),
    )
    .await;
    assert_eq!(body["added"], 2);
    assert_eq!(body["result"][0]["type"], "api.post.added");
    assert_eq!(body["result"][0]["description"], "2 objects created.");
    let id = body["events"][0]["id"].as_str().expect("id").to_owned();
    assert_eq!(id.len(), 19);
    let (status, event) = get(&sb, &format!("/api/events/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(event["event-number"], 1603, "after the highest demo number");
    assert_eq!(event["state"], "Setup");
    assert!(event.get("time-zone").is_none(), "nulls are omitted");
    // Operators on attributes; `total` counts every match.
    let (_, list) = get(&sb, "/api/events?name[contains]=LTL").await;
    assert_eq!(list["total"], 1);
    let (_, list) = get(&sb, "/api/events?limit=2").await;
    assert_eq!(list["total"], 7);
    assert_eq!(list["events"].as_array().map(Vec::len), Some(2));
    let (_, list) = get(&sb, "/api/events?state=Active").await;
    assert_eq!(list["total"], 2, "{list}");
    let (status, _) = get(&sb, "/api/events?state=active").await;
    assert_eq!(status, 400, "state is case-sensitive");
    let (_, list) = get(&sb, "/api/events?event-number[gt]=1000").await;
    assert_eq!(list["total"], 3, "the demo's 1602 and the two new ones");
}

#[tokio::test]
async fn updates_are_lenient_and_never_touch_number_or_market() {
    let sb = start().await;
    let response = sb
        .cso(Method::PUT, "/api/events")
        .json(&json!({"events": [
            {"id": "9219595375673293031", "name": "Renamed", "state": "Active"},
            {"id": "9220538753252879999", "name": "Missing"}
        ]}))
        .send()
        .await
        .expect("update");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["updated"], 1);
    assert_eq!(body["result"][1]["id"], "9220538753252879999");
    let (_, event) = get(&sb, "/api/events/9219595375673293031").await;
    assert_eq!(event["name"], "Renamed");
    assert_eq!(event["event-number"], 10);
    assert_eq!(event["market-id"], "9219595214580536433");
    // market-id and event-number are not part of an update.
    let response = sb
        .cso(Method::PUT, "/api/events/9219595375673293031")
        .json(&json!({"market-id": "1", "event-number": 99, "description": "d"}))
        .send()
        .await
        .expect("update");
    let status = response.status();
    let (_, event) = get(&sb, "/api/events/9219595375673293031").await;
    assert_eq!(event["event-number"], 10, "{status}");
    assert_eq!(event["market-id"], "9219595214580536433");
    let response = sb
        .cso(Method::PUT, "/api/events/9219595375673290000")
        .json(&json!({"name": "x"}))
        .send()
        .await
        .expect("update");
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn deletes_report_each_item() {
    let sb = start().await;
    let response = sb
        .cso(Method::DELETE, "/api/events")
        .json(&json!({"events": [{"id": "9219592828238410706"}, {"id": "9219592828238410000"}]}))
        .send()
        .await
        .expect("delete");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["deleted"], 1);
    assert_eq!(
        body["result"][0]["description"],
        "The event **IT Hardware and Services 2014 was deleted."
    );
    assert_eq!(body["result"][1]["id"], "9219592828238410000");
    let (status, _) = get(&sb, "/api/events/9219592828238410706").await;
    assert_eq!(status, 404);
    let response = sb
        .cso(Method::DELETE, "/api/events/9219601944812992706")
        .send()
        .await
        .expect("delete");
    assert_eq!(response.status(), 200);
    let response = sb
        .cso(Method::DELETE, "/api/events/9219601944812992706")
        .send()
        .await
        .expect("delete");
    assert_eq!(response.status(), 404);
}

/// Many bulk creates at once: every event is stored once, numbers are unique and consecutive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_bulk_creates_number_uniquely() {
    let sb = start_file().await;
    const REQUESTS: usize = 24;
    const PER_REQUEST: usize = 5;
    let mut tasks = Vec::new();
    for r in 0..REQUESTS {
        let http = sb.http.clone();
        let url = sb.url("/api/events");
        tasks.push(tokio::spawn(async move {
            let events: Vec<Value> = (0..PER_REQUEST)
                .map(|i| json!({"market-id": "1", "name": format!("load {r}-{i}")}))
                .collect();
            let response = http
                .post(url)
                .header("X-CSO-API-KEY", "sandbox")
                .json(&json!({ "events": events }))
                .send()
                .await
                .expect("create");
            assert_eq!(response.status(), 201);
            let body: Value = response.json().await.expect("JSON");
            assert_eq!(body["added"], PER_REQUEST);
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    let (_, list) = get(&sb, "/api/events?name[starts_with]=load&limit=250").await;
    let total = REQUESTS * PER_REQUEST;
    assert_eq!(list["total"], total);
    let numbers: BTreeSet<i64> = list["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["event-number"].as_i64().expect("number"))
        .collect();
    assert_eq!(numbers.len(), total, "no number twice");
    let expected: BTreeSet<i64> = (1603..1603 + total as i64).collect();
    assert_eq!(numbers, expected, "consecutive after the demo's highest");
    let ids: BTreeSet<&str> = list["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), total);
}
