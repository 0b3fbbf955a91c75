//! Dot products of blocks of rows against blocks of queries, in one fixed summation order.
//!
//! Scoring one query at a time reads every row once per query; a batch of queries over a
//! collection that is larger than the cache is then bound by memory, not arithmetic. A tile
//! of `R` rows by `Q` queries keeps `R * Q` accumulators in registers and loads each chunk of
//! a row once for all `Q` queries (and each chunk of a query once for all `R` rows).
//!
//! Every score has the same bits whatever the tile, the batch size or the instruction set,
//! because every path follows one documented order (see [`LANES`]): a query scored alone, in a
//! batch of 300, on AVX2 or on NEON gives the same `f32`, so ties and ranks never depend on
//! how a request was grouped. simsimd's dot product sums in its own order, so it cannot be
//! used for one pair without breaking that promise (it keeps the l2 metric).
//!
//! [`Kernel`] is picked once per call at run time: AVX2 with FMA on x86-64 when the CPU has
//! both, NEON on aarch64 (part of its baseline, Graviton included), else a portable loop with
//! `f32::mul_add`, which gives the same bits (slowly, where there is no hardware FMA).

/// Lanes of the canonical order: element `i` of a dot product is added, with one fused
/// multiply-add and in increasing `i`, into accumulator `i % LANES` (all start at +0); the
/// eight accumulators `a` are then summed as `((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7))`.
/// A dimension that is not a multiple of `LANES` behaves as if padded with zeros.
/// (Defined with the format, whose baked error bounds depend on it: one source of truth.)
pub const LANES: usize = plan_index_format::compact::LANES;

/// Most rows and queries in one tile (the largest shapes any kernel uses).
pub const MAX_ROWS: usize = 8;
/// See [`MAX_ROWS`].
pub const MAX_QUERIES: usize = 3;

/// Scores of a tile: `out[r][q]` is the dot product of row `r` and query `q`.
pub type TileScores = [[f32; MAX_QUERIES]; MAX_ROWS];

/// The instruction set used for the tiles of one search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// x86-64 with AVX2 and FMA (checked at run time; only [`Kernel::detect`] builds it).
    #[cfg(target_arch = "x86_64")]
    Avx2(Avx2Token),
    /// aarch64 NEON.
    #[cfg(target_arch = "aarch64")]
    Neon,
    /// Plain Rust with `f32::mul_add`: any CPU.
    Portable,
}

/// Proof that the CPU has AVX2 and FMA: only [`Kernel::detect`] makes one.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Avx2Token(());

impl Kernel {
    /// The fastest kernel this CPU runs.
    pub fn detect() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return Kernel::Avx2(Avx2Token(()));
        }
        #[cfg(target_arch = "aarch64")]
        {
            Kernel::Neon
        }
        #[cfg(not(target_arch = "aarch64"))]
        {
            Kernel::Portable
        }
    }

    /// Every kernel this CPU runs (for tests that compare them).
    pub fn available() -> Vec<Kernel> {
        let best = Kernel::detect();
        if best == Kernel::Portable {
            vec![best]
        } else {
            vec![best, Kernel::Portable]
        }
    }

    /// How many rows a tile of `queries` queries (1..=[`MAX_QUERIES`]) takes, so that the
    /// accumulators, the query chunks and one row chunk fit in the registers.
    pub fn rows_per_tile(self, queries: usize) -> usize {
        match (self, queries) {
            (Kernel::Portable, _) => 2,
            (_, 1) => 8,
            (_, 2) => 6,
            _ => 4,
        }
    }

    /// Queries per tile in a batch.
    pub fn queries_per_tile(self) -> usize {
        match self {
            Kernel::Portable => 1,
            _ => MAX_QUERIES,
        }
    }

    /// Scores `rows` (at most [`MAX_ROWS`]) against `queries` (at most [`MAX_QUERIES`]) into
    /// `out[r][q]`. Every row and query must have the same length; panics otherwise (that
    /// length is what keeps the loads in bounds).
    pub fn tile(self, rows: &[&[f32]], queries: &[&[f32]], out: &mut TileScores) {
        let dim = queries.first().map_or(0, |q| q.len());
        assert!(
            rows.len() <= MAX_ROWS
                && queries.len() <= MAX_QUERIES
                && rows.iter().chain(queries).all(|v| v.len() == dim),
            "tile of {} rows x {} queries with unequal lengths",
            rows.len(),
            queries.len()
        );
        macro_rules! shapes {
            ($run:ident) => {
                match (rows.len(), queries.len()) {
                    (0, _) | (_, 0) => {}
                    (8, 1) => $run::<8, 1>(self, rows, queries, out),
                    (6, 2) => $run::<6, 2>(self, rows, queries, out),
                    (4, 3) => $run::<4, 3>(self, rows, queries, out),
                    (4, 1) => $run::<4, 1>(self, rows, queries, out),
                    (4, 2) => $run::<4, 2>(self, rows, queries, out),
                    (2, 1) => $run::<2, 1>(self, rows, queries, out),
                    (2, 2) => $run::<2, 2>(self, rows, queries, out),
                    (2, 3) => $run::<2, 3>(self, rows, queries, out),
                    (1, 1) => $run::<1, 1>(self, rows, queries, out),
                    (1, 2) => $run::<1, 2>(self, rows, queries, out),
                    (1, 3) => $run::<1, 3>(self, rows, queries, out),
                    // Other shapes are split into the ones above.
                    (n, _) => {
                        let split = smaller_shape(n);
                        let mut rest = [[0.0; MAX_QUERIES]; MAX_ROWS];
                        self.tile(&rows[..split], queries, out);
                        self.tile(&rows[split..], queries, &mut rest);
                        out[split..n].copy_from_slice(&rest[..n - split]);
                    }
                }
            };
        }
        shapes!(fixed);
    }

    /// The dot product of one pair, in the canonical order.
    pub fn dot(self, row: &[f32], query: &[f32]) -> f32 {
        let mut out = [[0.0; MAX_QUERIES]; MAX_ROWS];
        self.tile(&[row], &[query], &mut out);
        out[0][0]
    }
}

/// The largest compiled row count below `n` (n >= 2), to split an uncompiled shape.
fn smaller_shape(n: usize) -> usize {
    [4, 2, 1].into_iter().find(|&s| s < n).unwrap_or(1)
}

/// A tile of a compiled shape, on `kernel`.
fn fixed<const R: usize, const Q: usize>(
    kernel: Kernel,
    rows: &[&[f32]],
    queries: &[&[f32]],
    out: &mut TileScores,
) {
    let rows: [&[f32]; R] = std::array::from_fn(|r| rows[r]);
    let queries: [&[f32]; Q] = std::array::from_fn(|q| queries[q]);
    let scores = match kernel {
        // SAFETY: an Avx2Token exists only when the CPU has AVX2 and FMA; `tile` checked that
        // every row and query has the same length.
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2(_) => unsafe { avx2::tile::<R, Q>(rows, queries) },
        // SAFETY: NEON is in the aarch64 baseline; `tile` checked the lengths.
        #[cfg(target_arch = "aarch64")]
        Kernel::Neon => unsafe { neon::tile::<R, Q>(rows, queries) },
        Kernel::Portable => portable::tile::<R, Q>(rows, queries),
    };
    for (out, scores) in out.iter_mut().zip(scores) {
        out[..Q].copy_from_slice(&scores);
    }
}

/// The final sum of the canonical order.
#[inline(always)]
fn reduce(a: [f32; LANES]) -> f32 {
    ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]))
}

mod portable {
    use super::{LANES, reduce};

    pub fn tile<const R: usize, const Q: usize>(
        rows: [&[f32]; R],
        queries: [&[f32]; Q],
    ) -> [[f32; Q]; R] {
        let mut acc = [[[0.0f32; LANES]; Q]; R];
        for (row, acc) in rows.iter().zip(acc.iter_mut()) {
            for (query, acc) in queries.iter().zip(acc.iter_mut()) {
                for (i, (&x, &y)) in row.iter().zip(query.iter()).enumerate() {
                    acc[i % LANES] = x.mul_add(y, acc[i % LANES]);
                }
            }
        }
        acc.map(|row| row.map(reduce))
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_maskload_ps, _mm256_set_epi32,
        _mm256_setzero_ps, _mm256_storeu_ps,
    };

    use super::{LANES, reduce};

    /// # Safety
    /// The CPU has AVX2 and FMA, and every row and query has the same length.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn tile<const R: usize, const Q: usize>(
        rows: [&[f32]; R],
        queries: [&[f32]; Q],
    ) -> [[f32; Q]; R] {
        let dim = queries[0].len();
        let whole = dim - dim % LANES;
        let mut acc = [[_mm256_setzero_ps(); Q]; R];
        let mut at = 0;
        while at < whole {
            let mut q = [_mm256_setzero_ps(); Q];
            for j in 0..Q {
                // SAFETY: at + LANES <= whole <= dim, the length of every query.
                q[j] = unsafe { _mm256_loadu_ps(queries[j].as_ptr().add(at)) };
            }
            for r in 0..R {
                // SAFETY: as above, for the rows.
                let x = unsafe { _mm256_loadu_ps(rows[r].as_ptr().add(at)) };
                for j in 0..Q {
                    acc[r][j] = _mm256_fmadd_ps(x, q[j], acc[r][j]);
                }
            }
            at += LANES;
        }
        if whole < dim {
            let left = (dim - whole) as i32;
            let on = |lane: i32| if lane < left { -1 } else { 0 };
            let mask = _mm256_set_epi32(on(7), on(6), on(5), on(4), on(3), on(2), on(1), on(0));
            let mut q = [_mm256_setzero_ps(); Q];
            for j in 0..Q {
                // SAFETY: the mask loads only the lanes below dim; the others read as zero.
                q[j] = unsafe { _mm256_maskload_ps(queries[j].as_ptr().add(whole), mask) };
            }
            for r in 0..R {
                // SAFETY: as above.
                let x = unsafe { _mm256_maskload_ps(rows[r].as_ptr().add(whole), mask) };
                for j in 0..Q {
                    acc[r][j] = _mm256_fmadd_ps(x, q[j], acc[r][j]);
                }
            }
        }
        let mut out = [[0.0f32; Q]; R];
        for r in 0..R {
            for j in 0..Q {
                out[r][j] = reduce(lanes(acc[r][j]));
            }
        }
        out
    }

    #[target_feature(enable = "avx2,fma")]
    fn lanes(v: __m256) -> [f32; LANES] {
        let mut a = [0.0f32; LANES];
        // SAFETY: `a` holds exactly eight floats.
        unsafe { _mm256_storeu_ps(a.as_mut_ptr(), v) };
        a
    }
}

#[cfg(target_arch = "aarch64")]
mod neon {
    use std::arch::aarch64::{float32x4_t, vdupq_n_f32, vfmaq_f32, vld1q_f32, vst1q_f32};

    use super::{LANES, reduce};

    /// # Safety
    /// Every row and query has the same length (NEON is in the aarch64 baseline).
    pub unsafe fn tile<const R: usize, const Q: usize>(
        rows: [&[f32]; R],
        queries: [&[f32]; Q],
    ) -> [[f32; Q]; R] {
        let dim = queries[0].len();
        let whole = dim - dim % LANES;
        // SAFETY (every load below): at + LANES <= whole <= dim, the length of every vector.
        let zero = unsafe { vdupq_n_f32(0.0) };
        let mut acc: [[[float32x4_t; 2]; Q]; R] = [[[zero; 2]; Q]; R];
        let step =
            |acc: &mut [[[float32x4_t; 2]; Q]; R], rows: [*const f32; R], qs: [*const f32; Q]| {
                let mut q = [[zero; 2]; Q];
                for j in 0..Q {
                    // SAFETY: the caller passes pointers to LANES readable floats.
                    q[j] = unsafe { [vld1q_f32(qs[j]), vld1q_f32(qs[j].add(4))] };
                }
                for r in 0..R {
                    // SAFETY: as above.
                    let x = unsafe { [vld1q_f32(rows[r]), vld1q_f32(rows[r].add(4))] };
                    for j in 0..Q {
                        // SAFETY: plain NEON arithmetic.
                        unsafe {
                            acc[r][j][0] = vfmaq_f32(acc[r][j][0], x[0], q[j][0]);
                            acc[r][j][1] = vfmaq_f32(acc[r][j][1], x[1], q[j][1]);
                        }
                    }
                }
            };
        let mut at = 0;
        while at < whole {
            // SAFETY: at < whole <= dim.
            let r = rows.map(|row| unsafe { row.as_ptr().add(at) });
            // SAFETY: as above.
            let q = queries.map(|query| unsafe { query.as_ptr().add(at) });
            step(&mut acc, r, q);
            at += LANES;
        }
        if whole < dim {
            let pad = |v: &[f32]| {
                let mut p = [0.0f32; LANES];
                p[..dim - whole].copy_from_slice(&v[whole..]);
                p
            };
            let rp = rows.map(pad);
            let qp = queries.map(pad);
            step(
                &mut acc,
                std::array::from_fn(|r| rp[r].as_ptr()),
                std::array::from_fn(|j| qp[j].as_ptr()),
            );
        }
        let mut out = [[0.0f32; Q]; R];
        for r in 0..R {
            for j in 0..Q {
                let mut a = [0.0f32; LANES];
                // SAFETY: `a` holds eight floats.
                unsafe {
                    vst1q_f32(a.as_mut_ptr(), acc[r][j][0]);
                    vst1q_f32(a.as_mut_ptr().add(4), acc[r][j][1]);
                }
                out[r][j] = reduce(a);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The canonical order spelled out element by element.
    fn reference(a: &[f32], b: &[f32]) -> f32 {
        let mut acc = [0.0f32; LANES];
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            acc[i % LANES] = x.mul_add(*y, acc[i % LANES]);
        }
        reduce(acc)
    }

    fn data(n: usize, seed: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (((i + seed) * 37 % 101) as f32 - 50.0) / 51.0)
            .collect()
    }

    #[test]
    fn every_shape_and_kernel_gives_the_canonical_bits() {
        for kernel in Kernel::available() {
            for dim in [1usize, 3, 7, 8, 9, 15, 16, 17, 33, 384, 1537] {
                let rows = data(MAX_ROWS * dim, 1);
                let queries = data(MAX_QUERIES * dim, 5);
                let rows: Vec<&[f32]> = rows.chunks(dim).collect();
                let queries: Vec<&[f32]> = queries.chunks(dim).collect();
                for nr in 0..=MAX_ROWS {
                    for nq in 1..=MAX_QUERIES {
                        let mut out = [[f32::NAN; MAX_QUERIES]; MAX_ROWS];
                        kernel.tile(&rows[..nr], &queries[..nq], &mut out);
                        for r in 0..nr {
                            for q in 0..nq {
                                let want = reference(rows[r], queries[q]);
                                assert_eq!(
                                    out[r][q].to_bits(),
                                    want.to_bits(),
                                    "{kernel:?} dim {dim} tile {nr}x{nq} at {r},{q}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "unequal lengths")]
    fn unequal_lengths_are_refused() {
        let mut out = [[0.0; MAX_QUERIES]; MAX_ROWS];
        Kernel::detect().tile(&[&[1.0, 2.0]], &[&[1.0]], &mut out);
    }
}
