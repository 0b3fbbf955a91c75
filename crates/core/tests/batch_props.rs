//! Property tests: the tiled batch ranking gives exactly what a naive scalar scorer gives.
//!
//! The naive scorer below follows the documented summation order of `kernel::LANES` one
//! element at a time, then sorts (score descending, row ascending); every kernel, tile shape
//! and batch size must return the same rows in the same order with the same score bits, with
//! and without a filter. Collections span 0..2,000 rows and 1..1,600 dimensions (so every tail
//! length modulo the SIMD width), with duplicated rows and small-integer data where many
//! different rows tie exactly. `PROPTEST_CASES` lowers the case counts (the qemu run does).

use plan_index_core::batch::{self, Rows};
use plan_index_core::kernel::{Kernel, LANES};
use plan_index_core::search::{self, Filter, Hit, Params, Query, Search};
use plan_index_core::{BakedIndex, Collection, Storage};
use plan_index_testkit::XorShift;
use proptest::prelude::*;
use serde_json::json;

const COLORS: [&str; 3] = ["red", "green", "blue"];

/// `PROPTEST_CASES` when set (the emulated aarch64 run lowers it), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The documented order, spelled out: lane `i % LANES` takes element `i` by a fused
/// multiply-add, then the eight lanes are added pairwise.
fn naive_dot(row: &[f32], query: &[f32]) -> f32 {
    let mut lane = [0.0f32; LANES];
    for (i, (x, y)) in row.iter().zip(query).enumerate() {
        lane[i % LANES] = x.mul_add(*y, lane[i % LANES]);
    }
    ((lane[0] + lane[4]) + (lane[2] + lane[6])) + ((lane[1] + lane[5]) + (lane[3] + lane[7]))
}

/// Scores every allowed row, drops NaN and scores under `min_score`, sorts, keeps `k`.
fn naive_rank(
    data: &[f32],
    dim: usize,
    only: Option<&[u32]>,
    query: &[f32],
    k: usize,
    min_score: Option<f32>,
) -> Vec<Hit> {
    let rows: Vec<usize> = match only {
        Some(only) => only.iter().map(|&r| r as usize).collect(),
        None => (0..data.len() / dim).collect(),
    };
    let mut hits: Vec<Hit> = rows
        .into_iter()
        .map(|row| Hit {
            row,
            score: naive_dot(&data[row * dim..(row + 1) * dim], query),
        })
        .filter(|h| !h.score.is_nan() && min_score.is_none_or(|m| h.score >= m))
        .collect();
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.row.cmp(&b.row)));
    hits.truncate(k);
    hits
}

/// Same rows, same order, same score bits.
fn assert_exact(got: &[Hit], want: &[Hit], what: &str) {
    let bits = |hits: &[Hit]| -> Vec<(usize, u32)> {
        hits.iter().map(|h| (h.row, h.score.to_bits())).collect()
    };
    assert_eq!(bits(got), bits(want), "{what}");
}

/// A collection shape and how to fill it.
#[derive(Clone, Debug)]
struct Shape {
    rows: usize,
    dim: usize,
    /// Values in {-2..2}: exact dot products, many exact ties between different rows.
    integers: bool,
    /// Every this-many rows is a copy of an earlier one (0: none).
    duplicate_every: usize,
    seed: u64,
}

fn fill(shape: &Shape) -> Vec<f32> {
    let mut rng = XorShift::new(shape.seed);
    let mut data = Vec::with_capacity(shape.rows * shape.dim);
    for row in 0..shape.rows {
        if shape.duplicate_every > 0 && row > 0 && row.is_multiple_of(shape.duplicate_every) {
            let from = (rng.next_f32().abs() * row as f32) as usize % row;
            data.extend_from_within(from * shape.dim..(from + 1) * shape.dim);
            continue;
        }
        for _ in 0..shape.dim {
            let x = rng.next_f32();
            data.push(if shape.integers { (x * 2.5).round() } else { x });
        }
    }
    data
}

fn queries(shape: &Shape, data: &[f32], count: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = XorShift::new(seed);
    (0..count)
        .map(|i| {
            // Some queries are rows of the collection (a `like` search), the rest random.
            if shape.rows > 0 && i % 3 == 2 {
                let row = i % shape.rows;
                data[row * shape.dim..(row + 1) * shape.dim].to_vec()
            } else if shape.integers {
                (0..shape.dim)
                    .map(|_| (rng.next_f32() * 2.5).round())
                    .collect()
            } else {
                rng.unit_vector(shape.dim)
            }
        })
        .collect()
}

/// Sizes weighted towards the small and the awkward, up to 2,000 x 1,600.
fn shape() -> impl Strategy<Value = Shape> {
    let rows = prop_oneof![0usize..20, 20usize..300, 300usize..2_000];
    let dim = prop_oneof![1usize..40, 40usize..400, 1_500usize..1_600];
    (
        rows,
        dim,
        any::<bool>(),
        prop_oneof![Just(0usize), 2usize..7],
        any::<u64>(),
    )
        .prop_map(|(rows, dim, integers, duplicate_every, seed)| Shape {
            rows,
            dim,
            integers,
            duplicate_every,
            seed,
        })
}

fn subset(rows: usize, seed: u64, keep_one_in: u64) -> Vec<u32> {
    let mut rng = XorShift::new(seed);
    (0..rows as u32)
        .filter(|_| (((rng.next_f32() + 1.0) * 1000.0) as u64).is_multiple_of(keep_one_in))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(48)))]

    #[test]
    fn every_batch_size_matches_the_naive_scorer(
        shape in shape(),
        batch in 1usize..12,
        k in prop_oneof![1usize..12, 12usize..2_100],
        filter in prop::option::of(1u64..5),
        min_score in prop::option::of(-0.5f32..0.5),
    ) {
        let data = fill(&shape);
        let queries = queries(&shape, &data, batch, shape.seed ^ 0x9e37);
        let only = filter.map(|keep| subset(shape.rows, shape.seed ^ 7, keep));
        let rows = Rows { data: &data, dim: shape.dim, only: only.as_deref() };
        let refs: Vec<&[f32]> = queries.iter().map(Vec::as_slice).collect();
        for kernel in Kernel::available() {
            let got = batch::rank(kernel, rows, &refs, k, min_score);
            prop_assert_eq!(got.len(), queries.len());
            for (i, (got, query)) in got.iter().zip(&queries).enumerate() {
                let want = naive_rank(&data, shape.dim, only.as_deref(), query, k, min_score);
                assert_exact(got, &want, &format!("{kernel:?} {shape:?} query {i} of {batch}"));
                // Alone, the query gets the same answer as in its batch.
                let alone = batch::rank(kernel, rows, &[query], k, min_score);
                assert_exact(&alone[0], &want, &format!("{kernel:?} {shape:?} query {i} alone"));
            }
        }
    }

    #[test]
    fn the_canonical_order_is_a_correct_dot_product(shape in shape()) {
        // The oracle itself must be a dot product: within the f32 error bound of an exact sum.
        let data = fill(&shape);
        let query = queries(&shape, &data, 1, shape.seed)[0].clone();
        for row in data.chunks(shape.dim.max(1)).take(50) {
            let exact: f64 = row.iter().zip(&query).map(|(a, b)| f64::from(*a) * f64::from(*b)).sum();
            let size: f64 = row.iter().zip(&query).map(|(a, b)| (f64::from(*a) * f64::from(*b)).abs()).sum();
            let depth = (shape.dim / LANES + 4) as f64;
            let got = f64::from(naive_dot(row, &query));
            prop_assert!((got - exact).abs() <= depth * f64::from(f32::EPSILON) * size + 1e-30,
                "{got} vs {exact}");
        }
    }
}

fn no_zero(v: &mut [f32]) {
    if v.iter().all(|&x| x == 0.0) {
        v[0] = 1.0;
    }
}

/// Items of a baked test collection: the rows, a colour, tags and a number; rows stored as
/// `storage` (the manifest's).
fn baked(metric: &str, storage: &str, data: &[f32], dim: usize) -> BakedIndex {
    let items: Vec<_> = data
        .chunks(dim)
        .enumerate()
        .map(|(i, row)| {
            let tags: Vec<&str> = ["a", "b", "c"]
                .into_iter()
                .enumerate()
                .filter(|(bit, _)| (i * 5 + 1) >> bit & 1 == 1)
                .map(|(_, tag)| tag)
                .collect();
            json!({
                "id": format!("item{i}"),
                "embedding": row,
                "metadata": {"color": COLORS[i % 3], "tags": tags, "n": i % 4},
            })
        })
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = json!({"model": "test", "dim": dim, "metric": metric, "storage": storage});
    std::fs::write(dir.path().join("manifest.json"), manifest.to_string()).expect("write");
    std::fs::write(dir.path().join("c.json"), json!(items).to_string()).expect("write");
    plan_index_testkit::open_dir(dir.path()).expect("valid random index")
}

/// The rows whose metadata satisfies every filter, checked the slow way.
fn matching(collection: &Collection<'_>, filters: &[Filter]) -> Vec<u32> {
    (0..collection.len())
        .filter(|&row| {
            let metadata = &collection.item(row).metadata;
            filters
                .iter()
                .all(|f| metadata.get(&f.key).is_some_and(|v| v.matches(&f.value)))
        })
        .map(|row| row as u32)
        .collect()
}

fn filters(choice: &[(u8, u8)]) -> Vec<Filter> {
    choice
        .iter()
        .map(|&(field, value)| {
            let (key, value) = match field % 3 {
                0 => (
                    "color",
                    ["red", "green", "blue"][value as usize % 3].to_string(),
                ),
                1 => ("tags", ["a", "b", "c"][value as usize % 3].to_string()),
                _ => ("n", (value % 4).to_string()),
            };
            Filter {
                key: key.into(),
                value,
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(24)))]

    #[test]
    fn baked_searches_with_filters_match_the_naive_scorer(
        rows in 1usize..120,
        dim in 1usize..40,
        integers in any::<bool>(),
        metric in prop::sample::select(vec!["dot", "cosine"]),
        storage in prop::sample::select(vec!["f32", "f16", "i8"]),
        choice in prop::collection::vec((0u8..3, 0u8..3), 0..3),
        batch in 1usize..9,
        k in 1usize..30,
        seed in any::<u64>(),
    ) {
        let shape = Shape { rows, dim, integers, duplicate_every: 3, seed };
        let mut data = fill(&shape);
        // A zero vector has no direction under cosine: the baker and the search refuse it.
        data.chunks_mut(dim).for_each(no_zero);
        let index = baked(metric, storage, &data, dim);
        let collection = index.collection("c").expect("intact").expect("collection c");
        prop_assert_eq!(collection.storage().as_str(), storage);
        prop_assert_eq!(collection.compact().is_some(), storage != "f32");
        let filters = filters(&choice);
        let mut raw = queries(&shape, &data, batch, seed ^ 3);
        raw.iter_mut().for_each(|q| no_zero(q));
        let prepared: Vec<Vec<f32>> = raw
            .iter()
            .map(|q| search::prepare_query(&collection, q).map(|q| q.into_owned()))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("query refused: {e}"));
        let refs: Vec<&[f32]> = prepared.iter().map(Vec::as_slice).collect();
        let params = Params { k, filters: &filters, min_score: None };
        let got = search::top_k_batch(&collection, &refs, &params).expect("intact");
        let only = matching(&collection, &filters);
        let only = (!filters.is_empty()).then_some(only.as_slice());
        for (i, (got, query)) in got.iter().zip(&prepared).enumerate() {
            let want = naive_rank(collection.rows(None).expect("intact").data, dim, only, query, k, None);
            assert_exact(got, &want, &format!("{storage} query {i} {filters:?}"));
            assert_exact(&search::top_k(&collection, query, &params).expect("intact"), &want, "alone");
        }
        // search::run gives a batch the lists its queries get one by one.
        let run = |query: Query| {
            let mut search = Search { collection: "c".into(), query, k, filters: filters.clone(), min_score: None };
            search::run(&index, &mut search).map(|r| r.lists).unwrap_or_else(|e| panic!("{e}"))
        };
        let together = run(Query::Batch(raw.clone()));
        for (list, query) in together.iter().zip(&raw) {
            let alone = run(Query::Vector(query.clone()));
            assert_exact(list, &alone[0], "run: batch vs alone");
        }
    }
}

#[test]
fn large_random_collection_with_a_filter() {
    // 2,000 x 1,536 unit rows from the shared generator, group filter, a batch of 7, every
    // storage.
    for storage in [Storage::F32, Storage::F16, Storage::I8] {
        large_random_collection_with_a_filter_as(storage);
    }
}

fn large_random_collection_with_a_filter_as(storage: Storage) {
    let index = plan_index_testkit::random_index_stored("big", 2_000, 1_536, 11, storage);
    let collection = index
        .collection("big")
        .expect("intact")
        .expect("collection");
    assert_eq!(collection.storage(), storage);
    let mut rng = XorShift::new(5);
    let queries: Vec<Vec<f32>> = (0..7).map(|_| rng.unit_vector(1_536)).collect();
    let refs: Vec<&[f32]> = queries.iter().map(Vec::as_slice).collect();
    for filters in [
        vec![],
        vec![Filter {
            key: "group".into(),
            value: "g3".into(),
        }],
    ] {
        let params = Params {
            k: 25,
            filters: &filters,
            min_score: None,
        };
        let got = search::top_k_batch(&collection, &refs, &params).expect("intact");
        let only = matching(&collection, &filters);
        let only = (!filters.is_empty()).then_some(only.as_slice());
        for (got, query) in got.iter().zip(&queries) {
            let want = naive_rank(
                collection.rows(None).expect("intact").data,
                1_536,
                only,
                query,
                25,
                None,
            );
            assert_eq!(got.len(), 25);
            assert_exact(got, &want, &format!("{storage:?} {filters:?}"));
        }
    }
}

#[test]
fn ties_keep_the_earlier_row_in_every_tile_position() {
    // Nine equal rows: whatever tile a row lands in, the order is by row.
    let data: Vec<f32> = (0..9).flat_map(|_| [1.0f32, 2.0, 3.0]).collect();
    let rows = Rows {
        data: &data,
        dim: 3,
        only: None,
    };
    let query = [1.0f32, 1.0, 1.0];
    for kernel in Kernel::available() {
        for batch in 1..=5 {
            let queries = vec![&query[..]; batch];
            for list in batch::rank(kernel, rows, &queries, 4, None) {
                let order: Vec<usize> = list.iter().map(|h| h.row).collect();
                assert_eq!(order, [0, 1, 2, 3], "{kernel:?} batch {batch}");
            }
        }
    }
}

#[test]
fn empty_collections_and_zero_k_rank_nothing() {
    let rows = Rows {
        data: &[],
        dim: 4,
        only: None,
    };
    let query = [1.0f32; 4];
    assert_eq!(
        batch::rank(Kernel::detect(), rows, &[&query], 5, None),
        vec![Vec::<Hit>::new()]
    );
    let data = [1.0f32; 8];
    let rows = Rows {
        data: &data,
        dim: 4,
        only: Some(&[]),
    };
    assert_eq!(
        batch::rank(Kernel::detect(), rows, &[&query, &query], 5, None).concat(),
        vec![]
    );
    let rows = Rows {
        data: &data,
        dim: 4,
        only: None,
    };
    assert_eq!(
        batch::rank(Kernel::detect(), rows, &[&query], 0, None).concat(),
        vec![]
    );
}
