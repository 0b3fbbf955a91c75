//! The runtime side of the function: the layer that takes each invocation's raw payload out of
//! lambda_runtime's hands, and the one invocation function the bootstrap serves.
//!
//! The runtime would deserialize each payload itself before the handler runs, and what its
//! deserializer refuses (deep nesting, lone surrogates, a BOM, bytes that are not UTF-8) would
//! never reach us. So a layer over the runtime's service ([`RawPayload`]) takes the
//! invocation's raw bytes, keeps them for the handler by request id, and gives the runtime
//! `null` to deserialize (into `()`); [`super::payload`] decodes the bytes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};

use lambda_runtime::tower::{Layer, Service};
use lambda_runtime::{Diagnostic, LambdaEvent, LambdaInvocation};
use plan_index_api::{ApiError, Code};

use super::{Context, Publisher, Response};
use crate::baked;

/// Payload bytes waiting for their handler, by request id.
pub type Inbox = Arc<Mutex<HashMap<String, bytes::Bytes>>>;

/// The layer that takes each invocation's raw payload out of the runtime's hands.
#[derive(Clone)]
pub struct RawPayload(pub Inbox);

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
pub struct RawPayloadService<S> {
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

/// One invocation: its kept payload, decoded and answered by [`super::handle_payload`]. The
/// first of the process reports `cold_start`; the baked index is decoded then, unless the init
/// primed the process ([`super::prime`]).
pub async fn invocation(inbox: Inbox, event: LambdaEvent<()>) -> Result<Response, Diagnostic> {
    let request_id = event.context.request_id;
    let payload = inbox
        .lock()
        .ok()
        .and_then(|mut inbox| inbox.remove(&request_id))
        .ok_or_else(|| {
            super::diagnostic(ApiError::new(
                Code::Internal,
                "the invocation's payload was not kept for the handler",
            ))
        })?;
    let cold_start = !SERVED.swap(true, Ordering::Relaxed);
    let index = baked().map_err(|e| super::diagnostic(ApiError::from(e)))?;
    let publisher = Publisher::shared().await;
    let mut ctx = Context::new(request_id, publisher);
    ctx.cold_start = cold_start;
    ctx.primed_us = super::prime::primed().map(|p| p.us);
    super::handle_payload(index, &ctx, &payload)
        .await
        .map_err(super::diagnostic)
}

/// Whether this process has taken an invocation (the first one is the cold start).
static SERVED: AtomicBool = AtomicBool::new(false);

/// Serves invocations until the runtime stops: [`invocation`] behind the tracing layer and
/// [`RawPayload`].
pub async fn serve() -> Result<(), lambda_runtime::Error> {
    super::prime::at_init(baked);
    let inbox = Inbox::default();
    let handler = {
        let inbox = Arc::clone(&inbox);
        lambda_runtime::service_fn(move |event| Box::pin(invocation(Arc::clone(&inbox), event)))
    };
    let runtime = lambda_runtime::Runtime::new(handler)
        .layer(lambda_runtime::layers::TracingLayer::new())
        .layer(RawPayload(inbox));
    Box::pin(runtime.run()).await
}
