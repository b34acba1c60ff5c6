//! Walks every Coupa account (50 per request), optionally filtered, and prints them.
//!
//! ```sh
//! COUPA_BASE_URL=https://acme.coupahost.com COUPA_CLIENT_ID=... COUPA_CLIENT_SECRET=... \
//!     cargo run -p spendapi-client --example coupa_walk_accounts -- --code-starts-with SF-
//! ```

use anyhow::Context as _;
use clap::Parser;
use futures::TryStreamExt as _;
use spendapi_client::pagination::coupa_index;
use spendapi_client::{ClientExt as _, CoupaAuth, Filters, VendorError};

#[derive(Parser)]
#[command(about = "Walk all Coupa accounts with pagination")]
struct Args {
    /// The Coupa instance, e.g. https://acme.coupahost.com
    #[arg(long, env = "COUPA_BASE_URL")]
    base_url: String,
    /// The OAuth client id.
    #[arg(long, env = "COUPA_CLIENT_ID")]
    client_id: String,
    /// The OAuth client secret.
    #[arg(long, env = "COUPA_CLIENT_SECRET", hide_env_values = true)]
    client_secret: String,
    /// OAuth scopes (space- or comma-separated in the environment).
    #[arg(
        long = "scope",
        env = "COUPA_SCOPES",
        value_delimiter = ',',
        default_value = "core.accounting.read"
    )]
    scopes: Vec<String>,
    /// Only accounts whose code starts with this text (`code[starts_with]`).
    #[arg(long)]
    code_starts_with: Option<String>,
    /// Only active (true) or inactive (false) accounts.
    #[arg(long)]
    active: Option<bool>,
    /// Accounts per request (at most 50).
    #[arg(long, default_value_t = 50)]
    page_size: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let scopes: Vec<String> = args
        .scopes
        .iter()
        .flat_map(|s| s.split_whitespace())
        .map(str::to_owned)
        .collect();
    let coupa = spendapi_client::coupa(
        &args.base_url,
        CoupaAuth::client_credentials(&args.client_id, &args.client_secret, scopes),
    )
    .context("failed to build the Coupa clients")?;

    let mut filters = Filters::new();
    if let Some(prefix) = &args.code_starts_with {
        filters = filters.starts_with("code", prefix.as_str());
    }
    if let Some(active) = args.active {
        filters = filters.eq("active", active);
    }
    let accounts = coupa.accounts.with_filters(filters);

    let accounts = &accounts;
    let mut count = 0u64;
    let mut stream = std::pin::pin!(coupa_index(args.page_size, |page| async move {
        let list = accounts
            .list_accounts()
            .offset(page.offset)
            .limit(page.limit)
            .send()
            .await?;
        Ok::<_, VendorError>(list.into_inner().0)
    }));
    while let Some(account) = stream.try_next().await.context("failed to list accounts")? {
        count += 1;
        println!(
            "{}\t{}\t{}\t{}",
            account
                .id
                .map_or_else(|| "-".to_owned(), |id| id.to_string()),
            account.code.as_deref().unwrap_or(""),
            account.name.as_ref().map_or("", |n| n.as_str()),
            if account.active.unwrap_or(false) {
                "active"
            } else {
                "inactive"
            },
        );
    }
    println!("{count} accounts");
    Ok(())
}
