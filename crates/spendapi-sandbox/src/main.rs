//! `spendapi-sandbox`: serves all five APIs on one address, backed by SQLite or PostgreSQL.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Parser;
use spendapi_sandbox::{Config, Seed, Settings, app, store};

/// The SQLite file used when no database is named.
const DEFAULT_DB: &str = "spendapi-sandbox.db";
use tower_http::trace::TraceLayer;

/// The spendapi sandbox: every operation of the Coupa Core, CSO and Concur specs on SQLite or
/// PostgreSQL.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// SQLite database file (created when missing), `:memory:`, or a `postgres://` URL
    /// (several sandboxes may share one PostgreSQL database). Default: the configuration
    /// file's `database`, else `spendapi-sandbox.db`.
    #[arg(long, env = "SPENDAPI_SANDBOX_DB", hide_env_values = true)]
    db: Option<String>,
    /// Data loaded into a new database and restored by `POST /_sandbox/reset`.
    #[arg(long, value_enum, default_value = "demo")]
    seed: Seed,
    /// TOML file with OAuth clients, CSO keys, the admin token, the token lifetime and the
    /// database.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Listen on a non-loopback address even with the default development credentials.
    #[arg(long)]
    allow_public: bool,
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let args = Args::parse();
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    if config.uses_defaults() && !args.addr.ip().is_loopback() && !args.allow_public {
        bail!(
            "refusing to listen on {} with the default development credentials; \
             pass --config with your own or --allow-public",
            args.addr
        );
    }
    let banner = config.banner();
    let db = args
        .db
        .clone()
        .or_else(|| config.database.clone())
        .unwrap_or_else(|| DEFAULT_DB.to_owned());
    let router = app(Settings {
        db: db.clone(),
        seed: args.seed,
        config,
    })
    .await?
    .layer(
        TraceLayer::new_for_http()
            .make_span_with(|request: &axum::http::Request<_>| {
                tracing::info_span!("request", method = %request.method(), uri = %request.uri())
            })
            .on_request(())
            .on_response(
                |response: &axum::http::Response<_>, latency: std::time::Duration, _span: &tracing::Span| {
                    tracing::info!(status = response.status().as_u16(), ?latency, "answered");
                },
            ),
    );
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("binding {}", args.addr))?;
    let local = listener.local_addr()?;
    println!("spendapi-sandbox listening on http://{local}");
    println!("  docs:     http://{local}/docs/");
    println!("  database: {}", store::redacted(&db));
    println!("{banner}");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown())
        .await
        .context("serving")?;
    tracing::info!("shut down");
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
