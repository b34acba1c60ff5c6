//! The spendapi sandbox: a reference implementation of every operation of the five specs on
//! embedded SQLite or on PostgreSQL (where several sandbox processes may share one database),
//! served through the generated server traits and routers of `spendapi-server`.
//!
//! [`app`] builds the whole service (the generated router of every API in the specs, the token endpoints, the
//! reset and fault-injection hooks for test suites, Swagger UI and the bundled specs); the
//! binary (`src/main.rs`) adds the command line, logging and graceful shutdown.
//!
//! Module map: [`store`] holds every SQL statement ([`group`]: SQLite's group commit); [`query`] the Coupa index conventions;
//! [`coupa`], [`cso`] and [`concur`] implement the generated traits, each mapping between
//! stored documents and the generated types in one place per resource; [`tokens`] the OAuth
//! endpoints and the [`spendapi_server::Verifier`]; [`demo`] the seed data; [`apis`] the
//! served specs (found by `build.rs`) and which router answers each path (501 in the vendor's
//! format for a spec without an implementation); [`web`] the routes outside the specs; [`bulk`] the generated records of `cargo xtask bench`.
//!
//! # Readings the vendor documents leave open
//!
//! - Coupa filters: text operators (`contains`, `starts_with`, `ends_with`) are
//!   case-sensitive; `gt`/`lt`/… compare numbers as numbers and datetimes as instants;
//!   `blank=true` matches a missing, null or empty value; an unknown attribute or operator, a
//!   text operator on a datetime, or `filter=<name>` (the sandbox has no admin-defined API
//!   filters) is a 400. Filters on indexed columns run in SQL, the others on the documents of
//!   the rows SQL selected, read in bounded batches (`query::pushdown` lists which).
//! - `return_object=shallow` reduces associations to their `id` (or `code`, `name`, `login`);
//!   `none` answers `{}` (the typed response needs a body).
//! - Accounts: `code` is recomputed on every write; codes are not checked for uniqueness.
//! - Integration history records: `acknowledge` sets `status: Success` unless one is sent;
//!   `mark_exported` and `create_alert_and_mark_exported` set `document-status: exported`
//!   unless one is sent; updates append `responses`; `resolved` changes only through
//!   resolve/unresolve.
//! - Concur PATCH: every id of `expenseIds` must be an expense of the report (404
//!   "expenseId not found") and the allocation must belong to one of them (400); the merge
//!   replaces the `customData` entries with the ids sent and adds new ones. A context type
//!   the operation does not support (the list: `TRAVELER`; get and PATCH: `TRAVELER`, `PROXY`)
//!   is answered 403 by a layer in front of the router (so before authentication), because the
//!   generated path types admit only the supported ones.
//! - Concur conditional GETs: `If-Modified-Since` (an HTTP-date) is compared, to the second,
//!   with the allocation's last change (its seeding or its last PATCH); the list compares the
//!   latest change among the expense's allocations. Not changed since: 304 without a body. An
//!   unparsable date is ignored (RFC 7232), and a 404 stays a 404.
//! - A database failure is answered 500 in the vendor's format: Concur through its documented
//!   500 variant, the others (whose specs document no 500) by the runtime's panic guard. When
//!   the database cannot be reached, a layer in [`web`] answers 503 in the vendor's format
//!   instead, with `Retry-After: 1` (no spec documents an outage; 503 is what a client's retry
//!   logic expects).

pub mod apis;
pub mod bulk;
pub mod concur;
pub mod config;
pub mod coupa;
pub mod cso;
pub mod demo;
pub mod group;
pub mod query;
pub mod readers;
pub mod store;
pub mod tokens;
pub mod web;

use std::sync::Arc;

pub use config::Config;
pub use web::app;

/// Which data a fresh or reset database holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Seed {
    /// The records of the vendor pages' examples.
    Demo,
    /// Nothing.
    None,
}

/// What [`app`] needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// SQLite file, `:memory:`, or a `postgres://` URL.
    pub db: String,
    pub seed: Seed,
    pub config: Config,
}

/// The state every trait implementation shares: cheap to clone.
#[derive(Clone, Debug)]
pub struct Sandbox {
    pub store: store::Store,
    pub config: Arc<Config>,
    pub seed: Seed,
}

/// `http://<Host>`: the sandbox's own base URL as the client reached it (the served specs'
/// servers, Concur's token `geolocation`). Here rather than in `web` so that `tokens`, which
/// `web` routes to, does not import `web` back.
pub fn base_url(headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// Seconds since the epoch.
pub fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The current time as Coupa writes it.
pub fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
