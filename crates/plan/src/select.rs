//! The selection engine: every choice is one `top_k` over a baked collection with metadata
//! filters for the constraints that never bend, then a pick under the soft constraints.
//!
//! Soft constraints are listed most important first. When no candidate satisfies them all,
//! the least important is relaxed first (the nearest candidate to it wins), and every
//! relaxation that the chosen item actually needed becomes a warning. Searches whose answer
//! cannot change within a plan (same text, same filters) run once per plan.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::queries::{
    self, KNOWLEDGE, PHILOSOPHIES, SESSION_TEMPLATES, WEEK_STRUCTURES, philosophy_name,
};
use crate::request::{Mode, Resolved};
use crate::rules::{self, pattern_of};
use crate::vocab::{DAYS, HORIZON_DAYS, LEVELS, PHASES, PhaseKind, days_to_race, phase_kind};
use crate::{Day, Passage, Plan, PlanError, PlanRequest, Selected, Week};
use plan_index_core::search::{self, Filter, Hit, Query, Search};
use plan_index_core::{BakedIndex, Collection, Item, MetaRef, StrList};
use plan_index_embed::{EmbeddedBy, QUERIES_COLLECTION, embed_query};

/// Semantic plans list at most this many contradictions, then a count of the rest.
const MAX_LISTED_PROBLEMS: usize = 12;
/// Passages per plan.
const PASSAGES: usize = 3;
/// Passages that back the philosophy (the rest back the taper).
const PHILOSOPHY_PASSAGES: usize = 2;
/// Distance for a constraint on metadata the item lacks.
const MISSING: i64 = 1_000;

/// A constraint that may be relaxed: 0 when the item meets it, else how far it is off.
struct Soft<'f> {
    name: &'static str,
    distance: &'f dyn Fn(&Item<'_>) -> i64,
}

/// The collections a plan reads, and the per-plan search state.
struct Engine<'a> {
    index: &'a BakedIndex,
    philosophies: Collection<'a>,
    weeks: Collection<'a>,
    templates: Collection<'a>,
    knowledge: Collection<'a>,
    model_embedded: usize,
}

fn filter(key: &str, value: &str) -> Filter {
    Filter {
        key: key.to_string(),
        value: value.to_string(),
    }
}

fn meta_str<'m>(item: &Item<'m>, key: &str) -> Option<&'m str> {
    item.metadata.get(key)?.as_str()
}

fn meta_int(item: &Item<'_>, key: &str) -> Option<i64> {
    item.metadata.get(key)?.as_int()
}

fn meta_list<'m>(item: &Item<'m>, key: &str) -> StrList<'m> {
    match item.metadata.get(key) {
        Some(MetaRef::List(values)) => values,
        _ => StrList::default(),
    }
}

/// 0 when the list holds `value`, else the smallest distance in `order` to a listed value.
fn ordinal_distance<'s>(
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
fn level_distance(item: &Item<'_>, level: &str) -> i64 {
    ordinal_distance(meta_list(item, "levels").iter(), level, &LEVELS)
}

fn list_distance(list: StrList<'_>, value: &str) -> i64 {
    if list.contains(value) { 0 } else { 1 }
}

fn range_distance(value: i64, min: Option<i64>, max: Option<i64>) -> i64 {
    match (min, max) {
        (Some(min), _) if value < min => min - value,
        (_, Some(max)) if value > max => value - max,
        (Some(_), Some(_)) => 0,
        _ => MISSING,
    }
}

/// The best candidate under `hard` and `soft` (relaxing from the end), then `prefer` (lower
/// first), then rank. Returns the hit and the constraints it does not meet.
fn pick(
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

fn collection<'a>(index: &'a BakedIndex, name: &str) -> Result<Collection<'a>, PlanError> {
    index.collection(name).ok_or_else(|| {
        PlanError::IndexIncomplete(format!(
            "the baked index has no {name:?} collection (it has: {}); bake an index made by \
             `plan-index prepare`",
            index.collection_names().join(", ")
        ))
    })
}

impl<'a> Engine<'a> {
    fn new(index: &'a BakedIndex) -> Result<Engine<'a>, PlanError> {
        collection(index, QUERIES_COLLECTION)?;
        Ok(Engine {
            index,
            philosophies: collection(index, PHILOSOPHIES)?,
            weeks: collection(index, WEEK_STRUCTURES)?,
            templates: collection(index, SESSION_TEMPLATES)?,
            knowledge: collection(index, KNOWLEDGE)?,
            model_embedded: 0,
        })
    }

    /// Ranks `collection` against the text's (baked) vector under `filters`.
    fn rank(
        &mut self,
        collection: &Collection<'_>,
        text: &str,
        filters: &[Filter],
        k: usize,
    ) -> Result<Vec<Hit>, PlanError> {
        let embedded = embed_query(self.index, text)?;
        if embedded.embedded == EmbeddedBy::Model {
            self.model_embedded += 1;
        }
        let search = Search {
            collection: collection.name().to_string(),
            query: Query::Vector(embedded.vector),
            k: k.max(1),
            filters: filters.to_vec(),
            min_score: None,
        };
        let mut ranked = search::run(self.index, &search)?;
        Ok(ranked.lists.pop().unwrap_or_default())
    }
}

fn selected(collection: &Collection<'_>, hit: Hit, query: &str) -> Selected {
    let item = collection.item(hit.row);
    Selected {
        id: item.id.to_string(),
        score: hit.score,
        query: query.to_string(),
        metadata: item.metadata_json(),
        payload: item.payload_json(),
        text: item.text.map(str::to_string),
    }
}

/// The chosen philosophy and the running days its weeks use.
struct Choice {
    selected: Selected,
    name: String,
    days_per_week: i64,
    max_hard_days: i64,
}

fn unsuitable_reasons(item: &Item<'_>, r: &Resolved) -> Vec<String> {
    let mut reasons = Vec::new();
    let races = meta_list(item, "race_types");
    if list_distance(races, r.race) != 0 {
        reasons.push(format!(
            "it does not support race {} (it supports: {})",
            r.race,
            races.join(", ")
        ));
    }
    let levels = meta_list(item, "levels");
    if list_distance(levels, r.level) != 0 {
        reasons.push(format!(
            "it does not suit level {} (it suits: {})",
            r.level,
            levels.join(", ")
        ));
    }
    let (min, max) = (
        meta_int(item, "min_days_per_week"),
        meta_int(item, "max_days_per_week"),
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

fn choose_philosophy(
    engine: &mut Engine<'_>,
    r: &Resolved,
    warnings: &mut Vec<String>,
) -> Result<Choice, PlanError> {
    let coll = engine.philosophies;
    let text = queries::philosophy_query(r.race, r.level, r.days_per_week);
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
        meta_int(item, "min_days_per_week"),
        meta_int(item, "max_days_per_week"),
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
        name: philosophy_name(item.id, meta_str(item, "name")).to_string(),
        max_hard_days: meta_int(item, "max_hard_days").unwrap_or(2),
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
    let hits = engine.rank(&coll, text, &[filter("race_types", r.race)], coll.len())?;
    let days = |item: &Item<'_>| {
        range_distance(
            r.days_per_week,
            meta_int(item, "min_days_per_week"),
            meta_int(item, "max_days_per_week"),
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

/// Per-plan memo of searches and template choices.
#[derive(Default)]
struct Memo {
    week_hits: HashMap<PhaseKind, Vec<Hit>>,
    structures: HashMap<(usize, PhaseKind), Arc<Selected>>,
    templates: HashMap<(String, &'static str), Option<Arc<Selected>>>,
    template_hits: HashMap<String, Vec<Hit>>,
    template_items: HashMap<(usize, String), Arc<Selected>>,
}

struct Planner<'e, 'a> {
    engine: &'e mut Engine<'a>,
    r: &'e Resolved,
    choice: &'e Choice,
    own_types: HashSet<&'a str>,
    memo: Memo,
    warnings: Vec<String>,
}

impl Planner<'_, '_> {
    fn week(&mut self, week: i64) -> Result<Week, PlanError> {
        let dtr = days_to_race(week, self.r.weeks);
        let kind = phase_kind(self.r.race, dtr)?;
        let structure = self.structure(week, kind, dtr.min(HORIZON_DAYS))?;
        let pattern = pattern_of(structure.payload.as_ref())
            .map_err(|e| PlanError::ContentGap(format!("week structure {}: {e}", structure.id)))?;
        let mut days = Vec::with_capacity(7);
        for (day, session_type) in DAYS.iter().zip(pattern) {
            let template = self.template(session_type, kind.phase(), week, day)?;
            days.push(Day {
                day,
                session_type: session_type.to_string(),
                template,
                detail: Default::default(),
            });
        }
        Ok(Week {
            week,
            phase: kind.phase(),
            days_to_race: dtr,
            structure,
            days,
            detail: Default::default(),
        })
    }

    fn structure(
        &mut self,
        week: i64,
        kind: PhaseKind,
        dtr: i64,
    ) -> Result<Arc<Selected>, PlanError> {
        let (r, choice) = (self.r, self.choice);
        let coll = self.engine.weeks;
        let text = queries::week_query(&choice.name, r.race, kind, choice.days_per_week);
        let found = match r.mode {
            Mode::Semantic => self
                .week_hits(kind, &text, Vec::new(), 1)?
                .first()
                .map(|h| (*h, Vec::new())),
            Mode::Strict => self.strict_structure(kind, &text, dtr)?,
        };
        let (hit, relaxed) = found.ok_or_else(|| {
            PlanError::ContentGap(format!(
                "the index has no week structure of {} for {}",
                choice.selected.id, r.race
            ))
        })?;
        if !relaxed.is_empty() {
            self.warnings.push(format!(
                "week {week} ({}, {dtr} days to race): no week structure of {} fits every \
                 constraint; relaxed {} and used {}",
                kind.phase(),
                choice.selected.id,
                relaxed.join(", "),
                coll.item(hit.row).id
            ));
        }
        let shared = self
            .memo
            .structures
            .entry((hit.row, kind))
            .or_insert_with(|| Arc::new(selected(&coll, hit, &text)));
        Ok(Arc::clone(shared))
    }

    /// The ranked structures for a week query, searched once per phase kind and plan.
    fn week_hits(
        &mut self,
        kind: PhaseKind,
        text: &str,
        filters: Vec<Filter>,
        k: usize,
    ) -> Result<&[Hit], PlanError> {
        if !self.memo.week_hits.contains_key(&kind) {
            let weeks = self.engine.weeks;
            let hits = self.engine.rank(&weeks, text, &filters, k)?;
            self.memo.week_hits.insert(kind, hits);
        }
        Ok(self.memo.week_hits.get(&kind).map_or(&[], Vec::as_slice))
    }

    /// Strict: first among the structures with the plan's days per week (`days_per_week`
    /// sorts first among the metadata keys, so this filter rejects most rows cheaply); only
    /// when none fits every constraint, search all of the philosophy's structures for the race
    /// and relax in the documented order.
    fn strict_structure(
        &mut self,
        kind: PhaseKind,
        text: &str,
        dtr: i64,
    ) -> Result<Option<(Hit, Vec<&'static str>)>, PlanError> {
        let (r, choice) = (self.r, self.choice);
        let coll = self.engine.weeks;
        let wide = || {
            vec![
                filter("philosophy_id", &choice.selected.id),
                filter("race_types", r.race),
            ]
        };
        let days = choice.days_per_week.to_string();
        let narrow = [vec![filter("days_per_week", &days)], wide()].concat();
        let hits = self.week_hits(kind, text, narrow, coll.len())?;
        if let Some(exact) = pick_structure(
            &coll,
            hits,
            kind.phase(),
            dtr,
            (r.level, choice.days_per_week),
        )
        .filter(|(_, relaxed)| relaxed.is_empty())
        {
            return Ok(Some(exact));
        }
        let hits = self.engine.rank(&coll, text, &wide(), coll.len())?;
        Ok(pick_structure(
            &coll,
            &hits,
            kind.phase(),
            dtr,
            (r.level, choice.days_per_week),
        ))
    }

    fn template(
        &mut self,
        session_type: &str,
        phase: &'static str,
        week: i64,
        day: &str,
    ) -> Result<Option<Arc<Selected>>, PlanError> {
        let key = (session_type.to_string(), phase);
        if let Some(found) = self.memo.templates.get(&key) {
            return Ok(found.clone());
        }
        let found = self.find_template(session_type, phase)?.map(|(hit, text)| {
            let coll = self.engine.templates;
            let shared = self
                .memo
                .template_items
                .entry((hit.row, session_type.to_string()))
                .or_insert_with(|| Arc::new(selected(&coll, hit, &text)));
            Arc::clone(shared)
        });
        if found.is_none() && session_type != "rest" {
            self.warnings.push(format!(
                "week {week} {day}: the index has no {session_type} template; the day has none"
            ));
        }
        self.memo.templates.insert(key, found.clone());
        Ok(found)
    }

    fn find_template(
        &mut self,
        session_type: &str,
        phase: &'static str,
    ) -> Result<Option<(Hit, String)>, PlanError> {
        let (r, choice) = (self.r, self.choice);
        let coll = self.engine.templates;
        let owner = queries::template_owner(&choice.name, self.own_types.contains(session_type));
        let text = queries::template_query(owner, session_type, r.race);
        let hits = match self.memo.template_hits.get(session_type) {
            Some(hits) => hits.clone(),
            None => {
                let (filters, k) = match r.mode {
                    Mode::Semantic => (Vec::new(), 1),
                    Mode::Strict => (vec![filter("session_type", session_type)], coll.len()),
                };
                let hits = self.engine.rank(&coll, &text, &filters, k)?;
                self.memo
                    .template_hits
                    .insert(session_type.to_string(), hits.clone());
                hits
            }
        };
        if r.mode == Mode::Semantic {
            return Ok(hits.first().map(|h| (*h, text)));
        }
        let philosophy = choice.selected.id.as_str();
        let own_or_generic =
            |i: &Item<'_>| meta_str(i, "philosophy_id").is_none_or(|p| p == philosophy);
        let race_d = |i: &Item<'_>| list_distance(meta_list(i, "race_types"), r.race);
        let phase_d =
            |i: &Item<'_>| ordinal_distance(meta_list(i, "phases").iter(), phase, &PHASES);
        let level_d = |i: &Item<'_>| level_distance(i, r.level);
        let soft = [
            Soft {
                name: "race",
                distance: &race_d,
            },
            Soft {
                name: "phase",
                distance: &phase_d,
            },
            Soft {
                name: "level",
                distance: &level_d,
            },
        ];
        let generic_last = |i: &Item<'_>| i64::from(meta_str(i, "philosophy_id").is_none());
        let Some((hit, relaxed)) = pick(&coll, &hits, &own_or_generic, &soft, &generic_last) else {
            return Ok(None);
        };
        if !relaxed.is_empty() {
            self.warnings.push(format!(
                "no {session_type} template fits {} in the {phase} phase; relaxed {} and used {}",
                r.race,
                relaxed.join(", "),
                coll.item(hit.row).id
            ));
        }
        Ok(Some((hit, text)))
    }
}

/// The week structure among `hits` for this phase, days to race, level and days per week.
fn pick_structure(
    coll: &Collection<'_>,
    hits: &[Hit],
    phase: &str,
    dtr: i64,
    (level, days): (&str, i64),
) -> Option<(Hit, Vec<&'static str>)> {
    let phase_d = |i: &Item<'_>| ordinal_distance(meta_str(i, "phase"), phase, &PHASES);
    let days_d = |i: &Item<'_>| meta_int(i, "days_per_week").map_or(MISSING, |d| (d - days).abs());
    let dtr_d = |i: &Item<'_>| {
        range_distance(
            dtr,
            meta_int(i, "days_to_race_min"),
            meta_int(i, "days_to_race_max"),
        )
    };
    let level_d = |i: &Item<'_>| level_distance(i, level);
    let soft = [
        Soft {
            name: "phase",
            distance: &phase_d,
        },
        Soft {
            name: "days per week",
            distance: &days_d,
        },
        Soft {
            name: "days to race",
            distance: &dtr_d,
        },
        Soft {
            name: "level",
            distance: &level_d,
        },
    ];
    pick(coll, hits, &|_| true, &soft, &|_| 0)
}

fn own_types<'a>(templates: &Collection<'a>, philosophy: &str) -> HashSet<&'a str> {
    templates
        .items()
        .filter(|i| meta_str(i, "philosophy_id") == Some(philosophy))
        .filter_map(|i| meta_str(&i, "session_type"))
        .collect()
}

fn knowledge(
    engine: &mut Engine<'_>,
    r: &Resolved,
    choice: &Choice,
    warnings: &mut Vec<String>,
) -> Result<Vec<Passage>, PlanError> {
    let coll = engine.knowledge;
    let base = [filter("race_types", r.race), filter("audience", r.level)];
    let with = |f: Filter| base.iter().cloned().chain([f]).collect::<Vec<_>>();
    let backing = queries::philosophy_knowledge_query(&choice.name, r.race, r.level);
    let taper = queries::taper_knowledge_query(r.race, r.level);
    let sources = [
        (
            "philosophy",
            &backing,
            with(filter("philosophy_id", &choice.selected.id)),
            PHILOSOPHY_PASSAGES,
        ),
        ("taper", &taper, with(filter("topic", "taper")), PASSAGES),
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

fn audit(plan: &Plan, max_hard_days: i64, mode: Mode) -> Vec<String> {
    let problems = rules::plan_problems(plan, max_hard_days);
    let prefix = match mode {
        Mode::Strict => "rule broken",
        Mode::Semantic => "semantic mode ignores the rules",
    };
    let mut listed: Vec<String> = problems
        .iter()
        .take(MAX_LISTED_PROBLEMS)
        .map(|p| format!("{prefix}: {p}"))
        .collect();
    if problems.len() > MAX_LISTED_PROBLEMS {
        listed.push(format!(
            "{prefix}: {} more contradictions not listed",
            problems.len() - MAX_LISTED_PROBLEMS
        ));
    }
    listed
}

/// Selects every part of the plan for a validated request.
pub(super) fn select(
    index: &BakedIndex,
    r: &Resolved,
    request: &PlanRequest,
) -> Result<Plan, PlanError> {
    let mut engine = Engine::new(index)?;
    let mut warnings = r.notes.clone();
    let choice = choose_philosophy(&mut engine, r, &mut warnings)?;
    let templates = engine.templates;
    let mut planner = Planner {
        own_types: own_types(&templates, &choice.selected.id),
        engine: &mut engine,
        r,
        choice: &choice,
        memo: Memo::default(),
        warnings: Vec::new(),
    };
    let weeks = (1..=r.weeks)
        .map(|w| planner.week(w))
        .collect::<Result<Vec<_>, _>>()?;
    warnings.append(&mut planner.warnings);
    let knowledge = knowledge(&mut engine, r, &choice, &mut warnings)?;
    if engine.model_embedded > 0 {
        warnings.push(format!(
            "{} query texts were not baked and were embedded by the model; re-run \
             `plan-index prepare`",
            engine.model_embedded
        ));
    }
    let mut echo = r.echo(request);
    echo.days_per_week = Some(choice.days_per_week);
    let mut plan = Plan {
        request: echo,
        philosophy: choice.selected.clone(),
        weeks,
        knowledge,
        training: None,
        warnings,
        index_hash: index.content_hash(),
        compute_us: 0.0,
    };
    let mut problems = audit(&plan, choice.max_hard_days, r.mode);
    plan.warnings.append(&mut problems);
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use plan_index_core::{ItemMeta, MetaValue};

    use super::*;

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
        let index = plan_index_testkit::items_index("c", items.to_vec());
        let Some(coll) = index.collection("c") else {
            panic!("the test index has collection c");
        };
        // Hits in rank order: the items' own order, so rank 0 scores best.
        let hits: Vec<Hit> = (0..items.len())
            .map(|row| Hit {
                row,
                score: 1.0 - row as f32 / 10.0,
            })
            .collect();
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
