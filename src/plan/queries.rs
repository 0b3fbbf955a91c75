//! The canonical query texts of plan selection: a small, enumerable set that `prepare` embeds
//! into the `queries` collection, so a plan needs no model at run time.

use std::collections::BTreeMap;

use crate::index::bake::SourceItem;

/// Every query text the plan selection can generate for these source items (collection name
/// to items, embeddings not needed). `prepare` embeds each into the `queries` collection.
pub fn canonical_query_texts(_sources: &BTreeMap<String, Vec<SourceItem>>) -> Vec<String> {
    Vec::new()
}
