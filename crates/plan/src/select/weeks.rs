//! A week structure for every week and a session template for every day, with the searches
//! that cannot change within a plan memoised.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::philosophy::Choice;
use super::pick::{
    MISSING, Soft, level_distance, list_distance, ordinal_distance, pick, range_distance,
};
use super::{Engine, filter, selected};
use crate::meta::{meta_int, meta_list, meta_str};
use crate::queries;
use crate::request::{Mode, Resolved};
use crate::rules::pattern_of;
use crate::schema::key;
use crate::vocab::{DAYS, HORIZON_DAYS, Level, PHASES, PhaseKind, days_to_race};
use crate::{Day, PlanError, Selected, Week};
use plan_index_core::search::{Filter, Hit};
use plan_index_core::{Collection, Item};

/// Per-plan memo of searches and template choices.
#[derive(Default)]
pub(super) struct Memo {
    week_hits: HashMap<PhaseKind, Vec<Hit>>,
    structures: HashMap<(usize, PhaseKind), Arc<Selected>>,
    templates: HashMap<(String, &'static str), Option<Arc<Selected>>>,
    template_hits: HashMap<String, Vec<Hit>>,
    template_items: HashMap<(usize, String), Arc<Selected>>,
}

pub(super) struct Planner<'e, 'a> {
    pub(super) engine: &'e mut Engine<'a>,
    pub(super) r: &'e Resolved,
    pub(super) choice: &'e Choice,
    pub(super) own_types: HashSet<&'a str>,
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
        let text = queries::template_query(owner, session_type, r.race.as_str());
        let hits = match self.memo.template_hits.get(session_type) {
            Some(hits) => hits.clone(),
            None => {
                let (filters, k) = match r.mode {
                    Mode::Semantic => (Vec::new(), 1),
                    Mode::Strict => (vec![filter(key::SESSION_TYPE, session_type)], coll.len()),
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
            |i: &Item<'_>| meta_str(i, key::PHILOSOPHY_ID).is_none_or(|p| p == philosophy);
        let race_d = |i: &Item<'_>| list_distance(meta_list(i, key::RACE_TYPES), r.race.as_str());
        let phase_d =
            |i: &Item<'_>| ordinal_distance(meta_list(i, key::PHASES).iter(), phase, &PHASES);
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
        let generic_last = |i: &Item<'_>| i64::from(meta_str(i, key::PHILOSOPHY_ID).is_none());
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
    (level, days): (Level, i64),
) -> Option<(Hit, Vec<&'static str>)> {
    let phase_d = |i: &Item<'_>| ordinal_distance(meta_str(i, key::PHASE), phase, &PHASES);
    let days_d =
        |i: &Item<'_>| meta_int(i, key::DAYS_PER_WEEK).map_or(MISSING, |d| (d - days).abs());
    let dtr_d = |i: &Item<'_>| {
        range_distance(
            dtr,
            meta_int(i, key::DAYS_TO_RACE_MIN),
            meta_int(i, key::DAYS_TO_RACE_MAX),
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

pub(super) fn own_types<'a>(templates: &Collection<'a>, philosophy: &str) -> HashSet<&'a str> {
    templates
        .items()
        .filter(|i| meta_str(i, key::PHILOSOPHY_ID) == Some(philosophy))
        .filter_map(|i| meta_str(&i, key::SESSION_TYPE))
        .collect()
}
