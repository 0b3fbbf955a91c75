//! `plan-index vocab`: the vocabulary, bounds, week rules and phase windows the plan crate
//! defines, and the philosophies' metadata, as JSON for scripts
//! (scripts/generate_week_structures.py reads them from here instead of keeping a copy).

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;
use serde_json::{Map, Value};

use plan_index_api::ApiError;
use plan_index_plan::export::{Vocabulary, vocabulary};
use plan_index_plan::queries::PHILOSOPHIES;
use plan_index_prepare::check::{BOUNDS, Bounds};

/// Arguments of `vocab`.
#[derive(Debug, Args)]
pub struct VocabArgs {
    /// Folder of the documents (the philosophies are read from `<sources>/philosophies`).
    #[arg(long, default_value = plan_index_prepare::DEFAULT_SOURCES)]
    pub sources: PathBuf,
    /// Print JSON (the only output; accepted for symmetry with the other commands).
    #[arg(long)]
    pub json: bool,
}

/// A philosophy as the sources define it.
#[derive(Serialize)]
struct Philosophy {
    id: String,
    metadata: Map<String, Value>,
}

/// What `vocab` prints.
#[derive(Serialize)]
struct Export {
    #[serde(flatten)]
    vocabulary: Vocabulary,
    sources: Bounds,
    philosophies: Vec<Philosophy>,
}

/// Runs `vocab`.
pub fn run(args: VocabArgs) -> Result<(), ApiError> {
    let dir = args.sources.join(PHILOSOPHIES);
    let philosophies = plan_index_prepare::source::read_collection(&dir)
        .map_err(|e| ApiError::from_coded(&e))?
        .into_iter()
        .map(|item| Philosophy {
            id: item.id,
            metadata: item.metadata.unwrap_or_default(),
        })
        .collect();
    crate::print_json(&Export {
        vocabulary: vocabulary(),
        sources: BOUNDS,
        philosophies,
    })
}
