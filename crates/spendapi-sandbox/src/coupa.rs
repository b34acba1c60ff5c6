//! Coupa Core: accounts, delegations and integration history records.
//!
//! Documents are stored in their JSON wire form (kebab-case names). Each resource converts
//! between stored documents and the generated types in one place: `to_<resource>` reads a
//! stored document into the response type, and the write paths turn the typed request body
//! back into its wire form with `serde_json::to_value` before merging it into the document.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use spendapi_server::Caller;
use spendapi_server::coupa_accounts::*;
use spendapi_server::coupa_delegations::*;
use spendapi_server::coupa_integration_history_records::*;
use spendapi_types::coupa_accounts as accounts;
use spendapi_types::coupa_common::{CoupaJsonErrors, CoupaSortDirection};
use spendapi_types::coupa_delegations as delegations;
use spendapi_types::coupa_integration_history_records as records;

use crate::query::{self, COUPA_RESERVED, Index, Resource, Shape};
use crate::store::{self, Key, Pred, SqlOp};
use crate::{Sandbox, now_text};

/// An answer other than success: the status and the messages of a Coupa error body.
#[derive(Debug)]
pub enum Failure {
    BadRequest(Vec<String>),
    NotFound(Vec<String>),
    Internal(String),
}

impl From<anyhow::Error> for Failure {
    fn from(err: anyhow::Error) -> Failure {
        Failure::Internal(format!("{err:#}"))
    }
}

/// Coupa's JSON error body: `{"errors": {"<resource>": [messages]}}`.
pub fn errors(resource: &str, messages: Vec<String>) -> CoupaJsonErrors {
    CoupaJsonErrors {
        errors: HashMap::from([(resource.to_owned(), messages)]),
    }
}

/// Reads a document into a generated type. The documents are written by this crate from the
/// same types, so a failure here is a bug: the caller answers 500 through the runtime.
fn typed<T: DeserializeOwned>(value: Value) -> Result<T, Failure> {
    serde_json::from_value(value)
        .map_err(|err| Failure::Internal(format!("stored document: {err}")))
}

/// The short user object of the caller (`created-by`, `updated-by`).
fn caller_user(caller: &Caller) -> Value {
    json!({"id": 1, "login": caller.subject})
}

/// Reads the index conventions of a request.
#[allow(clippy::too_many_arguments)]
async fn index(
    sandbox: &Sandbox,
    resource: &Resource,
    caller: &Caller,
    limit: Option<i64>,
    offset: Option<i64>,
    order_by: Option<&str>,
    dir: Option<CoupaSortDirection>,
    return_object: Option<String>,
    fields: Option<&str>,
) -> Result<Vec<Value>, Failure> {
    // Admin-defined API filters (`filter=<name>`) live in the customer's instance; the sandbox
    // has none.
    if let Some((_, name)) = caller.request.query.iter().find(|(k, _)| k == "filter") {
        return Err(Failure::BadRequest(vec![format!(
            "API filter '{name}' does not exist"
        )]));
    }
    let filters = query::filters(resource, &caller.request.query)
        .map_err(|m| Failure::BadRequest(vec![m]))?;
    let order_by = query::order_by(resource, order_by).map_err(|m| Failure::BadRequest(vec![m]))?;
    let shape = Shape::new(return_object, fields).map_err(|m| Failure::BadRequest(vec![m]))?;
    let index = Index {
        filters,
        order_by,
        desc: matches!(dir, Some(CoupaSortDirection::Desc)),
        // The documented maximum is 50 (the spec rejects more; clamping covers a spec that
        // one day allows it).
        limit: limit.unwrap_or(50).clamp(1, 50),
        offset: offset.unwrap_or(0).max(0),
    };
    let page = query::run(&sandbox.store, resource, &index).await?;
    if page.docs.is_empty() && caller.request.media.ends_with("xml") {
        return Err(Failure::NotFound(vec![
            "No records matched the query.".to_owned(),
        ]));
    }
    Ok(page.docs.iter().map(|d| shape.apply(d)).collect())
}

/// Applies `fields`/`return_object` to a single document.
fn shaped(
    doc: &Value,
    return_object: Option<String>,
    fields: Option<&str>,
) -> Result<Value, Failure> {
    let shape = Shape::new(return_object, fields).map_err(|m| Failure::BadRequest(vec![m]))?;
    Ok(shape.apply(doc))
}

/// Merges the elements `patch` sets (non-null) into `doc`.
fn merge(doc: &mut Value, patch: &Value) {
    if let (Some(doc), Some(patch)) = (doc.as_object_mut(), patch.as_object()) {
        for (k, v) in patch {
            if !v.is_null() {
                doc.insert(k.clone(), v.clone());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Accounts

pub const ACCOUNT_ATTRIBUTES: &[&str] = &[
    "id",
    "name",
    "code",
    "active",
    "account-type",
    "account-type-id",
    "segment-1",
    "segment-2",
    "segment-3",
    "segment-4",
    "segment-5",
    "segment-6",
    "segment-7",
    "segment-8",
    "segment-9",
    "segment-10",
    "segment-11",
    "segment-12",
    "segment-13",
    "segment-14",
    "segment-15",
    "segment-16",
    "segment-17",
    "segment-18",
    "segment-19",
    "segment-20",
    "created-at",
    "updated-at",
    "created-by",
    "updated-by",
];

const TIMESTAMPS: &[&str] = &["created-at", "updated-at"];

pub static ACCOUNTS: Resource = Resource {
    table: &store::ACCOUNTS,
    attributes: ACCOUNT_ATTRIBUTES,
    datetimes: TIMESTAMPS,
    aliases: &[("account-type/id", "account-type-id")],
    reserved: COUPA_RESERVED,
    default_order: "id",
};

/// The account's `code`: its non-empty segments joined with `-`.
pub fn account_code(doc: &Value) -> String {
    (1..=20)
        .filter_map(|i| doc.get(format!("segment-{i}")).and_then(Value::as_str))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Resolves an `account-type` reference (`{"id": …}` or `{"name": …}`) to the stored chart
/// of accounts `{"id", "name"}`.
async fn account_type(sandbox: &Sandbox, reference: &Value) -> Result<Value, Failure> {
    let by_id = reference.get("id").and_then(Value::as_i64);
    let by_name = reference.get("name").and_then(Value::as_str);
    let found = match (by_id, by_name) {
        (Some(id), _) => {
            sandbox
                .store
                .get(&store::ACCOUNT_TYPES, &Key::Int(id))
                .await?
        }
        (None, Some(name)) => {
            let select = store::Select {
                preds: vec![Pred {
                    column: "name",
                    op: SqlOp::Eq,
                    value: store::Bind::Text(name.to_owned()),
                }],
                ..Default::default()
            };
            sandbox
                .store
                .list(&store::ACCOUNT_TYPES, &select)
                .await?
                .into_iter()
                .next()
        }
        (None, None) => {
            return Err(Failure::BadRequest(vec![
                "Account type can't be blank".into(),
            ]));
        }
    };
    let Some(found) = found else {
        return Err(Failure::BadRequest(vec![format!(
            "Account type {} does not exist",
            by_id
                .map(|i| i.to_string())
                .or(by_name.map(str::to_owned))
                .unwrap_or_default()
        )]));
    };
    // Also fails when the reference names a different chart than its id.
    if let (Some(_), Some(name)) = (by_id, by_name)
        && found.get("name").and_then(Value::as_str) != Some(name)
    {
        return Err(Failure::BadRequest(vec![format!(
            "Account type {name} does not match id {}",
            by_id.unwrap_or_default()
        )]));
    }
    Ok(found)
}

/// Writes an account: resolves its chart of accounts, computes `code`, stamps it. `patch` is
/// the wire form of the request body. (Codes are not checked for uniqueness: the vendor does
/// not document it.)
async fn write_account(
    sandbox: &Sandbox,
    caller: &Caller,
    id: Option<i64>,
    patch: Value,
) -> Result<Value, Failure> {
    let mut patch = patch;
    if let Some(map) = patch.as_object_mut() {
        // Read-only elements sent anyway are accepted and ignored.
        for key in [
            "id",
            "code",
            "account-type-id",
            "created-at",
            "updated-at",
            "created-by",
            "updated-by",
        ] {
            map.remove(key);
        }
    }
    let chart = match patch.get("account-type") {
        Some(reference) if !reference.is_null() => Some(account_type(sandbox, reference).await?),
        _ => None,
    };
    let mut tx = sandbox.store.begin().await?;
    let now = now_text();
    let mut doc = match id {
        Some(id) => match tx.get(&store::ACCOUNTS, &Key::Int(id)).await? {
            Some(doc) => doc,
            None => return Err(Failure::NotFound(vec![format!("Account {id} not found")])),
        },
        None => {
            let Some(_) = &chart else {
                return Err(Failure::BadRequest(vec![
                    "Account type can't be blank".into(),
                ]));
            };
            let id = tx.next("accounts", 0).await?;
            json!({"id": id, "created-at": now, "created-by": caller_user(caller)})
        }
    };
    patch.as_object_mut().map(|m| m.remove("account-type"));
    merge(&mut doc, &patch);
    if let Some(chart) = chart {
        doc["account-type-id"] = chart["id"].clone();
        doc["account-type"] = chart;
    }
    let code = account_code(&doc);
    if code.is_empty() {
        return Err(Failure::BadRequest(vec!["Segment 1 can't be blank".into()]));
    }
    doc["code"] = Value::from(code);
    if doc.get("active").is_none_or(Value::is_null) {
        doc["active"] = Value::Bool(true);
    }
    doc["updated-at"] = Value::from(now);
    doc["updated-by"] = caller_user(caller);
    tx.put(&store::ACCOUNTS, &doc).await?;
    tx.commit().await?;
    Ok(doc)
}

fn return_object_write(
    r: Option<spendapi_types::coupa_common::CoupaReturnObjectWrite>,
) -> Option<String> {
    r.map(|r| r.to_string())
}

macro_rules! coupa_answer {
    ($resp:ident, $result:expr, $ok:ident, $resource:expr) => {
        match $result {
            Ok(value) => $resp::$ok(value),
            Err(Failure::BadRequest(m)) => $resp::BadRequest(errors($resource, m)),
            Err(Failure::NotFound(m)) => coupa_not_found!($resp, $resource, m),
            Err(Failure::Internal(m)) => panic!("{m}"),
        }
    };
}

/// `NotFound` for responses that document 404; the others never produce it.
macro_rules! coupa_not_found {
    (CreateAccountResponse, $resource:expr, $m:expr) => {
        CreateAccountResponse::BadRequest(errors($resource, $m))
    };
    (CreateIntegrationHistoryRecordResponse, $resource:expr, $m:expr) => {
        CreateIntegrationHistoryRecordResponse::BadRequest(errors($resource, $m))
    };
    ($resp:ident, $resource:expr, $m:expr) => {
        $resp::NotFound(errors($resource, $m))
    };
}

impl CoupaAccounts for Sandbox {
    async fn list_accounts(
        &self,
        caller: Caller,
        query: ListAccountsQuery,
    ) -> ListAccountsResponse {
        let result = async {
            let docs = index(
                self,
                &ACCOUNTS,
                &caller,
                query.limit,
                query.offset,
                query.order_by.as_deref(),
                query.dir,
                query.return_object.map(|r| r.to_string()),
                query.fields.as_deref(),
            )
            .await?;
            Ok(accounts::AccountList(
                docs.into_iter().map(typed).collect::<Result<_, _>>()?,
            ))
        };
        coupa_answer!(ListAccountsResponse, result.await, Ok, "account")
    }

    async fn create_account(
        &self,
        caller: Caller,
        query: CreateAccountQuery,
        body: accounts::AccountCreate,
    ) -> CreateAccountResponse {
        let result = async {
            let patch =
                serde_json::to_value(&body).map_err(|e| Failure::Internal(e.to_string()))?;
            let doc = write_account(self, &caller, None, patch).await?;
            typed(shaped(
                &doc,
                return_object_write(query.return_object),
                None,
            )?)
        };
        coupa_answer!(CreateAccountResponse, result.await, Created, "account")
    }

    async fn get_account(
        &self,
        _caller: Caller,
        path: GetAccountPath,
        query: GetAccountQuery,
    ) -> GetAccountResponse {
        let result = async {
            let doc = self.store.get(&store::ACCOUNTS, &Key::Int(path.id)).await?;
            let doc = doc
                .ok_or_else(|| Failure::NotFound(vec![format!("Account {} not found", path.id)]))?;
            typed(shaped(
                &doc,
                query.return_object.map(|r| r.to_string()),
                query.fields.as_deref(),
            )?)
        };
        coupa_answer!(GetAccountResponse, result.await, Ok, "account")
    }

    async fn update_account(
        &self,
        caller: Caller,
        path: UpdateAccountPath,
        query: UpdateAccountQuery,
        body: accounts::AccountUpdate,
    ) -> UpdateAccountResponse {
        let result = async {
            let patch =
                serde_json::to_value(&body).map_err(|e| Failure::Internal(e.to_string()))?;
            let doc = write_account(self, &caller, Some(path.id), patch).await?;
            typed(shaped(
                &doc,
                return_object_write(query.return_object),
                None,
            )?)
        };
        coupa_answer!(UpdateAccountResponse, result.await, Ok, "account")
    }

    async fn update_account_allocation(
        &self,
        caller: Caller,
        query: UpdateAccountAllocationQuery,
        body: accounts::AccountAllocationUpdate,
    ) -> UpdateAccountAllocationResponse {
        let result = async {
            let patch =
                serde_json::to_value(&body).map_err(|e| Failure::Internal(e.to_string()))?;
            let id = i64::try_from(body.id.get()).map_err(|_| {
                Failure::BadRequest(vec![format!("id {} is out of range", body.id)])
            })?;
            let doc = write_account(self, &caller, Some(id), patch).await?;
            typed(shaped(
                &doc,
                return_object_write(query.return_object),
                None,
            )?)
        };
        coupa_answer!(UpdateAccountAllocationResponse, result.await, Ok, "account")
    }
}

// ---------------------------------------------------------------------------------------
// Delegations

pub static DELEGATIONS: Resource = Resource {
    table: &store::DELEGATIONS,
    attributes: &[
        "id",
        "created-at",
        "updated-at",
        "delegator-id",
        "delegate-id",
        "start-date",
        "end-date",
        "reason",
        "approval-delegate",
        "receiving-delegate",
        "invoice-requester-delegate",
        "review-delegate",
        "delegator",
        "delegate",
        "created-by",
        "updated-by",
    ],
    datetimes: &["created-at", "updated-at", "start-date", "end-date"],
    aliases: &[
        ("delegator/id", "delegator-id"),
        ("delegate/id", "delegate-id"),
    ],
    reserved: COUPA_RESERVED,
    default_order: "id",
};

impl CoupaDelegations for Sandbox {
    async fn list_delegations(
        &self,
        caller: Caller,
        query: ListDelegationsQuery,
    ) -> ListDelegationsResponse {
        let result = async {
            let docs = index(
                self,
                &DELEGATIONS,
                &caller,
                query.limit,
                query.offset,
                query.order_by.as_deref(),
                query.dir,
                query.return_object.map(|r| r.to_string()),
                query.fields.as_deref(),
            )
            .await?;
            Ok(delegations::DelegationList(
                docs.into_iter().map(typed).collect::<Result<_, _>>()?,
            ))
        };
        coupa_answer!(ListDelegationsResponse, result.await, Ok, "delegation")
    }
}

// ---------------------------------------------------------------------------------------
// Integration history records

pub static RECORDS: Resource = Resource {
    table: &store::RECORDS,
    attributes: &[
        "id",
        "created-at",
        "updated-at",
        "created-by",
        "updated-by",
        "contact-alert-type",
        "creation-method",
        "document-id",
        "document-revision",
        "document-status",
        "document-type",
        "external-id",
        "integration",
        "integration-run-id",
        "integration-filename",
        "resolved",
        "responses",
        "status",
    ],
    datetimes: TIMESTAMPS,
    aliases: &[],
    reserved: COUPA_RESERVED,
    default_order: "id",
};

const RECORD: &str = "integration-history-record";

/// What a create-like action does beyond creating the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Create,
    Acknowledge,
    CreateAlert,
    MarkExported,
    CreateAlertAndMarkExported,
}

/// The wire form of `responses[]` items as stored: ids and audit fields added.
async fn stamp_responses(
    tx: &mut store::Tx,
    caller: &Caller,
    items: Option<&Value>,
    now: &str,
) -> Result<Vec<Value>, Failure> {
    let mut out = Vec::new();
    for item in items.and_then(Value::as_array).into_iter().flatten() {
        let mut item = item.clone();
        item["id"] = Value::from(tx.next("integration_responses", 0).await?);
        item["created-at"] = Value::from(now);
        item["updated-at"] = Value::from(now);
        item["created-by"] = caller_user(caller);
        item["updated-by"] = caller_user(caller);
        out.push(item);
    }
    Ok(out)
}

/// Turns the write-only `integration-run` reference into the readable `integration-run-id`.
fn fold_run(patch: &mut Value) {
    if let Some(map) = patch.as_object_mut()
        && let Some(run) = map.remove("integration-run")
        && let Some(id) = run.get("id")
    {
        map.insert("integration-run-id".into(), id.clone());
    }
}

async fn create_record(
    sandbox: &Sandbox,
    caller: &Caller,
    body: &records::IntegrationHistoryRecordCreate,
    action: Action,
) -> Result<Value, Failure> {
    let mut patch = serde_json::to_value(body).map_err(|e| Failure::Internal(e.to_string()))?;
    fold_run(&mut patch);
    let now = now_text();
    let mut tx = sandbox.store.begin().await?;
    let id = tx.next("integration_history_records", 0).await?;
    let responses = stamp_responses(&mut tx, caller, patch.get("responses"), &now).await?;
    let mut doc = json!({"id": id, "created-at": now, "created-by": caller_user(caller)});
    patch.as_object_mut().map(|m| m.remove("responses"));
    merge(&mut doc, &patch);
    if !responses.is_empty() {
        doc["responses"] = Value::Array(responses);
    }
    doc["resolved"] = Value::Bool(false);
    if action == Action::Acknowledge && doc.get("status").is_none() {
        doc["status"] = Value::from("Success");
    }
    if matches!(
        action,
        Action::MarkExported | Action::CreateAlertAndMarkExported
    ) {
        doc["document-status"] = doc
            .get("document-status")
            .cloned()
            .unwrap_or_else(|| Value::from("exported"));
    }
    doc["updated-at"] = Value::from(now);
    doc["updated-by"] = caller_user(caller);
    tx.put(&store::RECORDS, &doc).await?;
    tx.commit().await?;
    Ok(doc)
}

/// PUT and PATCH (the same partial update), resolve and unresolve.
async fn update_record(
    sandbox: &Sandbox,
    caller: &Caller,
    id: i64,
    body: Option<&records::IntegrationHistoryRecordUpdate>,
    resolved: Option<bool>,
) -> Result<Value, Failure> {
    let mut tx = sandbox.store.begin().await?;
    let Some(mut doc) = tx.get(&store::RECORDS, &Key::Int(id)).await? else {
        return Err(Failure::NotFound(vec![format!(
            "Integration history record {id} not found"
        )]));
    };
    let now = now_text();
    if let Some(body) = body {
        let mut patch = serde_json::to_value(body).map_err(|e| Failure::Internal(e.to_string()))?;
        fold_run(&mut patch);
        // `responses` are appended (the vendor does not say whether an update replaces them).
        let added = stamp_responses(&mut tx, caller, patch.get("responses"), &now).await?;
        if let Some(map) = patch.as_object_mut() {
            map.remove("responses");
            // Read-only.
            map.remove("resolved");
        }
        merge(&mut doc, &patch);
        if !added.is_empty() {
            let mut all: Vec<Value> = doc
                .get("responses")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            all.extend(added);
            doc["responses"] = Value::Array(all);
        }
    }
    if let Some(resolved) = resolved {
        doc["resolved"] = Value::Bool(resolved);
    }
    doc["updated-at"] = Value::from(now);
    doc["updated-by"] = caller_user(caller);
    tx.put(&store::RECORDS, &doc).await?;
    tx.commit().await?;
    Ok(doc)
}

fn record(
    doc: &Value,
    return_object: Option<String>,
) -> Result<records::IntegrationHistoryRecord, Failure> {
    typed(shaped(doc, return_object, None)?)
}

impl CoupaIntegrationHistoryRecords for Sandbox {
    async fn list_integration_history_records(
        &self,
        caller: Caller,
        query: ListIntegrationHistoryRecordsQuery,
    ) -> ListIntegrationHistoryRecordsResponse {
        let result = async {
            let docs = index(
                self,
                &RECORDS,
                &caller,
                query.limit,
                query.offset,
                query.order_by.as_deref(),
                query.dir,
                query.return_object.map(|r| r.to_string()),
                query.fields.as_deref(),
            )
            .await?;
            Ok(records::IntegrationHistoryRecordList(
                docs.into_iter().map(typed).collect::<Result<_, _>>()?,
            ))
        };
        coupa_answer!(
            ListIntegrationHistoryRecordsResponse,
            result.await,
            Ok,
            RECORD
        )
    }

    async fn create_integration_history_record(
        &self,
        caller: Caller,
        query: CreateIntegrationHistoryRecordQuery,
        body: records::IntegrationHistoryRecordCreate,
    ) -> CreateIntegrationHistoryRecordResponse {
        let result = async {
            let doc = create_record(self, &caller, &body, Action::Create).await?;
            record(&doc, return_object_write(query.return_object))
        };
        coupa_answer!(
            CreateIntegrationHistoryRecordResponse,
            result.await,
            Created,
            RECORD
        )
    }

    async fn get_integration_history_record(
        &self,
        _caller: Caller,
        path: GetIntegrationHistoryRecordPath,
        query: GetIntegrationHistoryRecordQuery,
    ) -> GetIntegrationHistoryRecordResponse {
        let result = async {
            let doc = self.store.get(&store::RECORDS, &Key::Int(path.id)).await?;
            let doc = doc.ok_or_else(|| {
                Failure::NotFound(vec![format!(
                    "Integration history record {} not found",
                    path.id
                )])
            })?;
            typed(shaped(
                &doc,
                query.return_object.map(|r| r.to_string()),
                query.fields.as_deref(),
            )?)
        };
        coupa_answer!(
            GetIntegrationHistoryRecordResponse,
            result.await,
            Ok,
            RECORD
        )
    }

    async fn update_integration_history_record(
        &self,
        caller: Caller,
        path: UpdateIntegrationHistoryRecordPath,
        query: UpdateIntegrationHistoryRecordQuery,
        body: records::IntegrationHistoryRecordUpdate,
    ) -> UpdateIntegrationHistoryRecordResponse {
        let result = async {
            let doc = update_record(self, &caller, path.id, Some(&body), None).await?;
            record(&doc, return_object_write(query.return_object))
        };
        coupa_answer!(
            UpdateIntegrationHistoryRecordResponse,
            result.await,
            Ok,
            RECORD
        )
    }

    async fn patch_integration_history_record(
        &self,
        caller: Caller,
        path: PatchIntegrationHistoryRecordPath,
        query: PatchIntegrationHistoryRecordQuery,
        body: records::IntegrationHistoryRecordUpdate,
    ) -> PatchIntegrationHistoryRecordResponse {
        let result = async {
            let doc = update_record(self, &caller, path.id, Some(&body), None).await?;
            record(&doc, query.return_object.map(|r| r.to_string()))
        };
        coupa_answer!(
            PatchIntegrationHistoryRecordResponse,
            result.await,
            Ok,
            RECORD
        )
    }

    async fn acknowledge_integration_history_record(
        &self,
        caller: Caller,
        query: AcknowledgeIntegrationHistoryRecordQuery,
        body: records::IntegrationHistoryRecordCreate,
    ) -> AcknowledgeIntegrationHistoryRecordResponse {
        let result = async {
            let doc = create_record(self, &caller, &body, Action::Acknowledge).await?;
            record(&doc, return_object_write(query.return_object))
        };
        match result.await {
            Ok(v) => AcknowledgeIntegrationHistoryRecordResponse::Created(v),
            Err(Failure::BadRequest(m) | Failure::NotFound(m)) => {
                AcknowledgeIntegrationHistoryRecordResponse::BadRequest(errors(RECORD, m))
            }
            Err(Failure::Internal(m)) => panic!("{m}"),
        }
    }

    async fn create_alert_integration_history_record(
        &self,
        caller: Caller,
        query: CreateAlertIntegrationHistoryRecordQuery,
        body: records::IntegrationHistoryRecordCreate,
    ) -> CreateAlertIntegrationHistoryRecordResponse {
        let result = async {
            let doc = create_record(self, &caller, &body, Action::CreateAlert).await?;
            record(&doc, return_object_write(query.return_object))
        };
        match result.await {
            Ok(v) => CreateAlertIntegrationHistoryRecordResponse::Created(v),
            Err(Failure::BadRequest(m) | Failure::NotFound(m)) => {
                CreateAlertIntegrationHistoryRecordResponse::BadRequest(errors(RECORD, m))
            }
            Err(Failure::Internal(m)) => panic!("{m}"),
        }
    }

    async fn create_alert_and_mark_exported_integration_history_record(
        &self,
        caller: Caller,
        query: CreateAlertAndMarkExportedIntegrationHistoryRecordQuery,
        body: records::IntegrationHistoryRecordCreate,
    ) -> CreateAlertAndMarkExportedIntegrationHistoryRecordResponse {
        let result = async {
            let doc =
                create_record(self, &caller, &body, Action::CreateAlertAndMarkExported).await?;
            record(&doc, return_object_write(query.return_object))
        };
        match result.await {
            Ok(v) => CreateAlertAndMarkExportedIntegrationHistoryRecordResponse::Created(v),
            Err(Failure::BadRequest(m) | Failure::NotFound(m)) => {
                CreateAlertAndMarkExportedIntegrationHistoryRecordResponse::BadRequest(errors(
                    RECORD, m,
                ))
            }
            Err(Failure::Internal(m)) => panic!("{m}"),
        }
    }

    async fn mark_exported_integration_history_record(
        &self,
        caller: Caller,
        query: MarkExportedIntegrationHistoryRecordQuery,
        body: records::IntegrationHistoryRecordCreate,
    ) -> MarkExportedIntegrationHistoryRecordResponse {
        let result = async {
            let doc = create_record(self, &caller, &body, Action::MarkExported).await?;
            record(&doc, return_object_write(query.return_object))
        };
        match result.await {
            Ok(v) => MarkExportedIntegrationHistoryRecordResponse::Created(v),
            Err(Failure::BadRequest(m) | Failure::NotFound(m)) => {
                MarkExportedIntegrationHistoryRecordResponse::BadRequest(errors(RECORD, m))
            }
            Err(Failure::Internal(m)) => panic!("{m}"),
        }
    }

    async fn resolve_integration_history_record(
        &self,
        caller: Caller,
        path: ResolveIntegrationHistoryRecordPath,
        query: ResolveIntegrationHistoryRecordQuery,
    ) -> ResolveIntegrationHistoryRecordResponse {
        let result = async {
            let doc = update_record(self, &caller, path.id, None, Some(true)).await?;
            record(&doc, query.return_object.map(|r| r.to_string()))
        };
        coupa_answer!(
            ResolveIntegrationHistoryRecordResponse,
            result.await,
            Ok,
            RECORD
        )
    }

    async fn unresolve_integration_history_record(
        &self,
        caller: Caller,
        path: UnresolveIntegrationHistoryRecordPath,
        query: UnresolveIntegrationHistoryRecordQuery,
    ) -> UnresolveIntegrationHistoryRecordResponse {
        let result = async {
            let doc = update_record(self, &caller, path.id, None, Some(false)).await?;
            record(&doc, query.return_object.map(|r| r.to_string()))
        };
        coupa_answer!(
            UnresolveIntegrationHistoryRecordResponse,
            result.await,
            Ok,
            RECORD
        )
    }
}
