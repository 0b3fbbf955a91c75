//! Which rows hold `field = value`, so a filtered search visits only candidate rows.
//!
//! Plans filter every search (philosophy, race, session type), and checking each row's
//! metadata map costs more than scoring the few rows that pass. A collection's lists are built
//! on its first filtered search (never during the cold start) and then shared by all requests.
//! They may over-approximate (the value `5` is listed under "5" whether it was the string or
//! the integer), so callers confirm each candidate with the exact `MetaValue::matches`.

use std::collections::HashMap;

use plan_index_format::{ItemMeta, MetaValue};

/// Rows (ascending) per field and value text.
#[derive(Debug, Default)]
pub struct Postings {
    lists: HashMap<String, HashMap<String, Vec<u32>>>,
}

impl Postings {
    /// Indexes every metadata value of `items`.
    pub fn build(items: &[ItemMeta]) -> Postings {
        let mut lists: HashMap<String, HashMap<String, Vec<u32>>> = HashMap::new();
        for (row, item) in items.iter().enumerate() {
            for (key, value) in &item.metadata {
                let field = lists.entry(key.clone()).or_default();
                for text in value_texts(value) {
                    let rows = field.entry(text).or_default();
                    // A list may repeat a value; keep each row once.
                    if rows.last() != Some(&(row as u32)) {
                        rows.push(row as u32);
                    }
                }
            }
        }
        Postings { lists }
    }

    /// Rows that may match `field = value` (a superset of the exact matches), ascending.
    pub fn candidates(&self, field: &str, value: &str) -> Vec<u32> {
        let Some(values) = self.lists.get(field) else {
            return Vec::new();
        };
        let mut rows: Vec<u32> = filter_texts(value)
            .iter()
            .filter_map(|text| values.get(text))
            .flatten()
            .copied()
            .collect();
        rows.sort_unstable();
        rows.dedup();
        rows
    }
}

/// How a stored value is listed.
fn value_texts(value: &MetaValue) -> Vec<String> {
    match value {
        MetaValue::Str(s) => vec![s.clone()],
        MetaValue::Int(i) => vec![i.to_string()],
        MetaValue::Float(x) => vec![x.to_string()],
        MetaValue::Bool(b) => vec![b.to_string()],
        MetaValue::List(items) => items.clone(),
    }
}

/// Every listing a filter value can match: itself, and its canonical number or boolean text
/// (so `05` finds the integer 5, as `MetaValue::matches` would).
fn filter_texts(value: &str) -> Vec<String> {
    let mut texts = vec![value.to_string()];
    if let Ok(i) = value.parse::<i64>() {
        texts.push(i.to_string());
    }
    if let Ok(x) = value.parse::<f64>() {
        texts.push(x.to_string());
    }
    if let Ok(b) = value.parse::<bool>() {
        texts.push(b.to_string());
    }
    texts
}

/// Ascending rows present in every list.
pub fn intersect(mut lists: Vec<Vec<u32>>) -> Vec<u32> {
    lists.sort_by_key(Vec::len);
    let mut lists = lists.into_iter();
    let Some(mut rows) = lists.next() else {
        return Vec::new();
    };
    for other in lists {
        rows.retain(|r| other.binary_search(r).is_ok());
    }
    rows
}
