//! `spendapi-sandbox`: serves all five APIs on one address, backed by SQLite.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Parser;
use spendapi_sandbox::{Config, Seed, Settings, app};
use tower_http::trace::TraceLayer;

/// The spendapi sandbox: every operation of the Coupa Core, CSO and Concur specs on SQLite.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// SQLite database file (created when missing), or `:memory:`.
    #[arg(long, default_value = "spendapi-sandbox.db")]
    db: String,
    /// Data loaded into a new database and restored by `POST /_sandbox/reset`.
    #[arg(long, value_enum, default_value = "demo")]
    seed: Seed,
    /// TOML file with OAuth clients, CSO keys, the admin token and the token lifetime.
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
    let banner = credentials(&config);
    let router = app(Settings {
        db: args.db.clone(),
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
    println!("  database: {}", args.db);
    println!("{banner}");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown())
        .await
        .context("serving")?;
    tracing::info!("shut down");
    Ok(())
}

fn credentials(config: &Config) -> String {
    let mut lines = Vec::new();
    for client in &config.clients {
        lines.push(format!(
            "  OAuth client: id {} secret {} (POST /oauth2/token, /oauth2/v0/token)",
            client.id, client.secret
        ));
    }
    for key in &config.cso_keys {
        lines.push(format!("  CSO API key (X-CSO-API-KEY): {key}"));
    }
    lines.push(format!(
        "  admin token (POST /_sandbox/reset, Authorization: Bearer): {}",
        config.admin_token
    ));
    lines.join("\n")
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
