//! The four things a caller can ask for (health, collections, search, plan), decoded from a
//! body and run the same way whichever event carried them.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::Context;
use super::error::LambdaError;
use crate::index::BakedIndex;
use crate::index::search::{self, SearchRequest, SearchResponse};
use crate::plan::{self, Plan, PlanRequest};

/// A decoded request.
#[derive(Debug)]
pub enum Action {
    /// `GET /health`.
    Health,
    /// `GET /v1/collections`.
    Collections,
    /// `POST /v1/search`.
    Search(SearchRequest),
    /// `POST /v1/plan`.
    Plan(PlanRequest),
}

impl Action {
    /// Name used in logs, metrics and published results.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Health => "health",
            Action::Collections => "collections",
            Action::Search(_) => "search",
            Action::Plan(_) => "plan",
        }
    }
}

/// The answer to an [`Action`], kept typed until the caller's encoding is known.
#[derive(Debug)]
pub enum Reply {
    /// Search results.
    Search(SearchResponse),
    /// A plan.
    Plan(Box<Plan>),
    /// Health or collections.
    Info(Value),
}

impl Reply {
    /// Time spent searching, for logs and metrics.
    pub fn search_us(&self) -> Option<f64> {
        match self {
            Reply::Search(r) => Some(r.search_us),
            _ => None,
        }
    }

    /// The reply as JSON text (HTTP bodies skip the `Value` step).
    pub fn to_json_string(&self) -> Result<String, LambdaError> {
        let text = match self {
            Reply::Search(r) => serde_json::to_string(r),
            Reply::Plan(p) => serde_json::to_string(p),
            Reply::Info(v) => serde_json::to_string(v),
        };
        text.map_err(encode_error)
    }

    /// The reply as a JSON value (direct invocations and published results).
    pub fn into_value(self) -> Result<Value, LambdaError> {
        match self {
            Reply::Search(r) => serde_json::to_value(r).map_err(encode_error),
            Reply::Plan(p) => serde_json::to_value(p).map_err(encode_error),
            Reply::Info(v) => Ok(v),
        }
    }
}

fn encode_error(e: serde_json::Error) -> LambdaError {
    LambdaError::internal(
        "encode_failed",
        format!("could not encode the response: {e}"),
    )
}

/// Runs `action`: the one path every source goes through.
pub fn run(index: &BakedIndex, ctx: &Context<'_>, action: Action) -> Result<Reply, LambdaError> {
    match action {
        Action::Health => Ok(Reply::Info(health(index, ctx))),
        Action::Collections => Ok(Reply::Info(collections(index))),
        Action::Search(request) => {
            let search = request.into_search()?;
            Ok(Reply::Search(search::run(index, &search)?))
        }
        Action::Plan(request) => Ok(Reply::Plan(Box::new(plan::plan(index, &request)?))),
    }
}

fn health(index: &BakedIndex, ctx: &Context<'_>) -> Value {
    let counts: Map<String, Value> = index
        .collections()
        .map(|c| (c.name().to_string(), json!(c.len())))
        .collect();
    json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "index_hash": index.content_hash(),
        "model": index.model(),
        "dim": index.dim(),
        "metric": index.metric().as_str(),
        "collections": counts,
        "cold_start": ctx.cold_start,
        "index_decode_us": round1(index.decode_time().as_secs_f64() * 1e6),
        "publishing": ctx.publisher.describe(),
    })
}

fn collections(index: &BakedIndex) -> Value {
    let list: Vec<Value> = index
        .collections()
        .map(|c| {
            json!({
                "name": c.name(),
                "count": c.len(),
                "dim": c.dim(),
                "metric": c.metric().as_str(),
                "fields": c.fields().collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({"index_hash": index.content_hash(), "model": index.model(), "collections": list})
}

/// Rounds to one decimal, for readable microsecond figures.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A request body as it arrived: raw bytes (HTTP) or an already parsed value (events).
pub enum Body<'a> {
    /// Bytes that still have to be parsed.
    Bytes(&'a [u8]),
    /// A parsed JSON value.
    Json(Value),
}

/// Decodes a request body into `T`: 400 when it is not JSON, 422 when it is JSON of the wrong
/// shape (a string, an array, an unknown field, a field of the wrong type).
pub fn decode<T: DeserializeOwned>(body: Body<'_>, what: &str) -> Result<T, LambdaError> {
    let value = match body {
        // Straight to `T` on the hot path; the Value detour is only taken to explain an error.
        Body::Bytes(bytes) => match serde_json::from_slice::<T>(bytes) {
            Ok(parsed) => return Ok(parsed),
            Err(e) if e.is_data() => parse_json(bytes)?,
            Err(e) => return Err(malformed(&e)),
        },
        Body::Json(value) => value,
    };
    if !value.is_object() {
        return Err(LambdaError::unprocessable(
            "invalid_body",
            format!(
                "the {what} request must be a JSON object, got {}",
                json_type(&value)
            ),
        ));
    }
    serde_json::from_value(value).map_err(|e| {
        LambdaError::unprocessable("invalid_request", format!("invalid {what} request: {e}"))
    })
}

/// Parses JSON text, or says why it is not JSON (400).
pub fn parse_json(bytes: &[u8]) -> Result<Value, LambdaError> {
    serde_json::from_slice(bytes).map_err(|e| malformed(&e))
}

fn malformed(e: &serde_json::Error) -> LambdaError {
    LambdaError::bad_request("malformed_json", format!("the body is not valid JSON: {e}"))
}

/// "a string", "an array", ... for messages.
pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Decodes the action named `name` from its body.
pub fn action(name: &str, body: Body<'_>) -> Result<Action, LambdaError> {
    match name {
        "health" => Ok(Action::Health),
        "collections" => Ok(Action::Collections),
        "search" => decode(body, "search").map(Action::Search),
        "plan" => decode(body, "plan").map(Action::Plan),
        other => Err(LambdaError::unprocessable(
            "unknown_action",
            format!("unknown action {other:?}; use search, plan, health or collections"),
        )),
    }
}

/// Decodes an event-borne request (direct, SQS, EventBridge): `action` names it; without one,
/// and when `infer` allows, a `collection` field means a search and a `race` field a plan.
pub fn from_value(value: Value, infer: bool) -> Result<Action, LambdaError> {
    let Value::Object(mut fields) = value else {
        return Err(LambdaError::unprocessable(
            "invalid_body",
            format!(
                "the request must be a JSON object, got {}",
                json_type(&value)
            ),
        ));
    };
    let name = match fields.remove("action") {
        Some(Value::String(name)) => name,
        Some(other) => {
            return Err(LambdaError::unprocessable(
                "unknown_action",
                format!("\"action\" must be a string, got {}", json_type(&other)),
            ));
        }
        None if infer && fields.contains_key("collection") => "search".into(),
        None if infer && fields.contains_key("race") => "plan".into(),
        None => {
            return Err(LambdaError::unprocessable(
                "unknown_action",
                "cannot tell what to do: give \"action\" (search, plan, health), or a \"collection\" (search) or \"race\" (plan) field",
            ));
        }
    };
    action(&name, Body::Json(Value::Object(fields)))
}
