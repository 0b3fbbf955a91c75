//! The posting lists baked into the blob give the same candidates as building them from the
//! metadata, confirming the candidates gives exactly the rows a filter matches, and one
//! metadata value read in place (by name or by field) is the value baked.

use std::collections::BTreeMap;

use plan_index_format::{ItemMeta, MetaValue, listing_texts, lookup_texts, posting_lists};
use proptest::prelude::*;

fn value() -> impl Strategy<Value = MetaValue> {
    let word = prop::sample::select(vec!["a", "b", "c", "5", "05", "true", "1.5"]);
    prop_oneof![
        word.clone().prop_map(|s| MetaValue::Str(s.to_string())),
        (-3i64..8).prop_map(MetaValue::Int),
        prop::sample::select(vec![1.5, -0.25, 5.0]).prop_map(MetaValue::Float),
        any::<bool>().prop_map(MetaValue::Bool),
        prop::collection::vec(word, 0..4)
            .prop_map(|l| MetaValue::List(l.into_iter().map(str::to_string).collect())),
    ]
}

fn items() -> impl Strategy<Value = Vec<ItemMeta>> {
    let key = prop::sample::select(vec!["k1", "k2", "k3"]);
    let metadata = prop::collection::btree_map(key.prop_map(str::to_string), value(), 0..3);
    prop::collection::vec(metadata, 1..40).prop_map(|maps| {
        maps.into_iter()
            .enumerate()
            .map(|(i, metadata)| ItemMeta {
                id: format!("i{i}"),
                text_hash: None,
                text: None,
                metadata,
                payload: None,
            })
            .collect()
    })
}

/// The candidates the lists built from `items` offer for `field=value` (the pre-baking rule:
/// the lists in memory, the texts a filter looks up).
fn built_candidates(
    lists: &BTreeMap<String, BTreeMap<String, Vec<u32>>>,
    field: &str,
    value: &str,
) -> Vec<u32> {
    let mut rows: Vec<u32> = lookup_texts(value)
        .iter()
        .filter_map(|t| lists.get(field)?.get(t))
        .flatten()
        .copied()
        .collect();
    rows.sort_unstable();
    rows.dedup();
    rows
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn baked_postings_equal_built_ones(items in items()) {
        let lists = posting_lists(&items);
        let index = plan_index_testkit::items_index("c", items.clone());
        let c = index.collection("c").expect("intact").expect("c");
        let postings = c.postings();
        for (row, item) in items.iter().enumerate() {
            // Every item reads back as written.
            prop_assert_eq!(c.item(row).metadata.to_owned_map(), item.metadata.clone());
            prop_assert_eq!(c.item(row).id, item.id.as_str());
            prop_assert_eq!(c.position(&item.id), Some(row));
            // One value read by name or by field (the entries before it stepped over, not
            // decoded) is the value written, of every type; a key the item lacks reads None.
            let metadata = c.metadata(row);
            for key in ["k1", "k2", "k3", "nope"] {
                let want = item.metadata.get(key);
                let by_name = metadata.get(key).map(|v| v.to_owned_value());
                prop_assert_eq!(by_name.as_ref(), want, "row {} key {}", row, key);
                let by_field = c.field(key).and_then(|f| metadata.get_field(f));
                let by_field = by_field.map(|v| v.to_owned_value());
                prop_assert_eq!(by_field.as_ref(), want, "row {} key {}", row, key);
            }
        }
        prop_assert_eq!(c.field("nope"), None);
        let filters = ["a", "b", "5", "05", "5.0", "true", "1.5", "-3", "zz"];
        for field in ["k1", "k2", "k3", "nope"] {
            for value in filters {
                let baked = postings.candidates(field, value);
                prop_assert_eq!(&baked, &built_candidates(&lists, field, value));
                let exact: Vec<u32> = (0..items.len() as u32)
                    .filter(|&r| {
                        items[r as usize].metadata.get(field).is_some_and(|v| v.matches(value))
                    })
                    .collect();
                let confirmed: Vec<u32> = baked
                    .iter()
                    .copied()
                    .filter(|&r| {
                        c.item(r as usize).metadata.get(field).is_some_and(|v| v.matches(value))
                    })
                    .collect();
                prop_assert_eq!(confirmed, exact);
            }
        }
        // Every listed text of every value finds its row.
        for (row, item) in items.iter().enumerate() {
            for (key, value) in &item.metadata {
                for text in listing_texts(value) {
                    prop_assert!(postings.candidates(key, &text).contains(&(row as u32)));
                }
            }
        }
    }
}
