//! Query embeddings: a baked vector when the exact text was embedded at prepare time, else the
//! local model (feature `embed`), else a clear refusal.

use serde::Serialize;

use crate::error::ErrorKind;
use crate::index::BakedIndex;
use crate::index::format::sha256_hex;

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

/// Why a text could not be embedded.
#[derive(Debug, thiserror::Error)]
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
}

impl EmbedError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            EmbedError::NoEmbedder => "text_unsupported",
            EmbedError::ModelMismatch { .. } => "model_mismatch",
            EmbedError::ModelFiles(_) => "model_unavailable",
            EmbedError::Failed(_) => "embed_failed",
            EmbedError::EmptyText => "invalid_text",
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            EmbedError::NoEmbedder | EmbedError::ModelFiles(_) => ErrorKind::Unavailable,
            EmbedError::ModelMismatch { .. } | EmbedError::EmptyText => ErrorKind::Unprocessable,
            EmbedError::Failed(_) => ErrorKind::Internal,
        }
    }
}

/// The baked vector of `text`, if `prepare` embedded exactly this text.
pub fn baked_query(index: &BakedIndex, text: &str) -> Option<Vec<f32>> {
    let queries = index.collection(QUERIES_COLLECTION)?;
    let row = queries.position(&sha256_hex(text))?;
    Some(queries.vector(row).to_vec())
}

/// The vector for a text query: baked if available, else computed by the model.
pub fn embed_query(index: &BakedIndex, text: &str) -> Result<QueryEmbedding, EmbedError> {
    if text.trim().is_empty() {
        return Err(EmbedError::EmptyText);
    }
    if let Some(vector) = baked_query(index, text) {
        return Ok(QueryEmbedding {
            vector,
            embedded: EmbeddedBy::Baked,
        });
    }
    model_query(index, text)
}

#[cfg(not(feature = "embed"))]
fn model_query(_index: &BakedIndex, _text: &str) -> Result<QueryEmbedding, EmbedError> {
    Err(EmbedError::NoEmbedder)
}

#[cfg(feature = "embed")]
fn model_query(_index: &BakedIndex, _text: &str) -> Result<QueryEmbedding, EmbedError> {
    // Replaced by the MiniLM embedder (issue 4).
    Err(EmbedError::ModelFiles(
        "the local embedder is not available yet".into(),
    ))
}
