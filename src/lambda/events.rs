//! Event-driven requests: SQS batches and EventBridge events. Each carries a search or plan
//! request; the result is published (see [`super::publish`]) since nobody waits for the reply.
//!
//! An SQS record that cannot be decoded, fails, or whose result cannot be published is named
//! in `batchItemFailures`, so SQS retries only that record (and sends it to the dead-letter
//! queue in the end) while the rest of the batch is done.

use serde_json::{Value, json};

use super::actions::{self, Action};
use super::error::LambdaError;
use super::publish::EVENT_SOURCE;
use super::{Context, actions::Reply};
use crate::index::BakedIndex;

/// `detail-type` of a published result.
fn result_type(action: &Action) -> &'static str {
    match action {
        Action::Search(_) => "SearchResult",
        Action::Plan(_) => "PlanResult",
        Action::Health | Action::Collections => "InfoResult",
    }
}

/// What one event-borne request produced, ready to publish.
struct Outcome {
    detail_type: &'static str,
    detail: Value,
    search_us: Option<f64>,
}

/// Runs one request; an error is returned for the caller to report, not published.
fn answer(
    index: &BakedIndex,
    ctx: &Context<'_>,
    request: Value,
    origin: Value,
) -> Result<Outcome, LambdaError> {
    let action = actions::from_value(request, true)?;
    let detail_type = result_type(&action);
    let name = action.name();
    let reply: Reply = actions::run(index, ctx, action)?;
    let search_us = reply.search_us();
    let detail = json!({
        "request_id": ctx.request_id,
        "origin": origin,
        "action": name,
        "result": reply.into_value()?,
    });
    Ok(Outcome {
        detail_type,
        detail,
        search_us,
    })
}

async fn publish(ctx: &Context<'_>, outcome: &Outcome) -> Result<Vec<&'static str>, LambdaError> {
    if !ctx.publisher.is_enabled() {
        tracing::warn!(
            request_id = %ctx.request_id,
            detail_type = outcome.detail_type,
            "no RESULT_QUEUE_URL or RESULT_EVENT_BUS set: result not published"
        );
    }
    ctx.publisher
        .publish(outcome.detail_type, &outcome.detail)
        .await
        .map_err(|e| LambdaError::internal("publish_failed", e.to_string()))
}

/// Totals of a batch, for logs and metrics.
#[derive(Debug, Default)]
pub struct BatchStats {
    /// Records answered and published.
    pub done: usize,
    /// Records reported as failed.
    pub failed: usize,
    /// Summed search time of the batch.
    pub search_us: f64,
}

/// Handles an SQS batch; returns the `batchItemFailures` response and the batch's totals.
pub async fn sqs(index: &BakedIndex, ctx: &Context<'_>, event: &Value) -> (Value, BatchStats) {
    let mut failures = Vec::new();
    let mut stats = BatchStats::default();
    let records = event
        .get("Records")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for record in records {
        // An empty identifier makes Lambda retry the whole batch: right when we cannot say
        // which message this was.
        let id = record
            .get("messageId")
            .and_then(Value::as_str)
            .unwrap_or("");
        match sqs_record(index, ctx, record, id).await {
            Ok(search_us) => {
                stats.done += 1;
                stats.search_us += search_us.unwrap_or(0.0);
            }
            Err(e) => {
                tracing::warn!(request_id = %ctx.request_id, message_id = id, code = e.code, error = %e.message, "SQS record failed");
                stats.failed += 1;
                failures.push(json!({"itemIdentifier": id}));
            }
        }
    }
    (json!({"batchItemFailures": failures}), stats)
}

async fn sqs_record(
    index: &BakedIndex,
    ctx: &Context<'_>,
    record: &Value,
    id: &str,
) -> Result<Option<f64>, LambdaError> {
    let body = record.get("body").and_then(Value::as_str).unwrap_or("");
    let request = actions::parse_json(body.as_bytes())?;
    let outcome = answer(index, ctx, request, json!({"sqs_message_id": id}))?;
    publish(ctx, &outcome).await?;
    Ok(outcome.search_us)
}

/// Handles an EventBridge event: `detail` is the request. A request that cannot be served is
/// published as a `RequestFailed` event (retrying would not help); only a failed publish is
/// returned as an error, so Lambda retries the event.
pub async fn eventbridge(
    index: &BakedIndex,
    ctx: &Context<'_>,
    event: &Value,
) -> Result<(Value, Option<f64>), LambdaError> {
    if event.get("source").and_then(Value::as_str) == Some(EVENT_SOURCE) {
        // Our own results must never be answered again, whatever the rules say.
        return Ok((
            json!({"ignored": "event published by plan-index itself"}),
            None,
        ));
    }
    let origin = json!({"event_id": event.get("id"), "detail_type": event.get("detail-type")});
    let request = event.get("detail").cloned().unwrap_or(Value::Null);
    let outcome = answer(index, ctx, request, origin.clone()).unwrap_or_else(|e| Outcome {
        detail_type: "RequestFailed",
        detail: json!({"request_id": ctx.request_id, "origin": origin, "error": e.to_body()["error"]}),
        search_us: None,
    });
    let reached = publish(ctx, &outcome).await?;
    let mut summary = json!({"detail_type": outcome.detail_type, "published": reached});
    if !ctx.publisher.is_enabled() {
        summary["note"] =
            "not published: neither RESULT_QUEUE_URL nor RESULT_EVENT_BUS is set".into();
    }
    Ok((summary, outcome.search_us))
}
