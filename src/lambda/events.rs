//! Event-driven requests: SQS batches and EventBridge events, decoded into their
//! `aws_lambda_events` types. Each carries a search or plan request; the result is published
//! (see [`super::publish`]) since nobody waits for the reply.
//!
//! An SQS record that cannot be decoded, fails, or whose result cannot be published is named
//! in `batchItemFailures` ([`SqsBatchResponse`]), so SQS retries only that record (and sends it
//! to the dead-letter queue in the end) while the rest of the batch is done.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use plan_index_api::action::{self, Action};
use plan_index_api::{ApiError, Code, ErrorFields, encode_raw};
use plan_index_core::BakedIndex;
use serde::Serialize;
use serde_json::value::RawValue;

use super::publish::EVENT_SOURCE;
use super::{Carrier, Context, guard, payload};

/// `detail-type` of a published result.
fn result_type(action: &Action) -> &'static str {
    match action {
        Action::Search(_) => "SearchResult",
        Action::Plan(_) => "PlanResult",
        Action::Health | Action::Collections | Action::OpenApi => "InfoResult",
    }
}

/// Where an event-borne request came from, echoed in its published result.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
enum Origin<'a> {
    Sqs {
        sqs_message_id: &'a str,
    },
    EventBridge {
        event_id: Option<&'a str>,
        detail_type: &'a str,
    },
}

/// The detail of a published result.
#[derive(Serialize)]
struct ResultDetail<'a> {
    request_id: &'a str,
    origin: Origin<'a>,
    action: &'static str,
    result: Box<RawValue>,
}

/// The detail of a `RequestFailed` event.
#[derive(Serialize)]
struct FailedDetail<'a> {
    request_id: &'a str,
    origin: Origin<'a>,
    error: ErrorFields<'a>,
}

/// What one event-borne request produced, ready to publish.
struct Outcome {
    detail_type: &'static str,
    detail: Box<RawValue>,
    search_us: Option<f64>,
}

/// Runs one request; an error is returned for the caller to report, not published.
fn answer(
    index: &BakedIndex,
    ctx: &Context<'_>,
    request: &str,
    origin: Origin<'_>,
) -> Result<Outcome, ApiError> {
    guard::fault_point(request);
    let action = payload::event_request(request, true)?;
    let detail_type = result_type(&action);
    let name = action.name();
    let budget = ctx.budget(Carrier::Published);
    let reply = action::run_within(index, ctx.runtime(), action, &budget)?;
    let search_us = reply.search_us();
    let detail = ResultDetail {
        request_id: &ctx.request_id,
        origin,
        action: name,
        result: encode_raw(&reply)?,
    };
    let detail = encode_raw(&detail)?;
    action::check_encoded(&reply, detail.get(), &budget)?;
    Ok(Outcome {
        detail_type,
        detail,
        search_us,
    })
}

async fn publish(ctx: &Context<'_>, outcome: &Outcome) -> Result<Vec<&'static str>, ApiError> {
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
        .map_err(|e| ApiError::new(Code::PublishFailed, e.to_string()))
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
pub async fn sqs(
    index: &BakedIndex,
    ctx: &Context<'_>,
    text: &str,
) -> (SqsBatchResponse, BatchStats) {
    let mut response = SqsBatchResponse::default();
    let mut stats = BatchStats::default();
    let records: Vec<SqsMessage> = match payload::decode::<SqsEvent>(text, "SQS batch") {
        Ok(batch) => batch.records,
        // A batch whose envelope does not decode: one entry per record, so every record is
        // retried (an id we cannot read is empty, which makes Lambda retry the whole batch).
        Err(e) => {
            tracing::warn!(request_id = %ctx.request_id, error = %e.message, "SQS batch does not decode");
            for id in payload::message_ids(text) {
                response.batch_item_failures.push(failure(&id));
                stats.failed += 1;
            }
            return (response, stats);
        }
    };
    for record in &records {
        // An empty identifier makes Lambda retry the whole batch: right when we cannot say
        // which message this was.
        let id = record.message_id.as_deref().unwrap_or("");
        match guard::future(sqs_record(index, ctx, record, id)).await {
            Ok(search_us) => {
                stats.done += 1;
                stats.search_us += search_us.unwrap_or(0.0);
            }
            Err(e) => {
                tracing::warn!(request_id = %ctx.request_id, message_id = id, code = %e.code, error = %e.message, "SQS record failed");
                stats.failed += 1;
                response.batch_item_failures.push(failure(id));
            }
        }
    }
    (response, stats)
}

fn failure(id: &str) -> BatchItemFailure {
    let mut failure = BatchItemFailure::default();
    failure.item_identifier = id.to_string();
    failure
}

async fn sqs_record(
    index: &BakedIndex,
    ctx: &Context<'_>,
    record: &SqsMessage,
    id: &str,
) -> Result<Option<f64>, ApiError> {
    let body = payload::text_str(record.body.as_deref().unwrap_or(""));
    let outcome = answer(index, ctx, &body.text, Origin::Sqs { sqs_message_id: id })?;
    publish(ctx, &outcome).await?;
    Ok(outcome.search_us)
}

/// The handler's reply to an EventBridge event (the result itself is published).
#[derive(Debug, Serialize)]
pub struct EventSummary {
    /// `detail-type` of the published event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_type: Option<&'static str>,
    /// Destinations reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<Vec<&'static str>>,
    /// Why nothing was published, when nothing was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
    /// Why the event was not answered at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignored: Option<&'static str>,
}

/// Handles an EventBridge event: `detail` is the request. A request that cannot be served is
/// published as a `RequestFailed` event (retrying would not help); only a failed publish is
/// returned as an error, so Lambda retries the event.
pub async fn eventbridge(
    index: &BakedIndex,
    ctx: &Context<'_>,
    text: &str,
) -> Result<(EventSummary, Option<f64>), ApiError> {
    let event = payload::decode::<EventBridgeEvent<Box<RawValue>>>(text, "EventBridge event")?;
    if event.source == EVENT_SOURCE {
        // Our own results must never be answered again, whatever the rules say.
        let summary = EventSummary {
            detail_type: None,
            published: None,
            note: None,
            ignored: Some("event published by plan-index itself"),
        };
        return Ok((summary, None));
    }
    let origin = Origin::EventBridge {
        event_id: event.id.as_deref(),
        detail_type: &event.detail_type,
    };
    let outcome = match answer(index, ctx, event.detail.get(), origin.clone()) {
        Ok(outcome) => outcome,
        Err(e) => failed_outcome(ctx, origin, &e)?,
    };
    let reached = publish(ctx, &outcome).await?;
    let note = (!ctx.publisher.is_enabled())
        .then_some("not published: neither RESULT_QUEUE_URL nor RESULT_EVENT_BUS is set");
    let summary = EventSummary {
        detail_type: Some(outcome.detail_type),
        published: Some(reached),
        note,
        ignored: None,
    };
    Ok((summary, outcome.search_us))
}

fn failed_outcome(
    ctx: &Context<'_>,
    origin: Origin<'_>,
    error: &ApiError,
) -> Result<Outcome, ApiError> {
    let detail = FailedDetail {
        request_id: &ctx.request_id,
        origin,
        error: error.body().error,
    };
    Ok(Outcome {
        detail_type: "RequestFailed",
        detail: encode_raw(&detail)?,
        search_us: None,
    })
}
