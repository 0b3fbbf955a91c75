//! Property tests: the SIMD search agrees with a naive scalar ranking on random collections.

mod common;

use common::{assert_same_ranking, naive_top_k};
use plan_index_core::BakedIndex;
use plan_index_core::search::{Filter, Params, prepare_query, top_k};
use proptest::prelude::*;
use serde_json::json;

const COLORS: [&str; 3] = ["red", "green", "blue"];
const TAGS: [&str; 3] = ["a", "b", "c"];

#[derive(Debug, Clone)]
struct Case {
    metric: &'static str,
    rows: Vec<Vec<i8>>,
    colors: Vec<usize>,
    tags: Vec<Vec<bool>>,
    query: Vec<i8>,
    k: usize,
    filters: Vec<(usize, usize)>,
    min_score: Option<f32>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        1usize..24,
        1usize..40,
        prop::sample::select(vec!["cosine", "dot", "l2"]),
    )
        .prop_flat_map(|(dim, n, metric)| {
            // Small integers make exact ties common (and dot products exact), which is where
            // ordering bugs hide; a row of zeros is replaced to stay valid under cosine.
            let row = prop::collection::vec(-3i8..=3, dim);
            (
                prop::collection::vec(row.clone(), n),
                prop::collection::vec(0usize..3, n),
                prop::collection::vec(prop::collection::vec(any::<bool>(), 3), n),
                row,
                1usize..50,
                prop::collection::vec((0usize..3, 0usize..3), 0..3),
                prop::option::of(-20.0f32..20.0),
            )
                .prop_map(move |(rows, colors, tags, query, k, filters, min_score)| {
                    Case {
                        metric,
                        rows,
                        colors,
                        tags,
                        query,
                        k,
                        filters,
                        min_score,
                    }
                })
        })
}

fn non_zero(row: &[i8]) -> Vec<f32> {
    let mut v: Vec<f32> = row.iter().map(|&x| f32::from(x)).collect();
    if v.iter().all(|&x| x == 0.0) {
        v[0] = 1.0;
    }
    v
}

fn open(case: &Case) -> BakedIndex {
    let items: Vec<_> = case
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let tags: Vec<&str> = TAGS
                .iter()
                .zip(&case.tags[i])
                .filter(|(_, on)| **on)
                .map(|(t, _)| *t)
                .collect();
            json!({
                "id": format!("item{i}"),
                "embedding": non_zero(row),
                "metadata": {"color": COLORS[case.colors[i]], "tags": tags, "n": i % 3},
            })
        })
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = json!({"model": "test", "dim": case.query.len(), "metric": case.metric});
    std::fs::write(dir.path().join("manifest.json"), manifest.to_string()).expect("write");
    std::fs::write(dir.path().join("c.json"), json!(items).to_string()).expect("write");
    plan_index_testkit::open_dir(dir.path()).expect("valid random index")
}

fn filter((field, value): (usize, usize)) -> Filter {
    let (key, value) = match field {
        0 => ("color", COLORS[value].to_string()),
        1 => ("tags", TAGS[value].to_string()),
        _ => ("n", value.to_string()),
    };
    Filter {
        key: key.into(),
        value,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn simd_search_matches_naive(case in case()) {
        let index = open(&case);
        let collection = index.collection("c").expect("intact").expect("collection c");
        let query = prepare_query(&collection, &non_zero(&case.query)).expect("valid query")
            .into_owned();
        let filters: Vec<Filter> = case.filters.iter().copied().map(filter).collect();
        let params = Params { k: case.k, filters: &filters, min_score: case.min_score };
        let got = top_k(&collection, &query, &params).expect("intact");
        let want = naive_top_k(&collection, &query, case.k, &filters, case.min_score);
        assert_same_ranking(&collection, &query, &got, &want, 1e-5);
        // Filters run before ranking: when k items match, k come back.
        let matching = naive_top_k(&collection, &query, usize::MAX, &filters, case.min_score).len();
        prop_assert_eq!(got.len(), matching.min(case.k));
    }
}

#[test]
fn ties_go_to_the_earlier_item() {
    let case = Case {
        metric: "dot",
        rows: vec![vec![1, 0], vec![0, 1], vec![1, 0], vec![1, 0]],
        colors: vec![0; 4],
        tags: vec![vec![false; 3]; 4],
        query: vec![1, 0],
        k: 2,
        filters: vec![],
        min_score: None,
    };
    let index = open(&case);
    let collection = index
        .collection("c")
        .expect("intact")
        .expect("collection c");
    let params = Params {
        k: 2,
        filters: &[],
        min_score: None,
    };
    let hits = top_k(&collection, &[1.0, 0.0], &params).expect("intact");
    let rows: Vec<usize> = hits.iter().map(|h| h.row).collect();
    assert_eq!(rows, [0, 2]);
}
