//! SAP Concur expense allocations: list, get and PATCH (204, merge on `customData`) through the
//! typed client authenticated with the refresh-token grant, the correlation id echoed, and the
//! documented failures (403 context type and system allocation, 404, 400, 401, 403 scope).

use serde_json::{Value, json};
use spendapi_client::concur_expense_allocations::types as t;
use spendapi_client::{ConcurAuth, CorrelationIdExt as _, ErrorBody, VendorError, VendorErrorKind};

use super::support::{Sandbox, assert_failure, from_json, start, text};

pub const OPERATIONS: &[&str] = &[
    "list_expense_allocations",
    "get_report_allocation",
    "update_report_allocation",
];

const USER: &str = "32c2fcc3-b2e8-4907-9672-5b3f49b1c643";
const REPORT: &str = "764428DD6A664AF0BFCB";
const EXPENSE: &str = "29EE3C62F5D844458828A5C1086072D1";
const ALLOCATION: &str = "3BBB494511E1C74DA04469C45B039871";
const OTHER_ALLOCATION: &str = "4DB06B4360E31443AD43ED52B2AE007E";

const READ: &str = "expense.report.read user.read";
const ALL: &str = "expense.report.read expense.report.readwrite user.read";

/// Adds an allocation to the demo report directly in the store (the API cannot create one),
/// last changed at 2024-05-14T09:31:12Z.
async fn add_allocation(sb: &Sandbox, allocation: &str, expense: &str, system: bool) {
    let mut tx = sb.state.store.begin().await.expect("transaction");
    tx.put(
        &spendapi_sandbox::store::ALLOCATIONS,
        &json!({
            "allocationId": allocation, "expenseId": expense, "accountCode": "Added",
            "isSystemAllocation": system, "isPercentEdited": false, "percentage": 0.0,
            "customData": [], "_userId": USER, "_reportId": REPORT,
            "_modifiedAt": "2024-05-14T09:31:12Z"
        }),
    )
    .await
    .expect("put");
    tx.commit().await.expect("commit");
}

/// The status of a conditional GET of `allocation` (200, or 304 through `VendorError`).
async fn conditional_get(
    concur: &spendapi_client::concur_expense_allocations::Client,
    allocation: &str,
    since: &str,
) -> u16 {
    match concur
        .get_report_allocation()
        .user_id(USER)
        .context_type("TRAVELER")
        .report_id(REPORT)
        .allocation_id(allocation)
        .if_modified_since(since)
        .cache_control("no-cache")
        .send()
        .await
    {
        Ok(answer) => answer.status().as_u16(),
        Err(err) => {
            let err = VendorError::from(err);
            assert_eq!(err.headers().correlation_id(), Some("e2e-sandbox"));
            err.status().map(|s| s.as_u16()).unwrap_or_default()
        }
    }
}

/// The status of a conditional list of `expense`'s allocations.
async fn conditional_list(
    concur: &spendapi_client::concur_expense_allocations::Client,
    expense: &str,
    since: &str,
) -> u16 {
    match concur
        .list_expense_allocations()
        .user_id(USER)
        .context_type("TRAVELER")
        .report_id(REPORT)
        .expense_id(expense)
        .if_modified_since(since)
        .send()
        .await
    {
        Ok(answer) => answer.status().as_u16(),
        Err(err) => VendorError::from(err)
            .status()
            .map(|s| s.as_u16())
            .unwrap_or_default(),
    }
}

/// A raw request with a bearer token and a correlation id, decoded as a `VendorError`.
async fn raw_error(sb: &Sandbox, method: reqwest::Method, path: &str, token: &str) -> VendorError {
    let mut request = sb
        .http
        .request(method.clone(), sb.url(path))
        .bearer_auth(token)
        .header("concur-correlationid", "raw-correlation");
    if method == reqwest::Method::PATCH {
        request = request.json(&json!({"allocation": {"customData": []}, "expenseIds": [EXPENSE]}));
    }
    let err = VendorError::from_response(request.send().await.expect("raw request")).await;
    assert_eq!(err.headers().correlation_id(), Some("raw-correlation"));
    err
}

fn concur_error(err: &VendorError) -> &spendapi_client::errors::ConcurError {
    match err.error_body() {
        ErrorBody::Concur(body) => body,
        other => panic!("not a Concur ErrorMessage: {other:?}"),
    }
}

/// A password-grant token, for the raw requests.
async fn token(sb: &Sandbox) -> String {
    let body: Value = sb
        .http
        .post(sb.url("/oauth2/v0/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", "sandbox"),
            ("client_secret", "sandbox"),
            ("username", "user@example.com"),
            ("password", "company-request-token"),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token JSON");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

#[tokio::test]
async fn list_expense_allocations() {
    let sb = start().await;
    let concur = sb.concur(READ).await;
    let answer = concur
        .list_expense_allocations()
        .user_id(USER)
        .context_type("TRAVELER")
        .report_id(REPORT)
        .expense_id(EXPENSE)
        .send()
        .await
        .expect("list");
    assert_eq!(answer.status().as_u16(), 200);
    assert_eq!(answer.headers().correlation_id(), Some("e2e-sandbox"));
    let list = answer.into_inner().0;
    let ids: Vec<String> = list.iter().map(|a| a.allocation_id.to_string()).collect();
    assert_eq!(ids, [ALLOCATION, OTHER_ALLOCATION]);
    let first = &list[0];
    assert_eq!(first.expense_id.to_string(), EXPENSE);
    assert_eq!(first.account_code.as_deref(), Some("Pending Client"));
    assert_eq!(first.over_limit_account_code, None);
    assert_eq!(first.percentage, 50.0);
    assert!(!first.is_system_allocation && !first.is_percent_edited);
    let amount = first.allocation_amount.as_ref().expect("allocationAmount");
    assert_eq!(
        (amount.value, amount.currency_code.to_string()),
        (250.0, "USD".to_owned())
    );
    assert_eq!(first.custom_data.len(), 1);
    assert_eq!(first.custom_data[0].id, "custom9");
    assert_eq!(
        text(&first.custom_data[0].value).map(str::to_owned),
        Some("D3954B47BCEC9446A4FFC49E0000B46E".to_owned())
    );
    // A per-request correlation id and a lower-case expense id.
    let answer = concur
        .list_expense_allocations()
        .user_id(USER)
        .context_type("TRAVELER")
        .report_id(REPORT)
        .expense_id(EXPENSE.to_ascii_lowercase().as_str())
        .concur_correlationid("list-2")
        .send()
        .await
        .expect("list");
    assert_eq!(answer.headers().correlation_id(), Some("list-2"));
    assert_eq!(answer.into_inner().0.len(), 2);

    // 404: unknown expense, unknown report, with the correlation id kept.
    let err = assert_failure(
        concur
            .list_expense_allocations()
            .user_id(USER)
            .context_type("TRAVELER")
            .report_id(REPORT)
            .expense_id("00000000000000000000000000000000")
            .send()
            .await,
        404,
        "expenseId not found",
    );
    assert_eq!(err.headers().correlation_id(), Some("e2e-sandbox"));
    assert_eq!(concur_error(&err).http_status, "404 - Not Found");
    assert!(
        concur_error(&err)
            .path
            .ends_with("/expenses/00000000000000000000000000000000/allocations")
    );
    assert_failure(
        concur
            .list_expense_allocations()
            .user_id(USER)
            .context_type("TRAVELER")
            .report_id("00000000000000000000")
            .expense_id(EXPENSE)
            .send()
            .await,
        404,
        "reportId not found",
    );
    // 401: a token the sandbox never issued.
    let stranger =
        spendapi_client::concur(sb.base.as_str(), ConcurAuth::bearer("forged")).expect("client");
    let err = assert_failure(
        stranger
            .list_expense_allocations()
            .user_id(USER)
            .context_type("TRAVELER")
            .report_id(REPORT)
            .expense_id(EXPENSE)
            .send()
            .await,
        401,
        "Missing or invalid authorization header",
    );
    assert_eq!(concur_error(&err).http_status, "401 - Unauthorized");
    // 403: a token without the read scopes.
    let write_only = sb.concur("expense.report.readwrite").await;
    assert_failure(
        write_only
            .list_expense_allocations()
            .user_id(USER)
            .context_type("TRAVELER")
            .report_id(REPORT)
            .expense_id(EXPENSE)
            .send()
            .await,
        403,
        "",
    );
    // 403 for a context type the list does not support: the typed client cannot even
    // express it; on the wire the sandbox answers Concur's 403.
    let err = VendorError::from(
        concur
            .list_expense_allocations()
            .user_id(USER)
            .context_type("PROXY")
            .report_id(REPORT)
            .expense_id(EXPENSE)
            .send()
            .await
            .expect_err("PROXY is not a list context type"),
    );
    assert_eq!(err.kind(), VendorErrorKind::InvalidRequest);
    let token = token(&sb).await;
    let err = raw_error(
        &sb,
        reqwest::Method::GET,
        &format!("/expensereports/v4/users/{USER}/context/PROXY/reports/{REPORT}/expenses/{EXPENSE}/allocations"),
        &token,
    )
    .await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(
        err.messages(),
        ["Specified context type is invalid for this API"]
    );
    // 400: a malformed expense id (refused by the typed client too).
    let err = raw_error(
        &sb,
        reqwest::Method::GET,
        &format!("/expensereports/v4/users/{USER}/context/TRAVELER/reports/{REPORT}/expenses/29EE3C62/allocations"),
        &token,
    )
    .await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(concur_error(&err).http_status, "400 - Bad Request");
}

#[tokio::test]
async fn get_report_allocation() {
    let sb = start().await;
    let concur = sb.concur(READ).await;
    for context in ["TRAVELER", "PROXY"] {
        let answer = concur
            .get_report_allocation()
            .user_id(USER)
            .context_type(context)
            .report_id(REPORT)
            .allocation_id(OTHER_ALLOCATION)
            .send()
            .await
            .expect("get");
        assert_eq!(answer.headers().correlation_id(), Some("e2e-sandbox"));
        let allocation = answer.into_inner();
        assert_eq!(allocation.allocation_id.to_string(), OTHER_ALLOCATION);
        assert_eq!(
            text(&allocation.custom_data[0].value).map(str::to_owned),
            Some("88EACA3116581248BCE27956DE67647D".to_owned())
        );
        assert_eq!(
            allocation.claimed_amount.as_ref().map(|a| a.value),
            Some(250.0)
        );
    }
    let err = assert_failure(
        concur
            .get_report_allocation()
            .user_id(USER)
            .context_type("TRAVELER")
            .report_id(REPORT)
            .allocation_id("00000000000000000000000000000000")
            .concur_correlationid("get-404")
            .send()
            .await,
        404,
        "allocationId not found",
    );
    assert_eq!(err.headers().correlation_id(), Some("get-404"));
    // Another user's report is not visible.
    assert_failure(
        concur
            .get_report_allocation()
            .user_id("00000000-0000-0000-0000-000000000000")
            .context_type("TRAVELER")
            .report_id(REPORT)
            .allocation_id(ALLOCATION)
            .send()
            .await,
        404,
        "reportId not found",
    );
    let write_only = sb.concur("expense.report.readwrite").await;
    assert_failure(
        write_only
            .get_report_allocation()
            .user_id(USER)
            .context_type("TRAVELER")
            .report_id(REPORT)
            .allocation_id(ALLOCATION)
            .send()
            .await,
        403,
        "",
    );
    let token = token(&sb).await;
    let err = raw_error(
        &sb,
        reqwest::Method::GET,
        &format!("/expensereports/v4/users/{USER}/context/MANAGER/reports/{REPORT}/allocations/{ALLOCATION}"),
        &token,
    )
    .await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(
        err.messages(),
        ["Specified context type is invalid for this API"]
    );
    assert_eq!(concur_error(&err).http_status, "403 - Forbidden");
}

#[tokio::test]
async fn conditional_gets_answer_304_until_the_allocation_changes() {
    let sb = start().await;
    let concur = sb.concur(ALL).await;
    let (allocation, expense) = (
        "EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
    );
    add_allocation(&sb, allocation, expense, false).await;
    let after = "Sat, 01 Jun 2024 00:00:00 GMT";
    let before = "Wed, 01 May 2024 00:00:00 GMT";
    let same_second = "Tue, 14 May 2024 09:31:12 GMT";
    assert_eq!(conditional_get(&concur, allocation, after).await, 304);
    assert_eq!(conditional_get(&concur, allocation, same_second).await, 304);
    assert_eq!(conditional_get(&concur, allocation, before).await, 200);
    assert_eq!(conditional_list(&concur, expense, after).await, 304);
    assert_eq!(conditional_list(&concur, expense, before).await, 200);
    // An unparsable date is ignored (RFC 7232): a full answer.
    assert_eq!(conditional_get(&concur, allocation, "yesterday").await, 200);
    // The demo allocations were last changed when the sandbox was seeded.
    assert_eq!(conditional_get(&concur, ALLOCATION, before).await, 200);
    assert_eq!(
        conditional_list(&concur, EXPENSE, "Fri, 31 Dec 9999 23:59:59 GMT").await,
        304
    );
    // A 404 stays a 404.
    assert_eq!(
        conditional_get(&concur, "00000000000000000000000000000000", after).await,
        404
    );

    // A PATCH changes the allocation: the same conditional requests now get it in full.
    concur
        .update_report_allocation()
        .user_id(USER)
        .context_type("TRAVELER")
        .report_id(REPORT)
        .allocation_id(allocation)
        .body(from_json::<t::UpdateReportAllocation>(json!({
            "allocation": {"customData": [{"id": "custom9", "value": "NEW", "isValid": true}]},
            "expenseIds": [expense]
        })))
        .send()
        .await
        .expect("PATCH");
    assert_eq!(conditional_get(&concur, allocation, after).await, 200);
    assert_eq!(conditional_list(&concur, expense, after).await, 200);
}

#[tokio::test]
async fn update_report_allocation_merges_custom_data() {
    let sb = start().await;
    let concur = sb.concur(ALL).await;
    // The vendor page's PATCH body, plus a new custom field.
    let patch: t::UpdateReportAllocation = from_json(json!({
        "allocation": {"customData": [
            {"id": "custom9", "value": "058713001E2CD943824280D9275FDC3F", "isValid": true},
            {"id": "custom10", "value": "ADDED", "isValid": false}
        ]},
        "expenseIds": [EXPENSE]
    }));
    let answer = concur
        .update_report_allocation()
        .user_id(USER)
        .context_type("TRAVELER")
        .report_id(REPORT)
        .allocation_id(ALLOCATION)
        .concur_correlationid("patch-1")
        .body(patch)
        .send()
        .await
        .expect("PATCH");
    assert_eq!(answer.status().as_u16(), 204);
    assert_eq!(answer.headers().correlation_id(), Some("patch-1"));
    // A second PATCH as PROXY replaces custom10 only.
    concur
        .update_report_allocation()
        .user_id(USER)
        .context_type("PROXY")
        .report_id(REPORT)
        .allocation_id(ALLOCATION)
        .body(from_json::<t::UpdateReportAllocation>(json!({
            "allocation": {"customData": [{"id": "custom10", "value": "CHANGED", "isValid": true}]},
            "expenseIds": [EXPENSE]
        })))
        .send()
        .await
        .expect("second PATCH");
    let read = concur
        .get_report_allocation()
        .user_id(USER)
        .context_type("TRAVELER")
        .report_id(REPORT)
        .allocation_id(ALLOCATION)
        .send()
        .await
        .expect("get")
        .into_inner();
    let custom: Vec<(String, Option<String>, bool)> = read
        .custom_data
        .iter()
        .map(|c| (c.id.clone(), text(&c.value).map(str::to_owned), c.is_valid))
        .collect();
    assert_eq!(
        custom,
        [
            (
                "custom9".to_owned(),
                Some("058713001E2CD943824280D9275FDC3F".to_owned()),
                true
            ),
            ("custom10".to_owned(), Some("CHANGED".to_owned()), true),
        ]
    );
    assert_eq!(
        read.account_code.as_deref(),
        Some("Pending Client"),
        "untouched"
    );
    let other = concur
        .get_report_allocation()
        .user_id(USER)
        .context_type("TRAVELER")
        .report_id(REPORT)
        .allocation_id(OTHER_ALLOCATION)
        .send()
        .await
        .expect("get")
        .into_inner();
    assert_eq!(
        text(&other.custom_data[0].value).map(str::to_owned),
        Some("88EACA3116581248BCE27956DE67647D".to_owned()),
        "the other allocation is untouched"
    );
}

#[tokio::test]
async fn update_report_allocation_documented_failures() {
    let sb = start().await;
    let concur = sb.concur(ALL).await;
    let body = |expense: &str| -> t::UpdateReportAllocation {
        from_json(json!({"allocation": {"customData": []}, "expenseIds": [expense]}))
    };
    let patch = |allocation: &'static str, body: t::UpdateReportAllocation| {
        concur
            .update_report_allocation()
            .user_id(USER)
            .context_type("TRAVELER")
            .report_id(REPORT)
            .allocation_id(allocation)
            .body(body)
            .send()
    };

    // 403: a system allocation.
    add_allocation(&sb, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", EXPENSE, true).await;
    let err = assert_failure(
        patch("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", body(EXPENSE)).await,
        403,
        "System allocation cannot be modified",
    );
    assert_eq!(concur_error(&err).http_status, "403 - Forbidden");
    assert_eq!(err.headers().correlation_id(), Some("e2e-sandbox"));
    // 404: an unknown expense in expenseIds, an unknown allocation.
    assert_failure(
        patch(ALLOCATION, body("00000000000000000000000000000000")).await,
        404,
        "expenseId not found",
    );
    assert_failure(
        patch("BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", body(EXPENSE)).await,
        404,
        "allocationId not found",
    );
    // 400: the allocation belongs to none of the listed expenses (another expense of the
    // report is listed).
    let second_expense = "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC";
    add_allocation(
        &sb,
        "DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD",
        second_expense,
        false,
    )
    .await;
    let err = assert_failure(
        patch(ALLOCATION, body(second_expense)).await,
        400,
        "does not belong to the listed expenseIds",
    );
    assert_eq!(concur_error(&err).http_status, "400 - Bad Request");
    // 403: a token without expense.report.readwrite.
    let read_only = sb.concur(READ).await;
    assert_failure(
        read_only
            .update_report_allocation()
            .user_id(USER)
            .context_type("TRAVELER")
            .report_id(REPORT)
            .allocation_id(ALLOCATION)
            .body(body(EXPENSE))
            .send()
            .await,
        403,
        "",
    );
    // 401.
    let stranger =
        spendapi_client::concur(sb.base.as_str(), ConcurAuth::bearer("forged")).expect("client");
    assert_failure(
        stranger
            .update_report_allocation()
            .user_id(USER)
            .context_type("TRAVELER")
            .report_id(REPORT)
            .allocation_id(ALLOCATION)
            .body(body(EXPENSE))
            .send()
            .await,
        401,
        "",
    );
    // On the wire: a context type PATCH does not support, and a custom value over 48
    // characters (which the typed client cannot build).
    let token = token(&sb).await;
    let err = raw_error(
        &sb,
        reqwest::Method::PATCH,
        &format!("/expensereports/v4/users/{USER}/context/MANAGER/reports/{REPORT}/allocations/{ALLOCATION}"),
        &token,
    )
    .await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(
        err.messages(),
        ["Specified context type is invalid for this API"]
    );
    let response = sb
        .http
        .patch(sb.url(&format!(
            "/expensereports/v4/users/{USER}/context/TRAVELER/reports/{REPORT}/allocations/{ALLOCATION}"
        )))
        .bearer_auth(&token)
        .json(&json!({"allocation": {"customData": [
            {"id": "custom9", "value": "X".repeat(49), "isValid": true}
        ]}, "expenseIds": [EXPENSE]}))
        .send()
        .await
        .expect("raw PATCH");
    let err = VendorError::from_response(response).await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert!(
        err.headers().correlation_id().is_some(),
        "a correlation id is always sent"
    );

    // Nothing changed.
    let read = concur
        .get_report_allocation()
        .user_id(USER)
        .context_type("TRAVELER")
        .report_id(REPORT)
        .allocation_id(ALLOCATION)
        .send()
        .await
        .expect("get")
        .into_inner();
    assert_eq!(
        text(&read.custom_data[0].value).map(str::to_owned),
        Some("D3954B47BCEC9446A4FFC49E0000B46E".to_owned())
    );
}
