//! Reads of a baked item's metadata by key (`crate::schema::key`): a key the item lacks, or of
//! another type, reads as absent. Selection (whose distances turn absence into `MISSING`) and
//! the week rules share them.

use plan_index_core::{Item, MetaRef, StrList};

pub(crate) fn meta_str<'m>(item: &Item<'m>, key: &str) -> Option<&'m str> {
    item.metadata.get(key)?.as_str()
}

pub(crate) fn meta_int(item: &Item<'_>, key: &str) -> Option<i64> {
    item.metadata.get(key)?.as_int()
}

pub(crate) fn meta_list<'m>(item: &Item<'m>, key: &str) -> StrList<'m> {
    match item.metadata.get(key) {
        Some(MetaRef::List(values)) => values,
        _ => StrList::default(),
    }
}
