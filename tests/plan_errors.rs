//! Invalid plan requests get the right code, kind and a message that says what to fix.
//! Request validation needs no index; philosophy checks run when the plan collections exist.

mod plan_common;

use plan_common::{base, plan_index, refused};
use plan_index_core::ErrorKind;
use plan_index_plan::{PlanRequest, plan};

#[test]
fn unknown_race_is_unprocessable() {
    let req = PlanRequest {
        race: "marathonx".into(),
        ..base()
    };
    refused(
        &req,
        "invalid_value",
        ErrorKind::Unprocessable,
        &["race", "half_marathon"],
    );
    let req = PlanRequest {
        race: String::new(),
        ..base()
    };
    refused(&req, "missing_field", ErrorKind::BadRequest, &["race"]);
}

#[test]
fn weeks_out_of_range_are_unprocessable() {
    for weeks in [0, 3, 31, 100, -2] {
        let req = PlanRequest {
            weeks: Some(weeks),
            ..base()
        };
        refused(
            &req,
            "invalid_value",
            ErrorKind::Unprocessable,
            &["4 to 30", &weeks.to_string()],
        );
    }
}

#[test]
fn weeks_or_race_date_is_required_and_not_both() {
    let req = PlanRequest {
        weeks: None,
        ..base()
    };
    refused(
        &req,
        "missing_field",
        ErrorKind::BadRequest,
        &["weeks", "race_date"],
    );
    let req = PlanRequest {
        race_date: Some("2030-01-06".into()),
        ..base()
    };
    refused(
        &req,
        "conflicting_fields",
        ErrorKind::BadRequest,
        &["weeks", "race_date"],
    );
}

#[test]
fn level_or_ctl_is_required() {
    let req = PlanRequest {
        level: None,
        ctl: None,
        ..base()
    };
    refused(
        &req,
        "missing_field",
        ErrorKind::BadRequest,
        &["level", "ctl"],
    );
    let req = PlanRequest {
        level: Some("expert".into()),
        ..base()
    };
    refused(
        &req,
        "invalid_value",
        ErrorKind::Unprocessable,
        &["expert", "beginner"],
    );
    let req = PlanRequest {
        level: None,
        ctl: Some(-5.0),
        ..base()
    };
    refused(&req, "invalid_value", ErrorKind::Unprocessable, &["ctl"]);
}

#[test]
fn race_dates_in_the_past_or_malformed_are_refused() {
    let dated = |race_date: &str, start: Option<&str>| PlanRequest {
        weeks: None,
        race_date: Some(race_date.into()),
        start_date: start.map(String::from),
        ..base()
    };
    refused(
        &dated("2020-05-03", None),
        "invalid_value",
        ErrorKind::Unprocessable,
        &["past"],
    );
    refused(
        &dated("2026-03-01", Some("2026-04-01")),
        "invalid_value",
        ErrorKind::Unprocessable,
        &["past", "2026-04-01"],
    );
    refused(
        &dated("next sunday", None),
        "malformed_field",
        ErrorKind::BadRequest,
        &["YYYY-MM-DD"],
    );
    refused(
        &dated("2026-03-01", Some("2026-02-25")),
        "invalid_value",
        ErrorKind::Unprocessable,
        &["4 to 30", "1 weeks"],
    );
}

#[test]
fn days_per_week_and_mode_out_of_vocabulary_are_unprocessable() {
    let req = PlanRequest {
        days_per_week: Some(9),
        ..base()
    };
    refused(
        &req,
        "invalid_value",
        ErrorKind::Unprocessable,
        &["days_per_week", "3 to 7", "9"],
    );
    let req = PlanRequest {
        mode: Some("fuzzy".into()),
        ..base()
    };
    refused(
        &req,
        "invalid_value",
        ErrorKind::Unprocessable,
        &["fuzzy", "semantic"],
    );
}

#[test]
fn unknown_philosophy_names_the_known_ones() {
    let Some(index) = plan_index("unknown_philosophy_names_the_known_ones") else {
        return;
    };
    let first = index
        .collection("philosophies")
        .expect("intact")
        .expect("philosophies")
        .item(0)
        .id
        .to_string();
    let req = PlanRequest {
        philosophy: Some("no_such_method".into()),
        ..base()
    };
    refused(
        &req,
        "unknown_philosophy",
        ErrorKind::Unprocessable,
        &["no_such_method", &first],
    );
}

#[test]
fn unsuitable_philosophy_says_which_requirement_fails() {
    let Some(index) = plan_index("unsuitable_philosophy_says_which_requirement_fails") else {
        return;
    };
    let philosophies = index
        .collection("philosophies")
        .expect("intact")
        .expect("philosophies");
    let lacks = |key: &str, value: &str| {
        philosophies
            .items()
            .find(|i| i.metadata.get(key).is_some_and(|v| !v.matches(value)))
            .map(|i| i.id.to_string())
    };
    let mut checked = 0;
    for race in ["5k", "10k", "half_marathon", "marathon", "ultra"] {
        if let Some(id) = lacks("race_types", race) {
            let req = PlanRequest {
                race: race.into(),
                philosophy: Some(id.clone()),
                ..base()
            };
            refused(
                &req,
                "unsuitable_philosophy",
                ErrorKind::Unprocessable,
                &[&id, "race", race],
            );
            checked += 1;
        }
    }
    if let Some(id) = lacks("levels", "beginner") {
        let req = PlanRequest {
            level: Some("beginner".into()),
            philosophy: Some(id.clone()),
            ..base()
        };
        refused(
            &req,
            "unsuitable_philosophy",
            ErrorKind::Unprocessable,
            &[&id, "level beginner"],
        );
        checked += 1;
    }
    let narrow = philosophies.items().find(|i| {
        i.metadata
            .get("max_days_per_week")
            .and_then(|v| v.as_int())
            .is_some_and(|m| m < 7)
    });
    if let Some(item) = narrow {
        let req = PlanRequest {
            days_per_week: Some(7),
            philosophy: Some(item.id.to_string()),
            race: "5k".into(),
            ..base()
        };
        refused(
            &req,
            "unsuitable_philosophy",
            ErrorKind::Unprocessable,
            &["7 days per week"],
        );
        checked += 1;
    }
    assert!(
        checked >= 3,
        "the index should have philosophies that do not fit everything"
    );
}

#[test]
fn race_date_and_ctl_resolve_to_weeks_and_level() {
    let Some(index) = plan_index("race_date_and_ctl_resolve_to_weeks_and_level") else {
        return;
    };
    let req = PlanRequest {
        weeks: None,
        race_date: Some("2025-04-27".into()),
        start_date: Some("2025-01-06".into()),
        level: None,
        ctl: Some(50.0),
        ..base()
    };
    let plan = plan(index, &req).expect("plan");
    assert_eq!(plan.request.weeks, Some(16));
    assert_eq!(plan.request.level.as_deref(), Some("intermediate"));
    assert_eq!(plan.weeks.len(), 16);
    assert!(
        plan.warnings.iter().all(|w| !w.contains("Sunday")),
        "2025-04-27 is a Sunday"
    );
    let saturday = PlanRequest {
        race_date: Some("2025-04-26".into()),
        ..req
    };
    let plan = plan_index_plan::plan(index, &saturday).expect("plan");
    assert!(
        plan.warnings.iter().any(|w| w.contains("Saturday")),
        "{:?}",
        plan.warnings
    );
}
