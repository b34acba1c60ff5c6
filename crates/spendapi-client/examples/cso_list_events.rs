//! Lists every Coupa Sourcing event, walking the index page by page.
//!
//! ```sh
//! CSO_BASE_URL=https://acme.cso.coupahost.com CSO_API_KEY=... \
//!     cargo run -p spendapi-client --example cso_list_events -- --name-contains LTL
//! ```

use anyhow::Context as _;
use clap::Parser;
use futures::TryStreamExt as _;
use spendapi_client::pagination::{CsoPage, cso_index};
use spendapi_client::{ClientExt as _, Filters, VendorError};

#[derive(Parser)]
#[command(about = "List Coupa Sourcing events")]
struct Args {
    /// The CSO instance, e.g. https://acme.cso.coupahost.com
    #[arg(long, env = "CSO_BASE_URL")]
    base_url: String,
    /// The API key sent in X-CSO-API-KEY.
    #[arg(long, env = "CSO_API_KEY", hide_env_values = true)]
    api_key: String,
    /// Only events whose name contains this text (`name[contains]`).
    #[arg(long)]
    name_contains: Option<String>,
    /// Only events in this state (Setup, Active, Terminated).
    #[arg(long)]
    state: Option<String>,
    /// Events per request (at most 250).
    #[arg(long, default_value_t = 250)]
    page_size: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut filters = Filters::new();
    if let Some(text) = &args.name_contains {
        filters = filters.contains("name", text.as_str());
    }
    if let Some(state) = &args.state {
        filters = filters.eq("state", state.as_str());
    }
    let events = spendapi_client::cso(&args.base_url, &args.api_key)
        .context("failed to build the CSO client")?
        .with_filters(filters);

    let events = &events;
    let mut count = 0u64;
    let mut stream = std::pin::pin!(cso_index(args.page_size, |page| async move {
        let list = events
            .list_events()
            .offset(page.offset)
            .limit(page.limit)
            .send()
            .await?;
        Ok::<_, VendorError>(CsoPage::from(list.into_inner()))
    }));
    while let Some(event) = stream.try_next().await.context("failed to list events")? {
        count += 1;
        println!(
            "{}\t#{}\t{}\t{}",
            *event.id,
            // CSO leaves out elements without a value: only the id is always there.
            event
                .event_number
                .map(|n| n.to_string())
                .unwrap_or_default(),
            event.state.map(|s| s.to_string()).unwrap_or_default(),
            event.name.as_deref().unwrap_or("")
        );
    }
    println!("{count} events");
    Ok(())
}
