//! The pass after selection that makes a plan concrete: every week's volume, long run,
//! cutback and focus; every day's date, distance, duration, paces and rendered description;
//! and the plan as an iCalendar file. The numbers come from [`super::volume`] and
//! [`super::pace`]; this file only maps them onto the selected weeks and days.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::{Date, Duration};

use super::athlete::Athlete;
use super::calendar::{self, Event};
use super::pace::{self, METRES_PER_MILE, Paces};
use super::request::Resolved;
use super::vocab::{PhaseKind, Race, SessionType};
use super::volume::{self, Inputs, Tenths, km, tenths};
use super::{Day, Plan, PlanRequest, Week};

/// Volume, long run, cutback and focus of a week (flattened into the week's JSON).
#[derive(Clone, Debug, Default, Serialize)]
pub struct WeekDetail {
    /// The week's running volume, the race included; its days add up to it exactly.
    pub volume_km: f64,
    /// The same in miles (with `units: mi`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_mi: Option<f64>,
    /// The long run (absent in the race week).
    pub long_run_km: Option<f64>,
    /// The same in miles (with `units: mi`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_run_mi: Option<f64>,
    /// A cutback (recovery) week.
    pub cutback: bool,
    /// What the week is for (the structure's focus; cutback weeks say so).
    pub focus: Option<String>,
}

/// Date, distance, duration, paces and description of a day (flattened into the day's JSON).
#[derive(Clone, Debug, Default, Serialize)]
pub struct DayDetail {
    /// YYYY-MM-DD, when `start_date` or `race_date` fixes the calendar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Distance of a running day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
    /// The same in miles (with `units: mi`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_mi: Option<f64>,
    /// Minutes: of the run at its paces, of the race at its predicted or goal time, of a
    /// cross-training session as its template says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_min: Option<i64>,
    /// Target paces of the intensities the session uses (when a recent race or goal is known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paces: Option<BTreeMap<&'static str, String>>,
    /// The session with this week's numbers in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The athlete's numbers behind the plan.
#[derive(Clone, Debug, Serialize)]
pub struct Training {
    /// `km` or `mi` (distances in JSON are always km; `_mi` fields are added for `mi`).
    pub units: &'static str,
    /// Weekly volume the plan starts from.
    pub weekly_km: f64,
    /// Longest run the plan starts from.
    pub long_run_km: f64,
    /// The peak the race x level table and the running days aim at.
    pub target_peak_km: f64,
    /// The highest week before the taper.
    pub peak_km: f64,
    /// The longest long run of the plan.
    pub longest_run_km: f64,
    /// The race distance (the ultra is planned as 50 km).
    pub race_km: f64,
    /// Daniels/Gilbert VDOT (the level's default when no race or goal is known).
    pub vdot: f64,
    /// `recent_race`, `goal_time` or `level_default` (durations only; no paces shown).
    pub pace_source: &'static str,
    /// Goal time, or the time VDOT predicts for the race (when known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub race_time: Option<String>,
    /// Every training pace (when known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paces: Option<BTreeMap<&'static str, String>>,
}

/// Session types whose structure text carries the numbers that progress within a phase.
fn progresses(session_type: SessionType) -> bool {
    session_type == SessionType::Strides
        || (session_type.is_hard() && session_type != SessionType::Race)
}

/// Seconds per km of a whole session: the share of its distance at each intensity.
fn session_pace(session_type: SessionType, p: &Paces, race: f64) -> f64 {
    use SessionType::*;
    let e = p.easy;
    match session_type {
        Recovery => 1.08 * e,
        Progression => 0.6 * e + 0.4 * p.marathon,
        Tempo => 0.6 * e + 0.4 * p.threshold,
        Threshold | CruiseIntervals => 0.65 * e + 0.35 * p.threshold,
        Vo2max => 0.75 * e + 0.25 * p.interval,
        Hills => 0.8 * e + 0.2 * p.interval,
        Fartlek => 0.7 * e + 0.3 * p.threshold,
        RacePace => 0.5 * e + 0.5 * race,
        Race => race,
        Easy | Strides | Long | BackToBack | Rest | CrossTraining => e,
    }
}

/// The intensities a session's paces list.
fn session_intensities(session_type: SessionType) -> &'static [&'static str] {
    use SessionType::*;
    match session_type {
        Strides => &["easy", "repetition"],
        Progression => &["easy", "marathon", "threshold"],
        Tempo | Threshold | CruiseIntervals => &["easy", "threshold"],
        Vo2max | Hills => &["easy", "interval"],
        Fartlek => &["easy", "threshold", "interval"],
        RacePace => &["easy", "race"],
        Race => &["race"],
        Easy | Recovery | Long | BackToBack | Rest | CrossTraining => &["easy"],
    }
}

fn pace_of(name: &str, p: &Paces, race: f64) -> f64 {
    if name == "race" {
        race
    } else {
        p.get(name).unwrap_or(p.easy)
    }
}

/// The structure text with every range of reps, minutes, seconds, hours, km or metres
/// (`4-6 x`, `20-30 min`, `8-12 km`) replaced by the value at `progress` (0 = low end,
/// 1 = high end). Percentages, paces (`3-5k`), ladders (`3-5-7-5-3`) stay as written.
pub fn render_structure(text: &str, progress: f64) -> String {
    const UNITS: [&str; 11] = [
        "x", "min", "km", "s", "h", "m", "sets", "reps", "rounds", "laps", "miles",
    ];
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let number_end = |mut j: usize| {
        while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b'.') {
            j += 1;
        }
        j
    };
    while i < bytes.len() {
        let starts = bytes[i].is_ascii_digit()
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || b".-".contains(&bytes[i - 1])));
        if !starts {
            let ch = text[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        let a_end = number_end(i);
        let range =
            bytes.get(a_end) == Some(&b'-') && bytes.get(a_end + 1).is_some_and(u8::is_ascii_digit);
        if !range {
            out.push_str(&text[i..a_end]);
            i = a_end;
            continue;
        }
        let b_end = number_end(a_end + 1);
        let after = &text[b_end..];
        let word: String = after
            .trim_start_matches(' ')
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        let spaced = after.len() - after.trim_start_matches(' ').len();
        let next = after[spaced + word.len()..].chars().next();
        let unit_ok = !after.starts_with('-')
            && UNITS.contains(&word.as_str())
            && !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '/');
        let (a, b) = (
            text[i..a_end].parse::<f64>(),
            text[a_end + 1..b_end].parse::<f64>(),
        );
        match (a, b) {
            (Ok(a), Ok(b)) if unit_ok && b >= a => {
                let value = a + progress.clamp(0.0, 1.0) * (b - a);
                let decimals = text[i..b_end].contains('.');
                let value = if decimals {
                    (value * 2.0).round() / 2.0
                } else {
                    value.round()
                };
                let _ = write!(out, "{value}");
            }
            _ => out.push_str(&text[i..b_end]),
        }
        i = b_end;
    }
    out
}

/// A structure that states a fixed number of reps (the payload's `reps`, written `N x`)
/// builds up to it: 75% of the reps (rounded) at `progress` 0, all of them at 1.
pub fn build_reps(text: &str, reps: Option<i64>, progress: f64) -> String {
    let Some(n) = reps.filter(|n| *n >= 3) else {
        return text.to_string();
    };
    let marker = format!("{n} x ");
    let at = text.match_indices(&marker).map(|(i, _)| i).find(|&i| {
        i == 0 || !text.as_bytes()[i - 1].is_ascii_alphanumeric() && text.as_bytes()[i - 1] != b'-'
    });
    let Some(at) = at else {
        return text.to_string();
    };
    let now = (n as f64 * (0.75 + 0.25 * progress.clamp(0.0, 1.0))).round() as i64;
    format!("{}{now} x {}", &text[..at], &text[at + marker.len()..])
}

/// Where a week stands in its phase, for workouts that progress: 0 at the phase's first week
/// (and in cutback, taper and race weeks), 1 at its last; a one-week phase sits in the middle.
fn phase_progress(labels: &[PhaseKind], cutbacks: &[bool], week: usize) -> f64 {
    let label = labels[week];
    if cutbacks[week] || label.tapering() {
        return 0.0;
    }
    let first = (0..=week)
        .rev()
        .take_while(|&i| labels[i] == label)
        .last()
        .unwrap_or(week);
    let last = (week..labels.len())
        .take_while(|&i| labels[i] == label)
        .last()
        .unwrap_or(week);
    if last == first {
        0.5
    } else {
        (week - first) as f64 / (last - first) as f64
    }
}

fn mi_tenths(t: Tenths) -> Tenths {
    (t as f64 * 1000.0 / METRES_PER_MILE).round() as Tenths
}

/// Day distances in miles that add up to the week's miles exactly.
fn days_in_miles(days: &[Tenths]) -> (Tenths, Vec<Tenths>) {
    let total = mi_tenths(days.iter().sum());
    let shares: Vec<f64> = days
        .iter()
        .map(|&t| t as f64 * 1000.0 / METRES_PER_MILE)
        .collect();
    (total, volume::largest_remainder(&shares, total))
}

fn payload_str<'v>(payload: Option<&'v Value>, key: &str) -> Option<&'v str> {
    payload?.get(key)?.as_str()
}

/// Race day, when the request fixes the calendar: `race_date`, or `start_date` plus the weeks.
fn race_day(request: &PlanRequest, weeks: i64) -> Option<Date> {
    let parse = |s: &str| Date::parse(s, &time::format_description::well_known::Iso8601::DATE).ok();
    match (&request.race_date, &request.start_date) {
        (Some(race), _) => parse(race),
        (None, Some(start)) => parse(start)?.checked_add(Duration::days(7 * weeks - 1)),
        (None, None) => None,
    }
}

/// A request for a calendar: when neither `start_date` nor `race_date` fixes the dates, the
/// plan starts on the first Monday on or after `today`.
pub fn calendar_request_today(request: &PlanRequest) -> PlanRequest {
    calendar_request(request, time::OffsetDateTime::now_utc().date())
}

/// [`calendar_request_today`] for a given today (tests).
pub fn calendar_request(request: &PlanRequest, today: Date) -> PlanRequest {
    let mut request = request.clone();
    if request.start_date.is_none() && request.race_date.is_none() {
        let ahead = (7 + 1 - i64::from(today.weekday().number_from_monday())) % 7;
        let monday = today.checked_add(Duration::days(ahead)).unwrap_or(today);
        request.start_date = Some(monday.to_string());
    }
    request
}

fn race_label(race: &str) -> &str {
    match race {
        "half_marathon" => "half marathon",
        "ultra" => "ultra (planned as 50 km)",
        other => other,
    }
}

struct Context {
    race: Race,
    paces: Paces,
    race_pace: f64,
    known: bool,
    miles: bool,
}

impl Context {
    fn distance(&self, km_t: Tenths, mi_t: Option<Tenths>) -> String {
        match mi_t {
            Some(mi) if self.miles => format!("{} mi ({} km)", km(mi), km(km_t)),
            _ => format!("{} km", km(km_t)),
        }
    }

    fn paces_of(&self, session_type: SessionType) -> BTreeMap<&'static str, String> {
        session_intensities(session_type)
            .iter()
            .map(|n| {
                (
                    *n,
                    pace::format_pace(pace_of(n, &self.paces, self.race_pace), self.miles),
                )
            })
            .collect()
    }
}

/// Fills volumes, distances, durations, paces, descriptions and dates into a selected plan.
pub(super) fn fill(plan: &mut Plan, r: &Resolved) {
    let athlete: &Athlete = &r.athlete;
    let vdot = athlete
        .fitness
        .as_ref()
        .map_or_else(|| pace::default_vdot(r.level), |f| f.vdot);
    let paces = pace::training_paces(vdot);
    let race_km = volume::race_km(r.race);
    let race_seconds = match athlete.fitness.as_ref().and_then(|f| f.goal_seconds) {
        Some(goal) => goal,
        None if r.race == Race::Ultra => paces.easy * race_km,
        None => pace::race_seconds(vdot, race_km * 1000.0),
    };
    let ctx = Context {
        race: r.race,
        paces,
        race_pace: race_seconds / race_km,
        known: athlete.fitness.is_some(),
        miles: athlete.miles,
    };
    let labels: Vec<PhaseKind> = plan
        .weeks
        .iter()
        .map(|w| r.race.phase_kind(w.days_to_race))
        .collect();
    let days_per_week = plan.request.days_per_week.unwrap_or(r.days_per_week);
    let inputs = Inputs {
        race: r.race,
        level: r.level,
        days_per_week,
        phases: &labels,
        weekly_km: athlete.weekly_km,
        long_run_km: athlete.long_run_km,
        easy_sec_per_km: paces.easy,
    };
    let progression = volume::progression(&inputs);
    let cutbacks: Vec<bool> = progression.weeks.iter().map(|w| w.cutback).collect();
    let race_date = race_day(&plan.request, plan.weeks.len() as i64);
    let mut notes = progression.notes.clone();
    let mut short_from: Option<i64> = None;
    for (i, (week, load)) in plan.weeks.iter_mut().zip(&progression.weeks).enumerate() {
        let progress = phase_progress(&labels, &cutbacks, i);
        let first_day = race_date.and_then(|d| d.checked_sub(Duration::days(week.days_to_race)));
        let race = if labels[i] == PhaseKind::RaceWeek {
            load.race
        } else {
            0
        };
        fill_week(week, load, race, progress, first_day, &ctx, &mut notes);
        if race == 0
            && week.days.iter().any(|d| {
                d.detail
                    .distance_km
                    .is_some_and(|k| k < volume::SHORT_RUN_KM)
            })
        {
            short_from.get_or_insert(week.week);
        }
    }
    if let Some(week) = short_from {
        notes.push(format!(
            "volume: from week {week}, {days_per_week} running days leave some runs under {} km; fewer \
             running days would make each run count",
            volume::SHORT_RUN_KM
        ));
    }
    let all_paces: BTreeMap<&'static str, String> = Paces::NAMES
        .iter()
        .chain(&["race"])
        .map(|n| {
            (
                *n,
                pace::format_pace(pace_of(n, &paces, ctx.race_pace), ctx.miles),
            )
        })
        .collect();
    plan.training = Some(Training {
        units: if athlete.miles { "mi" } else { "km" },
        weekly_km: athlete.weekly_km,
        long_run_km: athlete.long_run_km,
        target_peak_km: km(progression.target_peak),
        peak_km: km(progression.peak),
        longest_run_km: km(progression.longest),
        race_km: km(tenths(race_km)),
        vdot: (vdot * 10.0).round() / 10.0,
        pace_source: athlete
            .fitness
            .as_ref()
            .map_or("level_default", |f| f.source),
        race_time: ctx.known.then(|| pace::format_time(race_seconds)),
        paces: ctx.known.then_some(all_paces),
    });
    plan.warnings.extend(notes);
}

fn fill_week(
    week: &mut Week,
    load: &volume::WeekLoad,
    race: Tenths,
    progress: f64,
    first_day: Option<Date>,
    ctx: &Context,
    notes: &mut Vec<String>,
) {
    let types: Vec<SessionType> = week.days.iter().map(|d| d.session_type).collect();
    let distances = volume::split_week(load.volume, load.long_run, race, &types);
    let race_day = (race > 0).then(|| volume::race_day(&types)).flatten();
    let long_day = (load.long_run > 0)
        .then(|| volume::long_day(&types, race_day))
        .flatten();
    let total: Tenths = distances.iter().sum();
    if race > 0 && race_day.is_none() {
        notes.push(format!(
            "volume: week {}: the race week has no running day to hold the race",
            week.week
        ));
    } else if total != load.volume {
        notes.push(format!(
            "volume: week {}: the week has no running day to hold its {} km",
            week.week,
            km(load.volume)
        ));
    }
    if let Some(d) = race_day.filter(|&d| types[d] != SessionType::Race) {
        notes.push(format!(
            "volume: week {}: the race week's structure has no race day; the race is on {}",
            week.week, week.days[d].day
        ));
    }
    let (total_mi, miles) = if ctx.miles {
        let (t, m) = days_in_miles(&distances);
        (Some(t), Some(m))
    } else {
        (None, None)
    };
    let focus = payload_str(week.structure.payload.as_ref(), "focus").map(str::to_string);
    week.detail = WeekDetail {
        volume_km: km(total),
        volume_mi: total_mi.map(km),
        long_run_km: long_day.map(|d| km(distances[d])),
        long_run_mi: long_day.and_then(|d| miles.as_ref().map(|m| km(m[d]))),
        cutback: load.cutback,
        focus: if load.cutback {
            Some(format!(
                "cutback week, {:.0}% less volume: {}",
                (1.0 - volume::CUTBACK) * 100.0,
                focus.as_deref().unwrap_or("recovery")
            ))
        } else {
            focus
        },
    };
    for (d, day) in week.days.iter_mut().enumerate() {
        let date = first_day.and_then(|f| f.checked_add(Duration::days(d as i64)));
        let is_race = Some(d) == race_day;
        let mi = miles.as_ref().map(|m| m[d]);
        day.detail = day_detail(day, distances[d], mi, is_race, progress, ctx);
        day.detail.date = date.map(|d| d.to_string());
    }
}

fn day_detail(
    day: &Day,
    distance: Tenths,
    mi: Option<Tenths>,
    is_race: bool,
    progress: f64,
    ctx: &Context,
) -> DayDetail {
    let payload = day.template.as_ref().and_then(|t| t.payload.as_ref());
    let name = payload_str(payload, "name");
    let structure = payload_str(payload, "structure");
    let session_type = if is_race {
        SessionType::Race
    } else {
        day.session_type
    };
    if !is_race && !session_type.is_running() {
        let minutes = payload
            .and_then(|p| p.get("duration_min"))
            .and_then(Value::as_i64)
            .filter(|m| *m > 0);
        let mut text = String::new();
        text += name.unwrap_or(if session_type == SessionType::Rest {
            "Rest"
        } else {
            "Cross-training"
        });
        if let Some(s) = structure {
            let _ = write!(text, ": {s}");
        }
        if let Some(m) = minutes {
            let _ = write!(text, ". About {m} min");
        }
        text.push('.');
        return DayDetail {
            duration_min: minutes,
            description: Some(text),
            ..DayDetail::default()
        };
    }
    let pace = session_pace(session_type, &ctx.paces, ctx.race_pace);
    let minutes = (km(distance) * pace / 60.0).round() as i64;
    let paces = ctx.paces_of(session_type);
    let mut text = String::new();
    if is_race {
        let _ = write!(
            text,
            "Race day: {}, {}",
            race_label(ctx.race.as_str()),
            ctx.distance(distance, mi)
        );
        if ctx.known {
            let _ = write!(
                text,
                ". Target {} ({})",
                pace::format_time(ctx.race_pace * volume::race_km(ctx.race)),
                paces.get("race").map_or("", String::as_str)
            );
        }
    } else {
        text += name.unwrap_or(session_type.as_str());
        if let Some(s) = structure {
            let rendered = if progresses(session_type) {
                let reps = payload.and_then(|p| p.get("reps")).and_then(Value::as_i64);
                build_reps(&render_structure(s, progress), reps, progress)
            } else {
                s.to_string()
            };
            let _ = write!(text, ": {rendered}");
        }
        let _ = write!(
            text,
            ". {} in about {minutes} min",
            ctx.distance(distance, mi)
        );
        if ctx.known {
            let listed: Vec<String> = paces.iter().map(|(n, p)| format!("{n} {p}")).collect();
            let _ = write!(text, ". Paces: {}", listed.join(", "));
        }
    }
    text.push('.');
    DayDetail {
        date: None,
        distance_km: Some(km(distance)),
        distance_mi: mi.map(km),
        duration_min: Some(minutes),
        paces: ctx.known.then_some(paces),
        description: Some(text),
    }
}

/// The UID of the event of `day` (mon..sun) of `week`: a hash of the race and race day with
/// the week and day, so importing a revised plan for the same race updates its events instead
/// of duplicating them. `None` when the plan has no dates.
pub fn event_uid(plan: &Plan, week: i64, day: &str) -> Option<String> {
    let race_date = race_day(&plan.request, plan.weeks.len() as i64)?;
    Some(uid_with(&uid_key(&plan.request.race, race_date), week, day))
}

fn uid_key(race: &str, race_date: Date) -> String {
    let digest = Sha256::digest(format!("plan-index|{race}|{race_date}").as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

fn uid_with(key: &str, week: i64, day: &str) -> String {
    format!("{key}-w{week:02}-{day}@plan-index")
}

/// The plan as an RFC 5545 calendar: one all-day event per running day (UIDs as
/// [`event_uid`]). `None` when the plan has no dates (the request fixed neither `start_date`
/// nor `race_date`; see [`calendar_request`]).
pub fn ics(plan: &Plan) -> Option<String> {
    let race = plan.request.race.as_str();
    let weeks = plan.weeks.len() as i64;
    let race_date = race_day(&plan.request, weeks)?;
    let key = uid_key(race, race_date);
    let mut events = Vec::new();
    for week in &plan.weeks {
        for day in &week.days {
            let (Some(distance), Some(date)) = (day.detail.distance_km, &day.detail.date) else {
                continue;
            };
            let date =
                Date::parse(date, &time::format_description::well_known::Iso8601::DATE).ok()?;
            let is_race = day
                .detail
                .description
                .as_deref()
                .is_some_and(|d| d.starts_with("Race day"));
            let what = if is_race {
                format!("Race: {}", race_label(race))
            } else {
                day.template
                    .as_ref()
                    .and_then(|t| payload_str(t.payload.as_ref(), "name"))
                    .unwrap_or(day.session_type.as_str())
                    .to_string()
            };
            let shown = match day.detail.distance_mi {
                Some(mi) => format!("{mi} mi"),
                None => format!("{distance} km"),
            };
            events.push(Event {
                uid: uid_with(&key, week.week, day.day),
                date,
                summary: format!("W{} {what}, {shown}", week.week),
                description: day.detail.description.clone().unwrap_or_default(),
            });
        }
    }
    let first = race_date.checked_sub(Duration::days(7 * weeks - 1))?;
    let name = format!("{} plan, {weeks} weeks, race {race_date}", race_label(race));
    Some(calendar::write(&name, first, &events))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_progress_and_the_rest_stays() {
        let s = "15 min easy, 4-6 x 5 min at threshold with 1 min jog, 10 min easy";
        assert_eq!(
            render_structure(s, 0.0),
            "15 min easy, 4 x 5 min at threshold with 1 min jog, 10 min easy"
        );
        assert_eq!(
            render_structure(s, 1.0),
            "15 min easy, 6 x 5 min at threshold with 1 min jog, 10 min easy"
        );
        let kept = "3-5-7-5-3 min at 80-85% of 3-5k pace, 5k-10k effort, lactate 2-3 mmol/L";
        assert_eq!(render_structure(kept, 1.0), kept);
        assert_eq!(
            render_structure("8-10 x 30-60 s, then 2.5-4 h easy", 0.5),
            "9 x 45 s, then 3.5 h easy"
        );
    }

    #[test]
    fn fixed_reps_build_up_to_the_template() {
        let s = "15 min easy, 4 x 2 km at threshold pace, 10 min easy";
        assert_eq!(build_reps(s, Some(4), 0.0), s.replace("4 x", "3 x"));
        assert_eq!(build_reps(s, Some(4), 1.0), s);
        assert_eq!(build_reps(s, Some(5), 0.0), s);
        assert_eq!(build_reps("14 x 1 min", Some(4), 0.0), "14 x 1 min");
    }

    #[test]
    fn calendars_start_on_a_monday() {
        let wednesday = Date::from_calendar_date(2026, time::Month::May, 6).unwrap_or(Date::MIN);
        let r = calendar_request(&PlanRequest::default(), wednesday);
        assert_eq!(r.start_date.as_deref(), Some("2026-05-11"));
        let monday = Date::from_calendar_date(2026, time::Month::May, 11).unwrap_or(Date::MIN);
        assert_eq!(
            calendar_request(&PlanRequest::default(), monday)
                .start_date
                .as_deref(),
            Some("2026-05-11")
        );
    }
}
