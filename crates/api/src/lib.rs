//! The JSON contracts of plan-index: what callers send and what they get back, whichever
//! carrier brings the request (API Gateway, a Function URL, a direct invocation, SQS,
//! EventBridge, or the `plan-index` command's `--json`).
//!
//! [`action`] decodes a request and runs it against the baked index; [`search`] owns the
//! search request and reply; [`ApiError`] is the one error shape; [`encode`] is the one
//! encoder, so the same answer is the same bytes on every carrier.

pub mod action;
mod error;
pub mod json_f32;
pub mod json_scan;
pub mod search;
mod vector_input;

use serde::Serialize;

pub use action::{Action, Body, Publishing, Reply, Runtime};
pub use error::{ApiError, ErrorBody, ErrorFields, with_sources};
pub use plan_index_core::Code;
pub use vector_input::{
    B64Error, Decoded, Element, ParsedVector, Rows, Split, SplitVector, VectorB64, VectorInput,
    f32_rows, split_vector, split_vector_with,
};

/// Encodes any reply or error body as compact JSON: the one encoder every carrier uses.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value)
        .map_err(|e| ApiError::new(Code::Internal, format!("could not encode the reply: {e}")))
}

/// [`encode`] into a [`serde_json::value::RawValue`], for embedding the same bytes in another
/// document (a direct reply, a published result's `detail.result`) without parsing them again.
pub fn encode_raw<T: Serialize + ?Sized>(
    value: &T,
) -> Result<Box<serde_json::value::RawValue>, ApiError> {
    serde_json::value::to_raw_value(value)
        .map_err(|e| ApiError::new(Code::Internal, format!("could not encode the reply: {e}")))
}

/// The error body of `error`, encoded (an error body always encodes).
pub fn encode_error(error: &ApiError) -> String {
    encode(&error.body()).unwrap_or_else(|_| {
        String::from(r#"{"error":{"code":"internal","message":"could not encode the error"}}"#)
    })
}

/// Rounds to one decimal, for readable microsecond figures.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
