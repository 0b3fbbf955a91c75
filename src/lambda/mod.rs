//! Events in, responses out: the one Lambda handler behind every trigger.
//!
//! The runtime hands over the payload's bytes ([`payload`] decodes them, so every payload
//! that is JSON gets our error shape); [`payload::classify`] decides by its shape which source
//! sent it (a bare `#[serde(untagged)]` enum would read an S3 `Records` event or `[]` as an SQS
//! batch), then the event is decoded into its `aws_lambda_events` type. Every source ends in
//! the same [`plan_index_api::action::run_within`] and the same encoder, so a search is
//! validated, answered and encoded identically over HTTP, direct invocation, SQS and
//! EventBridge. Each request runs inside [`guard`] (a panic answers that request with a 500)
//! and within its carrier's reply budget ([`Carrier`]).

pub mod events;
pub mod guard;
pub mod http;
pub mod observe;
pub mod payload;
pub mod prime;
pub mod publish;
pub mod runtime;

use std::time::Instant;

use aws_lambda_events::sqs::SqsBatchResponse;
use plan_index_api::action::{self, Reply};
use plan_index_api::search::ReplyBudget;
use plan_index_api::{Action, ApiError, Code, Runtime, encode, encode_raw};
use plan_index_core::BakedIndex;
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

pub use payload::classify;
pub use publish::Publisher;

use events::EventSummary;
use http::HttpResponse;
use observe::Summary;

/// Lambda's limit on a synchronous invocation's response payload: 6 MB.
pub const SYNC_LIMIT: usize = 6 * 1024 * 1024;

/// Peak resident bytes a reply may cost per encoded byte (the results as structs, the
/// encoded reply, the runtime's copy of the response); with half the function's memory this
/// bounds the reply size (docs/lambda.md, "Limits"). Measured: a 4.66 MB direct reply (1,000
/// queries x k 5) peaked at 48 MB RSS from a 13 MB baseline, about 7.5 per byte; 12 leaves room.
pub const RSS_PER_REPLY_BYTE: usize = 12;

/// How a reply leaves the function, which decides how large it may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carrier {
    /// An API Gateway or Function URL proxy response: the body is a JSON string inside it.
    Http,
    /// A direct invocation's reply.
    Direct,
    /// A result published to SQS or EventBridge.
    Published,
}

/// What the handler needs besides the event; tests and benchmarks build their own.
#[derive(Clone, Debug)]
pub struct Context<'a> {
    /// Lambda's request id (logged, returned in `x-request-id`, put in published results).
    pub request_id: String,
    /// Where event-driven results go.
    pub publisher: &'a Publisher,
    /// Whether this is the first invocation of the process.
    pub cold_start: bool,
    /// How long the init spent priming, when it primed ([`prime`]).
    pub primed_us: Option<f64>,
    /// Whether to print CloudWatch EMF metric lines.
    pub metrics: bool,
    /// The function's memory (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, MB), which bounds replies.
    pub memory_mb: Option<usize>,
}

impl<'a> Context<'a> {
    /// What `health` reports about this process.
    pub fn runtime(&self) -> Runtime<'a> {
        Runtime {
            cold_start: self.cold_start,
            primed_us: self.primed_us,
            publishing: self.publisher.describe(),
        }
    }

    /// A warm context with metrics on.
    pub fn new(request_id: impl Into<String>, publisher: &'a Publisher) -> Context<'a> {
        Context {
            request_id: request_id.into(),
            publisher,
            cold_start: false,
            primed_us: None,
            metrics: true,
            memory_mb: std::env::var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
                .ok()
                .and_then(|m| m.trim().parse().ok()),
        }
    }

    /// What a reply on `carrier` may weigh: the carrier's limit, and no more than half the
    /// function's memory allows at [`RSS_PER_REPLY_BYTE`].
    pub fn budget(&self, carrier: Carrier) -> ReplyBudget {
        let (limit, escaped, name) = match carrier {
            Carrier::Http => (
                SYNC_LIMIT - http::ENVELOPE_BYTES,
                true,
                "an HTTP response (Lambda's 6 MB synchronous limit, less the proxy envelope)",
            ),
            Carrier::Direct => (SYNC_LIMIT, false, "a synchronous invocation (6 MB)"),
            Carrier::Published => (
                publish::MESSAGE_LIMIT - publish::ENVELOPE_BYTES,
                false,
                "a result published to SQS or EventBridge (256 KB a message)",
            ),
        };
        let memory = self
            .memory_mb
            .map_or(usize::MAX, |mb| mb * (1 << 20) / 2 / RSS_PER_REPLY_BYTE);
        ReplyBudget {
            max_bytes: limit.min(memory),
            escaped,
            carrier: if memory < limit {
                "this function's memory (half of AWS_LAMBDA_FUNCTION_MEMORY_SIZE)"
            } else {
                name
            },
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

/// The handler's reply, typed until lambda_runtime serializes it once.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Response {
    /// An API Gateway or Function URL proxy response.
    Http(HttpResponse),
    /// An SQS batch's failures.
    Batch(SqsBatchResponse),
    /// An EventBridge event's summary.
    Event(EventSummary),
    /// A direct invocation's reply or error body, already encoded.
    Json(Box<RawValue>),
}

impl Response {
    /// The reply as JSON text (what the runtime sends back).
    pub fn to_json(&self) -> Result<String, ApiError> {
        encode(self)
    }
}

/// Handles one invocation given as a JSON value (tests, benchmarks): encoded, then
/// [`handle_payload`].
pub async fn handle(
    index: &BakedIndex,
    ctx: &Context<'_>,
    event: Value,
) -> Result<Response, ApiError> {
    let bytes = serde_json::to_vec(&event)
        .map_err(|e| ApiError::new(Code::Internal, format!("the event did not encode: {e}")))?;
    handle_payload(index, ctx, &bytes).await
}

/// Handles one invocation's payload bytes. HTTP and direct errors are answered in the
/// response; only an event of unknown shape (or not JSON), or an event-driven result that could
/// not be published, is an `Err` (a function error, so the caller or Lambda's retry machinery
/// sees it).
pub async fn handle_payload(
    index: &BakedIndex,
    ctx: &Context<'_>,
    payload: &[u8],
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let text = payload::text(payload);
    let event = payload::classify(&text.text);
    let source = event.source;
    // The sources contain panics per request; this is the last resort for the rest.
    let (result, route, status, search_us) =
        guard::future(async { Ok(dispatch(index, ctx, &event, &text).await) })
            .await
            .unwrap_or_else(|e| (Err(e), "panic".into(), 500, None));
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

type Dispatched = (Result<Response, ApiError>, String, u16, Option<f64>);

async fn dispatch(
    index: &BakedIndex,
    ctx: &Context<'_>,
    event: &payload::Event<'_>,
    text: &payload::Text<'_>,
) -> Dispatched {
    let format = match event.source {
        Source::RestApi => Some(http::Format::RestV1),
        Source::HttpApi | Source::FunctionUrl => Some(http::Format::HttpV2),
        _ => None,
    };
    if let Some(problem) = &text.problem {
        return refuse(ctx, event, format, problem.clone());
    }
    let text = &*text.text;
    match (event.source, format) {
        (_, Some(format)) => http_event(index, ctx, text, &event.members, format),
        (Source::Direct, _) => match &event.refusal {
            Some(e) => refuse(ctx, event, None, e.clone()),
            None => direct(
                index,
                ctx,
                payload::Request {
                    text,
                    without: Some("action"),
                    vector: event.members.vector(),
                },
                event.action.as_deref().unwrap_or(""),
            ),
        },
        (Source::Sqs, _) => {
            let (response, stats) = events::sqs(index, ctx, text).await;
            let status = if stats.failed == 0 { 200 } else { 207 };
            let route = format!("batch:{}ok/{}failed", stats.done, stats.failed);
            (
                Ok(Response::Batch(response)),
                route,
                status,
                Some(stats.search_us),
            )
        }
        (Source::EventBridge, _) => {
            match guard::future(events::eventbridge(index, ctx, text)).await {
                Ok((summary, search_us)) => {
                    (Ok(Response::Event(summary)), "event".into(), 200, search_us)
                }
                Err(e) => {
                    let status = e.status();
                    (Err(e), "event".into(), status, None)
                }
            }
        }
        _ => {
            let e = event
                .refusal
                .clone()
                .unwrap_or_else(|| ApiError::new(Code::UnsupportedEvent, "unsupported event"));
            (Err(e), "unknown".into(), 400, None)
        }
    }
}

/// A payload that cannot be read (not UTF-8), answered in its source's shape.
fn refuse(
    ctx: &Context<'_>,
    event: &payload::Event<'_>,
    format: Option<http::Format>,
    problem: ApiError,
) -> Dispatched {
    let status = problem.status();
    match (format, event.source) {
        (Some(format), _) => {
            let response = http::error_response(format, &problem, &ctx.request_id);
            (Ok(Response::Http(response)), "invalid".into(), status, None)
        }
        (None, Source::Direct) => (
            Ok(Response::Json(error_raw(&problem))),
            "invalid".into(),
            status,
            None,
        ),
        _ => (Err(problem), "invalid".into(), status, None),
    }
}

fn http_event(
    index: &BakedIndex,
    ctx: &Context<'_>,
    text: &str,
    members: &payload::Top<'_>,
    format: http::Format,
) -> Dispatched {
    let mut route = String::from("invalid");
    let answered = guard::sync(|| http_answer(index, ctx, text, members, format, &mut route));
    match answered {
        Ok((body, content_type, search_us)) => {
            let response =
                http::typed_response(format, 200, body, content_type, &ctx.request_id, None);
            (Ok(Response::Http(response)), route, 200, search_us)
        }
        Err(e) => {
            let response = http::error_response(format, &e, &ctx.request_id);
            let status = response.status();
            (Ok(Response::Http(response)), route, status, None)
        }
    }
}

/// An HTTP request's body, content type and search time; `route` is set once it is known.
fn http_answer(
    index: &BakedIndex,
    ctx: &Context<'_>,
    text: &str,
    members: &payload::Top<'_>,
    format: http::Format,
    route: &mut String,
) -> Result<(String, &'static str, Option<f64>), ApiError> {
    let request = http::request(text, members, format)?;
    *route = format!("{} {}", request.method, request.path);
    let calendar = request.wants_calendar();
    let action = match request.action()? {
        Action::Plan(plan) if calendar => {
            Action::Plan(plan_index_plan::detail::calendar_request_today(&plan))
        }
        other => other,
    };
    let budget = ctx.budget(Carrier::Http);
    let reply = action::run_within(index, ctx.runtime(), action, &budget)?;
    let search_us = reply.search_us();
    let (body, content_type) = match &reply {
        Reply::Plan(plan) if calendar => match plan_index_plan::ics(plan) {
            Some(ics) => (ics, http::CALENDAR_TYPE),
            None => {
                return Err(ApiError::new(
                    Code::Internal,
                    "the plan has no dates for a calendar",
                ));
            }
        },
        _ => (encode(&reply)?, "application/json"),
    };
    action::check_encoded(&reply, &body, &budget)?;
    Ok((body, content_type, search_us))
}

fn direct(
    index: &BakedIndex,
    ctx: &Context<'_>,
    request: payload::Request<'_>,
    name: &str,
) -> Dispatched {
    let budget = ctx.budget(Carrier::Direct);
    let answered = guard::sync(|| {
        guard::fault_point(request.text);
        let reply = action::run_within(
            index,
            ctx.runtime(),
            action::action(name, request)?,
            &budget,
        )?;
        let raw = encode_raw(&reply)?;
        action::check_encoded(&reply, raw.get(), &budget)?;
        Ok((raw, reply.search_us()))
    });
    match answered {
        Ok((raw, search_us)) => (Ok(Response::Json(raw)), name.into(), 200, search_us),
        Err(e) => (
            Ok(Response::Json(error_raw(&e))),
            name.into(),
            e.status(),
            None,
        ),
    }
}

/// The error body of `e` as raw JSON.
fn error_raw(e: &ApiError) -> Box<RawValue> {
    encode_raw(&e.body()).unwrap_or_else(|_| {
        RawValue::from_string(plan_index_api::encode_error(e))
            .unwrap_or_else(|_| Box::<RawValue>::default())
    })
}

/// A function error as the runtime reports it: the code as `errorType`.
pub fn diagnostic(e: ApiError) -> lambda_runtime::Diagnostic {
    lambda_runtime::Diagnostic {
        error_type: e.code.to_string(),
        error_message: e.message,
    }
}
