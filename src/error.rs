//! The kinds of failure every layer reports, so the HTTP layer maps them to a status once.

/// What kind of failure an error is; each layer's error type says which.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Malformed input (bad JSON, wrong types): HTTP 400.
    BadRequest,
    /// A named thing does not exist: HTTP 404.
    NotFound,
    /// Well-formed input that cannot be served (wrong dimension, bad k, unsuitable request): 422.
    Unprocessable,
    /// A capability this build or deployment lacks (no embedder, missing model files): 501.
    Unavailable,
    /// Our fault: HTTP 500.
    Internal,
}

impl ErrorKind {
    /// The HTTP status for this kind.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::BadRequest => 400,
            ErrorKind::NotFound => 404,
            ErrorKind::Unprocessable => 422,
            ErrorKind::Unavailable => 501,
            ErrorKind::Internal => 500,
        }
    }
}
