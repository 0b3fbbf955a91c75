//! Compact rows (f16, i8) that still give the exact f32 top-k: the maths, not yet in the blob.
//!
//! A scan over compact rows reads two or four times fewer bytes, but its scores are only
//! approximate. Each row therefore carries an error bound `B`, computed when it is quantised,
//! such that for every query `y` the score the f32 ranking gives (`t`, the canonical order of
//! [`crate::kernel::LANES`]) and the approximate score `a` computed here satisfy
//!
//! ```text
//! |t - a| <= B * |y| + S,   B = |e| + g * (|x| + |x'|),   g = gamma(d + 1) = (d + 1)u / (1 - (d + 1)u)
//! ```
//!
//! where `x` is the f32 row, `x'` its dequantised form, `e = x - x'` the residual (all norms
//! Euclidean, computed in f64 and rounded up), `u = 2^-24`, `d = ceil(dim / 8) + 3` the depth
//! of the canonical sum (the products a lane accumulates plus the three levels of the final
//! sum) and `S = 3 (d + 1) 2^-149` the absolute slack of underflowing products. The three terms
//! are the residual (`|x.y - x'.y| <= |e||y|`, Cauchy-Schwarz) and the rounding errors of the
//! two computed dot products (`|fl(x.y) - x.y| <= gamma(d) sum|x_i y_i| <= gamma(d)|x||y|`).
//!
//! [`exact_top_k`] then keeps every row whose upper bound `a + B|y| + S` reaches the k-th
//! largest lower bound `L`, and rescores those rows in f32. A row left out has a true score
//! below `L`, and at least k rows have true scores of at least `L`, so it loses to k rows
//! whatever the tie rule: the rescored top-k is the brute-force top-k, ties and order included.

use crate::batch::{self, Rows};
use crate::kernel::{Kernel, LANES};
use crate::search::Hit;

/// Largest finite f16.
const F16_MAX: f32 = 65504.0;
/// Unit roundoff of f32.
const U: f64 = 1.0 / (1u64 << 24) as f64;
/// Rounding of the f64 bound arithmetic itself, absorbed by rounding bounds up this much.
const ROUND_UP: f64 = 1.0 + 1e-6;

/// `gamma(n) = n u / (1 - n u)`, the classic bound on n roundings in a row.
fn gamma(n: usize) -> f64 {
    let nu = n as f64 * U;
    nu / (1.0 - nu)
}

/// Depth of the canonical sum of `dim` products.
fn depth(dim: usize) -> usize {
    dim.div_ceil(LANES) + 3
}

/// The absolute slack `S` of a dimension.
fn slack(dim: usize) -> f64 {
    3.0 * (depth(dim) + 1) as f64 * f64::from(f32::from_bits(1))
}

fn norm(v: impl Iterator<Item = f64>) -> f64 {
    v.map(|x| x * x).sum::<f64>().sqrt() * ROUND_UP
}

/// f32 to the nearest f16 (ties to even), saturating at the largest finite f16 so that the
/// residual of any finite row stays finite. NaN becomes a NaN.
pub fn f16_from_f32(x: f32) -> u16 {
    let x = x.clamp(-F16_MAX, F16_MAX);
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    if x.is_nan() {
        return 0x7e00;
    }
    let exp = ((bits >> 23) & 0xff) as i32 - 127;
    let mantissa = bits & 0x007f_ffff;
    if exp < -25 {
        // Below half the smallest subnormal f16 (2^-25 itself rounds to even: zero).
        return sign;
    }
    let (shift, base) = if exp < -14 {
        // Subnormal f16: the value in units of 2^-24.
        ((-14 - exp) as u32 + 13, 0u32)
    } else {
        (13, ((exp + 15) as u32) << 10)
    };
    let full = if exp < -14 {
        mantissa | 0x0080_0000
    } else {
        mantissa
    };
    let mut half = base + (full >> shift);
    let rest = full & ((1 << shift) - 1);
    let halfway = 1 << (shift - 1);
    if rest > halfway || (rest == halfway && half & 1 == 1) {
        half += 1; // may carry into the exponent, which is the right rounding
    }
    sign | half as u16
}

/// f16 bits to f32 (exact: every f16 is an f32).
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from((h >> 10) & 0x1f);
    let mantissa = u32::from(h & 0x3ff);
    let bits = match (exp, mantissa) {
        (0, 0) => sign,
        (0, m) => {
            // Subnormal: m * 2^-24.
            let value = m as f32 * f32::from_bits(0x3380_0000);
            return if sign != 0 { -value } else { value };
        }
        (0x1f, 0) => sign | 0x7f80_0000,
        (0x1f, m) => sign | 0x7fc0_0000 | (m << 13),
        (e, m) => sign | ((e + 112) << 23) | (m << 13),
    };
    f32::from_bits(bits)
}

/// Compact rows: whatever the storage, each row's approximate score and its bound `B`.
pub trait Compact {
    /// Floats per row.
    fn dim(&self) -> usize;
    /// Rows stored.
    fn len(&self) -> usize;
    /// Whether no row is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Row `row` dequantised into `out` (`dim` floats).
    fn dequantise(&self, row: usize, out: &mut [f32]);
    /// The error bound `B` of row `row`.
    fn bound(&self, row: usize) -> f64;
    /// The approximate score `a` of row `row`, given its dequantised form.
    fn approx(&self, kernel: Kernel, row: usize, dequantised: &[f32], query: &[f32]) -> f32;
}

/// f16 rows (bit patterns) and their bounds.
#[derive(Clone, Debug)]
pub struct F16Rows {
    dim: usize,
    halves: Vec<u16>,
    bounds: Vec<f64>,
}

/// i8 rows: one scale per row (`x' = scale * q`) and their bounds.
#[derive(Clone, Debug)]
pub struct I8Rows {
    dim: usize,
    codes: Vec<i8>,
    scales: Vec<f32>,
    bounds: Vec<f64>,
}

/// The bound `B` of a row `x` and its dequantised form `x'`.
fn row_bound(row: &[f32], dequantised: &[f32]) -> f64 {
    let residual = norm(
        row.iter()
            .zip(dequantised)
            .map(|(&x, &q)| f64::from(x) - f64::from(q)),
    );
    let x = norm(row.iter().map(|&v| f64::from(v)));
    let q = norm(dequantised.iter().map(|&v| f64::from(v)));
    (residual + gamma(depth(row.len()) + 1) * (x + q)) * ROUND_UP
}

impl F16Rows {
    /// Quantises `rows` (`dim` floats each, finite) to the nearest f16.
    pub fn quantise(rows: &[f32], dim: usize) -> F16Rows {
        let halves: Vec<u16> = rows.iter().map(|&x| f16_from_f32(x)).collect();
        let bounds = rows
            .chunks(dim.max(1))
            .zip(halves.chunks(dim.max(1)))
            .map(|(row, h)| {
                let back: Vec<f32> = h.iter().map(|&v| f16_to_f32(v)).collect();
                row_bound(row, &back)
            })
            .collect();
        F16Rows {
            dim,
            halves,
            bounds,
        }
    }
}

impl Compact for F16Rows {
    fn dim(&self) -> usize {
        self.dim
    }
    fn len(&self) -> usize {
        self.bounds.len()
    }
    fn dequantise(&self, row: usize, out: &mut [f32]) {
        let halves = &self.halves[row * self.dim..(row + 1) * self.dim];
        for (o, &h) in out.iter_mut().zip(halves) {
            *o = f16_to_f32(h);
        }
    }
    fn bound(&self, row: usize) -> f64 {
        self.bounds[row]
    }
    fn approx(&self, kernel: Kernel, _row: usize, dequantised: &[f32], query: &[f32]) -> f32 {
        kernel.dot(dequantised, query)
    }
}

impl I8Rows {
    /// Quantises `rows` (`dim` floats each, finite) to `round(x / scale)` with
    /// `scale = max|x| / 127` per row (a zero row gets scale 0 and codes 0).
    pub fn quantise(rows: &[f32], dim: usize) -> I8Rows {
        let mut codes = Vec::with_capacity(rows.len());
        let mut scales = Vec::new();
        let mut bounds = Vec::new();
        for row in rows.chunks(dim.max(1)) {
            let peak = row.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            let scale = peak / 127.0;
            let start = codes.len();
            codes.extend(row.iter().map(|&x| {
                if scale > 0.0 {
                    (x / scale).round().clamp(-127.0, 127.0) as i8
                } else {
                    0
                }
            }));
            let back: Vec<f32> = codes[start..]
                .iter()
                .map(|&c| scale * f32::from(c))
                .collect();
            // The approximate score is scale * dot(codes, y): bound it against x' = scale * q,
            // whose rounding `back` may differ from by one f32 rounding per element; the
            // residual is taken against the exact products in f64 instead.
            let exact_back = codes[start..]
                .iter()
                .map(|&c| f64::from(scale) * f64::from(c));
            let residual = norm(row.iter().zip(exact_back).map(|(&x, q)| f64::from(x) - q));
            let x = norm(row.iter().map(|&v| f64::from(v)));
            let q = norm(back.iter().map(|&v| f64::from(v))) * (1.0 + U);
            bounds.push((residual + gamma(depth(dim) + 2) * (x + q)) * ROUND_UP);
            scales.push(scale);
        }
        I8Rows {
            dim,
            codes,
            scales,
            bounds,
        }
    }
}

impl Compact for I8Rows {
    fn dim(&self) -> usize {
        self.dim
    }
    fn len(&self) -> usize {
        self.scales.len()
    }
    /// The codes as floats (not yet scaled: [`Compact::approx`] applies the scale once).
    fn dequantise(&self, row: usize, out: &mut [f32]) {
        let codes = &self.codes[row * self.dim..(row + 1) * self.dim];
        for (o, &c) in out.iter_mut().zip(codes) {
            *o = f32::from(c);
        }
    }
    fn bound(&self, row: usize) -> f64 {
        self.bounds[row]
    }
    fn approx(&self, kernel: Kernel, row: usize, codes: &[f32], query: &[f32]) -> f32 {
        self.scales[row] * kernel.dot(codes, query)
    }
}

/// Every row's approximate score `a` and its half-width `B|y| + S`, in f64.
pub fn approximate(kernel: Kernel, compact: &impl Compact, query: &[f32]) -> Vec<(f64, f64)> {
    let y = norm(query.iter().map(|&v| f64::from(v)));
    let slack = slack(compact.dim());
    let mut buffer = vec![0.0f32; compact.dim()];
    (0..compact.len())
        .map(|row| {
            compact.dequantise(row, &mut buffer);
            let a = f64::from(compact.approx(kernel, row, &buffer, query));
            (a, (compact.bound(row) * y + slack) * ROUND_UP)
        })
        .collect()
}

/// Rows (ascending) that may be in the exact top-k: upper bound at least the k-th largest
/// lower bound. A NaN approximate score keeps its row (the f32 rescoring decides).
pub fn candidates(approx: &[(f64, f64)], k: usize) -> Vec<u32> {
    if k == 0 {
        return Vec::new();
    }
    let mut lower: Vec<f64> = approx
        .iter()
        .map(|(a, w)| a - w)
        .filter(|l| !l.is_nan())
        .collect();
    if lower.len() <= k {
        return (0..approx.len() as u32).collect();
    }
    let at = lower.len() - k;
    let (_, kth, _) = lower.select_nth_unstable_by(at, f64::total_cmp);
    let kth = *kth;
    approx
        .iter()
        .enumerate()
        .filter(|(_, (a, w))| (a + w).is_nan() || a + w >= kth)
        .map(|(row, _)| row as u32)
        .collect()
}

/// The exact f32 top-k of `query` over `rows`, reading the f32 rows only for the candidates
/// the compact rows cannot rule out; the same hits as [`batch::rank`] over every row.
pub fn exact_top_k(
    kernel: Kernel,
    rows: Rows<'_>,
    compact: &impl Compact,
    query: &[f32],
    k: usize,
    min_score: Option<f32>,
) -> Vec<Hit> {
    let approx = approximate(kernel, compact, query);
    let keep = candidates(&approx, k);
    let rows = Rows {
        only: Some(&keep),
        ..rows
    };
    batch::rank(kernel, rows, &[query], k, min_score)
        .pop()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f16_round_trips_every_f16_and_rounds_to_nearest_even() {
        for h in 0..=u16::MAX {
            let x = f16_to_f32(h);
            if x.is_infinite() {
                // Saturated: the largest finite f16 of that sign.
                assert_eq!(f16_to_f32(f16_from_f32(x)), 65504.0f32.copysign(x));
            } else if x.is_nan() {
                assert!(f16_to_f32(f16_from_f32(x)).is_nan());
            } else {
                assert_eq!(f16_from_f32(x), h, "{h:#06x} = {x}");
            }
        }
        // 1 + 2^-11 is halfway between 1 and the next f16: ties to even (1.0).
        assert_eq!(f16_to_f32(f16_from_f32(1.0 + 2f32.powi(-11))), 1.0);
        let above = 1.0 + 2f32.powi(-11) + 2f32.powi(-20);
        assert_eq!(f16_to_f32(f16_from_f32(above)), 1.0 + 2f32.powi(-10));
        assert_eq!(f16_to_f32(f16_from_f32(1e9)), 65504.0);
        assert_eq!(f16_to_f32(f16_from_f32(2f32.powi(-26))), 0.0);
        assert_eq!(f16_to_f32(f16_from_f32(2f32.powi(-25))), 0.0);
        let over_half = 2f32.powi(-25) * 1.001;
        assert_eq!(f16_to_f32(f16_from_f32(over_half)), 2f32.powi(-24));
        assert_eq!(f16_to_f32(f16_from_f32(2f32.powi(-24))), 2f32.powi(-24));
    }
}
