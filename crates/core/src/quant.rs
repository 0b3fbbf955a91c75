//! Searching compact rows (f16, i8) and still returning the exact f32 top-k.
//!
//! A scan over compact rows reads two or four times fewer bytes, but its scores are only
//! approximate. Each row carries numbers baked beside it (`plan_index_format::compact`, whose
//! doc states the formulas) from which, for any query `y`, a half-width `w` follows with
//! `|t - a| <= w`, where `t` is the score the f32 ranking gives (the canonical order of
//! [`crate::kernel::LANES`]) and `a` the approximate score computed here:
//!
//! - f16: `a = fl(x' . y)` in the canonical order over the f16 row widened to f32;
//!   `w = bound |y| + S`. The terms: the residual (`|x.y - x'.y| <= |x - x'||y|`,
//!   Cauchy-Schwarz) and the rounding of the two computed dot products
//!   (`|fl(x.y) - x.y| <= gamma(d) sum|x_i y_i| <= gamma(d)|x||y|`, the same for `x'`).
//! - i8: the query is quantised like a row (`y' = s p`), `a = scale s sum(q_i p_i)` with an
//!   exact integer sum; `w = bound |y| + norm (|y - y'| + 1e-12 |s p|) + S`. The terms: the
//!   rounding of `t`, the row's residual against `y`, `x'` against the query's residual
//!   (`|x'.(y - y')| <= |x'||y - y'|`), and the two f64 roundings of `a`. With two levels
//!   (`y' = s1 p1 + s2 p2`, the second quantising `y - s1 p1`), `a = scale (s1 sum(q_i p1_i) +
//!   s2 sum(q_i p2_i))` and `|s p|` becomes `|s1 p1| + |s2 p2|`; the same terms bound it.
//!
//! [`exact_top_k`] keeps every row whose upper bound `a + w` reaches the k-th largest lower
//! bound `L = a - w`, and rescores those rows in f32 (the same [`batch::rank`] as a plain
//! search). A row left out has a true score below `L`, and at least k rows have true scores of
//! at least `L`, so it loses to k rows whatever the tie rule: the rescored top-k is the
//! brute-force top-k, ties and order included. A NaN anywhere keeps the row. When an i8 scan
//! keeps many rows, the same rule runs again over the kept rows with the two-level query
//! ([`approximate_fine`]): every row of the top-k was kept, and among the kept rows the
//! argument holds as before, so what the second pass leaves out loses too.

use plan_index_format::compact::{ROUND_UP, i8_code, norm_up, slack};

use crate::batch::{self, Rows};
use crate::kernel::{Kernel, MAX_QUERIES, MAX_ROWS, Queries};
use crate::search::Hit;

/// f16 rows (bit patterns) and their bounds, borrowed (from the blob, or a test's buffers).
#[derive(Clone, Copy, Debug)]
pub struct F16Rows<'a> {
    /// Floats per row.
    pub dim: usize,
    /// f16 bits, `dim` per row.
    pub halves: &'a [u16],
    /// One bound per row.
    pub bounds: &'a [f64],
}

/// i8 rows with one scale per row (`x' = scale * q`), their bounds and norms, borrowed.
#[derive(Clone, Copy, Debug)]
pub struct I8Rows<'a> {
    /// Floats per row.
    pub dim: usize,
    /// Codes, `dim` per row.
    pub codes: &'a [i8],
    /// One scale per row.
    pub scales: &'a [f32],
    /// One bound per row.
    pub bounds: &'a [f64],
    /// One `|x'|` per row.
    pub norms: &'a [f64],
}

/// A collection's compact rows, whichever storage.
#[derive(Clone, Copy, Debug)]
pub enum CompactRef<'a> {
    /// f16 storage.
    F16(F16Rows<'a>),
    /// i8 storage.
    I8(I8Rows<'a>),
}

/// Compact rows owned (tests and benchmarks quantise their own rows with the baker's code).
#[derive(Clone, Debug)]
pub struct Quantised {
    dim: usize,
    storage: plan_index_format::Storage,
    halves: Vec<u16>,
    codes: Vec<i8>,
    baked: plan_index_format::compact::CompactRows,
}

impl Quantised {
    /// Quantises `rows` (`dim` finite floats each) exactly as the baker does; `None` for f32.
    pub fn new(storage: plan_index_format::Storage, rows: &[f32], dim: usize) -> Option<Self> {
        let baked = plan_index_format::compact::CompactRows::quantise(storage, rows, dim)?;
        let halves = baked
            .codes
            .chunks_exact(2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .collect();
        let codes = baked.codes.iter().map(|&b| b as i8).collect();
        Some(Quantised {
            dim,
            storage,
            halves,
            codes,
            baked,
        })
    }

    /// The rows as the search reads them.
    pub fn view(&self) -> CompactRef<'_> {
        match self.storage {
            plan_index_format::Storage::I8 => CompactRef::I8(I8Rows {
                dim: self.dim,
                codes: &self.codes,
                scales: &self.baked.scales,
                bounds: &self.baked.bounds,
                norms: &self.baked.norms,
            }),
            _ => CompactRef::F16(F16Rows {
                dim: self.dim,
                halves: &self.halves,
                bounds: &self.baked.bounds,
            }),
        }
    }
}

/// f16 bits to f32 without branches, for the scan: exact for every finite f16 (which is all
/// the baker writes; it saturates).
#[inline(always)]
fn widen(h: u16) -> f32 {
    let magnitude = f32::from_bits(u32::from(h & 0x7fff) << 13) * f32::from_bits(0x7780_0000);
    f32::from_bits(magnitude.to_bits() | (u32::from(h & 0x8000) << 16))
}

/// Widens a row of f16 bits into `out`, exactly (every finite f16 is an f32). With F16C (x86-64,
/// detected at run time) eight halves per instruction; otherwise [`widen`] per element. Both
/// give the same bits for every finite half, so the scan's scores do not depend on the CPU.
fn widen_row(out: &mut [f32], halves: &[u16]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("f16c") && std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: F16C and AVX were detected just above.
        unsafe { widen_row_f16c(out, halves) };
        return;
    }
    widen_row_portable(out, halves);
}

fn widen_row_portable(out: &mut [f32], halves: &[u16]) {
    for (o, &h) in out.iter_mut().zip(halves) {
        *o = widen(h);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx,f16c")]
/// # Safety
/// The CPU must have AVX and F16C.
unsafe fn widen_row_f16c(out: &mut [f32], halves: &[u16]) {
    use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm256_cvtph_ps, _mm256_storeu_ps};
    let n = out.len().min(halves.len());
    let (out, halves) = (&mut out[..n], &halves[..n]);
    let mut outs = out.chunks_exact_mut(8);
    let mut ins = halves.chunks_exact(8);
    for (o, h) in (&mut outs).zip(&mut ins) {
        // SAFETY: `h` holds eight u16 (16 bytes) and `o` eight f32 (32 bytes); both unaligned
        // loads/stores are allowed by the intrinsics used.
        unsafe {
            let wide = _mm256_cvtph_ps(_mm_loadu_si128(h.as_ptr().cast::<__m128i>()));
            _mm256_storeu_ps(o.as_mut_ptr(), wide);
        }
    }
    widen_row_portable(outs.into_remainder(), ins.remainder());
}

/// Eight f16 rows scored against one query without widening them into a buffer first: each
/// step converts eight halves in a register (F16C) and multiplies them in, in the canonical
/// order of the AVX2 tile [`Kernel::tile`] runs for eight rows and one query, so every score
/// has the bits of [`widen_row`] followed by that tile (tested). The f16 scan was bound by
/// writing and re-reading the widened rows, not by memory.
#[derive(Clone, Copy)]
struct F16Tile {
    _private: (),
}

impl F16Tile {
    /// The fused tile, when `kernel` scores single queries with the AVX2 tile and the CPU has
    /// F16C; `None` otherwise (the caller widens and calls the kernel).
    fn new(kernel: Kernel) -> Option<F16Tile> {
        #[cfg(target_arch = "x86_64")]
        if matches!(kernel, Kernel::Avx2(_) | Kernel::Avx512(_))
            && std::arch::is_x86_feature_detected!("f16c")
        {
            return Some(F16Tile { _private: () });
        }
        let _ = kernel;
        None
    }

    /// The eight rows' scores (every row as long as `query`; panics otherwise).
    fn scores(self, rows: [&[u16]; 8], query: &[f32]) -> [f32; 8] {
        assert!(
            rows.iter().all(|r| r.len() == query.len()),
            "f16 rows of unequal length"
        );
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: an F16Tile is only made on a CPU with AVX2, FMA (the kernel's token) and
            // F16C; the lengths were checked above.
            unsafe { f16_tile(rows, query) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = (rows, query);
            unreachable!("F16Tile::new returns None off x86-64")
        }
    }
}

/// # Safety
/// The CPU must have AVX2, FMA and F16C, and every row must have the query's length.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn f16_tile(rows: [&[u16]; 8], query: &[f32]) -> [f32; 8] {
    use std::arch::x86_64::{
        __m128i, _mm_loadu_si128, _mm256_cvtph_ps, _mm256_fmadd_ps, _mm256_loadu_ps,
        _mm256_setzero_ps, _mm256_storeu_ps,
    };
    const LANES: usize = 8;
    let dim = query.len();
    let whole = dim - dim % LANES;
    let mut acc = [_mm256_setzero_ps(); 8];
    for at in (0..whole).step_by(LANES) {
        // SAFETY: at + 8 <= whole <= dim, the length of the query and of every row.
        let q = unsafe { _mm256_loadu_ps(query.as_ptr().add(at)) };
        for (acc, row) in acc.iter_mut().zip(rows) {
            // SAFETY: as above; eight u16 are 16 bytes, an unaligned load.
            let x =
                unsafe { _mm256_cvtph_ps(_mm_loadu_si128(row.as_ptr().add(at).cast::<__m128i>())) };
            *acc = _mm256_fmadd_ps(x, q, *acc);
        }
    }
    if whole < dim {
        // The tail as the tile's masked loads read it: the missing lanes are zeros.
        let mut q = [0.0f32; LANES];
        q[..dim - whole].copy_from_slice(&query[whole..]);
        // SAFETY: `q` holds eight floats.
        let q = unsafe { _mm256_loadu_ps(q.as_ptr()) };
        for (acc, row) in acc.iter_mut().zip(rows) {
            let mut x = [0.0f32; LANES];
            widen_row_portable(&mut x[..dim - whole], &row[whole..]);
            // SAFETY: `x` holds eight floats.
            *acc = _mm256_fmadd_ps(unsafe { _mm256_loadu_ps(x.as_ptr()) }, q, *acc);
        }
    }
    acc.map(|a| {
        let mut lanes = [0.0f32; LANES];
        // SAFETY: `lanes` holds eight floats.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), a) };
        crate::kernel::reduce(lanes)
    })
}

/// The exact integer dot product of two code rows.
#[inline(always)]
fn dot_i8_body(a: &[i8], b: &[i8]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
/// # Safety
/// The CPU must have AVX2 (a `Kernel::Avx2` proves it).
unsafe fn dot_i8_avx2(a: &[i8], b: &[i8]) -> i32 {
    dot_i8_body(a, b)
}

/// `sum(r_i q_i)` for each of `R` code rows `rows` against each of `Q` query code rows
/// `queries`, with AVX-512 VNNI, 64 codes per step: each step loads every query once for all
/// `R` rows and every row once for all `Q` queries, and the `R x Q` accumulators are
/// independent (one pair alone waits on its accumulator's latency at every step). `vpdpbusd`
/// multiplies unsigned by signed bytes, so each row is offset by 128 (a flip of its sign bit)
/// and `offsets[q] = 128 * sum(queries[q])` ([`vnni_offset`], once per query) is taken off
/// again. Exact whenever the true sum fits in i32, as the scalar sum needs too: the lanes and
/// the reductions wrap, and wrapping arithmetic is exact modulo 2^32.
///
/// # Safety
/// The CPU must have AVX-512 F, BW and VNNI (an `Avx512Token` with `vnni()` proves it), and
/// every row and query must have the length of the first query.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn dot_i8_vnni<const R: usize, const Q: usize>(
    rows: [&[i8]; R],
    queries: [&[i8]; Q],
    offsets: [i32; Q],
) -> [[i32; Q]; R] {
    use std::arch::x86_64::{
        _mm512_dpbusd_epi32, _mm512_maskz_loadu_epi8, _mm512_reduce_add_epi32, _mm512_set1_epi8,
        _mm512_setzero_si512, _mm512_xor_si512,
    };
    let flip = _mm512_set1_epi8(i8::MIN);
    let dim = queries[0].len();
    let mut products = [[_mm512_setzero_si512(); Q]; R];
    for at in (0..dim).step_by(64) {
        let left = dim - at;
        let mask = if left >= 64 {
            u64::MAX
        } else {
            (1u64 << left) - 1
        };
        // SAFETY: the mask loads only the bytes below `dim`, which every query and row has
        // (the contract); masked-off bytes are not read and come back as zero, adding nothing.
        let ys = queries.map(|q| unsafe { _mm512_maskz_loadu_epi8(mask, q.as_ptr().add(at)) });
        for (acc, row) in products.iter_mut().zip(rows) {
            // SAFETY: as above, for a row.
            let x = unsafe { _mm512_maskz_loadu_epi8(mask, row.as_ptr().add(at)) };
            let x = _mm512_xor_si512(x, flip);
            for (acc, y) in acc.iter_mut().zip(ys) {
                *acc = _mm512_dpbusd_epi32(*acc, x, y);
            }
        }
    }
    products.map(|row| {
        let mut sums = [0i32; Q];
        for ((sum, acc), offset) in sums.iter_mut().zip(row).zip(offsets) {
            *sum = _mm512_reduce_add_epi32(acc).wrapping_sub(offset);
        }
        sums
    })
}

/// What [`dot_i8_vnni`] takes off each sum: `128 * sum(query)`, wrapping.
#[cfg(target_arch = "x86_64")]
fn vnni_offset(query: &[i8]) -> i32 {
    query
        .iter()
        .fold(0i32, |sum, &b| sum.wrapping_add(i32::from(b)))
        .wrapping_mul(128)
}

/// `sum(a_i b_i)`, exact (integer arithmetic: the order does not matter).
pub fn dot_i8(kernel: Kernel, a: &[i8], b: &[i8]) -> i32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    match kernel {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the token says the CPU has AVX-512 BW and VNNI; `a` and `b` have length n.
        Kernel::Avx512(token) if token.vnni() => unsafe {
            dot_i8_vnni([a], [b], [vnni_offset(b)])[0][0]
        },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a Kernel::Avx2 or Kernel::Avx512 is only made after detecting AVX2.
        Kernel::Avx2(_) | Kernel::Avx512(_) => unsafe { dot_i8_avx2(a, b) },
        _ => dot_i8_body(a, b),
    }
}

/// [`dot_i8`] of each query's codes `queries[q]` with each row `ids` of `codes` (rows of the
/// queries' length back to back): `out[q][i]` for row `ids[i]`. With VNNI four rows share each
/// load of a query and four queries each load of a row, and the rows are met in chunks that
/// stay in the L2 cache while every block of queries passes over them, so a batch reads the
/// codes from memory once (10,000 x 1536: see `cargo bench --bench search -- i8_rows`).
pub fn dot_i8_rows(kernel: Kernel, codes: &[i8], ids: &[u32], queries: &[&[i8]]) -> Vec<Vec<i32>> {
    let Some(dim) = queries.first().map(|q| q.len()) else {
        return Vec::new();
    };
    let row = |id: u32| &codes[id as usize * dim..(id as usize + 1) * dim];
    #[cfg(target_arch = "x86_64")]
    if let Kernel::Avx512(token) = kernel
        && token.vnni()
        && queries.iter().all(|q| q.len() == dim)
    {
        let mut out = vec![vec![0i32; ids.len()]; queries.len()];
        let offsets: Vec<i32> = queries.iter().map(|q| vnni_offset(q)).collect();
        // Rows of about 256 KiB at a time (a multiple of four rows).
        let per_chunk = ((256 << 10) / dim.max(1)).max(4) / 4 * 4;
        for (c, chunk) in ids.chunks(per_chunk).enumerate() {
            let base = c * per_chunk;
            for (b, block) in queries.chunks(4).enumerate() {
                let first = b * 4;
                for (i, group) in chunk.chunks(4).enumerate() {
                    let at = base + i * 4;
                    // SAFETY (every call below): the token says the CPU has AVX-512 BW and
                    // VNNI; every query has length `dim` (checked above) and every row was cut
                    // to it.
                    match (<&[u32; 4]>::try_from(group), <&[&[i8]; 4]>::try_from(block)) {
                        (Ok(g), Ok(q)) => {
                            let offsets = std::array::from_fn(|j| offsets[first + j]);
                            let sums = unsafe { dot_i8_vnni(g.map(row), *q, offsets) };
                            for (r, sums) in sums.iter().enumerate() {
                                for (j, &sum) in sums.iter().enumerate() {
                                    out[first + j][at + r] = sum;
                                }
                            }
                        }
                        (Ok(g), Err(_)) => {
                            for (j, &q) in block.iter().enumerate() {
                                let offset = [offsets[first + j]];
                                let sums = unsafe { dot_i8_vnni(g.map(row), [q], offset) };
                                for (r, sums) in sums.iter().enumerate() {
                                    out[first + j][at + r] = sums[0];
                                }
                            }
                        }
                        (Err(_), _) => {
                            for (r, &id) in group.iter().enumerate() {
                                for (j, &q) in block.iter().enumerate() {
                                    let offset = [offsets[first + j]];
                                    out[first + j][at + r] =
                                        unsafe { dot_i8_vnni([row(id)], [q], offset) }[0][0];
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }
    queries
        .iter()
        .map(|q| ids.iter().map(|&id| dot_i8(kernel, row(id), q)).collect())
        .collect()
}

/// The query quantised like an i8 row, in one level or more (`y' = sum s_l p_l`, each level
/// quantising what the ones before it leave), with what the bound needs.
struct I8Query {
    /// Each level's codes and scale.
    levels: Vec<(Vec<i8>, f64)>,
    /// `|y|`, rounded up.
    norm: f64,
    /// `|y - y'|`, rounded up.
    residual: f64,
    /// `sum |s_l p_l|`, rounded up (what bounds the f64 roundings of `a`).
    dequantised: f64,
}

/// `values` as i8 codes at `max|v| / 127`, and that scale.
fn quantise_level(values: &[f32]) -> (Vec<i8>, f32) {
    let peak = values.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let scale = peak / 127.0;
    (values.iter().map(|&y| i8_code(y, scale)).collect(), scale)
}

/// `query` quantised in `levels` levels.
fn quantise_query(query: &[f32], levels: usize) -> I8Query {
    // What the levels so far leave; copied only when another level will quantise it.
    let mut left = std::borrow::Cow::Borrowed(query);
    let mut quantised = Vec::with_capacity(levels);
    for level in 0..levels {
        let (codes, scale) = quantise_level(&left);
        if level + 1 < levels {
            for (rest, &code) in left.to_mut().iter_mut().zip(&codes) {
                *rest -= scale * f32::from(code);
            }
        }
        quantised.push((codes, f64::from(scale)));
    }
    let back = |i: usize| -> f64 {
        quantised
            .iter()
            .map(|(codes, scale)| scale * f64::from(codes[i]))
            .sum()
    };
    I8Query {
        norm: norm_up(query.iter().map(|&y| f64::from(y))),
        residual: norm_up(
            query
                .iter()
                .enumerate()
                .map(|(i, &y)| f64::from(y) - back(i)),
        ),
        dequantised: quantised
            .iter()
            .map(|(codes, scale)| norm_up(codes.iter().map(|&p| scale * f64::from(p))))
            .sum::<f64>()
            * ROUND_UP,
        levels: quantised,
    }
}

/// The approximate score and half-width of each row of `ids` against each query, from i8
/// codes: every level of every query is one query of [`dot_i8_rows`], so the codes are read
/// once for all of them.
fn i8_approximate(
    kernel: Kernel,
    rows: &I8Rows<'_>,
    quantised: &[I8Query],
    ids: &[u32],
) -> Vec<Vec<(f64, f64)>> {
    let s = slack(rows.dim);
    let codes: Vec<&[i8]> = quantised
        .iter()
        .flat_map(|q| q.levels.iter().map(|(codes, _)| codes.as_slice()))
        .collect();
    let mut dots = dot_i8_rows(kernel, rows.codes, ids, &codes).into_iter();
    quantised
        .iter()
        .map(|q| {
            let levels: Vec<(f64, Vec<i32>)> = q
                .levels
                .iter()
                .map(|(_, scale)| *scale)
                .zip(dots.by_ref())
                .collect();
            let spread = q.residual + 1e-12 * q.dequantised;
            ids.iter()
                .enumerate()
                .map(|(i, &row)| {
                    let row = row as usize;
                    // Each `scale * dot` is exact in f64 (a 24-bit scale times an integer
                    // below 2^25); the sum and the row's scale round once each.
                    let sum: f64 = levels
                        .iter()
                        .map(|(scale, dots)| scale * f64::from(dots[i]))
                        .sum();
                    let a = f64::from(rows.scales[row]) * sum;
                    let w = (rows.bounds[row] * q.norm + rows.norms[row] * spread + s) * ROUND_UP;
                    (a, w)
                })
                .collect()
        })
        .collect()
}

impl CompactRef<'_> {
    fn dim(&self) -> usize {
        match self {
            CompactRef::F16(r) => r.dim,
            CompactRef::I8(r) => r.dim,
        }
    }
}

/// The approximate score `a` and half-width `w` of every row of `ids` (row numbers) against
/// `query`, in f64.
pub fn approximate(
    kernel: Kernel,
    compact: &CompactRef<'_>,
    query: &[f32],
    ids: &[u32],
) -> Vec<(f64, f64)> {
    approximate_batch(kernel, compact, &[query], ids)
        .pop()
        .unwrap_or_default()
}

/// [`approximate`] for each of `queries` (`out[q][i]` for row `ids[i]`), reading the compact
/// rows once for the whole batch: i8 codes through [`dot_i8_rows`], f16 rows widened a chunk
/// at a time and scored by the batch tiles ([`Queries`]) in the canonical order, so every
/// score has the bits its query alone gets.
pub fn approximate_batch(
    kernel: Kernel,
    compact: &CompactRef<'_>,
    queries: &[&[f32]],
    ids: &[u32],
) -> Vec<Vec<(f64, f64)>> {
    match compact {
        CompactRef::F16(rows) => {
            let s = slack(compact.dim());
            let scores = f16_scores(kernel, rows, queries, ids);
            queries
                .iter()
                .zip(scores)
                .map(|(query, scores)| {
                    let y = norm_up(query.iter().map(|&v| f64::from(v)));
                    ids.iter()
                        .zip(scores)
                        .map(|(&id, score)| {
                            let w = (rows.bounds[id as usize] * y + s) * ROUND_UP;
                            (f64::from(score), w)
                        })
                        .collect()
                })
                .collect()
        }
        CompactRef::I8(rows) => {
            let quantised: Vec<I8Query> = queries.iter().map(|q| quantise_query(q, 1)).collect();
            i8_approximate(kernel, rows, &quantised, ids)
        }
    }
}

/// [`approximate`] with an i8 query quantised in two levels (the second quantising what the
/// first leaves): the query's share of `w` shrinks about 250-fold, for a second integer dot
/// product per row. f16 rows have no second level: [`approximate`].
pub fn approximate_fine(
    kernel: Kernel,
    compact: &CompactRef<'_>,
    query: &[f32],
    ids: &[u32],
) -> Vec<(f64, f64)> {
    match compact {
        CompactRef::I8(rows) => i8_approximate(kernel, rows, &[quantise_query(query, 2)], ids)
            .pop()
            .unwrap_or_default(),
        CompactRef::F16(_) => approximate(kernel, compact, query, ids),
    }
}

/// The f32 scores of the f16 rows `ids` against each query (`out[q][i]`): a lone query
/// through the fused tile ([`F16Tile`]) eight rows at a time; a batch by widening rows a chunk
/// at a time (kept in the L2 cache) and scoring every block of queries against the chunk.
fn f16_scores(
    kernel: Kernel,
    rows: &F16Rows<'_>,
    queries: &[&[f32]],
    ids: &[u32],
) -> Vec<Vec<f32>> {
    let dim = rows.dim;
    let row = |id: u32| &rows.halves[id as usize * dim..(id as usize + 1) * dim];
    let mut out = vec![Vec::with_capacity(ids.len()); queries.len()];
    let fused = F16Tile::new(kernel).filter(|_| queries.len() == 1);
    // Whole tiles of every shape (8, 6, 4, 2, 1 rows), about 256 KiB of widened rows.
    let whole = MAX_ROWS * 3;
    let per_chunk = ((256 << 10) / (dim.max(1) * 4)).max(whole) / whole * whole;
    let rows_held = if fused.is_some() { MAX_ROWS } else { per_chunk };
    let mut buffer = vec![0.0f32; dim * rows_held.min(ids.len().max(1))];
    let mut batch = Queries::new(kernel, queries);
    let blocks: Vec<_> = batch.blocks().collect();
    batch.prepare(0..blocks.len());
    let mut scores = [[0.0f32; MAX_QUERIES]; MAX_ROWS];
    for chunk in ids.chunks(per_chunk) {
        if let (Some(fused), [query]) = (fused, queries) {
            for eight in chunk.chunks(MAX_ROWS) {
                if let Ok(eight) = <&[u32; MAX_ROWS]>::try_from(eight) {
                    out[0].extend(fused.scores(eight.map(row), query));
                    continue;
                }
                // The last few rows: widened, then the kernel's tile, as below.
                for (slot, &id) in buffer.chunks_exact_mut(dim).zip(eight) {
                    widen_row(slot, row(id));
                }
                let tile: Vec<&[f32]> = buffer.chunks_exact(dim).take(eight.len()).collect();
                kernel.tile(&tile, &[query], &mut scores);
                out[0].extend(scores[..eight.len()].iter().map(|s| s[0]));
            }
            continue;
        }
        for (slot, &id) in buffer.chunks_exact_mut(dim).zip(chunk) {
            widen_row(slot, row(id));
        }
        let widened: Vec<&[f32]> = buffer.chunks_exact(dim).take(chunk.len()).collect();
        for block in &blocks {
            for tile in widened.chunks(batch.rows_per_tile(block)) {
                batch.tile(block.clone(), tile, &mut scores);
                for scores in &scores[..tile.len()] {
                    for (q, &score) in block.clone().zip(scores) {
                        out[q].push(score);
                    }
                }
            }
        }
    }
    out
}

/// Positions (ascending) into `approx` that may be in the exact top-k: upper bound at least
/// the k-th largest lower bound (and at least `min_score`). NaN keeps its row.
pub fn candidates(approx: &[(f64, f64)], k: usize, min_score: Option<f32>) -> Vec<u32> {
    if k == 0 {
        return Vec::new();
    }
    let mut lower: Vec<f64> = approx
        .iter()
        .map(|(a, w)| a - w)
        .filter(|l| !l.is_nan())
        .collect();
    let floor = min_score.map_or(f64::NEG_INFINITY, f64::from);
    let kth = if lower.len() <= k {
        f64::NEG_INFINITY
    } else {
        let at = lower.len() - k;
        *lower.select_nth_unstable_by(at, f64::total_cmp).1
    };
    let keep = kth.max(floor);
    approx
        .iter()
        .enumerate()
        .filter(|(_, (a, w))| (a + w).is_nan() || a + w >= keep)
        .map(|(at, _)| at as u32)
        .collect()
}

/// An i8 scan whose candidates outnumber k this many times over, and [`REFINE_FROM`] at least,
/// narrows them with the query in two levels ([`approximate_fine`]) before reading their f32
/// rows: a second integer dot of a candidate's codes costs far less than reading its f32 row.
const REFINE_ABOVE: usize = 2;

/// Fewer candidates than this are rescored as they are: quantising the query again costs about
/// what rescoring a few dozen rows does (a batch of 300 queries over 100 x 1536 rows cost 2.5x
/// more per query with every query refined).
const REFINE_FROM: usize = 128;

/// The exact f32 top-k of `query` over `rows` (all of them, or `rows.only`), reading the f32
/// rows only for the candidates the compact rows cannot rule out; the same hits, order and
/// score bits as [`batch::rank`] over the same rows. `verify` is called on the candidates
/// before their f32 rows are read (the collection's checksum of their blocks).
pub fn exact_top_k(
    kernel: Kernel,
    rows: Rows<'_>,
    compact: &CompactRef<'_>,
    query: &[f32],
    k: usize,
    min_score: Option<f32>,
    verify: &dyn Fn(&[u32]) -> Result<(), plan_index_format::FormatError>,
) -> Result<Vec<Hit>, plan_index_format::FormatError> {
    let mut lists = exact_top_k_batch(kernel, rows, compact, &[query], k, min_score, verify)?;
    Ok(lists.pop().unwrap_or_default())
}

/// [`exact_top_k`] for each of `queries`, the compact rows read once for the whole batch
/// ([`approximate_batch`]); each query's candidates are then rescored on their own.
pub fn exact_top_k_batch(
    kernel: Kernel,
    rows: Rows<'_>,
    compact: &CompactRef<'_>,
    queries: &[&[f32]],
    k: usize,
    min_score: Option<f32>,
    verify: &dyn Fn(&[u32]) -> Result<(), plan_index_format::FormatError>,
) -> Result<Vec<Vec<Hit>>, plan_index_format::FormatError> {
    let all: Vec<u32>;
    let ids = match rows.only {
        Some(only) => only,
        None => {
            all = (0..rows.len() as u32).collect();
            &all
        }
    };
    let approx = approximate_batch(kernel, compact, queries, ids);
    queries
        .iter()
        .zip(&approx)
        .map(|(query, approx)| {
            // The rows (of `ids`) whose bounds in `approx` cannot rule them out.
            let kept = |approx: &[(f64, f64)], ids: &[u32]| -> Vec<u32> {
                candidates(approx, k, min_score)
                    .into_iter()
                    .map(|at| ids[at as usize])
                    .collect()
            };
            let mut keep = kept(approx, ids);
            if matches!(compact, CompactRef::I8(_))
                && keep.len() > REFINE_ABOVE * k.max(1)
                && keep.len() >= REFINE_FROM
            {
                keep = kept(&approximate_fine(kernel, compact, query, &keep), &keep);
            }
            verify(&keep)?;
            let rows = Rows {
                only: Some(&keep),
                ..rows
            };
            Ok(batch::rank(kernel, rows, &[query], k, min_score)
                .pop()
                .unwrap_or_default())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use plan_index_format::compact::f16_to_f32;

    #[test]
    fn widen_row_gives_widen_bits_for_every_finite_f16_and_every_tail() {
        let halves: Vec<u16> = (0..=u16::MAX)
            .filter(|&h| f16_to_f32(h).is_finite())
            .collect();
        for len in (0..20).chain([halves.len()]) {
            let mut out = vec![f32::NAN; len];
            widen_row(&mut out, &halves[..len]);
            for (o, &h) in out.iter().zip(&halves[..len]) {
                assert_eq!(o.to_bits(), widen(h).to_bits(), "{h:#06x} at length {len}");
            }
        }
    }

    #[test]
    fn the_fused_f16_tile_gives_the_bits_of_widening_then_the_kernel_tile() {
        let Some(fused) = Kernel::available().into_iter().find_map(F16Tile::new) else {
            return; // no F16C here: the fused tile is never used
        };
        let mut state = 0x9e37_79b9_u32;
        let mut half = || {
            // Finite halves of every exponent (the baker writes no inf or NaN).
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let h = (state & 0xffff) as u16;
            if h & 0x7c00 == 0x7c00 { h & 0xfbff } else { h }
        };
        for dim in (1..=40).chain([383, 384, 1_536, 1_537]) {
            let halves: Vec<u16> = (0..8 * dim).map(|_| half()).collect();
            let query: Vec<f32> = (0..dim)
                .map(|i| widen(half()) * if i % 3 == 0 { -1.0 } else { 1.0 })
                .collect();
            let rows: [&[u16]; 8] = std::array::from_fn(|r| &halves[r * dim..(r + 1) * dim]);
            let mut wide = vec![0.0f32; 8 * dim];
            for (slot, row) in wide.chunks_exact_mut(dim).zip(rows) {
                widen_row(slot, row);
            }
            let wide_rows: Vec<&[f32]> = wide.chunks_exact(dim).collect();
            for kernel in Kernel::available()
                .into_iter()
                .filter(|k| F16Tile::new(*k).is_some())
            {
                let mut want = [[0.0f32; MAX_QUERIES]; MAX_ROWS];
                kernel.tile(&wide_rows, &[&query], &mut want);
                let got = fused.scores(rows, &query);
                for r in 0..8 {
                    assert_eq!(
                        got[r].to_bits(),
                        want[r][0].to_bits(),
                        "{kernel:?} dim {dim} row {r}"
                    );
                }
            }
        }
    }

    #[test]
    fn widen_is_exact_for_every_finite_f16() {
        for h in 0..=u16::MAX {
            let x = f16_to_f32(h);
            if x.is_finite() {
                assert_eq!(widen(h).to_bits(), x.to_bits(), "{h:#06x}");
            }
        }
    }

    #[test]
    fn row_dots_match_the_scalar_sum_for_every_kernel_length_and_row_choice() {
        // Codes at both extremes, so a lost offset or a wrapped sum shows.
        let code = |i: usize| match i % 5 {
            0 => -127,
            1 => 127,
            _ => ((i * 53) % 255) as i32 as i8,
        };
        for dim in [1, 7, 63, 64, 65, 127, 128, 1_536, 1_601] {
            let rows = 11;
            let codes: Vec<i8> = (0..rows * dim).map(|i| code(i * 7 + 3)).collect();
            let query: Vec<i8> = (0..dim).map(code).collect();
            let scalar = |r: u32| -> i64 {
                codes[r as usize * dim..(r as usize + 1) * dim]
                    .iter()
                    .zip(&query)
                    .map(|(&x, &y)| i64::from(x) * i64::from(y))
                    .sum()
            };
            // Every remainder of the four-row step, rows out of order and repeated.
            for ids in [
                vec![],
                vec![3],
                vec![0, 1, 2, 3],
                vec![10, 2, 2, 7, 0, 9, 1],
                (0..11).collect(),
            ] {
                let want: Vec<i64> = ids.iter().map(|&r| scalar(r)).collect();
                for kernel in Kernel::available() {
                    let got: Vec<i64> = dot_i8_rows(kernel, &codes, &ids, &[&query])
                        .concat()
                        .into_iter()
                        .map(i64::from)
                        .collect();
                    assert_eq!(got, want, "{kernel:?} dim {dim} rows {ids:?}");
                }
            }
        }
    }

    #[test]
    fn the_i8_dot_is_exact_on_every_kernel() {
        let a: Vec<i8> = (0..1_601).map(|i| ((i * 37) % 255 - 127) as i8).collect();
        let b: Vec<i8> = (0..1_601).map(|i| ((i * 91) % 255 - 127) as i8).collect();
        let want: i64 = a
            .iter()
            .zip(&b)
            .map(|(&x, &y)| i64::from(x) * i64::from(y))
            .sum();
        for kernel in Kernel::available() {
            for n in [0, 1, 7, 31, 32, 33, 1_600, 1_601] {
                let want: i64 = a[..n]
                    .iter()
                    .zip(&b[..n])
                    .map(|(&x, &y)| i64::from(x) * i64::from(y))
                    .sum();
                assert_eq!(i64::from(dot_i8(kernel, &a[..n], &b[..n])), want);
            }
        }
        assert_ne!(want, 0);
    }

    #[test]
    fn the_i8_dot_is_exact_at_the_extremes_on_every_kernel() {
        let pattern = [i8::MIN, i8::MAX, -1, 0, 1, i8::MIN, i8::MIN, i8::MAX];
        for n in [63, 64, 65, 130, 4_099] {
            let a: Vec<i8> = (0..n).map(|i| pattern[i % pattern.len()]).collect();
            let b: Vec<i8> = (0..n)
                .map(|i| pattern[(i * 3 + 1) % pattern.len()])
                .collect();
            for (a, b) in [(&a, &b), (&b, &a), (&a, &a)] {
                let want: i64 = a
                    .iter()
                    .zip(b)
                    .map(|(&x, &y)| i64::from(x) * i64::from(y))
                    .sum();
                for kernel in Kernel::available() {
                    assert_eq!(i64::from(dot_i8(kernel, a, b)), want, "{kernel:?} n {n}");
                }
            }
        }
    }
}
