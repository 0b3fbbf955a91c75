//! The `"vector"` and `"vector_b64"` fields of a search request, parsed straight into floats.
//!
//! `"vector_b64"` (base64 of little-endian f32, one string per vector or `n` vectors in one
//! string) skips number parsing altogether: the cheapest way to send a large batch. Raw bytes
//! are cut into rows by [`f32_rows`], which the CLI's `.f32` vector files share.
//!
//! Going through `serde_json::Value` first costs more than the search itself for a 1536-number
//! vector (a boxed `Number` per element, then a second pass). These visitors build the `f32`s
//! directly, and keep anything that is not a number as a marker so the error can say which
//! element is wrong instead of failing the whole body with a generic parse error.

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use plan_index_core::kernel::{Kernel, all_finite};
use plan_index_core::search::{MAX_BATCH, Query, SearchError};

use crate::json_f32::{self, Vectors};
use crate::json_scan::{plain_string, skip_ws};

/// `"vector"` as sent: one vector, a batch of vectors, or something else.
#[derive(Clone, Debug, PartialEq)]
pub enum VectorInput {
    /// Plain finite numbers read from the text by [`json_f32::vectors`] ([`split_vector`]).
    Read(Vectors),
    /// Elements of a flat array.
    One(Vec<Element>),
    /// Rows of an array of arrays.
    Batch(Vec<Vec<Element>>),
    /// Not an array, or an array mixing numbers and arrays.
    Malformed(&'static str),
}

/// One element of a query vector.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Element {
    /// A JSON number (an f32 overflow becomes infinite and is refused with the NaN check).
    Number(f32),
    /// Anything else: a string, boolean, null, object or a nested array.
    NotANumber,
}

/// The shape of a value where a number may stand.
enum Entry {
    Number(f32),
    Row(Vec<Element>),
    Other,
}

/// Visits a scalar or a map the same way in every visitor: numbers become `$number`,
/// everything else `$other` (maps are skipped, not rejected, so the error can name the element).
macro_rules! scalar_visits {
    ($number:expr, $other:expr) => {
        fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
            Ok($number(v as f32))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            Ok($number(v as f32))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            Ok($number(v as f32))
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok($other)
        }
    };
}

struct ElementVisitor;

impl<'de> Visitor<'de> for ElementVisitor {
    type Value = Element;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a number")
    }

    scalar_visits!(Element::Number, Element::NotANumber);

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Element, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Element::NotANumber)
    }
}

impl<'de> Deserialize<'de> for Element {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Element, D::Error> {
        d.deserialize_any(ElementVisitor)
    }
}

struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = Entry;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a number or an array of numbers")
    }

    scalar_visits!(Entry::Number, Entry::Other);

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Entry, A::Error> {
        collect(seq).map(Entry::Row)
    }
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Entry, D::Error> {
        d.deserialize_any(EntryVisitor)
    }
}

fn collect<'de, T: Deserialize<'de>, A: SeqAccess<'de>>(mut seq: A) -> Result<Vec<T>, A::Error> {
    let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
    while let Some(x) = seq.next_element()? {
        out.push(x);
    }
    Ok(out)
}

const NOT_AN_ARRAY: &str = "\"vector\" must be an array of numbers or an array of such arrays";

struct VectorVisitor;

impl<'de> Visitor<'de> for VectorVisitor {
    type Value = VectorInput;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(NOT_AN_ARRAY)
    }

    scalar_visits!(
        |_| VectorInput::Malformed(NOT_AN_ARRAY),
        VectorInput::Malformed(NOT_AN_ARRAY)
    );

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<VectorInput, A::Error> {
        let entries: Vec<Entry> = collect(seq)?;
        if entries.first().is_some_and(|e| matches!(e, Entry::Row(_))) {
            let rows = entries.into_iter().map(|e| match e {
                Entry::Row(row) => Some(row),
                _ => None,
            });
            return Ok(rows.collect::<Option<_>>().map_or(
                VectorInput::Malformed("a batch must hold only arrays of numbers"),
                VectorInput::Batch,
            ));
        }
        let elements = entries.into_iter().map(|e| match e {
            Entry::Number(x) => Element::Number(x),
            _ => Element::NotANumber,
        });
        Ok(VectorInput::One(elements.collect()))
    }
}

impl<'de> Deserialize<'de> for VectorInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<VectorInput, D::Error> {
        d.deserialize_any(VectorVisitor)
    }
}

impl VectorInput {
    /// Reads a JSON value the way a request body is read (the CLI's vector files).
    pub fn from_value(v: &Value) -> VectorInput {
        VectorInput::deserialize(v).unwrap_or(VectorInput::Malformed(NOT_AN_ARRAY))
    }

    /// The query: one vector, or a batch.
    pub fn into_query(self) -> Result<Query, SearchError> {
        match self {
            VectorInput::Malformed(why) => Err(SearchError::InvalidVector(why.into())),
            VectorInput::Read(Vectors::One(floats)) => Ok(Query::Vector(floats)),
            VectorInput::Read(Vectors::Batch(rows)) => {
                check_batch(rows.len())?;
                Ok(Query::Batch(rows))
            }
            VectorInput::One(elements) => numbers(&elements).map(Query::Vector),
            VectorInput::Batch(rows) => {
                check_batch(rows.len())?;
                let rows = rows.iter().map(|r| numbers(r)).collect::<Result<_, _>>()?;
                Ok(Query::Batch(rows))
            }
        }
    }
}

fn numbers(elements: &[Element]) -> Result<Vec<f32>, SearchError> {
    elements
        .iter()
        .enumerate()
        .map(|(i, e)| match e {
            Element::Number(x) => Ok(*x),
            Element::NotANumber => Err(SearchError::InvalidVector(format!(
                "element {i} is not a number"
            ))),
        })
        .collect()
}

/// A `"vector_b64"` string, decoded as it is read (straight from the request text, so the
/// string is never copied): the bytes, or why they are not base64.
pub type Decoded = Result<Vec<u8>, base64::DecodeError>;

/// `"vector_b64"` as sent: base64 of little-endian f32, one string or an array of strings.
#[derive(Clone, Debug, PartialEq)]
pub enum VectorB64 {
    /// One string: one vector, or `n` vectors back to back with `"n"`.
    One(Decoded),
    /// One string per vector (a batch).
    Batch(Vec<Decoded>),
    /// Neither a string nor an array of strings.
    Malformed,
}

/// Decodes `text` as [`B64`] does, to the same bytes or the same error. The whole quads
/// before the last (all of a vector's text but four characters) go through base64-simd (SIMD
/// where the CPU has it: several times the base64 crate's speed), the last quad, which may be
/// short or padded, through [`B64`]. Any failure of either, and anything not plain (padding or
/// a stray byte inside), decodes the whole text again with [`B64`], so every error, with its
/// offset, is the one it gives.
fn decode_b64(text: &str) -> Decoded {
    use base64::Engine as _;
    let bytes = text.as_bytes();
    let (quads, last) = bytes.split_at(bytes.len().saturating_sub(1) / 4 * 4);
    let mut out = Vec::with_capacity(quads.len() / 4 * 3 + 3);
    if base64_simd::STANDARD_NO_PAD
        .decode_append(quads, &mut out)
        .is_ok()
        && B64.decode_vec(last, &mut out).is_ok()
    {
        return Ok(out);
    }
    B64.decode(text)
}

/// One string of a `"vector_b64"` array, read as an `Option<String>` would be (a null is
/// `None`, anything else but a string is serde's error), and decoded.
struct B64Row(Option<Decoded>);

impl<'de> Deserialize<'de> for B64Row {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<B64Row, D::Error> {
        struct Row;
        impl<'de> Visitor<'de> for Row {
            type Value = B64Row;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_none<E>(self) -> Result<B64Row, E> {
                Ok(B64Row(None))
            }
            fn visit_unit<E>(self) -> Result<B64Row, E> {
                Ok(B64Row(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<B64Row, D::Error> {
                d.deserialize_str(self)
            }
            fn visit_str<E>(self, v: &str) -> Result<B64Row, E> {
                Ok(B64Row(Some(decode_b64(v))))
            }
        }
        d.deserialize_option(Row)
    }
}

struct B64Visitor;

impl<'de> Visitor<'de> for B64Visitor {
    type Value = VectorB64;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a base64 string or an array of base64 strings")
    }

    fn visit_str<E>(self, v: &str) -> Result<VectorB64, E> {
        Ok(VectorB64::One(decode_b64(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<VectorB64, A::Error> {
        let rows: Vec<B64Row> = collect(seq)?;
        Ok(rows
            .into_iter()
            .map(|row| row.0)
            .collect::<Option<_>>()
            .map_or(VectorB64::Malformed, VectorB64::Batch))
    }

    fn visit_f64<E>(self, _: f64) -> Result<VectorB64, E> {
        Ok(VectorB64::Malformed)
    }
    fn visit_i64<E>(self, _: i64) -> Result<VectorB64, E> {
        Ok(VectorB64::Malformed)
    }
    fn visit_u64<E>(self, _: u64) -> Result<VectorB64, E> {
        Ok(VectorB64::Malformed)
    }
    fn visit_bool<E>(self, _: bool) -> Result<VectorB64, E> {
        Ok(VectorB64::Malformed)
    }
    fn visit_unit<E>(self) -> Result<VectorB64, E> {
        Ok(VectorB64::Malformed)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<VectorB64, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(VectorB64::Malformed)
    }
}

impl<'de> Deserialize<'de> for VectorB64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<VectorB64, D::Error> {
        d.deserialize_any(B64Visitor)
    }
}

/// What is wrong with a `"vector_b64"`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum B64Error {
    /// Not a string or an array of strings, or `"n"` is not a positive whole number.
    #[error("{0}")]
    Shape(String),
    /// Not base64.
    #[error("{at} is not base64 (standard alphabet, padding optional)")]
    NotBase64 {
        /// Which string (`"vector_b64"` or `"vector_b64"[i]`).
        at: String,
        /// The decoder's complaint.
        #[source]
        source: base64::DecodeError,
    },
    /// Not a whole number of f32, or not `n` equal rows.
    #[error("{at} holds {bytes} bytes, which is not {what} (little-endian f32, 4 bytes each)")]
    Length {
        /// Which string or file.
        at: String,
        /// Decoded length.
        bytes: usize,
        /// What it should have held.
        what: String,
    },
    /// A NaN or an infinity.
    #[error("invalid query vector: {at} element {index} is NaN or infinite")]
    NonFinite {
        /// Which string or file (and row).
        at: String,
        /// Element position in its row.
        index: usize,
    },
}

impl plan_index_core::Coded for B64Error {
    fn code(&self) -> plan_index_core::Code {
        use plan_index_core::Code;
        match self {
            B64Error::Shape(_) => Code::InvalidRequest,
            B64Error::NotBase64 { .. } => Code::InvalidBase64,
            B64Error::Length { .. } => Code::InvalidVectorLength,
            B64Error::NonFinite { .. } => Code::InvalidVector,
        }
    }
}

const B64_FIELD: &str = "\"vector_b64\"";

/// Decodes base64 with or without padding.
const B64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// How raw little-endian f32 bytes are cut into rows.
#[derive(Clone, Copy, Debug)]
pub enum Rows {
    /// Into this many equal rows.
    Count(usize),
    /// Into rows of this many floats.
    Dim(usize),
}

/// Little-endian f32 from `bytes`, cut into rows; `at` names the string or file in errors.
pub fn f32_rows(bytes: &[u8], rows: Rows, at: &str) -> Result<Vec<Vec<f32>>, B64Error> {
    let row_bytes = match rows {
        Rows::Count(n) => bytes.len().checked_div(n).filter(|_| n > 0).unwrap_or(0),
        Rows::Dim(dim) => dim * 4,
    };
    let whole =
        row_bytes > 0 && row_bytes.is_multiple_of(4) && bytes.len().is_multiple_of(row_bytes);
    if bytes.is_empty() || !whole {
        let what = match rows {
            Rows::Count(1) => "one vector".to_string(),
            Rows::Count(n) => format!("{n} vectors of equal length"),
            Rows::Dim(dim) => format!("whole vectors of {dim} floats"),
        };
        return Err(B64Error::Length {
            at: at.to_string(),
            bytes: bytes.len(),
            what,
        });
    }
    // All floats in one copy, then the search's own check for NaN and infinity over all of
    // them (`kernel::all_finite`: one pass, AVX2 where the CPU has it); only a vector that has
    // one looks for the first (in row order, the one reported).
    let floats = le_floats(bytes);
    let per_row = row_bytes / 4;
    let finite = all_finite(Kernel::detect(), &floats);
    if let Some(i) = (!finite)
        .then(|| floats.iter().position(|x| !x.is_finite()))
        .flatten()
    {
        return Err(B64Error::NonFinite {
            at: if row_bytes == bytes.len() {
                at.to_string()
            } else {
                format!("{at} row {}", i / per_row)
            },
            index: i % per_row,
        });
    }
    if per_row == floats.len() {
        return Ok(vec![floats]);
    }
    Ok(floats.chunks_exact(per_row).map(<[f32]>::to_vec).collect())
}

/// `bytes` (a whole number of floats) as little-endian `f32`: on a little-endian target one
/// copy into the floats' allocation (bytes need no alignment there), where a float-by-float
/// conversion was a scalar loop (0.6 us for 1536 floats).
fn le_floats(bytes: &[u8]) -> Vec<f32> {
    if cfg!(target_endian = "little") {
        bytemuck::pod_collect_to_vec(bytes)
    } else {
        bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    }
}

fn decode_rows(decoded: &Decoded, rows: usize, at: &str) -> Result<Vec<Vec<f32>>, B64Error> {
    let bytes = decoded.as_ref().map_err(|source| B64Error::NotBase64 {
        at: at.to_string(),
        source: source.clone(),
    })?;
    f32_rows(bytes, Rows::Count(rows), at)
}

impl VectorB64 {
    /// The query: one string is one vector (or `n` vectors with `n`); an array is a batch.
    pub fn into_query(self, n: Option<&Value>) -> Result<Query, crate::ApiError> {
        let n = match n {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_u64().filter(|&n| n >= 1).ok_or_else(|| {
                B64Error::Shape(format!(
                    "\"n\" must be a whole number of vectors of at least 1, got {v}"
                ))
            })? as usize),
        };
        let rows = match (self, n) {
            (VectorB64::Malformed, _) => {
                return Err(B64Error::Shape(
                    "\"vector_b64\" must be a base64 string or an array of base64 strings".into(),
                )
                .into());
            }
            (VectorB64::One(text), None) => {
                let mut rows = decode_rows(&text, 1, B64_FIELD)?;
                return Ok(Query::Vector(rows.pop().unwrap_or_default()));
            }
            (VectorB64::One(text), Some(n)) => {
                check_batch(n)?;
                decode_rows(&text, n, B64_FIELD)?
            }
            (VectorB64::Batch(texts), n) => {
                if n.is_some_and(|n| n != texts.len()) {
                    return Err(B64Error::Shape(format!(
                        "\"n\" says {} vectors but \"vector_b64\" holds {}",
                        n.unwrap_or_default(),
                        texts.len()
                    ))
                    .into());
                }
                check_batch(texts.len())?;
                let mut rows = Vec::with_capacity(texts.len());
                for (i, text) in texts.iter().enumerate() {
                    rows.append(&mut decode_rows(text, 1, &format!("{B64_FIELD}[{i}]"))?);
                }
                rows
            }
        };
        Ok(Query::Batch(rows))
    }
}

fn check_batch(rows: usize) -> Result<(), SearchError> {
    if rows > MAX_BATCH {
        return Err(SearchError::InvalidRequest(format!(
            "a batch holds at most {MAX_BATCH} vectors, got {rows}"
        )));
    }
    Ok(())
}

impl From<B64Error> for crate::ApiError {
    fn from(e: B64Error) -> crate::ApiError {
        crate::ApiError::from_coded(&e)
    }
}

/// A request body whose query member was read here: a `"vector"` by [`json_f32::vectors`],
/// or a `"vector_b64"` string decoded where it lies; and the body with `null` in its place,
/// for serde to read the other members from.
#[derive(Debug)]
pub struct Split {
    /// The vector or batch.
    pub vector: SplitVector,
    /// The body without the vector's text.
    pub rest: String,
}

/// The query member [`split_vector`] read.
#[derive(Debug)]
pub enum SplitVector {
    /// `"vector"`: finite numbers, one vector or rows.
    Numbers(VectorInput),
    /// `"vector_b64"`: one string, decoded.
    B64(VectorB64),
}

/// Finds the top-level `"vector"` or `"vector_b64"` member of a JSON object: numbers are read
/// with [`json_f32::vectors`], a base64 string is found with [`plain_string`] (memchr, not
/// serde_json's byte loop) and decoded in place; other members' values are stepped over by
/// serde_json (so strings, escapes and nesting are judged by it). `None` whenever anything is
/// not plain (no object, a member name with escapes, both members or one twice, a vector that
/// is not finite numbers or rows of them, a `"vector_b64"` that is not one string without
/// escapes, broken JSON): the caller then decodes the whole text as before, so errors and their
/// codes do not change.
pub fn split_vector(text: &str) -> Option<Split> {
    split_vector_with(text, None)
}

/// A top-level `"vector"` array already read from a request's text by [`json_f32::vectors`]
/// (by the event classifier, which has to step over it anyway to find `"action"`): where its
/// value starts and ends in that text, and the floats.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedVector {
    /// Index of the value's `[` in the text.
    pub at: usize,
    /// Index just past its `]`.
    pub end: usize,
    /// The numbers.
    pub vectors: json_f32::Vectors,
}

/// [`split_vector`], taking the `"vector"` member's numbers from `parsed` instead of reading
/// them again when `parsed` was read from this text at the member's place (any other
/// `parsed` is ignored).
pub fn split_vector_with(text: &str, parsed: Option<&ParsedVector>) -> Option<Split> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    let mut found = None;
    while b.get(i) != Some(&b'}') {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let len = b
            .get(i + 1..)?
            .iter()
            .position(|&c| c == b'"' || c == b'\\')?;
        let key = &b[i + 1..i + 1 + len];
        if b.get(i + 1 + len) != Some(&b'"') {
            return None;
        }
        i = skip_ws(b, i + len + 2);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        if key == b"vector" || key == b"vector_b64" {
            if found.is_some() {
                return None;
            }
            let (vector, end) = if key == b"vector" {
                let (vectors, end) = match parsed {
                    Some(p) if p.at == i && b.get(p.end - 1) == Some(&b']') => {
                        (p.vectors.clone(), p.end)
                    }
                    _ => json_f32::vectors(b, i)?,
                };
                (SplitVector::Numbers(VectorInput::Read(vectors)), end)
            } else {
                let inner = plain_string(text, i)?;
                (
                    SplitVector::B64(VectorB64::One(decode_b64(inner))),
                    i + inner.len() + 2,
                )
            };
            found = Some((i, end, vector));
            i = end;
        } else {
            let mut values =
                serde_json::Deserializer::from_str(text.get(i..)?).into_iter::<IgnoredAny>();
            values.next()?.ok()?;
            i += values.byte_offset();
        }
        i = skip_ws(b, i);
        match b.get(i)? {
            b',' => i = skip_ws(b, i + 1),
            b'}' => break,
            _ => return None,
        }
    }
    let (start, end, vector) = found?;
    let mut rest = String::with_capacity(text.len() - (end - start) + 4);
    rest.push_str(text.get(..start)?);
    rest.push_str("null");
    rest.push_str(text.get(end..)?);
    Some(Split { vector, rest })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use proptest::prelude::*;

    fn reference(text: &str) -> Decoded {
        B64.decode(text)
    }

    #[test]
    fn b64_edges_match_the_base64_crate() {
        let cases = [
            "",
            "=",
            "==",
            "A",
            "AA",
            "AAA",
            "AAAA",
            "AA==",
            "AA=",
            "AAA=",
            "AB==",
            "QR==",
            "QQ==",
            "QQ",
            "QUI",
            "QUJD",
            "QUJDRA",
            "QUJDRA==",
            "QUJDRA=",
            "QUJDRA===",
            "QUJD=A==",
            "QU=DRA==",
            "QUJDRA==QUJD",
            "QUJDRAA",
            "QUJDR",
            "QUJDRUZH",
            "QUJDRUZH\n",
            "QUJD RUZH",
            "QUJD-UZH",
            "QUJD_UZH",
            "QUJDRUZ\u{e9}",
            "QUJDRUZHSElKS0xNTk9QUVJTVFVWV1hZWg",
            "QUJDRUZHSElKS0xNTk9QUVJTVFVWV1hZWg==",
        ];
        for text in cases {
            assert_eq!(decode_b64(text), reference(text), "{text:?}");
        }
        assert_eq!(decode_b64("QUJD").as_deref(), Ok(&b"ABC"[..]));
    }

    /// Base64 text of random bytes, with or without padding, sometimes with one byte
    /// replaced (by a base64 character, padding, or anything else) or cut short.
    fn text() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(any::<u8>(), 0..200),
            any::<bool>(),
            prop::option::of((any::<prop::sample::Index>(), any::<u8>(), 0u8..4)),
            prop::option::of(any::<prop::sample::Index>()),
        )
            .prop_map(|(bytes, pad, change, cut)| {
                let mut text = if pad {
                    base64::engine::general_purpose::STANDARD.encode(&bytes)
                } else {
                    base64::engine::general_purpose::STANDARD_NO_PAD.encode(&bytes)
                }
                .into_bytes();
                if let Some((at, byte, how)) = change
                    && !text.is_empty()
                {
                    let at = at.index(text.len());
                    text[at] = match how {
                        0 => b'=',
                        1 => {
                            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                                [usize::from(byte % 64)]
                        }
                        2 => byte & 0x7F,
                        _ => b' ',
                    };
                }
                if let Some(cut) = cut
                    && !text.is_empty()
                {
                    text.truncate(cut.index(text.len()));
                }
                String::from_utf8_lossy(&text).into_owned()
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn b64_matches_the_base64_crate(text in text()) {
            prop_assert_eq!(decode_b64(&text), reference(&text), "{:?}", text);
        }

        #[test]
        fn b64_of_any_characters_matches(text in "[A-Za-z0-9+/=\\- _\n]{0,40}") {
            prop_assert_eq!(decode_b64(&text), reference(&text), "{:?}", text);
        }
    }
}
