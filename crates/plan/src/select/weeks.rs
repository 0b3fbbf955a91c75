//! A week structure for every week and a session template for every day, with the searches
//! that cannot change within a plan memoised.

use std::collections::HashMap;
use std::sync::Arc;

use super::philosophy::Choice;
use super::pick::{
    MISSING, Soft, list_distance, one_distance, ordinal_distance, pick, range_distance,
};
use super::{Engine, filter, selected};
use crate::catalog::{Owner, Set, Structure, Template};
use crate::queries;
use crate::request::{Mode, Resolved};
use crate::rules::pattern_of;
use crate::schema::key;
use crate::vocab::{DAYS, HORIZON_DAYS, Level, Phase, PhaseKind, SessionType, days_to_race};
use crate::{Day, PlanError, Selected, Week};
use plan_index_core::search::{Filter, Hit};

/// Per-plan memo of searches and template choices.
#[derive(Default)]
pub(super) struct Memo {
    week_hits: HashMap<PhaseKind, Vec<Hit>>,
    structures: HashMap<(usize, PhaseKind), Arc<Selected>>,
    templates: HashMap<(SessionType, Phase), Option<Arc<Selected>>>,
    template_hits: HashMap<SessionType, Vec<Hit>>,
    template_items: HashMap<(usize, SessionType), Arc<Selected>>,
}

pub(super) struct Planner<'e, 'a> {
    pub(super) engine: &'e mut Engine<'a>,
    pub(super) r: &'e Resolved,
    pub(super) choice: &'e Choice,
    /// The session types the chosen philosophy has templates of.
    pub(super) own_types: Set<SessionType>,
    pub(super) memo: Memo,
    pub(super) warnings: Vec<String>,
}

impl Planner<'_, '_> {
    pub(super) fn week(&mut self, week: i64) -> Result<Week, PlanError> {
        let dtr = days_to_race(week, self.r.weeks);
        let kind = self.r.race.phase_kind(dtr);
        let structure = self.structure(week, kind, dtr.min(HORIZON_DAYS))?;
        let pattern = pattern_of(structure.payload.as_ref())
            .map_err(|e| PlanError::ContentGap(format!("week structure {}: {e}", structure.id)))?;
        let mut days = Vec::with_capacity(7);
        for (day, session_type) in DAYS.iter().zip(pattern) {
            let template = self.template(session_type, kind.phase(), week, day)?;
            days.push(Day {
                day,
                session_type,
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
        let text = queries::week_query(&choice.name, r.race.as_str(), kind, choice.days_per_week);
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
                filter(key::PHILOSOPHY_ID, &choice.selected.id),
                filter(key::RACE_TYPES, r.race.as_str()),
            ]
        };
        let days = choice.days_per_week.to_string();
        let narrow = [vec![filter(key::DAYS_PER_WEEK, &days)], wide()].concat();
        let hits = self.week_hits(kind, text, narrow, coll.len())?.to_vec();
        let engine = &*self.engine;
        let (catalog, sources) = (engine.catalog, engine.sources());
        let view = |row: usize| catalog.structure(&sources, row);
        let want = (kind.phase(), dtr, r.level, choice.days_per_week);
        if let Some(exact) =
            pick_structure(&hits, &view, want).filter(|(_, relaxed)| relaxed.is_empty())
        {
            return Ok(Some(exact));
        }
        let hits = self.engine.rank(&coll, text, &wide(), coll.len())?;
        let engine = &*self.engine;
        let (catalog, sources) = (engine.catalog, engine.sources());
        let view = |row: usize| catalog.structure(&sources, row);
        Ok(pick_structure(&hits, &view, want))
    }

    fn template(
        &mut self,
        session_type: SessionType,
        phase: Phase,
        week: i64,
        day: &str,
    ) -> Result<Option<Arc<Selected>>, PlanError> {
        let key = (session_type, phase);
        if let Some(found) = self.memo.templates.get(&key) {
            return Ok(found.clone());
        }
        let found = self.find_template(session_type, phase)?.map(|(hit, text)| {
            let coll = self.engine.templates;
            let shared = self
                .memo
                .template_items
                .entry((hit.row, session_type))
                .or_insert_with(|| Arc::new(selected(&coll, hit, &text)));
            Arc::clone(shared)
        });
        if found.is_none() && session_type != SessionType::Rest {
            self.warnings.push(format!(
                "week {week} {day}: the index has no {session_type} template; the day has none"
            ));
        }
        self.memo.templates.insert(key, found.clone());
        Ok(found)
    }

    fn find_template(
        &mut self,
        session_type: SessionType,
        phase: Phase,
    ) -> Result<Option<(Hit, String)>, PlanError> {
        let (r, choice) = (self.r, self.choice);
        let coll = self.engine.templates;
        let owner = queries::template_owner(&choice.name, self.own_types.contains(session_type));
        let text = queries::template_query(owner, session_type, r.race.as_str());
        let hits = match self.memo.template_hits.get(&session_type) {
            Some(hits) => hits.clone(),
            None => {
                let (filters, k) = match r.mode {
                    Mode::Semantic => (Vec::new(), 1),
                    Mode::Strict => (
                        vec![filter(key::SESSION_TYPE, session_type.as_str())],
                        coll.len(),
                    ),
                };
                let hits = self.engine.rank(&coll, &text, &filters, k)?;
                self.memo.template_hits.insert(session_type, hits.clone());
                hits
            }
        };
        if r.mode == Mode::Semantic {
            return Ok(hits.first().map(|h| (*h, text)));
        }
        let own_or_generic = |t: &Template| match t.owner {
            Owner::Generic => true,
            Owner::Philosophy(row) => row == choice.row,
            Owner::Unknown => false,
        };
        let race_d = |t: &Template| list_distance(t.races, r.race);
        let phase_d = |t: &Template| ordinal_distance(t.phases, phase);
        let level_d = |t: &Template| ordinal_distance(t.levels, r.level);
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
        let generic_last = |t: &Template| i64::from(t.owner == Owner::Generic);
        let (catalog, sources) = (self.engine.catalog, self.engine.sources());
        let view = |row: usize| catalog.template(&sources, row);
        let Some((hit, relaxed)) = pick(&hits, &view, &own_or_generic, &soft, &generic_last) else {
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
    hits: &[Hit],
    view: &dyn Fn(usize) -> Structure,
    (phase, dtr, level, days): (Phase, i64, Level, i64),
) -> Option<(Hit, Vec<&'static str>)> {
    let phase_d = |s: &Structure| one_distance(s.phase, phase);
    let days_d = |s: &Structure| s.days_per_week.map_or(MISSING, |d| (d - days).abs());
    let dtr_d = |s: &Structure| range_distance(dtr, s.days_to_race_min, s.days_to_race_max);
    let level_d = |s: &Structure| ordinal_distance(s.levels, level);
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
    pick(hits, view, &|_| true, &soft, &|_| 0)
}
