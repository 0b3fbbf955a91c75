//! Helpers shared by the plan tests: the baked index (or a printed reason to skip), requests
//! over the whole grid, and plan JSON without its timing.
#![allow(dead_code)]

use plan_index::baked;
use plan_index_core::{BakedIndex, Coded, ErrorKind};
use plan_index_embed::QUERIES_COLLECTION;
use plan_index_plan::queries::{KNOWLEDGE, PHILOSOPHIES, SESSION_TEMPLATES, WEEK_STRUCTURES};
use plan_index_plan::vocab::{LEVELS, MAX_DAYS, MIN_DAYS, RACES};
use plan_index_plan::{Plan, PlanRequest, plan};

/// Plan lengths the grid covers.
pub const WEEK_COUNTS: [i64; 4] = [4, 12, 16, 24];

/// The baked index when it has every collection plans need; otherwise prints why the caller
/// skips (the placeholder index of a branch without `prepare` output).
pub fn plan_index(test: &str) -> Option<&'static BakedIndex> {
    let index = baked().expect("the baked index decodes");
    let missing: Vec<&str> = [
        PHILOSOPHIES,
        WEEK_STRUCTURES,
        SESSION_TEMPLATES,
        KNOWLEDGE,
        QUERIES_COLLECTION,
    ]
    .into_iter()
    .filter(|c| !matches!(index.collection(c), Ok(Some(_))))
    .collect();
    if missing.is_empty() {
        return Some(index);
    }
    eprintln!(
        "skipping {test}: the baked index lacks the collections {missing:?}; bake the output of \
         `plan-index prepare` (or PLAN_INDEX_DIR=<dev index>) to run it"
    );
    None
}

/// A request by weeks and level.
pub fn request(race: &str, level: &str, days: i64, weeks: i64, mode: &str) -> PlanRequest {
    PlanRequest {
        race: race.into(),
        weeks: Some(weeks),
        level: Some(level.into()),
        days_per_week: Some(days),
        mode: Some(mode.into()),
        ..PlanRequest::default()
    }
}

/// Every race x level x days per week x plan length, in `mode`.
pub fn grid(mode: &str) -> Vec<PlanRequest> {
    let mut requests = Vec::new();
    for race in RACES {
        for level in LEVELS {
            for days in MIN_DAYS..=MAX_DAYS {
                for weeks in WEEK_COUNTS {
                    requests.push(request(race, level, days, weeks, mode));
                }
            }
        }
    }
    requests
}

/// The plan as JSON without `compute_us` (the only field allowed to differ between runs).
pub fn without_timing(plan: &Plan) -> serde_json::Value {
    let mut value = serde_json::to_value(plan).expect("a plan serializes");
    value
        .as_object_mut()
        .expect("a plan is an object")
        .remove("compute_us");
    value
}

/// Every query text a plan used.
pub fn query_texts(plan: &Plan) -> Vec<String> {
    let mut texts = vec![plan.philosophy.query.clone()];
    for week in &plan.weeks {
        texts.push(week.structure.query.clone());
        texts.extend(
            week.days
                .iter()
                .filter_map(|d| d.template.as_ref().map(|t| t.query.clone())),
        );
    }
    texts.extend(plan.knowledge.iter().map(|p| p.item.query.clone()));
    texts
}

/// Asserts `req` is refused with `code`, `kind` and a message naming every word of `words`.
pub fn refused(req: &PlanRequest, code: &str, kind: ErrorKind, words: &[&str]) {
    let index = baked().expect("the baked index decodes");
    let err = match plan(index, req) {
        Ok(_) => panic!("{req:?} was accepted"),
        Err(e) => e,
    };
    assert_eq!(
        (err.code().as_str(), err.code().kind()),
        (code, kind),
        "{req:?}: {err}"
    );
    let message = err.to_string();
    for word in words {
        assert!(
            message.contains(word),
            "{message:?} should mention {word:?}"
        );
    }
}

/// A valid 16-week intermediate marathon request, to spoil one field at a time.
pub fn base() -> PlanRequest {
    request("marathon", "intermediate", 5, 16, "strict")
}
