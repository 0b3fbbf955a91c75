//! `prepare`: turns the hand-written documents in `index/sources/` into the collection files
//! build.rs bakes, embedding each text once and never again while it stays the same.
//!
//! Embedding is the only slow step (a model forward per item), so it is incremental: an item
//! whose text hash and model are unchanged keeps its previous vector. Every source is read and
//! validated before anything is embedded or written, so a typo costs no model time and leaves
//! the index as it was.

pub mod check;
pub mod output;
pub mod source;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use output::CollectionReport;
use plan_index_core::{Code, Coded};
use plan_index_embed::{EmbedError, Embedder, QUERIES_COLLECTION};
use plan_index_format::sha256_hex;
use plan_index_format::{MANIFEST_FILE, Manifest, SourceItem};
use source::DocItem;

/// Default folder of the documents.
pub const DEFAULT_SOURCES: &str = "index/sources";
/// Default folder of the collection files.
pub const DEFAULT_OUT: &str = "index";
/// The metric every prepared index uses (MiniLM vectors are compared by cosine).
pub const METRIC: &str = "cosine";

/// Why `prepare` stopped. Nothing has been written when a source is invalid.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrepareError {
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A source document is invalid.
    #[error("{}: {message}", file.display())]
    Source {
        /// The document (or folder) at fault.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The embedder failed.
    #[error(transparent)]
    Embed(EmbedError),
    /// Output could not be encoded (a bug).
    #[error("cannot encode the output")]
    Encode(#[source] serde_json::Error),
}

impl PrepareError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, e: std::io::Error) -> PrepareError {
        PrepareError::Io {
            path: path.to_path_buf(),
            source: e,
        }
    }

    /// An invalid source at `file`.
    pub fn source(file: &Path, message: impl Into<String>) -> PrepareError {
        PrepareError::Source {
            file: file.to_path_buf(),
            message: message.into(),
        }
    }

    fn encode(e: serde_json::Error) -> PrepareError {
        PrepareError::Encode(e)
    }
}

impl Coded for PrepareError {
    fn code(&self) -> Code {
        match self {
            PrepareError::Io { .. } => Code::Io,
            PrepareError::Source { .. } => Code::InvalidSource,
            PrepareError::Embed(e) => e.code(),
            PrepareError::Encode(_) => Code::Internal,
        }
    }
}

/// What a run did.
#[derive(Clone, Debug, Serialize)]
pub struct PrepareReport {
    /// The embedder's model, written to the manifest.
    pub model: String,
    /// Its dimension.
    pub dim: usize,
    /// One entry per collection written, the `queries` collection last.
    pub collections: Vec<CollectionReport>,
    /// Texts embedded in this run, over all collections.
    pub embedded: usize,
    /// Embeddings reused from the previous files.
    pub reused: usize,
    /// Whether `manifest.json` changed.
    pub manifest_written: bool,
}

/// Reads `sources`, embeds what changed with `embedder`, writes the collection files and the
/// manifest into `out`.
pub fn prepare(
    sources: &Path,
    out: &Path,
    embedder: &dyn Embedder,
) -> Result<PrepareReport, PrepareError> {
    let documents = read_sources(sources)?;
    std::fs::create_dir_all(out).map_err(|e| PrepareError::io(out, e))?;
    let previous = read_manifest(&out.join(MANIFEST_FILE));
    let mut reports = Vec::new();
    let mut built: BTreeMap<String, Vec<SourceItem>> = BTreeMap::new();
    for (name, items) in documents {
        let reuse = output::reusable(&collection_path(out, &name), previous.as_ref(), embedder);
        let (items, report) = output::embed_items(&name, items, &reuse, embedder)?;
        reports.push(report);
        built.insert(name, items);
    }
    let texts = plan_index_plan::queries::canonical_query_texts(&built);
    let queries = embed_queries(out, &texts, previous.as_ref(), embedder)?;
    for (report, (name, items)) in reports.iter_mut().zip(&built) {
        report.written = write_collection(&collection_path(out, name), items)?;
    }
    let queries_path = collection_path(out, QUERIES_COLLECTION);
    match queries {
        Some((items, mut report)) => {
            report.written = write_collection(&queries_path, &items)?;
            reports.push(report);
        }
        // An index cannot hold an empty collection, and stale queries must not outlive the
        // code that generated them.
        None if queries_path.exists() => {
            std::fs::remove_file(&queries_path).map_err(|e| PrepareError::io(&queries_path, e))?
        }
        None => {}
    }
    // The storage settings are the user's: a re-run keeps them.
    let manifest = Manifest {
        model: embedder.model_id().to_string(),
        dim: embedder.dim() as u32,
        metric: METRIC.to_string(),
        storage: previous.as_ref().and_then(|m| m.storage.clone()),
        collections: previous
            .as_ref()
            .map(|m| m.collections.clone())
            .unwrap_or_default(),
    };
    let manifest_written =
        output::write_atomic(&out.join(MANIFEST_FILE), &output::manifest_json(&manifest)?)?;
    Ok(PrepareReport {
        model: manifest.model,
        dim: embedder.dim(),
        embedded: reports.iter().map(|r| r.embedded).sum(),
        reused: reports.iter().map(|r| r.reused).sum(),
        collections: reports,
        manifest_written,
    })
}

/// Every collection's documents, all read and validated before any embedding.
pub fn read_sources(sources: &Path) -> Result<BTreeMap<String, Vec<DocItem>>, PrepareError> {
    let dirs = source::collection_dirs(sources)?;
    if dirs.is_empty() {
        return Err(PrepareError::source(
            sources,
            "no collection folders (expected index/sources/<collection>/**/*.md)",
        ));
    }
    let mut collections = BTreeMap::new();
    for (name, dir) in dirs {
        if name == QUERIES_COLLECTION {
            return Err(PrepareError::source(
                &dir,
                "the queries collection is generated by prepare and cannot have sources",
            ));
        }
        let items = source::read_collection(&dir)?;
        if items.is_empty() {
            return Err(PrepareError::source(
                &dir,
                "no .md documents in this folder",
            ));
        }
        collections.insert(name, items);
    }
    Ok(collections)
}

/// The `queries` collection for `texts`: one item per distinct text, id = sha256 of the text,
/// reusing previous vectors; `None` when there are no texts.
pub fn embed_queries(
    out: &Path,
    texts: &[String],
    previous: Option<&Manifest>,
    embedder: &dyn Embedder,
) -> Result<Option<(Vec<SourceItem>, CollectionReport)>, PrepareError> {
    let items = query_items(texts);
    if items.is_empty() {
        return Ok(None);
    }
    let path = collection_path(out, QUERIES_COLLECTION);
    let reuse = output::reusable(&path, previous, embedder);
    output::embed_items(QUERIES_COLLECTION, items, &reuse, embedder).map(Some)
}

/// One item per distinct text, in first-seen order.
fn query_items(texts: &[String]) -> Vec<DocItem> {
    let mut seen = std::collections::HashSet::new();
    texts
        .iter()
        .filter(|t| !t.trim().is_empty() && seen.insert(t.as_str()))
        .map(|text| DocItem {
            id: sha256_hex(text),
            text: text.clone(),
            store_text: true,
            metadata: None,
            payload: None,
        })
        .collect()
}

fn collection_path(out: &Path, name: &str) -> PathBuf {
    out.join(format!("{name}.json"))
}

fn write_collection(path: &Path, items: &[SourceItem]) -> Result<bool, PrepareError> {
    output::write_atomic(path, &output::collection_json(items)?)
}

/// The previous manifest; a missing or unreadable one means nothing can be reused.
fn read_manifest(path: &Path) -> Option<Manifest> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_items_are_keyed_by_hash_and_deduplicated() {
        let texts = vec![
            "b".to_string(),
            "a".to_string(),
            "b".to_string(),
            " ".into(),
        ];
        let items = query_items(&texts);
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, [sha256_hex("b"), sha256_hex("a")]);
        assert!(items.iter().all(|i| i.store_text && i.metadata.is_none()));
    }
}
