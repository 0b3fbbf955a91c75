//! The canonical query texts of plan selection: a small, enumerable set that `prepare` embeds
//! into the `queries` collection, so a plan needs no model at run time.
//!
//! The builders below are the only way selection makes a query text, and
//! [`canonical_query_texts`] enumerates them over the same inputs, so every text a plan uses is
//! baked (tests/plan_queries.rs checks it). Levels stay out of the week and template texts
//! (they are metadata constraints), which keeps the set at a few thousand texts.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::schema::key;
use crate::vocab::{LEVELS, MAX_DAYS, MIN_DAYS, PhaseKind, RACES, SessionType};
use plan_index_core::{BakedIndex, FormatError};
use plan_index_format::SourceItem;

/// Collection of training philosophies.
pub const PHILOSOPHIES: &str = "philosophies";
/// Collection of week structures.
pub const WEEK_STRUCTURES: &str = "week_structures";
/// Collection of session templates.
pub const SESSION_TEMPLATES: &str = "session_templates";
/// Collection of knowledge passages.
pub const KNOWLEDGE: &str = "knowledge";

/// How texts name a race.
fn race_label(race: &str) -> &str {
    match race {
        "5k" => "5 km",
        "10k" => "10 km",
        "half_marathon" => "half marathon",
        "ultra" => "ultramarathon",
        other => other,
    }
}

/// How texts name a session type.
fn session_label(session_type: SessionType) -> String {
    session_type.as_str().replace('_', " ")
}

/// The philosophy query: which training philosophy suits this runner.
pub fn philosophy_query(race: &str, level: &str, days_per_week: i64) -> String {
    format!(
        "Training philosophy for a {level} runner preparing for a {} race, running {days_per_week} days per week.",
        race_label(race)
    )
}

/// The week query: a week of `philosophy` (its name) in this phase.
pub fn week_query(philosophy: &str, race: &str, kind: PhaseKind, days_per_week: i64) -> String {
    format!(
        "{philosophy}: a {} week of {} training with {days_per_week} running days.",
        kind.label(),
        race_label(race)
    )
}

/// The template query: a session of this type. `owner` is the philosophy's name when it has
/// templates of this type (see [`template_owner`]), else `None` (generic wording). The phase
/// is left out on purpose: strict mode enforces it as a constraint, and one query per session
/// type (not per type and phase) means a quarter of the searches and of the baked texts.
pub fn template_query(owner: Option<&str>, session_type: SessionType, race: &str) -> String {
    format!(
        "{} {} session for {} training.",
        owner.unwrap_or("General"),
        session_label(session_type),
        race_label(race)
    )
}

/// Whether a template query names the philosophy: only when it has templates of that type,
/// since otherwise every candidate is generic and the name would only add noise.
pub fn template_owner(philosophy_name: &str, has_templates_of_type: bool) -> Option<&str> {
    has_templates_of_type.then_some(philosophy_name)
}

/// The knowledge query for passages that back a philosophy.
pub fn philosophy_knowledge_query(philosophy: &str, race: &str, level: &str) -> String {
    format!(
        "Why {philosophy} works for a {level} runner training for a {} race.",
        race_label(race)
    )
}

/// The knowledge query for taper passages.
pub fn taper_knowledge_query(race: &str, level: &str) -> String {
    format!(
        "How a {level} runner should taper before a {} race.",
        race_label(race)
    )
}

/// The display name of a philosophy: its `name` metadata, else its id.
pub fn philosophy_name<'a>(id: &'a str, name: Option<&'a str>) -> &'a str {
    name.filter(|n| !n.is_empty()).unwrap_or(id)
}

/// What the texts depend on: the philosophies (id, name) and the session types each
/// philosophy has templates for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Catalog {
    /// Philosophy ids and names, in collection order.
    pub philosophies: Vec<(String, String)>,
    /// (philosophy id, session type) pairs that have at least one template.
    pub typed: BTreeSet<(String, String)>,
}

fn json_str<'a>(
    metadata: Option<&'a serde_json::Map<String, Value>>,
    key: &str,
) -> Option<&'a str> {
    metadata?.get(key)?.as_str()
}

impl Catalog {
    /// From source items (as `prepare` holds them before embedding).
    pub fn from_sources(sources: &BTreeMap<String, Vec<SourceItem>>) -> Catalog {
        let philosophies = sources
            .get(PHILOSOPHIES)
            .into_iter()
            .flatten()
            .map(|item| {
                let name = json_str(item.metadata.as_ref(), key::NAME);
                (item.id.clone(), philosophy_name(&item.id, name).to_string())
            })
            .collect();
        let typed = sources
            .get(SESSION_TEMPLATES)
            .into_iter()
            .flatten()
            .filter_map(|item| {
                let md = item.metadata.as_ref();
                Some((
                    json_str(md, key::PHILOSOPHY_ID)?.to_string(),
                    json_str(md, key::SESSION_TYPE)?.to_string(),
                ))
            })
            .collect();
        Catalog {
            philosophies,
            typed,
        }
    }

    /// Every text the builders can produce for this catalog, sorted, without duplicates.
    pub fn texts(&self) -> Vec<String> {
        let mut texts = BTreeSet::new();
        for race in RACES {
            for level in LEVELS {
                for days in MIN_DAYS..=MAX_DAYS {
                    texts.insert(philosophy_query(race, level, days));
                }
                texts.insert(taper_knowledge_query(race, level));
            }
        }
        for (id, name) in &self.philosophies {
            for race in RACES {
                self.philosophy_texts(id, name, race, &mut texts);
            }
        }
        texts.into_iter().collect()
    }

    fn philosophy_texts(&self, id: &str, name: &str, race: &str, texts: &mut BTreeSet<String>) {
        for level in LEVELS {
            texts.insert(philosophy_knowledge_query(name, race, level));
        }
        for kind in PhaseKind::ALL {
            for days in MIN_DAYS..=MAX_DAYS {
                texts.insert(week_query(name, race, kind, days));
            }
        }
        // Selection asks for a template for every session type a chosen week can contain;
        // semantic mode may pick any week of any philosophy.
        for session_type in SessionType::ALL {
            let owned = self
                .typed
                .contains(&(id.to_string(), session_type.to_string()));
            texts.insert(template_query(
                template_owner(name, owned),
                session_type,
                race,
            ));
        }
    }
}

/// Every query text the plan selection can generate for these source items (collection name
/// to items, embeddings not needed). `prepare` embeds each into the `queries` collection.
pub fn canonical_query_texts(sources: &BTreeMap<String, Vec<SourceItem>>) -> Vec<String> {
    Catalog::from_sources(sources).texts()
}

/// The baked items as source items (no embeddings), to recompute the canonical texts of a
/// baked index (tests, `plan-index plan --list-queries`); an error if a collection fails its
/// checksum.
pub fn sources_of(index: &BakedIndex) -> Result<BTreeMap<String, Vec<SourceItem>>, FormatError> {
    index
        .collections()
        .map(|collection| {
            let collection = collection?;
            let items = collection
                .items()
                .map(|item| SourceItem {
                    id: item.id.to_string(),
                    embedding: Vec::new(),
                    text_hash: item.text_hash.map(str::to_string),
                    metadata: Some(item.metadata_json()),
                    payload: item.payload_json(),
                    text: item.text.map(str::to_string),
                })
                .collect();
            Ok((collection.name().to_string(), items))
        })
        .collect()
}
