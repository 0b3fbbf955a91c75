//! The volume rules of docs/plan.md over the whole grid (race x level x days 3-7 x weeks 4-30
//! x several weekly volumes), in strict and semantic mode: days add up to their week, growth
//! stays within 10% (or the small-volume step) of the highest week so far, cutbacks come in
//! every four weeks of base and build, the taper falls week by week to a race week 40-60%
//! under the peak, the long run keeps its caps, and race day is the race distance.

mod plan_common;

use plan_common::{plan_index, request, without_timing};
use plan_index_plan::vocab::{
    LEVELS, Level, MAX_DAYS, MAX_WEEKS, MIN_DAYS, MIN_WEEKS, RACES, Race, is_running,
};
use plan_index_plan::volume::{
    LONG_RUN_MAX_MIN, default_weekly_km, long_run_cap_km, long_run_share, max_next, race_km, tenths,
};
use plan_index_plan::{Plan, PlanRequest, RaceDistance, RecentRace, plan};

/// Weekly volumes of the grid: the level's default, low, medium, high.
const WEEKLY: [Option<f64>; 4] = [None, Some(12.0), Some(45.0), Some(95.0)];

fn grid(mode: &str) -> Vec<PlanRequest> {
    let mut out = Vec::new();
    for race in RACES {
        for level in LEVELS {
            for days in MIN_DAYS..=MAX_DAYS {
                for weeks in MIN_WEEKS..=MAX_WEEKS {
                    for weekly in WEEKLY {
                        out.push(PlanRequest {
                            weekly_km: weekly,
                            ..request(race, level, days, weeks, mode)
                        });
                    }
                }
            }
        }
    }
    out
}

fn t(km: f64) -> i64 {
    tenths(km)
}

/// The race day of the last week: the day whose description is the race.
fn race_day(plan: &Plan) -> Option<usize> {
    let last = plan.weeks.last()?;
    last.days.iter().position(|d| {
        d.detail
            .description
            .as_deref()
            .is_some_and(|s| s.starts_with("Race day"))
    })
}

/// A week's volume without the race (the race week's running around its race).
fn training_volume(plan: &Plan, w: usize) -> i64 {
    let week = &plan.weeks[w];
    let mut v = t(week.detail.volume_km);
    if w + 1 == plan.weeks.len()
        && let Some(d) = race_day(plan)
    {
        v -= t(week.days[d].detail.distance_km.unwrap_or_default());
    }
    v
}

fn label(plan: &Plan, w: usize) -> &'static str {
    let race = plan.request.race.as_str();
    plan_index_plan::vocab::phase_kind(race, plan.weeks[w].days_to_race)
        .expect("a known race")
        .label()
}

fn check(req: &PlanRequest, plan: &Plan) {
    let race = Race::parse(&req.race).expect("a known race");
    let level = req.level.as_deref().unwrap_or_default();
    let typed_level = Level::parse(level).expect("a known level");
    let weekly = req
        .weekly_km
        .unwrap_or_else(|| default_weekly_km(typed_level));
    let days = plan.request.days_per_week.unwrap_or_default();
    let n = plan.weeks.len();
    let ctx = format!("{race} {level} {days}d {n}w {weekly}km {:?}", req.mode);

    // Days add up to the week's volume exactly; every running day is concrete.
    for week in &plan.weeks {
        let sum: i64 = week
            .days
            .iter()
            .map(|d| t(d.detail.distance_km.unwrap_or_default()))
            .sum();
        assert_eq!(sum, t(week.detail.volume_km), "{ctx} week {}", week.week);
        for day in &week.days {
            let running = is_running(day.session_type.as_str());
            if running || day.detail.distance_km.is_some() {
                assert!(
                    day.detail.distance_km.is_some() && day.detail.duration_min.is_some(),
                    "{ctx} week {} {}: {:?}",
                    week.week,
                    day.day,
                    day.detail
                );
                assert!(day.detail.description.is_some());
            }
        }
    }

    // Growth: no week above 1.1x (or the small-volume step over) the highest before it, the
    // athlete's current volume included; the race week is counted without the race.
    let mut highest = t(weekly);
    for w in 0..n {
        let v = training_volume(plan, w);
        assert!(
            v <= max_next(highest),
            "{ctx}: week {} has {v} tenths after a highest of {highest}",
            w + 1
        );
        highest = highest.max(v);
    }

    // Cutbacks: in plans of 12+ weeks, every four consecutive base/build weeks hold one, and
    // each cutback is 20-30% below the week before.
    let base_build: Vec<bool> = (0..n)
        .map(|w| matches!(label(plan, w), "base" | "build"))
        .collect();
    if n >= 12 {
        for start in 0..n.saturating_sub(3) {
            if (start..start + 4).all(|w| base_build[w]) {
                assert!(
                    (start..start + 4).any(|w| plan.weeks[w].detail.cutback),
                    "{ctx}: no cutback in weeks {}-{}",
                    start + 1,
                    start + 4
                );
            }
        }
    }
    for (w, pair) in plan.weeks.windows(2).enumerate() {
        if pair[1].detail.cutback {
            assert!(base_build[w + 1], "{ctx}: cutback outside base/build");
            let ratio = pair[1].detail.volume_km / pair[0].detail.volume_km;
            assert!(
                (0.69..=0.81).contains(&ratio),
                "{ctx}: cutback ratio {ratio}"
            );
        }
    }

    // Taper: each taper week below the one before; the race week without the race 40-60%
    // under the peak (the highest week before the taper).
    let first_taper = (0..n)
        .find(|&w| matches!(label(plan, w), "taper" | "race"))
        .expect("a taper");
    let peak = (0..first_taper)
        .map(|w| training_volume(plan, w))
        .max()
        .expect("training weeks");
    for w in first_taper..n {
        assert!(
            training_volume(plan, w) < training_volume(plan, w - 1),
            "{ctx}: taper week {} does not fall",
            w + 1
        );
    }
    let race_week = training_volume(plan, n - 1) as f64 / peak as f64;
    assert!(
        (0.395..=0.605).contains(&race_week),
        "{ctx}: race week without the race is {race_week} of the peak"
    );

    // The long run keeps its caps: the race cap, its share of the week, three hours for races
    // up to the marathon.
    let cap = long_run_cap_km(race);
    let share = long_run_share(days);
    for week in &plan.weeks {
        let Some(long) = week.detail.long_run_km else {
            continue;
        };
        assert!(long <= cap, "{ctx} week {}: long run {long}", week.week);
        assert!(
            long <= share * week.detail.volume_km + 0.05,
            "{ctx} week {}: long run {long} of {}",
            week.week,
            week.detail.volume_km
        );
        let minutes = week
            .days
            .iter()
            .find(|d| d.session_type == "long")
            .and_then(|d| d.detail.duration_min)
            .unwrap_or_default();
        if race != Race::Ultra {
            assert!(minutes as f64 <= LONG_RUN_MAX_MIN, "{ctx}: {minutes} min");
        }
    }

    // Race day is the race distance.
    let d = race_day(plan).unwrap_or_else(|| panic!("{ctx}: no race day"));
    let last = plan.weeks.last().expect("weeks");
    assert_eq!(
        last.days[d].detail.distance_km.map(t),
        Some(t(race_km(race))),
        "{ctx}"
    );
    if req.mode.as_deref() == Some("strict") {
        assert_eq!(last.days[d].session_type, "race", "{ctx}");
        assert_eq!(last.days[d].day, "sun", "{ctx}");
    }
}

fn run_grid(test: &str, mode: &str) {
    let Some(index) = plan_index(test) else {
        return;
    };
    for req in grid(mode) {
        let p = plan(index, &req).unwrap_or_else(|e| panic!("{req:?}: {e}"));
        check(&req, &p);
    }
}

#[test]
fn strict_plans_keep_the_volume_rules_over_the_grid() {
    run_grid("strict_plans_keep_the_volume_rules_over_the_grid", "strict");
}

#[test]
fn semantic_plans_keep_the_volume_rules_over_the_grid() {
    run_grid(
        "semantic_plans_keep_the_volume_rules_over_the_grid",
        "semantic",
    );
}

#[test]
fn the_old_services_row_works_and_grows() {
    // The old backend: a 16-week marathon, every session with distance and duration.
    let Some(index) = plan_index("the_old_services_row_works_and_grows") else {
        return;
    };
    let p = plan(index, &request("marathon", "intermediate", 5, 16, "strict")).expect("plan");
    let volumes: Vec<f64> = p.weeks.iter().map(|w| w.detail.volume_km).collect();
    let distinct: std::collections::BTreeSet<i64> = volumes.iter().map(|v| t(*v)).collect();
    assert!(distinct.len() >= 10, "{volumes:?}");
    assert!(p.weeks.iter().filter(|w| w.detail.cutback).count() >= 2);
    let longs: Vec<f64> = p
        .weeks
        .iter()
        .filter_map(|w| w.detail.long_run_km)
        .collect();
    assert!(
        longs.iter().cloned().fold(0.0, f64::max) >= 26.0,
        "{longs:?}"
    );
    let training = p.training.as_ref().expect("training");
    assert_eq!(training.pace_source, "level_default");
    assert!(training.paces.is_none());
    assert!(p.weeks[0].days.iter().all(|d| d.detail.paces.is_none()));
}

#[test]
fn paces_come_from_a_recent_race_or_a_goal() {
    let Some(index) = plan_index("paces_come_from_a_recent_race_or_a_goal") else {
        return;
    };
    let req = PlanRequest {
        recent_race: Some(RecentRace {
            distance: RaceDistance::Name("10k".into()),
            time: "41:21".into(),
        }),
        weekly_km: Some(60.0),
        ..request("marathon", "intermediate", 5, 16, "strict")
    };
    let p = plan(index, &req).expect("plan");
    let training = p.training.as_ref().expect("training");
    assert!((training.vdot - 50.0).abs() <= 0.1, "{}", training.vdot);
    let paces = training.paces.as_ref().expect("paces");
    assert_eq!(paces["threshold"], "4:15/km");
    assert_eq!(paces["marathon"], "4:31/km");
    let threshold_day = p
        .weeks
        .iter()
        .flat_map(|w| &w.days)
        .find(|d| d.session_type == "threshold" || d.session_type == "cruise_intervals")
        .expect("a threshold day");
    let day_paces = threshold_day.detail.paces.as_ref().expect("day paces");
    assert_eq!(day_paces["threshold"], "4:15/km");
    assert!(
        threshold_day
            .detail
            .description
            .as_deref()
            .is_some_and(|s| s.contains("threshold 4:15/km")),
        "{:?}",
        threshold_day.detail.description
    );

    let goal = PlanRequest {
        goal_time: Some("3:10:49".into()),
        ..request("marathon", "intermediate", 5, 16, "strict")
    };
    let p = plan(index, &goal).expect("plan");
    let training = p.training.as_ref().expect("training");
    assert_eq!(training.pace_source, "goal_time");
    assert_eq!(training.race_time.as_deref(), Some("3:10:49"));
    let race = p.weeks.last().expect("weeks").days.last().expect("sun");
    assert_eq!(race.detail.duration_min, Some(191));

    // Miles: every distance also in miles, adding up within the week, paces per mile.
    let miles = PlanRequest {
        units: Some("mi".into()),
        ..goal
    };
    let p = plan(index, &miles).expect("plan");
    for week in &p.weeks {
        let sum: i64 = week
            .days
            .iter()
            .map(|d| t(d.detail.distance_mi.unwrap_or_default()))
            .sum();
        assert_eq!(Some(sum), week.detail.volume_mi.map(t));
    }
    let paces = p
        .training
        .as_ref()
        .and_then(|t| t.paces.as_ref())
        .expect("paces");
    assert!(paces["marathon"].ends_with("/mi"), "{paces:?}");
}

#[test]
fn workouts_progress_within_a_phase() {
    let Some(index) = plan_index("workouts_progress_within_a_phase") else {
        return;
    };
    let p = plan(index, &request("marathon", "advanced", 6, 24, "strict")).expect("plan");
    // A template used in several weeks of one phase reads differently as the phase goes on.
    let mut seen: std::collections::BTreeMap<(String, &str), Vec<String>> = Default::default();
    for week in &p.weeks {
        for day in &week.days {
            if let (Some(t), Some(text)) = (&day.template, &day.detail.description) {
                let structure = t.payload.as_ref().and_then(|p| p["structure"].as_str());
                if structure.is_some_and(|s| s.contains("-")) && !week.detail.cutback {
                    seen.entry((t.id.clone(), week.phase.as_str()))
                        .or_default()
                        .push(text.split(". ").next().unwrap_or_default().to_string());
                }
            }
        }
    }
    let grew = seen.values().filter(|texts| {
        let distinct: std::collections::BTreeSet<&String> = texts.iter().collect();
        distinct.len() > 1
    });
    assert!(grew.count() > 0, "{seen:#?}");
}

#[test]
fn same_request_same_bytes() {
    let Some(index) = plan_index("same_request_same_bytes") else {
        return;
    };
    for mode in ["strict", "semantic"] {
        let req = PlanRequest {
            race_date: Some("2026-10-04".into()),
            start_date: Some("2026-06-01".into()),
            weeks: None,
            goal_time: Some("1:45:00".into()),
            ..request("half_marathon", "intermediate", 5, 16, mode)
        };
        let a = plan(index, &req).expect("plan");
        let b = plan(index, &req).expect("plan");
        assert_eq!(
            serde_json::to_vec(&without_timing(&a)).expect("json"),
            serde_json::to_vec(&without_timing(&b)).expect("json")
        );
        assert_eq!(plan_index_plan::ics(&a), plan_index_plan::ics(&b));
        let sunday = a.weeks.last().and_then(|w| w.days.last()).expect("sun");
        assert_eq!(sunday.detail.date.as_deref(), Some("2026-10-04"));
        assert_eq!(
            a.weeks[0].days[0].detail.date.as_deref(),
            Some("2026-06-01")
        );
    }
}
