//! Helpers shared by the integration tests: a naive scalar ranking to check search against.
#![allow(dead_code)]

use plan_index_core::search::{Filter, Hit};
use plan_index_core::{Collection, Metric};

/// Scores every row in f64 with plain loops, filters, thresholds, sorts (score desc, row asc).
pub fn naive_top_k(
    collection: &Collection<'_>,
    query: &[f32],
    k: usize,
    filters: &[Filter],
    min_score: Option<f32>,
) -> Vec<Hit> {
    let mut hits: Vec<Hit> = (0..collection.len())
        .filter(|&row| {
            let md = &collection.item(row).metadata;
            filters
                .iter()
                .all(|f| md.get(&f.key).is_some_and(|v| v.matches(&f.value)))
        })
        .map(|row| Hit {
            row,
            score: naive_score(
                collection.metric(),
                collection.vector(row).expect("intact"),
                query,
            ) as f32,
        })
        .filter(|h| min_score.is_none_or(|m| h.score >= m))
        .collect();
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.row.cmp(&b.row)));
    hits.truncate(k);
    hits
}

/// The similarity of `row` and `query` in f64, the slow obvious way.
pub fn naive_score(metric: Metric, row: &[f32], query: &[f32]) -> f64 {
    let pairs = row
        .iter()
        .zip(query)
        .map(|(&a, &b)| (f64::from(a), f64::from(b)));
    match metric {
        Metric::Cosine | Metric::Dot => pairs.map(|(a, b)| a * b).sum(),
        Metric::L2 => -pairs.map(|(a, b)| (a - b) * (a - b)).sum::<f64>(),
    }
}

/// Same ids in the same order and scores within `tol`; two ids may trade places only when
/// their naive scores are a tie within `tol` (floating-point noise, not a ranking bug), also
/// across the k-th place, where the row that got in may be one the naive ranking left out.
pub fn assert_same_ranking(
    collection: &Collection<'_>,
    query: &[f32],
    got: &[Hit],
    want: &[Hit],
    tol: f32,
) {
    assert_eq!(got.len(), want.len(), "got {got:?}\nwant {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!((g.score - w.score).abs() <= tol, "score {g:?} vs {w:?}");
        if g.row != w.row {
            let naive = naive_score(
                collection.metric(),
                collection.vector(g.row).expect("intact"),
                query,
            ) as f32;
            assert!(
                (naive - w.score).abs() <= tol,
                "{} ranked where {} should be (got {got:?}, want {want:?})",
                collection.item(g.row).id,
                collection.item(w.row).id
            );
        }
    }
}
