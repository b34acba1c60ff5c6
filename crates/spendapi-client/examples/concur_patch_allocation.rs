//! Updates custom fields of a Concur expense allocation, then reads the allocation back.
//!
//! ```sh
//! CONCUR_BASE_URL=https://us2.api.concursolutions.com CONCUR_ACCESS_TOKEN=... \
//!     cargo run -p spendapi-client --example concur_patch_allocation -- \
//!     --user-id 0f5b5d7a-3d4e-4c1b-9a56-1b2c3d4e5f60 --report-id 4F3A2B1C0D9E8F7A6B5C \
//!     --allocation-id A1B2C3D4E5F60718293A4B5C6D7E8F90 \
//!     --expense-id 0123456789ABCDEF0123456789ABCDEF --field custom1=Marketing
//! ```

use anyhow::{Context as _, anyhow};
use clap::Parser;
use spendapi_client::concur_expense_allocations::types::UpdateReportAllocation;
use spendapi_client::{ClientExt as _, ConcurAuth, CorrelationIdExt as _, VendorError};

#[derive(Parser)]
#[command(about = "Patch a Concur expense allocation's custom fields")]
struct Args {
    /// The datacenter, e.g. https://us2.api.concursolutions.com
    #[arg(
        long,
        env = "CONCUR_BASE_URL",
        default_value = "https://us2.api.concursolutions.com"
    )]
    base_url: String,
    /// A company or user access token with expense.report.readwrite.
    #[arg(long, env = "CONCUR_ACCESS_TOKEN", hide_env_values = true)]
    token: String,
    /// The report owner's user id (UUID).
    #[arg(long, env = "CONCUR_USER_ID")]
    user_id: String,
    /// TRAVELER or PROXY.
    #[arg(long, default_value = "TRAVELER")]
    context_type: String,
    /// The report id (20 hex characters).
    #[arg(long)]
    report_id: String,
    /// The allocation id (32 hex characters).
    #[arg(long)]
    allocation_id: String,
    /// The expenses of the report the change applies to (repeatable).
    #[arg(long = "expense-id", required = true)]
    expense_ids: Vec<String>,
    /// A custom field to set, as id=value (repeatable), e.g. custom1=Marketing.
    #[arg(long = "field", required = true)]
    fields: Vec<String>,
    /// The concur-correlationid to send (default: a new UUID).
    #[arg(long)]
    correlation_id: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let custom_data = args
        .fields
        .iter()
        .map(|f| {
            let (id, value) = f
                .split_once('=')
                .ok_or_else(|| anyhow!("--field {f:?} is not id=value"))?;
            Ok(serde_json::json!({"id": id, "value": value}))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let body: UpdateReportAllocation = serde_json::from_value(serde_json::json!({
        "allocation": {"customData": custom_data},
        "expenseIds": args.expense_ids,
    }))
    .context("invalid allocation update")?;

    let mut concur = spendapi_client::concur(&args.base_url, ConcurAuth::bearer(&args.token))
        .context("failed to build the Concur client")?;
    if let Some(id) = &args.correlation_id {
        concur = concur.with_correlation_id(id);
    }

    let patched = concur
        .update_report_allocation()
        .user_id(args.user_id.as_str())
        .context_type(args.context_type.as_str())
        .report_id(args.report_id.as_str())
        .allocation_id(args.allocation_id.as_str())
        .body(body)
        .send()
        .await;
    match patched {
        Ok(answer) => println!(
            "patched: {} (correlation id {})",
            answer.status(),
            answer.correlation_id().unwrap_or("-")
        ),
        Err(e) => {
            let e = VendorError::from_client_error(e).await;
            let id = e.correlation_id().unwrap_or("-").to_owned();
            return Err(anyhow::Error::new(e).context(format!(
                "failed to patch the allocation (correlation id {id})"
            )));
        }
    }

    let allocation = concur
        .get_report_allocation()
        .user_id(args.user_id.as_str())
        .context_type(args.context_type.as_str())
        .report_id(args.report_id.as_str())
        .allocation_id(args.allocation_id.as_str())
        .send()
        .await
        .map_err(VendorError::from)
        .context("failed to read the allocation back")?;
    println!(
        "allocation {} of expense {}: {}%",
        *allocation.allocation_id, *allocation.expense_id, allocation.percentage
    );
    for field in &allocation.custom_data {
        println!(
            "  {} = {}",
            field.id,
            field.value.as_ref().map_or("", |v| v.as_str())
        );
    }
    Ok(())
}
