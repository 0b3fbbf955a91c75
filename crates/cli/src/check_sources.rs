//! `plan-index check-sources`: validate `index/sources/` (docs/sources.md) with the plan
//! crate's vocabulary and week rules; one line per problem, exit 1 when there is any.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use plan_index_api::ApiError;
use plan_index_prepare::check::{Report, check_sources};

/// Arguments of `check-sources`.
#[derive(Debug, Args)]
pub struct CheckSourcesArgs {
    /// Folder of the documents (one sub-folder per collection).
    #[arg(long, default_value = plan_index_prepare::DEFAULT_SOURCES)]
    pub sources: PathBuf,
    /// Print `{"problems": [{"file", "problem"}], "summary": {...}}`.
    #[arg(long)]
    pub json: bool,
}

/// Runs `check-sources`: success when the sources pass.
pub fn run(args: CheckSourcesArgs) -> Result<ExitCode, ApiError> {
    let report = check_sources(&args.sources);
    if args.json {
        crate::print_json(&report)?;
    } else if report.ok() {
        print_summary(&report);
    } else {
        for problem in &report.problems {
            eprintln!("{problem}");
        }
        eprintln!("{}", report.summary_line());
    }
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_summary(report: &Report) {
    let s = &report.summary;
    println!("philosophies: {}", s.philosophies);
    println!("week_structures: {}", s.week_structures);
    println!("session_templates: {}", s.session_templates);
    for c in &s.session_types {
        println!(
            "  {:16} generic {:2}  philosophy {:2}",
            c.session_type, c.generic, c.philosophy
        );
    }
    println!(
        "knowledge: {} documents, {} passages",
        s.knowledge_documents, s.knowledge_passages
    );
    for (topic, n) in &s.topics {
        println!("  {topic:22} {n}");
    }
    println!("{}", report.summary_line());
}
