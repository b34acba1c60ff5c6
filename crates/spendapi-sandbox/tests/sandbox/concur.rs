//! Concur allocations: list, get, PATCH merge, documented errors, correlation ids.

use serde_json::{Value, json};

use crate::support::start;

const USER: &str = "32c2fcc3-b2e8-4907-9672-5b3f49b1c643";
const REPORT: &str = "764428DD6A664AF0BFCB";
const EXPENSE: &str = "29EE3C62F5D844458828A5C1086072D1";
const ALLOCATION: &str = "3BBB494511E1C74DA04469C45B039871";

fn base(context: &str) -> String {
    format!("/expensereports/v4/users/{USER}/context/{context}/reports/{REPORT}")
}

#[tokio::test]
async fn list_get_and_documented_errors() {
    let sb = start().await;
    let token = sb.concur_token().await;
    let get = |path: String| {
        sb.http
            .get(sb.url(&path))
            .bearer_auth(&token)
            .header("concur-correlationid", "test-correlation")
            .send()
    };
    let response = get(format!(
        "{}/expenses/{EXPENSE}/allocations",
        base("TRAVELER")
    ))
    .await
    .expect("list");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["concur-correlationid"],
        "test-correlation"
    );
    let list: Value = response.json().await.expect("JSON");
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    let response = get(format!("{}/allocations/{ALLOCATION}", base("PROXY")))
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    let allocation: Value = response.json().await.expect("JSON");
    assert_eq!(allocation["customData"][0]["id"], "custom9");
    let cases = [
        (
            format!(
                "/expensereports/v4/users/{USER}/context/TRAVELER/reports/00000000000000000000/allocations/{ALLOCATION}"
            ),
            404,
            "reportId not found",
        ),
        (
            format!(
                "{}/allocations/00000000000000000000000000000000",
                base("TRAVELER")
            ),
            404,
            "allocationId not found",
        ),
        (
            format!(
                "{}/expenses/00000000000000000000000000000000/allocations",
                base("TRAVELER")
            ),
            404,
            "expenseId not found",
        ),
        (
            format!("{}/allocations/{ALLOCATION}", base("MANAGER")),
            403,
            "Specified context type is invalid for this API",
        ),
        // The list supports only TRAVELER (get and PATCH also PROXY).
        (
            format!("{}/expenses/{EXPENSE}/allocations", base("PROXY")),
            403,
            "Specified context type is invalid for this API",
        ),
    ];
    for (path, status, message) in cases {
        let response = get(path.clone()).await.expect("request");
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(
            response.headers()["concur-correlationid"],
            "test-correlation"
        );
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["errorMessage"], message, "{path}");
        assert!(
            body["httpStatus"]
                .as_str()
                .is_some_and(|s| s.starts_with(&status.to_string()))
        );
    }
    let response = sb
        .http
        .get(sb.url(&format!("{}/allocations/{ALLOCATION}", base("TRAVELER"))))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn patch_merges_custom_data_and_refuses_system_allocations() {
    let sb = start().await;
    let token = sb.concur_token().await;
    let patch = |allocation: &str, body: Value| {
        sb.http
            .patch(sb.url(&format!("{}/allocations/{allocation}", base("TRAVELER"))))
            .bearer_auth(&token)
            .header("concur-correlationid", "patch-1")
            .json(&body)
            .send()
    };
    let response = patch(
        ALLOCATION,
        json!({"allocation": {"customData": [
            {"id": "custom9", "value": "NEW", "isValid": true},
            {"id": "custom10", "value": "ADDED", "isValid": true}
        ]}, "expenseIds": [EXPENSE]}),
    )
    .await
    .expect("patch");
    assert_eq!(response.status(), 204);
    assert_eq!(response.headers()["concur-correlationid"], "patch-1");
    let allocation: Value = sb
        .http
        .get(sb.url(&format!("{}/allocations/{ALLOCATION}", base("TRAVELER"))))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        allocation["customData"],
        json!([
            {"id": "custom9", "value": "NEW", "isValid": true},
            {"id": "custom10", "value": "ADDED", "isValid": true}
        ])
    );
    let response = patch(
        ALLOCATION,
        json!({"allocation": {"customData": []}, "expenseIds": ["00000000000000000000000000000000"]}),
    )
    .await
    .expect("patch");
    assert_eq!(response.status(), 404);
    // A system allocation (added beside the demo data for this test).
    let mut tx = sb.sandbox.store.begin().await.expect("tx");
    tx.put(
        &spendapi_sandbox::store::ALLOCATIONS,
        &json!({
            "allocationId": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "expenseId": EXPENSE,
            "isSystemAllocation": true, "isPercentEdited": false, "percentage": 0.0,
            "customData": [], "_userId": USER, "_reportId": REPORT
        }),
    )
    .await
    .expect("put");
    tx.commit().await.expect("commit");
    let response = patch(
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        json!({"allocation": {"customData": []}, "expenseIds": [EXPENSE]}),
    )
    .await
    .expect("patch");
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["errorMessage"], "System allocation cannot be modified");
}

#[tokio::test]
async fn conditional_gets_answer_304_when_not_modified() {
    let sb = start().await;
    let token = sb.concur_token().await;
    let get = |path: String, since: &'static str| {
        sb.http
            .get(sb.url(&path))
            .bearer_auth(&token)
            .header("if-modified-since", since)
            .send()
    };
    let allocation = format!("{}/allocations/{ALLOCATION}", base("TRAVELER"));
    let list = format!("{}/expenses/{EXPENSE}/allocations", base("TRAVELER"));
    let future = "Fri, 31 Dec 9999 23:59:59 GMT";
    for path in [&allocation, &list] {
        let response = get(path.clone(), future).await.expect("request");
        assert_eq!(response.status(), 304, "{path}");
        assert!(response.headers().contains_key("concur-correlationid"));
        assert!(response.bytes().await.expect("body").is_empty());
        // RFC 9110 §5.6.7: the obsolete RFC 850 and asctime forms are HTTP-dates too.
        for obsolete in [
            "Thursday, 31-Dec-48 23:59:59 GMT",
            "Fri Dec 31 23:59:59 9999",
        ] {
            let response = get(path.clone(), obsolete).await.expect("request");
            assert_eq!(response.status(), 304, "{path} {obsolete}");
        }
        let response = get(path.clone(), "Monday, 01-Jan-01 00:00:00 GMT")
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "{path}");
        let response = get(path.clone(), "Mon, 01 Jan 2001 00:00:00 GMT")
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "{path}");
        // An unparsable date is ignored.
        let response = get(path.clone(), "soon").await.expect("request");
        assert_eq!(response.status(), 200, "{path}");
    }
    let response = get(
        format!(
            "{}/allocations/00000000000000000000000000000000",
            base("TRAVELER")
        ),
        future,
    )
    .await
    .expect("request");
    assert_eq!(response.status(), 404);
}
