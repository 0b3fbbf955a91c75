//! The baked index: its on-disk format, the build-time baker, the static, and search.
//!
//! Data flow: `bake` (run by build.rs) validates `index/*.json` and writes one blob laid out
//! by `format`; `baked` borrows that blob from the binary; `search` ranks its rows.

pub mod bake;
pub mod baked;
pub mod format;
pub mod kernel;
pub mod postings;
pub mod search;
pub mod synthetic;
pub mod vector_input;

pub use baked::{BakedIndex, Collection, baked};
pub use format::{MetaValue, Metric};
pub use search::{Filter, Hit, Query, Search, SearchError, SearchRequest, SearchResponse};
