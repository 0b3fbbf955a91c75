//! Typed reads of an item's metadata: a key the item lacks, or of another type, reads as
//! absent, and the distance functions in [`super::pick`] turn absence into
//! [`super::pick::MISSING`].

use plan_index_core::{Item, MetaRef, StrList};

pub(super) fn meta_str<'m>(item: &Item<'m>, key: &str) -> Option<&'m str> {
    item.metadata.get(key)?.as_str()
}

pub(super) fn meta_int(item: &Item<'_>, key: &str) -> Option<i64> {
    item.metadata.get(key)?.as_int()
}

pub(super) fn meta_list<'m>(item: &Item<'m>, key: &str) -> StrList<'m> {
    match item.metadata.get(key) {
        Some(MetaRef::List(values)) => values,
        _ => StrList::default(),
    }
}
