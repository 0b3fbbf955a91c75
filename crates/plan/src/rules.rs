//! The week rules of docs/sources.md as code: one checker for a weekly pattern, used to
//! validate the baked week structures and to audit every plan before it is returned (strict
//! plans must pass; semantic plans report what they break).

use serde_json::Value;

use crate::Plan;
use crate::meta::{meta_int, meta_str};
use crate::queries::{PHILOSOPHIES, WEEK_STRUCTURES};
use crate::schema::key;
use crate::vocab::{DAYS, Phase, PhaseKind, Race, SessionType, Window, adjacent};
use plan_index_core::BakedIndex;
use plan_index_core::Item;

/// A taper structure whose `days_to_race_max` is at most this is a race week.
pub const RACE_WEEK_MAX_DAYS: i64 = 7;
/// Hard sessions a taper week (the race week included) may hold at most.
pub const TAPER_MAX_HARD_DAYS: i64 = 1;
/// The day of the race in the race week (index into [`DAYS`]): sun.
pub const RACE_DAY: usize = 6;
/// Races whose weeks may add a `back_to_back` run the day after the long run.
pub const BACK_TO_BACK_RACES: [Race; 1] = [Race::Ultra];

/// What a weekly pattern must satisfy.
#[derive(Clone, Copy, Debug)]
pub struct WeekRules {
    /// The race (only ultra may have a back-to-back day).
    pub race: Race,
    /// The phase (taper weeks allow one hard day).
    pub phase: Phase,
    /// Whether this is the race week (`race` on sun instead of `long`).
    pub race_week: bool,
    /// Running days required.
    pub days_per_week: i64,
    /// The philosophy's hard-day limit.
    pub max_hard_days: i64,
}

/// A week's session types, mon to sun.
pub type Pattern = [SessionType; 7];

/// The session types of a payload's `pattern`, mon to sun, or why they cannot be read (a
/// missing day, or names outside the vocabulary).
pub fn pattern_of(payload: Option<&Value>) -> Result<Pattern, String> {
    let pattern = payload
        .and_then(|p| p.get("pattern"))
        .ok_or("payload has no pattern")?;
    let mut names = [""; 7];
    for (slot, day) in names.iter_mut().zip(DAYS) {
        *slot = pattern
            .get(day)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("pattern has no session type for {day}"))?;
    }
    let types = names.map(SessionType::parse);
    let unknown: Vec<&str> = names
        .iter()
        .zip(&types)
        .filter(|(_, t)| t.is_none())
        .map(|(name, _)| *name)
        .collect();
    if !unknown.is_empty() {
        return Err(format!("unknown session types {unknown:?}"));
    }
    Ok(types.map(|t| t.unwrap_or(SessionType::Rest)))
}

/// Everything `pattern` breaks (empty when it keeps every rule).
pub fn pattern_problems(pattern: &Pattern, rules: &WeekRules) -> Vec<String> {
    let mut problems = Vec::new();
    let running = pattern.iter().filter(|t| t.is_running()).count() as i64;
    if running != rules.days_per_week {
        problems.push(format!(
            "{running} running days, {} required",
            rules.days_per_week
        ));
    }
    let days_of =
        |kind: SessionType| -> Vec<usize> { (0..7).filter(|&i| pattern[i] == kind).collect() };
    let (longs, races, b2b) = (
        days_of(SessionType::Long),
        days_of(SessionType::Race),
        days_of(SessionType::BackToBack),
    );
    let anchor = if rules.race_week {
        if !longs.is_empty() || races != [RACE_DAY] {
            problems.push(format!(
                "the race week needs `race` on {} and no `long`",
                DAYS[RACE_DAY]
            ));
        }
        RACE_DAY
    } else {
        if !races.is_empty() {
            problems.push("`race` only belongs in the race week".into());
        }
        match longs[..] {
            [day] => day,
            _ => {
                problems.push(format!("{} long runs, exactly one required", longs.len()));
                return problems;
            }
        }
    };
    let mut anchors = vec![anchor];
    if !b2b.is_empty() {
        if !BACK_TO_BACK_RACES.contains(&rules.race) {
            let races: Vec<&str> = BACK_TO_BACK_RACES.iter().map(|r| r.as_str()).collect();
            problems.push(format!("`back_to_back` is only for {}", races.join(", ")));
        }
        if b2b != [(anchor + 1) % 7] || rules.race_week {
            problems.push("`back_to_back` must be one day, right after the long run".into());
        }
        anchors.extend(b2b);
    }
    hard_day_problems(pattern, &anchors, rules, &mut problems);
    problems
}

fn hard_day_problems(
    pattern: &Pattern,
    anchors: &[usize],
    rules: &WeekRules,
    problems: &mut Vec<String>,
) {
    let hard: Vec<usize> = (0..7).filter(|&i| pattern[i].is_hard()).collect();
    let spaced: Vec<usize> = hard
        .iter()
        .copied()
        .filter(|&i| pattern[i] != SessionType::Race)
        .collect();
    for &i in &spaced {
        let others = spaced
            .iter()
            .copied()
            .filter(|&j| j > i)
            .chain(anchors.iter().copied());
        for j in others.filter(|&j| adjacent(i, j)) {
            problems.push(format!(
                "hard day {} ({}) is next to {} ({})",
                DAYS[i], pattern[i], DAYS[j], pattern[j]
            ));
        }
    }
    let count = hard.len() as i64;
    if count > rules.max_hard_days {
        problems.push(format!(
            "{count} hard days, the philosophy allows {}",
            rules.max_hard_days
        ));
    }
    if rules.phase == Phase::Taper && count > TAPER_MAX_HARD_DAYS {
        problems.push(format!(
            "{count} hard days in a taper week (at most {TAPER_MAX_HARD_DAYS})"
        ));
    }
}

/// The hard sessions of a pattern (what `hard_days` must say).
pub fn hard_day_count(pattern: &Pattern) -> i64 {
    pattern.iter().filter(|t| t.is_hard()).count() as i64
}

/// The day a week is built around (what `long_run_day` must say): the race day in the race
/// week, else the day of its one `long` run (None when it has none or several).
pub fn long_run_day(pattern: &Pattern, race_week: bool) -> Option<&'static str> {
    if race_week {
        return Some(DAYS[RACE_DAY]);
    }
    let mut longs = (0..7).filter(|&i| pattern[i] == SessionType::Long);
    match (longs.next(), longs.next()) {
        (Some(day), None) => Some(DAYS[day]),
        _ => None,
    }
}

impl WeekRules {
    /// The rules of a week structure, from its metadata: a taper structure that ends at most
    /// [`RACE_WEEK_MAX_DAYS`] from the race is a race week.
    pub fn of_structure(
        race: Race,
        phase: Phase,
        days_per_week: i64,
        days_to_race_max: i64,
        max_hard_days: i64,
    ) -> WeekRules {
        WeekRules {
            race,
            phase,
            race_week: phase == Phase::Taper && days_to_race_max <= RACE_WEEK_MAX_DAYS,
            days_per_week,
            max_hard_days,
        }
    }

    /// The week's place in the season.
    pub fn kind(&self) -> PhaseKind {
        if self.race_week {
            return PhaseKind::RaceWeek;
        }
        PhaseKind::ALL
            .into_iter()
            .find(|k| *k != PhaseKind::RaceWeek && k.phase() == self.phase)
            .unwrap_or(PhaseKind::Taper)
    }
}

/// Everything a week structure breaks: the week rules for its pattern, and the days to race
/// it fits against the phase window of its race (`Race::window`).
pub fn structure_rule_problems(
    rules: &WeekRules,
    pattern: &Pattern,
    days_to_race: Window,
) -> Vec<String> {
    let mut problems = pattern_problems(pattern, rules);
    let kind = rules.kind();
    let window = rules.race.window(kind);
    if days_to_race != window {
        problems.push(format!(
            "days_to_race {}-{}, but the {} {} window is {}-{}",
            days_to_race.min,
            days_to_race.max,
            rules.race,
            kind.key(),
            window.min,
            window.max
        ));
    }
    problems
}

fn first_race<'a>(item: &Item<'a>) -> Option<&'a str> {
    match item.metadata.get(key::RACE_TYPES)? {
        plan_index_core::MetaRef::List(races) => races.first(),
        _ => None,
    }
}

/// The hard-day limit of philosophy `id` in `index` (None when unknown).
pub fn max_hard_days(index: &BakedIndex, id: &str) -> Option<i64> {
    // A corrupt collection answers nothing here; the plan's own access reports it.
    let philosophies = index.collection(PHILOSOPHIES).ok()??;
    let row = philosophies.position(id)?;
    meta_int(&philosophies.item(row), key::MAX_HARD_DAYS)
}

/// Checks every baked week structure against the rules; one line per problem.
pub fn check_week_structures(index: &BakedIndex) -> Vec<String> {
    let weeks = match index.collection(WEEK_STRUCTURES) {
        Ok(Some(weeks)) => weeks,
        Ok(None) => return vec![format!("the index has no {WEEK_STRUCTURES} collection")],
        Err(e) => return vec![e.to_string()],
    };
    weeks
        .items()
        .flat_map(|item| {
            structure_problems(index, &item)
                .into_iter()
                .map(move |p| format!("{}: {p}", item.id))
        })
        .collect()
}

/// What one week structure breaks.
pub fn structure_problems(index: &BakedIndex, item: &Item<'_>) -> Vec<String> {
    let fields = (
        meta_str(item, key::PHILOSOPHY_ID),
        first_race(item),
        meta_str(item, key::PHASE),
        meta_int(item, key::DAYS_PER_WEEK),
        meta_int(item, key::DAYS_TO_RACE_MIN),
        meta_int(item, key::DAYS_TO_RACE_MAX),
    );
    let (Some(philosophy), Some(race), Some(phase), Some(days), Some(min_days), Some(max_days)) =
        fields
    else {
        return vec![
            "metadata needs philosophy_id, race_types, phase, days_per_week, days_to_race_min, \
             days_to_race_max"
                .into(),
        ];
    };
    let Some(max_hard_days) = max_hard_days(index, philosophy) else {
        return vec![format!(
            "philosophy {philosophy:?} is not in the index (or has no max_hard_days)"
        )];
    };
    let payload = item.payload_json();
    let pattern = match pattern_of(payload.as_ref()) {
        Ok(pattern) => pattern,
        Err(e) => return vec![e],
    };
    let race = match Race::parse(race) {
        Ok(race) => race,
        Err(e) => return vec![e.to_string()],
    };
    let Some(phase) = Phase::parse(phase) else {
        return vec![format!("unknown phase {phase:?}")];
    };
    let rules = WeekRules::of_structure(race, phase, days, max_days, max_hard_days);
    let window = Window {
        min: min_days,
        max: max_days,
    };
    let mut problems = structure_rule_problems(&rules, &pattern, window);
    let hard = hard_day_count(&pattern);
    if meta_int(item, key::HARD_DAYS) != Some(hard) {
        problems.push(format!("metadata hard_days must be {hard}"));
    }
    problems
}

/// Everything a plan breaks: week rules, items of another philosophy or race, templates of
/// another session type, a last week that is not the race week. Empty for a sound plan.
pub fn plan_problems(plan: &Plan, max_hard_days: i64) -> Vec<String> {
    let race = match Race::parse(&plan.request.race) {
        Ok(race) => race,
        Err(e) => return vec![e.to_string()],
    };
    let days = plan.request.days_per_week.unwrap_or_default();
    let philosophy = plan.philosophy.id.as_str();
    let mut problems = Vec::new();
    for week in &plan.weeks {
        let mut add = |p: String| problems.push(format!("week {}: {p}", week.week));
        let structure = &week.structure;
        if structure.meta_str(key::PHILOSOPHY_ID) != Some(philosophy) {
            add(format!(
                "structure {} belongs to another philosophy",
                structure.id
            ));
        }
        if !list_has(&structure.metadata, key::RACE_TYPES, race.as_str()) {
            add(format!("structure {} is not for {race}", structure.id));
        }
        if week.days.len() != 7 {
            add(format!("{} days instead of 7", week.days.len()));
            continue;
        }
        let pattern: Pattern = std::array::from_fn(|i| week.days[i].session_type);
        let rules = WeekRules {
            race,
            phase: week.phase,
            race_week: week.days_to_race < RACE_WEEK_MAX_DAYS,
            days_per_week: days,
            max_hard_days,
        };
        pattern_problems(&pattern, &rules)
            .into_iter()
            .for_each(&mut add);
        for day in &week.days {
            template_problems(day, philosophy)
                .into_iter()
                .for_each(&mut add);
        }
    }
    match plan.weeks.last() {
        Some(last) if last.phase == Phase::Taper && last.days_to_race < RACE_WEEK_MAX_DAYS => {}
        _ => problems.push("the last week is not the race week".into()),
    }
    problems
}

fn template_problems(day: &crate::Day, philosophy: &str) -> Vec<String> {
    let Some(template) = &day.template else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    if template.meta_str(key::SESSION_TYPE) != Some(day.session_type.as_str()) {
        problems.push(format!(
            "{}: template {} is not a {} session",
            day.day, template.id, day.session_type
        ));
    }
    if template
        .meta_str(key::PHILOSOPHY_ID)
        .is_some_and(|p| p != philosophy)
    {
        problems.push(format!(
            "{}: template {} belongs to another philosophy",
            day.day, template.id
        ));
    }
    problems
}

/// Whether a JSON metadata list contains `value`.
pub fn list_has(metadata: &serde_json::Map<String, Value>, key: &str, value: &str) -> bool {
    metadata
        .get(key)
        .and_then(Value::as_array)
        .is_some_and(|list| list.iter().any(|v| v.as_str() == Some(value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(race_week: bool) -> WeekRules {
        WeekRules {
            race: Race::Marathon,
            phase: if race_week {
                Phase::Taper
            } else {
                Phase::Build
            },
            race_week,
            days_per_week: 5,
            max_hard_days: 2,
        }
    }

    fn typed(names: [&str; 7]) -> Pattern {
        names.map(|n| SessionType::parse(n).unwrap_or_else(|| panic!("{n} is a session type")))
    }

    #[test]
    fn unknown_session_types_are_named() {
        let payload = serde_json::json!({"pattern": {
            "mon": "rest", "tue": "jogging", "wed": "easy", "thu": "rest",
            "fri": "easy", "sat": "walk", "sun": "long"
        }});
        assert_eq!(
            pattern_of(Some(&payload)),
            Err("unknown session types [\"jogging\", \"walk\"]".to_string())
        );
    }

    #[test]
    fn a_sound_week_passes() {
        let week = [
            "rest",
            "threshold",
            "easy",
            "race_pace",
            "rest",
            "easy",
            "long",
        ];
        assert_eq!(
            pattern_problems(&typed(week), &rules(false)),
            Vec::<String>::new()
        );
    }

    #[test]
    fn hard_day_before_the_long_run_is_caught() {
        let week = ["rest", "threshold", "easy", "easy", "rest", "tempo", "long"];
        let problems = pattern_problems(&typed(week), &rules(false));
        assert!(
            problems
                .iter()
                .any(|p| p.contains("sat (tempo) is next to sun (long)"))
        );
    }

    #[test]
    fn hard_day_on_monday_after_a_sunday_long_run_is_caught() {
        let week = ["tempo", "rest", "easy", "threshold", "rest", "easy", "long"];
        let problems = pattern_problems(&typed(week), &rules(false));
        assert!(
            problems
                .iter()
                .any(|p| p.contains("mon (tempo) is next to sun"))
        );
    }

    #[test]
    fn race_week_needs_the_race_on_sunday() {
        let week = ["easy", "rest", "easy", "rest", "easy", "strides", "long"];
        let problems = pattern_problems(&typed(week), &rules(true));
        assert!(
            problems.iter().any(|p| p.contains("race week")),
            "{problems:?}"
        );
        let week = ["easy", "rest", "easy", "rest", "easy", "strides", "race"];
        assert!(pattern_problems(&typed(week), &rules(true)).is_empty());
    }

    #[test]
    fn wrong_running_days_and_two_long_runs_are_caught() {
        let week = ["long", "rest", "easy", "rest", "easy", "rest", "long"];
        let problems = pattern_problems(&typed(week), &rules(false));
        assert!(problems.iter().any(|p| p.contains("4 running days")));
        assert!(problems.iter().any(|p| p.contains("2 long runs")));
    }
}
