//! JSON numbers read straight into correctly rounded `f32`, and arrays of them.
//!
//! A search vector of 1536 numbers as Python's `json.dumps` writes them (17 significant
//! digits each) is about 30 KB of text; reading it through serde_json costs more than the
//! search itself. serde_json also reads every number as an `f64` first (with its own fast,
//! not always correctly rounded, conversion) and the cast to `f32` rounds a second time.
//! [`number`] reads the JSON number grammar itself and rounds once:
//!
//! - up to 19 significant digits, the significand `w` is exact in a `u64`, and
//!   `x = w * 10^q` is computed in `f64` with at most three roundings (`w` to `f64`, the power
//!   of ten, which is not exact past 10^22 nor for any negative exponent, and one
//!   multiplication: a reciprocal power is multiplied rather than a power divided, since a
//!   division's latency was the largest single cost of a 1536-number vector), so `x` is
//!   within 3 `f64` ulps of the exact value (relative error at most 3 x 2^-53, well inside
//!   the 4 x 2^-53 that [`MARGIN`] was set for);
//! - rounding `x` to `f32` gives the correctly rounded result unless the exact value and `x`
//!   lie on different sides of a rounding boundary (a midpoint between two `f32`s). In the
//!   normal `f32` range a midpoint is an `f64` whose 29 bits below the `f32` mantissa are
//!   `1 << 28`; when `x`'s low 29 bits are within [`MARGIN`] ulps of that pattern the result is
//!   not decided by `x`, and the number goes to the standard library's correctly rounded
//!   `str::parse::<f32>` instead (about 3 numbers in 10^8 of random data);
//! - more than 19 significant digits, `f32` subnormals and overflow also go to
//!   `str::parse::<f32>`, so every result is bit-identical to it.
//!
//! Anything that is not a plain JSON number (or, for [`vectors`], not an array of them or an
//! array of such arrays) returns `None`, and the caller reads the text with serde_json as
//! before: errors keep their codes and messages.

use crate::json_scan::skip_ws;

/// How far (in `f64` ulps) from an `f32` midpoint `x` must be to decide the rounding: more
/// than twice the error bound of 3 ulps (module doc).
pub const MARGIN: u64 = 8;

/// 10^0 ..= 10^42 as `f64`: exact up to 10^22, correctly rounded (by the compiler) after.
const POW10: [f64; 43] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31, 1e32,
    1e33, 1e34, 1e35, 1e36, 1e37, 1e38, 1e39, 1e40, 1e41, 1e42,
];

/// 10^0, 10^-1 ..= 10^-64 as `f64`, correctly rounded (by the compiler); all normal numbers.
const NEG_POW10: [f64; 65] = [
    1e0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-13, 1e-14,
    1e-15, 1e-16, 1e-17, 1e-18, 1e-19, 1e-20, 1e-21, 1e-22, 1e-23, 1e-24, 1e-25, 1e-26, 1e-27,
    1e-28, 1e-29, 1e-30, 1e-31, 1e-32, 1e-33, 1e-34, 1e-35, 1e-36, 1e-37, 1e-38, 1e-39, 1e-40,
    1e-41, 1e-42, 1e-43, 1e-44, 1e-45, 1e-46, 1e-47, 1e-48, 1e-49, 1e-50, 1e-51, 1e-52, 1e-53,
    1e-54, 1e-55, 1e-56, 1e-57, 1e-58, 1e-59, 1e-60, 1e-61, 1e-62, 1e-63, 1e-64,
];

/// Digits a `u64` always holds.
const MAX_DIGITS: u32 = 19;

/// A JSON number starting at `b[i]`: its value rounded to `f32` (possibly infinite) and the
/// index just past it; `None` when `b[i..]` does not start with a JSON number.
#[inline]
pub fn number(b: &[u8], start: usize) -> Option<(f32, usize)> {
    let mut i = start;
    let negative = b.get(i) == Some(&b'-');
    i += usize::from(negative);
    let mut w: u64 = 0;
    let mut digits: u32 = 0;
    let mut exp10: i64 = 0;
    // Integer part: 0, or a digit 1-9 and more digits.
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while let Some(&c @ b'0'..=b'9') = b.get(i) {
                if digits < MAX_DIGITS {
                    w = w * 10 + u64::from(c - b'0');
                    digits += 1;
                } else {
                    digits += 1;
                    exp10 += 1;
                }
                i += 1;
            }
        }
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let first = i;
        // Leading zeros of a number below one are not significant: they only move the
        // exponent, and the significand then starts at the first digit 1-9.
        if w == 0 {
            while b.get(i) == Some(&b'0') {
                exp10 -= 1;
                i += 1;
            }
        }
        // Eight digits at a time from the first significant digit (a vector component such
        // as Python's `0.12345678901234567` is two chunks and a digit; a shortest f32 such as
        // `0.12345679` is one chunk); the digit-by-digit loop below does the rest. A chunk
        // read while `w` is 0 starts with a digit 1-9 (the zeros were skipped), so all eight
        // of its digits are significant.
        while digits + 8 <= MAX_DIGITS
            && let Some(chunk) = eight_digits(b, i)
        {
            w = w * 100_000_000 + chunk;
            digits += 8;
            exp10 -= 8;
            i += 8;
        }
        while let Some(&c @ b'0'..=b'9') = b.get(i) {
            if digits < MAX_DIGITS {
                w = w * 10 + u64::from(c - b'0');
                exp10 -= 1;
                // Leading zeros are not significant.
                digits += u32::from(w != 0);
            } else {
                digits += 1;
            }
            i += 1;
        }
        if i == first {
            return None;
        }
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        let negative_exp = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let first = i;
        let mut e: i64 = 0;
        while let Some(&c @ b'0'..=b'9') = b.get(i) {
            // Saturates far beyond any exponent that matters.
            e = (e * 10 + i64::from(c - b'0')).min(1 << 40);
            i += 1;
        }
        if i == first {
            return None;
        }
        exp10 += if negative_exp { -e } else { e };
    }
    let value = match (digits <= MAX_DIGITS).then(|| fast(w, exp10)).flatten() {
        Some(magnitude) => with_sign(magnitude, negative),
        None => fallback(b, start, i)?,
    };
    Some((value, i))
}

/// `magnitude` (not negative), negated when `negative`: the sign bit set without a branch (a
/// vector's signs are as good as random, so a branch on them mispredicts every other number).
#[inline]
fn with_sign(magnitude: f32, negative: bool) -> f32 {
    f32::from_bits(magnitude.to_bits() | (u32::from(negative) << 31))
}

/// The value of the eight ASCII digits at `b[i..i + 8]`, or `None` when there are fewer than
/// eight bytes or any of them is not a digit (one load and a few multiplications: SWAR).
#[inline]
fn eight_digits(b: &[u8], i: usize) -> Option<u64> {
    let bytes: [u8; 8] = b.get(i..i + 8)?.try_into().ok()?;
    let v = u64::from_le_bytes(bytes);
    // Every byte in 0x30..=0x39: high nibble 3, and adding 6 does not carry out of it.
    let all_digits = (v & 0xF0F0_F0F0_F0F0_F0F0) == 0x3030_3030_3030_3030
        && (v.wrapping_add(0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) == 0x3030_3030_3030_3030;
    if !all_digits {
        return None;
    }
    // Byte k (the k-th digit, first digit in the lowest byte) is d_k.
    let v = v - 0x3030_3030_3030_3030;
    // Pairs: byte 2j holds 10 * d_2j + d_2j+1.
    let v = (v * 10) + (v >> 8);
    // Quads from the pairs, in the high half of each 64-bit product.
    let low = (v & 0x0000_00FF_0000_00FF).wrapping_mul(100 + (1_000_000 << 32));
    let high = ((v >> 16) & 0x0000_00FF_0000_00FF).wrapping_mul(1 + (10_000 << 32));
    Some((low.wrapping_add(high)) >> 32)
}

/// `w * 10^q` rounded to `f32` when `x` decides it (module doc); `None` when the standard
/// parser must decide.
#[inline]
fn fast(w: u64, q: i64) -> Option<f32> {
    if w == 0 {
        return Some(0.0);
    }
    // w < 10^19, so w * 10^q < 10^-46 rounds to zero (half the least subnormal is 7e-46).
    if q < -64 {
        return Some(0.0);
    }
    // w >= 1, so w * 10^q >= 10^39 is past f32::MAX.
    if q > 38 {
        return Some(f32::INFINITY);
    }
    let wf = w as f64;
    // q is in -64..=38 here (checked above).
    let x = if q >= 0 {
        wf * POW10[q as usize]
    } else {
        wf * NEG_POW10[q.unsigned_abs() as usize]
    };
    if x < f64::from(f32::MIN_POSITIVE) {
        return None;
    }
    let low = x.to_bits() & ((1 << 29) - 1);
    if low.abs_diff(1 << 28) <= MARGIN {
        return None;
    }
    Some(x as f32)
}

/// The standard library's correctly rounded parse of `b[start..end]` (already checked to be a
/// JSON number, which its grammar accepts).
#[cold]
fn fallback(b: &[u8], start: usize, end: usize) -> Option<f32> {
    std::str::from_utf8(b.get(start..end)?).ok()?.parse().ok()
}

/// A vector or a batch of vectors read by [`vectors`].
#[derive(Clone, Debug, PartialEq)]
pub enum Vectors {
    /// `[n, ...]`.
    One(Vec<f32>),
    /// `[[n, ...], ...]`.
    Batch(Vec<Vec<f32>>),
}

/// `[n, ...]` of finite numbers starting at `b[i]`, and the index just past `]`.
fn row(b: &[u8], i: usize, capacity: usize) -> Option<(Vec<f32>, usize)> {
    if b.get(i) != Some(&b'[') {
        return None;
    }
    let mut out = Vec::with_capacity(capacity);
    let mut i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b']') {
        return Some((out, i + 1));
    }
    loop {
        let (x, end) = number(b, i)?;
        if !x.is_finite() {
            return None;
        }
        out.push(x);
        i = skip_ws(b, end);
        match b.get(i)? {
            b',' => i = skip_ws(b, i + 1),
            b']' => return Some((out, i + 1)),
            _ => return None,
        }
    }
}

/// An array of finite JSON numbers, or an array of such arrays, starting at `b[i]`: the
/// floats and the index just past the array. `None` for anything else (the caller's general
/// path then reads it and explains what is wrong).
pub fn vectors(b: &[u8], i: usize) -> Option<(Vectors, usize)> {
    if b.get(i) != Some(&b'[') {
        return None;
    }
    let first = skip_ws(b, i + 1);
    if b.get(first) != Some(&b'[') {
        // Room for a 1536-dimension vector without growing, however long the text is.
        let (one, end) = row(b, i, (b.len() - i) / 8 + 1)?;
        return Some((Vectors::One(one), end));
    }
    let mut rows: Vec<Vec<f32>> = Vec::new();
    let mut i = first;
    loop {
        let dim = rows.first().map_or(16, Vec::len);
        let (r, end) = row(b, i, dim)?;
        rows.push(r);
        i = skip_ws(b, end);
        match b.get(i)? {
            b',' => i = skip_ws(b, i + 1),
            b']' => return Some((Vectors::Batch(rows), i + 1)),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Option<f32> {
        number(s.as_bytes(), 0)
            .filter(|&(_, end)| end == s.len())
            .map(|(x, _)| x)
    }

    #[test]
    fn grammar() {
        for bad in [
            "", "-", "01", "1.", ".5", "+1", "1e", "1e+", "--1", "0x1", "inf", "NaN",
        ] {
            assert!(parse(bad).is_none(), "{bad:?} accepted");
        }
        assert_eq!(number(b"12,", 0), Some((12.0, 2)));
        assert_eq!(number(b"1.5]", 0), Some((1.5, 3)));
        assert_eq!(number(b"00", 0), Some((0.0, 1)));
    }

    #[test]
    fn edge_values() {
        let bits = |s: &str| parse(s).map(f32::to_bits);
        assert_eq!(bits("-0"), Some((-0.0f32).to_bits()));
        assert_eq!(
            bits("-0.0e-999999999999999999999"),
            Some((-0.0f32).to_bits())
        );
        assert_eq!(parse("3.4028236e38"), Some(f32::INFINITY));
        assert_eq!(parse("3.4028235e38"), Some(f32::MAX));
        assert_eq!(parse("1e-46"), Some(0.0));
        assert_eq!(parse("1e-45"), Some(f32::from_bits(1)));
        assert_eq!(parse("1e99999999999999999999"), Some(f32::INFINITY));
        // 2^24 + 1 is a midpoint: ties to even.
        assert_eq!(parse("16777217"), Some(16_777_216.0));
        assert_eq!(parse("16777219"), Some(16_777_220.0));
    }

    #[test]
    fn eight_digits_at_once() {
        assert_eq!(eight_digits(b"12345678", 0), Some(12_345_678));
        assert_eq!(eight_digits(b"x00000009", 1), Some(9));
        assert_eq!(eight_digits(b"99999999", 0), Some(99_999_999));
        assert_eq!(eight_digits(b"1234567", 0), None);
        for bad in [b"1234567/", b"1234567:", b"1234.678", b"12345e78"] {
            assert_eq!(eight_digits(bad, 0), None);
        }
        assert_eq!(parse("0.012345678901234567"), Some(0.012_345_679));
        assert_eq!(parse("1.2345678901234567"), Some(1.234_567_9));
    }

    #[test]
    fn arrays() {
        let b = br#"[ 1, -2.5e1 ,3 ] tail"#;
        assert_eq!(
            vectors(b, 0),
            Some((Vectors::One(vec![1.0, -25.0, 3.0]), 16))
        );
        assert_eq!(
            vectors(b"[[1,2],[3]]", 0),
            Some((Vectors::Batch(vec![vec![1.0, 2.0], vec![3.0]]), 11))
        );
        assert_eq!(vectors(b"[]", 0), Some((Vectors::One(vec![]), 2)));
        for odd in [
            "[1,]", "[1 2]", "[[1],2]", "[1,[2]]", "[\"1\"]", "[1e39]", "[1", "1",
        ] {
            assert!(vectors(odd.as_bytes(), 0).is_none(), "{odd} accepted");
        }
    }
}
