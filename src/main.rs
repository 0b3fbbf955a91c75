//! The Lambda bootstrap: mimalloc, keeping freed memory between requests ([`plan_index::heap`]), JSON
//! logs, a JSON panic hook, then the runtime loop
//! ([`plan_index::lambda::runtime::serve`]: each invocation's raw payload to our handler).

use plan_index::lambda::{guard, runtime};

#[global_allocator]
static HEAP: plan_index::heap::Allocator = plan_index::heap::Allocator;

// One thread: a sandbox hands the process one invocation at a time, and worker threads for
// the other vCPUs only cost their creation before the first poll (docs/lambda.md, "Measured").
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    plan_index::heap::keep();
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
    runtime::serve().await
}
