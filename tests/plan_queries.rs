//! The canonical query texts: every text a plan uses is among them (so it is baked), the set
//! stays small, and the baked week structures keep the rules of docs/sources.md.

mod plan_common;

use std::collections::{BTreeMap, HashSet};

use plan_common::{grid, plan_index, query_texts};
use plan_index_embed::{EmbeddedBy, embed_query};
use plan_index_plan::plan;
use plan_index_plan::queries::{canonical_query_texts, sources_of};
use plan_index_plan::rules::check_week_structures;

#[test]
fn texts_without_sources_are_the_philosophy_and_taper_queries() {
    let texts = canonical_query_texts(&BTreeMap::new());
    // 5 races x 3 levels x 5 day counts, plus a taper query per race and level.
    assert_eq!(texts.len(), 75 + 15);
    let unique: HashSet<&String> = texts.iter().collect();
    assert_eq!(unique.len(), texts.len());
}

#[test]
fn every_text_a_plan_uses_is_canonical_and_baked() {
    let Some(index) = plan_index("every_text_a_plan_uses_is_canonical_and_baked") else {
        return;
    };
    let canonical: HashSet<String> = canonical_query_texts(&sources_of(index).expect("intact"))
        .into_iter()
        .collect();
    assert!(canonical.len() <= 6_000, "{} texts", canonical.len());
    for mode in ["strict", "semantic"] {
        for req in grid(mode) {
            let plan = plan(index, &req).unwrap_or_else(|e| panic!("{req:?}: {e}"));
            for text in query_texts(&plan) {
                assert!(
                    canonical.contains(&text),
                    "{mode}: {text:?} is not canonical"
                );
            }
            assert!(
                !plan.warnings.iter().any(|w| w.contains("not baked")),
                "{:?}",
                plan.warnings
            );
        }
    }
    for text in &canonical {
        let embedded = embed_query(index, text).expect("baked");
        assert_eq!(
            embedded.embedded,
            EmbeddedBy::Baked,
            "{text:?} is not baked; re-run prepare"
        );
    }
}

#[test]
fn baked_week_structures_keep_the_rules() {
    let Some(index) = plan_index("baked_week_structures_keep_the_rules") else {
        return;
    };
    assert_eq!(check_week_structures(index), Vec::<String>::new());
}
