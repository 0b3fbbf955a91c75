//! The metadata and payload keys of each collection a plan reads: the one schema.
//!
//! Selection filters and ranks on these keys, the week rules read them, and
//! `plan-index check-sources` (crates/prepare) requires them of the source documents. Spelling
//! a key once here means a renamed key cannot leave one of those three behind.

/// Metadata keys (filterable: the baker builds posting lists over them).
pub mod key {
    /// The philosophy an item belongs to (absent on generic templates and passages).
    pub const PHILOSOPHY_ID: &str = "philosophy_id";
    /// A display name.
    pub const NAME: &str = "name";
    /// The races an item suits (a list).
    pub const RACE_TYPES: &str = "race_types";
    /// The levels an item suits (a list).
    pub const LEVELS: &str = "levels";
    /// A philosophy's intensity model.
    pub const INTENSITY_MODEL: &str = "intensity_model";
    /// The most hard days a philosophy allows in a week.
    pub const MAX_HARD_DAYS: &str = "max_hard_days";
    /// The fewest running days a philosophy takes.
    pub const MIN_DAYS_PER_WEEK: &str = "min_days_per_week";
    /// The most running days a philosophy takes.
    pub const MAX_DAYS_PER_WEEK: &str = "max_days_per_week";
    /// A week structure's phase.
    pub const PHASE: &str = "phase";
    /// A template's phases (a list).
    pub const PHASES: &str = "phases";
    /// A week structure's running days.
    pub const DAYS_PER_WEEK: &str = "days_per_week";
    /// A week structure's hard days.
    pub const HARD_DAYS: &str = "hard_days";
    /// A week structure's long-run day.
    pub const LONG_RUN_DAY: &str = "long_run_day";
    /// The nearest a week structure may be to the race (days).
    pub const DAYS_TO_RACE_MIN: &str = "days_to_race_min";
    /// The farthest a week structure may be from the race (days).
    pub const DAYS_TO_RACE_MAX: &str = "days_to_race_max";
    /// A template's session type.
    pub const SESSION_TYPE: &str = "session_type";
    /// A template's intensity.
    pub const INTENSITY: &str = "intensity";
    /// A passage's topic.
    pub const TOPIC: &str = "topic";
    /// The level a passage is written for.
    pub const AUDIENCE: &str = "audience";
}

use key::*;

/// Metadata every philosophy carries.
pub const PHILOSOPHY_META: [&str; 8] = [
    PHILOSOPHY_ID,
    NAME,
    RACE_TYPES,
    LEVELS,
    INTENSITY_MODEL,
    MAX_HARD_DAYS,
    MIN_DAYS_PER_WEEK,
    MAX_DAYS_PER_WEEK,
];
/// Payload every philosophy carries.
pub const PHILOSOPHY_PAYLOAD: [&str; 6] = [
    NAME,
    "summary",
    "intensity_distribution",
    "requirements",
    "cautions",
    "key_sessions",
];
/// Metadata every week structure carries.
pub const WEEK_META: [&str; 9] = [
    PHILOSOPHY_ID,
    RACE_TYPES,
    PHASE,
    DAYS_PER_WEEK,
    HARD_DAYS,
    LONG_RUN_DAY,
    DAYS_TO_RACE_MIN,
    DAYS_TO_RACE_MAX,
    LEVELS,
];
/// Payload every week structure carries.
pub const WEEK_PAYLOAD: [&str; 5] = ["pattern", HARD_DAYS, LONG_RUN_DAY, "focus", "volume_note"];
/// Metadata a session template may carry.
pub const TEMPLATE_META: [&str; 6] = [
    SESSION_TYPE,
    PHASES,
    RACE_TYPES,
    LEVELS,
    INTENSITY,
    PHILOSOPHY_ID,
];
/// Payload a session template may carry.
pub const TEMPLATE_PAYLOAD: [&str; 7] = [
    NAME,
    "structure",
    INTENSITY,
    "constraints",
    "duration_min",
    "distance_km",
    "reps",
];
/// Metadata a knowledge passage may carry.
pub const KNOWLEDGE_META: [&str; 4] = [TOPIC, RACE_TYPES, AUDIENCE, PHILOSOPHY_ID];
