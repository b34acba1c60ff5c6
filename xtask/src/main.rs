//! `cargo xtask <command>`: see `cargo xtask --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};
use xtask::{bench, bundle, codegen, lint, publish, spec};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Lint, generate, bundle and diff the spendapi OpenAPI specs"
)]
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
    /// Classify the changes between two versions of a spec as breaking or not (for clients).
    /// Exits non-zero on a breaking change unless `info.version` has a new major version.
    ///
    /// `diff OLD NEW` compares two files; `diff --base REV` compares every spec with its
    /// committed version at a git revision; `diff --published` (the CI gate) compares every spec
    /// with its newest version under `openapi/published/`.
    Diff {
        old: Option<PathBuf>,
        new: Option<PathBuf>,
        #[arg(long, conflicts_with_all = ["old", "new", "published"])]
        base: Option<String>,
        #[arg(long, conflicts_with_all = ["old", "new"])]
        published: bool,
    },
    /// Freeze the bundled form of every spec whose `info.version` is not published yet under
    /// `openapi/published/<api>-<version>.yaml` (refused if it breaks the previous version
    /// without a major bump).
    Publish,
    /// Measure regeneration and sandbox serving beside the peers, in one run (release builds):
    /// `xtask generate --check` against openapi-generator (`-g rust` and `-g rust-axum` on the
    /// bundled specs), the sandbox on databases of 10,000 and 1,000,000 events against a bare
    /// axum handler and a Prism mock (load from oha, else wrk), the same databases on a
    /// throw-away PostgreSQL cluster behind one and two sandbox replicas when PostgreSQL is
    /// installed, its peak memory and database size. Prints one table and writes it as JSON to `<target dir>/bench/latest.json`.
    /// Missing optional peers are named and skipped, never installed.
    Bench {
        /// Timed runs of `xtask generate --check` (after one warm-up); the median is reported.
        #[arg(long, default_value_t = 7)]
        runs: usize,
        /// Timed runs of openapi-generator over every spec.
        #[arg(long, default_value_t = 3)]
        peer_runs: usize,
        /// Seconds per load run.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Concurrent connections of the load tool.
        #[arg(long, default_value_t = 32)]
        connections: u32,
        /// Event counts of the sandbox databases (a tenth as many accounts and integration
        /// history records each), smallest first.
        #[arg(long, value_delimiter = ',', default_values_t = [10_000, 1_000_000])]
        events: Vec<u64>,
        /// Where openapi-generator-cli (`venv/`) and Prism (`node_modules/`) are installed
        /// [default: <target dir>/bench/peers].
        #[arg(long)]
        peers: Option<PathBuf>,
        /// Use the release binaries already built.
        #[arg(long)]
        no_build: bool,
        /// Skip the runs on PostgreSQL (they start their own cluster when `initdb` is found:
        /// `$PG_BIN`, `/usr/lib/postgresql/<version>/bin` or `PATH`).
        #[arg(long)]
        no_postgres: bool,
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
            let files = if files.is_empty() {
                spec::spec_files(&root)?
            } else {
                files
            };
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
                anyhow::bail!(
                    "the specs do not lint clean; fix them before generating (cargo xtask lint)"
                );
            }
            let outputs = codegen::render(&root)?;
            if check {
                let diffs = codegen::check(&root, &outputs)?;
                if diffs.is_empty() {
                    eprintln!(
                        "generate --check: {} generated file(s) are fresh",
                        outputs.len()
                    );
                    return Ok(ExitCode::SUCCESS);
                }
                for diff in &diffs {
                    println!("{diff}");
                }
                eprintln!("generated code is stale: run `cargo xtask generate` to update it");
                return Ok(ExitCode::FAILURE);
            }
            let changed = codegen::write(&root, &outputs)?;
            for path in &changed {
                eprintln!("wrote {path}");
            }
            eprintln!(
                "generate: {} file(s), {} changed",
                outputs.len(),
                changed.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff {
            old,
            new,
            base,
            published,
        } => {
            let reports = match (old, new, base) {
                (Some(old), Some(new), None) => {
                    vec![(
                        format!("{} -> {}", old.display(), new.display()),
                        publish::diff_files(&old, &new)?,
                    )]
                }
                (None, None, Some(base)) => publish::diff_base(&root, &base)?,
                (None, None, None) if published => {
                    let publish::Gate {
                        reports,
                        unpublished,
                    } = publish::gate(&root)?;
                    for api in unpublished {
                        println!("{api}: no published version yet (run `cargo xtask publish`)");
                    }
                    reports
                }
                _ => anyhow::bail!("give OLD and NEW files, --base REV, or --published"),
            };
            let mut passes = true;
            for (title, report) in &reports {
                passes &= publish::print_report(title, report);
            }
            Ok(if passes {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Publish => {
            let written = publish::publish(&root)?;
            for path in &written {
                eprintln!("published {}", spec::display(&root, path));
            }
            eprintln!("publish: {} new version(s)", written.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            runs,
            peer_runs,
            seconds,
            connections,
            events,
            peers,
            no_build,
            no_postgres,
        } => {
            let options = bench::Options {
                runs,
                peer_runs,
                bounds: bench::load::Bounds {
                    seconds,
                    connections,
                },
                sizes: events,
                peers,
                no_build,
                postgres: !no_postgres,
            };
            bench::run(&root, &options)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bundle { out } => {
            let out = if out.is_absolute() {
                out
            } else {
                root.join(out)
            };
            bundle::run(&root, &out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
