//! The Lambda bootstrap: JSON logs, a JSON panic hook, then the runtime loop around
//! [`plan_index::lambda::handle_payload`].
//!
//! The runtime would deserialize each payload itself before the handler runs, and what its
//! deserializer refuses (deep nesting, lone surrogates, a BOM, bytes that are not UTF-8) would
//! never reach us. So a layer over the runtime's service ([`RawPayload`]) takes the
//! invocation's raw bytes, keeps them for the handler by request id, and gives the runtime
//! `null` to deserialize (into `()`); [`plan_index::lambda::payload`] decodes the bytes.
//!
//! The baked index is decoded on the first invocation (`baked()` is a `LazyLock`), so that
//! invocation can report `cold_start` and the decode time honestly.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};

use lambda_runtime::tower::{Layer, Service};
use lambda_runtime::{Diagnostic, LambdaEvent, LambdaInvocation, Runtime, service_fn};
use plan_index::lambda::{self, Context, Publisher, Response, guard};
use plan_index::{baked, is_decoded};
use plan_index_api::{ApiError, Code};

/// Payload bytes waiting for their handler, by request id.
type Inbox = Arc<Mutex<HashMap<String, bytes::Bytes>>>;

/// The layer that takes each invocation's raw payload out of the runtime's hands.
#[derive(Clone)]
struct RawPayload(Inbox);

impl<S> Layer<S> for RawPayload {
    type Service = RawPayloadService<S>;

    fn layer(&self, inner: S) -> RawPayloadService<S> {
        RawPayloadService {
            inner,
            inbox: Arc::clone(&self.0),
        }
    }
}

/// [`RawPayload`]'s service.
struct RawPayloadService<S> {
    inner: S,
    inbox: Inbox,
}

impl<S: Service<LambdaInvocation>> Service<LambdaInvocation> for RawPayloadService<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut invocation: LambdaInvocation) -> S::Future {
        let body = std::mem::replace(&mut invocation.body, bytes::Bytes::from_static(b"null"));
        if let Ok(mut inbox) = self.inbox.lock() {
            inbox.insert(invocation.context.request_id.clone(), body);
        }
        self.inner.call(invocation)
    }
}

async fn invocation(inbox: Inbox, event: LambdaEvent<()>) -> Result<Response, Diagnostic> {
    let request_id = event.context.request_id;
    let payload = inbox
        .lock()
        .ok()
        .and_then(|mut inbox| inbox.remove(&request_id))
        .ok_or_else(|| {
            lambda::diagnostic(ApiError::new(
                Code::Internal,
                "the invocation's payload was not kept for the handler",
            ))
        })?;
    let cold_start = !is_decoded();
    let index = baked().map_err(|e| lambda::diagnostic(ApiError::from(e)))?;
    let publisher = Publisher::shared().await;
    let mut ctx = Context::new(request_id, publisher);
    ctx.cold_start = cold_start;
    lambda::handle_payload(index, &ctx, &payload)
        .await
        .map_err(lambda::diagnostic)
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_ansi(false)
        .with_target(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    guard::install_panic_hook();
    let inbox = Inbox::default();
    let handler = {
        let inbox = Arc::clone(&inbox);
        service_fn(move |event| invocation(Arc::clone(&inbox), event))
    };
    Runtime::new(handler)
        .layer(lambda_runtime::layers::TracingLayer::new())
        .layer(RawPayload(inbox))
        .run()
        .await
}
