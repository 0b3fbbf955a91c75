//! Events in, responses out: the one Lambda handler behind every trigger.
//!
//! The runtime hands over a `serde_json::Value`; [`classify`] decides by its shape which
//! source sent it (a bare `#[serde(untagged)]` enum would read an S3 `Records` event or `[]`
//! as an SQS batch). Every source ends in the same [`actions::run`], so a search is validated
//! and answered identically over HTTP, direct invocation, SQS and EventBridge.

pub mod actions;
pub mod error;
pub mod events;
pub mod http;
pub mod observe;
pub mod publish;

use std::time::Instant;

use serde_json::{Value, json};

pub use error::LambdaError;
pub use publish::Publisher;

use crate::index::BakedIndex;
use actions::Body;
use observe::Summary;

/// What the handler needs besides the event; tests and benchmarks build their own.
#[derive(Clone, Debug)]
pub struct Context<'a> {
    /// Lambda's request id (logged, returned in `x-request-id`, put in published results).
    pub request_id: String,
    /// Where event-driven results go.
    pub publisher: &'a Publisher,
    /// Whether this is the first invocation of the process.
    pub cold_start: bool,
    /// Whether to print CloudWatch EMF metric lines.
    pub metrics: bool,
}

impl<'a> Context<'a> {
    /// A warm context with metrics on.
    pub fn new(request_id: impl Into<String>, publisher: &'a Publisher) -> Context<'a> {
        Context {
            request_id: request_id.into(),
            publisher,
            cold_start: false,
            metrics: true,
        }
    }
}

/// The trigger an event came from, told apart by shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// API Gateway REST API proxy (payload 1.0).
    RestApi,
    /// API Gateway HTTP API (payload 2.0).
    HttpApi,
    /// Lambda Function URL (payload 2.0 on a `lambda-url` domain).
    FunctionUrl,
    /// An SQS batch.
    Sqs,
    /// An EventBridge event.
    EventBridge,
    /// `{"action": ...}` sent with `lambda invoke`.
    Direct,
    /// Anything else.
    Unknown,
}

impl Source {
    /// Short name for logs and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Source::RestApi => "rest_api",
            Source::HttpApi => "http_api",
            Source::FunctionUrl => "function_url",
            Source::Sqs => "sqs",
            Source::EventBridge => "eventbridge",
            Source::Direct => "direct",
            Source::Unknown => "unknown",
        }
    }
}

/// Which source sent `event`.
pub fn classify(event: &Value) -> Source {
    let Some(object) = event.as_object() else {
        return Source::Unknown;
    };
    if let Some(records) = object.get("Records").and_then(Value::as_array) {
        let all_sqs = !records.is_empty()
            && records
                .iter()
                .all(|r| r.get("eventSource").and_then(Value::as_str) == Some("aws:sqs"));
        return if all_sqs {
            Source::Sqs
        } else {
            Source::Unknown
        };
    }
    if object.contains_key("detail-type") && object.contains_key("detail") {
        return Source::EventBridge;
    }
    if let Some(context) = object.get("requestContext").filter(|c| c.is_object()) {
        if context
            .pointer("/http/method")
            .is_some_and(Value::is_string)
        {
            let domain = context
                .get("domainName")
                .and_then(Value::as_str)
                .unwrap_or("");
            return if domain.contains(".lambda-url.") {
                Source::FunctionUrl
            } else {
                Source::HttpApi
            };
        }
        if object.get("httpMethod").is_some_and(Value::is_string) {
            return Source::RestApi;
        }
        return Source::Unknown;
    }
    if object.get("action").is_some_and(Value::is_string) {
        return Source::Direct;
    }
    Source::Unknown
}

/// Handles one invocation. HTTP and direct errors are answered in the response; only an event
/// of unknown shape, or an EventBridge result that could not be published, is an `Err` (a
/// function error, so the caller or Lambda's retry machinery sees it).
pub async fn handle(
    index: &BakedIndex,
    ctx: &Context<'_>,
    event: Value,
) -> Result<Value, LambdaError> {
    let started = Instant::now();
    let source = classify(&event);
    let (result, route, status, search_us) = dispatch(index, ctx, source, &event).await;
    let summary = Summary {
        source: source.name(),
        route,
        status,
        search_us,
        duration: started.elapsed(),
    };
    observe::record(ctx, &summary);
    result
}

type Dispatched = (Result<Value, LambdaError>, String, u16, Option<f64>);

async fn dispatch(
    index: &BakedIndex,
    ctx: &Context<'_>,
    source: Source,
    event: &Value,
) -> Dispatched {
    match source {
        Source::RestApi => http_event(index, ctx, event, http::Format::RestV1),
        Source::HttpApi | Source::FunctionUrl => {
            http_event(index, ctx, event, http::Format::HttpV2)
        }
        Source::Direct => direct(index, ctx, event),
        Source::Sqs => {
            let (response, stats) = events::sqs(index, ctx, event).await;
            let status = if stats.failed == 0 { 200 } else { 207 };
            let route = format!("batch:{}ok/{}failed", stats.done, stats.failed);
            (Ok(response), route, status, Some(stats.search_us))
        }
        Source::EventBridge => match events::eventbridge(index, ctx, event).await {
            Ok((response, search_us)) => (Ok(response), "event".into(), 200, search_us),
            Err(e) => {
                let status = e.status();
                (Err(e), "event".into(), status, None)
            }
        },
        Source::Unknown => {
            let e = unknown_event(event);
            (Err(e), "unknown".into(), 400, None)
        }
    }
}

fn http_event(
    index: &BakedIndex,
    ctx: &Context<'_>,
    event: &Value,
    format: http::Format,
) -> Dispatched {
    let request = http::request(event, format);
    let route = format!("{} {}", request.method, request.path);
    let calendar = request.wants_calendar();
    let answered = request
        .action()
        .map(|action| match calendar {
            true => http::calendar_action(action),
            false => action,
        })
        .and_then(|action| actions::run(index, ctx, action))
        .and_then(
            |reply| match calendar.then(|| http::calendar_body(&reply)).flatten() {
                Some(ics) => Ok(((ics, http::CALENDAR_TYPE), reply.search_us())),
                None => Ok((
                    (reply.to_json_string()?, "application/json"),
                    reply.search_us(),
                )),
            },
        );
    match answered {
        Ok(((body, content_type), search_us)) => (
            Ok(http::typed_response(
                format,
                200,
                body,
                content_type,
                &ctx.request_id,
                None,
            )),
            route,
            200,
            search_us,
        ),
        Err(e) => (
            Ok(http::error_response(format, &e, &ctx.request_id)),
            route,
            e.status(),
            None,
        ),
    }
}

fn direct(index: &BakedIndex, ctx: &Context<'_>, event: &Value) -> Dispatched {
    let name = event
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let mut body = event.clone();
    if let Some(fields) = body.as_object_mut() {
        fields.remove("action");
    }
    let answered = actions::action(&name, Body::Json(body)).and_then(|action| {
        let reply = actions::run(index, ctx, action)?;
        let search_us = reply.search_us();
        Ok((reply.into_value()?, search_us))
    });
    match answered {
        Ok((value, search_us)) => (Ok(value), name, 200, search_us),
        Err(e) => {
            let status = e.status();
            (Ok(e.to_body()), name, status, None)
        }
    }
}

fn unknown_event(event: &Value) -> LambdaError {
    let what = match event {
        Value::Object(o) => {
            let keys: Vec<&str> = o.keys().map(String::as_str).take(8).collect();
            let source = o
                .get("Records")
                .and_then(|r| r.pointer("/0/eventSource"))
                .and_then(Value::as_str)
                .map(|s| format!(" (records from {s})"))
                .unwrap_or_default();
            format!("an object with keys {keys:?}{source}")
        }
        other => actions::json_type(other).to_string(),
    };
    LambdaError::bad_request(
        "unsupported_event",
        format!(
            "unsupported event: {what}; send an API Gateway or Function URL request, an SQS batch, an EventBridge event or {}",
            json!({"action": "search|plan|health", "...": "the request body"})
        ),
    )
}
