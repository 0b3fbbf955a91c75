//! The knowledge passages: first those backing the philosophy, then the taper, then any for
//! the race and level, without repeats.

use super::philosophy::Choice;
use super::{Engine, filter, selected};
use crate::queries;
use crate::request::Resolved;
use crate::schema::key;
use crate::{Passage, PlanError};
use plan_index_core::search::Filter;

/// Passages per plan.
pub(crate) const PASSAGES: usize = 3;
/// Passages that back the philosophy (the rest back the taper).
const PHILOSOPHY_PASSAGES: usize = 2;

/// The plan's passages, with a warning for each source that has none.
pub(super) fn passages(
    engine: &mut Engine<'_>,
    r: &Resolved,
    choice: &Choice,
    warnings: &mut Vec<String>,
) -> Result<Vec<Passage>, PlanError> {
    let coll = engine.knowledge;
    let base = [
        filter(key::RACE_TYPES, r.race.as_str()),
        filter(key::AUDIENCE, r.level.as_str()),
    ];
    let with = |f: Filter| base.iter().cloned().chain([f]).collect::<Vec<_>>();
    let backing =
        queries::philosophy_knowledge_query(&choice.name, r.race.as_str(), r.level.as_str());
    let taper = queries::taper_knowledge_query(r.race.as_str(), r.level.as_str());
    let sources = [
        (
            "philosophy",
            &backing,
            with(filter(key::PHILOSOPHY_ID, &choice.selected.id)),
            PHILOSOPHY_PASSAGES,
        ),
        ("taper", &taper, with(filter(key::TOPIC, "taper")), PASSAGES),
        ("race_and_level", &backing, base.to_vec(), PASSAGES),
    ];
    let mut passages: Vec<Passage> = Vec::with_capacity(PASSAGES);
    for (backs, text, filters, k) in sources {
        if passages.len() == PASSAGES {
            break;
        }
        let hits = engine.rank(&coll, text, &filters, k)?;
        if hits.is_empty() && backs != "race_and_level" {
            warnings.push(format!(
                "no knowledge passage backs the {} for {} at level {}",
                if backs == "taper" {
                    "taper"
                } else {
                    "philosophy"
                },
                r.race,
                r.level
            ));
        }
        for hit in hits {
            let taken = passages.iter().any(|p| p.item.id == coll.item(hit.row).id);
            if !taken && passages.len() < PASSAGES {
                passages.push(Passage {
                    backs,
                    item: selected(&coll, hit, text),
                });
            }
        }
    }
    Ok(passages)
}
