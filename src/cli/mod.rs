//! The `plan-index` command line: argument parsing and output, over the same library calls
//! the Lambda handler makes.

mod embed;
mod inspect;
mod plan;
mod prepare;
mod search;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde::Serialize;

use crate::error::ErrorKind;

/// plan-index: a vector index baked into this binary.
#[derive(Debug, Parser)]
#[command(name = "plan-index", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collections, counts, dimension, metric, model, blob bytes and content hash.
    Inspect(inspect::InspectArgs),
    /// Exact top-k search in one collection.
    Search(search::SearchArgs),
    /// Print the query embedding the function would use for a text.
    Embed(embed::EmbedArgs),
    /// Select a whole training plan.
    Plan(plan::PlanArgs),
    /// (Re)build index/*.json from index/sources/.
    Prepare(prepare::PrepareArgs),
}

/// A failed command: a code and a message, printed as JSON with `--json`.
#[derive(Debug)]
pub struct CliError {
    /// Stable code, as in HTTP error bodies.
    pub code: &'static str,
    /// What went wrong and what to do.
    pub message: String,
    /// The kind, for the exit code.
    pub kind: ErrorKind,
}

impl CliError {
    /// An error with this code, kind and message.
    pub fn new(code: &'static str, kind: ErrorKind, message: impl Into<String>) -> CliError {
        CliError {
            code,
            kind,
            message: message.into(),
        }
    }
}

impl From<crate::index::SearchError> for CliError {
    fn from(e: crate::index::SearchError) -> CliError {
        CliError::new(e.code(), e.kind(), e.to_string())
    }
}

impl From<&crate::index::format::FormatError> for CliError {
    fn from(e: &crate::index::format::FormatError) -> CliError {
        CliError::new("index_corrupt", ErrorKind::Internal, e.to_string())
    }
}

/// The baked index, or the error that says why it cannot be read.
pub fn baked_index() -> Result<&'static crate::index::BakedIndex, CliError> {
    crate::index::baked().map_err(CliError::from)
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json<T: Serialize>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::new("internal", ErrorKind::Internal, e.to_string()))?;
    println!("{text}");
    Ok(())
}

/// Parses the arguments, runs the command, prints errors; the binary's whole `main`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = match &cli.command {
        Command::Inspect(a) => a.json,
        Command::Search(a) => a.json,
        Command::Embed(a) => a.json,
        Command::Plan(a) => a.json,
        Command::Prepare(a) => a.json,
    };
    let outcome = match cli.command {
        Command::Inspect(args) => inspect::run(args),
        Command::Search(args) => search::run(args),
        Command::Embed(args) => embed::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Prepare(args) => prepare::run(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
                let body = serde_json::json!({"error": {"code": e.code, "message": e.message}});
                println!("{body}");
            }
            eprintln!("error: {}", e.message);
            ExitCode::FAILURE
        }
    }
}
