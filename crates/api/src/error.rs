//! The one error type callers see. Every failure (HTTP, direct, SQS, EventBridge, the CLI)
//! becomes an [`ApiError`]: a [`Code`] and a message. Its status comes from the code
//! ([`ApiError::status`]), so the same bad search gets the same code and status whichever way
//! it arrived.

use plan_index_core::{Code, Coded, ErrorKind, FormatError, SearchError};
use plan_index_embed::EmbedError;
use plan_index_plan::PlanError;
use serde::Serialize;

/// A refused or failed request: a stable code and a message for humans.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// Stable machine-readable code.
    pub code: Code,
    /// What was wrong, and what to do about it.
    pub message: String,
    /// For a 405: the method the route accepts (the `Allow` header).
    pub allow: Option<&'static str>,
}

/// `{"error": {"code", "message"}}`, the body of every error.
#[derive(Serialize)]
pub struct ErrorBody<'a> {
    /// The error itself.
    pub error: ErrorFields<'a>,
}

/// The fields of [`ErrorBody`].
#[derive(Serialize)]
pub struct ErrorFields<'a> {
    /// Stable code.
    pub code: Code,
    /// Message.
    pub message: &'a str,
}

impl ApiError {
    /// An error with this code.
    pub fn new(code: Code, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            allow: None,
        }
    }

    /// A 405 naming the method the route accepts.
    pub fn method_not_allowed(allow: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            allow: Some(allow),
            ..ApiError::new(Code::MethodNotAllowed, message)
        }
    }

    /// Any typed error of a lower layer, with its message and its sources' messages.
    pub fn from_coded(e: &(impl Coded + ?Sized)) -> ApiError {
        ApiError::new(e.code(), with_sources(e))
    }

    /// The failure's kind.
    pub fn kind(&self) -> ErrorKind {
        self.code.kind()
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.kind().http_status()
    }

    /// The body every caller gets.
    pub fn body(&self) -> ErrorBody<'_> {
        ErrorBody {
            error: ErrorFields {
                code: self.code,
                message: &self.message,
            },
        }
    }
}

/// An error's message followed by its sources' messages, `: `-separated (a terse Display,
/// such as the AWS SDK's "service error", then what actually happened).
pub fn with_sources(e: &(impl std::error::Error + ?Sized)) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

macro_rules! from_coded {
    ($($t:ty),*) => {$(
        impl From<$t> for ApiError {
            fn from(e: $t) -> ApiError {
                ApiError::from_coded(&e)
            }
        }
    )*};
}

from_coded!(SearchError, EmbedError, PlanError);

impl From<&FormatError> for ApiError {
    fn from(e: &FormatError) -> ApiError {
        ApiError::new(
            Code::IndexCorrupt,
            format!("the baked index cannot be decoded: {e}"),
        )
    }
}
