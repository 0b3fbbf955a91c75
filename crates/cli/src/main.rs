//! The `plan-index` command: argument parsing and output over the same library calls the
//! Lambda handler makes. It links no AWS SDK: it depends on the root package's library (the
//! baked `static`) without its `lambda` feature.

mod check_sources;
mod embed;
mod inspect;
mod plan;
mod prepare;
mod search;
mod vocab;

use std::io::Write as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde::Serialize;

use plan_index_api::ApiError;
use plan_index_core::BakedIndex;

// The function's allocator, so the CLI's timings (`search_us`, `compute_us`) match it.
#[global_allocator]
static HEAP: plan_index::heap::Allocator = plan_index::heap::Allocator;

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
    /// Validate index/sources/: schema, vocabulary, week rules, coverage (exit 1 on problems).
    CheckSources(check_sources::CheckSourcesArgs),
    /// Print the vocabulary, bounds, week rules, phase windows and philosophies as JSON.
    Vocab(vocab::VocabArgs),
}

/// The baked index, or the error that says why it cannot be read.
pub fn baked_index() -> Result<&'static BakedIndex, ApiError> {
    plan_index::baked().map_err(ApiError::from)
}

/// Prints `value` as JSON on stdout, with the encoder every carrier of the function uses.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<(), ApiError> {
    let text = plan_index_api::encode(value)?;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        // The reader went away (`plan-index ... --json | head`): nothing left to say.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(ApiError::new(
            plan_index_api::Code::Io,
            format!("writing to stdout failed: {e}"),
        )),
        Ok(()) => Ok(()),
    }
}

/// A closed stdout ends the table printers' `println!` with a panic: exit quietly instead,
/// as other command-line tools do, and keep the default report for every other panic.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// Parses the arguments, runs the command, prints errors.
fn main() -> ExitCode {
    // As the function does, so the CLI's timings (`search_us`, `compute_us`) match it.
    plan_index::heap::keep();
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    let json = match &cli.command {
        Command::Inspect(a) => a.json,
        Command::Search(a) => a.json,
        Command::Embed(a) => a.json,
        Command::Plan(a) => a.json,
        Command::Prepare(a) => a.json,
        Command::CheckSources(a) => a.json,
        Command::Vocab(a) => a.json,
    };
    let success = |()| ExitCode::SUCCESS;
    let outcome = match cli.command {
        Command::Inspect(args) => inspect::run(args).map(success),
        Command::Search(args) => search::run(args).map(success),
        Command::Embed(args) => embed::run(args).map(success),
        Command::Plan(args) => plan::run(args).map(success),
        Command::Prepare(args) => prepare::run(args).map(success),
        Command::CheckSources(args) => check_sources::run(args),
        Command::Vocab(args) => vocab::run(args).map(success),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            if json {
                println!("{}", plan_index_api::encode_error(&e));
            }
            eprintln!("error: {}", e.message);
            ExitCode::FAILURE
        }
    }
}
