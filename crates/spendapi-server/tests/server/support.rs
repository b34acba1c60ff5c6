//! A canned implementation of every API trait (answering each operation with the spec's own
//! example of its success body), a test verifier, the specs as the tests read them, and a
//! helper that sends one request through a router without a socket.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use spendapi_server::concur_expense_allocations::*;
use spendapi_server::coupa_accounts::*;
use spendapi_server::coupa_delegations::*;
use spendapi_server::coupa_integration_history_records::*;
use spendapi_server::cso_events::*;
use spendapi_server::{AuthError, Caller, Scheme, SchemeKind, Verifier};
use spendapi_types::concur_expense_allocations as concur;
use spendapi_types::coupa_accounts as accounts;
use tower::ServiceExt;

pub use spendapi_spec::METHODS;

/// One spec, bundled.
pub struct Spec {
    pub api: String,
    pub doc: Value,
}

/// Every spec under `openapi/`, bundled by the xtask.
pub fn specs() -> &'static [Spec] {
    static SPECS: OnceLock<Vec<Spec>> = OnceLock::new();
    SPECS.get_or_init(|| {
        let root = spendapi_spec::workspace_root();
        spendapi_spec::spec_files(&root)
            .expect("spec files")
            .into_iter()
            .map(|path| Spec {
                api: spendapi_spec::api_name(&path),
                doc: spendapi_spec::bundle(&path).expect("bundle"),
            })
            .collect()
    })
}

pub fn spec(api: &str) -> &'static Spec {
    specs()
        .iter()
        .find(|s| s.api == api)
        .unwrap_or_else(|| panic!("no spec {api}"))
}

/// Follows local `$ref`s (with `spendapi-spec`'s resolver); a broken reference fails the test.
pub fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    spendapi_spec::resolve(doc, value).unwrap_or_else(|err| panic!("{err:#}"))
}

/// One operation of a spec.
pub struct Op {
    pub api: &'static str,
    pub id: String,
    pub method: String,
    pub path: String,
    pub item: &'static Value,
    pub op: &'static Value,
}

pub fn operations() -> Vec<Op> {
    let mut out = Vec::new();
    for spec in specs() {
        for (path, item) in spec.doc["paths"].as_object().expect("paths") {
            for method in METHODS {
                if let Some(op) = item.get(method) {
                    out.push(Op {
                        api: &spec.api,
                        id: op["operationId"].as_str().expect("operationId").to_owned(),
                        method: method.to_uppercase(),
                        path: path.clone(),
                        item,
                        op,
                    });
                }
            }
        }
    }
    out
}

/// The first example of a media type object, as a JSON value (XML examples are strings).
pub fn example(doc: &Value, media: &Value) -> Option<Value> {
    if let Some(example) = media.get("example") {
        return Some(example.clone());
    }
    let (_, first) = media.get("examples")?.as_object()?.iter().next()?;
    resolve(doc, first).get("value").cloned()
}

/// The spec's example of the first 2xx JSON body of operation `id`, typed.
pub fn canned<T: DeserializeOwned>(id: &str) -> T {
    static EXAMPLES: OnceLock<BTreeMap<String, Value>> = OnceLock::new();
    let examples = EXAMPLES.get_or_init(|| {
        let mut map = BTreeMap::new();
        for op in operations() {
            let doc = &spec(op.api).doc;
            for (status, response) in op.op["responses"].as_object().expect("responses") {
                if !status.starts_with('2') {
                    continue;
                }
                if let Some(media) = resolve(doc, response).pointer("/content/application~1json")
                    && let Some(value) = example(doc, media)
                {
                    map.entry(op.id.clone()).or_insert(value);
                }
            }
        }
        map
    });
    let value = examples
        .get(id)
        .unwrap_or_else(|| panic!("{id} has no JSON example of its success body"));
    serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{id}: the example does not fit the client type: {e}"))
}

/// Bearer tokens: `all` grants every scope, `read` only the read scopes; `cso-key` is the CSO key.
pub struct Canned;

const READ_SCOPES: &[&str] = &[
    "core.accounting.read",
    "core.integration.read",
    "core.user.read",
    "expense.report.read",
    "user.read",
];
const WRITE_SCOPES: &[&str] = &[
    "core.accounting.write",
    "core.integration.write",
    "expense.report.readwrite",
];

impl Verifier for Canned {
    async fn verify(&self, scheme: &Scheme, credential: &str) -> Result<Caller, AuthError> {
        match (scheme.kind, credential) {
            (SchemeKind::Bearer, "all") => Ok(Caller::new(
                "tester",
                READ_SCOPES.iter().chain(WRITE_SCOPES).copied(),
            )),
            (SchemeKind::Bearer, "read") => Ok(Caller::new("reader", READ_SCOPES.iter().copied())),
            (SchemeKind::ApiKeyHeader(_), "cso-key") => {
                Ok(Caller::new("cso", Vec::<String>::new()))
            }
            _ => Err(AuthError::new("unknown credential")),
        }
    }
}

impl CoupaAccounts for Canned {
    async fn list_accounts(
        &self,
        _caller: Caller,
        query: ListAccountsQuery,
    ) -> ListAccountsResponse {
        if query.name.as_deref() == Some("nothing") {
            return ListAccountsResponse::Ok(accounts::AccountList(Vec::new()));
        }
        ListAccountsResponse::Ok(canned("list_accounts"))
    }
    async fn create_account(
        &self,
        _caller: Caller,
        _query: CreateAccountQuery,
        body: accounts::AccountCreate,
    ) -> CreateAccountResponse {
        // Echo the written elements, so tests can see what the body decoded to.
        let mut account = serde_json::to_value(&body).expect("account");
        account["id"] = 42.into();
        CreateAccountResponse::Created(serde_json::from_value(account).expect("account"))
    }
    async fn get_account(
        &self,
        _caller: Caller,
        path: GetAccountPath,
        _query: GetAccountQuery,
    ) -> GetAccountResponse {
        if path.id == 404 {
            return GetAccountResponse::NotFound(
                serde_json::from_value(
                    serde_json::json!({"errors": {"account": ["Record not found"]}}),
                )
                .expect("errors"),
            );
        }
        GetAccountResponse::Ok(canned("get_account"))
    }
    async fn update_account(
        &self,
        _c: Caller,
        _p: UpdateAccountPath,
        _q: UpdateAccountQuery,
        _b: accounts::AccountUpdate,
    ) -> UpdateAccountResponse {
        UpdateAccountResponse::Ok(canned("update_account"))
    }
    async fn update_account_allocation(
        &self,
        _c: Caller,
        _q: UpdateAccountAllocationQuery,
        _b: accounts::AccountAllocationUpdate,
    ) -> UpdateAccountAllocationResponse {
        UpdateAccountAllocationResponse::Ok(canned("update_account_allocation"))
    }
}

impl CoupaDelegations for Canned {
    async fn list_delegations(
        &self,
        _caller: Caller,
        _query: ListDelegationsQuery,
    ) -> ListDelegationsResponse {
        ListDelegationsResponse::Ok(canned("list_delegations"))
    }
}

use spendapi_types::coupa_integration_history_records as ihr;

impl CoupaIntegrationHistoryRecords for Canned {
    async fn list_integration_history_records(
        &self,
        _c: Caller,
        _q: ListIntegrationHistoryRecordsQuery,
    ) -> ListIntegrationHistoryRecordsResponse {
        ListIntegrationHistoryRecordsResponse::Ok(canned("list_integration_history_records"))
    }
    async fn create_integration_history_record(
        &self,
        _c: Caller,
        _q: CreateIntegrationHistoryRecordQuery,
        _b: ihr::IntegrationHistoryRecordCreate,
    ) -> CreateIntegrationHistoryRecordResponse {
        CreateIntegrationHistoryRecordResponse::Created(canned("create_integration_history_record"))
    }
    async fn get_integration_history_record(
        &self,
        _c: Caller,
        _p: GetIntegrationHistoryRecordPath,
        _q: GetIntegrationHistoryRecordQuery,
    ) -> GetIntegrationHistoryRecordResponse {
        GetIntegrationHistoryRecordResponse::Ok(canned("get_integration_history_record"))
    }
    async fn update_integration_history_record(
        &self,
        _c: Caller,
        _p: UpdateIntegrationHistoryRecordPath,
        _q: UpdateIntegrationHistoryRecordQuery,
        _b: ihr::IntegrationHistoryRecordUpdate,
    ) -> UpdateIntegrationHistoryRecordResponse {
        UpdateIntegrationHistoryRecordResponse::Ok(canned("update_integration_history_record"))
    }
    async fn patch_integration_history_record(
        &self,
        _c: Caller,
        _p: PatchIntegrationHistoryRecordPath,
        _q: PatchIntegrationHistoryRecordQuery,
        _b: ihr::IntegrationHistoryRecordUpdate,
    ) -> PatchIntegrationHistoryRecordResponse {
        PatchIntegrationHistoryRecordResponse::Ok(canned("patch_integration_history_record"))
    }
    async fn acknowledge_integration_history_record(
        &self,
        _c: Caller,
        _q: AcknowledgeIntegrationHistoryRecordQuery,
        _b: ihr::IntegrationHistoryRecordCreate,
    ) -> AcknowledgeIntegrationHistoryRecordResponse {
        AcknowledgeIntegrationHistoryRecordResponse::Created(canned(
            "acknowledge_integration_history_record",
        ))
    }
    async fn create_alert_integration_history_record(
        &self,
        _c: Caller,
        _q: CreateAlertIntegrationHistoryRecordQuery,
        _b: ihr::IntegrationHistoryRecordCreate,
    ) -> CreateAlertIntegrationHistoryRecordResponse {
        CreateAlertIntegrationHistoryRecordResponse::Created(canned(
            "create_alert_integration_history_record",
        ))
    }
    async fn create_alert_and_mark_exported_integration_history_record(
        &self,
        _c: Caller,
        _q: CreateAlertAndMarkExportedIntegrationHistoryRecordQuery,
        _b: ihr::IntegrationHistoryRecordCreate,
    ) -> CreateAlertAndMarkExportedIntegrationHistoryRecordResponse {
        CreateAlertAndMarkExportedIntegrationHistoryRecordResponse::Created(canned(
            "create_alert_and_mark_exported_integration_history_record",
        ))
    }
    async fn mark_exported_integration_history_record(
        &self,
        _c: Caller,
        _q: MarkExportedIntegrationHistoryRecordQuery,
        _b: ihr::IntegrationHistoryRecordCreate,
    ) -> MarkExportedIntegrationHistoryRecordResponse {
        MarkExportedIntegrationHistoryRecordResponse::Created(canned(
            "mark_exported_integration_history_record",
        ))
    }
    async fn resolve_integration_history_record(
        &self,
        _c: Caller,
        _p: ResolveIntegrationHistoryRecordPath,
        _q: ResolveIntegrationHistoryRecordQuery,
    ) -> ResolveIntegrationHistoryRecordResponse {
        ResolveIntegrationHistoryRecordResponse::Ok(canned("resolve_integration_history_record"))
    }
    async fn unresolve_integration_history_record(
        &self,
        _c: Caller,
        _p: UnresolveIntegrationHistoryRecordPath,
        _q: UnresolveIntegrationHistoryRecordQuery,
    ) -> UnresolveIntegrationHistoryRecordResponse {
        UnresolveIntegrationHistoryRecordResponse::Ok(canned(
            "unresolve_integration_history_record",
        ))
    }
}

use spendapi_types::cso_events as cso;

impl CsoEvents for Canned {
    async fn list_events(&self, _c: Caller, _q: ListEventsQuery) -> ListEventsResponse {
        ListEventsResponse::Ok(canned("list_events"))
    }
    async fn create_events(&self, _c: Caller, _b: cso::EventCreateRequest) -> CreateEventsResponse {
        CreateEventsResponse::Created(canned("create_events"))
    }
    async fn update_events(&self, _c: Caller, _b: cso::EventUpdateRequest) -> UpdateEventsResponse {
        UpdateEventsResponse::Ok(canned("update_events"))
    }
    async fn delete_events(&self, _c: Caller, _b: cso::EventDeleteRequest) -> DeleteEventsResponse {
        DeleteEventsResponse::Ok(canned("delete_events"))
    }
    async fn get_event(&self, _c: Caller, _p: GetEventPath) -> GetEventResponse {
        GetEventResponse::Ok(canned("get_event"))
    }
    async fn update_event(
        &self,
        _c: Caller,
        _p: UpdateEventPath,
        _b: cso::EventUpdate,
    ) -> UpdateEventResponse {
        UpdateEventResponse::Ok(canned("update_event"))
    }
    async fn delete_event(&self, _c: Caller, _p: DeleteEventPath) -> DeleteEventResponse {
        DeleteEventResponse::Ok(canned("delete_event"))
    }
}

impl ConcurExpenseAllocations for Canned {
    async fn list_expense_allocations(
        &self,
        _c: Caller,
        _p: ListExpenseAllocationsPath,
        _h: ListExpenseAllocationsHeaders,
    ) -> ListExpenseAllocationsResponse {
        ListExpenseAllocationsResponse::Ok {
            body: canned("list_expense_allocations"),
            concur_correlationid: None,
        }
    }
    async fn get_report_allocation(
        &self,
        _c: Caller,
        _p: GetReportAllocationPath,
        headers: GetReportAllocationHeaders,
    ) -> GetReportAllocationResponse {
        // The handler sees the correlation id the runtime echoes (generated when absent).
        assert!(headers.concur_correlationid.is_some());
        GetReportAllocationResponse::Ok {
            body: canned("get_report_allocation"),
            concur_correlationid: None,
        }
    }
    async fn update_report_allocation(
        &self,
        _c: Caller,
        _p: UpdateReportAllocationPath,
        _h: UpdateReportAllocationHeaders,
        _b: concur::UpdateReportAllocation,
    ) -> UpdateReportAllocationResponse {
        UpdateReportAllocationResponse::NoContent {
            concur_correlationid: None,
        }
    }
}

/// The router of `api`, serving [`Canned`].
pub fn app(api: &str) -> Router {
    match api {
        "coupa-accounts" => spendapi_server::coupa_accounts::router(Canned),
        "coupa-delegations" => spendapi_server::coupa_delegations::router(Canned),
        "coupa-integration-history-records" => {
            spendapi_server::coupa_integration_history_records::router(Canned)
        }
        "cso-events" => spendapi_server::cso_events::router(Canned),
        "concur-expense-allocations" => spendapi_server::concur_expense_allocations::router(Canned),
        other => panic!("no router for {other}"),
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    Answer {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).expect("UTF-8 body"),
    }
}

/// A request builder with the given method, URI and headers, and an optional body.
pub fn request(
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(body.map(|b| Body::from(b.to_owned())).unwrap_or_default())
        .expect("request")
}

pub const BEARER: (&str, &str) = ("authorization", "Bearer all");
pub const READ_ONLY: (&str, &str) = ("authorization", "Bearer read");
pub const CSO_KEY: (&str, &str) = ("x-cso-api-key", "cso-key");
pub const JSON: (&str, &str) = ("content-type", "application/json");
pub const XML: (&str, &str) = ("content-type", "application/xml");
pub const ACCEPT_XML: (&str, &str) = ("accept", "application/xml");
