//! One JSON log line and one CloudWatch Embedded Metric Format line per invocation.
//!
//! EMF lines are plain JSON on stdout that CloudWatch Logs turns into metrics (no API call, no
//! extra latency): latency and cold starts per source and route.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::Context;
use plan_index_api::round1;

/// Metric namespace.
pub const NAMESPACE: &str = "PlanIndex";

/// What an invocation did, for logs and metrics.
#[derive(Clone, Debug)]
pub struct Summary {
    /// `http`, `sqs`, `eventbridge`, `direct` or `unknown`.
    pub source: &'static str,
    /// The route or action.
    pub route: String,
    /// HTTP status (or the status the error would have had).
    pub status: u16,
    /// Time spent searching, when a search ran.
    pub search_us: Option<f64>,
    /// Whole handler time.
    pub duration: Duration,
}

/// Logs the invocation and, when enabled, prints its EMF metrics.
pub fn record(ctx: &Context<'_>, summary: &Summary) {
    let duration_us = round1(summary.duration.as_secs_f64() * 1e6);
    tracing::info!(
        request_id = %ctx.request_id,
        source = summary.source,
        route = %summary.route,
        status = summary.status,
        search_us = summary.search_us,
        duration_us,
        cold_start = ctx.cold_start,
        "invocation"
    );
    if ctx.metrics {
        println!("{}", emf(ctx, summary, duration_us));
    }
}

fn emf(ctx: &Context<'_>, summary: &Summary, duration_us: f64) -> serde_json::Value {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    json!({
        "_aws": {
            "Timestamp": now_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Source", "Route"]],
                "Metrics": [
                    {"Name": "Latency", "Unit": "Microseconds"},
                    {"Name": "SearchTime", "Unit": "Microseconds"},
                    {"Name": "ColdStart", "Unit": "Count"},
                ],
            }],
        },
        "Source": summary.source,
        "Route": summary.route,
        "Latency": duration_us,
        "SearchTime": summary.search_us.unwrap_or(0.0),
        "ColdStart": u8::from(ctx.cold_start),
        "Status": summary.status,
        "RequestId": ctx.request_id,
    })
}
