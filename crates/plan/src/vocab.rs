//! The exact strings of docs/sources.md and the calendar of a plan: one place, so request
//! validation, query texts, selection rules and checks can never spell a value differently.

/// Races a plan can target.
pub const RACES: [&str; 5] = ["5k", "10k", "half_marathon", "marathon", "ultra"];
/// Athlete levels, least to most experienced.
pub const LEVELS: [&str; 3] = ["beginner", "intermediate", "advanced"];
/// Training phases, farthest from the race first.
pub const PHASES: [&str; 4] = ["base", "build", "peak", "taper"];
/// Days of a plan week, in order (a week pattern's keys).
pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// Every session type.
pub const SESSION_TYPES: [&str; 16] = [
    "easy",
    "recovery",
    "strides",
    "long",
    "progression",
    "tempo",
    "threshold",
    "cruise_intervals",
    "vo2max",
    "hills",
    "race_pace",
    "fartlek",
    "back_to_back",
    "rest",
    "cross_training",
    "race",
];
/// Session types that count toward the hard-day limits.
pub const HARD_TYPES: [&str; 9] = [
    "tempo",
    "threshold",
    "cruise_intervals",
    "vo2max",
    "hills",
    "race_pace",
    "fartlek",
    "progression",
    "race",
];

/// Plans span this many weeks at least.
pub const MIN_WEEKS: i64 = 4;
/// Plans span this many weeks at most.
pub const MAX_WEEKS: i64 = 30;
/// Fewest running days per week.
pub const MIN_DAYS: i64 = 3;
/// Most running days per week.
pub const MAX_DAYS: i64 = 7;
/// Running days per week when the request names none.
pub const DEFAULT_DAYS: i64 = 5;
/// Week structures cover days to race up to this; farther weeks are treated as base weeks.
pub const HORIZON_DAYS: i64 = 210;

/// Whether a session type counts as a hard day.
pub fn is_hard(session_type: &str) -> bool {
    HARD_TYPES.contains(&session_type)
}

/// Whether a session type is a running day (everything but rest and cross-training).
pub fn is_running(session_type: &str) -> bool {
    session_type != "rest" && session_type != "cross_training"
}

/// Whether two days of the week (0 = mon) are neighbours; sun and the next mon are.
pub fn adjacent(a: usize, b: usize) -> bool {
    matches!((a + 7 - b) % 7, 1 | 6)
}

/// The level implied by a chronic training load.
pub fn level_for_ctl(ctl: f64) -> &'static str {
    if ctl < 30.0 {
        "beginner"
    } else if ctl < 70.0 {
        "intermediate"
    } else {
        "advanced"
    }
}

/// The week's place in the season: a phase, with the race week told apart from the taper.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PhaseKind {
    /// General preparation, far from the race.
    Base,
    /// Growing race-specific work.
    Build,
    /// The hardest race-specific block.
    Peak,
    /// Reduced volume before the race week.
    Taper,
    /// The week that ends with the race (phase `taper`).
    RaceWeek,
}

impl PhaseKind {
    /// Every kind, farthest from the race first.
    pub const ALL: [PhaseKind; 5] = [
        PhaseKind::Base,
        PhaseKind::Build,
        PhaseKind::Peak,
        PhaseKind::Taper,
        PhaseKind::RaceWeek,
    ];

    /// The metadata phase (`taper` for the race week).
    pub fn phase(self) -> &'static str {
        match self {
            PhaseKind::Base => "base",
            PhaseKind::Build => "build",
            PhaseKind::Peak => "peak",
            PhaseKind::Taper | PhaseKind::RaceWeek => "taper",
        }
    }

    /// How query texts name it.
    pub fn label(self) -> &'static str {
        match self {
            PhaseKind::RaceWeek => "race",
            other => other.phase(),
        }
    }
}

/// Inclusive upper bounds of days to race for the race week, taper, peak and build of a race
/// (beyond the last one is base). They match the week structures' `days_to_race` ranges.
fn phase_bounds(race: &str) -> [i64; 4] {
    match race {
        "5k" => [6, 13, 27, 62],
        "10k" => [6, 13, 34, 76],
        "half_marathon" => [6, 13, 41, 90],
        "marathon" => [6, 20, 48, 104],
        _ => [6, 20, 55, 118],
    }
}

/// The phase of a week that starts `days_to_race` days before the race.
pub fn phase_kind(race: &str, days_to_race: i64) -> PhaseKind {
    let [race_week, taper, peak, build] = phase_bounds(race);
    match days_to_race {
        d if d <= race_week => PhaseKind::RaceWeek,
        d if d <= taper => PhaseKind::Taper,
        d if d <= peak => PhaseKind::Peak,
        d if d <= build => PhaseKind::Build,
        _ => PhaseKind::Base,
    }
}

/// Days from the first day of week `week` (1-based) of a `weeks`-week plan to race day, which
/// is the last week's Sunday.
pub fn days_to_race(week: i64, weeks: i64) -> i64 {
    7 * (weeks - week) + 6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_follow_the_race_bounds() {
        assert_eq!(phase_kind("5k", 6), PhaseKind::RaceWeek);
        assert_eq!(phase_kind("5k", 13), PhaseKind::Taper);
        assert_eq!(phase_kind("5k", 20), PhaseKind::Peak);
        assert_eq!(phase_kind("marathon", 20), PhaseKind::Taper);
        assert_eq!(phase_kind("marathon", 105), PhaseKind::Base);
        assert_eq!(phase_kind("ultra", 500), PhaseKind::Base);
    }

    #[test]
    fn sunday_and_monday_are_neighbours() {
        assert!(adjacent(6, 0) && adjacent(0, 6) && adjacent(2, 3));
        assert!(!adjacent(0, 2) && !adjacent(4, 4));
    }

    #[test]
    fn ctl_maps_to_levels() {
        assert_eq!(level_for_ctl(29.9), "beginner");
        assert_eq!(level_for_ctl(30.0), "intermediate");
        assert_eq!(level_for_ctl(70.0), "advanced");
    }
}
