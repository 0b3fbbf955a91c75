//! The things a caller can ask for (health, collections, search, plan, the OpenAPI contract),
//! decoded from a body and run the same way whichever carrier brought them.

use std::collections::BTreeMap;

use plan_index_core::{BakedIndex, Code};
use plan_index_plan::{self as plan, Plan, PlanRequest};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::ApiError;
use crate::round1;
use crate::search::{self, SearchRequest, SearchResponse};

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
    /// `GET /openapi.json`.
    OpenApi,
}

impl Action {
    /// Name used in logs, metrics and published results.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Health => "health",
            Action::Collections => "collections",
            Action::Search(_) => "search",
            Action::Plan(_) => "plan",
            Action::OpenApi => "openapi",
        }
    }
}

/// What the carrier knows that `health` reports (the index knows the rest).
#[derive(Clone, Copy, Debug)]
pub struct Runtime<'a> {
    /// Whether this is the first invocation of the process.
    pub cold_start: bool,
    /// Where event-driven results are published.
    pub publishing: &'a Publishing,
}

/// The configured result destinations, as `health` reports them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Publishing {
    /// The result queue's URL.
    pub queue: Option<String>,
    /// The result event bus.
    pub event_bus: Option<String>,
}

/// `GET /health`.
#[derive(Clone, Debug, Serialize)]
pub struct Health<'a> {
    /// Always `ok` when the index decoded.
    pub status: &'static str,
    /// The function's version.
    pub version: &'static str,
    /// sha256 of the baked content.
    pub index_hash: String,
    /// The model that made the vectors.
    pub model: &'a str,
    /// Dimension of every vector.
    pub dim: usize,
    /// The metric.
    pub metric: &'static str,
    /// Items per collection.
    pub collections: BTreeMap<&'a str, usize>,
    /// Whether this invocation started the process.
    pub cold_start: bool,
    /// Time the cold start spent decoding the index.
    pub index_decode_us: f64,
    /// Where results are published.
    pub publishing: &'a Publishing,
}

/// One entry of `GET /v1/collections`.
#[derive(Clone, Debug, Serialize)]
pub struct CollectionInfo<'a> {
    /// Name.
    pub name: &'a str,
    /// Items.
    pub count: usize,
    /// Dimension.
    pub dim: usize,
    /// Metric.
    pub metric: &'static str,
    /// Metadata keys.
    pub fields: Vec<&'a str>,
}

/// `GET /v1/collections`.
#[derive(Clone, Debug, Serialize)]
pub struct Collections<'a> {
    /// sha256 of the baked content.
    pub index_hash: String,
    /// The model that made the vectors.
    pub model: &'a str,
    /// Every collection, sorted by name.
    pub collections: Vec<CollectionInfo<'a>>,
}

/// The answer to an [`Action`], kept typed until it is encoded, once, by [`crate::encode`].
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Reply<'a> {
    /// Health.
    Health(Health<'a>),
    /// Collections.
    Collections(Collections<'a>),
    /// Search results.
    Search(SearchResponse),
    /// A plan.
    Plan(Box<Plan>),
    /// The OpenAPI contract, as built from `openapi.yaml`.
    OpenApi(&'static RawValue),
}

impl Reply<'_> {
    /// Time spent searching, for logs and metrics.
    pub fn search_us(&self) -> Option<f64> {
        match self {
            Reply::Search(r) => Some(r.search_us),
            _ => None,
        }
    }
}

/// Runs `action`: the one path every carrier goes through.
pub fn run<'a>(
    index: &'a BakedIndex,
    runtime: Runtime<'a>,
    action: Action,
) -> Result<Reply<'a>, ApiError> {
    match action {
        Action::Health => Ok(Reply::Health(health(index, runtime))),
        Action::Collections => Ok(Reply::Collections(collections(index))),
        Action::Search(request) => Ok(Reply::Search(search::run(index, request.into_spec()?)?)),
        Action::Plan(request) => Ok(Reply::Plan(Box::new(plan::plan(index, &request)?))),
        Action::OpenApi => openapi().map(Reply::OpenApi),
    }
}

/// The top-level `openapi.yaml` as compact JSON, converted at build time (crates/api/build.rs).
pub const OPENAPI_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/openapi.json"));

/// The contract as a JSON value borrowed from the binary (encoded as is, never re-serialized).
fn openapi() -> Result<&'static RawValue, ApiError> {
    serde_json::from_str(OPENAPI_JSON).map_err(|e| {
        ApiError::new(
            Code::Internal,
            format!("the built OpenAPI document does not parse: {e}"),
        )
    })
}

fn health<'a>(index: &'a BakedIndex, runtime: Runtime<'a>) -> Health<'a> {
    Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        index_hash: index.content_hash(),
        model: index.model(),
        dim: index.dim(),
        metric: index.metric().as_str(),
        collections: index.collections().map(|c| (c.name(), c.len())).collect(),
        cold_start: runtime.cold_start,
        index_decode_us: round1(index.decode_time().as_secs_f64() * 1e6),
        publishing: runtime.publishing,
    }
}

fn collections(index: &BakedIndex) -> Collections<'_> {
    Collections {
        index_hash: index.content_hash(),
        model: index.model(),
        collections: collection_infos(index),
    }
}

/// Name, count, dimension, metric and fields of every collection (`/v1/collections`, `inspect`).
pub fn collection_infos(index: &BakedIndex) -> Vec<CollectionInfo<'_>> {
    index
        .collections()
        .map(|c| CollectionInfo {
            name: c.name(),
            count: c.len(),
            dim: c.dim(),
            metric: c.metric().as_str(),
            fields: c.fields().collect(),
        })
        .collect()
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
pub fn decode<T: DeserializeOwned>(body: Body<'_>, what: &str) -> Result<T, ApiError> {
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
        return Err(ApiError::new(
            Code::InvalidBody,
            format!(
                "the {what} request must be a JSON object, got {}",
                json_type(&value)
            ),
        ));
    }
    serde_json::from_value(value)
        .map_err(|e| ApiError::new(Code::InvalidRequest, format!("invalid {what} request: {e}")))
}

/// Parses JSON text, or says why it is not JSON (400).
pub fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| malformed(&e))
}

fn malformed(e: &serde_json::Error) -> ApiError {
    ApiError::new(
        Code::MalformedJson,
        format!("the body is not valid JSON: {e}"),
    )
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
pub fn action(name: &str, body: Body<'_>) -> Result<Action, ApiError> {
    match name {
        "health" => Ok(Action::Health),
        "collections" => Ok(Action::Collections),
        "search" => decode(body, "search").map(Action::Search),
        "plan" => decode(body, "plan").map(Action::Plan),
        "openapi" => Ok(Action::OpenApi),
        other => Err(ApiError::new(
            Code::UnknownAction,
            format!("unknown action {other:?}; use search, plan, health, collections or openapi"),
        )),
    }
}

/// Decodes an event-borne request (direct, SQS, EventBridge): `action` names it; without one,
/// and when `infer` allows, a `collection` field means a search and a `race` field a plan.
pub fn from_value(value: Value, infer: bool) -> Result<Action, ApiError> {
    let Value::Object(mut fields) = value else {
        return Err(ApiError::new(
            Code::InvalidBody,
            format!(
                "the request must be a JSON object, got {}",
                json_type(&value)
            ),
        ));
    };
    let name = match fields.remove("action") {
        Some(Value::String(name)) => name,
        Some(other) => {
            return Err(ApiError::new(
                Code::UnknownAction,
                format!("\"action\" must be a string, got {}", json_type(&other)),
            ));
        }
        None if infer && fields.contains_key("collection") => "search".into(),
        None if infer && fields.contains_key("race") => "plan".into(),
        None => {
            return Err(ApiError::new(
                Code::UnknownAction,
                "cannot tell what to do: give \"action\" (search, plan, health), or a \"collection\" (search) or \"race\" (plan) field",
            ));
        }
    };
    action(&name, Body::Json(Value::Object(fields)))
}
