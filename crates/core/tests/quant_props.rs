//! Property tests of the compact-row maths: every row's bound holds, and the candidates plus
//! f32 rescoring give exactly the brute-force top-k (rows, order, score bits), ties included.

use plan_index_core::batch::{self, Rows};
use plan_index_core::kernel::Kernel;
use plan_index_core::quant::{self, Compact, F16Rows, I8Rows};
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
    seed: u64,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop_oneof![0usize..30, 30usize..800],
        prop_oneof![1usize..40, 40usize..400, 1_530usize..1_545],
        0u8..3,
        prop_oneof![Just(0usize), 2usize..5],
        prop_oneof![1usize..12, 12usize..900],
        prop::option::of(-0.3f32..0.3),
        any::<u64>(),
    )
        .prop_map(
            |(rows, dim, kind, duplicate_every, k, min_score, seed)| Case {
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

fn check(compact: &impl Compact, rows: Rows<'_>, query: &[f32], case: &Case) {
    let kernel = Kernel::detect();
    let brute = batch::rank(kernel, rows, &[query], case.k, case.min_score)
        .pop()
        .unwrap_or_default();
    let fast = quant::exact_top_k(kernel, rows, compact, query, case.k, case.min_score);
    let bits = |h: &[plan_index_core::Hit]| -> Vec<(usize, u32)> {
        h.iter().map(|h| (h.row, h.score.to_bits())).collect()
    };
    assert_eq!(bits(&fast), bits(&brute), "{case:?}");
    // The bound holds for every row, not only where it decided something.
    for (row, (a, w)) in quant::approximate(kernel, compact, query)
        .iter()
        .enumerate()
    {
        let t = f64::from(kernel.dot(&rows.data[row * case.dim..(row + 1) * case.dim], query));
        assert!(
            (t - a).abs() <= *w,
            "row {row}: |{t} - {a}| > {w} ({case:?})"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(64)))]

    #[test]
    fn compact_candidates_and_rescoring_equal_brute_force(case in case()) {
        let (data, queries) = data(&case);
        let rows = Rows { data: &data, dim: case.dim, only: None };
        let f16 = F16Rows::quantise(&data, case.dim);
        let i8 = I8Rows::quantise(&data, case.dim);
        for query in &queries {
            check(&f16, rows, query, &case);
            check(&i8, rows, query, &case);
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
    let f16 = quant::candidates(
        &quant::approximate(kernel, &F16Rows::quantise(&data, dim), &query),
        10,
    );
    let i8 = quant::candidates(
        &quant::approximate(kernel, &I8Rows::quantise(&data, dim), &query),
        10,
    );
    assert!(f16.len() < 100, "f16 keeps {} of 2000", f16.len());
    assert!(i8.len() < 400, "i8 keeps {} of 2000", i8.len());
}
