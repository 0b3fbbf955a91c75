//! The search contract: what JSON callers send (`POST /v1/search`, direct, SQS, EventBridge,
//! the CLI) and what they get back, and the one function that answers it.
//!
//! A text query is resolved to a vector here, once, through `plan_index_embed`; the engine in
//! `plan_index_core` only ever sees vectors.

use std::time::Instant;

use plan_index_core::search::{self, DEFAULT_K, Filter, Hit, Query, Search, SearchError};
use plan_index_core::{BakedIndex, Collection, Metadata};
use plan_index_embed::{EmbeddedBy, embed_query};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::action::Decode;
use crate::error::ApiError;
use crate::round1;
use crate::vector_input::{SplitVector, VectorB64, VectorInput, split_vector_with};

/// A search as JSON callers send it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    /// Collection to search.
    pub collection: String,
    /// One vector, or an array of vectors.
    #[serde(default)]
    pub vector: Option<VectorInput>,
    /// Base64 of little-endian f32: one vector, an array of them, or `n` vectors in one string.
    #[serde(default)]
    pub vector_b64: Option<VectorB64>,
    /// How many vectors one `vector_b64` string holds (a batch).
    #[serde(default)]
    pub n: Option<Value>,
    /// A text query.
    #[serde(default)]
    pub text: Option<String>,
    /// Id of an item to search like.
    #[serde(default)]
    pub like: Option<String>,
    /// Results per query (1 to 10,000; default 10).
    #[serde(default)]
    pub k: Option<Value>,
    /// `{"key": value}` filters.
    #[serde(default, rename = "where")]
    pub filters: Option<serde_json::Map<String, Value>>,
    /// Minimum score.
    #[serde(default)]
    pub min_score: Option<Value>,
}

/// What to search with, before any text is embedded.
#[derive(Clone, Debug, PartialEq)]
pub enum QueryInput {
    /// Vectors or an item id: the engine's own query.
    Engine(Query),
    /// A text, resolved to a vector by [`search`].
    Text(String),
}

/// A validated search request.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchSpec {
    /// Collection to search.
    pub collection: String,
    /// What to search with.
    pub query: QueryInput,
    /// Results per query.
    pub k: usize,
    /// Metadata filters, ANDed.
    pub filters: Vec<Filter>,
    /// Drop results scoring below this.
    pub min_score: Option<f32>,
}

/// A result as returned to callers, borrowed from the index: nothing is copied out of the
/// blob to build it, and it is encoded straight from there (a copied result, its metadata as a
/// `serde_json::Map` of `Value`s, cost more to build than the scan of 100 x 1536 rows it came
/// from).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct SearchResult<'a> {
    /// Item id.
    pub id: &'a str,
    /// Similarity; higher is better.
    pub score: f32,
    /// The item's metadata (a JSON object, keys sorted).
    pub metadata: Metadata<'a>,
    /// The embedded text, when stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<&'a str>,
    /// The item's payload, when stored: its JSON text as baked (compact, validated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<&'a RawValue>,
}

/// One query's results in a batch.
#[derive(Clone, Debug, Serialize)]
pub struct QueryResults<'a> {
    /// Ranked results.
    pub results: Vec<SearchResult<'a>>,
}

/// The answer to a search.
#[derive(Clone, Debug, Serialize)]
pub struct SearchResponse<'a> {
    /// Collection searched.
    pub collection: String,
    /// Results asked for per query.
    pub k: usize,
    /// Ranked results (single query).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results: Option<Vec<SearchResult<'a>>>,
    /// One result list per query (batch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queries: Option<Vec<QueryResults<'a>>>,
    /// For text queries: whether the vector was baked or computed by the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedded: Option<EmbeddedBy>,
    /// Microseconds spent embedding and searching (no I/O, no JSON).
    pub search_us: f64,
    /// Content hash of the index that answered (as in `/health` and plans).
    pub index_hash: String,
}

/// Decodes a search request from `body`. A `"vector"` of plain numbers is read straight from
/// the text by [`crate::json_f32`] (one pass, correctly rounded), a `"vector_b64"` string is
/// found by memchr and decoded where it lies, and serde_json reads the other members; when the
/// fast path declines or the rest does not decode, the whole body is decoded as before, so
/// every error is the one serde_json and the visitors give.
pub fn decode(body: impl Decode) -> Result<SearchRequest, ApiError> {
    if let Some(split) = body
        .text()
        .and_then(|text| split_vector_with(text, body.parsed_vector()))
        && let Ok(mut request) = body.decode_text::<SearchRequest>(&split.rest, "search")
        && request.vector.is_none()
        && request.vector_b64.is_none()
    {
        match split.vector {
            SplitVector::Numbers(v) => request.vector = Some(v),
            SplitVector::B64(v) => request.vector_b64 = Some(v),
        }
        return Ok(request);
    }
    body.decode("search")
}

impl SearchRequest {
    /// Validates the JSON fields into a [`SearchSpec`].
    pub fn into_spec(self) -> Result<SearchSpec, ApiError> {
        if self.n.is_some() && self.vector_b64.is_none() {
            return Err(SearchError::InvalidRequest(
                "\"n\" counts the vectors of a \"vector_b64\" string; give it only with one".into(),
            )
            .into());
        }
        let query = match (self.vector, self.vector_b64, self.text, self.like) {
            (Some(v), None, None, None) => QueryInput::Engine(v.into_query()?),
            (None, Some(b), None, None) => QueryInput::Engine(b.into_query(self.n.as_ref())?),
            (None, None, Some(t), None) => QueryInput::Text(t),
            (None, None, None, Some(id)) => QueryInput::Engine(Query::Like(id)),
            _ => {
                return Err(SearchError::InvalidRequest(
                    "give exactly one of \"vector\", \"vector_b64\", \"text\" or \"like\"".into(),
                )
                .into());
            }
        };
        let k = match self.k {
            None | Some(Value::Null) => DEFAULT_K,
            Some(v) => parse_k(&v)?,
        };
        let min_score = match self.min_score {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_f64().map(min_score).transpose()?,
            Some(other) => {
                return Err(SearchError::InvalidRequest(format!(
                    "min_score must be a number, got {other}"
                ))
                .into());
            }
        };
        let filters = self
            .filters
            .unwrap_or_default()
            .into_iter()
            .map(|(key, value)| filter_from_json(key, value))
            .collect::<Result<_, _>>()?;
        Ok(SearchSpec {
            collection: self.collection,
            query,
            k,
            filters,
            min_score,
        })
    }
}

fn parse_k(v: &Value) -> Result<usize, SearchError> {
    let k = v
        .as_f64()
        .filter(|k| k.fract() == 0.0)
        .ok_or_else(|| SearchError::InvalidK(format!("k must be a whole number, got {v}")))?;
    // The engine's message prints k in full (309 digits for 1e308): echo the JSON number
    // as sent (shortest form) instead.
    search::check_k(k).map_err(|e| match e {
        SearchError::InvalidK(_) if k.abs() >= 1e6 => SearchError::InvalidK(format!(
            "k must be between 1 and {}, got {v}",
            search::MAX_K
        )),
        other => other,
    })
}

/// A finite JSON number as an f32 `min_score`; beyond f32's range is refused as such (it
/// would otherwise round to infinity and be called "not finite").
fn min_score(x: f64) -> Result<f32, SearchError> {
    if x.is_finite() && x.abs() > f64::from(f32::MAX) {
        return Err(SearchError::InvalidRequest(format!(
            "min_score {x:e} is out of f32 range (at most {:e} in magnitude)",
            f32::MAX
        )));
    }
    Ok(x as f32)
}

fn filter_from_json(key: String, value: Value) -> Result<Filter, SearchError> {
    let value = match value {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => {
            return Err(SearchError::InvalidRequest(format!(
                "filter {key:?} must be a string, number or boolean, got {other}"
            )));
        }
    };
    Ok(Filter { key, value })
}

/// Answers a search: resolves a text query once, ranks, and builds the results.
pub fn run(index: &BakedIndex, spec: SearchSpec) -> Result<SearchResponse<'_>, ApiError> {
    let started = Instant::now();
    let batch = matches!(spec.query, QueryInput::Engine(Query::Batch(_)));
    let (query, embedded) = match spec.query {
        QueryInput::Engine(query) => (query, None),
        QueryInput::Text(text) => {
            // Refuse an unknown collection before paying for a model call.
            let collection = search::find_collection(index, &spec.collection)?;
            search::check_filters(&collection, &spec.filters)?;
            let found = embed_query(index, &text)?;
            (Query::Vector(found.vector), Some(found.embedded))
        }
    };
    let mut search = Search {
        collection: spec.collection,
        query,
        k: spec.k,
        filters: spec.filters,
        min_score: spec.min_score,
    };
    let ranked = search::run(index, &mut search)?;
    let search_us = round1(started.elapsed().as_secs_f64() * 1e6);
    let mut lists = ranked.lists.iter().map(|hits| {
        hits.iter()
            .map(|h| result(&ranked.collection, *h))
            .collect()
    });
    let (results, queries) = if batch {
        (
            None,
            Some(lists.map(|results| QueryResults { results }).collect()),
        )
    } else {
        (lists.next(), None)
    };
    Ok(SearchResponse {
        collection: search.collection,
        k: search.k,
        results,
        queries,
        embedded,
        search_us,
        index_hash: index.content_hash(),
    })
}

/// A hit with its item's id, metadata, text and payload.
pub fn result<'a>(collection: &Collection<'a>, hit: Hit) -> SearchResult<'a> {
    let item = collection.item(hit.row);
    SearchResult {
        id: item.id,
        score: hit.score,
        metadata: item.metadata,
        text: item.text,
        // Baked as `Value::to_string` of a JSON value, so always JSON; the skim only borrows.
        payload: item.payload.and_then(|p| serde_json::from_str(p).ok()),
    }
}

/// What a reply may weigh on the carrier that returns it; [`check_reply`] refuses a search
/// whose reply could exceed it before any work is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplyBudget {
    /// Bytes the encoded reply may take once on its carrier.
    pub max_bytes: usize,
    /// Whether the reply travels as a JSON string inside another document (an HTTP proxy
    /// body), where every quote and backslash costs one byte more.
    pub escaped: bool,
    /// The carrier, for the message ("a synchronous invocation").
    pub carrier: &'static str,
}

impl ReplyBudget {
    /// No limit (the CLI).
    pub const UNLIMITED: ReplyBudget = ReplyBudget {
        max_bytes: usize::MAX,
        escaped: false,
        carrier: "this carrier",
    };

    /// Refuses an encoded reply of `bytes` (escaped as the carrier needs) over the budget: the
    /// final check after encoding.
    pub fn check_encoded(&self, text: &str) -> Result<(), ApiError> {
        // Escaping makes a byte at most six (`\u0001`): a reply that fits even so is not
        // counted byte by byte (most replies are a few KB against megabytes).
        if text.len().saturating_mul(MAX_ESCAPE) <= self.max_bytes {
            return Ok(());
        }
        let bytes = self.cost(text);
        if bytes <= self.max_bytes {
            return Ok(());
        }
        Err(ApiError::new(
            plan_index_core::Code::ReplyTooLarge,
            format!(
                "the reply is {bytes} bytes, over the {} bytes {} may return; ask for less (a smaller k, fewer queries, or a shorter plan)",
                self.max_bytes, self.carrier
            ),
        ))
    }

    /// `text`'s size on this carrier.
    pub fn cost(&self, text: &str) -> usize {
        if self.escaped {
            plan_index_plan::bound::escaped_len(text)
        } else {
            text.len()
        }
    }
}

/// The most bytes one byte of text takes once escaped in a JSON string (`\u0001`).
const MAX_ESCAPE: usize = 6;

/// Bytes a reply needs besides its results: `{"collection": ..., "k": ..., "search_us": ...}`.
const REPLY_ENVELOPE: usize = 256;
/// Bytes per query list in a batch: `{"results":[]},`.
const QUERY_ENVELOPE: usize = 16;
/// The longest score an f32 prints as (`-1.1754944e-38`), less the `0.0` measured with.
const SCORE_SLACK: usize = 12;

/// The largest encoded result of a collection (plain and escaped), computed once per process.
fn largest_result(index: &BakedIndex, collection: &Collection<'_>) -> (usize, usize) {
    let (plain, escaped) = index.largest_per_row(collection, "search result", |row| {
        let text =
            serde_json::to_string(&result(collection, Hit { row, score: 0.0 })).unwrap_or_default();
        (text.len(), plan_index_plan::bound::escaped_len(&text))
    });
    (plain + SCORE_SLACK, escaped + SCORE_SLACK)
}

/// Refuses, before any search runs, a request whose reply could exceed `budget`: queries x
/// min(k, items) x the collection's largest encoded result, plus the envelope.
pub fn check_reply(
    index: &BakedIndex,
    spec: &SearchSpec,
    budget: &ReplyBudget,
) -> Result<(), ApiError> {
    if budget.max_bytes == usize::MAX {
        return Ok(());
    }
    let collection = search::find_collection(index, &spec.collection)?;
    let queries = match &spec.query {
        QueryInput::Engine(Query::Batch(rows)) => rows.len(),
        _ => 1,
    };
    let k = spec.k.min(collection.len());
    let (plain, escaped) = largest_result(index, &collection);
    let item = if budget.escaped { escaped } else { plain } + 1;
    let worst = REPLY_ENVELOPE + queries * (QUERY_ENVELOPE + k * item);
    if worst <= budget.max_bytes {
        return Ok(());
    }
    let room = budget.max_bytes.saturating_sub(REPLY_ENVELOPE) / queries;
    let k_fits = room.saturating_sub(QUERY_ENVELOPE) / item;
    let queries_fit = budget.max_bytes.saturating_sub(REPLY_ENVELOPE) / (QUERY_ENVELOPE + k * item);
    Err(ApiError::new(
        plan_index_core::Code::ReplyTooLarge,
        format!(
            "this search could return up to {worst} bytes ({queries} queries x {k} results x up to {item} bytes each in {:?}), over the {} bytes {} may return; ask for k <= {k_fits} with {queries} queries, or at most {queries_fit} queries with k = {k}",
            spec.collection, budget.max_bytes, budget.carrier
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check counts escapes exactly at the edge, however it skips counting below it.
    #[test]
    fn encoded_replies_are_checked_as_escaped() {
        let budget = |max_bytes| ReplyBudget {
            max_bytes,
            escaped: true,
            carrier: "a test",
        };
        // Each control character escapes to six bytes, each quote to two.
        let control = "\u{1}".repeat(100);
        assert!(budget(600).check_encoded(&control).is_ok());
        assert!(budget(599).check_encoded(&control).is_err());
        let quotes = "\"".repeat(100);
        assert!(budget(200).check_encoded(&quotes).is_ok());
        assert!(budget(199).check_encoded(&quotes).is_err());
        let plain = ReplyBudget {
            escaped: false,
            ..budget(100)
        };
        assert!(plain.check_encoded(&quotes).is_ok());
        assert!(plain.check_encoded(&format!("{quotes}x")).is_err());
    }
}
