//! Running performance and training paces from Daniels and Gilbert's equations ("Oxygen
//! Power", 1979; Daniels' Running Formula, 3rd ed., 2014), written here from the published
//! formulas:
//!
//! - oxygen cost of running at `v` metres per minute:
//!   `VO2(v) = -4.60 + 0.182258 v + 0.000104 v^2` (ml/kg/min);
//! - fraction of VO2max sustainable for a race of `t` minutes:
//!   `F(t) = 0.8 + 0.1894393 e^(-0.012778 t) + 0.2989558 e^(-0.1932605 t)`;
//! - `VDOT = VO2(d / t) / F(t)` for a race of `d` metres in `t` minutes.
//!
//! Training paces are the speeds whose oxygen cost is a fraction of VDOT (the intensities of
//! Daniels' tables): easy 70% (the fast end of his 59-74% E range), threshold 88%, interval
//! 97.5%, repetition 105%; marathon pace is the pace of the marathon time the same VDOT
//! predicts. Everything is plain numbers: seconds, metres, seconds per km.

use crate::vocab::Level;

/// Metres per mile.
pub const METRES_PER_MILE: f64 = 1609.344;
/// The distances the model is fitted to: 1500 m to the marathon.
pub const MODEL_MIN_KM: f64 = 1.5;
/// Longest race distance the model covers (the marathon).
pub const MODEL_MAX_KM: f64 = 42.195;
/// Slowest plausible VDOT (a 5k in about 1:10, mostly walking).
pub const MIN_VDOT: f64 = 10.0;
/// Fastest plausible VDOT (beyond the men's world records, about 85).
pub const MAX_VDOT: f64 = 90.0;

/// Fraction of VDOT for each training intensity.
pub const EASY_FRACTION: f64 = 0.70;
/// Threshold (T) intensity.
pub const THRESHOLD_FRACTION: f64 = 0.88;
/// Interval (I) intensity.
pub const INTERVAL_FRACTION: f64 = 0.975;
/// Repetition (R) intensity.
pub const REPETITION_FRACTION: f64 = 1.05;

/// VDOT assumed by level when neither a recent race nor a goal time is known, so every day
/// still gets a duration (the paces themselves are then not shown): beginner 30 (a 5k in about
/// 30:40), intermediate 40 (24:08), advanced 50 (19:57).
pub fn default_vdot(level: Level) -> f64 {
    match level {
        Level::Beginner => 30.0,
        Level::Intermediate => 40.0,
        Level::Advanced => 50.0,
    }
}

/// Oxygen cost (ml/kg/min) of running at `v` metres per minute.
pub fn oxygen_cost(v: f64) -> f64 {
    -4.60 + 0.182258 * v + 0.000104 * v * v
}

/// Fraction of VO2max a runner sustains for `minutes`.
pub fn sustainable_fraction(minutes: f64) -> f64 {
    0.8 + 0.1894393 * (-0.012778 * minutes).exp() + 0.2989558 * (-0.1932605 * minutes).exp()
}

/// VDOT of a race of `metres` run in `seconds`.
pub fn vdot(metres: f64, seconds: f64) -> f64 {
    let minutes = seconds / 60.0;
    oxygen_cost(metres / minutes) / sustainable_fraction(minutes)
}

/// Speed (metres per minute) whose oxygen cost is `vo2`.
pub fn velocity_for(vo2: f64) -> f64 {
    let (a, b, c) = (0.000104, 0.182258, -4.60 - vo2);
    (-b + (b * b - 4.0 * a * c).sqrt()) / (2.0 * a)
}

/// Seconds a runner of `vdot` needs for `metres` (the inverse of [`vdot`], by bisection:
/// VDOT falls as the time grows).
pub fn race_seconds(vdot_value: f64, metres: f64) -> f64 {
    let (mut fast, mut slow) = (60.0_f64, 100.0 * 3600.0);
    for _ in 0..80 {
        let mid = 0.5 * (fast + slow);
        if vdot(metres, mid) > vdot_value {
            fast = mid;
        } else {
            slow = mid;
        }
    }
    0.5 * (fast + slow)
}

/// Seconds per km at `fraction` of `vdot`.
fn pace_at(vdot_value: f64, fraction: f64) -> f64 {
    60_000.0 / velocity_for(fraction * vdot_value)
}

/// Training paces, seconds per km.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Paces {
    /// Easy and long runs (E).
    pub easy: f64,
    /// Marathon pace (M).
    pub marathon: f64,
    /// Threshold (T).
    pub threshold: f64,
    /// Intervals (I).
    pub interval: f64,
    /// Repetitions (R).
    pub repetition: f64,
}

impl Paces {
    /// The names of the intensities, in output order.
    pub const NAMES: [&'static str; 5] =
        ["easy", "marathon", "threshold", "interval", "repetition"];

    /// The pace of a named intensity.
    pub fn get(&self, name: &str) -> Option<f64> {
        match name {
            "easy" => Some(self.easy),
            "marathon" => Some(self.marathon),
            "threshold" => Some(self.threshold),
            "interval" => Some(self.interval),
            "repetition" => Some(self.repetition),
            _ => None,
        }
    }
}

/// Training paces of a runner of `vdot`.
pub fn training_paces(vdot_value: f64) -> Paces {
    Paces {
        easy: pace_at(vdot_value, EASY_FRACTION),
        marathon: race_seconds(vdot_value, MODEL_MAX_KM * 1000.0) / MODEL_MAX_KM,
        threshold: pace_at(vdot_value, THRESHOLD_FRACTION),
        interval: pace_at(vdot_value, INTERVAL_FRACTION),
        repetition: pace_at(vdot_value, REPETITION_FRACTION),
    }
}

/// Seconds of `H:MM:SS` or `MM:SS` (two parts are minutes and seconds); `None` when the text
/// is not such a time.
pub fn parse_time(text: &str) -> Option<f64> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    let number = |p: &str| -> Option<u64> {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    let (h, m, s) = match parts[..] {
        [m, s] => (0, number(m)?, number(s)?),
        [h, m, s] => (number(h)?, number(m)?, number(s)?),
        _ => return None,
    };
    let minutes_bounded = parts.len() == 2 || m < 60;
    (minutes_bounded && s < 60).then(|| (h * 3600 + m * 60 + s) as f64)
}

/// `H:MM:SS` (or `M:SS` under an hour) of whole seconds.
pub fn format_time(seconds: f64) -> String {
    let total = seconds.round().max(0.0) as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// A pace in seconds per km as `M:SS/km`, or per mile as `M:SS/mi` when `miles`.
pub fn format_pace(sec_per_km: f64, miles: bool) -> String {
    let (seconds, unit) = if miles {
        (sec_per_km * METRES_PER_MILE / 1000.0, "mi")
    } else {
        (sec_per_km, "km")
    };
    format!("{}/{unit}", format_time(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mmss(sec_per_km: f64) -> String {
        format_time(sec_per_km)
    }

    #[test]
    fn vdot_matches_daniels_tables() {
        // Daniels' tables: VDOT 50 runs 5k in 19:57, 10k in 41:21, the marathon in 3:10:49.
        assert!((vdot(5000.0, 19.0 * 60.0 + 57.0) - 50.0).abs() < 0.1);
        assert!((vdot(10_000.0, 41.0 * 60.0 + 21.0) - 50.0).abs() < 0.1);
        assert!((vdot(42_195.0, 3.0 * 3600.0 + 10.0 * 60.0 + 49.0) - 50.0).abs() < 0.1);
        let back = race_seconds(50.0, 10_000.0);
        assert!((back - 2481.0).abs() < 5.0, "{back}");
    }

    #[test]
    fn training_paces_of_vdot_50() {
        // Daniels: E about 5:07/km, M 4:31, T 4:15, I 3:55, R about 3:42.
        let p = training_paces(50.0);
        assert_eq!(mmss(p.easy), "5:07");
        assert_eq!(mmss(p.marathon), "4:31");
        assert_eq!(mmss(p.threshold), "4:15");
        assert_eq!(mmss(p.interval), "3:55");
        assert_eq!(mmss(p.repetition), "3:41");
    }

    #[test]
    fn times_parse_and_format() {
        assert_eq!(parse_time("00:45:00"), Some(2700.0));
        assert_eq!(parse_time("1:39:00"), Some(5940.0));
        assert_eq!(parse_time("45:00"), Some(2700.0));
        assert_eq!(parse_time("1:60:00"), None);
        assert_eq!(parse_time("45"), None);
        assert_eq!(parse_time("a:b:c"), None);
        assert_eq!(parse_time("-1:00:00"), None);
        assert_eq!(format_time(5940.0), "1:39:00");
        assert_eq!(format_pace(300.0, false), "5:00/km");
        assert_eq!(format_pace(300.0, true), "8:03/mi");
    }
}
