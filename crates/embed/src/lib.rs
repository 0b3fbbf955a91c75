//! Query embeddings: a baked vector when the exact text was embedded at prepare time, else the
//! local model (feature `model`), else a clear refusal.
//!
//! Vectors only compare with vectors of the same model, so a text query against an index made
//! by another model is refused rather than answered with meaningless scores. The model itself
//! is loaded on the first text query that needs it, never during a cold start: vector queries
//! and baked texts never pay for it.

#[cfg(feature = "model")]
pub mod minilm;

use std::sync::Arc;

use serde::Serialize;

use plan_index_core::{BakedIndex, Code, Coded, FormatError};
use plan_index_format::sha256;

/// Collection that `prepare` fills with every canonical query text, keyed by sha256.
pub const QUERIES_COLLECTION: &str = "queries";

/// Where a query vector came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EmbeddedBy {
    /// Looked up among the baked query embeddings.
    Baked,
    /// Computed by the local model.
    Model,
}

/// A query text's vector and its origin.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryEmbedding {
    /// The vector (unit length for the MiniLM model).
    pub vector: Vec<f32>,
    /// Baked or computed.
    pub embedded: EmbeddedBy,
}

/// Turns texts into vectors; `prepare` and text queries go through this, so tests can
/// substitute a cheap embedder and other models can be added beside MiniLM.
pub trait Embedder: Send + Sync {
    /// The model id written to and compared with `manifest.json`.
    fn model_id(&self) -> &str;
    /// Length of every vector.
    fn dim(&self) -> usize;
    /// One vector per text, in order.
    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError>;
}

/// Refuses when the index's vectors come from another model than `embedder`'s.
pub fn check_model(index_model: &str, embedder: &dyn Embedder) -> Result<(), EmbedError> {
    if index_model == embedder.model_id() {
        return Ok(());
    }
    Err(EmbedError::ModelMismatch {
        index: index_model.to_string(),
        embedder: embedder.model_id().to_string(),
    })
}

/// Embeds `text` with `embedder` for a search in `index`, after checking the models agree.
pub fn embed_with(
    embedder: &dyn Embedder,
    index: &BakedIndex,
    text: &str,
) -> Result<QueryEmbedding, EmbedError> {
    check_model(index.model(), embedder)?;
    let vector = embedder
        .embed_batch(&[text])?
        .pop()
        .ok_or_else(|| EmbedError::Failed("the embedder returned no vector".into()))?;
    Ok(QueryEmbedding {
        vector,
        embedded: EmbeddedBy::Model,
    })
}

/// Why a text could not be embedded.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmbedError {
    /// Built without the `embed` feature and the text is not baked.
    #[error(
        "this build has no text embedder (built without the `embed` feature) and the text is not among the baked query embeddings; send a vector instead"
    )]
    NoEmbedder,
    /// The index's vectors come from another model than the embedder's.
    #[error(
        "the index was embedded with model {index:?} but this embedder is {embedder:?}; text queries would be meaningless, send a vector instead"
    )]
    ModelMismatch {
        /// The index's model.
        index: String,
        /// The embedder's model.
        embedder: String,
    },
    /// Model files are missing or wrong.
    #[error("{0}")]
    ModelFiles(String),
    /// The model failed on this input.
    #[error("embedding failed: {0}")]
    Failed(String),
    /// Empty text.
    #[error("the text query is empty")]
    EmptyText,
    /// The baked query embeddings fail their checksum (the collection's tables, or the block
    /// of the text's row): no vector is given from them, and no model stands in.
    #[error(transparent)]
    IndexCorrupt(Arc<FormatError>),
}

impl From<FormatError> for EmbedError {
    fn from(e: FormatError) -> EmbedError {
        EmbedError::IndexCorrupt(Arc::new(e))
    }
}

impl Coded for EmbedError {
    fn code(&self) -> Code {
        match self {
            EmbedError::NoEmbedder => Code::TextUnsupported,
            EmbedError::ModelMismatch { .. } => Code::ModelMismatch,
            EmbedError::ModelFiles(_) => Code::ModelUnavailable,
            EmbedError::Failed(_) => Code::EmbedFailed,
            EmbedError::EmptyText => Code::InvalidText,
            EmbedError::IndexCorrupt(_) => Code::IndexCorrupt,
        }
    }
}

/// The baked vector of `text`, if `prepare` embedded exactly this text (`Ok(None)` when it
/// did not, or the index has no queries collection). A corrupt queries collection, or a
/// corrupt block holding the text's row, is an error: a text is never answered from
/// corrupt bytes, nor silently handed to the model instead.
///
/// The lookup reads the collection's digest index (its ids are the texts' sha256), not its
/// tables: a plan looks up ~20 of ~2,500 texts, and checking the whole tables on the first
/// lookup was a sixth of a process's first plan.
pub fn baked_query(index: &BakedIndex, text: &str) -> Result<Option<Vec<f32>>, FormatError> {
    let found = index.vector_by_digest(QUERIES_COLLECTION, &sha256(text))?;
    Ok(found.map(<[f32]>::to_vec))
}

/// The vector for a text query: baked if available, else computed by the model. Every caller
/// (search requests, plan selection, the CLI) resolves texts here, once per query.
pub fn embed_query(index: &BakedIndex, text: &str) -> Result<QueryEmbedding, EmbedError> {
    if text.trim().is_empty() {
        return Err(EmbedError::EmptyText);
    }
    if let Some(vector) = baked_query(index, text)? {
        return Ok(QueryEmbedding {
            vector,
            embedded: EmbeddedBy::Baked,
        });
    }
    model_query(index, text)
}

#[cfg(not(feature = "model"))]
fn model_query(_index: &BakedIndex, _text: &str) -> Result<QueryEmbedding, EmbedError> {
    Err(EmbedError::NoEmbedder)
}

#[cfg(feature = "model")]
fn model_query(index: &BakedIndex, text: &str) -> Result<QueryEmbedding, EmbedError> {
    // `Shared` loads the model only after the model check, so a mismatched index is refused
    // without touching the model files.
    embed_with(&minilm::Shared, index, text)
}
