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
    /// How long the init spent priming the process, when it primed.
    pub primed_us: Option<f64>,
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
    /// Time the init spent priming the process before its first request (`null` when it did
    /// not prime: an on-demand init, or `PLAN_INDEX_PRIME=off`).
    pub primed_us: Option<f64>,
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
    Search(SearchResponse<'a>),
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

/// [`run`], with a search refused up front when its reply could exceed `budget` (the
/// function's carriers; see [`search::check_reply`]).
///
/// A plan is not refused up front: its bound (`plan_index_plan::bound`) is a proven upper
/// bound but 2.8-4.3x the encoded plan (tests/plan_bound.rs), so refusing on it would refuse
/// 16-week plans that fit a 256 KB message. A plan's work and size are small and bounded by the
/// request (at most 30 weeks of seven days), so the plan is made and its encoded reply is the
/// authority ([`check_encoded`], which every carrier calls).
pub fn run_within<'a>(
    index: &'a BakedIndex,
    runtime: Runtime<'a>,
    action: Action,
    budget: &search::ReplyBudget,
) -> Result<Reply<'a>, ApiError> {
    match action {
        Action::Search(request) => {
            let spec = request.into_spec()?;
            search::check_reply(index, &spec, budget)?;
            Ok(Reply::Search(search::run(index, spec)?))
        }
        other => run(index, runtime, other),
    }
}

/// Refuses `reply`, encoded as `text` for its carrier, when it exceeds `budget`: the final
/// check after encoding, the authority for every reply (the up-front checks only spare work).
/// A plan's refusal says how many weeks would about fit (its weeks weigh about the same each).
pub fn check_encoded(
    reply: &Reply<'_>,
    text: &str,
    budget: &search::ReplyBudget,
) -> Result<(), ApiError> {
    let Err(refused) = budget.check_encoded(text) else {
        return Ok(());
    };
    let Reply::Plan(plan) = reply else {
        return Err(refused);
    };
    let bytes = budget.cost(text);
    let weeks = plan.weeks.len();
    let about = weeks * budget.max_bytes / bytes.max(1);
    let fewer = if about >= usize::try_from(plan::vocab::MIN_WEEKS).unwrap_or(4) {
        format!(
            "ask for a shorter plan (about {about} weeks would fit) or fewer running days per week"
        )
    } else {
        "ask for fewer running days per week (even the shortest plan may not fit)".to_string()
    };
    Err(ApiError::new(
        Code::ReplyTooLarge,
        format!(
            "this {weeks}-week plan is {bytes} bytes, over the {} bytes {} may return; {fewer}",
            budget.max_bytes, budget.carrier
        ),
    ))
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
        collections: index
            .entries()
            .iter()
            .map(|c| (c.name.as_str(), c.len as usize))
            .collect(),
        cold_start: runtime.cold_start,
        index_decode_us: round1(index.decode_time().as_secs_f64() * 1e6),
        primed_us: runtime.primed_us,
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
        .entries()
        .iter()
        .map(|c| CollectionInfo {
            name: &c.name,
            count: c.len as usize,
            dim: c.dim as usize,
            metric: c.metric.as_str(),
            fields: c.fields.iter().map(String::as_str).collect(),
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

/// Something a request can be decoded from: a body of bytes here; the function adds its
/// payloads (a direct invocation's members without `action`, an SQS record's body).
pub trait Decode: Sized {
    /// Decodes a `what` request (`search`, `plan`) into `T`.
    fn decode<T: DeserializeOwned>(self, what: &str) -> Result<T, ApiError>;

    /// The body as JSON text, when it is text (a search reads its `"vector"` from it with
    /// [`crate::json_f32`]).
    fn text(&self) -> Option<&str> {
        None
    }

    /// Decodes `T` from `text` the way [`Decode::decode`] decodes the body (the search's body
    /// with its vector taken out, see [`search::decode`]).
    fn decode_text<T: DeserializeOwned>(&self, text: &str, what: &str) -> Result<T, ApiError>;

    /// The body's top-level `"vector"`, when whoever read the text first has read it already
    /// (see [`crate::vector_input::split_vector_with`]).
    fn parsed_vector(&self) -> Option<&crate::ParsedVector> {
        None
    }
}

impl Decode for Body<'_> {
    fn decode<T: DeserializeOwned>(self, what: &str) -> Result<T, ApiError> {
        decode(self, what)
    }

    fn text(&self) -> Option<&str> {
        match self {
            Body::Bytes(bytes) => std::str::from_utf8(bytes).ok(),
            Body::Json(_) => None,
        }
    }

    fn decode_text<T: DeserializeOwned>(&self, text: &str, what: &str) -> Result<T, ApiError> {
        decode(Body::Bytes(text.as_bytes()), what)
    }
}

/// Decodes a request body into `T`: 400 when it is not JSON, 422 when it is JSON of the wrong
/// shape (a string, an array, an unknown field, a field of the wrong type).
pub fn decode<T: DeserializeOwned>(body: Body<'_>, what: &str) -> Result<T, ApiError> {
    let value = match body {
        // Straight to `T`; no `Value` tree, not even to explain an error.
        Body::Bytes(bytes) => {
            return serde_json::from_slice::<T>(bytes).map_err(|e| refused(&e, bytes, what));
        }
        Body::Json(value) => value,
    };
    if !value.is_object() {
        return Err(not_an_object(what, json_type(&value)));
    }
    serde_json::from_value(value)
        .map_err(|e| ApiError::new(Code::InvalidRequest, format!("invalid {what} request: {e}")))
}

/// Why the JSON text `text` did not decode into a `what` request: 400 when it is not JSON, 422
/// when it is JSON but not an object, or an object with wrong fields. Only the error path skims
/// the text again (without building a tree) to tell a type error from broken JSON after it.
pub fn refused(e: &serde_json::Error, text: &[u8], what: &str) -> ApiError {
    if !e.is_data() {
        return malformed(e);
    }
    if let Err(broken) = serde_json::from_slice::<serde::de::IgnoredAny>(text) {
        return malformed(&broken);
    }
    match text_type(text) {
        "an object" => ApiError::new(Code::InvalidRequest, format!("invalid {what} request: {e}")),
        other => not_an_object(what, other),
    }
}

fn not_an_object(what: &str, got: &str) -> ApiError {
    ApiError::new(
        Code::InvalidBody,
        format!("the {what} request must be a JSON object, got {got}"),
    )
}

/// Parses JSON text, or says why it is not JSON (400).
pub fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| malformed(&e))
}

/// The 400 for text that is not JSON.
pub fn malformed(e: &serde_json::Error) -> ApiError {
    ApiError::new(
        Code::MalformedJson,
        format!("the body is not valid JSON: {e}"),
    )
}

/// "a string", "an array", ... of JSON text, from its first byte (for messages).
pub fn text_type(text: &[u8]) -> &'static str {
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        Some(b'-' | b'0'..=b'9') => "a number",
        _ => "not JSON",
    }
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
pub fn action(name: &str, body: impl Decode) -> Result<Action, ApiError> {
    match name {
        "health" => Ok(Action::Health),
        "collections" => Ok(Action::Collections),
        "search" => search::decode(body).map(Action::Search),
        "plan" => body.decode("plan").map(Action::Plan),
        "openapi" => Ok(Action::OpenApi),
        other => Err(ApiError::new(
            Code::UnknownAction,
            format!("unknown action {other:?}; use search, plan, health, collections or openapi"),
        )),
    }
}

/// What an event-borne request's members say about its action, read without decoding it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Members<'a> {
    /// `action`: `Ok(name)` for a string, `Err(type)` for anything else.
    pub action: Option<Result<&'a str, &'static str>>,
    /// Whether there is a `collection` member.
    pub collection: bool,
    /// Whether there is a `race` member.
    pub race: bool,
}

/// The action an event-borne request (direct, SQS, EventBridge) names: `action`; without one,
/// and when `infer` allows, a `collection` field means a search and a `race` field a plan.
pub fn action_name<'a>(members: Members<'a>, infer: bool) -> Result<&'a str, ApiError> {
    match members.action {
        Some(Ok(name)) => Ok(name),
        Some(Err(got)) => Err(ApiError::new(
            Code::UnknownAction,
            format!("\"action\" must be a string, got {got}"),
        )),
        None if infer && members.collection => Ok("search"),
        None if infer && members.race => Ok("plan"),
        None => Err(ApiError::new(
            Code::UnknownAction,
            "cannot tell what to do: give \"action\" (search, plan, health), or a \"collection\" (search) or \"race\" (plan) field",
        )),
    }
}

/// Decodes an event-borne request held as a [`Value`] (see [`action_name`]).
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
    let named = fields.remove("action");
    let members = Members {
        action: named.as_ref().map(|a| a.as_str().ok_or(json_type(a))),
        collection: fields.contains_key("collection"),
        race: fields.contains_key("race"),
    };
    let name = action_name(members, infer)?.to_string();
    action(&name, Body::Json(Value::Object(fields)))
}
