//! What the athlete brings: current weekly volume and longest run, a recent race or a goal
//! time, and the units of the output. Validation follows request.rs: unreadable values are
//! malformed (400), values outside their range are invalid (422), and values inside the type's
//! range but beyond what a runner does (500 km a week, a 10k in 5 minutes) are implausible
//! (422). Every message names the field.

use serde::{Deserialize, Serialize};

use super::pace::{self, MAX_VDOT, MIN_VDOT, MODEL_MAX_KM, MODEL_MIN_KM};
use super::vocab::{Level, Race};
use super::volume;
use super::{PlanError, PlanRequest};

/// Most weekly volume accepted (km); more is implausible.
pub const MAX_WEEKLY_KM: f64 = 250.0;
/// Longest current long run accepted (km); more is implausible.
pub const MAX_LONG_RUN_KM: f64 = 100.0;

/// A race distance: a name (`5k`, `10k`, `half_marathon`, `marathon`) or kilometres.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum RaceDistance {
    /// Kilometres (1.5 to 42.195, the range of the pace model).
    Km(f64),
    /// A named distance, or kilometres as text (`"21.1"`).
    Name(String),
}

/// A recent race result: the athlete's current fitness.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RecentRace {
    /// `5k`, `10k`, `half_marathon`, `marathon` or a number of km.
    pub distance: RaceDistance,
    /// `HH:MM:SS` (or `MM:SS`).
    pub time: String,
}

/// Where the paces come from.
#[derive(Clone, Debug, PartialEq)]
pub struct Fitness {
    /// Daniels/Gilbert VDOT.
    pub vdot: f64,
    /// `recent_race` or `goal_time`.
    pub source: &'static str,
    /// The goal time of the target race (seconds), when given.
    pub goal_seconds: Option<f64>,
}

/// The validated athlete fields.
#[derive(Clone, Debug, PartialEq)]
pub struct Athlete {
    /// Current weekly volume (given, or the level's default).
    pub weekly_km: f64,
    /// Current longest run (given, or derived from `weekly_km`).
    pub long_run_km: f64,
    /// Fitness from a recent race or a goal time.
    pub fitness: Option<Fitness>,
    /// Output distances in miles as well.
    pub miles: bool,
}

fn invalid(field: &'static str, message: String) -> PlanError {
    PlanError::InvalidValue { field, message }
}

fn implausible(field: &'static str, message: String) -> PlanError {
    PlanError::Implausible { field, message }
}

/// Kilometres of a named distance.
pub fn named_km(name: &str) -> Option<f64> {
    match name {
        "5k" => Some(5.0),
        "10k" => Some(10.0),
        "half_marathon" => Some(21.0975),
        "marathon" => Some(42.195),
        _ => None,
    }
}

/// Kilometres of a recent race's distance.
fn distance_km(distance: &RaceDistance) -> Result<f64, PlanError> {
    const FIELD: &str = "recent_race.distance";
    let km = match distance {
        RaceDistance::Km(km) => *km,
        RaceDistance::Name(name) => match named_km(name) {
            Some(km) => km,
            None => name.trim().parse::<f64>().map_err(|_| PlanError::Malformed {
                field: FIELD,
                message: format!(
                    "{FIELD} {name:?} is neither 5k, 10k, half_marathon, marathon nor a number of km"
                ),
            })?,
        },
    };
    if !(km.is_finite() && (MODEL_MIN_KM..=MODEL_MAX_KM + 1e-9).contains(&km)) {
        return Err(invalid(
            FIELD,
            format!(
                "{FIELD} must be {MODEL_MIN_KM} to {MODEL_MAX_KM} km (the range of the pace \
                 model), got {km}"
            ),
        ));
    }
    Ok(km)
}

fn seconds(field: &'static str, text: &str) -> Result<f64, PlanError> {
    let seconds = pace::parse_time(text).ok_or_else(|| PlanError::Malformed {
        field,
        message: format!("{field} {text:?} is not a time of the form HH:MM:SS"),
    })?;
    if seconds <= 0.0 {
        return Err(invalid(field, format!("{field} must be longer than zero")));
    }
    Ok(seconds)
}

/// VDOT of `km` in `secs`, refused when no runner (or no living one) runs like that.
fn plausible_vdot(field: &'static str, km: f64, secs: f64, text: &str) -> Result<f64, PlanError> {
    let value = pace::vdot(km * 1000.0, secs);
    if !(MIN_VDOT..=MAX_VDOT).contains(&value) {
        let pace = pace::format_pace(secs / km, false);
        return Err(implausible(
            field,
            format!(
                "{field} {text} for {km} km ({pace}) means a VDOT of {value:.1}; plausible \
                 results lie between VDOT {MIN_VDOT} and {MAX_VDOT}"
            ),
        ));
    }
    Ok(value)
}

fn fitness(request: &PlanRequest, race: Race) -> Result<Option<Fitness>, PlanError> {
    match (&request.recent_race, &request.goal_time) {
        (Some(_), Some(_)) => Err(PlanError::Conflict(
            "give either recent_race or goal_time, not both".into(),
        )),
        (Some(recent), None) => {
            let km = distance_km(&recent.distance)?;
            let secs = seconds("recent_race.time", &recent.time)?;
            let vdot = plausible_vdot("recent_race.time", km, secs, &recent.time)?;
            Ok(Some(Fitness {
                vdot,
                source: "recent_race",
                goal_seconds: None,
            }))
        }
        (None, Some(goal)) => {
            let km = named_km(race.as_str()).ok_or_else(|| {
                invalid(
                    "goal_time",
                    format!(
                        "goal_time works for 5k to marathon races (the range of the pace model); \
                         for {race}, give recent_race instead"
                    ),
                )
            })?;
            let secs = seconds("goal_time", goal)?;
            let vdot = plausible_vdot("goal_time", km, secs, goal)?;
            Ok(Some(Fitness {
                vdot,
                source: "goal_time",
                goal_seconds: Some(secs),
            }))
        }
        (None, None) => Ok(None),
    }
}

fn positive(field: &'static str, value: f64, max: f64) -> Result<f64, PlanError> {
    if !(value.is_finite() && value > 0.0) {
        return Err(invalid(
            field,
            format!("{field} must be a number of km above 0, got {value}"),
        ));
    }
    if value > max {
        return Err(implausible(
            field,
            format!("{field} {value} km is implausible; at most {max} km is accepted"),
        ));
    }
    Ok(value)
}

/// Validates the athlete fields of a request for `race` at `level`.
pub fn resolve(request: &PlanRequest, race: Race, level: Level) -> Result<Athlete, PlanError> {
    let weekly_km = match request.weekly_km {
        Some(km) => positive("weekly_km", km, MAX_WEEKLY_KM)?,
        None => volume::default_weekly_km(level),
    };
    let long_run_km = match request.long_run_km {
        Some(km) => positive("long_run_km", km, MAX_LONG_RUN_KM)?,
        None => volume::default_long_run_km(weekly_km),
    };
    if long_run_km > weekly_km {
        return Err(implausible(
            "long_run_km",
            format!(
                "long_run_km {long_run_km} is more than the whole week (weekly_km {weekly_km})"
            ),
        ));
    }
    let miles = match request.units.as_deref() {
        None | Some("km") => false,
        Some("mi") => true,
        Some(other) => {
            return Err(invalid(
                "units",
                format!("unknown units {other:?}; use km or mi"),
            ));
        }
    };
    Ok(Athlete {
        weekly_km,
        long_run_km,
        fitness: fitness(request, race)?,
        miles,
    })
}
