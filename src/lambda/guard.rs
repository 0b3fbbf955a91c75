//! Panics stay inside one request.
//!
//! The release profile keeps `panic = "unwind"`, so a bug that panics while one request is
//! answered can be caught: [`sync`] and [`future`] run one unit of work (an HTTP request, a
//! direct invocation, one SQS record, one EventBridge event) and turn a panic into a 500
//! `internal` error, which the carrier answers in its own shape (an HTTP 500, a direct error
//! body, a failed record). The process keeps serving: nothing it shares across requests is
//! mutated while a request runs (the index is read-only, the publisher's clients are shared
//! immutably), so the state a panic abandons belongs to that request alone.
//!
//! [`install_panic_hook`] replaces the default hook (a multi-line text report on stderr) with
//! one JSON log line carrying the message and location. Builds with the test-only
//! `fault-injection` feature panic on purpose when a request contains [`FAULT_MARKER`].

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use plan_index_api::{ApiError, Code};

/// A request whose text contains this string panics in builds with `fault-injection`.
pub const FAULT_MARKER: &str = "__plan_index_fault_injection_panic__";

/// The error a contained panic becomes.
fn panicked(payload: &(dyn Any + Send)) -> ApiError {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into());
    tracing::error!(panic = %what, "request panicked; answered with internal");
    ApiError::new(
        Code::Internal,
        "an internal error stopped this request; it was logged with the request id",
    )
}

/// Runs `work`; a panic inside it becomes an `internal` error.
pub fn sync<T>(work: impl FnOnce() -> Result<T, ApiError>) -> Result<T, ApiError> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|payload| Err(panicked(&*payload)))
}

/// Awaits `work`; a panic while it is polled becomes an `internal` error.
pub async fn future<T>(work: impl Future<Output = Result<T, ApiError>>) -> Result<T, ApiError> {
    Contained(Box::pin(work)).await
}

struct Contained<F>(Pin<Box<F>>);

impl<T, F: Future<Output = Result<T, ApiError>>> Future for Contained<F> {
    type Output = Result<T, ApiError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.get_mut().0.as_mut();
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(poll) => poll,
            Err(payload) => Poll::Ready(Err(panicked(&*payload))),
        }
    }
}

/// Logs every panic as one JSON line (through `tracing`) instead of the default text report.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(panic = %message, location = %location, "panic");
    }));
}

/// Panics when `text` holds [`FAULT_MARKER`] in a `fault-injection` build; nothing otherwise.
#[inline]
pub fn fault_point(text: &str) {
    #[cfg(feature = "fault-injection")]
    if text.contains(FAULT_MARKER) {
        panic!("fault injected: the request contains {FAULT_MARKER}");
    }
    #[cfg(not(feature = "fault-injection"))]
    let _ = text;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_internal() {
        let e = sync::<()>(|| panic!("boom")).expect_err("contained");
        assert_eq!(e.code, Code::Internal);
        assert_eq!(sync(|| Ok(3)), Ok(3));
    }

    #[tokio::test]
    async fn a_panicking_future_becomes_internal() {
        let e = future::<()>(async { panic!("boom") })
            .await
            .expect_err("contained");
        assert_eq!(e.status(), 500);
        assert_eq!(future(async { Ok(4) }).await, Ok(4));
    }
}
