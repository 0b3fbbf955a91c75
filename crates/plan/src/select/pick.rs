//! The relaxing picker every choice shares, and the distances its soft constraints measure.
//! Candidates are typed views (`crate::catalog`), so a distance is a comparison of enums and
//! numbers, not of metadata strings.

use crate::catalog::{Set, Vocab};
use plan_index_core::search::Hit;

/// Distance for a constraint on metadata the item lacks.
pub(super) const MISSING: i64 = 1_000;

/// Most soft constraints a choice has (the picker keeps their distances in an array).
const MAX_SOFT: usize = 4;

/// A constraint that may be relaxed: 0 when the item meets it, else how far it is off.
pub(super) struct Soft<'f, T> {
    pub(super) name: &'static str,
    pub(super) distance: &'f dyn Fn(&T) -> i64,
}

/// 0 when the set holds `value`, else the smallest distance in vocabulary order to a member;
/// [`MISSING`] for an empty set.
pub(super) fn ordinal_distance<V: Vocab + PartialEq>(set: Set<V>, value: V) -> i64 {
    set.nearest(value).unwrap_or(MISSING)
}

/// 0 when `have` is `value`, else their distance in vocabulary order; [`MISSING`] for none.
pub(super) fn one_distance<V: Vocab + PartialEq>(have: Option<V>, value: V) -> i64 {
    let mut set = Set::default();
    match have {
        Some(v) => set.insert(v),
        None => return MISSING,
    }
    ordinal_distance(set, value)
}

/// 0 when the set holds `value`, else 1.
pub(super) fn list_distance<V: Vocab + PartialEq>(set: Set<V>, value: V) -> i64 {
    if set.contains(value) { 0 } else { 1 }
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
/// first), then rank. `view` gives the typed view of a row. Returns the hit and the
/// constraints it does not meet.
pub(super) fn pick<T>(
    hits: &[Hit],
    view: &dyn Fn(usize) -> T,
    hard: &dyn Fn(&T) -> bool,
    soft: &[Soft<'_, T>],
    prefer: &dyn Fn(&T) -> i64,
) -> Option<(Hit, Vec<&'static str>)> {
    debug_assert!(soft.len() <= MAX_SOFT);
    let candidates: Vec<(usize, T)> = hits
        .iter()
        .enumerate()
        .map(|(rank, h)| (rank, view(h.row)))
        .filter(|(_, item)| hard(item))
        .collect();
    for kept in (0..=soft.len()).rev() {
        let (active, relaxed) = soft.split_at(kept);
        let best = candidates
            .iter()
            .filter(|(_, item)| active.iter().all(|s| (s.distance)(item) == 0))
            .min_by_key(|(rank, item)| {
                // Unused slots stay 0 for every candidate, so arrays compare as the lists would.
                let mut off = [0i64; MAX_SOFT];
                for (slot, s) in off.iter_mut().zip(relaxed) {
                    *slot = (s.distance)(item);
                }
                (off, prefer(item), *rank)
            });
        if let Some((rank, item)) = best {
            let broken = relaxed
                .iter()
                .filter(|s| (s.distance)(item) != 0)
                .map(|s| s.name)
                .collect();
            return Some((hits[*rank], broken));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::Phase;

    /// A candidate with a phase and running days, as a week structure's view has.
    #[derive(Clone, Copy)]
    struct View {
        id: &'static str,
        phase: Option<Phase>,
        days: Option<i64>,
    }

    fn item(id: &'static str, phase: &str, days: i64) -> View {
        View {
            id,
            phase: Phase::parse(phase),
            days: Some(days),
        }
    }

    fn choose(items: &[View], phase: &str, days: i64) -> (String, Vec<&'static str>) {
        // Hits in rank order: the items' own order, so rank 0 scores best.
        let hits: Vec<Hit> = (0..items.len())
            .map(|row| Hit {
                row,
                score: 1.0 - row as f32 / 10.0,
            })
            .collect();
        let Some(phase) = Phase::parse(phase) else {
            panic!("{phase} is a phase");
        };
        let phase_d = |i: &View| one_distance(i.phase, phase);
        let days_d = |i: &View| i.days.map_or(MISSING, |d| (d - days).abs());
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
        let view = |row: usize| items[row];
        let (hit, relaxed) = pick(&hits, &view, &|_| true, &soft, &|_| 0).expect("a pick");
        (items[hit.row].id.to_string(), relaxed)
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
