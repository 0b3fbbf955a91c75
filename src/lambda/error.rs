//! The one error type of the Lambda layer. Every failure a caller can see (HTTP, direct, SQS,
//! EventBridge) becomes a [`LambdaError`], and its status comes from one place, [`LambdaError::status`],
//! so the same bad search gets the same code and status whichever way it arrived.

use serde_json::{Value, json};

use crate::error::ErrorKind;
use crate::index::SearchError;
use crate::plan::PlanError;

/// What went wrong, in terms the HTTP status is derived from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// A failure of a core layer (search, plan, embed) or of the request's content.
    Kind(ErrorKind),
    /// The route exists but not for this method: 405.
    MethodNotAllowed {
        /// Value of the `Allow` header.
        allow: &'static str,
    },
    /// The request body exceeds [`super::http::MAX_BODY_BYTES`]: 413.
    TooLarge,
}

/// A refused or failed request: a stable code, a message for humans, and its failure class.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct LambdaError {
    /// Stable machine-readable code (`invalid_k`, `unknown_route`, ...).
    pub code: &'static str,
    /// What was wrong, for the caller.
    pub message: String,
    /// Decides the status.
    pub failure: Failure,
}

impl LambdaError {
    /// An error of the given kind.
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> LambdaError {
        LambdaError {
            code,
            message: message.into(),
            failure: Failure::Kind(kind),
        }
    }

    /// Malformed input (400).
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> LambdaError {
        LambdaError::new(ErrorKind::BadRequest, code, message)
    }

    /// Well-formed but unusable input (422).
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> LambdaError {
        LambdaError::new(ErrorKind::Unprocessable, code, message)
    }

    /// Our own fault (500).
    pub fn internal(code: &'static str, message: impl Into<String>) -> LambdaError {
        LambdaError::new(ErrorKind::Internal, code, message)
    }

    /// The HTTP status: the only place a failure becomes a number.
    pub fn status(&self) -> u16 {
        match self.failure {
            Failure::Kind(kind) => kind.http_status(),
            Failure::MethodNotAllowed { .. } => 405,
            Failure::TooLarge => 413,
        }
    }

    /// The `Allow` header a 405 carries.
    pub fn allow(&self) -> Option<&'static str> {
        match self.failure {
            Failure::MethodNotAllowed { allow } => Some(allow),
            _ => None,
        }
    }

    /// `{"error": {"code", "message"}}`, the body every caller gets.
    pub fn to_body(&self) -> Value {
        json!({"error": {"code": self.code, "message": self.message}})
    }
}

impl From<SearchError> for LambdaError {
    fn from(e: SearchError) -> LambdaError {
        LambdaError::new(e.kind(), e.code(), e.to_string())
    }
}

impl From<PlanError> for LambdaError {
    fn from(e: PlanError) -> LambdaError {
        LambdaError::new(e.kind(), e.code(), e.to_string())
    }
}

impl From<LambdaError> for lambda_runtime::Diagnostic {
    fn from(e: LambdaError) -> lambda_runtime::Diagnostic {
        lambda_runtime::Diagnostic {
            error_type: e.code.to_string(),
            error_message: e.message,
        }
    }
}
