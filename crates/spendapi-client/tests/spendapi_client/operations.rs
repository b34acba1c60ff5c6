//! Compile-only: every operation of every generated client, one line each. The function is
//! never run; it proves each operationId (27 across the five specs, listed by
//! `grep -h operationId openapi/*.yaml`) exists with the documented parameters and that the
//! hand-written hooks make every client's `send()` compile.

#![allow(dead_code)]

use spendapi_client::{
    concur_expense_allocations as concur, coupa_accounts as accounts,
    coupa_delegations as delegations, coupa_integration_history_records as ihr, cso_events as cso,
};

const USER: &str = "0f5b5d7a-3d4e-4c1b-9a56-1b2c3d4e5f60";
const REPORT: &str = "4F3A2B1C0D9E8F7A6B5C";
const ALLOCATION: &str = "A1B2C3D4E5F60718293A4B5C6D7E8F90";
const EXPENSE: &str = "0123456789ABCDEF0123456789ABCDEF";
const EVENT: &str = "9219595375673293031";

async fn every_operation(
    a: &accounts::Client,
    d: &delegations::Client,
    h: &ihr::Client,
    e: &cso::Client,
    c: &concur::Client,
) {
    // coupa-accounts.yaml (5)
    let _ = a.list_accounts().limit(50u64).offset(0u64).send().await;
    let _ = a.create_account().body_map(|b| b).send().await;
    let _ = a.get_account().id(1u64).send().await;
    let _ = a.update_account().id(1u64).body_map(|b| b).send().await;
    let _ = a.update_account_allocation().body_map(|b| b).send().await;
    // coupa-delegations.yaml (1)
    let _ = d.list_delegations().limit(50u64).send().await;
    // coupa-integration-history-records.yaml (11)
    let _ = h
        .list_integration_history_records()
        .limit(50u64)
        .send()
        .await;
    let _ = h
        .create_integration_history_record()
        .body_map(|b| b)
        .send()
        .await;
    let _ = h.get_integration_history_record().id(1u64).send().await;
    let _ = h
        .update_integration_history_record()
        .id(1u64)
        .body_map(|b| b)
        .send()
        .await;
    let _ = h
        .patch_integration_history_record()
        .id(1u64)
        .body_map(|b| b)
        .send()
        .await;
    let _ = h
        .acknowledge_integration_history_record()
        .body_map(|b| b)
        .send()
        .await;
    let _ = h
        .create_alert_integration_history_record()
        .body_map(|b| b)
        .send()
        .await;
    let _ = h
        .create_alert_and_mark_exported_integration_history_record()
        .body_map(|b| b)
        .send()
        .await;
    let _ = h
        .mark_exported_integration_history_record()
        .body_map(|b| b)
        .send()
        .await;
    let _ = h.resolve_integration_history_record().id(1u64).send().await;
    let _ = h
        .unresolve_integration_history_record()
        .id(1u64)
        .send()
        .await;
    // cso-events.yaml (7)
    let _ = e.list_events().limit(250u64).offset(0u64).send().await;
    let _ = e.create_events().body_map(|b| b).send().await;
    let _ = e.update_events().body_map(|b| b).send().await;
    let _ = e.delete_events().body_map(|b| b).send().await;
    let _ = e.get_event().id(EVENT).send().await;
    let _ = e.update_event().id(EVENT).body_map(|b| b).send().await;
    let _ = e.delete_event().id(EVENT).send().await;
    // concur-expense-allocations.yaml (3)
    let _ = c
        .list_expense_allocations()
        .user_id(USER)
        .context_type("TRAVELER")
        .report_id(REPORT)
        .expense_id(EXPENSE)
        .send()
        .await;
    let _ = c
        .get_report_allocation()
        .user_id(USER)
        .context_type("TRAVELER")
        .report_id(REPORT)
        .allocation_id(ALLOCATION)
        .send()
        .await;
    let _ = c
        .update_report_allocation()
        .user_id(USER)
        .context_type("PROXY")
        .report_id(REPORT)
        .allocation_id(ALLOCATION)
        .body_map(|b| b)
        .send()
        .await;
}

/// Every generated error converts into `VendorError`, so `?` works across vendors.
async fn errors_convert(
    a: &accounts::Client,
    e: &cso::Client,
    c: &concur::Client,
) -> Result<(), spendapi_client::VendorError> {
    a.list_accounts().send().await?;
    e.list_events().send().await?;
    c.get_report_allocation().send().await?;
    Ok(())
}

/// The generated futures are `Send`, so they can be spawned.
fn futures_are_send(a: &'static accounts::Client) {
    fn assert_send<T: Send>(_: T) {}
    assert_send(a.list_accounts().send());
}

/// The list above is complete: every operationId in the specs is called in this file, so an
/// operation added to a spec fails here until it gets its compile-only line.
#[test]
fn every_operation_of_every_spec_is_called_above() {
    let this_file = include_str!("operations.rs");
    let specs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi");
    let mut ids = Vec::new();
    for entry in std::fs::read_dir(&specs).expect("openapi dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).expect("spec");
            ids.extend(text.lines().filter_map(|line| {
                line.trim()
                    .strip_prefix("operationId:")
                    .map(|id| id.trim().to_owned())
            }));
        }
    }
    assert_eq!(ids.len(), 27, "{ids:?}");
    let missing: Vec<&String> = ids
        .iter()
        .filter(|id| !this_file.contains(&format!(".{id}()")))
        .collect();
    assert!(
        missing.is_empty(),
        "operations without a compile-only call: {missing:?}"
    );
}
