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
//! [`Kernel`] is picked once per call at run time: AVX-512 (F, DQ, VL) on x86-64 when the CPU
//! has it, else AVX2 with FMA, NEON on aarch64 (part of its baseline, Graviton included), else
//! a portable loop with `f32::mul_add`, which gives the same bits (slowly, where there is no
//! hardware FMA).
//!
//! AVX-512 keeps the order with 512-bit registers by holding two 8-lane accumulators in one
//! register instead of widening an accumulator to 16 lanes (which would change the sums): the
//! queries of a batch are packed once ([`Queries`]) so that one 64-byte load gives the same
//! 8-float chunk of two queries, and a row's chunk is broadcast to both halves; one fused
//! multiply-add then advances two (row, query) pairs. With 32 registers a tile is 6 rows x 8
//! queries (24 accumulators), and the final sums of a tile are taken by shuffles, 16 scores
//! per register, in the same pairwise order as [`LANES`] states.

/// Lanes of the canonical order: element `i` of a dot product is added, with one fused
/// multiply-add and in increasing `i`, into accumulator `i % LANES` (all start at +0); the
/// eight accumulators `a` are then summed as `((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7))`.
/// A dimension that is not a multiple of `LANES` behaves as if padded with zeros.
/// (Defined with the format, whose baked error bounds depend on it: one source of truth.)
pub const LANES: usize = plan_index_format::compact::LANES;

/// Most rows and queries in one tile (the largest shapes any kernel uses).
pub const MAX_ROWS: usize = 8;
/// See [`MAX_ROWS`].
pub const MAX_QUERIES: usize = 8;

/// Scores of a tile: `out[r][q]` is the dot product of row `r` and query `q`.
pub type TileScores = [[f32; MAX_QUERIES]; MAX_ROWS];

/// The instruction set used for the tiles of one search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// x86-64 with AVX-512 F, DQ and VL (and AVX2, FMA); only [`Kernel::detect`] builds it.
    #[cfg(target_arch = "x86_64")]
    Avx512(Avx512Token),
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

/// Proof that the CPU has AVX-512 F, DQ and VL besides AVX2 and FMA: only [`Kernel::detect`]
/// makes one. It also records whether the CPU has AVX-512 BW and VNNI (the i8 dot product).
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Avx512Token {
    vnni: bool,
}

#[cfg(target_arch = "x86_64")]
impl Avx512Token {
    /// Whether the CPU also has AVX-512 BW and VNNI.
    pub fn vnni(self) -> bool {
        self.vnni
    }
}

impl Kernel {
    /// The fastest kernel this CPU runs.
    pub fn detect() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512dq")
                && std::arch::is_x86_feature_detected!("avx512vl")
            {
                let vnni = std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("avx512vnni");
                return Kernel::Avx512(Avx512Token { vnni });
            }
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

    /// Every kernel this CPU runs, fastest first (for tests that compare them).
    pub fn available() -> Vec<Kernel> {
        let best = Kernel::detect();
        let mut all = vec![best];
        #[cfg(target_arch = "x86_64")]
        if let Kernel::Avx512(token) = best {
            // AVX-512 was detected together with AVX2 and FMA; without its VNNI path too.
            if token.vnni {
                all.push(Kernel::Avx512(Avx512Token { vnni: false }));
            }
            all.push(Kernel::Avx2(Avx2Token(())));
        }
        if best != Kernel::Portable {
            all.push(Kernel::Portable);
        }
        all
    }

    /// How many rows a tile of `queries` queries (1..=[`Kernel::queries_per_tile`]) takes, so
    /// that the accumulators, the query chunks and one row chunk fit in the registers.
    fn rows_per_tile(self, queries: usize) -> usize {
        match (self, queries) {
            (Kernel::Portable, _) => 2,
            #[cfg(target_arch = "x86_64")]
            (Kernel::Avx512(_), 7 | 8) => 6,
            (_, 1) => 8,
            #[cfg(target_arch = "x86_64")]
            (Kernel::Avx512(_), _) => 8,
            (_, 2) => 6,
            _ => 4,
        }
    }

    /// Queries per tile in a batch.
    fn queries_per_tile(self) -> usize {
        match self {
            Kernel::Portable => 1,
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512(_) => 8,
            _ => 3,
        }
    }

    /// Scores `rows` (at most [`MAX_ROWS`]) against `queries` (at most [`MAX_QUERIES`]) into
    /// `out[r][q]`.
    /// Every row and query must have the same length; panics otherwise (that length is what
    /// keeps the loads in bounds). A batch goes through [`Queries`], which lays the queries
    /// out once for all its tiles; this packs them on each call.
    pub fn tile(self, rows: &[&[f32]], queries: &[&[f32]], out: &mut TileScores) {
        let mut batch = Queries::new(self, queries);
        batch.prepare(0..1);
        batch.tile(0..queries.len(), rows, out);
    }

    /// [`Kernel::tile`] once the queries are laid out and checked.
    fn tile_checked(self, rows: &[&[f32]], queries: &[&[f32]], out: &mut TileScores) {
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
                        self.tile_checked(&rows[..split], queries, out);
                        self.tile_checked(&rows[split..], queries, &mut rest);
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

/// One 8-float chunk of each of two queries, side by side: what one AVX-512 register holds.
/// Aligned to a cache line so that a load never straddles two.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
struct Pair([[f32; LANES]; 2]);

/// A batch of queries laid out for one kernel's tiles.
///
/// The queries are split into blocks of as many as one tile takes ([`Queries::blocks`]).
/// AVX-512 also packs the blocks it is about to score ([`Queries::prepare`]) as pairs
/// (`Pair`): for each chunk of [`LANES`] floats, one pair per two queries (the last padded
/// with a zero query), zeros past the dimension. A caller that meets every row once packs
/// one block at a time, so that the packed block stays in the cache; one that visits the rows
/// in chunks packs them all once.
#[derive(Debug)]
pub struct Queries<'a> {
    kernel: Kernel,
    queries: &'a [&'a [f32]],
    dim: usize,
    /// AVX-512 only: the blocks `held`, one after the other, each `[chunk][pair]`.
    packed: Vec<Pair>,
    /// The indices (into [`Queries::blocks`]) of the blocks `packed` holds.
    held: std::ops::Range<usize>,
}

impl<'a> Queries<'a> {
    /// The batch `queries` for `kernel`, nothing laid out yet. Every query must have the same
    /// length; panics otherwise (that length is what keeps the loads in bounds).
    pub fn new(kernel: Kernel, queries: &'a [&'a [f32]]) -> Queries<'a> {
        let dim = queries.first().map_or(0, |q| q.len());
        assert!(
            queries.iter().all(|q| q.len() == dim),
            "a batch of {} queries with unequal lengths",
            queries.len()
        );
        Queries {
            kernel,
            queries,
            dim,
            packed: Vec::new(),
            held: 0..0,
        }
    }

    /// Whether this kernel packs blocks of more than one query (only AVX-512 does).
    fn packs(&self) -> bool {
        #[cfg(target_arch = "x86_64")]
        if let Kernel::Avx512(_) = self.kernel {
            return true;
        }
        false
    }

    /// Lays out the blocks `blocks` (indices into [`Queries::blocks`]) for [`Queries::tile`],
    /// in place of those laid out before.
    pub fn prepare(&mut self, blocks: std::ops::Range<usize>) {
        self.held = blocks.clone();
        if !self.packs() {
            return;
        }
        let per = self.kernel.queries_per_tile();
        let chunks = self.dim.div_ceil(LANES);
        let (start, mut end) = (
            (blocks.start * per).min(self.len()),
            (blocks.end * per).min(self.len()),
        );
        if (end - start) % per == 1 {
            // A last block of one query is scored unpacked (see `tile`): a lone query, a
            // single pair or dot product, costs no copy.
            end -= 1;
        }
        // Every pair is written whole below, so the buffer of the previous call is reused as
        // it is (no zeroing).
        let size = (end - start).div_ceil(2) * chunks;
        self.packed.resize(size, Pair([[0.0; LANES]; 2]));
        let mut base = 0;
        for block in self.queries[start..end].chunks(per) {
            let pairs = block.len().div_ceil(2);
            for (j, query) in block.iter().enumerate() {
                let (to, half) = (base + j / 2, j % 2);
                let (whole, tail) = query.as_chunks::<LANES>();
                for (c, chunk) in whole.iter().enumerate() {
                    self.packed[to + c * pairs].0[half] = *chunk;
                }
                if !tail.is_empty() {
                    let mut last = [0.0; LANES];
                    last[..tail.len()].copy_from_slice(tail);
                    self.packed[to + whole.len() * pairs].0[half] = last;
                }
            }
            if block.len() % 2 == 1 {
                // The missing half of the last pair: a zero query.
                for c in 0..chunks {
                    self.packed[base + pairs - 1 + c * pairs].0[1] = [0.0; LANES];
                }
            }
            base += chunks * pairs;
        }
    }

    /// How many queries.
    pub fn len(&self) -> usize {
        self.queries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.queries.is_empty()
    }

    /// The blocks of queries one tile scores together, in order.
    pub fn blocks(&self) -> impl Iterator<Item = std::ops::Range<usize>> + use<> {
        let (len, per) = (self.len(), self.kernel.queries_per_tile());
        (0..len)
            .step_by(per)
            .map(move |start| start..(start + per).min(len))
    }

    /// How many rows a tile of `block` (from [`Queries::blocks`]) takes.
    pub fn rows_per_tile(&self, block: &std::ops::Range<usize>) -> usize {
        self.kernel.rows_per_tile(block.len())
    }

    /// Scores `rows` (at most [`MAX_ROWS`], each as long as the queries; panics otherwise)
    /// against the queries of `block` (from [`Queries::blocks`], laid out by
    /// [`Queries::prepare`]; panics otherwise) into `out[r][q - block.start]`.
    pub fn tile(&self, block: std::ops::Range<usize>, rows: &[&[f32]], out: &mut TileScores) {
        assert!(
            rows.len() <= MAX_ROWS
                && block.len() <= MAX_QUERIES
                && block.end <= self.len()
                && rows.iter().all(|v| v.len() == self.dim),
            "tile of {} rows x {} queries with unequal lengths",
            rows.len(),
            block.len()
        );
        #[cfg(target_arch = "x86_64")]
        if let Kernel::Avx512(_) = self.kernel
            && block.len() > 1
        {
            let per = self.kernel.queries_per_tile();
            let index = block.start / per;
            assert!(
                block.start.is_multiple_of(per) && block.len() <= per && self.held.contains(&index),
                "block {block:?} not laid out"
            );
            let chunks = self.dim.div_ceil(LANES);
            let pairs = block.len().div_ceil(2);
            // Every held block before this one is whole.
            let start = (index - self.held.start) * chunks * (per / 2);
            let packed = &self.packed[start..start + chunks * pairs];
            return avx512_tile(self.dim, rows, packed, block.len(), out);
        }
        // The other kernels (and AVX-512 for a lone query, where the pairs would be half
        // empty) take the queries as they are, at most three at a time.
        let kernel = match self.kernel {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512(_) => Kernel::Avx2(Avx2Token(())),
            kernel => kernel,
        };
        let queries = &self.queries[block];
        let mut part = [[0.0; MAX_QUERIES]; MAX_ROWS];
        for (at, group) in queries.chunks(3).enumerate() {
            kernel.tile_checked(rows, group, &mut part);
            for (out, part) in out.iter_mut().zip(&part).take(rows.len()) {
                out[at * 3..at * 3 + group.len()].copy_from_slice(&part[..group.len()]);
            }
        }
    }
}

/// An AVX-512 tile of a compiled shape (rows x pairs), shapes split as in [`Kernel::tile`].
#[cfg(target_arch = "x86_64")]
fn avx512_tile(dim: usize, rows: &[&[f32]], packed: &[Pair], queries: usize, out: &mut TileScores) {
    fn run<const R: usize, const P: usize>(
        dim: usize,
        rows: &[&[f32]],
        packed: &[Pair],
        queries: usize,
        out: &mut TileScores,
    ) {
        let rows: [&[f32]; R] = std::array::from_fn(|r| rows[r]);
        assert!(packed.len() == dim.div_ceil(LANES) * P && queries <= 2 * P);
        // SAFETY: only an Avx512 kernel reaches here, and its token exists only when the CPU
        // has AVX-512 F/DQ/VL; `Queries::tile` checked that every row has `dim` floats, and
        // `packed` holds P pairs per chunk (checked just above).
        unsafe { avx512::tile::<R, P>(rows, packed, dim, queries, out) }
    }
    let pairs = queries.div_ceil(2);
    match (rows.len(), pairs) {
        (0, _) | (_, 0) => {}
        (6, 4) => run::<6, 4>(dim, rows, packed, queries, out),
        (8, 3) => run::<8, 3>(dim, rows, packed, queries, out),
        (8, 2) => run::<8, 2>(dim, rows, packed, queries, out),
        (8, 1) => run::<8, 1>(dim, rows, packed, queries, out),
        (4, 4) => run::<4, 4>(dim, rows, packed, queries, out),
        (4, 3) => run::<4, 3>(dim, rows, packed, queries, out),
        (4, 2) => run::<4, 2>(dim, rows, packed, queries, out),
        (4, 1) => run::<4, 1>(dim, rows, packed, queries, out),
        (2, 4) => run::<2, 4>(dim, rows, packed, queries, out),
        (2, 3) => run::<2, 3>(dim, rows, packed, queries, out),
        (2, 2) => run::<2, 2>(dim, rows, packed, queries, out),
        (2, 1) => run::<2, 1>(dim, rows, packed, queries, out),
        (1, 4) => run::<1, 4>(dim, rows, packed, queries, out),
        (1, 3) => run::<1, 3>(dim, rows, packed, queries, out),
        (1, 2) => run::<1, 2>(dim, rows, packed, queries, out),
        (1, 1) => run::<1, 1>(dim, rows, packed, queries, out),
        (n, _) => {
            let split = smaller_shape(n);
            let mut rest = [[0.0; MAX_QUERIES]; MAX_ROWS];
            avx512_tile(dim, &rows[..split], packed, queries, out);
            avx512_tile(dim, &rows[split..], packed, queries, &mut rest);
            out[split..n].copy_from_slice(&rest[..n - split]);
        }
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
        // SAFETY: an Avx2Token exists only when the CPU has AVX2 and FMA, an Avx512Token only
        // when it has those too; `Queries::tile` checked that every row and query has the same
        // length.
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2(_) | Kernel::Avx512(_) => unsafe { avx2::tile::<R, Q>(rows, queries) },
        // SAFETY: NEON is in the aarch64 baseline; `tile` checked the lengths.
        #[cfg(target_arch = "aarch64")]
        Kernel::Neon => unsafe { neon::tile::<R, Q>(rows, queries) },
        Kernel::Portable => portable::tile::<R, Q>(rows, queries),
    };
    for (out, scores) in out.iter_mut().zip(scores) {
        out[..Q].copy_from_slice(&scores);
    }
}

/// Whether every element is finite (no NaN, no infinity): the largest magnitude's bits are
/// below infinity's. One pass with no early exit, in AVX2 where the CPU has it: the workspace
/// is built for baseline x86-64, where this reduction runs four lanes at a time (1536 floats:
/// 0.17 us baseline, 0.04 us AVX2; every query of a search is checked).
pub fn all_finite(kernel: Kernel, v: &[f32]) -> bool {
    #[inline(always)]
    fn body(v: &[f32]) -> bool {
        v.iter()
            .fold(0u32, |most, x| most.max(x.to_bits() & 0x7fff_ffff))
            < f32::INFINITY.to_bits()
    }
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    /// # Safety
    /// The CPU must have AVX2 (a `Kernel::Avx2` or `Kernel::Avx512` proves it).
    unsafe fn avx2(v: &[f32]) -> bool {
        body(v)
    }
    match kernel {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: either kernel is only made after detecting AVX2.
        Kernel::Avx2(_) | Kernel::Avx512(_) => unsafe { avx2(v) },
        _ => body(v),
    }
}

/// The final sum of the canonical order.
#[inline(always)]
pub(crate) fn reduce(a: [f32; LANES]) -> f32 {
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

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m512, _mm256_loadu_ps, _mm256_maskz_loadu_ps, _mm512_add_ps, _mm512_broadcast_f32x8,
        _mm512_fmadd_ps, _mm512_load_ps, _mm512_setzero_ps, _mm512_shuffle_f32x4,
        _mm512_shuffle_ps, _mm512_storeu_ps,
    };

    use super::{LANES, Pair, TileScores};

    /// Scores `R` rows against `P` pairs of queries (`packed[c * P + p]`: chunk `c` of queries
    /// `2p` and `2p + 1`) and writes the first `queries` columns of `out`.
    ///
    /// # Safety
    /// The CPU has AVX-512 F, DQ and VL; every row has `dim` floats; `packed` holds
    /// `dim.div_ceil(LANES) * P` pairs.
    #[target_feature(enable = "avx512f,avx512dq,avx512vl")]
    pub unsafe fn tile<const R: usize, const P: usize>(
        rows: [&[f32]; R],
        packed: &[Pair],
        dim: usize,
        queries: usize,
        out: &mut TileScores,
    ) {
        let whole = dim / LANES;
        let mut acc = [[_mm512_setzero_ps(); P]; R];
        let mut pairs = packed.as_ptr().cast::<f32>();
        for c in 0..whole {
            let at = c * LANES;
            let mut y = [_mm512_setzero_ps(); P];
            for (p, y) in y.iter_mut().enumerate() {
                // SAFETY: pair c * P + p exists (the caller's length); a Pair is 64-byte aligned.
                *y = unsafe { _mm512_load_ps(pairs.add(p * 2 * LANES)) };
            }
            for r in 0..R {
                // SAFETY: at + LANES <= whole * LANES <= dim, the length of every row.
                let x =
                    _mm512_broadcast_f32x8(unsafe { _mm256_loadu_ps(rows[r].as_ptr().add(at)) });
                for p in 0..P {
                    acc[r][p] = _mm512_fmadd_ps(x, y[p], acc[r][p]);
                }
            }
            // SAFETY: stays within (or one past) `packed`.
            pairs = unsafe { pairs.add(P * 2 * LANES) };
        }
        let left = dim - whole * LANES;
        if left > 0 {
            let mask = ((1u32 << left) - 1) as u8;
            let mut y = [_mm512_setzero_ps(); P];
            for (p, y) in y.iter_mut().enumerate() {
                // SAFETY: the last chunk's pairs exist; past `dim` they hold zeros.
                *y = unsafe { _mm512_load_ps(pairs.add(p * 2 * LANES)) };
            }
            for r in 0..R {
                // SAFETY: the mask loads only the lanes below dim (the others read as zero and
                // masked lanes do not fault).
                let x = unsafe { _mm256_maskz_loadu_ps(mask, rows[r].as_ptr().add(whole * LANES)) };
                let x = _mm512_broadcast_f32x8(x);
                for p in 0..P {
                    acc[r][p] = _mm512_fmadd_ps(x, y[p], acc[r][p]);
                }
            }
        }
        // The final sums, eight registers (16 scores) at a time; lane `4l + m` of a reduced
        // group is accumulator `2m + l / 2` of the group, query half `l % 2`.
        let mut at = 0;
        while at < R * P {
            let mut group = [_mm512_setzero_ps(); 8];
            for (i, g) in group.iter_mut().enumerate() {
                if at + i < R * P {
                    *g = acc[(at + i) / P][(at + i) % P];
                }
            }
            let mut sums = [0.0f32; 2 * LANES];
            // SAFETY: `sums` holds sixteen floats.
            unsafe { _mm512_storeu_ps(sums.as_mut_ptr(), reduce(group)) };
            for (lane, &sum) in sums.iter().enumerate() {
                let (l, m) = (lane / 4, lane % 4);
                let index = at + 2 * m + l / 2;
                let query = 2 * (index % P) + l % 2;
                if index < R * P && query < queries {
                    out[index / P][query] = sum;
                }
            }
            at += 8;
        }
    }

    /// The canonical final sum of the sixteen (row, query) accumulators in eight registers,
    /// by shuffles: `(a0 + a4)`.. first, then `(.. + (a2 + a6))`, then the two halves. Lane
    /// `4l + m` of the result is the sum of register `2m + l / 2`, half `l % 2`.
    #[target_feature(enable = "avx512f")]
    fn reduce(a: [__m512; 8]) -> __m512 {
        // Blocks of four: [a0+a4, a1+a5, a2+a6, a3+a7] of (A, q0), (A, q1), (B, q0), (B, q1).
        let quarter = |a: __m512, b: __m512| {
            _mm512_add_ps(
                _mm512_shuffle_f32x4::<0x88>(a, b),
                _mm512_shuffle_f32x4::<0xDD>(a, b),
            )
        };
        let c = [
            quarter(a[0], a[1]),
            quarter(a[2], a[3]),
            quarter(a[4], a[5]),
            quarter(a[6], a[7]),
        ];
        // In each block: [(a0+a4)+(a2+a6), (a1+a5)+(a3+a7)] of one register, then the other.
        let half = |c: __m512, d: __m512| {
            _mm512_add_ps(
                _mm512_shuffle_ps::<0x44>(c, d),
                _mm512_shuffle_ps::<0xEE>(c, d),
            )
        };
        let e = [half(c[0], c[1]), half(c[2], c[3])];
        _mm512_add_ps(
            _mm512_shuffle_ps::<0x88>(e[0], e[1]),
            _mm512_shuffle_ps::<0xDD>(e[0], e[1]),
        )
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
    fn batches_of_every_size_give_the_canonical_bits_block_by_block() {
        for kernel in Kernel::available() {
            for dim in [1usize, 5, 8, 13, 24, 385] {
                let rows = data(MAX_ROWS * dim, 3);
                let queries = data(19 * dim, 11);
                let rows: Vec<&[f32]> = rows.chunks(dim).collect();
                let queries: Vec<&[f32]> = queries.chunks(dim).collect();
                for n in 1..=queries.len() {
                    let mut batch = Queries::new(kernel, &queries[..n]);
                    let blocks: Vec<_> = batch.blocks().collect();
                    assert_eq!(blocks.iter().map(|b| b.len()).sum::<usize>(), n);
                    // All blocks laid out at once, then one at a time (the two uses).
                    batch.prepare(0..blocks.len());
                    let one_by_one = blocks.iter().enumerate().map(|(i, b)| (Some(i), b));
                    for (one, block) in blocks.iter().map(|b| (None, b)).chain(one_by_one) {
                        if let Some(i) = one {
                            batch.prepare(i..i + 1);
                        }
                        let block = block.clone();
                        let nr = batch.rows_per_tile(&block);
                        assert!((1..=MAX_ROWS).contains(&nr), "{kernel:?} {block:?}");
                        let mut out = [[f32::NAN; MAX_QUERIES]; MAX_ROWS];
                        batch.tile(block.clone(), &rows[..nr], &mut out);
                        for r in 0..nr {
                            for q in block.clone() {
                                let want = reference(rows[r], queries[q]);
                                assert_eq!(
                                    out[r][q - block.start].to_bits(),
                                    want.to_bits(),
                                    "{kernel:?} dim {dim} batch {n} block {block:?} at {r},{q}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn all_finite_finds_every_nan_and_infinity_at_every_place_on_every_kernel() {
        let bad = [
            f32::NAN,
            -f32::NAN,
            f32::from_bits(0x7f80_0001),
            f32::from_bits(0xffc0_1234),
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        let edge = [f32::MAX, f32::MIN, f32::MIN_POSITIVE, -0.0, 1e-45];
        for kernel in Kernel::available() {
            for len in [0usize, 1, 7, 8, 9, 31, 33, 384, 1537] {
                let mut v = data(len, 2);
                if len > 0 {
                    v[len / 2] = edge[len % edge.len()];
                }
                assert!(all_finite(kernel, &v), "{kernel:?} len {len}");
                for at in [0, len / 3, len.saturating_sub(1)]
                    .into_iter()
                    .filter(|&a| a < len)
                {
                    for &x in &bad {
                        let mut w = v.clone();
                        w[at] = x;
                        assert!(!all_finite(kernel, &w), "{kernel:?} len {len}: {x} at {at}");
                    }
                }
            }
        }
    }

    #[test]
    fn every_instruction_set_the_cpu_has_is_tested() {
        let all = Kernel::available();
        assert_eq!(all.last(), Some(&Kernel::Portable));
        #[cfg(target_arch = "x86_64")]
        {
            let has = |f: &str| match f {
                "avx512" => {
                    std::arch::is_x86_feature_detected!("avx512f")
                        && std::arch::is_x86_feature_detected!("avx512dq")
                        && std::arch::is_x86_feature_detected!("avx512vl")
                        && std::arch::is_x86_feature_detected!("avx2")
                        && std::arch::is_x86_feature_detected!("fma")
                }
                _ => {
                    std::arch::is_x86_feature_detected!("avx2")
                        && std::arch::is_x86_feature_detected!("fma")
                }
            };
            let avx512 = all.iter().any(|k| matches!(k, Kernel::Avx512(_)));
            let avx2 = all.iter().any(|k| matches!(k, Kernel::Avx2(_)));
            assert_eq!((avx512, avx2), (has("avx512"), has("avx2")), "{all:?}");
        }
        #[cfg(target_arch = "aarch64")]
        assert_eq!(all, [Kernel::Neon, Kernel::Portable]);
    }

    #[test]
    #[should_panic(expected = "unequal lengths")]
    fn unequal_lengths_are_refused() {
        let mut out = [[0.0; MAX_QUERIES]; MAX_ROWS];
        Kernel::detect().tile(&[&[1.0, 2.0]], &[&[1.0]], &mut out);
    }
}
