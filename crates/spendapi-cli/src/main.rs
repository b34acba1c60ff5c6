//! `spendapi`: every operation of the specs as `spendapi <vendor> <api> <operation>`.
//!
//! The subcommands and their dispatch are generated (`generated/`, by `cargo xtask generate`
//! with progenitor's `Generator::cli`); [`shell`] is the hand-written rest: global options,
//! credentials, printing, `--all`, completions.

#[allow(
    clippy::all,
    clippy::unwrap_used,
    unused_imports,
    unused_variables,
    dead_code,
    missing_docs
)]
#[rustfmt::skip]
mod generated;
mod shell;

use std::process::ExitCode;

use anyhow::Context as _;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is::<shell::AllPagesPrinted>() => ExitCode::SUCCESS,
        Err(error) => {
            if !error.is::<Reported>() {
                eprintln!("error: {error:#}");
            }
            ExitCode::FAILURE
        }
    }
}

/// An error the subcommand already printed (a vendor error, with its messages).
#[derive(Debug)]
struct Reported;

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("reported")
    }
}

impl std::error::Error for Reported {}

async fn run() -> anyhow::Result<()> {
    let apis = generated::apis();
    let mut command = shell::command(&apis);
    let matches = command.clone().get_matches();
    let (vendor, vendor_matches) = matches.subcommand().context("a subcommand")?;
    if vendor == "completions" {
        let shell = *vendor_matches
            .get_one::<clap_complete::Shell>("shell")
            .context("a shell")?;
        clap_complete::generate(shell, &mut command, "spendapi", &mut std::io::stdout());
        return Ok(());
    }
    let (api_name, api_matches) = vendor_matches.subcommand().context("an API")?;
    let (op_name, op_matches) = api_matches.subcommand().context("an operation")?;
    let api = apis
        .iter()
        .find(|a| a.vendor == vendor && a.name == api_name)
        .context("unknown API")?;
    let operation = api
        .operations
        .iter()
        .find(|o| o.name == op_name)
        .context("unknown operation")?;
    let all = operation.paged && op_matches.get_flag("all");
    let shell = shell::Shell::new(&matches, all)?;
    let result = generated::execute(api.module, operation.operation_id, op_matches, &shell).await;
    match result {
        Err(error) if shell.reported() && !error.is::<shell::AllPagesPrinted>() => {
            Err(Reported.into())
        }
        other => other,
    }
}
