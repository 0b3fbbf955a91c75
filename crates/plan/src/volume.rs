//! Weekly volume: from what the athlete runs now towards a peak, with cutback weeks, a taper
//! and the race week; the long run of every week; and the split of a week's volume over its
//! days. Inputs are plain numbers, typed races and levels; every distance is computed in whole
//! tenths of a km, so a week's days add up to its volume exactly. docs/plan.md has the rules,
//! the tables and their sources.

use crate::vocab::{Level, PhaseKind, Race, SessionType};

/// Most a week may add over the highest week so far: 10%...
pub const GROWTH: f64 = 0.10;
/// ...or this many km at low volume, whichever is more (10% of 30 km).
pub const LOW_VOLUME_STEP_KM: f64 = 3.0;
/// A cutback week runs this fraction of the week before it (25% less).
pub const CUTBACK: f64 = 0.75;
/// The long run of a cutback week: this fraction of the longest so far.
pub const CUTBACK_LONG: f64 = 0.80;
/// Longest long run for races up to the marathon, minutes at easy pace.
pub const LONG_RUN_MAX_MIN: f64 = 180.0;
/// Volume of the taper weeks, as fractions of the peak week, for a one- and a two-week taper.
pub const TAPER_1: [f64; 1] = [0.70];
/// Two-week taper (marathon, ultra).
pub const TAPER_2: [f64; 2] = [0.75, 0.60];
/// Race-week volume without the race, as a fraction of the peak, after a one-week taper...
pub const RACE_WEEK_1: f64 = 0.50;
/// ...and after a two-week taper.
pub const RACE_WEEK_2: f64 = 0.45;
/// A run shorter than this (km) is hardly worth its own day; the plan says so.
pub const SHORT_RUN_KM: f64 = 3.0;

/// Tenths of a km.
pub type Tenths = i64;

/// `km` in whole tenths (rounded).
pub fn tenths(km: f64) -> Tenths {
    (km * 10.0).round() as Tenths
}

/// Tenths as km.
pub fn km(t: Tenths) -> f64 {
    t as f64 / 10.0
}

/// Peak weekly volume (km) by race and level, before the running-days cap.
pub fn peak_km(race: Race, level: Level) -> f64 {
    let row = match race {
        Race::FiveK => [35.0, 55.0, 80.0],
        Race::TenK => [40.0, 65.0, 90.0],
        Race::HalfMarathon => [45.0, 70.0, 100.0],
        Race::Marathon => [55.0, 80.0, 115.0],
        Race::Ultra => [65.0, 95.0, 130.0],
    };
    match level {
        Level::Beginner => row[0],
        Level::Intermediate => row[1],
        Level::Advanced => row[2],
    }
}

/// The race cap of the long run (km).
pub fn long_run_cap_km(race: Race) -> f64 {
    match race {
        Race::FiveK => 16.0,
        Race::TenK => 19.0,
        Race::HalfMarathon => 24.0,
        Race::Marathon => 32.0,
        Race::Ultra => 40.0,
    }
}

/// The shortest long run (km) that prepares for the race; a plan whose long run stays below
/// it says so.
pub fn long_run_floor_km(race: Race) -> f64 {
    match race {
        Race::FiveK => 8.0,
        Race::TenK => 10.0,
        Race::HalfMarathon => 16.0,
        Race::Marathon => 26.0,
        Race::Ultra => 30.0,
    }
}

/// The race distance (km); the ultra is planned as a 50 km race.
pub fn race_km(race: Race) -> f64 {
    match race {
        Race::FiveK => 5.0,
        Race::TenK => 10.0,
        Race::HalfMarathon => 21.0975,
        Race::Marathon => 42.195,
        Race::Ultra => 50.0,
    }
}

/// Most of a week the long run may be: 35% with up to five running days, 30% with more.
pub fn long_run_share(days_per_week: i64) -> f64 {
    if days_per_week <= 5 { 0.35 } else { 0.30 }
}

/// Average km per running day the peak may ask for: 80% of the long-run cap, at most 18.
pub fn per_day_cap_km(race: Race) -> f64 {
    (0.8 * long_run_cap_km(race)).min(18.0)
}

/// Weekly volume assumed when the request gives none (km).
pub fn default_weekly_km(level: Level) -> f64 {
    match level {
        Level::Beginner => 20.0,
        Level::Intermediate => 40.0,
        Level::Advanced => 60.0,
    }
}

/// Current long run assumed when the request gives none: 30% of the week, to 0.1 km.
pub fn default_long_run_km(weekly_km: f64) -> f64 {
    km(tenths(0.3 * weekly_km))
}

/// A cutback week every third week of base and build for beginners, every fourth otherwise.
pub fn cutback_every(level: Level) -> usize {
    if level == Level::Beginner { 3 } else { 4 }
}

/// What the volume rules need.
#[derive(Clone, Copy, Debug)]
pub struct Inputs<'a> {
    /// The race.
    pub race: Race,
    /// The level.
    pub level: Level,
    /// Running days per week.
    pub days_per_week: i64,
    /// Per week, its phase (the race week told apart from the taper).
    pub phases: &'a [PhaseKind],
    /// What the athlete runs now (km a week).
    pub weekly_km: f64,
    /// The athlete's current longest run (km).
    pub long_run_km: f64,
    /// Easy pace, seconds per km (for the long run's time cap).
    pub easy_sec_per_km: f64,
}

/// The volume of one week.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeekLoad {
    /// The whole week, the race included.
    pub volume: Tenths,
    /// The long run (0 in the race week).
    pub long_run: Tenths,
    /// The race (0 but in the race week).
    pub race: Tenths,
    /// A cutback week.
    pub cutback: bool,
}

/// The volumes of a whole plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Progression {
    /// Week by week.
    pub weeks: Vec<WeekLoad>,
    /// The peak the table and the running days aim at.
    pub target_peak: Tenths,
    /// The highest week before the taper.
    pub peak: Tenths,
    /// The longest long run.
    pub longest: Tenths,
    /// What the athlete should know (too little time, low volume).
    pub notes: Vec<String>,
}

impl Inputs<'_> {
    /// The long-run cap of a week of `volume`: the race cap, the share of the week, and for
    /// races up to the marathon three hours at easy pace.
    pub fn long_cap(&self, volume: Tenths) -> Tenths {
        let mut cap =
            long_run_cap_km(self.race).min(long_run_share(self.days_per_week) * km(volume));
        if self.race != Race::Ultra && self.easy_sec_per_km > 0.0 {
            cap = cap.min(LONG_RUN_MAX_MIN * 60.0 / self.easy_sec_per_km);
        }
        (cap * 10.0).floor() as Tenths
    }

    /// The peak the plan aims at: the table's, at most the running-days cap, and never below
    /// what the athlete runs now.
    pub fn target_peak(&self) -> Tenths {
        let table = peak_km(self.race, self.level)
            .min(self.days_per_week as f64 * per_day_cap_km(self.race));
        tenths(table).max(tenths(self.weekly_km))
    }
}

/// The largest step from `highest`: 10%, or [`LOW_VOLUME_STEP_KM`] at low volume.
pub fn max_next(highest: Tenths) -> Tenths {
    highest
        + (highest as f64 * GROWTH)
            .floor()
            .max(LOW_VOLUME_STEP_KM * 10.0) as Tenths
}

/// How much the long run may grow in a week: 15% of the longest so far, 1 to 2 km.
fn long_step(longest: Tenths) -> Tenths {
    ((longest as f64 * 0.15).round() as Tenths).clamp(10, 20)
}

/// Volumes, long runs and cutbacks of every week.
pub fn progression(inputs: &Inputs<'_>) -> Progression {
    let target = inputs.target_peak();
    let race = tenths(race_km(inputs.race));
    let every = cutback_every(inputs.level);
    let mut weeks = Vec::with_capacity(inputs.phases.len());
    let mut highest = tenths(inputs.weekly_km);
    let mut longest = tenths(inputs.long_run_km);
    let mut block = 0usize;
    let mut longest_run: Tenths = 0;
    let training = inputs.phases.iter().take_while(|p| !p.tapering()).count();
    for (i, phase) in inputs.phases[..training].iter().enumerate() {
        let cutback = if matches!(*phase, PhaseKind::Base | PhaseKind::Build) {
            block += 1;
            i > 0 && block.is_multiple_of(every)
        } else {
            false
        };
        let volume = if i == 0 {
            highest
        } else if cutback {
            (highest as f64 * CUTBACK).round() as Tenths
        } else {
            max_next(highest).min(target).max(highest)
        };
        let cap = inputs.long_cap(volume);
        let long = if i == 0 {
            longest.min(cap)
        } else if cutback {
            ((longest as f64 * CUTBACK_LONG).round() as Tenths).min(cap)
        } else {
            (longest + long_step(longest)).min(cap)
        };
        highest = highest.max(volume);
        longest = longest.max(long);
        longest_run = longest_run.max(long);
        weeks.push(WeekLoad {
            volume,
            long_run: long,
            race: 0,
            cutback,
        });
    }
    let peak = weeks.iter().map(|w| w.volume).max().unwrap_or(highest);
    let tapers = inputs.phases[training..]
        .iter()
        .filter(|p| **p == PhaseKind::Taper)
        .count();
    let (fractions, race_fraction): (&[f64], f64) = if tapers >= 2 {
        (&TAPER_2, RACE_WEEK_2)
    } else {
        (&TAPER_1, RACE_WEEK_1)
    };
    let mut taper_week = 0;
    for phase in &inputs.phases[training..] {
        let load = if *phase == PhaseKind::RaceWeek {
            WeekLoad {
                volume: (peak as f64 * race_fraction).round() as Tenths + race,
                long_run: 0,
                race,
                cutback: false,
            }
        } else {
            // A taper longer than the table (not produced by the phase bounds) keeps falling.
            let fraction = fractions
                .get(taper_week)
                .copied()
                .unwrap_or_else(|| fractions[fractions.len() - 1] - 0.05 * (taper_week as f64));
            taper_week += 1;
            let volume = (peak as f64 * fraction).round() as Tenths;
            let long = longest_run.min(inputs.long_cap(volume));
            longest_run = longest_run.max(long);
            WeekLoad {
                volume,
                long_run: long,
                race: 0,
                cutback: false,
            }
        };
        weeks.push(load);
    }
    let mut notes = Vec::new();
    if peak < target {
        notes.push(format!(
            "volume: {} weeks are too few to build from {} km a week to the {} km a {} {} plan usually \
             peaks at without adding more than 10% (or {LOW_VOLUME_STEP_KM} km) a week; this \
             plan peaks at {} km",
            inputs.phases.len(),
            inputs.weekly_km,
            km(target),
            inputs.level,
            inputs.race,
            km(peak)
        ));
    }
    let floor = long_run_floor_km(inputs.race);
    if km(longest_run) < floor {
        notes.push(format!(
            "volume: the long run reaches only {} km, short of the {floor} km that prepares for a {}; \
             more weeks or more weekly volume would let it grow safely",
            km(longest_run),
            inputs.race
        ));
    }
    Progression {
        weeks,
        target_peak: target,
        peak,
        longest: longest_run,
        notes,
    }
}

/// The day that holds the race: the last `race` day, else the last running day.
pub fn race_day(types: &[SessionType]) -> Option<usize> {
    types
        .iter()
        .rposition(|t| *t == SessionType::Race)
        .or_else(|| types.iter().rposition(|t| t.is_running()))
}

/// The day that holds the long run: the first `long` day that is not the race day.
pub fn long_day(types: &[SessionType], race_day: Option<usize>) -> Option<usize> {
    (0..types.len()).find(|&i| types[i] == SessionType::Long && Some(i) != race_day)
}

/// How much of the rest of a week a day of `session_type` takes, relative to an easy day.
pub fn day_weight(session_type: SessionType) -> f64 {
    use SessionType::*;
    match session_type {
        Recovery => 0.6,
        Strides => 0.9,
        BackToBack | Long => 1.5,
        Easy | Race => 1.0,
        Progression | Tempo | Threshold | CruiseIntervals | Vo2max | Hills | RacePace | Fartlek
        | Rest | CrossTraining => 1.1,
    }
}

/// Splits `volume` over a week's days (session types mon..sun): `long` on the first `long`
/// day, `race` on the last `race` day, the rest over the other running days by
/// [`day_weight`], none longer than the long run when the week has one (unless the week could
/// not hold its volume otherwise). Shares are rounded to tenths by the largest remainder (ties
/// to the earlier day), so the days add up to `volume` exactly; a week without another running
/// day gives the rest to its long run (or race). Rest and cross-training days get 0.
pub fn split_week(
    volume: Tenths,
    long: Tenths,
    race: Tenths,
    types: &[SessionType],
) -> Vec<Tenths> {
    let mut out = vec![0; types.len()];
    let race_day = if race > 0 { race_day(types) } else { None };
    let long_day = if long > 0 {
        long_day(types, race_day)
    } else {
        None
    };
    let mut rest = volume;
    if let Some(d) = race_day {
        out[d] = race.min(rest);
        rest -= out[d];
    }
    if let Some(d) = long_day {
        out[d] = long.min(rest);
        rest -= out[d];
    }
    let flexible: Vec<usize> = (0..types.len())
        .filter(|&i| types[i].is_running() && Some(i) != race_day && Some(i) != long_day)
        .collect();
    if flexible.is_empty() {
        if let Some(d) = long_day.or(race_day) {
            out[d] += rest;
        }
        return out;
    }
    let cap = long_day.map(|_| long as f64);
    let shares = water_fill(
        rest as f64,
        &flexible
            .iter()
            .map(|&i| day_weight(types[i]))
            .collect::<Vec<_>>(),
        cap,
    );
    for (i, t) in flexible.iter().zip(largest_remainder(&shares, rest)) {
        out[*i] = t;
    }
    out
}

/// Shares of `total` by `weights`, none above `cap` while the others can take the excess.
fn water_fill(total: f64, weights: &[f64], cap: Option<f64>) -> Vec<f64> {
    let mut shares = vec![0.0; weights.len()];
    let mut open: Vec<usize> = (0..weights.len()).collect();
    let mut left = total;
    loop {
        let sum: f64 = open.iter().map(|&i| weights[i]).sum();
        if open.is_empty() || sum <= 0.0 {
            break;
        }
        let over: Vec<usize> = match cap {
            Some(c) if c * open.len() as f64 >= left => open
                .iter()
                .copied()
                .filter(|&i| left * weights[i] / sum > c)
                .collect(),
            _ => Vec::new(),
        };
        if over.is_empty() {
            for &i in &open {
                shares[i] = left * weights[i] / sum;
            }
            break;
        }
        for &i in &over {
            shares[i] = cap.unwrap_or_default();
            left -= shares[i];
        }
        open.retain(|i| !over.contains(i));
    }
    shares
}

/// Rounds `shares` (tenths) to integers adding up to `total`: floors first, then one more to
/// the largest fractional parts, ties to the earlier share.
pub fn largest_remainder(shares: &[f64], total: Tenths) -> Vec<Tenths> {
    let mut out: Vec<Tenths> = shares
        .iter()
        .map(|s| s.max(0.0).floor() as Tenths)
        .collect();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        let (fa, fb) = (shares[a] - shares[a].floor(), shares[b] - shares[b].floor());
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    let mut missing = total - out.iter().sum::<Tenths>();
    let mut k = 0;
    while missing != 0 && !order.is_empty() {
        let i = order[k % order.len()];
        if missing > 0 {
            out[i] += 1;
            missing -= 1;
        } else if out[i] > 0 {
            out[i] -= 1;
            missing += 1;
        }
        k += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(names: &[&str]) -> Vec<SessionType> {
        names
            .iter()
            .map(|n| SessionType::parse(n).unwrap_or_else(|| panic!("{n} is a session type")))
            .collect()
    }

    fn kinds(labels: &[&str]) -> Vec<PhaseKind> {
        labels
            .iter()
            .map(|l| {
                PhaseKind::ALL
                    .into_iter()
                    .find(|k| k.label() == *l)
                    .unwrap_or_else(|| panic!("{l} is a phase label"))
            })
            .collect()
    }

    fn inputs<'a>(phases: &'a [PhaseKind], weekly: f64) -> Inputs<'a> {
        Inputs {
            race: Race::Marathon,
            level: Level::Intermediate,
            days_per_week: 5,
            phases,
            weekly_km: weekly,
            long_run_km: 0.3 * weekly,
            easy_sec_per_km: 360.0,
        }
    }

    #[test]
    fn volume_grows_cuts_back_and_tapers() {
        let phases = [
            "base", "build", "build", "build", "build", "build", "build", "build", "build", "peak",
            "peak", "peak", "peak", "taper", "taper", "race",
        ];
        let phases = kinds(&phases);
        let p = progression(&inputs(&phases, 40.0));
        let v: Vec<f64> = p.weeks.iter().map(|w| km(w.volume)).collect();
        assert_eq!(v[0], 40.0);
        assert!(p.weeks[3].cutback && p.weeks[7].cutback, "{v:?}");
        assert_eq!(km(p.peak), 80.0);
        assert_eq!(v[13], 60.0);
        assert_eq!(v[14], 48.0);
        assert_eq!(v[15], 36.0 + 42.2);
        assert!(p.notes.is_empty(), "{:?}", p.notes);
    }

    #[test]
    fn days_add_up_exactly() {
        let types = [
            "easy",
            "threshold",
            "rest",
            "easy",
            "recovery",
            "easy",
            "long",
        ];
        for volume in [13, 100, 457, 999, 1201] {
            let long = volume * 3 / 10;
            let days = split_week(volume, long, 0, &typed(&types));
            assert_eq!(days.iter().sum::<Tenths>(), volume, "{days:?}");
            assert_eq!(days[2], 0);
            assert_eq!(days[6], long);
            assert!(days.iter().all(|d| *d <= long), "{days:?}");
        }
        let race_week = ["easy", "rest", "strides", "rest", "easy", "rest", "race"];
        let days = split_week(722, 0, 422, &typed(&race_week));
        assert_eq!(days[6], 422);
        assert_eq!(days.iter().sum::<Tenths>(), 722);
    }

    #[test]
    fn remainders_go_to_the_largest_fractions() {
        assert_eq!(largest_remainder(&[1.5, 1.5, 1.0], 4), vec![2, 1, 1]);
        assert_eq!(largest_remainder(&[0.2, 0.9, 2.9], 4), vec![0, 1, 3]);
    }
}
