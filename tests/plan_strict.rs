//! Strict plans over the whole grid (race x level x days per week x 4, 12, 16, 24 weeks):
//! complete, within every week rule, nothing from another philosophy, templates of the day's
//! session type, deterministic, ending with a taper race week. The checks are written out
//! here independently of `plan::rules`, and the library's own audit must agree.

mod plan_common;

use plan_common::{grid, plan_index, without_timing};
use plan_index_plan::rules::plan_problems;
use plan_index_plan::vocab::{DAYS, HORIZON_DAYS, is_hard, is_running};
use plan_index_plan::{Plan, PlanRequest, Selected, plan};
use serde_json::Value;

fn list(sel: &Selected, key: &str) -> Vec<String> {
    sel.metadata
        .get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn int(sel: &Selected, key: &str) -> i64 {
    sel.metadata
        .get(key)
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("{} has no integer {key}", sel.id))
}

fn neighbours(a: usize, b: usize) -> bool {
    (a + 7 - b) % 7 == 1 || (b + 7 - a) % 7 == 1
}

fn check_philosophy(plan: &Plan, race: &str, level: &str, days: i64) {
    let p = &plan.philosophy;
    assert!(list(p, "race_types").iter().any(|r| r == race), "{}", p.id);
    assert!(list(p, "levels").iter().any(|l| l == level), "{}", p.id);
    assert!(int(p, "min_days_per_week") <= days && days <= int(p, "max_days_per_week"));
}

fn check_week_pattern(plan: &Plan, w: usize, race: &str, days: i64, max_hard: i64) {
    let week = &plan.weeks[w];
    let ctx = format!("{} week {}", plan.philosophy.id, week.week);
    let types: Vec<&str> = week.days.iter().map(|d| d.session_type.as_str()).collect();
    let names: Vec<&str> = week.days.iter().map(|d| d.day).collect();
    assert_eq!(names, DAYS, "{ctx}");
    assert_eq!(
        types.iter().filter(|t| is_running(t)).count() as i64,
        days,
        "{ctx}: {types:?}"
    );
    let at = |t: &str| (0..7).filter(|&i| types[i] == t).collect::<Vec<_>>();
    let last = w + 1 == plan.weeks.len();
    let anchor = if last {
        assert_eq!(at("race"), [6], "{ctx}: the race is on sun: {types:?}");
        assert!(at("long").is_empty(), "{ctx}: no long run in race week");
        6
    } else {
        assert!(at("race").is_empty(), "{ctx}: {types:?}");
        let longs = at("long");
        assert_eq!(longs.len(), 1, "{ctx}: exactly one long run: {types:?}");
        longs[0]
    };
    let b2b = at("back_to_back");
    assert!(
        b2b.len() <= usize::from(race == "ultra"),
        "{ctx}: {types:?}"
    );
    assert!(
        b2b.iter().all(|&d| d == (anchor + 1) % 7),
        "{ctx}: {types:?}"
    );
    let hard: Vec<usize> = (0..7).filter(|&i| is_hard(types[i])).collect();
    assert!(hard.len() as i64 <= max_hard, "{ctx}: {types:?}");
    if week.phase.as_str() == "taper" {
        assert!(hard.len() <= 1, "{ctx}: taper {types:?}");
    }
    let spaced: Vec<usize> = hard
        .iter()
        .copied()
        .filter(|&i| types[i] != "race")
        .collect();
    for &i in &spaced {
        for &j in spaced.iter().chain(&[anchor]).chain(&b2b) {
            assert!(
                i == j || !neighbours(i, j),
                "{ctx}: hard days {i}, {j}: {types:?}"
            );
        }
    }
}

fn check_items(plan: &Plan, w: usize, r: (&str, &str, i64)) {
    let (race, level, days) = r;
    let (week, p) = (&plan.weeks[w], plan.philosophy.id.as_str());
    let s = &week.structure;
    assert_eq!(s.meta_str("philosophy_id"), Some(p), "{}", s.id);
    assert!(list(s, "race_types").iter().any(|x| x == race), "{}", s.id);
    assert_eq!(s.meta_str("phase"), Some(week.phase.as_str()), "{}", s.id);
    assert_eq!(int(s, "days_per_week"), days, "{}", s.id);
    let dtr = week.days_to_race.min(HORIZON_DAYS);
    assert!(
        int(s, "days_to_race_min") <= dtr && dtr <= int(s, "days_to_race_max"),
        "{}",
        s.id
    );
    for day in &week.days {
        let t = day
            .template
            .as_ref()
            .unwrap_or_else(|| panic!("{} week {} {} has no template", p, week.week, day.day));
        assert_eq!(
            t.meta_str("session_type"),
            Some(day.session_type.as_str()),
            "{}",
            t.id
        );
        assert!(
            t.meta_str("philosophy_id").is_none_or(|x| x == p),
            "{}",
            t.id
        );
        assert!(
            list(t, "phases").iter().any(|x| *x == week.phase.as_str()),
            "{}",
            t.id
        );
        assert!(list(t, "race_types").iter().any(|x| x == race), "{}", t.id);
        assert!(list(t, "levels").iter().any(|x| x == level), "{}", t.id);
    }
}

fn check(req: &PlanRequest, plan: &Plan) {
    let level = req.level.as_deref().unwrap_or_default();
    let days = req.days_per_week.unwrap_or_default();
    let race = req.race.as_str();
    check_philosophy(plan, race, level, days);
    let max_hard = int(&plan.philosophy, "max_hard_days");
    assert_eq!(plan.weeks.len() as i64, req.weeks.unwrap_or_default());
    for w in 0..plan.weeks.len() {
        assert_eq!(plan.weeks[w].week, w as i64 + 1);
        check_week_pattern(plan, w, race, days, max_hard);
        check_items(plan, w, (race, level, days));
    }
    let last = plan.weeks.last().expect("weeks");
    assert_eq!(last.phase.as_str(), "taper");
    assert!(last.days_to_race < 7);
    assert!(!plan.knowledge.is_empty() && plan.knowledge.len() <= 3);
    for passage in &plan.knowledge {
        assert!(list(&passage.item, "race_types").iter().any(|x| x == race));
        assert!(list(&passage.item, "audience").iter().any(|x| x == level));
    }
    assert!(
        plan.knowledge.iter().any(|p| p.backs == "taper"),
        "a taper passage"
    );
    assert_eq!(plan_problems(plan, max_hard), Vec::<String>::new());
    // Only missing knowledge (and notes on volume, such as too few weeks to reach the peak)
    // may be reported; anything else is a relaxation or a broken rule.
    let unexpected: Vec<&String> = plan
        .warnings
        .iter()
        .filter(|w| !w.starts_with("no knowledge passage") && !w.starts_with("volume: "))
        .collect();
    assert!(unexpected.is_empty(), "{req:?}: {unexpected:?}");
}

#[test]
fn strict_plans_keep_every_rule_over_the_grid() {
    let Some(index) = plan_index("strict_plans_keep_every_rule_over_the_grid") else {
        return;
    };
    for req in grid("strict") {
        let first = plan(index, &req).unwrap_or_else(|e| panic!("{req:?}: {e}"));
        check(&req, &first);
        let second = plan(index, &req).expect("same request again");
        assert_eq!(without_timing(&first), without_timing(&second), "{req:?}");
    }
}

#[test]
fn phases_run_base_to_taper_in_order() {
    let Some(index) = plan_index("phases_run_base_to_taper_in_order") else {
        return;
    };
    let order = ["base", "build", "peak", "taper"];
    for req in grid("strict") {
        let plan = plan(index, &req).expect("plan");
        let ranks: Vec<usize> = plan
            .weeks
            .iter()
            .map(|w| {
                order
                    .iter()
                    .position(|p| *p == w.phase.as_str())
                    .expect("known phase")
            })
            .collect();
        assert!(ranks.windows(2).all(|p| p[0] <= p[1]), "{req:?}: {ranks:?}");
        let dtr: Vec<i64> = plan.weeks.iter().map(|w| w.days_to_race).collect();
        assert!(dtr.windows(2).all(|d| d[0] == d[1] + 7), "{dtr:?}");
    }
}

#[test]
fn a_requested_philosophy_is_used_when_it_fits() {
    let Some(index) = plan_index("a_requested_philosophy_is_used_when_it_fits") else {
        return;
    };
    let mut req = plan_common::request("marathon", "intermediate", 5, 12, "strict");
    let auto = plan(index, &req).expect("plan");
    // Another philosophy that fits the same request.
    let other = index
        .collection("philosophies")
        .expect("intact")
        .expect("philosophies")
        .items()
        .map(|i| i.id.to_string())
        .find(|id| {
            *id != auto.philosophy.id && {
                let mut r = req.clone();
                r.philosophy = Some(id.clone());
                plan(index, &r).is_ok()
            }
        })
        .expect("at least two philosophies fit a marathon, intermediate, 5 days");
    req.philosophy = Some(other.clone());
    let chosen = plan(index, &req).expect("plan");
    assert_eq!(chosen.philosophy.id, other);
    check(&req, &chosen);
}
