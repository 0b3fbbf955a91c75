//! Training-plan selection: a philosophy, a week structure per week and a session template per
//! day, plus the knowledge passages behind them, in one call.

pub mod queries;

use serde::{Deserialize, Serialize};

use crate::error::ErrorKind;
use crate::index::BakedIndex;

/// A plan request as callers send it (`POST /v1/plan`, CLI, direct, SQS, EventBridge).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
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
}

/// A selected plan (its JSON shape is in DESIGN.md).
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// The request as understood.
    pub request: PlanRequest,
}

/// Why a plan could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// Selection is not built yet.
    #[error("plan selection is not available in this build yet")]
    NotImplemented,
}

impl PlanError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            PlanError::NotImplemented => "not_implemented",
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            PlanError::NotImplemented => ErrorKind::Unavailable,
        }
    }
}

/// Selects a whole plan from `index`.
pub fn plan(_index: &BakedIndex, _request: &PlanRequest) -> Result<Plan, PlanError> {
    Err(PlanError::NotImplemented)
}
