//! The `"vector"` field of a search request, parsed straight into floats.
//!
//! Going through `serde_json::Value` first costs more than the search itself for a 1536-number
//! vector (a boxed `Number` per element, then a second pass). These visitors build the `f32`s
//! directly, and keep anything that is not a number as a marker so the error can say which
//! element is wrong instead of failing the whole body with a generic parse error.

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use plan_index_core::search::{MAX_BATCH, Query, SearchError};

/// `"vector"` as sent: one vector, a batch of vectors, or something else.
#[derive(Clone, Debug, PartialEq)]
pub enum VectorInput {
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
            VectorInput::One(elements) => numbers(&elements).map(Query::Vector),
            VectorInput::Batch(rows) if rows.len() > MAX_BATCH => {
                Err(SearchError::InvalidRequest(format!(
                    "a batch holds at most {MAX_BATCH} vectors, got {}",
                    rows.len()
                )))
            }
            VectorInput::Batch(rows) => {
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
