//! Bad athlete fields (weekly_km, long_run_km, recent_race, goal_time, units) are refused with
//! the field named: unreadable ones 400, out of range 422 `invalid_value`, beyond what a runner
//! does 422 `implausible_value`, both fitness fields at once 400 `conflicting_fields`.
//! Validation runs before any selection, so no plan collections are needed.

mod plan_common;

use plan_common::{base, refused};
use plan_index::baked;
use plan_index_core::ErrorKind;
use plan_index_plan::{PlanRequest, RaceDistance, RecentRace, plan};

fn recent(distance: RaceDistance, time: &str) -> PlanRequest {
    PlanRequest {
        recent_race: Some(RecentRace {
            distance,
            time: time.into(),
        }),
        ..base()
    }
}

const BAD: ErrorKind = ErrorKind::Unprocessable;

#[test]
fn weekly_km_must_be_positive_and_plausible() {
    for km in [0.0, -5.0, f64::NAN] {
        let req = PlanRequest {
            weekly_km: Some(km),
            ..base()
        };
        refused(&req, "invalid_value", BAD, &["weekly_km"]);
    }
    let req = PlanRequest {
        weekly_km: Some(500.0),
        ..base()
    };
    refused(&req, "implausible_value", BAD, &["weekly_km", "500"]);
}

#[test]
fn long_run_km_must_fit_the_week() {
    let req = PlanRequest {
        long_run_km: Some(-1.0),
        ..base()
    };
    refused(&req, "invalid_value", BAD, &["long_run_km"]);
    let req = PlanRequest {
        weekly_km: Some(30.0),
        long_run_km: Some(40.0),
        ..base()
    };
    refused(
        &req,
        "implausible_value",
        BAD,
        &["long_run_km", "weekly_km"],
    );
    let req = PlanRequest {
        long_run_km: Some(250.0),
        weekly_km: Some(250.0),
        ..base()
    };
    refused(&req, "implausible_value", BAD, &["long_run_km"]);
}

#[test]
fn race_results_must_be_readable_and_humanly_possible() {
    let name = |s: &str| RaceDistance::Name(s.into());
    refused(
        &recent(name("10k"), "00:05:00"),
        "implausible_value",
        BAD,
        &["recent_race.time", "VDOT"],
    );
    refused(
        &recent(name("10k"), "9:00:00"),
        "implausible_value",
        BAD,
        &["recent_race.time"],
    );
    refused(
        &recent(name("10k"), "forty"),
        "malformed_field",
        ErrorKind::BadRequest,
        &["recent_race.time", "HH:MM:SS"],
    );
    refused(
        &recent(name("10 miles"), "1:10:00"),
        "malformed_field",
        ErrorKind::BadRequest,
        &["recent_race.distance"],
    );
    refused(
        &recent(RaceDistance::Km(100.0), "10:00:00"),
        "invalid_value",
        BAD,
        &["recent_race.distance", "42.195"],
    );
    refused(
        &recent(RaceDistance::Km(-3.0), "10:00"),
        "invalid_value",
        BAD,
        &["recent_race.distance"],
    );
    refused(
        &recent(name("5k"), "00:00:00"),
        "invalid_value",
        BAD,
        &["recent_race.time"],
    );
    // Accepted: names, km as numbers and as text.
    let index = baked().expect("index");
    if plan_common::plan_index("race_results_accepted").is_some() {
        for req in [
            recent(name("half_marathon"), "1:39:00"),
            recent(name("21.1"), "1:39:00"),
            recent(RaceDistance::Km(21.1), "1:39:00"),
            recent(name("5k"), "25:00"),
        ] {
            plan(index, &req).unwrap_or_else(|e| panic!("{req:?}: {e}"));
        }
    }
}

#[test]
fn goal_time_and_units() {
    let goal = |race: &str, time: &str| PlanRequest {
        goal_time: Some(time.into()),
        race: race.into(),
        ..base()
    };
    refused(
        &goal("marathon", "0:30:00"),
        "implausible_value",
        BAD,
        &["goal_time"],
    );
    refused(
        &goal("marathon", "3h30"),
        "malformed_field",
        ErrorKind::BadRequest,
        &["goal_time"],
    );
    refused(
        &goal("ultra", "6:00:00"),
        "invalid_value",
        BAD,
        &["goal_time", "recent_race"],
    );
    let both = PlanRequest {
        goal_time: Some("3:30:00".into()),
        ..recent(RaceDistance::Name("10k".into()), "45:00")
    };
    refused(
        &both,
        "conflicting_fields",
        ErrorKind::BadRequest,
        &["recent_race", "goal_time"],
    );
    let req = PlanRequest {
        units: Some("furlongs".into()),
        ..base()
    };
    refused(&req, "invalid_value", BAD, &["units", "mi"]);
}

#[test]
fn json_bodies_carry_the_new_fields() {
    let body = r#"{"race": "10k", "weeks": 10, "level": "beginner", "weekly_km": 25,
                   "long_run_km": 8, "recent_race": {"distance": 5, "time": "28:00"},
                   "units": "mi"}"#;
    let req: PlanRequest = serde_json::from_str(body).expect("parses");
    assert_eq!(
        req.recent_race.map(|r| r.distance),
        Some(RaceDistance::Km(5.0))
    );
    let body = r#"{"race": "10k", "weeks": 10, "level": "beginner",
                   "recent_race": {"distance": "5k", "time": "28:00", "extra": 1}}"#;
    assert!(serde_json::from_str::<PlanRequest>(body).is_err());
}
