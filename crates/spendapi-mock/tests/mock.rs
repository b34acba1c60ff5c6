//! The typed mocks against the real client: a partner-style unit test, and every operation's
//! helper used once (the last test checks that this file names every operationId of the specs).

use serde::de::DeserializeOwned;
use serde_json::json;
use spendapi_client::{ConcurAuth, CoupaAuth, VendorError};
use spendapi_mock::MockServer;
use spendapi_mock::concur_expense_allocations::MockServerExt as _;
use spendapi_mock::coupa_accounts::MockServerExt as _;
use spendapi_mock::coupa_delegations::MockServerExt as _;
use spendapi_mock::coupa_integration_history_records::MockServerExt as _;
use spendapi_mock::cso_events::MockServerExt as _;

use spendapi_client::concur_expense_allocations::types as concur;
use spendapi_client::coupa_accounts::types as accounts;
use spendapi_client::coupa_delegations::types as delegations;
use spendapi_client::coupa_integration_history_records::types as records;
use spendapi_client::cso_events::types as cso;

fn typed<T: DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).expect("a value of the type")
}

fn nz(n: u64) -> std::num::NonZeroU64 {
    std::num::NonZeroU64::new(n).expect("not zero")
}

fn coupa(server: &MockServer) -> spendapi_client::CoupaClients {
    spendapi_client::coupa(server.base_url(), CoupaAuth::bearer("test-token")).expect("client")
}

/// Code a partner would write: creates the account for a cost centre, unless it exists.
async fn ensure_cost_centre(
    coupa: &spendapi_client::CoupaClients,
    code: &str,
) -> Result<u64, VendorError> {
    let existing = coupa
        .accounts
        .list_accounts()
        .code(code)
        .send()
        .await?
        .into_inner();
    if let Some(id) = existing.0.first().and_then(|a| a.id) {
        return Ok(u64::try_from(id).unwrap_or_default());
    }
    let created = coupa
        .accounts
        .create_account()
        .body(typed::<accounts::AccountCreate>(json!({
            "name": format!("Cost centre {code}"),
            "code": code,
            "account-type": {"name": "Ace"},
            "segment-1": code,
        })))
        .send()
        .await?
        .into_inner();
    Ok(created
        .id
        .and_then(|id| u64::try_from(id).ok())
        .unwrap_or_default())
}

#[tokio::test]
async fn a_partner_unit_test_asserts_on_the_request_its_code_made() {
    let server = MockServer::start_async().await;
    let lookup = server.list_accounts(|when, then| {
        when.code("SF-100");
        then.ok(&accounts::AccountList(Vec::new()));
    });
    let expected: accounts::AccountCreate = typed(json!({
        "name": "Cost centre SF-100",
        "code": "SF-100",
        "account-type": {"name": "Ace"},
        "segment-1": "SF-100",
    }));
    let create = server.create_account(|when, then| {
        when.body(&expected);
        then.created(&typed(json!({"id": 77, "code": "SF-100"})));
    });

    let id = ensure_cost_centre(&coupa(&server), "SF-100")
        .await
        .expect("created");
    assert_eq!(id, 77);
    lookup.assert_async().await;
    create.assert_async().await;

    // The code under test does not create what exists.
    let server = MockServer::start_async().await;
    server.list_accounts(|when, then| {
        when.code("SF-100");
        then.ok(&typed(json!([{"id": 5, "code": "SF-100"}])));
    });
    let create = server.create_account(|_, then| {
        then.created(&typed(json!({"id": 1})));
    });
    let id = ensure_cost_centre(&coupa(&server), "SF-100")
        .await
        .expect("found");
    assert_eq!(id, 5);
    create.assert_calls_async(0).await;
}

#[tokio::test]
async fn a_typed_error_response_reaches_the_caller_as_a_vendor_error() {
    let server = MockServer::start_async().await;
    server.get_account(|when, then| {
        when.id(nz(404));
        then.not_found(&typed(json!({"errors": {"base": ["Record not found"]}})));
    });
    let err = VendorError::from(
        coupa(&server)
            .accounts
            .get_account()
            .id(404u64)
            .send()
            .await
            .expect_err("404"),
    );
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.messages(), ["Record not found"]);
}

#[tokio::test]
async fn every_coupa_core_helper_against_the_client() {
    let server = MockServer::start_async().await;
    let coupa = coupa(&server);
    let account = json!({"id": 7, "code": "SF-100", "name": "SF"});
    let record = json!({"id": 9, "document-id": 4812, "responses": []});
    let record_create: records::IntegrationHistoryRecordCreate = typed(json!({
        "contact-alert-type": "Functional",
        "document-id": 4812,
        "document-type": "InvoiceHeader",
        "responses": [{"response-code": "E-1001", "response-message": "Supplier not found"}],
    }));
    let record_update: records::IntegrationHistoryRecordUpdate =
        typed(json!({"responses": [{"response-code": "E-1002"}]}));

    // coupa-accounts
    let mocks = [
        server.list_accounts(|when, then| {
            when.segment_1(&typed::<accounts::ListAccountsSegment1>(json!("SF")))
                .limit(nz(10));
            then.ok(&typed(json!([account])));
        }),
        server.create_account(|when, then| {
            when.body(&typed(
                json!({"name": "N", "account-type": {"name": "Ace"}}),
            ));
            then.created(&typed(account.clone()));
        }),
        server.get_account(|when, then| {
            when.id(nz(7));
            then.ok(&typed(account.clone()));
        }),
        server.update_account(|when, then| {
            when.id(nz(7)).body(&typed(json!({"active": false})));
            then.ok(&typed(account.clone()));
        }),
        server.update_account_allocation(|when, then| {
            when.body(&typed(json!({"id": 7})));
            then.ok(&typed(account.clone()));
        }),
    ];
    let list = coupa
        .accounts
        .list_accounts()
        .segment_1("SF")
        .limit(10u64)
        .send()
        .await
        .expect("list_accounts");
    assert_eq!(list.0.len(), 1);
    let created = coupa
        .accounts
        .create_account()
        .body(typed::<accounts::AccountCreate>(
            json!({"name": "N", "account-type": {"name": "Ace"}}),
        ))
        .send()
        .await
        .expect("create_account");
    assert_eq!(created.code.as_deref(), Some("SF-100"));
    coupa
        .accounts
        .get_account()
        .id(7u64)
        .send()
        .await
        .expect("get_account");
    coupa
        .accounts
        .update_account()
        .id(7u64)
        .body(typed::<accounts::AccountUpdate>(json!({"active": false})))
        .send()
        .await
        .expect("update_account");
    coupa
        .accounts
        .update_account_allocation()
        .body(typed::<accounts::AccountAllocationUpdate>(json!({"id": 7})))
        .send()
        .await
        .expect("update_account_allocation");

    // coupa-delegations
    let delegations_mock = server.list_delegations(|when, then| {
        when.limit(nz(5));
        then.ok(&typed::<delegations::DelegationList>(
            json!([{"id": 3, "delegator-id": 1, "delegate-id": 2}]),
        ));
    });
    let list = coupa
        .delegations
        .list_delegations()
        .limit(5u64)
        .send()
        .await
        .expect("list_delegations");
    assert_eq!(list.0.len(), 1);

    // coupa-integration-history-records
    let record_mocks = [
        server.list_integration_history_records(|when, then| {
            when.limit(nz(2));
            then.ok(&typed(json!([record])));
        }),
        server.create_integration_history_record(|when, then| {
            when.body(&record_create);
            then.created(&typed(record.clone()));
        }),
        server.get_integration_history_record(|when, then| {
            when.id(nz(9));
            then.ok(&typed(record.clone()));
        }),
        server.update_integration_history_record(|when, then| {
            when.id(nz(9)).body(&record_update);
            then.ok(&typed(record.clone()));
        }),
        server.patch_integration_history_record(|when, then| {
            when.id(nz(9)).body(&record_update);
            then.ok(&typed(record.clone()));
        }),
        server.acknowledge_integration_history_record(|when, then| {
            when.body(&record_create);
            then.created(&typed(record.clone()));
        }),
        server.create_alert_integration_history_record(|when, then| {
            when.body(&record_create);
            then.created(&typed(record.clone()));
        }),
        server.create_alert_and_mark_exported_integration_history_record(|when, then| {
            when.body(&record_create);
            then.created(&typed(record.clone()));
        }),
        server.mark_exported_integration_history_record(|when, then| {
            when.body(&record_create);
            then.created(&typed(record.clone()));
        }),
        server.resolve_integration_history_record(|when, then| {
            when.id(nz(9));
            then.ok(&typed(record.clone()));
        }),
        server.unresolve_integration_history_record(|when, then| {
            when.id(nz(9));
            then.ok(&typed(record.clone()));
        }),
    ];
    let h = &coupa.integration_history_records;
    let list = h
        .list_integration_history_records()
        .limit(2u64)
        .send()
        .await
        .expect("list_integration_history_records");
    assert_eq!(list.0.len(), 1);
    h.create_integration_history_record()
        .body(record_create.clone())
        .send()
        .await
        .expect("create_integration_history_record");
    h.get_integration_history_record()
        .id(9u64)
        .send()
        .await
        .expect("get_integration_history_record");
    h.update_integration_history_record()
        .id(9u64)
        .body(record_update.clone())
        .send()
        .await
        .expect("update_integration_history_record");
    h.patch_integration_history_record()
        .id(9u64)
        .body(record_update.clone())
        .send()
        .await
        .expect("patch_integration_history_record");
    h.acknowledge_integration_history_record()
        .body(record_create.clone())
        .send()
        .await
        .expect("acknowledge_integration_history_record");
    h.create_alert_integration_history_record()
        .body(record_create.clone())
        .send()
        .await
        .expect("create_alert_integration_history_record");
    h.create_alert_and_mark_exported_integration_history_record()
        .body(record_create.clone())
        .send()
        .await
        .expect("create_alert_and_mark_exported_integration_history_record");
    h.mark_exported_integration_history_record()
        .body(record_create.clone())
        .send()
        .await
        .expect("mark_exported_integration_history_record");
    h.resolve_integration_history_record()
        .id(9u64)
        .send()
        .await
        .expect("resolve_integration_history_record");
    let unresolved = h
        .unresolve_integration_history_record()
        .id(9u64)
        .send()
        .await
        .expect("unresolve_integration_history_record");
    assert_eq!(unresolved.id, Some(9));

    for mock in mocks.iter().chain(&record_mocks) {
        mock.assert_async().await;
    }
    delegations_mock.assert_async().await;
}

#[tokio::test]
async fn every_cso_helper_against_the_client() {
    const EVENT: &str = "9219595375673293031";
    let server = MockServer::start_async().await;
    let events = spendapi_client::cso(server.base_url(), "test-key").expect("client");
    let create: cso::EventCreateRequest =
        typed(json!({"events": [{"market-id": "9220538753220565329", "name": "LTL"}]}));
    let update: cso::EventUpdateRequest = typed(json!({"events": [{"id": EVENT, "name": "FTL"}]}));
    let delete: cso::EventDeleteRequest = typed(json!({"events": [{"id": EVENT}]}));
    let ok = json!([{"type": "success"}]);
    let mocks = [
        server.list_events(|when, then| {
            when.limit(nz(250));
            then.ok(&typed(
                json!({"total": 1, "events": [{"id": EVENT, "name": "LTL"}]}),
            ));
        }),
        server.create_events(|when, then| {
            when.body(&create);
            then.created(&typed(
                json!({"added": 1, "events": [{"id": EVENT}], "result": ok}),
            ));
        }),
        server.update_events(|when, then| {
            when.body(&update);
            then.ok(&typed(json!({"updated": 1, "result": ok})));
        }),
        server.delete_events(|when, then| {
            when.body(&delete);
            then.ok(&typed(json!({"deleted": 1, "result": ok})));
        }),
        server.get_event(|when, then| {
            when.id(&typed(json!(EVENT)));
            then.ok(&typed(json!({"id": EVENT, "name": "LTL"})));
        }),
        server.update_event(|when, then| {
            when.id(&typed(json!(EVENT)))
                .body(&typed(json!({"name": "FTL"})));
            then.ok(&typed(json!({"updated": 1, "result": ok})));
        }),
        server.delete_event(|when, then| {
            when.id(&typed(json!(EVENT)));
            then.ok(&typed(json!({"deleted": 1, "result": ok})));
        }),
    ];
    let list = events
        .list_events()
        .limit(250u64)
        .send()
        .await
        .expect("list_events");
    assert_eq!(list.total, 1);
    let added = events
        .create_events()
        .body(create.clone())
        .send()
        .await
        .expect("create_events");
    assert_eq!(added.added, 1);
    events
        .update_events()
        .body(update.clone())
        .send()
        .await
        .expect("update_events");
    events
        .delete_events()
        .body(delete.clone())
        .send()
        .await
        .expect("delete_events");
    events
        .get_event()
        .id(EVENT)
        .send()
        .await
        .expect("get_event");
    events
        .update_event()
        .id(EVENT)
        .body(typed::<cso::EventUpdate>(json!({"name": "FTL"})))
        .send()
        .await
        .expect("update_event");
    let deleted = events
        .delete_event()
        .id(EVENT)
        .send()
        .await
        .expect("delete_event");
    assert_eq!(deleted.deleted, 1);
    for mock in &mocks {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn every_concur_helper_against_the_client() {
    const USER: &str = "0f5b5d7a-3d4e-4c1b-9a56-1b2c3d4e5f60";
    const REPORT: &str = "4F3A2B1C0D9E8F7A6B5C";
    const ALLOCATION: &str = "A1B2C3D4E5F60718293A4B5C6D7E8F90";
    const EXPENSE: &str = "0123456789ABCDEF0123456789ABCDEF";
    let allocation = json!({
        "allocationId": ALLOCATION,
        "expenseId": EXPENSE,
        "isPercentEdited": false,
        "isSystemAllocation": false,
        "percentage": 100.0,
        "customData": [],
    });
    let patch: concur::UpdateReportAllocation = typed(json!({
        "allocation": {"customData": [{"id": "custom1", "value": "MKT", "isValid": true}]},
        "expenseIds": [EXPENSE],
    }));
    let server = MockServer::start_async().await;
    let client = spendapi_client::concur(server.base_url(), ConcurAuth::bearer("test-token"))
        .expect("client");
    let mocks = [
        server.list_expense_allocations(|when, then| {
            when.user_id(&typed(json!(USER)))
                .context_type(typed(json!("TRAVELER")))
                .report_id(&typed(json!(REPORT)))
                .expense_id(&typed(json!(EXPENSE)));
            then.ok(&typed(json!([allocation])));
        }),
        server.get_report_allocation(|when, then| {
            when.allocation_id(&typed(json!(ALLOCATION)));
            then.ok(&typed(allocation.clone()));
        }),
        server.update_report_allocation(|when, then| {
            when.allocation_id(&typed(json!(ALLOCATION))).body(&patch);
            then.no_content();
        }),
    ];
    let list = client
        .list_expense_allocations()
        .user_id(USER)
        .context_type("TRAVELER")
        .report_id(REPORT)
        .expense_id(EXPENSE)
        .send()
        .await
        .expect("list_expense_allocations");
    assert_eq!(list.0.len(), 1);
    let one = client
        .get_report_allocation()
        .user_id(USER)
        .context_type("TRAVELER")
        .report_id(REPORT)
        .allocation_id(ALLOCATION)
        .send()
        .await
        .expect("get_report_allocation");
    assert_eq!(one.percentage, 100.0);
    client
        .update_report_allocation()
        .user_id(USER)
        .context_type("PROXY")
        .report_id(REPORT)
        .allocation_id(ALLOCATION)
        .body(patch.clone())
        .send()
        .await
        .expect("update_report_allocation");
    for mock in &mocks {
        mock.assert_async().await;
    }
}

/// Every operationId of the specs has its helper used in this file, and every helper used is
/// an operation of the specs (as the sandbox's coverage test does for the end-to-end suite).
#[test]
fn every_operation_of_the_specs_has_its_helper_used_above() {
    let this_file = include_str!("mock.rs");
    let root = spendapi_spec::workspace_root();
    let mut in_specs = std::collections::BTreeSet::new();
    for file in spendapi_spec::spec_files(&root).expect("spec files") {
        let doc = spendapi_spec::bundle(&file).expect("bundled spec");
        for operation in spendapi_spec::operations(&doc) {
            in_specs.insert(operation.id().expect("operationId").to_owned());
        }
    }
    let used: std::collections::BTreeSet<String> = this_file
        .split("server.")
        .skip(1)
        .filter_map(|rest| rest.split_once("(|"))
        .map(|(name, _)| name.to_owned())
        .filter(|name| name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect();
    assert_eq!(in_specs.len(), 27, "{in_specs:?}");
    let missing: Vec<&String> = in_specs.difference(&used).collect();
    let unknown: Vec<&String> = used.difference(&in_specs).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "operations whose mock helper is not used: {missing:?}; helpers not in the specs: {unknown:?}"
    );
}
