//! Dot products of several rows against one query per pass.
//!
//! simsimd's f32 dot keeps a single accumulator, so one row costs `dim / 8` dependent FMAs
//! (about 4 cycles each): latency-bound, ~4x slower than the cache can feed on 100 rows of
//! 1536 floats. Scoring [`ROWS`] rows per pass with two accumulators each keeps eight FMA chains
//! in flight and loads each query chunk once for all of them. simsimd still scores single rows
//! (the tail of a block) and the l2 metric.

/// Rows scored per pass.
pub const ROWS: usize = 4;
const LANES: usize = 8;
const STEP: usize = 2 * LANES;

/// `[dot(rows[0], query), ..., dot(rows[ROWS-1], query)]`; every row has `query.len()` floats.
pub fn dot_rows(rows: [&[f32]; ROWS], query: &[f32]) -> [f32; ROWS] {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports AVX2 and FMA, the only requirement of `dot_rows_avx2`.
        return unsafe { dot_rows_avx2(rows, query) };
    }
    #[cfg(target_arch = "aarch64")]
    {
        // NEON (with fused multiply-add) is part of the aarch64 baseline, Graviton included.
        dot_rows_with(rows, query, f32::mul_add)
    }
    #[cfg(not(target_arch = "aarch64"))]
    {
        dot_rows_with(rows, query, |a, b, acc| a * b + acc)
    }
}

/// The same loop compiled with AVX2 and FMA enabled, so `mul_add` becomes `vfmadd`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn dot_rows_avx2(rows: [&[f32]; ROWS], query: &[f32]) -> [f32; ROWS] {
    dot_rows_with(rows, query, f32::mul_add)
}

/// Lane-wise accumulation over fixed-size chunks, which LLVM turns into vector code.
#[inline(always)]
fn dot_rows_with(
    rows: [&[f32]; ROWS],
    query: &[f32],
    madd: impl Fn(f32, f32, f32) -> f32 + Copy,
) -> [f32; ROWS] {
    let mut acc = [[[0.0f32; LANES]; 2]; ROWS];
    let whole = query.len() / STEP * STEP;
    for start in (0..whole).step_by(STEP) {
        let q = &query[start..start + STEP];
        for (row, acc) in rows.iter().zip(acc.iter_mut()) {
            let r = &row[start..start + STEP];
            for lane in 0..LANES {
                acc[0][lane] = madd(r[lane], q[lane], acc[0][lane]);
                acc[1][lane] = madd(r[LANES + lane], q[LANES + lane], acc[1][lane]);
            }
        }
    }
    let mut out = [0.0f32; ROWS];
    for ((row, acc), out) in rows.iter().zip(&acc).zip(out.iter_mut()) {
        let tail: f32 = row[whole..]
            .iter()
            .zip(&query[whole..])
            .map(|(a, b)| a * b)
            .sum();
        *out = (0..LANES).map(|l| acc[0][l] + acc[1][l]).sum::<f32>() + tail;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f32], b: &[f32]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| f64::from(*x) * f64::from(*y))
            .sum()
    }

    #[test]
    fn matches_naive_for_every_tail_length() {
        for dim in [1usize, 7, 8, 15, 16, 17, 33, 384, 1536, 1537] {
            let data: Vec<f32> = (0..dim * 5)
                .map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0)
                .collect();
            let rows = [
                &data[0..dim],
                &data[dim..2 * dim],
                &data[2 * dim..3 * dim],
                &data[3 * dim..4 * dim],
            ];
            let query = &data[4 * dim..];
            let got = dot_rows(rows, query);
            for (g, row) in got.iter().zip(rows) {
                let want = naive(row, query);
                assert!(
                    (f64::from(*g) - want).abs() <= 1e-4 * want.abs().max(1.0),
                    "dim {dim}: {g} vs {want}"
                );
            }
        }
    }
}
