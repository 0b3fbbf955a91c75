//! The plan's philosophy: the one asked for (if it suits the request), else the best by
//! similarity among those for the race, relaxing days per week, then level.

use super::pick::{Soft, level_distance, list_distance, pick, range_distance};
use super::{Engine, filter, selected};
use crate::meta::{meta_int, meta_list, meta_str};
use crate::queries::{self, philosophy_name};
use crate::request::{Mode, Resolved};
use crate::schema::key;
use crate::{PlanError, Selected};
use plan_index_core::Item;
use plan_index_core::search::Hit;

/// The chosen philosophy and the running days its weeks use.
pub(super) struct Choice {
    pub(super) selected: Selected,
    pub(super) name: String,
    pub(super) days_per_week: i64,
    pub(super) max_hard_days: i64,
}

fn unsuitable_reasons(item: &Item<'_>, r: &Resolved) -> Vec<String> {
    let mut reasons = Vec::new();
    let races = meta_list(item, key::RACE_TYPES);
    if list_distance(races, r.race.as_str()) != 0 {
        reasons.push(format!(
            "it does not support race {} (it supports: {})",
            r.race,
            races.join(", ")
        ));
    }
    let levels = meta_list(item, key::LEVELS);
    if list_distance(levels, r.level.as_str()) != 0 {
        reasons.push(format!(
            "it does not suit level {} (it suits: {})",
            r.level,
            levels.join(", ")
        ));
    }
    let (min, max) = (
        meta_int(item, key::MIN_DAYS_PER_WEEK),
        meta_int(item, key::MAX_DAYS_PER_WEEK),
    );
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
    let days = match (
        meta_int(item, key::MIN_DAYS_PER_WEEK),
        meta_int(item, key::MAX_DAYS_PER_WEEK),
    ) {
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
        max_hard_days: meta_int(item, key::MAX_HARD_DAYS).unwrap_or(2),
        selected: selected(&coll, hit, &text),
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
    let reasons = unsuitable_reasons(&coll.item(row), r);
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
    let days = |item: &Item<'_>| {
        range_distance(
            r.days_per_week,
            meta_int(item, key::MIN_DAYS_PER_WEEK),
            meta_int(item, key::MAX_DAYS_PER_WEEK),
        )
    };
    let level = |item: &Item<'_>| level_distance(item, r.level);
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
    let Some((hit, relaxed)) = pick(&coll, &hits, &|_| true, &soft, &|_| 0) else {
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
