//! `plan-index prepare`: rebuild index/*.json from index/sources/.

use std::path::PathBuf;

use clap::Args;

use plan_index_api::{ApiError, Code};

/// Arguments of `prepare`.
#[derive(Debug, Args)]
pub struct PrepareArgs {
    /// Folder of the documents (one sub-folder per collection).
    #[arg(long, default_value = "index/sources")]
    pub sources: PathBuf,
    /// Folder to write `<collection>.json` and `manifest.json` into.
    #[arg(long, default_value = "index")]
    pub out: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `prepare`.
#[cfg(feature = "embed")]
pub fn run(args: PrepareArgs) -> Result<(), ApiError> {
    use plan_index_embed::minilm;
    use plan_index_prepare::prepare;

    let started = std::time::Instant::now();
    let report =
        prepare(&args.sources, &args.out, &minilm::Shared).map_err(|e| ApiError::from_coded(&e))?;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
    if args.json {
        let mut value = serde_json::to_value(&report)
            .map_err(|e| ApiError::new(Code::Internal, e.to_string()))?;
        value["elapsed_ms"] = serde_json::json!(elapsed_ms.round());
        return crate::print_json(&value);
    }
    for c in &report.collections {
        let state = if c.written { "written" } else { "unchanged" };
        println!(
            "{:<20} {:>5} items: {} embedded, {} reused ({state})",
            c.name, c.items, c.embedded, c.reused
        );
    }
    println!(
        "{} embedded, {} reused in {:.1} s ({}, dim {})",
        report.embedded,
        report.reused,
        elapsed_ms / 1e3,
        report.model,
        report.dim
    );
    Ok(())
}

/// Runs `prepare`: refused, since this build has no embedder.
#[cfg(not(feature = "embed"))]
pub fn run(_args: PrepareArgs) -> Result<(), ApiError> {
    Err(ApiError::new(
        Code::TextUnsupported,
        "prepare needs the text embedder: build with the default features (`embed`)",
    ))
}
