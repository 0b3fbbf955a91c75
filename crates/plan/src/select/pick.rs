//! The relaxing picker every choice shares, and the distances its soft constraints measure.

use crate::meta::meta_list;
use crate::schema::key;
use crate::vocab::{LEVELS, Level};
use plan_index_core::search::Hit;
use plan_index_core::{Collection, Item, StrList};

/// Distance for a constraint on metadata the item lacks.
pub(super) const MISSING: i64 = 1_000;

/// A constraint that may be relaxed: 0 when the item meets it, else how far it is off.
pub(super) struct Soft<'f> {
    pub(super) name: &'static str,
    pub(super) distance: &'f dyn Fn(&Item<'_>) -> i64,
}

/// 0 when the list holds `value`, else the smallest distance in `order` to a listed value.
pub(super) fn ordinal_distance<'s>(
    list: impl IntoIterator<Item = &'s str>,
    value: &str,
    order: &[&str],
) -> i64 {
    let at = |v: &str| order.iter().position(|o| *o == v).map(|i| i as i64);
    let Some(want) = at(value) else {
        return MISSING;
    };
    list.into_iter()
        .filter_map(at)
        .map(|i| (i - want).abs())
        .min()
        .unwrap_or(MISSING)
}

/// How far `level` is from the levels an item lists (0 when listed).
pub(super) fn level_distance(item: &Item<'_>, level: Level) -> i64 {
    ordinal_distance(meta_list(item, key::LEVELS).iter(), level.as_str(), &LEVELS)
}

pub(super) fn list_distance(list: StrList<'_>, value: &str) -> i64 {
    if list.contains(value) { 0 } else { 1 }
}

pub(super) fn range_distance(value: i64, min: Option<i64>, max: Option<i64>) -> i64 {
    match (min, max) {
        (Some(min), _) if value < min => min - value,
        (_, Some(max)) if value > max => value - max,
        (Some(_), Some(_)) => 0,
        _ => MISSING,
    }
}

/// The best candidate under `hard` and `soft` (relaxing from the end), then `prefer` (lower
/// first), then rank. Returns the hit and the constraints it does not meet.
pub(super) fn pick(
    coll: &Collection<'_>,
    hits: &[Hit],
    hard: &dyn Fn(&Item<'_>) -> bool,
    soft: &[Soft<'_>],
    prefer: &dyn Fn(&Item<'_>) -> i64,
) -> Option<(Hit, Vec<&'static str>)> {
    let candidates: Vec<(usize, Item<'_>)> = hits
        .iter()
        .enumerate()
        .map(|(rank, h)| (rank, coll.item(h.row)))
        .filter(|(_, item)| hard(item))
        .collect();
    for kept in (0..=soft.len()).rev() {
        let (active, relaxed) = soft.split_at(kept);
        let best = candidates
            .iter()
            .filter(|(_, item)| active.iter().all(|s| (s.distance)(item) == 0))
            .min_by_key(|(rank, item)| {
                let off: Vec<i64> = relaxed.iter().map(|s| (s.distance)(item)).collect();
                (off, prefer(item), *rank)
            });
        if let Some(&(rank, item)) = best {
            let broken = relaxed
                .iter()
                .filter(|s| (s.distance)(&item) != 0)
                .map(|s| s.name)
                .collect();
            return Some((hits[rank], broken));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::meta::{meta_int, meta_str};
    use crate::vocab::PHASES;
    use plan_index_core::{ItemMeta, MetaValue};

    fn item(id: &str, phase: &str, days: i64) -> ItemMeta {
        let metadata = BTreeMap::from([
            ("phase".to_string(), MetaValue::Str(phase.into())),
            ("days_per_week".to_string(), MetaValue::Int(days)),
        ]);
        ItemMeta {
            id: id.into(),
            text_hash: None,
            text: None,
            metadata,
            payload: None,
        }
    }

    fn choose(items: &[ItemMeta], phase: &str, days: i64) -> (String, Vec<&'static str>) {
        // Hits in rank order: the items' own order, so rank 0 scores best.
        let hits: Vec<Hit> = (0..items.len())
            .map(|row| Hit {
                row,
                score: 1.0 - row as f32 / 10.0,
            })
            .collect();
        let index = plan_index_testkit::items_index("c", items.to_vec());
        let Ok(Some(coll)) = index.collection("c") else {
            panic!("the test index has collection c");
        };
        let phase_d = |i: &Item<'_>| ordinal_distance(meta_str(i, "phase"), phase, &PHASES);
        let days_d =
            |i: &Item<'_>| meta_int(i, "days_per_week").map_or(MISSING, |d| (d - days).abs());
        let soft = [
            Soft {
                name: "phase",
                distance: &phase_d,
            },
            Soft {
                name: "days per week",
                distance: &days_d,
            },
        ];
        let (hit, relaxed) = pick(&coll, &hits, &|_| true, &soft, &|_| 0).expect("a pick");
        (coll.item(hit.row).id.to_string(), relaxed)
    }

    #[test]
    fn an_exact_fit_beats_a_better_score() {
        let items = [item("a", "build", 4), item("b", "peak", 5)];
        assert_eq!(choose(&items, "peak", 5), ("b".to_string(), vec![]));
    }

    #[test]
    fn the_least_important_constraint_is_relaxed_first_to_the_nearest_item() {
        let items = [
            item("far", "peak", 7),
            item("near", "peak", 4),
            item("other_phase", "base", 5),
        ];
        assert_eq!(
            choose(&items, "peak", 5),
            ("near".to_string(), vec!["days per week"])
        );
    }

    #[test]
    fn every_broken_constraint_is_reported() {
        let items = [item("base6", "base", 6), item("build3", "build", 3)];
        assert_eq!(
            choose(&items, "peak", 5),
            ("build3".to_string(), vec!["phase", "days per week"])
        );
    }
}
