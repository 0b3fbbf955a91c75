//! Semantic mode is the old service: for every selection, the best cosine over all items of
//! the collection with ties to the earlier item. Checked against a brute-force argmax written
//! with plain loops in f64, and against the text builders.

mod plan_common;

use plan_common::{plan_index, request};
use plan_index_core::{BakedIndex, Collection};
use plan_index_embed::embed_query;
use plan_index_plan::queries::{self, PHILOSOPHIES, SESSION_TEMPLATES, WEEK_STRUCTURES};
use plan_index_plan::vocab::{LEVELS, RACES, phase_kind};
use plan_index_plan::{Selected, plan};

/// Index of the best row by f64 cosine (rows and query normalised here), earliest on ties.
fn brute_force(index: &BakedIndex, collection: &Collection<'_>, text: &str) -> (usize, f64) {
    let query = embed_query(index, text).expect("a baked query").vector;
    let norm = |v: &[f32]| v.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
    let qn = norm(&query);
    let mut best = (0, f64::NEG_INFINITY);
    for row in 0..collection.len() {
        let v = collection.vector(row).expect("intact");
        let mut dot = 0.0;
        for i in 0..v.len() {
            dot += f64::from(v[i]) * f64::from(query[i]);
        }
        let score = dot / (norm(v) * qn);
        if score > best.1 {
            best = (row, score);
        }
    }
    best
}

/// The selection is the argmax, or ties with it within float noise.
fn assert_argmax(index: &BakedIndex, collection: &Collection<'_>, sel: &Selected) {
    let (row, score) = brute_force(index, collection, &sel.query);
    let want = collection.item(row).id;
    assert!(
        *want == sel.id || (score - f64::from(sel.score)).abs() < 1e-5,
        "{:?}: chose {} ({}), argmax is {want} ({score})",
        sel.query,
        sel.id,
        sel.score
    );
    assert!(
        (score - f64::from(sel.score)).abs() < 1e-4,
        "{} score",
        sel.id
    );
}

#[test]
fn semantic_mode_is_the_brute_force_argmax() {
    let Some(index) = plan_index("semantic_mode_is_the_brute_force_argmax") else {
        return;
    };
    let coll = |name| index.collection(name).expect("intact").expect("collection");
    let (phils, weeks, templates) = (
        coll(PHILOSOPHIES),
        coll(WEEK_STRUCTURES),
        coll(SESSION_TEMPLATES),
    );
    for race in RACES {
        for level in LEVELS {
            for (days, n) in [(3, 4), (5, 16), (7, 24)] {
                let req = request(race, level, days, n, "semantic");
                let plan = plan(index, &req).unwrap_or_else(|e| panic!("{req:?}: {e}"));
                assert_eq!(
                    plan.philosophy.query,
                    queries::philosophy_query(race, level, days)
                );
                assert_argmax(index, &phils, &plan.philosophy);
                let name = plan
                    .philosophy
                    .meta_str("name")
                    .unwrap_or(&plan.philosophy.id)
                    .to_string();
                for week in &plan.weeks {
                    let kind = phase_kind(race, week.days_to_race).expect("known race");
                    assert_eq!(
                        week.structure.query,
                        queries::week_query(&name, race, kind, days)
                    );
                    assert_argmax(index, &weeks, &week.structure);
                    for day in &week.days {
                        assert_argmax(index, &templates, day.template.as_ref().expect("template"));
                    }
                }
            }
        }
    }
}

#[test]
fn semantic_mode_reports_the_rules_it_breaks() {
    let Some(index) = plan_index("semantic_mode_reports_the_rules_it_breaks") else {
        return;
    };
    for race in RACES {
        let req = request(race, "beginner", 4, 16, "semantic");
        let semantic = plan(index, &req).expect("plan");
        let max_hard = semantic.philosophy.metadata["max_hard_days"]
            .as_i64()
            .expect("int");
        let audit = plan_index_plan::rules::plan_problems(&semantic, max_hard);
        let reported = semantic
            .warnings
            .iter()
            .filter(|w| w.starts_with("semantic mode ignores the rules"))
            .count();
        assert_eq!(audit.is_empty(), reported == 0, "{race}: {audit:?}");
    }
}
