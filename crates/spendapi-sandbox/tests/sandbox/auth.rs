//! Token endpoints and the scope checks of every API.

use serde_json::Value;
use spendapi_sandbox::Config;

use crate::support::{ALL_COUPA, start, start_with};

async fn form(sb: &crate::support::Sb, path: &str, fields: &[(&str, &str)]) -> (u16, Value) {
    let response = sb
        .http
        .post(sb.url(path))
        .form(fields)
        .send()
        .await
        .expect("token request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

#[tokio::test]
async fn coupa_token_endpoint_checks_client_grant_and_scopes() {
    let sb = start().await;
    let (status, body) = form(
        &sb,
        "/oauth2/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "sandbox"),
            ("client_secret", "sandbox"),
            ("scope", "core.accounting.read"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["scope"], "core.accounting.read");
    assert_eq!(body["expires_in"], 86_400);
    type Form<'a> = &'a [(&'a str, &'a str)];
    let cases: &[(Form, u16, &str)] = &[
        (
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "sandbox"),
                ("client_secret", "wrong"),
            ],
            401,
            "invalid_client",
        ),
        (
            &[
                ("grant_type", "password"),
                ("client_id", "sandbox"),
                ("client_secret", "sandbox"),
            ],
            400,
            "unsupported_grant_type",
        ),
        (
            &[("client_id", "sandbox"), ("client_secret", "sandbox")],
            400,
            "invalid_request",
        ),
        (
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "sandbox"),
                ("client_secret", "sandbox"),
                ("scope", "core.everything"),
            ],
            400,
            "invalid_scope",
        ),
    ];
    for (fields, status, error) in cases {
        let (got, body) = form(&sb, "/oauth2/token", fields).await;
        assert_eq!(
            (got, body["error"].as_str()),
            (*status, Some(*error)),
            "{fields:?}"
        );
    }
}

#[tokio::test]
async fn operations_enforce_their_scopes() {
    let sb = start().await;
    let read_only = sb.coupa_token("core.accounting.read").await;
    let (status, _) = sb.coupa_get(&read_only, "/api/accounts").await;
    assert_eq!(status, 200);
    let response = sb
        .http
        .post(sb.url("/api/accounts"))
        .bearer_auth(&read_only)
        .header("accept", "application/json")
        .json(&serde_json::json!({"account-type": {"id": 1}, "segment-1": "X"}))
        .send()
        .await
        .expect("create");
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.expect("JSON");
    assert!(body["errors"]["authorization"].is_array(), "{body}");
    let (status, _) = sb.coupa_get(&read_only, "/api/delegations").await;
    assert_eq!(status, 403);
    let (status, _) = sb
        .coupa_get(&read_only, "/api/integration_history_records")
        .await;
    assert_eq!(status, 403);
    let (status, _) = sb.coupa_get("not-a-token", "/api/accounts").await;
    assert_eq!(status, 401);
    // A Coupa token is not a Concur token.
    let coupa = sb.coupa_token(ALL_COUPA).await;
    let response = sb
        .http
        .get(sb.url("/expensereports/v4/users/32c2fcc3-b2e8-4907-9672-5b3f49b1c643/context/TRAVELER/reports/764428DD6A664AF0BFCB/allocations/3BBB494511E1C74DA04469C45B039871"))
        .bearer_auth(&coupa)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["httpStatus"], "401 - Unauthorized");
    // CSO: the key header.
    let response = sb
        .http
        .get(sb.url("/api/events"))
        .header("X-CSO-API-KEY", "wrong")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("JSON");
    assert!(body["result"][0]["type"].is_string());
}

#[tokio::test]
async fn concur_tokens_refresh_and_point_back_at_the_sandbox() {
    let sb = start().await;
    let (status, body) = form(
        &sb,
        "/oauth2/v0/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "sandbox"),
            ("client_secret", "sandbox"),
            ("scope", "expense.report.read user.read"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["geolocation"], sb.base);
    let refresh = body["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_owned();
    let fields = [
        ("grant_type", "refresh_token"),
        ("client_id", "sandbox"),
        ("client_secret", "sandbox"),
        ("refresh_token", refresh.as_str()),
    ];
    let (status, renewed) = form(&sb, "/oauth2/v0/token", &fields).await;
    assert_eq!(status, 200);
    assert_eq!(renewed["scope"], "expense.report.read user.read");
    let (status, body) = form(&sb, "/oauth2/v0/token", &fields).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "used once"
    );
    // The read token cannot PATCH.
    let token = renewed["access_token"].as_str().expect("access_token");
    let response = sb
        .http
        .patch(sb.url("/expensereports/v4/users/32c2fcc3-b2e8-4907-9672-5b3f49b1c643/context/TRAVELER/reports/764428DD6A664AF0BFCB/allocations/3BBB494511E1C74DA04469C45B039871"))
        .bearer_auth(token)
        .json(&serde_json::json!({"allocation": {"customData": []}, "expenseIds": ["29EE3C62F5D844458828A5C1086072D1"]}))
        .send()
        .await
        .expect("patch");
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    let sb = start_with(Config {
        token_lifetime_secs: 0,
        ..Config::default()
    })
    .await;
    let token = sb.coupa_token("core.accounting.read").await;
    let (status, _) = sb.coupa_get(&token, "/api/accounts").await;
    assert_eq!(status, 401);
}
