//! The selection engine: every choice is one `top_k` over a baked collection with metadata
//! filters for the constraints that never bend, then a pick under the soft constraints.
//!
//! Soft constraints are listed most important first. When no candidate satisfies them all,
//! the least important is relaxed first (the nearest candidate to it wins), and every
//! relaxation that the chosen item actually needed becomes a warning. Searches whose answer
//! cannot change within a plan (same text, same filters) run once per plan.
//!
//! One module per choice: [`philosophy`] (the plan's philosophy), [`weeks`] (a structure per
//! week and a template per day), [`knowledge`] (the passages); [`pick`] is the relaxing picker
//! they share; the candidates' constraints are read from their typed views in
//! `crate::catalog`, decoded once per process.

mod knowledge;
mod philosophy;
mod pick;
mod weeks;

pub(crate) use knowledge::PASSAGES;

use crate::catalog::{self, Catalog, Sources};
use crate::queries::{KNOWLEDGE, PHILOSOPHIES, SESSION_TEMPLATES, WEEK_STRUCTURES};
use crate::request::{Mode, Resolved};
use crate::rules;
use crate::{Plan, PlanError, PlanRequest, Selected};
use plan_index_core::search::{self, Filter, Hit, Query, Search};
use plan_index_core::{BakedIndex, Collection};
use plan_index_embed::{EmbeddedBy, QUERIES_COLLECTION, embed_query};

/// Semantic plans list at most this many contradictions, then a count of the rest.
pub(crate) const MAX_LISTED_PROBLEMS: usize = 12;

/// The collections a plan reads, and the per-plan search state.
struct Engine<'a> {
    index: &'a BakedIndex,
    philosophies: Collection<'a>,
    weeks: Collection<'a>,
    templates: Collection<'a>,
    knowledge: Collection<'a>,
    catalog: &'static Catalog,
    model_embedded: usize,
}

fn filter(key: &str, value: &str) -> Filter {
    Filter {
        key: key.to_string(),
        value: value.to_string(),
    }
}

fn collection<'a>(index: &'a BakedIndex, name: &str) -> Result<Collection<'a>, PlanError> {
    index.collection(name)?.ok_or_else(|| missing(index, name))
}

fn missing(index: &BakedIndex, name: &str) -> PlanError {
    PlanError::IndexIncomplete(format!(
        "the baked index has no {name:?} collection (it has: {}); bake an index made by \
         `plan-index prepare`",
        index.collection_names().join(", ")
    ))
}

impl<'a> Engine<'a> {
    fn new(index: &'a BakedIndex) -> Result<Engine<'a>, PlanError> {
        // Only its presence: the baked query lookups read its digest index and the rows they
        // need (`embed_query`), never its whole tables.
        if index.entries().iter().all(|c| c.name != QUERIES_COLLECTION) {
            return Err(missing(index, QUERIES_COLLECTION));
        }
        let philosophies = collection(index, PHILOSOPHIES)?;
        let weeks = collection(index, WEEK_STRUCTURES)?;
        let templates = collection(index, SESSION_TEMPLATES)?;
        let sources = Sources {
            philosophies: &philosophies,
            structures: &weeks,
            templates: &templates,
        };
        let catalog = catalog::of(index, &sources);
        Ok(Engine {
            index,
            philosophies,
            weeks,
            templates,
            knowledge: collection(index, KNOWLEDGE)?,
            catalog,
            model_embedded: 0,
        })
    }

    /// The collections the catalog decodes from.
    fn sources(&self) -> Sources<'_, 'a> {
        Sources {
            philosophies: &self.philosophies,
            structures: &self.weeks,
            templates: &self.templates,
        }
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
        let mut search = Search {
            collection: collection.name().to_string(),
            query: Query::Vector(embedded.vector),
            k: k.max(1),
            filters: filters.to_vec(),
            min_score: None,
        };
        let mut ranked = search::run(self.index, &mut search)?;
        Ok(ranked.lists.pop().unwrap_or_default())
    }
}

/// An item of `collection` as selected by `query` (also measured by [`crate::bound`]).
pub(crate) fn selected(collection: &Collection<'_>, hit: Hit, query: &str) -> Selected {
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
    let choice = philosophy::choose(&mut engine, r, &mut warnings)?;
    let own_types = engine.catalog.own_types(&engine.sources(), choice.row);
    let mut planner = weeks::Planner {
        own_types,
        engine: &mut engine,
        r,
        choice: &choice,
        memo: Default::default(),
        warnings: Vec::new(),
    };
    let weeks = (1..=r.weeks)
        .map(|w| planner.week(w))
        .collect::<Result<Vec<_>, _>>()?;
    warnings.append(&mut planner.warnings);
    let knowledge = knowledge::passages(&mut engine, r, &choice, &mut warnings)?;
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
