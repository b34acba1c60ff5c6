use spendapi_client::generated::concur_expense_allocations::types as t;
use spendapi_client::{ConcurAuth, CorrelationIdExt as _, VendorError};
use spendapi_e2e::{Allocations, CONCUR_TOKEN, serve};

const USER: &str = "32c2fcc3-b2e8-4907-9672-5b3f49b1c643";
const REPORT: &str = "764428DD6A664AF0BFCB";
const ALLOCATION: &str = "3BBB494511E1C74DA04469C45B039871";
const EXPENSE: &str = "29EE3C62F5D844458828A5C1086072D1";

#[tokio::test]
async fn patch_then_read_back_with_correlation_ids() {
    let allocations = Allocations::with_example();
    let base = serve(spendapi_server::concur_expense_allocations::router(
        allocations.clone(),
    ))
    .await;
    let concur = spendapi_client::Config::new(base.as_str())
        .correlation_id("e2e-correlation")
        .concur(ConcurAuth::bearer(CONCUR_TOKEN))
        .expect("client");

    let patch: t::UpdateReportAllocation = serde_json::from_value(serde_json::json!({
        "allocation": {"customData": [{"id": "custom9", "value": "058713001E2CD943824280D9275FDC3F", "isValid": true}]},
        "expenseIds": [EXPENSE]
    }))
    .expect("the vendor page's PATCH body");
    let answer = concur
        .update_report_allocation()
        .user_id(USER)
        .context_type("TRAVELER")
        .report_id(REPORT)
        .allocation_id(ALLOCATION)
        .body(patch)
        .send()
        .await
        .expect("204");
    assert_eq!(answer.status().as_u16(), 204);
    assert_eq!(
        answer.headers().correlation_id(),
        Some("e2e-correlation"),
        "echoed"
    );

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
        read.custom_data[0].value.as_deref().map(|v| v.to_string()),
        Some("058713001E2CD943824280D9275FDC3F".into())
    );

    let list = concur
        .list_expense_allocations()
        .user_id(USER)
        .context_type("TRAVELER")
        .report_id(REPORT)
        .expense_id(EXPENSE)
        .send()
        .await
        .expect("list")
        .into_inner();
    assert_eq!(list.0.len(), 1);

    // The implementation saw the client's correlation id on every call.
    let seen = allocations.seen_correlation_ids.lock().await.clone();
    assert_eq!(seen, vec![Some("e2e-correlation".to_owned()); 3]);

    // An unknown allocation: Concur's ErrorMessage, status and correlation id intact.
    let err = concur
        .get_report_allocation()
        .user_id(USER)
        .context_type("TRAVELER")
        .report_id(REPORT)
        .allocation_id("00000000000000000000000000000000")
        .send()
        .await
        .expect_err("404");
    let err = VendorError::from(err);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.messages(), ["allocationId not found"]);
    assert_eq!(err.headers().correlation_id(), Some("e2e-correlation"));
}

#[tokio::test]
async fn a_bad_token_is_a_concur_401() {
    let base = serve(spendapi_server::concur_expense_allocations::router(
        Allocations::with_example(),
    ))
    .await;
    let concur =
        spendapi_client::concur(base.as_str(), ConcurAuth::bearer("wrong")).expect("client");
    let err = concur
        .get_report_allocation()
        .user_id(USER)
        .context_type("TRAVELER")
        .report_id(REPORT)
        .allocation_id(ALLOCATION)
        .send()
        .await
        .expect_err("401");
    let err = VendorError::from(err);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert!(
        err.body_text().contains("\"httpStatus\""),
        "{}",
        err.body_text()
    );
}
