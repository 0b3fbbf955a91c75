//! Typed views of the plan collections' metadata, decoded once per process.
//!
//! Selection ranks by similarity, then picks under constraints on an item's races, levels,
//! phase, days per week and days to race. Reading those through string keys (`race_types`,
//! ...) for every candidate of every plan decoded and compared the same strings again and
//! again. Here an item's fields are decoded into a typed struct ([`Philosophy`],
//! [`Structure`], [`Template`]) the first time a plan looks at the item, and kept for the
//! life of the process: the index is `'static` and never changes. Decoding is per item and on
//! first use, so the first plan of a process pays only for the items it looks at (a few dozen
//! of the ~1,000), not for the whole collections.
//!
//! [`of`] finds the catalog of an index by the address of its `'static` blob, so every
//! `BakedIndex` opened over the same blob shares one catalog, and a catalog can never outlive
//! or be confused with another blob (a `'static` blob is never freed, so its address is never
//! reused).

use std::marker::PhantomData;
use std::sync::{Mutex, OnceLock, PoisonError};

use plan_index_core::{BakedIndex, Collection, MetaRef};

use crate::schema::key;
use crate::vocab::{Level, Phase, Race, SessionType};

/// A vocabulary enum with a fixed order (the position of a value in its `ALL`).
pub(crate) trait Vocab: Copy + Sized + 'static {
    /// Every value, in vocabulary order.
    const ALL: &'static [Self];
    /// The value's name in metadata.
    fn name(self) -> &'static str;
}

macro_rules! vocab {
    ($($t:ty),*) => {$(
        impl Vocab for $t {
            const ALL: &'static [Self] = &<$t>::ALL;
            fn name(self) -> &'static str {
                self.as_str()
            }
        }
    )*};
}

vocab!(Race, Level, Phase, SessionType);

/// A set of vocabulary values (a bit per position in `T::ALL`). Values outside the vocabulary
/// are not in any set, as the string comparisons they replace never matched them either.
pub(crate) struct Set<T> {
    bits: u32,
    of: PhantomData<T>,
}

impl<T> Clone for Set<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Set<T> {}

impl<T> Default for Set<T> {
    fn default() -> Self {
        Set {
            bits: 0,
            of: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Set<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Set({:#b})", self.bits)
    }
}

impl<T: Vocab + PartialEq> Set<T> {
    fn position(value: T) -> u32 {
        T::ALL.iter().position(|v| *v == value).unwrap_or_default() as u32
    }

    /// The set holding the named values of `names` that are in the vocabulary.
    pub(crate) fn parse<'s>(names: impl IntoIterator<Item = &'s str>) -> Set<T> {
        let mut set = Set::default();
        for name in names {
            if let Some(i) = T::ALL.iter().position(|v| v.name() == name) {
                set.bits |= 1 << i;
            }
        }
        set
    }

    /// Adds `value`.
    pub(crate) fn insert(&mut self, value: T) {
        self.bits |= 1 << Self::position(value);
    }

    /// Whether `value` is in the set.
    pub(crate) fn contains(self, value: T) -> bool {
        self.bits & (1 << Self::position(value)) != 0
    }

    /// The smallest distance in vocabulary order from `value` to a member (None when empty).
    pub(crate) fn nearest(self, value: T) -> Option<i64> {
        let want = i64::from(Self::position(value));
        (0..T::ALL.len() as i64)
            .filter(|i| self.bits & (1 << i) != 0)
            .map(|i| (i - want).abs())
            .min()
    }
}

/// Whose an item is: generic (no `philosophy_id`), a philosophy of the index (its row), or a
/// philosophy the index does not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owner {
    /// No `philosophy_id`.
    Generic,
    /// The philosophy at this row of the philosophies collection.
    Philosophy(usize),
    /// A `philosophy_id` no philosophy of the index has.
    Unknown,
}

/// What selection reads of a philosophy.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Philosophy {
    /// `race_types`.
    pub(crate) races: Set<Race>,
    /// `levels`.
    pub(crate) levels: Set<Level>,
    /// `min_days_per_week`.
    pub(crate) min_days: Option<i64>,
    /// `max_days_per_week`.
    pub(crate) max_days: Option<i64>,
    /// `max_hard_days`.
    pub(crate) max_hard_days: Option<i64>,
}

/// What selection reads of a week structure (its philosophy and race are search filters).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Structure {
    /// `phase`.
    pub(crate) phase: Option<Phase>,
    /// `days_per_week`.
    pub(crate) days_per_week: Option<i64>,
    /// `days_to_race_min`.
    pub(crate) days_to_race_min: Option<i64>,
    /// `days_to_race_max`.
    pub(crate) days_to_race_max: Option<i64>,
    /// `levels`.
    pub(crate) levels: Set<Level>,
}

/// What selection reads of a session template.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Template {
    /// `philosophy_id`.
    pub(crate) owner: Owner,
    /// `session_type`.
    pub(crate) session_type: Option<SessionType>,
    /// `race_types`.
    pub(crate) races: Set<Race>,
    /// `phases`.
    pub(crate) phases: Set<Phase>,
    /// `levels`.
    pub(crate) levels: Set<Level>,
}

fn int(value: MetaRef<'_>) -> Option<i64> {
    value.as_int()
}

fn set<T: Vocab + PartialEq>(value: MetaRef<'_>) -> Set<T> {
    match value {
        MetaRef::List(names) => Set::parse(names.iter()),
        _ => Set::default(),
    }
}

impl Philosophy {
    fn decode(coll: &Collection<'_>, row: usize) -> Philosophy {
        let mut view = Philosophy::default();
        for (name, value) in coll.metadata(row).iter() {
            match name {
                key::RACE_TYPES => view.races = set(value),
                key::LEVELS => view.levels = set(value),
                key::MIN_DAYS_PER_WEEK => view.min_days = int(value),
                key::MAX_DAYS_PER_WEEK => view.max_days = int(value),
                key::MAX_HARD_DAYS => view.max_hard_days = int(value),
                _ => {}
            }
        }
        view
    }
}

impl Structure {
    fn decode(coll: &Collection<'_>, row: usize) -> Structure {
        let mut view = Structure::default();
        for (name, value) in coll.metadata(row).iter() {
            match name {
                key::PHASE => view.phase = value.as_str().and_then(Phase::parse),
                key::DAYS_PER_WEEK => view.days_per_week = int(value),
                key::DAYS_TO_RACE_MIN => view.days_to_race_min = int(value),
                key::DAYS_TO_RACE_MAX => view.days_to_race_max = int(value),
                key::LEVELS => view.levels = set(value),
                _ => {}
            }
        }
        view
    }
}

impl Template {
    fn decode(coll: &Collection<'_>, row: usize, philosophies: &Collection<'_>) -> Template {
        let mut view = Template {
            owner: Owner::Generic,
            session_type: None,
            races: Set::default(),
            phases: Set::default(),
            levels: Set::default(),
        };
        for (name, value) in coll.metadata(row).iter() {
            match name {
                key::PHILOSOPHY_ID => {
                    view.owner = value
                        .as_str()
                        .and_then(|id| philosophies.position(id))
                        .map_or(Owner::Unknown, Owner::Philosophy);
                }
                key::SESSION_TYPE => {
                    view.session_type = value.as_str().and_then(SessionType::parse);
                }
                key::RACE_TYPES => view.races = set(value),
                key::PHASES => view.phases = set(value),
                key::LEVELS => view.levels = set(value),
                _ => {}
            }
        }
        view
    }
}

/// One lazily decoded view per row.
struct Views<T> {
    slots: Box<[OnceLock<T>]>,
}

impl<T> Views<T> {
    fn new(len: usize) -> Views<T> {
        Views {
            slots: (0..len).map(|_| OnceLock::new()).collect(),
        }
    }

    fn get(&self, row: usize, decode: impl FnOnce() -> T) -> Option<&T> {
        Some(self.slots.get(row)?.get_or_init(decode))
    }
}

/// The typed views of one index's plan collections.
pub(crate) struct Catalog {
    philosophies: Views<Philosophy>,
    structures: Views<Structure>,
    templates: Views<Template>,
    /// Per philosophy row: the session types it has templates of.
    own_types: Views<Set<SessionType>>,
}

/// The collections a catalog decodes from (the plan's `Engine` holds them).
pub(crate) struct Sources<'c, 'a> {
    /// `philosophies`.
    pub(crate) philosophies: &'c Collection<'a>,
    /// `week_structures`.
    pub(crate) structures: &'c Collection<'a>,
    /// `session_templates`.
    pub(crate) templates: &'c Collection<'a>,
}

impl Catalog {
    fn new(sources: &Sources<'_, '_>) -> Catalog {
        Catalog {
            philosophies: Views::new(sources.philosophies.len()),
            structures: Views::new(sources.structures.len()),
            templates: Views::new(sources.templates.len()),
            own_types: Views::new(sources.philosophies.len()),
        }
    }

    /// Philosophy `row` (defaults when out of range).
    pub(crate) fn philosophy(&self, s: &Sources<'_, '_>, row: usize) -> Philosophy {
        self.philosophies
            .get(row, || Philosophy::decode(s.philosophies, row))
            .copied()
            .unwrap_or_default()
    }

    /// Week structure `row` (defaults when out of range).
    pub(crate) fn structure(&self, s: &Sources<'_, '_>, row: usize) -> Structure {
        self.structures
            .get(row, || Structure::decode(s.structures, row))
            .copied()
            .unwrap_or_default()
    }

    /// Session template `row` (of no philosophy and type when out of range).
    pub(crate) fn template(&self, s: &Sources<'_, '_>, row: usize) -> Template {
        self.templates
            .get(row, || Template::decode(s.templates, row, s.philosophies))
            .copied()
            .unwrap_or(Template {
                owner: Owner::Unknown,
                session_type: None,
                races: Set::default(),
                phases: Set::default(),
                levels: Set::default(),
            })
    }

    /// The session types philosophy `row` has templates of (its own, not generic ones).
    pub(crate) fn own_types(&self, s: &Sources<'_, '_>, row: usize) -> Set<SessionType> {
        let decode = || {
            let mut types = Set::default();
            let id = s.philosophies.item(row).id;
            // The baked posting list narrows the templates to those naming the philosophy.
            let rows = s.templates.postings().candidates(key::PHILOSOPHY_ID, id);
            for t in rows {
                let template = self.template(s, t as usize);
                if let (Owner::Philosophy(owner), Some(st)) =
                    (template.owner, template.session_type)
                    && owner == row
                {
                    types.insert(st);
                }
            }
            types
        };
        self.own_types.get(row, decode).copied().unwrap_or_default()
    }
}

/// Catalogs by blob address and length.
static CATALOGS: Mutex<Vec<(usize, usize, &'static Catalog)>> = Mutex::new(Vec::new());

/// The catalog of `index`, made (empty: views decode on first use) by the first plan over
/// its blob in this process.
pub(crate) fn of(index: &BakedIndex, sources: &Sources<'_, '_>) -> &'static Catalog {
    let blob = index.blob();
    let at = (blob.as_ptr() as usize, blob.len());
    let mut catalogs = CATALOGS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, _, catalog)) = catalogs.iter().find(|(p, n, _)| (*p, *n) == at) {
        return catalog;
    }
    let catalog: &'static Catalog = Box::leak(Box::new(Catalog::new(sources)));
    catalogs.push((at.0, at.1, catalog));
    catalog
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_hold_vocabulary_values_and_measure_order() {
        let levels: Set<Level> = Set::parse(["advanced", "expert", "beginner"]);
        assert!(levels.contains(Level::Beginner) && levels.contains(Level::Advanced));
        assert!(!levels.contains(Level::Intermediate));
        assert_eq!(levels.nearest(Level::Intermediate), Some(1));
        let phases: Set<Phase> = Set::parse(["taper"]);
        assert_eq!(phases.nearest(Phase::Base), Some(3));
        assert_eq!(Set::<Race>::parse(["mile"]).nearest(Race::FiveK), None);
    }
}
