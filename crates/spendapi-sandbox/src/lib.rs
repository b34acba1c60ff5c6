//! The spendapi sandbox: a reference implementation of every operation of the five specs on
//! embedded SQLite, served through the generated server traits and routers of
//! `spendapi-server`.
//!
//! [`app`] builds the whole service (the five generated routers, the token endpoints, the
//! reset and fault-injection hooks for test suites, Swagger UI and the bundled specs); the
//! binary (`src/main.rs`) adds the command line, logging and graceful shutdown.
//!
//! Module map: [`store`] holds every SQL statement; [`query`] the Coupa index conventions;
//! [`coupa`], [`cso`] and [`concur`] implement the generated traits, each mapping between
//! stored documents and the generated types in one place per resource; [`tokens`] the OAuth
//! endpoints and the [`spendapi_server::Verifier`]; [`demo`] the seed data; [`web`] the
//! routes outside the specs.

pub mod concur;
pub mod config;
pub mod coupa;
pub mod cso;
pub mod demo;
pub mod query;
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
    /// SQLite file, or `:memory:`.
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

/// Seconds since the epoch.
pub fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The current time as Coupa writes it.
pub fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
