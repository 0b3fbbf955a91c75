//! The plan's philosophy: the one asked for (if it suits the request), else the best by
//! similarity among those for the race, relaxing days per week, then level.

use super::pick::{Soft, list_distance, ordinal_distance, pick, range_distance};
use super::{Engine, filter, selected};
use crate::catalog::Philosophy;
use crate::meta::{meta_list, meta_str};
use crate::queries::{self, philosophy_name};
use crate::request::{Mode, Resolved};
use crate::schema::key;
use crate::{PlanError, Selected};
use plan_index_core::Item;
use plan_index_core::search::Hit;

/// The chosen philosophy and the running days its weeks use.
pub(super) struct Choice {
    pub(super) selected: Selected,
    /// Its row in the philosophies collection.
    pub(super) row: usize,
    pub(super) name: String,
    pub(super) days_per_week: i64,
    pub(super) max_hard_days: i64,
}

/// Why philosophy `view` (the typed view of `item`) does not fit; the messages list what the
/// item's metadata says, as written.
fn unsuitable_reasons(view: &Philosophy, item: &Item<'_>, r: &Resolved) -> Vec<String> {
    let mut reasons = Vec::new();
    if list_distance(view.races, r.race) != 0 {
        reasons.push(format!(
            "it does not support race {} (it supports: {})",
            r.race,
            meta_list(item, key::RACE_TYPES).join(", ")
        ));
    }
    if list_distance(view.levels, r.level) != 0 {
        reasons.push(format!(
            "it does not suit level {} (it suits: {})",
            r.level,
            meta_list(item, key::LEVELS).join(", ")
        ));
    }
    let (min, max) = (view.min_days, view.max_days);
    if range_distance(r.days_per_week, min, max) != 0 {
        reasons.push(format!(
            "it does not support {} days per week (it supports {} to {})",
            r.days_per_week,
            min.unwrap_or_default(),
            max.unwrap_or_default()
        ));
    }
    reasons
}

/// Chooses the philosophy, and the running days per week its weeks will use.
pub(super) fn choose(
    engine: &mut Engine<'_>,
    r: &Resolved,
    warnings: &mut Vec<String>,
) -> Result<Choice, PlanError> {
    let coll = engine.philosophies;
    let text = queries::philosophy_query(r.race.as_str(), r.level.as_str(), r.days_per_week);
    let hit = match (&r.philosophy, r.mode) {
        (Some(id), _) => requested_philosophy(engine, r, id, &text)?,
        (None, Mode::Semantic) => engine.rank(&coll, &text, &[], 1)?.first().copied(),
        (None, Mode::Strict) => best_philosophy(engine, r, &text, warnings)?,
    };
    let hit = hit.ok_or_else(|| {
        PlanError::NoPhilosophy(format!(
            "no philosophy in this index supports race {}",
            r.race
        ))
    })?;
    let item = &coll.item(hit.row);
    let view = engine.catalog.philosophy(&engine.sources(), hit.row);
    let days = match (view.min_days, view.max_days) {
        (Some(min), Some(max)) if r.mode == Mode::Strict && min <= max => {
            r.days_per_week.clamp(min, max)
        }
        _ => r.days_per_week,
    };
    if days != r.days_per_week {
        warnings.push(format!(
            "no philosophy for {} at level {} takes {} days per week; {} uses {days}",
            r.race, r.level, r.days_per_week, item.id
        ));
    }
    Ok(Choice {
        name: philosophy_name(item.id, meta_str(item, key::NAME)).to_string(),
        max_hard_days: view.max_hard_days.unwrap_or(2),
        selected: selected(&coll, hit, &text),
        row: hit.row,
        days_per_week: days,
    })
}

fn requested_philosophy(
    engine: &mut Engine<'_>,
    r: &Resolved,
    id: &str,
    text: &str,
) -> Result<Option<Hit>, PlanError> {
    let coll = engine.philosophies;
    let row = coll
        .position(id)
        .ok_or_else(|| PlanError::UnknownPhilosophy {
            id: id.to_string(),
            known: coll.items().map(|i| i.id).collect::<Vec<_>>().join(", "),
        })?;
    let view = engine.catalog.philosophy(&engine.sources(), row);
    let reasons = unsuitable_reasons(&view, &coll.item(row), r);
    if !reasons.is_empty() {
        return Err(PlanError::UnsuitablePhilosophy {
            id: id.to_string(),
            reasons,
        });
    }
    // Thirteen rows: rank them all, so an item without `philosophy_id` metadata still scores.
    let hits = engine.rank(&coll, text, &[], coll.len())?;
    Ok(hits.into_iter().find(|h| h.row == row))
}

fn best_philosophy(
    engine: &mut Engine<'_>,
    r: &Resolved,
    text: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<Hit>, PlanError> {
    let coll = engine.philosophies;
    let hits = engine.rank(
        &coll,
        text,
        &[filter(key::RACE_TYPES, r.race.as_str())],
        coll.len(),
    )?;
    let days = |p: &Philosophy| range_distance(r.days_per_week, p.min_days, p.max_days);
    let level = |p: &Philosophy| ordinal_distance(p.levels, r.level);
    let soft = [
        Soft {
            name: "days per week",
            distance: &days,
        },
        Soft {
            name: "level",
            distance: &level,
        },
    ];
    let (catalog, sources) = (engine.catalog, engine.sources());
    let view = |row: usize| catalog.philosophy(&sources, row);
    let Some((hit, relaxed)) = pick(&hits, &view, &|_| true, &soft, &|_| 0) else {
        return Ok(None);
    };
    if relaxed.contains(&"level") {
        warnings.push(format!(
            "no philosophy for {} suits level {}; chose {}, the nearest",
            r.race,
            r.level,
            coll.item(hit.row).id
        ));
    }
    Ok(Some(hit))
}
