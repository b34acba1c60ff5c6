//! Bulk loading of generated records, for benchmarks (`spendapi-sandbox-bench load`): a
//! fresh database with `events` CSO events, a tenth as many Coupa accounts and a tenth as
//! many integration history records, written through [`Store`] in one transaction with many
//! rows per statement, plus a Coupa access token carrying every scope; on PostgreSQL the
//! planner's statistics are gathered right after ([`Store::analyze`]), as a server that ran
//! for a minute would have them.
//!
//! The documents have the wire shapes the trait implementations read back (the same shapes
//! as the demo data); only names, numbers and ids vary.

use anyhow::Result;
use serde_json::{Value, json};

use crate::config::ALL_SCOPES;
use crate::store::{self, Store};
use crate::{Seed, demo, now_secs, now_text};

/// Event ids start here: 19 digits, below the ids the sandbox hands out on create.
pub const FIRST_EVENT_ID: i64 = 9_200_000_000_000_000_000;

/// Documents built and written per round (bounds the loader's memory).
const ROUND: u64 = 20_000;

const STATES: [&str; 3] = ["Setup", "Active", "Terminated"];
const RECORD_STATUSES: [&str; 3] = ["Success", "Error", "Pending"];

/// What [`load`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub events: u64,
    pub accounts: u64,
    pub records: u64,
    /// A Coupa bearer token with every scope, valid for a year.
    pub coupa_token: String,
}

/// The id of the `n`th loaded event (0-based), as the wire carries it.
pub fn event_id(n: u64) -> String {
    format!("{:019}", FIRST_EVENT_ID + n as i64)
}

fn event(n: u64, updated: &str) -> Value {
    json!({
        "id": event_id(n),
        "market-id": format!("{:019}", 9_100_000_000_000_000_000_i64 + (n % 1_000) as i64),
        "state": STATES[(n % 3) as usize],
        "name": format!("Bench event {n}"),
        "description": "Generated for the benchmark",
        "event-number": n + 1,
        "settings": {"currency": "USD"},
        "_updated-at": updated,
    })
}

fn account(n: u64) -> Value {
    let id = n + 1;
    let segment = format!("S{}", n % 10);
    json!({
        "id": id,
        "name": format!("Bench account {id}"),
        "code": format!("{segment}-{id}"),
        "active": !n.is_multiple_of(7),
        "account-type": {"id": 1, "name": demo::ACCOUNT_TYPES[0].1},
        "account-type-id": 1,
        "segment-1": segment,
        "segment-2": format!("{}", id % 1_000),
        "created-at": "2024-03-05T09:12:44-08:00",
        "updated-at": "2024-03-05T09:12:44-08:00",
        "created-by": {"id": 270},
        "updated-by": {"id": 270},
    })
}

fn record(n: u64) -> Value {
    json!({
        "id": n + 1,
        "created-at": "2024-05-02T14:03:11-07:00",
        "updated-at": "2024-05-02T14:03:11-07:00",
        "contact-alert-type": "Functional",
        "document-id": 1_000_000 + n,
        "document-type": "InvoiceHeader",
        "external-id": format!("ERP-INV-{n:09}"),
        "integration": {"id": 12},
        "resolved": n.is_multiple_of(2),
        "status": RECORD_STATUSES[(n % 3) as usize],
        "created-by": {"id": 270},
        "updated-by": {"id": 270},
    })
}

/// Writes `count` documents made by `make` into `table`, `ROUND` at a time.
async fn fill(
    tx: &mut store::Tx,
    table: &store::Table,
    count: u64,
    make: impl Fn(u64) -> Value,
) -> Result<()> {
    let mut start = 0;
    while start < count {
        let end = (start + ROUND).min(count);
        let docs: Vec<Value> = (start..end).map(&make).collect();
        tx.put_many(table, &docs).await?;
        start = end;
    }
    Ok(())
}

/// Opens (creating) the database at `path`, empties it and loads `events` events with a
/// tenth as many accounts and records.
pub async fn load(path: &str, events: u64) -> Result<Loaded> {
    let store = Store::open(path).await?;
    demo::reset(&store, Seed::None).await?;
    let side = (events / 10).max(1);
    let updated = now_text();
    let token = format!("bench-{}", uuid::Uuid::new_v4().simple());
    let mut tx = store.begin().await?;
    fill(&mut tx, &store::EVENTS, events, |n| event(n, &updated)).await?;
    tx.raise("event_number", events as i64).await?;
    fill(&mut tx, &store::ACCOUNTS, side, account).await?;
    tx.raise("accounts", side as i64).await?;
    fill(&mut tx, &store::RECORDS, side, record).await?;
    tx.raise("integration_history_records", side as i64).await?;
    tx.put_token(
        "coupa",
        &token,
        crate::config::DEFAULT_CLIENT,
        &ALL_SCOPES.join(" "),
        now_secs() + 365 * 86_400,
    )
    .await?;
    tx.commit().await?;
    store.analyze().await?;
    store.close().await;
    Ok(Loaded {
        events,
        accounts: side,
        records: side,
        coupa_token: token,
    })
}
