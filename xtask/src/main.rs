//! `cargo xtask <command>`: see `cargo xtask --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};
use xtask::{bundle, generate, lint, spec};

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
    /// Lint the specs, then write the generated client modules (`--check`: compare instead of
    /// writing, print a unified diff and fail if anything is stale).
    Generate {
        #[arg(long)]
        check: bool,
    },
    /// Write the partner bundle: per API a self-contained spec (YAML and JSON), an offline HTML
    /// reference page, and an index page with versions and changelog.
    Bundle {
        /// Output directory.
        #[arg(long, default_value = "dist")]
        out: PathBuf,
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
        Command::Generate { check } => {
            let specs = spec::spec_files(&root)?;
            let findings = lint::lint(&root, &specs);
            if !findings.is_empty() {
                for finding in &findings {
                    println!("{finding}");
                }
                anyhow::bail!("the specs do not lint clean; fix them before generating (cargo xtask lint)");
            }
            let outputs = generate::render(&root)?;
            if check {
                let diffs = generate::check(&root, &outputs)?;
                if diffs.is_empty() {
                    eprintln!("generate --check: {} generated file(s) are fresh", outputs.len());
                    return Ok(ExitCode::SUCCESS);
                }
                for diff in &diffs {
                    println!("{diff}");
                }
                eprintln!("generated code is stale: run `cargo xtask generate` to update it");
                return Ok(ExitCode::FAILURE);
            }
            let changed = generate::write(&root, &outputs)?;
            for path in &changed {
                eprintln!("wrote {path}");
            }
            eprintln!("generate: {} file(s), {} changed", outputs.len(), changed.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::Bundle { out } => {
            let out = if out.is_absolute() { out } else { root.join(out) };
            bundle::run(&root, &out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
