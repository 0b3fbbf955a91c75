//! plan-index: a vector index baked into the binary, searched with SIMD, served from AWS Lambda.
//!
//! The modules follow the data flow: `index` (format, bake, the static, search), `embed`
//! (query texts to vectors), `plan` (training-plan selection), `lambda` (events in, responses
//! out) and `cli` (the `plan-index` command).

pub mod cli;
pub mod embed;
pub mod error;
pub mod index;
pub mod lambda;
pub mod plan;
#[cfg(feature = "embed")]
pub mod prepare;
