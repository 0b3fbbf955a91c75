//! Training-plan selection: a philosophy, a week structure per week and a session template per
//! day, plus the knowledge passages behind them, in one call.
//!
//! Every query text comes from [`queries`] and is looked up among the baked query embeddings,
//! so a plan costs a few dozen exact searches over cache-resident rows and no model call.
//! `strict` mode applies the rules of docs/sources.md as hard constraints before similarity
//! and reports every relaxation; `semantic` mode reproduces the old service (best cosine over
//! all items) for comparison. docs/plan.md describes the rules and the relaxation order.

pub mod athlete;
pub mod bound;
pub mod calendar;
mod catalog;
pub mod detail;
pub mod export;
mod meta;
pub mod pace;
pub mod queries;
pub mod request;
pub mod rules;
pub mod schema;
mod select;
pub mod vocab;
pub mod volume;

use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use plan_index_core::{BakedIndex, FormatError, SearchError};
use plan_index_core::{Code, Coded};
use plan_index_embed::EmbedError;

pub use athlete::{RaceDistance, RecentRace};
pub use detail::{DayDetail, Training, WeekDetail, ics};
pub use request::Mode;
pub use vocab::{Phase, SessionType};

/// A plan request as callers send it (`POST /v1/plan`, CLI, direct, SQS, EventBridge).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// 5k, 10k, half_marathon, marathon or ultra.
    pub race: String,
    /// Weeks until the race (4-30); or give `race_date`.
    #[serde(default)]
    pub weeks: Option<i64>,
    /// Race day (YYYY-MM-DD).
    #[serde(default)]
    pub race_date: Option<String>,
    /// First day of the plan (YYYY-MM-DD; default today).
    #[serde(default)]
    pub start_date: Option<String>,
    /// beginner, intermediate or advanced; or give `ctl`.
    #[serde(default)]
    pub level: Option<String>,
    /// Chronic training load; sets the level when `level` is absent.
    #[serde(default)]
    pub ctl: Option<f64>,
    /// Running days per week (3-7, default 5).
    #[serde(default)]
    pub days_per_week: Option<i64>,
    /// A philosophy id to use.
    #[serde(default)]
    pub philosophy: Option<String>,
    /// strict (default) or semantic.
    #[serde(default)]
    pub mode: Option<String>,
    /// Km the athlete runs a week now (default by level: 20, 40, 60).
    #[serde(default)]
    pub weekly_km: Option<f64>,
    /// The athlete's current longest run in km (default 30% of `weekly_km`).
    #[serde(default)]
    pub long_run_km: Option<f64>,
    /// A recent race result, for paces (or give `goal_time`).
    #[serde(default)]
    pub recent_race: Option<RecentRace>,
    /// Goal time of the target race, HH:MM:SS (or give `recent_race`).
    #[serde(default)]
    pub goal_time: Option<String>,
    /// km (default) or mi: adds distances in miles and paces per mile.
    #[serde(default)]
    pub units: Option<String>,
}

/// One selected item: what was asked, how well it matched, and the item itself.
#[derive(Clone, Debug, Serialize)]
pub struct Selected {
    /// Item id.
    pub id: String,
    /// Similarity of the query and the item (higher is better).
    pub score: f32,
    /// The query text (a canonical text, baked into the `queries` collection).
    pub query: String,
    /// The item's metadata.
    pub metadata: serde_json::Map<String, Value>,
    /// The item's payload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
    /// The item's text, when stored (knowledge passages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Selected {
    /// A metadata value as a string.
    pub fn meta_str(&self, key: &str) -> Option<&str> {
        self.metadata.get(key)?.as_str()
    }
}

/// Serializes a shared selection as the selection itself (serde's `rc` feature is off).
fn shared<S: Serializer>(value: &Arc<Selected>, serializer: S) -> Result<S::Ok, S::Error> {
    Selected::serialize(value, serializer)
}

/// Serializes an optional shared selection as the selection or null.
fn shared_opt<S: Serializer>(
    value: &Option<Arc<Selected>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    value.as_deref().serialize(serializer)
}

/// One day of a week.
#[derive(Clone, Debug, Serialize)]
pub struct Day {
    /// mon .. sun.
    pub day: &'static str,
    /// The session type of this day in the week structure.
    pub session_type: SessionType,
    /// The session template (absent only when none exists; a warning then says so). Shared:
    /// a plan repeats the same few templates, and cloning them dominated its cost.
    #[serde(serialize_with = "shared_opt")]
    pub template: Option<Arc<Selected>>,
    /// Date, distance, duration, paces and description (filled after selection).
    #[serde(flatten)]
    pub detail: DayDetail,
}

/// One week of the plan.
#[derive(Clone, Debug, Serialize)]
pub struct Week {
    /// 1-based; the last week ends with the race.
    pub week: i64,
    /// base, build, peak or taper.
    pub phase: Phase,
    /// Days from the week's first day to race day.
    pub days_to_race: i64,
    /// The week structure (shared by the weeks that use it).
    #[serde(serialize_with = "shared")]
    pub structure: Arc<Selected>,
    /// Seven days, mon to sun.
    pub days: Vec<Day>,
    /// Volume, long run, cutback and focus (filled after selection).
    #[serde(flatten)]
    pub detail: WeekDetail,
}

/// A knowledge passage and what it backs.
#[derive(Clone, Debug, Serialize)]
pub struct Passage {
    /// `philosophy`, `taper`, or `race_and_level` (a fallback when neither has a passage).
    pub backs: &'static str,
    /// The passage.
    #[serde(flatten)]
    pub item: Selected,
}

/// A selected plan (its JSON shape is in DESIGN.md).
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// The request as understood (derived weeks, level, days and mode filled in).
    pub request: PlanRequest,
    /// The philosophy.
    pub philosophy: Selected,
    /// Every week, first to last.
    pub weeks: Vec<Week>,
    /// Up to three passages backing the philosophy and the taper.
    pub knowledge: Vec<Passage>,
    /// The athlete's volumes and paces behind the plan (filled after selection).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub training: Option<Training>,
    /// Relaxed constraints, contradictions and notes; empty for a plan that kept every rule.
    pub warnings: Vec<String>,
    /// Content hash of the index the plan came from.
    pub index_hash: String,
    /// Microseconds of compute for the whole plan.
    pub compute_us: f64,
}

/// Why a plan could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// A required field is missing.
    #[error("{0}")]
    MissingField(String),
    /// A field cannot be read (e.g. a date that is not YYYY-MM-DD).
    #[error("{message}")]
    Malformed {
        /// The field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// Fields that exclude each other.
    #[error("{0}")]
    Conflict(String),
    /// A value outside its vocabulary or range.
    #[error("{message}")]
    InvalidValue {
        /// The field.
        field: &'static str,
        /// What is wrong and what is accepted.
        message: String,
    },
    /// A value of the right type and sign that no runner has (500 km a week, a 10k in 5 min).
    #[error("{message}")]
    Implausible {
        /// The field.
        field: &'static str,
        /// What is implausible and what is accepted.
        message: String,
    },
    /// The requested philosophy is not in the index.
    #[error("unknown philosophy {id:?}; this index has: {known}")]
    UnknownPhilosophy {
        /// The id asked for.
        id: String,
        /// Ids available, comma separated.
        known: String,
    },
    /// The requested philosophy does not fit the request.
    #[error("philosophy {id:?} does not fit this request: {}", reasons.join("; "))]
    UnsuitablePhilosophy {
        /// The id asked for.
        id: String,
        /// Each unmet requirement (race, level, days per week).
        reasons: Vec<String>,
    },
    /// No philosophy of the index supports the race at all.
    #[error("{0}")]
    NoPhilosophy(String),
    /// The baked index lacks a collection plans need.
    #[error("{0}")]
    IndexIncomplete(String),
    /// The index content has a gap the rules cannot bridge (e.g. no week structure at all).
    #[error("{0}")]
    ContentGap(String),
    /// A query text could not be embedded.
    #[error(transparent)]
    Embed(#[from] EmbedError),
    /// A search failed (a bug: selection only builds valid searches).
    #[error("internal search error")]
    Search(#[source] SearchError),
    /// A collection the plan reads fails its checksum.
    #[error(transparent)]
    IndexCorrupt(#[from] FormatError),
}

impl From<SearchError> for PlanError {
    fn from(e: SearchError) -> PlanError {
        match e {
            SearchError::IndexCorrupt(e) => PlanError::IndexCorrupt(e),
            e => PlanError::Search(e),
        }
    }
}

impl Coded for PlanError {
    fn code(&self) -> Code {
        match self {
            PlanError::MissingField(_) => Code::MissingField,
            PlanError::Malformed { .. } => Code::MalformedField,
            PlanError::Conflict(_) => Code::ConflictingFields,
            PlanError::InvalidValue { .. } => Code::InvalidValue,
            PlanError::Implausible { .. } => Code::ImplausibleValue,
            PlanError::UnknownPhilosophy { .. } => Code::UnknownPhilosophy,
            PlanError::UnsuitablePhilosophy { .. } => Code::UnsuitablePhilosophy,
            PlanError::NoPhilosophy(_) => Code::NoPhilosophy,
            PlanError::IndexIncomplete(_) => Code::IndexIncomplete,
            PlanError::ContentGap(_) => Code::ContentGap,
            PlanError::Embed(e) => e.code(),
            PlanError::Search(_) => Code::Internal,
            PlanError::IndexCorrupt(_) => Code::IndexCorrupt,
        }
    }
}

/// Selects a whole plan from `index`.
pub fn plan(index: &BakedIndex, request: &PlanRequest) -> Result<Plan, PlanError> {
    let started = Instant::now();
    let resolved = request::resolve(request)?;
    let mut plan = select::select(index, &resolved, request)?;
    detail::fill(&mut plan, &resolved);
    plan.compute_us = (started.elapsed().as_secs_f64() * 1e7).round() / 10.0;
    Ok(plan)
}
