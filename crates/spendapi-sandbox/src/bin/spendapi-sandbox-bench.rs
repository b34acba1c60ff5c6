//! `spendapi-sandbox-bench`: the helpers `cargo xtask bench` drives beside the sandbox.
//!
//! - `load --db PATH --events N`: a fresh database with N events, N/10 Coupa accounts and N/10
//!   integration history records, written through the sandbox's store in one transaction
//!   (`spendapi_sandbox::bulk`); prints one JSON line with the counts, a Coupa token, an event
//!   and an account id from the middle, and the seconds it took.
//! - `bare --addr ADDR`: a bare axum handler answering every `GET` with a static JSON event,
//!   the ceiling the sandbox's rates are compared with.

use std::net::SocketAddr;
use std::time::Instant;

use anyhow::{Context, Result};
use axum::http::header;
use clap::{Parser, Subcommand};
use serde_json::json;

#[derive(Debug, Parser)]
#[command(about = "Benchmark helpers for the spendapi sandbox (used by `cargo xtask bench`)")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a database loaded with generated records.
    Load {
        /// SQLite file to create (emptied when it exists).
        #[arg(long)]
        db: String,
        /// Number of events (accounts and records: a tenth of it each).
        #[arg(long)]
        events: u64,
    },
    /// Serve a static JSON body from a bare axum handler.
    Bare {
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: SocketAddr,
    },
}

/// The body of the bare handler: an event as the sandbox answers show-by-id.
const EVENT: &str = r#"{"id":"9200000000000005000","market-id":"9100000000000000000","state":"Active","name":"Bench event 5000","description":"Generated for the benchmark","event-number":5001,"settings":{"currency":"USD"}}"#;

#[tokio::main]
async fn main() -> Result<()> {
    match Args::parse().command {
        Command::Load { db, events } => {
            let started = Instant::now();
            let loaded = spendapi_sandbox::bulk::load(&db, events).await?;
            let line = json!({
                "events": loaded.events,
                "accounts": loaded.accounts,
                "records": loaded.records,
                "coupa_token": loaded.coupa_token,
                "middle_event_id": spendapi_sandbox::bulk::event_id(loaded.events / 2),
                "middle_account_id": loaded.accounts / 2 + 1,
                "seconds": started.elapsed().as_secs_f64(),
            });
            println!("{line}");
            Ok(())
        }
        Command::Bare { addr } => {
            let router = axum::Router::new()
                .fallback(|| async { ([(header::CONTENT_TYPE, "application/json")], EVENT) });
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding {addr}"))?;
            println!("listening on http://{}", listener.local_addr()?);
            axum::serve(listener, router).await.context("serving")
        }
    }
}
