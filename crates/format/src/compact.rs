//! Compact rows (f16, i8) and the per-row error bounds baked beside them.
//!
//! A collection whose manifest storage is `f16` or `i8` keeps its f32 rows (for the exact
//! rescoring) and also gets compact rows, which a search scans first: two or four times fewer
//! bytes than the f32 rows. Their scores are approximate, so every row also carries numbers,
//! computed here at bake time, from which the reader bounds `|t - a|`, the gap between the
//! score `t` the f32 ranking gives and the approximate score `a` of the scan, for any query.
//! Candidates are then the rows whose upper bound reaches the k-th largest lower bound, and
//! rescoring them in f32 gives exactly the f32 top-k (the argument is in
//! `plan-index-core`'s `quant` module and in docs/format.md).
//!
//! Notation: `x` the f32 row, `y` the query, `d = ceil(dim / LANES) + 3` the depth of the
//! canonical f32 sum (the products one lane accumulates plus three levels of the final
//! reduction), `u = 2^-24`, `g = gamma(d + 1) = (d + 1)u / (1 - (d + 1)u)`, all norms
//! Euclidean, computed in f64 and rounded up by [`ROUND_UP`].
//!
//! - **f16**: `x'` is `x` rounded to the nearest f16 (saturating); the scan computes
//!   `a = fl(x' . y)` in the canonical f32 order. Per row: `bound = |x - x'| + g (|x| + |x'|)`,
//!   and `|t - a| <= bound |y| + S`, `S = 3 (d + 1) 2^-149` (underflowing products).
//! - **i8**: `x' = scale * q`, `scale = max|x_i| / 127`, `q_i = round(x_i / scale)`; the scan
//!   quantises the query the same way (`y' = s * p`) and computes
//!   `a = scale * s * sum(q_i p_i)` with an exact integer sum. Per row: `scale`,
//!   `bound = |x - x'| + g |x|` and `norm = |x'|`; then
//!   `|t - a| <= bound |y| + norm (|y - y'| + 1e-12 |y'|) + S`.

use serde::{Deserialize, Serialize};

/// Lanes of the canonical f32 dot product (the ranking's summation order, which
/// `plan-index-core`'s kernel follows): the depth of its sum, hence the bounds, depend on it.
pub const LANES: usize = 8;
/// Unit roundoff of f32.
pub const U: f64 = 1.0 / (1u64 << 24) as f64;
/// Rounding of the f64 bound arithmetic itself, absorbed by rounding bounds up this much.
pub const ROUND_UP: f64 = 1.0 + 1e-6;
/// Largest finite f16.
const F16_MAX: f32 = 65504.0;

/// How a collection's rows are stored for the scan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Storage {
    /// f32 rows only (the default).
    #[default]
    F32,
    /// f16 rows scanned first, f32 rows to rescore.
    F16,
    /// i8 rows with a scale per row scanned first, f32 rows to rescore.
    I8,
}

impl Storage {
    /// The manifest's spellings, in order.
    pub const NAMES: [&'static str; 3] = ["f32", "f16", "i8"];

    /// Parses the manifest's spelling.
    pub fn parse(name: &str) -> Option<Storage> {
        match name {
            "f32" => Some(Storage::F32),
            "f16" => Some(Storage::F16),
            "i8" => Some(Storage::I8),
            _ => None,
        }
    }

    /// The manifest's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Storage::F32 => "f32",
            Storage::F16 => "f16",
            Storage::I8 => "i8",
        }
    }

    /// Bytes per element of the compact rows (4 for f32, which has none).
    pub fn code_bytes(self) -> usize {
        match self {
            Storage::F32 => 4,
            Storage::F16 => 2,
            Storage::I8 => 1,
        }
    }
}

/// `gamma(n) = n u / (1 - n u)`, the classic bound on n roundings in a row.
pub fn gamma(n: usize) -> f64 {
    let nu = n as f64 * U;
    nu / (1.0 - nu)
}

/// Depth of the canonical sum of `dim` products.
pub fn depth(dim: usize) -> usize {
    dim.div_ceil(LANES) + 3
}

/// The absolute slack `S` of a dimension (products that underflow).
pub fn slack(dim: usize) -> f64 {
    3.0 * (depth(dim) + 1) as f64 * f64::from(f32::from_bits(1))
}

/// A Euclidean norm computed in f64, rounded up.
pub fn norm_up(v: impl Iterator<Item = f64>) -> f64 {
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

/// One collection's compact rows as baked: codes row after row, and per row its scale (i8),
/// bound and dequantised norm (i8).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CompactRows {
    /// f16 bit patterns (little-endian u16) or i8 codes, `dim` per row.
    pub codes: Vec<u8>,
    /// i8 only: `x' = scale * q`.
    pub scales: Vec<f32>,
    /// Per row, the bound of the module doc.
    pub bounds: Vec<f64>,
    /// i8 only: `|x'|`, rounded up.
    pub norms: Vec<f64>,
}

impl CompactRows {
    /// Quantises `rows` (`dim` finite floats each) to `storage` (`None` for f32).
    pub fn quantise(storage: Storage, rows: &[f32], dim: usize) -> Option<CompactRows> {
        match storage {
            Storage::F32 => None,
            Storage::F16 => Some(quantise_f16(rows, dim)),
            Storage::I8 => Some(quantise_i8(rows, dim)),
        }
    }
}

fn quantise_f16(rows: &[f32], dim: usize) -> CompactRows {
    let g = gamma(depth(dim) + 1);
    let mut out = CompactRows::default();
    for row in rows.chunks(dim.max(1)) {
        let halves: Vec<u16> = row.iter().map(|&x| f16_from_f32(x)).collect();
        let back: Vec<f64> = halves.iter().map(|&h| f64::from(f16_to_f32(h))).collect();
        let residual = norm_up(row.iter().zip(&back).map(|(&x, &q)| f64::from(x) - q));
        let x = norm_up(row.iter().map(|&v| f64::from(v)));
        let q = norm_up(back.iter().copied());
        out.bounds.push((residual + g * (x + q)) * ROUND_UP);
        out.codes
            .extend(halves.iter().flat_map(|h| h.to_le_bytes()));
    }
    out
}

/// The i8 code of `x` at `scale` (a zero scale gives 0).
pub fn i8_code(x: f32, scale: f32) -> i8 {
    if scale > 0.0 {
        (x / scale).round().clamp(-127.0, 127.0) as i8
    } else {
        0
    }
}

fn quantise_i8(rows: &[f32], dim: usize) -> CompactRows {
    let g = gamma(depth(dim) + 1);
    let mut out = CompactRows::default();
    for row in rows.chunks(dim.max(1)) {
        let peak = row.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        let scale = peak / 127.0;
        let codes: Vec<i8> = row.iter().map(|&x| i8_code(x, scale)).collect();
        // x' = scale * q exactly (an f32 times an i8 is exact in f64).
        let back = codes.iter().map(|&c| f64::from(scale) * f64::from(c));
        let residual = norm_up(row.iter().zip(back.clone()).map(|(&x, q)| f64::from(x) - q));
        let x = norm_up(row.iter().map(|&v| f64::from(v)));
        out.bounds.push((residual + g * x) * ROUND_UP);
        out.norms.push(norm_up(back));
        out.scales.push(scale);
        out.codes.extend(codes.iter().map(|&c| c as u8));
    }
    out
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

    #[test]
    fn storage_names_parse_back() {
        for name in Storage::NAMES {
            assert_eq!(Storage::parse(name).map(Storage::as_str), Some(name));
        }
        assert_eq!(Storage::parse("f8"), None);
    }
}
