//! The one error protocol: every failure a caller can see has a [`Code`], every code one
//! [`ErrorKind`], and every kind one HTTP status ([`ErrorKind::http_status`]).
//!
//! Each layer keeps its own typed error (with its causes as sources) and says which code it
//! is through [`Coded`]; the boundaries (HTTP, events, the CLI's exit and `--json`) convert
//! once, so the same bad request gets the same code and status whichever way it arrived.

use std::fmt;

use serde::Serialize;

/// What kind of failure an error is: the only thing an HTTP status is derived from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Malformed input (bad JSON, wrong types): HTTP 400.
    BadRequest,
    /// A named thing does not exist: HTTP 404.
    NotFound,
    /// The route exists but not for this method: HTTP 405.
    MethodNotAllowed,
    /// The request, or the reply it asks for, is larger than allowed: HTTP 413.
    TooLarge,
    /// Well-formed input that cannot be served (wrong dimension, bad k, unsuitable request): 422.
    Unprocessable,
    /// A capability this build or deployment lacks (no embedder, missing model files): 501.
    Unavailable,
    /// Our fault: HTTP 500.
    Internal,
}

impl ErrorKind {
    /// The HTTP status for this kind: the only place a failure becomes a number.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::BadRequest => 400,
            ErrorKind::NotFound => 404,
            ErrorKind::MethodNotAllowed => 405,
            ErrorKind::TooLarge => 413,
            ErrorKind::Unprocessable => 422,
            ErrorKind::Unavailable => 501,
            ErrorKind::Internal => 500,
        }
    }
}

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $text:literal => $kind:ident,)*) => {
        /// Every stable, machine-readable error code (`{"error": {"code": ...}}`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        #[non_exhaustive]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            /// Every code, in declaration order (for docs and the OpenAPI contract).
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as callers see it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }

            /// The kind of failure, hence the HTTP status.
            pub fn kind(self) -> ErrorKind {
                match self {
                    $(Code::$variant => ErrorKind::$kind,)*
                }
            }
        }
    };
}

codes! {
    /// The request body is not JSON.
    MalformedJson = "malformed_json" => BadRequest,
    /// A body flagged base64 that does not decode.
    InvalidBase64 = "invalid_base64" => BadRequest,
    /// The event is JSON but not of a shape the function serves.
    UnsupportedEvent = "unsupported_event" => BadRequest,
    /// An HTTP-shaped event with a broken envelope (a body that is not a string, ...).
    InvalidEvent = "invalid_event" => BadRequest,
    /// A route that needs a body got none.
    MissingBody = "missing_body" => BadRequest,
    /// A required plan field is absent.
    MissingField = "missing_field" => BadRequest,
    /// A plan field has the wrong type.
    MalformedField = "malformed_field" => BadRequest,
    /// Plan fields that exclude each other.
    ConflictingFields = "conflicting_fields" => BadRequest,
    /// No such route.
    UnknownRoute = "unknown_route" => NotFound,
    /// No such collection.
    UnknownCollection = "unknown_collection" => NotFound,
    /// No item with that id.
    UnknownId = "unknown_id" => NotFound,
    /// The route exists for another method.
    MethodNotAllowed = "method_not_allowed" => MethodNotAllowed,
    /// The request body is over the limit.
    BodyTooLarge = "body_too_large" => TooLarge,
    /// The reply could not fit what Lambda allows.
    ReplyTooLarge = "reply_too_large" => TooLarge,
    /// The body is JSON but not an object.
    InvalidBody = "invalid_body" => Unprocessable,
    /// A direct invocation names no action the function knows.
    UnknownAction = "unknown_action" => Unprocessable,
    /// A search request's fields are wrong.
    InvalidRequest = "invalid_request" => Unprocessable,
    /// A filter on a metadata key no item has.
    UnknownField = "unknown_field" => Unprocessable,
    /// The query vector's length is not the collection's dimension.
    DimensionMismatch = "dimension_mismatch" => Unprocessable,
    /// An empty, NaN, infinite or zero query vector.
    InvalidVector = "invalid_vector" => Unprocessable,
    /// `k` out of range.
    InvalidK = "invalid_k" => Unprocessable,
    /// `"vector_b64"` decodes to bytes that are not whole little-endian f32 vectors.
    InvalidVectorLength = "invalid_vector_length" => Unprocessable,
    /// An empty text query.
    InvalidText = "invalid_text" => Unprocessable,
    /// The index was embedded by another model than the embedder's.
    ModelMismatch = "model_mismatch" => Unprocessable,
    /// A plan field's value is out of range or unknown.
    InvalidValue = "invalid_value" => Unprocessable,
    /// A plan field's value is implausible for a runner (500 km a week, a 10k in 5 minutes).
    ImplausibleValue = "implausible_value" => Unprocessable,
    /// The requested philosophy does not exist.
    UnknownPhilosophy = "unknown_philosophy" => Unprocessable,
    /// The requested philosophy does not fit the request.
    UnsuitablePhilosophy = "unsuitable_philosophy" => Unprocessable,
    /// No philosophy fits the request.
    NoPhilosophy = "no_philosophy" => Unprocessable,
    /// A source document is invalid (prepare, check-sources).
    InvalidSource = "invalid_source" => Unprocessable,
    /// The build has no text embedder and the text is not baked.
    TextUnsupported = "text_unsupported" => Unavailable,
    /// The model files are missing or wrong.
    ModelUnavailable = "model_unavailable" => Unavailable,
    /// The baked index lacks a collection plans need.
    IndexIncomplete = "index_incomplete" => Unavailable,
    /// The index has no item for a selection the rules require.
    ContentGap = "content_gap" => Internal,
    /// The model failed on this input.
    EmbedFailed = "embed_failed" => Internal,
    /// The baked blob failed its checks.
    IndexCorrupt = "index_corrupt" => Internal,
    /// Publishing a result to SQS or EventBridge failed.
    PublishFailed = "publish_failed" => Internal,
    /// Reading or writing a file failed.
    Io = "io" => Internal,
    /// Anything else that is our fault.
    Internal = "internal" => Internal,
    /// JSON nested deeper than the function decodes (arrays and objects, 127 levels).
    JsonTooDeep = "json_too_deep" => BadRequest,
    /// A payload or body that is not UTF-8.
    InvalidUtf8 = "invalid_utf8" => BadRequest,
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error that says which [`Code`] it is.
pub trait Coded: std::error::Error {
    /// The stable code.
    fn code(&self) -> Code;
}

impl Coded for plan_index_format::FormatError {
    fn code(&self) -> Code {
        Code::IndexCorrupt
    }
}
