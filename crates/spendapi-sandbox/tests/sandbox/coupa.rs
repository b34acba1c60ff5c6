//! Coupa Core: index conventions, accounts, delegations, integration history records.

use serde_json::{Value, json};

use crate::support::{ALL_COUPA, enc, start};

fn ids(body: &Value) -> Vec<i64> {
    body.as_array()
        .expect("a JSON array")
        .iter()
        .map(|a| a["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test]
async fn every_operator_filters_accounts() {
    let sb = start().await;
    let token = sb.coupa_token(ALL_COUPA).await;
    let cases: &[(&str, &[i64])] = &[
        ("segment-1=SF", &[1523, 1524]),
        ("segment_2=MKT", &[1523]),
        ("code=SF-SLS-6200", &[1524]),
        ("code[contains]=SLS", &[1524]),
        ("code[starts_with]=SF-M", &[1523]),
        ("code[ends_with]=6200", &[1524]),
        ("id[gt]=1523", &[1524]),
        ("id[lt]=1524", &[1523]),
        ("id[gt_or_eq]=1523", &[1523, 1524]),
        ("id[lt_or_eq]=1523", &[1523]),
        ("id[not_eq]=1523", &[1524]),
        ("id[in]=1524,9", &[1524]),
        ("id[not_in]=1524", &[1523]),
        ("segment-4[blank]=true", &[1523, 1524]),
        ("segment-3[blank]=false", &[1523, 1524]),
        ("active=true", &[1523, 1524]),
        (
            "account-type[name]=US%20Chart%20of%20Accounts",
            &[1523, 1524],
        ),
        ("account_type[id]=1", &[1523, 1524]),
        ("account-type-id=2", &[]),
        ("updated-at[gt]=2024-04-01T00:00:00Z", &[1524]),
        ("updated_at[lt]=2024-04-01T00:00:00-07:00", &[1523]),
        ("name[contains]=Meals", &[1524]),
        ("order_by=id&dir=desc", &[1524, 1523]),
        ("limit=1&offset=1", &[1524]),
    ];
    for (query, expected) in cases {
        let (status, body) = sb
            .coupa_get(&token, &format!("/api/accounts?{query}"))
            .await;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(ids(&body), *expected, "{query}");
    }
    let (status, body) = sb
        .coupa_get(&token, "/api/accounts?created-at[contains]=2024")
        .await;
    assert_eq!(
        status, 400,
        "text operators do not apply to datetimes: {body}"
    );
    assert!(body["errors"]["account"].is_array());
    let (status, _) = sb.coupa_get(&token, "/api/accounts?colour=red").await;
    assert_eq!(status, 400, "unknown attribute");
    let (status, _) = sb.coupa_get(&token, "/api/accounts?filter=mine").await;
    assert_eq!(status, 400, "the sandbox has no admin-defined API filters");
}

#[tokio::test]
async fn empty_index_is_200_in_json_and_404_in_xml() {
    let sb = start().await;
    let token = sb.coupa_token(ALL_COUPA).await;
    let (status, body) = sb.coupa_get(&token, "/api/accounts?segment-1=NONE").await;
    assert_eq!((status, body), (200, json!([])));
    let response = sb
        .http
        .get(sb.url("/api/accounts?segment-1=NONE"))
        .bearer_auth(&token)
        .header("accept", "application/xml")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 404);
    let text = response.text().await.expect("body");
    assert!(text.contains("<errors><error>"), "{text}");
}

#[tokio::test]
async fn fields_and_return_object_shape_the_answer() {
    let sb = start().await;
    let token = sb.coupa_token(ALL_COUPA).await;
    let fields = enc(r#"["id","code",{"account_type":["name"]}]"#);
    let (status, body) = sb
        .coupa_get(&token, &format!("/api/accounts?id=1523&fields={fields}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!([{"id": 1523, "code": "SF-MKT-6100", "account-type": {"name": "US Chart of Accounts"}}])
    );
    let (_, body) = sb
        .coupa_get(&token, "/api/accounts?id=1523&return_object=limited")
        .await;
    assert_eq!(body, json!([{"id": 1523}]));
    let (_, body) = sb
        .coupa_get(&token, "/api/accounts/1523?return_object=shallow")
        .await;
    assert_eq!(body["account-type"], json!({"id": 1}));
    assert_eq!(body["name"], "San Francisco Marketing Travel");
    let (status, _) = sb.coupa_get(&token, "/api/accounts?fields=not-json").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn accounts_create_update_and_the_seed_url() {
    let sb = start().await;
    let token = sb.coupa_token(ALL_COUPA).await;
    let create = |body: Value| {
        sb.http
            .post(sb.url("/api/accounts"))
            .bearer_auth(&token)
            .header("accept", "application/json")
            .json(&body)
            .send()
    };
    // By name; `code` is computed and a written one ignored.
    let response = create(json!({
        "name": "Paris Travel", "account-type": {"name": "EMEA Chart of Accounts"},
        "segment-1": "PAR", "segment-2": "", "segment-3": "7100", "code": "IGNORED"
    }))
    .await
    .expect("create");
    assert_eq!(response.status(), 201);
    let account: Value = response.json().await.expect("JSON");
    assert_eq!(account["code"], "PAR-7100");
    assert_eq!(account["account-type-id"], 2);
    assert_eq!(account["account-type"]["name"], "EMEA Chart of Accounts");
    let id = account["id"].as_i64().expect("id");
    assert!(id > 1524);
    // By id.
    let response = create(json!({"name": "x", "account-type": {"id": 1}, "segment-1": "NY"}))
        .await
        .expect("create");
    assert_eq!(response.status(), 201);
    // Unknown chart of accounts, and none.
    for body in [
        json!({"name": "x", "account-type": {"name": "Nope"}, "segment-1": "A"}),
        json!({"name": "x", "account-type": {"id": 99}, "segment-1": "A"}),
        json!({"name": "x", "segment-1": "A"}),
    ] {
        let response = create(body.clone()).await.expect("create");
        assert_eq!(response.status(), 400, "{body}");
    }
    // XML body.
    let response = sb
        .http
        .post(sb.url("/api/accounts"))
        .bearer_auth(&token)
        .header("accept", "application/xml")
        .header("content-type", "application/xml")
        .body("<account><name>Oslo</name><account-type><id>2</id></account-type><segment-1>OSL</segment-1></account>")
        .send()
        .await
        .expect("create");
    assert_eq!(response.status(), 201);
    let text = response.text().await.expect("body");
    assert!(text.contains("<code>OSL</code>"), "{text}");
    // PUT /api/accounts/{id} recomputes the code.
    let response = sb
        .http
        .put(sb.url(&format!("/api/accounts/{id}")))
        .bearer_auth(&token)
        .json(&json!({"segment-2": "OPS", "active": false}))
        .send()
        .await
        .expect("update");
    assert_eq!(response.status(), 200);
    let updated: Value = response.json().await.expect("JSON");
    assert_eq!(updated["code"], "PAR-OPS-7100");
    assert_eq!(updated["active"], false);
    // The seed's URL: the id is in the body.
    let response = sb
        .http
        .put(sb.url("/api/accountAllocations"))
        .bearer_auth(&token)
        .json(&json!({"id": id, "name": "Paris Ops"}))
        .send()
        .await
        .expect("update");
    assert_eq!(response.status(), 200);
    let (status, shown) = sb.coupa_get(&token, &format!("/api/accounts/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(shown["name"], "Paris Ops");
    let (status, _) = sb.coupa_get(&token, "/api/accounts/424242").await;
    assert_eq!(status, 404);
    // No delete.
    let response = sb
        .http
        .delete(sb.url(&format!("/api/accounts/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(response.status(), 405);
}

#[tokio::test]
async fn delegations_carry_full_and_short_users() {
    let sb = start().await;
    let token = sb.coupa_token("core.user.read").await;
    let (status, body) = sb.coupa_get(&token, "/api/delegations").await;
    assert_eq!(status, 200);
    let delegation = &body[0];
    assert_eq!(delegation["delegator"]["login"], "pradeep_1616091337");
    assert!(delegation["delegator"]["roles"].is_array());
    assert!(delegation["delegate"]["email"].is_string());
    assert_eq!(delegation["created-by"]["login"], "coupasupport");
    assert!(delegation["created-by"].get("roles").is_none());
    let (_, body) = sb
        .coupa_get(&token, "/api/delegations?delegator-id=272")
        .await;
    assert_eq!(body.as_array().map(Vec::len), Some(1));
    let (_, body) = sb
        .coupa_get(&token, "/api/delegations?delegator[login]=nobody")
        .await;
    assert_eq!(body, json!([]));
}

#[tokio::test]
async fn integration_history_records_lifecycle() {
    let sb = start().await;
    let token = sb.coupa_token(ALL_COUPA).await;
    let post = |path: &str, body: Value| {
        sb.http
            .post(sb.url(path))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let body = json!({
        "contact-alert-type": "Technical", "document-id": 777, "document-type": "InvoiceHeader",
        "status": "Error", "responses": [{"response-code": "E1", "response-message": "boom"}]
    });
    let response = post("/api/integration_history_records", body.clone())
        .await
        .expect("create");
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.expect("JSON");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(created["resolved"], false);
    assert!(created["responses"][0]["id"].is_i64());
    for action in [
        "acknowledge",
        "create_alert",
        "create_alert_and_mark_exported",
        "mark_exported",
    ] {
        let mut body = body.clone();
        if action == "acknowledge" {
            body.as_object_mut().expect("object").remove("status");
        }
        let response = post(&format!("/api/integration_history_records/{action}"), body)
            .await
            .expect("action");
        assert_eq!(response.status(), 201, "{action}");
    }
    let (status, _) = sb
        .coupa_get(
            &token,
            "/api/integration_history_records?document-id=777&status=Error",
        )
        .await;
    assert_eq!(status, 200);
    let (_, acks) = sb
        .coupa_get(
            &token,
            "/api/integration_history_records?document-id=777&status=Success",
        )
        .await;
    assert_eq!(
        acks.as_array().map(Vec::len),
        Some(1),
        "acknowledge records a success"
    );
    let (_, all) = sb
        .coupa_get(
            &token,
            "/api/integration_history_records?document_type=InvoiceHeader&document-id=777",
        )
        .await;
    assert_eq!(all.as_array().map(Vec::len), Some(5));
    let (_, recent) = sb
        .coupa_get(
            &token,
            "/api/integration_history_records?updated-at[gt]=2025-01-01T00:00:00Z",
        )
        .await;
    assert_eq!(recent.as_array().map(Vec::len), Some(5));
    // PUT and PATCH change what they send; responses are appended.
    for method in [reqwest::Method::PUT, reqwest::Method::PATCH] {
        let response = sb
            .http
            .request(
                method.clone(),
                sb.url(&format!("/api/integration_history_records/{id}")),
            )
            .bearer_auth(&token)
            .json(&json!({"status": format!("{method}"), "responses": [{"response-code": "OK"}]}))
            .send()
            .await
            .expect("update");
        assert_eq!(response.status(), 200, "{method}");
    }
    let (_, shown) = sb
        .coupa_get(&token, &format!("/api/integration_history_records/{id}"))
        .await;
    assert_eq!(shown["status"], "PATCH");
    assert_eq!(shown["responses"].as_array().map(Vec::len), Some(3));
    // Resolve and unresolve.
    for (action, expected) in [("resolve", true), ("unresolve", false), ("resolve", true)] {
        let response = sb
            .http
            .put(sb.url(&format!("/api/integration_history_records/{id}/{action}")))
            .bearer_auth(&token)
            .header("accept", "application/json")
            .send()
            .await
            .expect("action");
        assert_eq!(response.status(), 200);
        let record: Value = response.json().await.expect("JSON");
        assert_eq!(record["resolved"], expected);
    }
    let (_, resolved) = sb
        .coupa_get(&token, "/api/integration_history_records?resolved=true")
        .await;
    assert_eq!(ids(&resolved), vec![id]);
    let (status, _) = sb
        .coupa_get(&token, "/api/integration_history_records/1")
        .await;
    assert_eq!(status, 404);
    // `resolved` is read-only on create.
    let response = post(
        "/api/integration_history_records",
        json!({"contact-alert-type": "Both", "document-id": 1, "document-type": "Nope"}),
    )
    .await
    .expect("create");
    assert_eq!(response.status(), 400, "document-type is an enumeration");
}

/// Parallel updates of one record: none is lost (each appends a response).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_updates_lose_nothing() {
    let sb = crate::support::start_file().await;
    let token = sb.coupa_token(ALL_COUPA).await;
    const WRITERS: usize = 16;
    let mut tasks = Vec::new();
    for i in 0..WRITERS {
        let http = sb.http.clone();
        let url = sb.url("/api/integration_history_records/90211");
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let response = http
                .patch(url)
                .bearer_auth(token)
                .json(&json!({"responses": [{"response-code": format!("R{i}")}]}))
                .send()
                .await
                .expect("patch");
            assert_eq!(response.status(), 200);
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    let (_, record) = sb
        .coupa_get(&token, "/api/integration_history_records/90211")
        .await;
    let codes: std::collections::BTreeSet<&str> = record["responses"]
        .as_array()
        .expect("responses")
        .iter()
        .map(|r| r["response-code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes.len(), WRITERS);
}

#[tokio::test]
async fn return_object_none_on_writes() {
    let sb = start().await;
    let token = sb.coupa_token(ALL_COUPA).await;
    let response = sb
        .http
        .post(sb.url("/api/accounts?return_object=none"))
        .bearer_auth(&token)
        .header("accept", "application/json")
        .json(&json!({"account-type": {"id": 1}, "segment-1": "NONE"}))
        .send()
        .await
        .expect("create");
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body, json!({}));
    let (_, found) = sb.coupa_get(&token, "/api/accounts?code=NONE").await;
    assert_eq!(found.as_array().map(Vec::len), Some(1));
}
