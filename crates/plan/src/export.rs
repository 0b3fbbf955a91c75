//! The vocabulary, bounds, week rules and phase windows as one JSON-ready value, for the
//! tools that are not written in Rust (`plan-index vocab --json`, which
//! scripts/generate_week_structures.py reads): they take these from here, never a copy.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::rules::{BACK_TO_BACK_RACES, RACE_DAY, RACE_WEEK_MAX_DAYS, TAPER_MAX_HARD_DAYS};
use crate::vocab::{
    DAYS, HORIZON_DAYS, INTENSITIES, INTENSITY_MODELS, LEVELS, MAX_DAYS, MIN_DAYS, PHASES,
    PhaseKind, RACES, Race, SESSION_TYPES, SessionType, TOPICS,
};

/// How a week structure's id is made (`{philosophy}`, `{race}`, `{stem}`, `{days}`).
pub const STRUCTURE_ID: &str = "{philosophy}__{race}__{stem}__d{days}";
/// Where a week structure's file is, below `week_structures/`.
pub const STRUCTURE_PATH: &str = "{philosophy}/{race}/{stem}-d{days}.md";

/// One phase kind: its key, the metadata phase and the id/file stem.
#[derive(Clone, Debug, Serialize)]
pub struct KindNames {
    /// `base` .. `taper`, `race_week`.
    pub key: &'static str,
    /// The metadata phase (`taper` for the race week).
    pub phase: &'static str,
    /// The part of a structure's id and file name.
    pub stem: &'static str,
}

/// Everything the domain spells, bounds and windows; serialized as is.
#[derive(Clone, Debug, Serialize)]
pub struct Vocabulary {
    /// Races.
    pub races: &'static [&'static str],
    /// Levels.
    pub levels: &'static [&'static str],
    /// Phases, farthest from the race first.
    pub phases: &'static [&'static str],
    /// Days of the week.
    pub days: &'static [&'static str],
    /// Session types.
    pub session_types: &'static [&'static str],
    /// Session types that count as hard days.
    pub hard_types: Vec<&'static str>,
    /// Session types that are not running days.
    pub non_running: Vec<&'static str>,
    /// Philosophies' intensity models.
    pub intensity_models: &'static [&'static str],
    /// Templates' intensities.
    pub intensities: &'static [&'static str],
    /// Knowledge topics.
    pub topics: &'static [&'static str],
    /// Fewest running days per week.
    pub min_days: i64,
    /// Most running days per week.
    pub max_days: i64,
    /// Days to race the week structures cover.
    pub horizon_days: i64,
    /// A taper structure ending at most this many days out is a race week.
    pub race_week_max_days: i64,
    /// Hard days a taper week may hold.
    pub taper_max_hard_days: i64,
    /// The day of the race in the race week.
    pub race_day: &'static str,
    /// Races whose weeks may add a back-to-back run.
    pub back_to_back_races: Vec<&'static str>,
    /// Phase kinds, farthest from the race first.
    pub phase_kinds: Vec<KindNames>,
    /// race -> phase kind key -> [min, max] days to race.
    pub windows: BTreeMap<&'static str, BTreeMap<&'static str, [i64; 2]>>,
    /// [`STRUCTURE_ID`].
    pub structure_id: &'static str,
    /// [`STRUCTURE_PATH`].
    pub structure_path: &'static str,
}

/// The names of typed values.
fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|t| name(*t)).collect()
}

/// The vocabulary as defined in [`crate::vocab`] and [`crate::rules`].
pub fn vocabulary() -> Vocabulary {
    let windows = Race::ALL
        .into_iter()
        .map(|race| {
            let kinds = PhaseKind::ALL
                .into_iter()
                .map(|kind| {
                    let w = race.window(kind);
                    (kind.key(), [w.min, w.max])
                })
                .collect();
            (race.as_str(), kinds)
        })
        .collect();
    Vocabulary {
        races: &RACES,
        levels: &LEVELS,
        phases: &PHASES,
        days: &DAYS,
        session_types: &SESSION_TYPES,
        hard_types: names(&SessionType::HARD, SessionType::as_str),
        non_running: names(&SessionType::NON_RUNNING, SessionType::as_str),
        intensity_models: &INTENSITY_MODELS,
        intensities: &INTENSITIES,
        topics: &TOPICS,
        min_days: MIN_DAYS,
        max_days: MAX_DAYS,
        horizon_days: HORIZON_DAYS,
        race_week_max_days: RACE_WEEK_MAX_DAYS,
        taper_max_hard_days: TAPER_MAX_HARD_DAYS,
        race_day: DAYS[RACE_DAY],
        back_to_back_races: names(&BACK_TO_BACK_RACES, Race::as_str),
        phase_kinds: PhaseKind::ALL
            .into_iter()
            .map(|kind| KindNames {
                key: kind.key(),
                phase: kind.phase().as_str(),
                stem: kind.stem(),
            })
            .collect(),
        windows,
        structure_id: STRUCTURE_ID,
        structure_path: STRUCTURE_PATH,
    }
}

/// A week structure's id or path from [`STRUCTURE_ID`] or [`STRUCTURE_PATH`].
pub fn structure_name(
    template: &str,
    philosophy: &str,
    race: &str,
    kind: PhaseKind,
    days: i64,
) -> String {
    template
        .replace("{philosophy}", philosophy)
        .replace("{race}", race)
        .replace("{stem}", kind.stem())
        .replace("{days}", &days.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_carries_the_windows_and_names() {
        let v = serde_json::to_value(vocabulary()).expect("json");
        assert_eq!(
            v["windows"]["marathon"]["taper"],
            serde_json::json!([7, 20])
        );
        assert_eq!(v["windows"]["5k"]["race_week"], serde_json::json!([0, 6]));
        assert_eq!(v["windows"]["ultra"]["base"], serde_json::json!([119, 210]));
        assert_eq!(v["race_day"], "sun");
        assert_eq!(v["phase_kinds"][4]["stem"], "taper_race_week");
        let id = structure_name(STRUCTURE_ID, "daniels", "5k", PhaseKind::RaceWeek, 5);
        assert_eq!(id, "daniels__5k__taper_race_week__d5");
        let path = structure_name(STRUCTURE_PATH, "daniels", "5k", PhaseKind::Peak, 3);
        assert_eq!(path, "daniels/5k/peak-d3.md");
    }
}
