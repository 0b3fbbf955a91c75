//! plan-index: a vector index baked into the binary, searched with SIMD, served from AWS Lambda.
//!
//! This package is the function. Its `build.rs` bakes `index/` (or `$PLAN_INDEX_DIR`) into one
//! blob, and this library embeds it, exactly once, in the one `static` both binaries serve:
//! the Lambda function (`plan-index-lambda`, feature `lambda`) and the `plan-index` command
//! (crate `plan-index-cli`, which depends on this library without the `lambda` feature, so it
//! links no AWS SDK). The work itself lives in the workspace's crates, down the data flow:
//! `plan-index-format` (the blob), `plan-index-core` (search), `plan-index-embed` (text to
//! vector), `plan-index-plan` (training plans), `plan-index-api` (the JSON contracts).

use std::sync::LazyLock;

use include_bytes_aligned::include_bytes_aligned;
use plan_index_core::{BakedIndex, FormatError};

pub mod heap;
#[cfg(feature = "lambda")]
pub mod lambda;

// `PLAN_INDEX_BLOB` is set by build.rs (`plan_index_format::BLOB_ENV`) to the baked blob.
static BLOB: &[u8] = include_bytes_aligned!(64, env!("PLAN_INDEX_BLOB"));

static BAKED: LazyLock<Result<BakedIndex, FormatError>> = LazyLock::new(|| BakedIndex::open(BLOB));

/// The index baked into this binary, decoded on first use.
pub fn baked() -> Result<&'static BakedIndex, &'static FormatError> {
    BAKED.as_ref()
}
