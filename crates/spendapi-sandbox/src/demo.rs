//! The demo data: the records of the vendor pages' examples (`seed/demo.json`, taken from the
//! specs' examples, which copy the seeds), so the seeds' own curl examples work against the
//! sandbox with only the host and the token changed.

use anyhow::{Context, Result};
use serde_json::{Value, json};

use crate::store::{self, Store};
use crate::{Seed, now_text};

const DEMO: &str = include_str!("../seed/demo.json");

/// The user and report of the Concur examples (seed 001's curl lines).
pub const CONCUR_USER: &str = "32c2fcc3-b2e8-4907-9672-5b3f49b1c643";
pub const CONCUR_REPORT: &str = "764428DD6A664AF0BFCB";

/// The charts of accounts (`account-type`) the demo accounts refer to.
pub const ACCOUNT_TYPES: &[(i64, &str)] =
    &[(1, "US Chart of Accounts"), (2, "EMEA Chart of Accounts")];

/// Loads the seed into an empty database; leaves an already seeded one alone. The check and
/// the load are one transaction holding the exclusive lock, so replicas starting at the same
/// moment seed once: the others wait, then find the `seeded` counter.
pub async fn init(store: &Store, seed: Seed) -> Result<()> {
    let mut tx = store.begin_exclusive().await?;
    if tx.counter("seeded").await?.is_some() {
        return Ok(());
    }
    load(tx, seed).await
}

/// Replaces every resource with the seed (tokens stay valid), in one transaction that
/// excludes every other writer: no request sees half a reset.
pub async fn reset(store: &Store, seed: Seed) -> Result<()> {
    load(store.begin_exclusive().await?, seed).await
}

async fn load(mut tx: store::Tx, seed: Seed) -> Result<()> {
    let demo: Value = serde_json::from_str(DEMO).context("reading the demo data")?;
    tx.clear().await?;
    tx.raise("seeded", 1).await?;
    for (id, name) in ACCOUNT_TYPES {
        tx.put(&store::ACCOUNT_TYPES, &json!({"id": id, "name": name}))
            .await?;
    }
    if seed == Seed::Demo {
        let list = |key: &str| demo[key].as_array().cloned().unwrap_or_default();
        let max = |docs: &[Value], key: &str| {
            docs.iter()
                .filter_map(|d| d[key].as_i64())
                .max()
                .unwrap_or(0)
        };
        let accounts = list("accounts");
        for mut doc in accounts.clone() {
            let type_id = doc["account-type"]["id"].as_i64().unwrap_or(1);
            let name = ACCOUNT_TYPES
                .iter()
                .find(|(id, _)| *id == type_id)
                .map(|(_, n)| *n)
                .unwrap_or_default();
            doc["account-type"] = json!({"id": type_id, "name": name});
            doc["account-type-id"] = json!(type_id);
            tx.put(&store::ACCOUNTS, &doc).await?;
        }
        tx.raise("accounts", max(&accounts, "id")).await?;
        let delegations = list("delegations");
        for doc in &delegations {
            tx.put(&store::DELEGATIONS, doc).await?;
        }
        let records = list("ihr");
        for doc in &records {
            tx.put(&store::RECORDS, doc).await?;
        }
        tx.raise("integration_history_records", max(&records, "id"))
            .await?;
        let events = list("events");
        for doc in &events {
            let mut doc = doc.clone();
            doc["_updated-at"] = json!(now_text());
            tx.put(&store::EVENTS, &doc).await?;
        }
        tx.raise("event_number", max(&events, "event-number"))
            .await?;
        for doc in list("allocations") {
            let mut doc = doc.clone();
            doc["_userId"] = json!(CONCUR_USER);
            doc["_reportId"] = json!(CONCUR_REPORT);
            doc[crate::concur::MODIFIED_AT] = json!(now_text());
            tx.put(&store::ALLOCATIONS, &doc).await?;
        }
    }
    tx.commit().await
}
