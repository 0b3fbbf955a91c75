//! Which rows hold `field = value`, so a filtered search visits only candidate rows.
//!
//! Plans filter every search (philosophy, race, session type), and checking each row's
//! metadata costs more than scoring the few rows that pass. The lists are baked into the blob
//! at build time (`plan_index_format::posting_lists`) and read here in place, so nothing is
//! built on a first use and a fresh process filters as fast as a warm one. They may
//! over-approximate (the value `5` is listed under "5" whether it was the string or the
//! integer), so callers confirm each candidate with the exact `MetaRef::matches`.

use plan_index_format::CollectionView;

/// The baked posting lists of one collection.
#[derive(Clone, Copy, Debug)]
pub struct Postings<'a> {
    view: CollectionView<'a>,
}

impl<'a> Postings<'a> {
    /// The lists of the collection `view`.
    pub fn new(view: CollectionView<'a>) -> Postings<'a> {
        Postings { view }
    }

    /// Rows that may match `field = value` (a superset of the exact matches), ascending.
    pub fn candidates(&self, field: &str, value: &str) -> Vec<u32> {
        let texts = filter_texts(value);
        let mut rows: Vec<u32> = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            if texts[..i].contains(text) {
                continue;
            }
            rows.extend(self.view.listed(field, text));
        }
        rows.sort_unstable();
        rows.dedup();
        rows
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
