//! Property tests of the compact-row maths: every row's bound holds, and the candidates plus
//! f32 rescoring give exactly the brute-force top-k (rows, order, score bits), ties included,
//! for f16 and i8, on every kernel, with and without a filter (a subset of rows).

use plan_index_core::Storage;
use plan_index_core::batch::{self, Rows};
use plan_index_core::kernel::Kernel;
use plan_index_core::quant::{self, CompactRef, Quantised};
use plan_index_testkit::XorShift;
use proptest::prelude::*;

/// `PROPTEST_CASES` when set (the emulated aarch64 run lowers it), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Clone, Debug)]
struct Case {
    rows: usize,
    dim: usize,
    /// 0: unit-ish floats; 1: small integers (exact ties); 2: wide magnitudes.
    kind: u8,
    duplicate_every: usize,
    k: usize,
    min_score: Option<f32>,
    /// Keep every `filter_every`-th row only (0: no filter).
    filter_every: usize,
    seed: u64,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop_oneof![0usize..30, 30usize..800, 1_900usize..2_000],
        prop_oneof![1usize..40, 40usize..400, 1_530usize..1_601],
        0u8..3,
        prop_oneof![Just(0usize), 2usize..5],
        prop_oneof![1usize..12, 12usize..900],
        prop::option::of(-0.3f32..0.3),
        prop_oneof![Just(0usize), 1usize..4],
        any::<u64>(),
    )
        .prop_map(
            |(rows, dim, kind, duplicate_every, k, min_score, filter_every, seed)| Case {
                filter_every,
                rows,
                dim,
                kind,
                duplicate_every,
                k,
                min_score,
                seed,
            },
        )
}

fn value(rng: &mut XorShift, kind: u8) -> f32 {
    let x = rng.next_f32();
    match kind {
        0 => x,
        1 => (x * 3.0).round(),
        _ => x * 10f32.powi((rng.next_f32() * 6.0) as i32),
    }
}

fn data(case: &Case) -> (Vec<f32>, Vec<Vec<f32>>) {
    let mut rng = XorShift::new(case.seed);
    let mut rows = Vec::with_capacity(case.rows * case.dim);
    for row in 0..case.rows {
        if case.duplicate_every > 0 && row > 0 && row.is_multiple_of(case.duplicate_every) {
            let from = row / 2;
            rows.extend_from_within(from * case.dim..(from + 1) * case.dim);
        } else {
            rows.extend((0..case.dim).map(|_| value(&mut rng, case.kind)));
        }
    }
    let mut queries: Vec<Vec<f32>> = (0..3)
        .map(|_| (0..case.dim).map(|_| value(&mut rng, case.kind)).collect())
        .collect();
    if case.rows > 0 {
        // A query equal to a stored row: its own score is the maximum, with duplicates tying.
        queries.push(rows[..case.dim].to_vec());
    }
    (rows, queries)
}

fn check(kernel: Kernel, compact: &CompactRef<'_>, rows: Rows<'_>, query: &[f32], case: &Case) {
    let brute = batch::rank(kernel, rows, &[query], case.k, case.min_score)
        .pop()
        .unwrap_or_default();
    let verified = std::cell::RefCell::new(Vec::new());
    let verify = |keep: &[u32]| {
        verified.borrow_mut().extend_from_slice(keep);
        Ok(())
    };
    let fast = quant::exact_top_k(
        kernel,
        rows,
        compact,
        query,
        case.k,
        case.min_score,
        &verify,
    )
    .expect("verify passes");
    // Every row whose f32 vector was read for rescoring went through `verify` first.
    let verified = verified.into_inner();
    assert!(fast.iter().all(|h| verified.contains(&(h.row as u32))));
    let bits = |h: &[plan_index_core::Hit]| -> Vec<(usize, u32)> {
        h.iter().map(|h| (h.row, h.score.to_bits())).collect()
    };
    assert_eq!(bits(&fast), bits(&brute), "{case:?}");
    // The bound holds for every row, not only where it decided something: the one-level query
    // of the scan and the two-level one that narrows many candidates.
    let ids: Vec<u32> = (0..case.rows as u32).collect();
    let coarse = quant::approximate(kernel, compact, query, &ids);
    let fine = quant::approximate_fine(kernel, compact, query, &ids);
    for (row, ((a, w), (a2, w2))) in coarse.iter().zip(&fine).enumerate() {
        let t = f64::from(kernel.dot(&rows.data[row * case.dim..(row + 1) * case.dim], query));
        assert!(
            (t - a).abs() <= *w,
            "row {row}: |{t} - {a}| > {w} ({case:?})"
        );
        assert!(
            (t - a2).abs() <= *w2,
            "row {row}, two levels: |{t} - {a2}| > {w2} ({case:?})"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(64)))]

    #[test]
    fn compact_candidates_and_rescoring_equal_brute_force(case in case()) {
        let (data, queries) = data(&case);
        let only: Vec<u32> = (0..case.rows as u32)
            .filter(|r| case.filter_every == 0 || (*r as usize).is_multiple_of(case.filter_every))
            .collect();
        let only = (case.filter_every > 0).then_some(only.as_slice());
        let rows = Rows { data: &data, dim: case.dim, only };
        for storage in [Storage::F16, Storage::I8] {
            let compact = Quantised::new(storage, &data, case.dim).expect("compact storage");
            for kernel in Kernel::available() {
                for query in &queries {
                    check(kernel, &compact.view(), rows, query, &case);
                }
            }
        }
    }
}

#[test]
fn the_candidates_are_few_on_unit_vectors() {
    // Not a proof obligation, a usefulness check: 2,000 random unit rows of 384 dims, top-10,
    // the bound leaves far fewer than all rows to rescore.
    let mut rng = XorShift::new(17);
    let dim = 384;
    let data: Vec<f32> = (0..2_000).flat_map(|_| rng.unit_vector(dim)).collect();
    let query = rng.unit_vector(dim);
    let kernel = Kernel::detect();
    let ids: Vec<u32> = (0..2_000).collect();
    let kept = |storage| {
        let compact = Quantised::new(storage, &data, dim).expect("compact");
        quant::candidates(
            &quant::approximate(kernel, &compact.view(), &query, &ids),
            10,
            None,
        )
        .len()
    };
    let (f16, i8) = (kept(Storage::F16), kept(Storage::I8));
    assert!(f16 < 100, "f16 keeps {f16} of 2000");
    assert!(i8 < 400, "i8 keeps {i8} of 2000");
    // The query in two levels takes its share out of the i8 bound: fewer rows still.
    let compact = Quantised::new(Storage::I8, &data, dim).expect("compact");
    let fine = quant::candidates(
        &quant::approximate_fine(kernel, &compact.view(), &query, &ids),
        10,
        None,
    )
    .len();
    assert!(fine < i8, "two levels keep {fine}, one level {i8}");
}

#[test]
fn a_batch_reads_the_compact_rows_once_and_gives_each_query_its_own_bits() {
    // Batches of 1 to 10 queries (every remainder of the four- and eight-query blocks), rows
    // in an order with repeats and a filter's gaps, dims with every kind of tail, both compact
    // storages, every kernel: `approximate_batch` equals `approximate` query by query.
    let mut rng = XorShift::new(29);
    for dim in [1, 7, 64, 65, 383, 1_536] {
        let n = 70;
        let data: Vec<f32> = (0..n).flat_map(|_| rng.unit_vector(dim)).collect();
        let queries: Vec<Vec<f32>> = (0..10).map(|_| rng.unit_vector(dim)).collect();
        let ids: Vec<u32> = (0..n as u32)
            .filter(|r| r % 7 != 3)
            .chain([5, 5, 0])
            .collect();
        for storage in [Storage::F16, Storage::I8] {
            let compact = Quantised::new(storage, &data, dim).expect("compact storage");
            for kernel in Kernel::available() {
                for size in 1..=queries.len() {
                    let batch: Vec<&[f32]> = queries[..size].iter().map(Vec::as_slice).collect();
                    let got = quant::approximate_batch(kernel, &compact.view(), &batch, &ids);
                    assert_eq!(got.len(), size);
                    for (query, got) in batch.iter().zip(&got) {
                        let want = quant::approximate(kernel, &compact.view(), query, &ids);
                        let bits = |v: &[(f64, f64)]| -> Vec<(u64, u64)> {
                            v.iter().map(|(a, w)| (a.to_bits(), w.to_bits())).collect()
                        };
                        assert_eq!(
                            bits(got),
                            bits(&want),
                            "{storage:?} {kernel:?} dim {dim} batch of {size}"
                        );
                    }
                }
            }
        }
    }
}
