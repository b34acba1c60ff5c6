//! Small in-memory implementations of the generated server traits, served on 127.0.0.1, for
//! the end-to-end tests in `e2e/`: the generated client talks to the generated stubs over a
//! real socket, so both sides of every wire format (paths, query strings, bodies, headers,
//! auth, vendor errors) are exercised against each other.

use std::collections::BTreeMap;
use std::sync::Arc;

use spendapi_client::generated::concur_expense_allocations::types as concur;
use spendapi_client::generated::coupa_delegations::types as delegations;
use spendapi_client::generated::cso_events::types as cso;
use spendapi_server::concur_expense_allocations::*;
use spendapi_server::coupa_delegations::*;
use spendapi_server::cso_events::*;
use spendapi_server::{AuthError, Caller, Scheme, SchemeKind, Verifier};
use tokio::sync::Mutex;

/// Serves `app` on 127.0.0.1 (a free port) until the test's runtime ends; returns the base
/// URL.
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{address}")
}

/// The one CSO API key the test servers accept.
pub const CSO_KEY: &str = "cso-test-key";

/// The one bearer token the Concur test server accepts.
pub const CONCUR_TOKEN: &str = "concur-test-token";

fn result(type_: &str, description: String, id: Option<&str>) -> cso::CsoResultEntry {
    cso::CsoResultEntry {
        type_: type_.to_owned(),
        description: Some(description),
        id: id.and_then(|id| id.parse().ok()),
    }
}

fn not_found(id: &str) -> cso::CsoResult {
    cso::CsoResult {
        result: vec![result(
            "api.error.not_found",
            format!("Event {id} not found"),
            Some(id),
        )],
    }
}

/// CSO events kept in memory: ids are 19-digit strings, event numbers increase, `market-id`
/// never changes after creation, bulk updates and deletes are lenient.
#[derive(Default)]
pub struct Events {
    store: Mutex<EventStore>,
}

#[derive(Default)]
struct EventStore {
    events: BTreeMap<String, cso::Event>,
    next_number: i64,
}

impl Verifier for Events {
    async fn verify(&self, scheme: &Scheme, credential: &str) -> Result<Caller, AuthError> {
        match (&scheme.kind, credential) {
            (SchemeKind::ApiKeyHeader(_), CSO_KEY) => Ok(Caller::new("cso", Vec::<String>::new())),
            _ => Err(AuthError::new("unknown API key")),
        }
    }
}

impl EventStore {
    fn apply(event: &mut cso::Event, update: &cso::EventUpdate) {
        if let Some(name) = &update.name {
            event.name = Some(name.clone());
        }
        if let Some(description) = &update.description {
            event.description = Some(description.clone());
        }
        if let Some(reference) = &update.reference_number {
            event.reference_number = Some(reference.clone());
        }
        if let Some(state) = update.state {
            event.state = Some(state);
        }
        if let Some(zone) = &update.time_zone {
            event.time_zone = Some(zone.clone());
        }
        if let Some(settings) = &update.settings {
            event.settings = Some(settings.clone());
        }
    }
}

impl CsoEvents for Events {
    async fn list_events(&self, _caller: Caller, query: ListEventsQuery) -> ListEventsResponse {
        let store = self.store.lock().await;
        let matching: Vec<&cso::Event> = store
            .events
            .values()
            .filter(|e| query.state.is_none_or(|s| e.state == Some(s)))
            .filter(|e| {
                query.name_contains.as_deref().is_none_or(|needle| {
                    e.name.as_deref().is_some_and(|name| name.contains(needle))
                })
            })
            .collect();
        let offset = usize::try_from(query.offset.unwrap_or(0)).unwrap_or(0);
        let limit = usize::try_from(query.limit.unwrap_or(250)).unwrap_or(250);
        ListEventsResponse::Ok(cso::EventList {
            total: i64::try_from(matching.len()).unwrap_or(i64::MAX),
            events: matching
                .into_iter()
                .skip(offset)
                .take(limit)
                .cloned()
                .collect(),
        })
    }

    async fn create_events(
        &self,
        _caller: Caller,
        body: cso::EventCreateRequest,
    ) -> CreateEventsResponse {
        let mut store = self.store.lock().await;
        let mut created = Vec::new();
        for event in body.events {
            store.next_number += 1;
            let id = format!("{:019}", 9_220_000_000_000_000_000_i64 + store.next_number);
            let stored = cso::Event {
                id: id.parse().expect("19 digits"),
                market_id: Some(String::from(event.market_id).parse().expect("digits")),
                event_number: Some(store.next_number),
                state: Some(event.state.unwrap_or(cso::EventState::Setup)),
                name: event.name,
                description: event.description,
                reference_number: event.reference_number,
                time_zone: event.time_zone,
                settings: event.settings,
            };
            created.push(cso::EventReference {
                id: id.parse().expect("19 digits"),
            });
            store.events.insert(id, stored);
        }
        CreateEventsResponse::Created(cso::EventCreateResult {
            result: vec![result(
                "api.post.added",
                format!("{} objects created.", created.len()),
                None,
            )],
            added: created.len() as u64,
            events: created,
        })
    }

    async fn update_events(
        &self,
        _caller: Caller,
        body: cso::EventUpdateRequest,
    ) -> UpdateEventsResponse {
        let mut store = self.store.lock().await;
        let mut updated = 0;
        let mut results = Vec::new();
        for item in body.events {
            let id = String::from(item.id.clone());
            let update = cso::EventUpdate {
                name: item.name,
                description: item.description,
                reference_number: item.reference_number,
                state: item.state,
                time_zone: item.time_zone,
                settings: item.settings,
            };
            match store.events.get_mut(&id) {
                Some(event) => {
                    EventStore::apply(event, &update);
                    updated += 1;
                }
                // Lenient: the others go on; the failure is named in `result`.
                None => results.push(result(
                    "api.put.failed",
                    format!("Event {id} not found"),
                    Some(&id),
                )),
            }
        }
        results.insert(
            0,
            result(
                "api.put.updated",
                format!("{updated} objects updated."),
                None,
            ),
        );
        UpdateEventsResponse::Ok(cso::EventUpdateResult {
            result: results,
            updated,
        })
    }

    async fn delete_events(
        &self,
        _caller: Caller,
        body: cso::EventDeleteRequest,
    ) -> DeleteEventsResponse {
        let mut store = self.store.lock().await;
        let mut deleted = 0;
        let mut results = Vec::new();
        for reference in body.events {
            let id = String::from(reference.id);
            match store.events.remove(&id) {
                Some(event) => {
                    deleted += 1;
                    let name = event.name.unwrap_or_default();
                    results.push(result(
                        "event.deleted.logMsg",
                        format!("The event {name} was deleted."),
                        Some(&id),
                    ));
                }
                None => results.push(result(
                    "api.delete.failed",
                    format!("Event {id} not found"),
                    Some(&id),
                )),
            }
        }
        DeleteEventsResponse::Ok(cso::EventDeleteResult {
            result: results,
            deleted,
        })
    }

    async fn get_event(&self, _caller: Caller, path: GetEventPath) -> GetEventResponse {
        match self.store.lock().await.events.get(&path.id) {
            Some(event) => GetEventResponse::Ok(event.clone()),
            None => GetEventResponse::NotFound(not_found(&path.id)),
        }
    }

    async fn update_event(
        &self,
        _caller: Caller,
        path: UpdateEventPath,
        body: cso::EventUpdate,
    ) -> UpdateEventResponse {
        match self.store.lock().await.events.get_mut(&path.id) {
            Some(event) => {
                EventStore::apply(event, &body);
                UpdateEventResponse::Ok(cso::EventUpdateResult {
                    result: vec![result("api.put.updated", "1 objects updated.".into(), None)],
                    updated: 1,
                })
            }
            None => UpdateEventResponse::NotFound(not_found(&path.id)),
        }
    }

    async fn delete_event(&self, _caller: Caller, path: DeleteEventPath) -> DeleteEventResponse {
        match self.store.lock().await.events.remove(&path.id) {
            Some(_) => DeleteEventResponse::Ok(cso::EventDeleteResult {
                result: vec![result(
                    "event.deleted.logMsg",
                    format!("The event {} was deleted.", path.id),
                    Some(&path.id),
                )],
                deleted: 1,
            }),
            None => DeleteEventResponse::NotFound(not_found(&path.id)),
        }
    }
}

/// Coupa delegations behind OAuth 2.0 client credentials: the router is merged with a token
/// endpoint that issues `scope:<space-separated scopes>` tokens, and the verifier reads the
/// scopes back, so the stub's scope check meets the client's token handling.
/// Clones share the counter, so a test keeps a handle on what the router's copy does.
#[derive(Default, Clone)]
pub struct Delegations {
    /// How many tokens the token endpoint issued.
    pub tokens_issued: Arc<std::sync::atomic::AtomicUsize>,
}

impl Verifier for Delegations {
    async fn verify(&self, _scheme: &Scheme, credential: &str) -> Result<Caller, AuthError> {
        let scopes = credential
            .strip_prefix("scope:")
            .ok_or_else(|| AuthError::new("unknown token"))?;
        Ok(Caller::new(
            "client",
            scopes
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        ))
    }
}

impl CoupaDelegations for Delegations {
    async fn list_delegations(
        &self,
        _caller: Caller,
        _query: ListDelegationsQuery,
    ) -> ListDelegationsResponse {
        ListDelegationsResponse::Ok(delegations::DelegationList(Vec::new()))
    }
}

/// The Coupa delegations router plus `POST /oauth2/token` (form-encoded client credentials).
pub fn delegations_app(delegations: Delegations) -> axum::Router {
    use axum::routing::post;
    let issued = Arc::clone(&delegations.tokens_issued);
    let token = post(move |form: axum::extract::Form<BTreeMap<String, String>>| {
        let issued = Arc::clone(&issued);
        async move {
            let accepted = form.get("grant_type").map(String::as_str) == Some("client_credentials")
                && form.get("client_id").map(String::as_str) == Some("id")
                && form.get("client_secret").map(String::as_str) == Some("secret");
            if !accepted {
                return (
                    axum::http::StatusCode::UNAUTHORIZED,
                    axum::Json(serde_json::json!({"error": "invalid_client"})),
                );
            }
            issued.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let scope = form.get("scope").cloned().unwrap_or_default();
            let body = serde_json::json!({
                "access_token": format!("scope:{scope}"),
                "token_type": "bearer",
                "expires_in": 86_400,
            });
            (axum::http::StatusCode::OK, axum::Json(body))
        }
    });
    spendapi_server::coupa_delegations::router(delegations)
        .merge(axum::Router::new().route("/oauth2/token", token))
}

/// Concur allocations in memory, keyed by allocation id; PATCH merges `customData` by `id`
/// (RFC 7396 replaces arrays whole; Concur's documented example sends only the changed field).
/// Clones share the store, so a test keeps a handle on what the router's copy does.
#[derive(Clone)]
pub struct Allocations {
    pub store: Arc<Mutex<BTreeMap<String, concur::ReportAllocationResponse>>>,
    /// The correlation ids the implementation saw, in order.
    pub seen_correlation_ids: Arc<Mutex<Vec<Option<String>>>>,
}

impl Allocations {
    /// One allocation: the vendor page's own example.
    pub fn with_example() -> Allocations {
        let allocation: concur::ReportAllocationResponse = serde_json::from_value(serde_json::json!({
            "customData": [{"id": "custom9", "value": "D3954B47BCEC9446A4FFC49E0000B46E", "isValid": true}],
            "allocationId": "3BBB494511E1C74DA04469C45B039871",
            "accountCode": "Pending Client",
            "overLimitAccountCode": null,
            "allocationAmount": {"value": 250.0, "currencyCode": "USD"},
            "approvedAmount": {"value": 250.0, "currencyCode": "USD"},
            "claimedAmount": {"value": 250.0, "currencyCode": "USD"},
            "expenseId": "29EE3C62F5D844458828A5C1086072D1",
            "isSystemAllocation": false,
            "isPercentEdited": false,
            "percentage": 50.0
        }))
        .expect("the vendor example is a ReportAllocationResponse");
        Allocations {
            store: Arc::new(Mutex::new(BTreeMap::from([(
                "3BBB494511E1C74DA04469C45B039871".to_owned(),
                allocation,
            )]))),
            seen_correlation_ids: Arc::default(),
        }
    }
}

fn concur_error(status: &str, message: &str, path: &str) -> concur::ErrorMessage {
    serde_json::from_value(serde_json::json!({
        "errorMessage": message,
        "httpStatus": status,
        "path": path,
        "timestamp": "2026-11-22T10:00:00Z",
    }))
    .expect("an ErrorMessage")
}

impl Verifier for Allocations {
    async fn verify(&self, _scheme: &Scheme, credential: &str) -> Result<Caller, AuthError> {
        if credential == CONCUR_TOKEN {
            Ok(Caller::new(
                "user",
                [
                    "expense.report.read",
                    "expense.report.readwrite",
                    "user.read",
                ],
            ))
        } else {
            Err(AuthError::new("Missing or invalid authorization header"))
        }
    }
}

impl ConcurExpenseAllocations for Allocations {
    async fn list_expense_allocations(
        &self,
        _caller: Caller,
        path: ListExpenseAllocationsPath,
        headers: ListExpenseAllocationsHeaders,
    ) -> ListExpenseAllocationsResponse {
        self.seen_correlation_ids
            .lock()
            .await
            .push(headers.concur_correlationid.clone());
        let list = self
            .store
            .lock()
            .await
            .values()
            .filter(|a| *a.expense_id == path.expense_id)
            .cloned()
            .collect();
        ListExpenseAllocationsResponse::Ok {
            body: concur::ReportAllocationList(list),
            concur_correlationid: headers.concur_correlationid,
        }
    }

    async fn get_report_allocation(
        &self,
        _caller: Caller,
        path: GetReportAllocationPath,
        headers: GetReportAllocationHeaders,
    ) -> GetReportAllocationResponse {
        self.seen_correlation_ids
            .lock()
            .await
            .push(headers.concur_correlationid.clone());
        match self.store.lock().await.get(&path.allocation_id) {
            Some(allocation) => GetReportAllocationResponse::Ok {
                body: allocation.clone(),
                concur_correlationid: headers.concur_correlationid,
            },
            None => GetReportAllocationResponse::NotFound {
                body: concur_error(
                    "404 - Not Found",
                    "allocationId not found",
                    &path.allocation_id,
                ),
                concur_correlationid: headers.concur_correlationid,
            },
        }
    }

    async fn update_report_allocation(
        &self,
        _caller: Caller,
        path: UpdateReportAllocationPath,
        headers: UpdateReportAllocationHeaders,
        body: concur::UpdateReportAllocation,
    ) -> UpdateReportAllocationResponse {
        self.seen_correlation_ids
            .lock()
            .await
            .push(headers.concur_correlationid.clone());
        let mut store = self.store.lock().await;
        let Some(allocation) = store.get_mut(&path.allocation_id) else {
            return UpdateReportAllocationResponse::NotFound {
                body: concur_error(
                    "404 - Not Found",
                    "allocationId not found",
                    &path.allocation_id,
                ),
                concur_correlationid: headers.concur_correlationid,
            };
        };
        if allocation.is_system_allocation {
            return UpdateReportAllocationResponse::Forbidden {
                body: concur_error(
                    "403 - Forbidden",
                    "System allocation cannot be modified",
                    &path.allocation_id,
                ),
                concur_correlationid: headers.concur_correlationid,
            };
        }
        for change in body.allocation.custom_data {
            match allocation
                .custom_data
                .iter_mut()
                .find(|c| c.id == change.id)
            {
                Some(existing) => *existing = change,
                None => allocation.custom_data.push(change),
            }
        }
        UpdateReportAllocationResponse::NoContent {
            concur_correlationid: headers.concur_correlationid,
        }
    }
}
