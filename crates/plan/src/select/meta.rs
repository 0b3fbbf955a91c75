//! Typed reads of an item's metadata: a key the item lacks, or of another type, reads as
//! absent, and the distance functions in [`super::pick`] turn absence into
//! [`super::pick::MISSING`].

use plan_index_core::{ItemMeta, MetaValue};

pub(super) fn meta_str<'m>(item: &'m ItemMeta, key: &str) -> Option<&'m str> {
    item.metadata.get(key)?.as_str()
}

pub(super) fn meta_int(item: &ItemMeta, key: &str) -> Option<i64> {
    item.metadata.get(key)?.as_int()
}

pub(super) fn meta_list<'m>(item: &'m ItemMeta, key: &str) -> &'m [String] {
    match item.metadata.get(key) {
        Some(MetaValue::List(values)) => values,
        _ => &[],
    }
}

pub(super) fn strs(list: &[String]) -> impl Iterator<Item = &str> {
    list.iter().map(String::as_str)
}
