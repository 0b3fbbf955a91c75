//! Request validation: from what callers send to the values selection works with. Missing or
//! unreadable fields are malformed (400); values outside the vocabulary or ranges are
//! unprocessable (422); each message names the field and what is accepted.

use time::macros::format_description;
use time::{Date, OffsetDateTime, Weekday, format_description::BorrowedFormatItem};

use crate::PlanError;
use crate::PlanRequest;
use crate::vocab::{DEFAULT_DAYS, Level, MAX_DAYS, MAX_WEEKS, MIN_DAYS, MIN_WEEKS, RACES, Race};

const DATE_FORMAT: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// Selection modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Hard constraints first, similarity second.
    Strict,
    /// Best cosine over every item, no filters (the old service).
    Semantic,
}

impl Mode {
    /// The mode's name in requests.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Strict => "strict",
            Mode::Semantic => "semantic",
        }
    }
}

/// A validated request.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    /// The race.
    pub race: Race,
    /// Weeks in the plan, 4-30.
    pub weeks: i64,
    /// The level, as given or derived from the chronic training load.
    pub level: Level,
    /// Running days per week, 3-7.
    pub days_per_week: i64,
    /// The philosophy asked for, if any.
    pub philosophy: Option<String>,
    /// Strict or semantic.
    pub mode: Mode,
    /// Things the caller should know (e.g. a race date that is not a Sunday).
    pub notes: Vec<String>,
    /// Volume, long run, fitness and units.
    pub athlete: super::athlete::Athlete,
}

fn invalid(field: &'static str, message: String) -> PlanError {
    PlanError::InvalidValue { field, message }
}

/// The member of `all` named `value` (by `name`), or an error listing every name.
fn one_of<T: Copy>(
    field: &'static str,
    value: &str,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<T, PlanError> {
    all.iter()
        .copied()
        .find(|t| name(*t) == value)
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|t| name(*t)).collect();
            invalid(
                field,
                format!(
                    "unknown {field} {value:?}; use one of: {}",
                    names.join(", ")
                ),
            )
        })
}

fn parse_date(field: &'static str, text: &str) -> Result<Date, PlanError> {
    Date::parse(text, DATE_FORMAT).map_err(|e| PlanError::Malformed {
        field,
        message: format!("{field} {text:?} is not a date of the form YYYY-MM-DD ({e})"),
    })
}

/// `weeks` when in range; `why` says where the number came from.
fn check_weeks(weeks: i64, field: &'static str, why: &str) -> Result<i64, PlanError> {
    if (MIN_WEEKS..=MAX_WEEKS).contains(&weeks) {
        Ok(weeks)
    } else {
        Err(invalid(
            field,
            format!("{why} {weeks} weeks; a plan spans {MIN_WEEKS} to {MAX_WEEKS} weeks"),
        ))
    }
}

/// Weeks from a race date: the plan's last week ends on race day.
fn weeks_to(
    race_date: &str,
    start_date: Option<&str>,
    notes: &mut Vec<String>,
) -> Result<i64, PlanError> {
    let race = parse_date("race_date", race_date)?;
    let start = match start_date {
        Some(s) => parse_date("start_date", s)?,
        None => OffsetDateTime::now_utc().date(),
    };
    let days = (race - start).whole_days();
    if days < 0 {
        return Err(invalid(
            "race_date",
            format!("race_date {race} is in the past (before the start date {start})"),
        ));
    }
    if race.weekday() != Weekday::Sunday {
        notes.push(format!(
            "race_date {race} is a {}; week patterns put the race on Sunday, so read the days \
             of the week as counted back from race day",
            race.weekday()
        ));
    }
    check_weeks(
        (days + 6) / 7,
        "race_date",
        &format!("race_date is {days} days after {start}, that is"),
    )
}

fn resolve_weeks(request: &PlanRequest, notes: &mut Vec<String>) -> Result<i64, PlanError> {
    if let Some(start) = &request.start_date {
        parse_date("start_date", start)?;
    }
    match (request.weeks, &request.race_date) {
        (Some(_), Some(_)) => Err(PlanError::Conflict(
            "give either weeks or race_date, not both".into(),
        )),
        (Some(weeks), None) => check_weeks(weeks, "weeks", "weeks asks for"),
        (None, Some(date)) => weeks_to(date, request.start_date.as_deref(), notes),
        (None, None) => Err(PlanError::MissingField(
            "give weeks (4-30) or race_date (YYYY-MM-DD)".into(),
        )),
    }
}

fn resolve_level(request: &PlanRequest, notes: &mut Vec<String>) -> Result<Level, PlanError> {
    if let Some(ctl) = request.ctl
        && !(ctl.is_finite() && ctl >= 0.0)
    {
        return Err(invalid(
            "ctl",
            format!("ctl must be a number >= 0, got {ctl}"),
        ));
    }
    match (&request.level, request.ctl) {
        (Some(level), ctl) => {
            let level = one_of("level", level, &Level::ALL, Level::as_str)?;
            if let Some(ctl) = ctl.filter(|&c| Level::for_ctl(c) != level) {
                notes.push(format!(
                    "level {level} was used; ctl {ctl} alone would mean {}",
                    Level::for_ctl(ctl)
                ));
            }
            Ok(level)
        }
        (None, Some(ctl)) => Ok(Level::for_ctl(ctl)),
        (None, None) => Err(PlanError::MissingField(
            "give level (beginner, intermediate, advanced) or ctl (chronic training load)".into(),
        )),
    }
}

fn resolve_days(request: &PlanRequest) -> Result<i64, PlanError> {
    let days = request.days_per_week.unwrap_or(DEFAULT_DAYS);
    if (MIN_DAYS..=MAX_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(invalid(
            "days_per_week",
            format!("days_per_week must be {MIN_DAYS} to {MAX_DAYS}, got {days}"),
        ))
    }
}

fn resolve_mode(request: &PlanRequest) -> Result<Mode, PlanError> {
    match request.mode.as_deref() {
        None | Some("strict") => Ok(Mode::Strict),
        Some("semantic") => Ok(Mode::Semantic),
        Some(other) => Err(invalid(
            "mode",
            format!("unknown mode {other:?}; use strict or semantic"),
        )),
    }
}

/// Validates a request.
pub fn resolve(request: &PlanRequest) -> Result<Resolved, PlanError> {
    if request.race.is_empty() {
        return Err(PlanError::MissingField(format!(
            "give race ({})",
            RACES.join(", ")
        )));
    }
    let race = one_of("race", &request.race, &Race::ALL, Race::as_str)?;
    let mut notes = Vec::new();
    let weeks = resolve_weeks(request, &mut notes)?;
    let level = resolve_level(request, &mut notes)?;
    let athlete = super::athlete::resolve(request, race, level)?;
    Ok(Resolved {
        race,
        weeks,
        level,
        days_per_week: resolve_days(request)?,
        philosophy: request.philosophy.clone().filter(|p| !p.is_empty()),
        mode: resolve_mode(request)?,
        notes,
        athlete,
    })
}

impl Resolved {
    /// The request as understood: the original fields with the derived values filled in.
    pub fn echo(&self, request: &PlanRequest) -> PlanRequest {
        PlanRequest {
            race: self.race.to_string(),
            weeks: Some(self.weeks),
            level: Some(self.level.to_string()),
            days_per_week: Some(self.days_per_week),
            mode: Some(self.mode.as_str().to_string()),
            weekly_km: Some(self.athlete.weekly_km),
            long_run_km: Some(self.athlete.long_run_km),
            units: Some(if self.athlete.miles { "mi" } else { "km" }.to_string()),
            ..request.clone()
        }
    }
}
