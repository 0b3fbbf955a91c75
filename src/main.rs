//! The Lambda bootstrap: JSON logs, then the runtime loop around [`plan_index::lambda::handle`].
//!
//! The baked index is decoded on the first invocation (`baked()` is a `LazyLock`), so that
//! invocation can report `cold_start` and the decode time honestly.

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use plan_index::lambda::{self, Context, Publisher, Response};
use plan_index::{baked, is_decoded};
use plan_index_api::ApiError;
use serde_json::Value;

async fn invocation(event: LambdaEvent<Value>) -> Result<Response, Diagnostic> {
    let cold_start = !is_decoded();
    let index = baked().map_err(|e| lambda::diagnostic(ApiError::from(e)))?;
    let publisher = Publisher::shared().await;
    let mut ctx = Context::new(event.context.request_id, publisher);
    ctx.cold_start = cold_start;
    lambda::handle(index, &ctx, event.payload)
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
    lambda_runtime::run(service_fn(invocation)).await
}
