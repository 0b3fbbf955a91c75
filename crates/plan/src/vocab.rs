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
/// A philosophy's `intensity_model`.
pub const INTENSITY_MODELS: [&str; 5] = ["polarized", "pyramidal", "threshold", "speed", "ultra"];
/// A session template's `intensity`.
pub const INTENSITIES: [&str; 3] = ["easy", "moderate", "hard"];
/// Knowledge topics (a knowledge document's `topic` and folder).
pub const TOPICS: [&str; 20] = [
    "taper",
    "intensity_distribution",
    "progression",
    "injury_risk",
    "recovery",
    "sleep",
    "strength",
    "fuelling",
    "heat",
    "altitude",
    "masters",
    "beginners",
    "ultra",
    "race_day",
    "mileage",
    "hard_day_spacing",
    "long_run",
    "cross_training",
    "pacing",
    "speed",
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

/// Whether a session type (by name) counts as a hard day ([`SessionType::is_hard`]).
pub fn is_hard(session_type: &str) -> bool {
    SessionType::parse(session_type).is_some_and(SessionType::is_hard)
}

/// Whether a session type (by name) is a running day: everything but rest and cross-training
/// ([`SessionType::is_running`]; a name outside the vocabulary counts as running).
pub fn is_running(session_type: &str) -> bool {
    SessionType::parse(session_type).is_none_or(SessionType::is_running)
}

/// Whether two days of the week (0 = mon) are neighbours; sun and the next mon are.
pub fn adjacent(a: usize, b: usize) -> bool {
    matches!((a + 7 - b) % 7, 1 | 6)
}

/// A runner's level, typed: volumes, paces and selection read it, never its spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// `beginner`.
    Beginner,
    /// `intermediate`.
    Intermediate,
    /// `advanced`.
    Advanced,
}

impl Level {
    /// Every level, in [`LEVELS`] order.
    pub const ALL: [Level; 3] = [Level::Beginner, Level::Intermediate, Level::Advanced];

    /// The level's name in requests and metadata.
    pub fn as_str(self) -> &'static str {
        LEVELS[self as usize]
    }

    /// The level named `name`, if it is one of [`LEVELS`].
    pub fn parse(name: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|level| level.as_str() == name)
    }

    /// The level implied by a chronic training load.
    pub fn for_ctl(ctl: f64) -> Level {
        if ctl < 30.0 {
            Level::Beginner
        } else if ctl < 70.0 {
            Level::Intermediate
        } else {
            Level::Advanced
        }
    }
}

/// A training phase, typed: a week's `phase`, a structure's `phase` metadata, a template's
/// `phases`. Serialized as its name in [`PHASES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// `base`.
    Base,
    /// `build`.
    Build,
    /// `peak`.
    Peak,
    /// `taper`.
    Taper,
}

impl Phase {
    /// Every phase, in [`PHASES`] order (farthest from the race first).
    pub const ALL: [Phase; 4] = [Phase::Base, Phase::Build, Phase::Peak, Phase::Taper];

    /// The phase's name in metadata and plans.
    pub fn as_str(self) -> &'static str {
        PHASES[self as usize]
    }

    /// The phase named `name`, if it is one of [`PHASES`].
    pub fn parse(name: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|phase| phase.as_str() == name)
    }

    /// Its position in [`PHASES`] (distances between phases are differences of these).
    pub fn ordinal(self) -> i64 {
        self as i64
    }
}

/// A session type, typed: a week pattern's days, a template's `session_type`. Serialized as
/// its name in [`SESSION_TYPES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SessionType {
    /// `easy`.
    Easy,
    /// `recovery`.
    Recovery,
    /// `strides`.
    Strides,
    /// `long`.
    Long,
    /// `progression`.
    Progression,
    /// `tempo`.
    Tempo,
    /// `threshold`.
    Threshold,
    /// `cruise_intervals`.
    CruiseIntervals,
    /// `vo2max`.
    Vo2max,
    /// `hills`.
    Hills,
    /// `race_pace`.
    RacePace,
    /// `fartlek`.
    Fartlek,
    /// `back_to_back`.
    BackToBack,
    /// `rest`.
    Rest,
    /// `cross_training`.
    CrossTraining,
    /// `race`.
    Race,
}

impl SessionType {
    /// Every session type, in [`SESSION_TYPES`] order.
    pub const ALL: [SessionType; 16] = [
        SessionType::Easy,
        SessionType::Recovery,
        SessionType::Strides,
        SessionType::Long,
        SessionType::Progression,
        SessionType::Tempo,
        SessionType::Threshold,
        SessionType::CruiseIntervals,
        SessionType::Vo2max,
        SessionType::Hills,
        SessionType::RacePace,
        SessionType::Fartlek,
        SessionType::BackToBack,
        SessionType::Rest,
        SessionType::CrossTraining,
        SessionType::Race,
    ];

    /// Session types that count toward the hard-day limits.
    pub const HARD: [SessionType; 9] = [
        SessionType::Tempo,
        SessionType::Threshold,
        SessionType::CruiseIntervals,
        SessionType::Vo2max,
        SessionType::Hills,
        SessionType::RacePace,
        SessionType::Fartlek,
        SessionType::Progression,
        SessionType::Race,
    ];

    /// Session types that are not running days.
    pub const NON_RUNNING: [SessionType; 2] = [SessionType::Rest, SessionType::CrossTraining];

    /// The type's name in metadata, patterns and plans.
    pub fn as_str(self) -> &'static str {
        SESSION_TYPES[self as usize]
    }

    /// The type named `name`, if it is one of [`SESSION_TYPES`].
    pub fn parse(name: &str) -> Option<SessionType> {
        SessionType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// Whether it counts as a hard day.
    pub fn is_hard(self) -> bool {
        SessionType::HARD.contains(&self)
    }

    /// Whether it is a running day (everything but rest and cross-training).
    pub fn is_running(self) -> bool {
        !SessionType::NON_RUNNING.contains(&self)
    }
}

/// Displays and serializes a vocabulary enum as its name, and compares it with names.
macro_rules! named {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl PartialEq<&str> for $t {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    )*};
}

named!(Level, Race, Phase, SessionType);

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
    pub fn phase(self) -> Phase {
        match self {
            PhaseKind::Base => Phase::Base,
            PhaseKind::Build => Phase::Build,
            PhaseKind::Peak => Phase::Peak,
            PhaseKind::Taper | PhaseKind::RaceWeek => Phase::Taper,
        }
    }

    /// How query texts name it.
    pub fn label(self) -> &'static str {
        match self {
            PhaseKind::RaceWeek => "race",
            other => other.phase().as_str(),
        }
    }

    /// Its name where a phase name cannot tell it apart (`race_week`).
    pub fn key(self) -> &'static str {
        match self {
            PhaseKind::RaceWeek => "race_week",
            other => other.phase().as_str(),
        }
    }

    /// Its part of a week structure's id and file name (`taper_race_week` for the race week).
    pub fn stem(self) -> &'static str {
        match self {
            PhaseKind::RaceWeek => "taper_race_week",
            other => other.phase().as_str(),
        }
    }

    /// Whether this is a taper week or the race week (which volume treats apart).
    pub fn tapering(self) -> bool {
        self.phase() == Phase::Taper
    }
}

/// The races in [`RACES`] order, typed: the phase windows are defined for these and no other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Race {
    /// `5k`.
    FiveK,
    /// `10k`.
    TenK,
    /// `half_marathon`.
    HalfMarathon,
    /// `marathon`.
    Marathon,
    /// `ultra`.
    Ultra,
}

/// A race name outside [`RACES`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown race {0:?}; use one of: {races}", races = RACES.join(", "))]
pub struct UnknownRace(pub String);

impl From<UnknownRace> for crate::PlanError {
    fn from(e: UnknownRace) -> crate::PlanError {
        crate::PlanError::InvalidValue {
            field: "race",
            message: e.to_string(),
        }
    }
}

/// Days to race a phase covers, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Nearest to the race.
    pub min: i64,
    /// Farthest from the race.
    pub max: i64,
}

impl Window {
    /// Whether `days_to_race` falls inside.
    pub fn contains(self, days_to_race: i64) -> bool {
        (self.min..=self.max).contains(&days_to_race)
    }
}

impl Race {
    /// Every race, in [`RACES`] order.
    pub const ALL: [Race; 5] = [
        Race::FiveK,
        Race::TenK,
        Race::HalfMarathon,
        Race::Marathon,
        Race::Ultra,
    ];

    /// The race's name in requests and metadata.
    pub fn as_str(self) -> &'static str {
        RACES[self as usize]
    }

    /// The race named `name`, or why there is none.
    pub fn parse(name: &str) -> Result<Race, UnknownRace> {
        Race::ALL
            .into_iter()
            .find(|race| race.as_str() == name)
            .ok_or_else(|| UnknownRace(name.to_string()))
    }

    /// Inclusive upper bounds of days to race of the race week, taper, peak and build (base
    /// runs from the day after the build to [`HORIZON_DAYS`]). The only definition of the
    /// phase windows: the week structures' `days_to_race` ranges are generated from and
    /// checked against it.
    fn upper_bounds(self) -> [i64; 4] {
        match self {
            Race::FiveK => [6, 13, 27, 62],
            Race::TenK => [6, 13, 34, 76],
            Race::HalfMarathon => [6, 13, 41, 90],
            Race::Marathon => [6, 20, 48, 104],
            Race::Ultra => [6, 20, 55, 118],
        }
    }

    /// The days to race `kind` covers for this race. The windows of [`PhaseKind::ALL`] tile
    /// 0..=[`HORIZON_DAYS`] without gap or overlap.
    pub fn window(self, kind: PhaseKind) -> Window {
        let [race_week, taper, peak, build] = self.upper_bounds();
        let (min, max) = match kind {
            PhaseKind::RaceWeek => (0, race_week),
            PhaseKind::Taper => (race_week + 1, taper),
            PhaseKind::Peak => (taper + 1, peak),
            PhaseKind::Build => (peak + 1, build),
            PhaseKind::Base => (build + 1, HORIZON_DAYS),
        };
        Window { min, max }
    }

    /// The phase of a week that starts `days_to_race` days before this race (base beyond
    /// the horizon).
    pub fn phase_kind(self, days_to_race: i64) -> PhaseKind {
        [
            PhaseKind::RaceWeek,
            PhaseKind::Taper,
            PhaseKind::Peak,
            PhaseKind::Build,
        ]
        .into_iter()
        .find(|&kind| days_to_race <= self.window(kind).max)
        .unwrap_or(PhaseKind::Base)
    }
}

/// The phase of a week that starts `days_to_race` days before a race named `race`; an
/// unknown race is an error, never another race's windows.
pub fn phase_kind(race: &str, days_to_race: i64) -> Result<PhaseKind, UnknownRace> {
    Ok(Race::parse(race)?.phase_kind(days_to_race))
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
        let kind = |race, days| phase_kind(race, days).expect("known race");
        assert_eq!(kind("5k", 6), PhaseKind::RaceWeek);
        assert_eq!(kind("5k", 13), PhaseKind::Taper);
        assert_eq!(kind("5k", 20), PhaseKind::Peak);
        assert_eq!(kind("marathon", 20), PhaseKind::Taper);
        assert_eq!(kind("marathon", 105), PhaseKind::Base);
        assert_eq!(kind("ultra", 500), PhaseKind::Base);
    }

    #[test]
    fn an_unknown_race_has_no_phases() {
        let e = phase_kind("mile", 10).expect_err("unknown race");
        assert_eq!(e, UnknownRace("mile".into()));
        assert!(
            e.to_string()
                .contains("5k, 10k, half_marathon, marathon, ultra")
        );
    }

    #[test]
    fn races_are_the_vocabulary_in_order() {
        let names: Vec<&str> = Race::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(names, RACES);
        assert_eq!(Race::parse("half_marathon"), Ok(Race::HalfMarathon));
    }

    #[test]
    fn windows_tile_the_horizon_nearest_first() {
        for race in Race::ALL {
            let mut next = 0;
            for kind in PhaseKind::ALL.into_iter().rev() {
                let window = race.window(kind);
                assert_eq!(window.min, next, "{race:?} {kind:?}");
                assert!(window.max >= window.min, "{race:?} {kind:?}");
                for days in [window.min, window.max] {
                    assert_eq!(race.phase_kind(days), kind, "{race:?} {days}");
                }
                next = window.max + 1;
            }
            assert_eq!(next, HORIZON_DAYS + 1);
        }
    }

    #[test]
    fn typed_names_are_the_vocabulary_in_order() {
        let types: Vec<&str> = SessionType::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(types, SESSION_TYPES);
        let phases: Vec<&str> = Phase::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(phases, PHASES);
        assert_eq!(
            SessionType::parse("cruise_intervals"),
            Some(SessionType::CruiseIntervals)
        );
        assert_eq!(SessionType::parse("jogging"), None);
        assert_eq!(Phase::parse("offseason"), None);
        assert!(is_hard("race") && !is_hard("long") && !is_hard("jogging"));
        assert!(!is_running("rest") && is_running("long"));
        assert_eq!(
            serde_json::to_string(&SessionType::BackToBack)
                .ok()
                .as_deref(),
            Some("\"back_to_back\"")
        );
    }

    #[test]
    fn sunday_and_monday_are_neighbours() {
        assert!(adjacent(6, 0) && adjacent(0, 6) && adjacent(2, 3));
        assert!(!adjacent(0, 2) && !adjacent(4, 4));
    }

    #[test]
    fn ctl_maps_to_levels() {
        assert_eq!(Level::for_ctl(29.9), Level::Beginner);
        assert_eq!(Level::for_ctl(30.0), Level::Intermediate);
        assert_eq!(Level::for_ctl(70.0), Level::Advanced);
    }
}
