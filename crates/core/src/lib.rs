//! Exact top-k similarity search over a baked index.
//!
//! This crate is the engine: the decoded view over a blob ([`BakedIndex`], [`Collection`]),
//! ranking with filters applied before the top-k ([`search`]), the multi-row dot kernels and
//! the posting lists behind filtered searches. It knows vectors and metadata, nothing of
//! texts, models, JSON requests or AWS: those layers sit above it and call [`search::run`].
//!
//! It also owns the error protocol every layer above reports through ([`Code`], [`ErrorKind`],
//! [`Coded`]), because it is the lowest layer a caller's failure can come from.

mod baked;
pub mod batch;
mod error;
pub mod kernel;
mod postings;
pub mod quant;
pub mod search;

pub use baked::{BakedIndex, Collection};
pub use error::{Code, Coded, ErrorKind};
pub use plan_index_format::{
    CollectionDir, FormatError, Item, ItemMeta, MetaRef, MetaValue, Metadata, Metric, Storage,
    StrList,
};
pub use postings::Postings;
pub use search::{Filter, Hit, Query, Ranked, Search, SearchError};
