//! The production embeddings caches in `../shared/reference/athlete-space/` bake unchanged and
//! search exactly like brute force.

mod common;

use std::path::PathBuf;

use common::{assert_same_ranking, naive_top_k};
use plan_index_core::Metric;
use plan_index_core::search::{Params, Query, prepare_query, top_k};

fn reference_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/athlete-space");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!(
            "SKIPPED: {} is absent (it is not part of the repository)",
            dir.display()
        );
        None
    }
}

#[test]
fn reference_caches_bake_and_search_like_brute_force() {
    let Some(dir) = reference_dir() else { return };
    let index = plan_index_testkit::open_dir(&dir).expect("the reference caches bake unchanged");
    assert_eq!(index.model(), "unknown");
    assert_eq!(index.metric(), Metric::Cosine);
    assert_eq!(index.dim(), 1536);
    let counts: Vec<(&str, usize)> = index
        .entries()
        .iter()
        .map(|c| (c.name.as_str(), c.len as usize))
        .collect();
    assert_eq!(
        counts,
        [
            ("philosophies", 12),
            ("templates", 85),
            ("week_structures", 26)
        ]
    );
    let params = Params {
        k: 5,
        filters: &[],
        min_score: None,
    };
    for collection in index.collections() {
        let collection = collection.expect("intact");
        for row in 0..collection.len() {
            // The item itself, and a blend of it with its neighbour, as queries.
            let next = collection
                .vector((row + 1) % collection.len())
                .expect("intact");
            let blend: Vec<f32> = collection
                .vector(row)
                .expect("intact")
                .iter()
                .zip(next)
                .map(|(a, b)| 0.7 * a + 0.3 * b)
                .collect();
            for raw in [collection.vector(row).expect("intact").to_vec(), blend] {
                let query = prepare_query(&collection, &raw).expect("valid query");
                let got = top_k(&collection, &query, &params).expect("intact");
                let want = naive_top_k(&collection, &query, 5, &[], None);
                assert_same_ranking(&collection, &query, &got, &want, 1e-5);
            }
        }
    }
}

#[test]
fn like_returns_the_item_first_with_score_one() {
    let Some(dir) = reference_dir() else { return };
    let index = plan_index_testkit::open_dir(&dir).expect("the reference caches bake unchanged");
    let request = plan_index_api::search::SearchSpec {
        collection: "week_structures".into(),
        query: plan_index_api::search::QueryInput::Engine(Query::Like(
            "daniels__5k__intermediate__build__v1".into(),
        )),
        k: 3,
        filters: vec![],
        min_score: None,
    };
    let response = plan_index_api::search::run(&index, request).expect("search");
    let results = response.results.expect("single query results");
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].id, "daniels__5k__intermediate__build__v1");
    assert!(
        (results[0].score - 1.0).abs() < 1e-5,
        "{}",
        results[0].score
    );
    assert_eq!(
        results[0]
            .metadata
            .get("philosophy_id")
            .and_then(|v| v.as_str()),
        Some("daniels")
    );
}

#[test]
fn filters_run_before_ranking_on_real_data() {
    let Some(dir) = reference_dir() else { return };
    let index = plan_index_testkit::open_dir(&dir).expect("the reference caches bake unchanged");
    let templates = index
        .collection("templates")
        .expect("intact")
        .expect("templates");
    let query = templates.vector(0).expect("intact").to_vec();
    let filters = vec!["session_type=long".parse().expect("filter")];
    let params = Params {
        k: 5,
        filters: &filters,
        min_score: None,
    };
    let hits = top_k(&templates, &query, &params).expect("intact");
    let long_runs = templates
        .items()
        .filter(|i| i.metadata.get("session_type").and_then(|v| v.as_str()) == Some("long"))
        .count();
    assert_eq!(hits.len(), long_runs.min(5));
    assert!(
        hits.len() > 1,
        "the reference has several long-run templates"
    );
    for h in &hits {
        assert_eq!(
            templates
                .item(h.row)
                .metadata
                .get("session_type")
                .and_then(|v| v.as_str()),
            Some("long")
        );
    }
}
