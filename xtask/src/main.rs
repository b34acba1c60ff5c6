//! `cargo xtask <command>`: see `cargo xtask --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};
use xtask::{lint, spec};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Lint, generate, bundle and diff the spendapi OpenAPI specs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check every spec (or the given files): references, documentation, examples, and the
    /// shapes the generators cannot take. Prints `file: json-pointer: message` per problem.
    Lint {
        /// Spec files to lint (default: every `openapi/*.yaml`).
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let root = spec::workspace_root();
    match cli.command {
        Command::Lint { files } => {
            let files = if files.is_empty() { spec::spec_files(&root)? } else { files };
            let findings = lint::lint(&root, &files);
            for finding in &findings {
                println!("{finding}");
            }
            if findings.is_empty() {
                eprintln!("lint: {} spec(s) clean", files.len());
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("lint: {} problem(s)", findings.len());
                Ok(ExitCode::FAILURE)
            }
        }
    }
}
