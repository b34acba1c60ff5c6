//! SAP Concur expense allocations v4: list per expense, get, PATCH (merge on `customData`).
//!
//! Stored documents are the wire form of `ReportAllocationResponse` plus the hidden `_userId`
//! (lower-case UUID) and `_reportId` of the report they belong to, and `_modifiedAt` (RFC 3339,
//! the last change: seeding or PATCH) for conditional GETs; [`to_allocation`] is the one
//! conversion to the generated type.

use serde_json::Value;
use spendapi_server::Caller;
use spendapi_server::concur_expense_allocations::*;
use spendapi_types::concur_expense_allocations as concur;

use crate::Sandbox;
use crate::store::{self, Bind, Pred, SqlOp};

/// Why an allocation request failed: status line and documented message.
#[derive(Debug)]
enum Failure {
    Forbidden(&'static str),
    NotFound(&'static str),
    BadRequest(String),
    /// The database failed.
    Internal(String),
}

impl From<anyhow::Error> for Failure {
    fn from(err: anyhow::Error) -> Failure {
        // The driver's message goes to the log, never into a response.
        tracing::error!("database failure: {err:#}");
        Failure::Internal("the request could not be completed; retry later".to_owned())
    }
}

fn error(status: &str, message: &str, path: &str) -> concur::ErrorMessage {
    concur::ErrorMessage {
        error_id: None,
        error_message: message.to_owned(),
        http_status: status.to_owned(),
        path: path.to_owned(),
        timestamp: chrono::Utc::now(),
        validation_errors: Vec::new(),
    }
}

/// The stored document as the generated type (hidden `_` keys dropped).
pub fn to_allocation(mut doc: Value) -> concur::ReportAllocationResponse {
    if let Some(map) = doc.as_object_mut() {
        map.retain(|k, _| !k.starts_with('_'));
    }
    serde_json::from_value(doc).unwrap_or_else(|err| panic!("stored allocation: {err}"))
}

fn report_preds(user: &uuid::Uuid, report: &str) -> Vec<Pred> {
    vec![
        Pred {
            column: "user_id",
            op: SqlOp::Eq,
            value: Bind::Text(user.hyphenated().to_string()),
        },
        Pred {
            column: "report_id",
            op: SqlOp::Eq,
            value: Bind::Text(report.to_ascii_uppercase()),
        },
    ]
}

/// The allocations of the report, or "reportId not found".
async fn report(sandbox: &Sandbox, user: &uuid::Uuid, report: &str) -> Result<Vec<Value>, Failure> {
    let select = store::Select {
        preds: report_preds(user, report),
        ..Default::default()
    };
    let docs = sandbox.store.list(&store::ALLOCATIONS, &select).await?;
    if docs.is_empty() {
        return Err(Failure::NotFound("reportId not found"));
    }
    Ok(docs)
}

/// The hidden key holding an allocation's last change.
pub const MODIFIED_AT: &str = "_modifiedAt";

/// Whether a conditional GET with `If-Modified-Since: since` is answered 304: every document
/// has a recorded last change, none of them after `since` (compared to the second, as
/// HTTP-dates carry no fraction). The date is read in any of the three forms RFC 9110 §5.6.7
/// says a recipient must accept (IMF-fixdate, RFC 850, asctime). No header, an unparsable date
/// (ignored, RFC 9110 §13.1.3) or a document without a recorded change means a full answer.
fn not_modified<'a>(since: Option<&str>, docs: impl IntoIterator<Item = &'a Value>) -> bool {
    let Some(since) = since
        .and_then(|s| httpdate::parse_http_date(s.trim()).ok())
        .map(chrono::DateTime::<chrono::Utc>::from)
    else {
        return false;
    };
    let mut any = false;
    for doc in docs {
        any = true;
        let changed = doc
            .get(MODIFIED_AT)
            .and_then(Value::as_str)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
        match changed {
            Some(changed) if changed.timestamp() <= since.timestamp() => {}
            _ => return false,
        }
    }
    any
}

fn same_id(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn in_report<'a>(docs: &'a [Value], allocation: &str) -> Option<&'a Value> {
    docs.iter().find(|d| {
        d.get("allocationId")
            .and_then(Value::as_str)
            .is_some_and(|id| same_id(id, allocation))
    })
}

macro_rules! concur_answer {
    ($resp:ident, $failure:expr, $correlation:expr, $path:expr) => {
        match $failure {
            Failure::Forbidden(m) => $resp::Forbidden {
                body: error("403 - Forbidden", m, $path),
                concur_correlationid: $correlation,
            },
            Failure::NotFound(m) => $resp::NotFound {
                body: error("404 - Not Found", m, $path),
                concur_correlationid: $correlation,
            },
            Failure::BadRequest(m) => $resp::BadRequest {
                body: error("400 - Bad Request", &m, $path),
                concur_correlationid: $correlation,
            },
            Failure::Internal(m) => $resp::InternalServerError {
                body: error("500 - Internal Server Error", &m, $path),
                concur_correlationid: $correlation,
            },
        }
    };
}

/// The request path as the vendor's `path` element shows it.
fn list_path(path: &ListExpenseAllocationsPath) -> String {
    format!(
        "/expensereports/v4/users/{}/context/{}/reports/{}/expenses/{}/allocations",
        path.user_id, path.context_type, path.report_id, path.expense_id
    )
}

fn allocation_path(
    user: &uuid::Uuid,
    context: &concur::ContextType,
    report: &str,
    allocation: &str,
) -> String {
    format!(
        "/expensereports/v4/users/{user}/context/{context}/reports/{report}/allocations/{allocation}"
    )
}

impl ConcurExpenseAllocations for Sandbox {
    async fn list_expense_allocations(
        &self,
        _caller: Caller,
        path: ListExpenseAllocationsPath,
        headers: ListExpenseAllocationsHeaders,
    ) -> ListExpenseAllocationsResponse {
        let where_ = list_path(&path);
        let result = async {
            let docs = report(self, &path.user_id, &path.report_id).await?;
            let of_expense: Vec<Value> = docs
                .into_iter()
                .filter(|d| {
                    d.get("expenseId")
                        .and_then(Value::as_str)
                        .is_some_and(|e| same_id(e, &path.expense_id))
                })
                .collect();
            if of_expense.is_empty() {
                return Err(Failure::NotFound("expenseId not found"));
            }
            if not_modified(headers.if_modified_since.as_deref(), &of_expense) {
                return Ok(None);
            }
            Ok(Some(of_expense.into_iter().map(to_allocation).collect()))
        };
        match result.await {
            Ok(Some(list)) => ListExpenseAllocationsResponse::Ok {
                body: concur::ReportAllocationList(list),
                concur_correlationid: headers.concur_correlationid,
            },
            Ok(None) => ListExpenseAllocationsResponse::NotModified {
                concur_correlationid: headers.concur_correlationid,
            },
            Err(failure) => concur_answer!(
                ListExpenseAllocationsResponse,
                failure,
                headers.concur_correlationid,
                &where_
            ),
        }
    }

    async fn get_report_allocation(
        &self,
        _caller: Caller,
        path: GetReportAllocationPath,
        headers: GetReportAllocationHeaders,
    ) -> GetReportAllocationResponse {
        let where_ = allocation_path(
            &path.user_id,
            &path.context_type,
            &path.report_id,
            &path.allocation_id,
        );
        let result = async {
            let docs = report(self, &path.user_id, &path.report_id).await?;
            let doc = in_report(&docs, &path.allocation_id)
                .ok_or(Failure::NotFound("allocationId not found"))?;
            if not_modified(headers.if_modified_since.as_deref(), [doc]) {
                return Ok(None);
            }
            Ok(Some(to_allocation(doc.clone())))
        };
        match result.await {
            Ok(Some(allocation)) => GetReportAllocationResponse::Ok {
                body: allocation,
                concur_correlationid: headers.concur_correlationid,
            },
            Ok(None) => GetReportAllocationResponse::NotModified {
                concur_correlationid: headers.concur_correlationid,
            },
            Err(failure) => concur_answer!(
                GetReportAllocationResponse,
                failure,
                headers.concur_correlationid,
                &where_
            ),
        }
    }

    async fn update_report_allocation(
        &self,
        _caller: Caller,
        path: UpdateReportAllocationPath,
        headers: UpdateReportAllocationHeaders,
        body: concur::UpdateReportAllocation,
    ) -> UpdateReportAllocationResponse {
        let where_ = allocation_path(
            &path.user_id,
            &path.context_type,
            &path.report_id,
            &path.allocation_id,
        );
        let result = async {
            let mut tx = self.store.begin().await?;
            let docs = tx
                .find(
                    &store::ALLOCATIONS,
                    &report_preds(&path.user_id, &path.report_id),
                )
                .await?;
            if docs.is_empty() {
                return Err(Failure::NotFound("reportId not found"));
            }
            let Some(target) = in_report(&docs, &path.allocation_id).cloned() else {
                return Err(Failure::NotFound("allocationId not found"));
            };
            if target.get("isSystemAllocation").and_then(Value::as_bool) == Some(true) {
                return Err(Failure::Forbidden("System allocation cannot be modified"));
            }
            // Every listed expense must be an expense of this report, and the allocation
            // must belong to one of them.
            let expense_of = |d: &Value| {
                d.get("expenseId")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            for expense in &body.expense_ids {
                let expense = String::from(expense.clone());
                if !docs.iter().any(|d| same_id(&expense_of(d), &expense)) {
                    return Err(Failure::NotFound("expenseId not found"));
                }
            }
            let target_expense = expense_of(&target);
            if !body
                .expense_ids
                .iter()
                .any(|e| same_id(&String::from(e.clone()), &target_expense))
            {
                return Err(Failure::BadRequest(format!(
                    "allocationId {} does not belong to the listed expenseIds",
                    path.allocation_id
                )));
            }
            // Merge: each sent customData entry replaces the entry with its id or is added.
            let mut doc = target;
            let mut custom: Vec<Value> = doc
                .get("customData")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for change in &body.allocation.custom_data {
                let change = serde_json::to_value(change).unwrap_or_else(|e| panic!("{e}"));
                match custom.iter_mut().find(|c| c.get("id") == change.get("id")) {
                    Some(existing) => *existing = change,
                    None => custom.push(change),
                }
            }
            doc["customData"] = Value::Array(custom);
            doc[MODIFIED_AT] = Value::from(crate::now_text());
            tx.put(&store::ALLOCATIONS, &doc).await?;
            tx.commit().await?;
            Ok(())
        };
        match result.await {
            Ok(()) => UpdateReportAllocationResponse::NoContent {
                concur_correlationid: headers.concur_correlationid,
            },
            Err(failure) => concur_answer!(
                UpdateReportAllocationResponse,
                failure,
                headers.concur_correlationid,
                &where_
            ),
        }
    }
}
