//! Which rows hold `field = value`, so a filtered search visits only candidate rows.
//!
//! Plans filter every search (philosophy, race, session type), and checking each row's
//! metadata costs more than scoring the few rows that pass. The lists are baked into the blob
//! at build time (`plan_index_format::posting_lists`) and read here in place, so nothing is
//! built on a first use and a fresh process filters as fast as a warm one. They may
//! over-approximate (the value `5` is listed under "5" whether it was the string or the
//! integer), so callers confirm each candidate with the exact `MetaRef::matches`.

use plan_index_format::{CollectionView, lookup_texts};

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
        let mut rows: Vec<u32> = Vec::new();
        for text in lookup_texts(value) {
            rows.extend(self.view.listed(field, &text));
        }
        rows.sort_unstable();
        rows.dedup();
        rows
    }
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
