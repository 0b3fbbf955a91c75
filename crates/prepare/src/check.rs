//! `plan-index check-sources`: everything docs/sources.md asks of `index/sources/` beyond what
//! `prepare` needs to read it, each problem named with its file.
//!
//! - the schema: front-matter keys, metadata and payload keys and types, the vocabulary of
//!   `plan_index_plan::vocab`, ids unique and matching the file layout, body word counts;
//! - philosophies: how many, and that every race x level has two and every race x level x
//!   days per week one;
//! - week structures: the week rules of `plan_index_plan::rules` (the same checker the plan
//!   audit runs), the set of files the philosophies imply, the phase windows of
//!   `plan_index_plan::vocab::Race`, days to race covered without gap up to the horizon;
//! - session templates: counts per session type, a generic template per type covering every
//!   phase, race and level;
//! - knowledge: `chunk: sections`, words per section, how many passages, a document backing
//!   every philosophy, a taper passage for every race.
//!
//! Documents are read by [`crate::source`], the reader `prepare` uses, so what passes here is
//! what gets baked.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::PrepareError;
use crate::source::{self, Document};
use plan_index_plan::export::{STRUCTURE_ID, STRUCTURE_PATH, structure_name};
use plan_index_plan::queries::{KNOWLEDGE, PHILOSOPHIES, SESSION_TEMPLATES, WEEK_STRUCTURES};
use plan_index_plan::rules::{
    RACE_WEEK_MAX_DAYS, WeekRules, hard_day_count, long_run_day, pattern_of,
    structure_rule_problems,
};
use plan_index_plan::schema::key;
use plan_index_plan::schema::{
    KNOWLEDGE_META, PHILOSOPHY_META, PHILOSOPHY_PAYLOAD, TEMPLATE_META, TEMPLATE_PAYLOAD,
    WEEK_META, WEEK_PAYLOAD,
};
use plan_index_plan::vocab::{
    DAYS, HORIZON_DAYS, INTENSITIES, INTENSITY_MODELS, LEVELS, MAX_DAYS, MIN_DAYS, PHASES, Phase,
    PhaseKind, RACES, Race, SESSION_TYPES, SessionType, TOPICS, Window,
};

/// The counts and word bounds docs/sources.md sets for the sources.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Bounds {
    /// Words in a philosophy's body.
    pub philosophy_words: [usize; 2],
    /// Words in a week structure's body.
    pub week_words: [usize; 2],
    /// Words in a session template's body.
    pub template_words: [usize; 2],
    /// Words in a knowledge section.
    pub passage_words: [usize; 2],
    /// Philosophies at least.
    pub min_philosophies: usize,
    /// Philosophies per race x level at least.
    pub min_philosophies_per_race_level: usize,
    /// A philosophy's `max_hard_days`.
    pub philosophy_hard_days: [i64; 2],
    /// Session templates at least.
    pub min_templates: usize,
    /// Session templates per session type at least.
    pub min_templates_per_type: usize,
    /// Knowledge passages at least.
    pub min_passages: usize,
    /// Characters of a philosophy's `summary` at least.
    pub min_summary_chars: usize,
    /// Characters of a week structure's `focus` and `volume_note` at least.
    pub min_note_chars: usize,
}

/// The bounds of docs/sources.md.
pub const BOUNDS: Bounds = Bounds {
    philosophy_words: [150, 400],
    week_words: [60, 150],
    template_words: [40, 120],
    passage_words: [80, 200],
    min_philosophies: 12,
    min_philosophies_per_race_level: 2,
    philosophy_hard_days: [1, 3],
    min_templates: 150,
    min_templates_per_type: 4,
    min_passages: 60,
    min_summary_chars: 20,
    min_note_chars: 10,
};

/// The id prefix of a session template that belongs to no philosophy.
pub const GENERIC: &str = "generic";

/// One problem: the file (or folder) and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file or folder, as reached from the `sources` folder given.
    pub file: PathBuf,
    /// What is wrong.
    pub problem: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.problem)
    }
}

/// Templates of one session type.
#[derive(Clone, Debug, Serialize)]
pub struct TypeCount {
    /// The session type.
    pub session_type: &'static str,
    /// Templates of no philosophy.
    pub generic: usize,
    /// Templates of a philosophy.
    pub philosophy: usize,
}

/// What the sources hold.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Valid philosophies.
    pub philosophies: usize,
    /// Week structure files.
    pub week_structures: usize,
    /// Session template documents.
    pub session_templates: usize,
    /// Templates per session type, in vocabulary order.
    pub session_types: Vec<TypeCount>,
    /// Knowledge documents.
    pub knowledge_documents: usize,
    /// Knowledge passages (sections).
    pub knowledge_passages: usize,
    /// Passages per topic.
    pub topics: BTreeMap<String, usize>,
}

/// The outcome of [`check_sources`].
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Every problem, in the order found; empty when the sources pass.
    pub problems: Vec<Problem>,
    /// What was read.
    pub summary: Summary,
}

impl Report {
    /// Whether the sources passed.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// One closing line: `check-sources: ok (...)` or `check-sources: N problem(s)`.
    pub fn summary_line(&self) -> String {
        let s = &self.summary;
        if self.ok() {
            format!(
                "check-sources: ok ({} philosophies, {} week structures, {} session templates, \
                 {} knowledge passages)",
                s.philosophies, s.week_structures, s.session_templates, s.knowledge_passages
            )
        } else {
            format!("check-sources: {} problem(s)", self.problems.len())
        }
    }
}

/// Words as docs/sources.md counts them: runs that start with an ASCII letter or digit and go
/// on over letters, digits and `'/.%-`.
pub fn word_count(text: &str) -> usize {
    let mut words = 0;
    let mut in_word = false;
    for c in text.chars() {
        if in_word && (c.is_ascii_alphanumeric() || "'/.%-".contains(c)) {
            continue;
        }
        in_word = c.is_ascii_alphanumeric();
        words += usize::from(in_word);
    }
    words
}

/// Checks the sources folder (`index/sources`); never fails, every problem is in the report.
pub fn check_sources(sources: &Path) -> Report {
    let mut c = Checker::default();
    let pdir = c.collection_dir(sources, PHILOSOPHIES);
    let phils = pdir
        .as_deref()
        .map(|d| c.philosophies(d))
        .unwrap_or_default();
    if let Some(d) = &pdir {
        c.coverage(d, &phils);
    }
    let mut summary = Summary {
        philosophies: phils.valid.len(),
        ..Summary::default()
    };
    if let Some(d) = c.collection_dir(sources, WEEK_STRUCTURES) {
        summary.week_structures = c.week_structures(&d, &phils);
    }
    let templates = c.collection_dir(sources, SESSION_TEMPLATES);
    (summary.session_types, summary.session_templates) = c.templates(templates.as_deref(), &phils);
    if let Some(d) = c.collection_dir(sources, KNOWLEDGE) {
        let k = c.knowledge(&d, &phils);
        summary.knowledge_documents = k.documents;
        summary.knowledge_passages = k.passages;
        summary.topics = k.topics;
    }
    Report {
        problems: c.problems,
        summary,
    }
}

/// A philosophy as the other collections need it.
#[derive(Clone, Debug)]
struct Philosophy {
    races: Vec<String>,
    levels: Vec<String>,
    max_hard_days: i64,
    min_days: i64,
    max_days: i64,
}

#[derive(Debug, Default)]
struct Philosophies {
    /// Valid philosophies by id.
    valid: BTreeMap<String, Philosophy>,
    /// Every philosophy id found (valid or not): what templates and knowledge may name.
    ids: BTreeSet<String>,
}

#[derive(Debug, Default)]
struct KnowledgeCounts {
    documents: usize,
    passages: usize,
    topics: BTreeMap<String, usize>,
}

#[derive(Debug, Default)]
struct Checker {
    problems: Vec<Problem>,
}

fn int(value: Option<&Value>) -> Option<i64> {
    value?.as_i64()
}

fn text(value: Option<&Value>) -> Option<&str> {
    value?.as_str()
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn is_string_list(value: Option<&Value>) -> bool {
    value
        .and_then(Value::as_array)
        .is_some_and(|l| l.iter().all(|v| v.as_str().is_some_and(|s| !s.is_empty())))
}

/// The path of `file` below `dir`, with `/` separators.
fn relative(dir: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(dir).unwrap_or(file);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

fn folder_name(file: &Path) -> &str {
    file.parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap_or_default()
}

fn file_name(file: &Path) -> &str {
    file.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
}

impl Checker {
    fn add(&mut self, file: &Path, problem: impl Into<String>) {
        self.problems.push(Problem {
            file: file.to_path_buf(),
            problem: problem.into(),
        });
    }

    fn collection_dir(&mut self, sources: &Path, name: &str) -> Option<PathBuf> {
        let dir = sources.join(name);
        if dir.is_dir() {
            Some(dir)
        } else {
            self.add(&dir, "directory missing");
            None
        }
    }

    /// Every file under `dir`; `.md` files only when `markdown_only`, the others reported.
    fn files(&mut self, dir: &Path, markdown_only: bool) -> Vec<PathBuf> {
        let mut files = match source::files_under(dir) {
            Ok(files) => files,
            Err(e) => {
                self.add(dir, format!("cannot list: {e}"));
                return Vec::new();
            }
        };
        if markdown_only {
            files.retain(|f| {
                let md = source::is_markdown(f);
                if !md {
                    self.add(f, "not a .md file");
                }
                md
            });
        }
        files
    }

    /// Missing and unknown keys of `map`; true when every `required` key is there.
    fn keys(
        &mut self,
        file: &Path,
        what: &str,
        map: &Map<String, Value>,
        required: &[&str],
        optional: &[&str],
    ) -> bool {
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|k| !map.contains_key(*k))
            .collect();
        let unknown: Vec<&str> = map
            .keys()
            .map(String::as_str)
            .filter(|k| !required.contains(k) && !optional.contains(k))
            .collect();
        if !missing.is_empty() {
            self.add(file, format!("{what} is missing {missing:?}"));
        }
        if !unknown.is_empty() {
            self.add(file, format!("{what} has unknown keys {unknown:?}"));
        }
        missing.is_empty()
    }

    /// `value` as a map with exactly `keys`, or None (reported).
    fn map_with<'v>(
        &mut self,
        file: &Path,
        what: &str,
        value: Option<&'v Value>,
        keys: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let Some(map) = value.and_then(Value::as_object) else {
            self.add(file, format!("{what} must be a map"));
            return None;
        };
        self.keys(file, what, map, keys, &[]).then_some(map)
    }

    /// A non-empty list of distinct strings of `vocab`; false when malformed or outside it.
    fn vocab_list(
        &mut self,
        file: &Path,
        key: &str,
        value: Option<&Value>,
        vocab: &[&str],
    ) -> bool {
        let list = strings(value);
        if !is_string_list(value) || list.is_empty() {
            self.add(file, format!("{key} must be a non-empty list of strings"));
            return false;
        }
        let bad: Vec<&str> = list
            .iter()
            .map(String::as_str)
            .filter(|v| !vocab.contains(v))
            .collect();
        if !bad.is_empty() {
            self.add(
                file,
                format!("{key} has values outside the vocabulary: {bad:?}"),
            );
        }
        if list.iter().collect::<BTreeSet<_>>().len() != list.len() {
            self.add(file, format!("{key} has duplicates"));
        }
        bad.is_empty()
    }

    fn words(&mut self, file: &Path, what: &str, text: &str, [lo, hi]: [usize; 2]) {
        let n = word_count(text);
        if !(lo..=hi).contains(&n) {
            self.add(file, format!("{what} has {n} words ({lo}-{hi} required)"));
        }
    }

    /// Reads a document and checks its front-matter keys; None (reported) when it cannot be
    /// read, lacks a required key or has an invalid id. What `prepare` would refuse is
    /// reported too.
    fn load(&mut self, file: &Path, required: &[&str], optional: &[&str]) -> Option<Document> {
        let doc = match source::parse_document(file) {
            Ok(doc) => doc,
            Err(PrepareError::Source { message, .. }) => {
                self.add(file, format!("cannot parse: {message}"));
                return None;
            }
            Err(e) => {
                self.add(file, format!("cannot read: {e}"));
                return None;
            }
        };
        let present = [
            ("id", doc.id.is_some()),
            ("metadata", doc.metadata.is_some()),
            ("payload", doc.payload.is_some()),
            ("chunk", doc.chunk.is_some()),
        ];
        let keys: Map<String, Value> = present
            .iter()
            .filter(|(_, here)| *here)
            .map(|(k, _)| (k.to_string(), Value::Null))
            .collect();
        if !self.keys(file, "front matter", &keys, required, optional) {
            return None;
        }
        let id = doc.id.as_deref().unwrap_or_default();
        if !source::valid_id(id) {
            self.add(file, format!("id {id:?} must match [a-z0-9_.-]+"));
            return None;
        }
        if let Err(e) = doc.clone().into_items() {
            self.add(file, format!("prepare refuses it: {e}"));
        }
        Some(doc)
    }

    /// Records `id` as seen in `file`; reports a duplicate.
    fn unique(&mut self, file: &Path, id: &str, ids: &mut BTreeMap<String, PathBuf>) {
        if let Some(first) = ids.get(id) {
            let first = first.display().to_string();
            self.add(file, format!("duplicate id {id} (also {first})"));
        } else {
            ids.insert(id.to_string(), file.to_path_buf());
        }
    }

    fn philosophies(&mut self, dir: &Path) -> Philosophies {
        let mut out = Philosophies::default();
        let mut ids = BTreeMap::new();
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => {
                self.add(dir, format!("cannot list: {e}"));
                return out;
            }
        };
        entries.sort();
        for file in entries {
            if !source::is_markdown(&file) || !file.is_file() {
                self.add(&file, "unexpected entry (only <id>.md files belong here)");
                continue;
            }
            let Some(doc) = self.load(&file, &["id", "metadata", "payload"], &[]) else {
                continue;
            };
            let id = doc.id.clone().unwrap_or_default();
            self.unique(&file, &id, &mut ids);
            out.ids.insert(id.clone());
            if file_name(&file) != format!("{id}.md") {
                self.add(&file, format!("id {id:?} must match the file name"));
                continue;
            }
            if let Some(p) = self.philosophy(&file, &id, &doc) {
                out.valid.insert(id, p);
            }
        }
        let n = out.valid.len();
        let min = BOUNDS.min_philosophies;
        if n < min {
            self.add(
                dir,
                format!("{n} valid philosophies, at least {min} required"),
            );
        }
        out
    }

    fn philosophy(&mut self, file: &Path, id: &str, doc: &Document) -> Option<Philosophy> {
        let meta = doc.metadata.clone().unwrap_or_default();
        let payload = doc.payload.as_ref();
        let meta_ok = self.keys(file, "metadata", &meta, &PHILOSOPHY_META, &[]);
        let payload = self.map_with(file, "payload", payload, &PHILOSOPHY_PAYLOAD);
        let (true, Some(payload)) = (meta_ok, payload) else {
            return None;
        };
        if text(meta.get(key::PHILOSOPHY_ID)) != Some(id) {
            self.add(file, "metadata.philosophy_id must equal id");
        }
        if text(meta.get(key::NAME)).is_none_or(str::is_empty) {
            self.add(file, "metadata.name must be a string");
        }
        if payload.get("name") != meta.get(key::NAME) {
            self.add(file, "payload.name must equal metadata.name");
        }
        let mut ok = self.vocab_list(file, key::RACE_TYPES, meta.get(key::RACE_TYPES), &RACES);
        ok &= self.vocab_list(file, key::LEVELS, meta.get(key::LEVELS), &LEVELS);
        if !text(meta.get(key::INTENSITY_MODEL)).is_some_and(|m| INTENSITY_MODELS.contains(&m)) {
            self.add(
                file,
                format!("intensity_model must be one of {INTENSITY_MODELS:?}"),
            );
        }
        let [hard_lo, hard_hi] = BOUNDS.philosophy_hard_days;
        let max_hard =
            int(meta.get(key::MAX_HARD_DAYS)).filter(|h| (hard_lo..=hard_hi).contains(h));
        if max_hard.is_none() {
            self.add(
                file,
                format!("max_hard_days must be an integer {hard_lo}-{hard_hi}"),
            );
        }
        let days = (
            int(meta.get(key::MIN_DAYS_PER_WEEK)),
            int(meta.get(key::MAX_DAYS_PER_WEEK)),
        );
        let days = match days {
            (Some(lo), Some(hi)) if MIN_DAYS <= lo && lo <= hi && hi <= MAX_DAYS => Some((lo, hi)),
            _ => {
                self.add(
                    file,
                    format!(
                        "min_days_per_week/max_days_per_week must be integers \
                         {MIN_DAYS}-{MAX_DAYS}, min <= max"
                    ),
                );
                None
            }
        };
        if text(payload.get("summary")).is_none_or(|s| s.chars().count() < BOUNDS.min_summary_chars)
        {
            self.add(file, "payload.summary must be a sentence");
        }
        let easy_moderate_hard = ["easy", "moderate", "hard"];
        let what = "payload.intensity_distribution";
        if let Some(dist) = self.map_with(
            file,
            what,
            payload.get("intensity_distribution"),
            &easy_moderate_hard,
        ) {
            let percents: Vec<Option<i64>> = dist
                .values()
                .map(|v| v.as_i64().filter(|p| (0..=100).contains(p)))
                .collect();
            if percents.iter().any(Option::is_none) {
                self.add(
                    file,
                    "intensity_distribution values must be integer percents",
                );
            } else {
                let sum: i64 = percents.into_iter().flatten().sum();
                if sum != 100 {
                    self.add(
                        file,
                        format!("intensity_distribution sums to {sum}, not 100"),
                    );
                }
            }
        }
        for key in ["requirements", "cautions"] {
            if !is_string_list(payload.get(key)) || strings(payload.get(key)).is_empty() {
                self.add(
                    file,
                    format!("payload.{key} must be a non-empty list of strings"),
                );
            }
        }
        let key_sessions = payload.get("key_sessions");
        self.vocab_list(file, "payload.key_sessions", key_sessions, &SESSION_TYPES);
        self.words(file, "body", &doc.body, BOUNDS.philosophy_words);
        let (true, Some(max_hard_days), Some((min_days, max_days))) = (ok, max_hard, days) else {
            return None;
        };
        Some(Philosophy {
            races: strings(meta.get(key::RACE_TYPES)),
            levels: strings(meta.get(key::LEVELS)),
            max_hard_days,
            min_days,
            max_days,
        })
    }

    fn coverage(&mut self, dir: &Path, phils: &Philosophies) {
        for race in RACES {
            for level in LEVELS {
                let fits: Vec<(&String, &Philosophy)> = phils
                    .valid
                    .iter()
                    .filter(|(_, p)| {
                        p.races.iter().any(|r| r == race) && p.levels.iter().any(|l| l == level)
                    })
                    .collect();
                if fits.len() < BOUNDS.min_philosophies_per_race_level {
                    let ids: Vec<&String> = fits.iter().map(|(id, _)| *id).collect();
                    self.add(
                        dir,
                        format!(
                            "{race}/{level}: only {ids:?} philosophies (>= {} required)",
                            BOUNDS.min_philosophies_per_race_level
                        ),
                    );
                }
                for days in MIN_DAYS..=MAX_DAYS {
                    if !fits
                        .iter()
                        .any(|(_, p)| (p.min_days..=p.max_days).contains(&days))
                    {
                        self.add(
                            dir,
                            format!("{race}/{level}/{days} days: no philosophy covers it"),
                        );
                    }
                }
            }
        }
    }

    /// Checks the week structures; returns how many files there are.
    fn week_structures(&mut self, dir: &Path, phils: &Philosophies) -> usize {
        let mut expected: BTreeMap<String, (&str, &str, PhaseKind, i64)> = BTreeMap::new();
        for (id, p) in &phils.valid {
            for race in &p.races {
                for days in p.min_days..=p.max_days {
                    for kind in PhaseKind::ALL {
                        let rel = structure_name(STRUCTURE_PATH, id, race, kind, days);
                        expected.insert(rel, (id, race, kind, days));
                    }
                }
            }
        }
        let files = self.files(dir, false);
        let mut found = BTreeSet::new();
        let mut ranges: Ranges<'_> = BTreeMap::new();
        for file in &files {
            let rel = relative(dir, file);
            let Some(&(id, race, kind, days)) = expected.get(&rel) else {
                self.add(
                    file,
                    "unexpected file (no philosophy/race/phase/days implies it)",
                );
                continue;
            };
            found.insert(rel);
            let Some(phil) = phils.valid.get(id) else {
                continue;
            };
            let spec = Expected {
                philosophy: id,
                race,
                kind,
                days,
                phil,
            };
            if let Some(range) = self.week_structure(file, &spec) {
                ranges.entry((id, race, days)).or_default().push((
                    range.0,
                    range.1,
                    kind,
                    file.clone(),
                ));
            }
        }
        for rel in expected.keys().filter(|rel| !found.contains(*rel)) {
            self.add(&dir.join(rel), "missing week structure");
        }
        self.days_to_race_coverage(ranges);
        files.len()
    }

    /// Checks one week structure; returns its days-to-race range when it can be read.
    fn week_structure(&mut self, file: &Path, spec: &Expected<'_>) -> Option<(i64, i64)> {
        let doc = self.load(file, &["id", "metadata", "payload"], &[])?;
        let want_id = structure_name(
            STRUCTURE_ID,
            spec.philosophy,
            spec.race,
            spec.kind,
            spec.days,
        );
        let id = doc.id.as_deref().unwrap_or_default();
        if id != want_id {
            self.add(file, format!("id is {id:?}, expected {want_id:?}"));
        }
        let meta = doc.metadata.clone().unwrap_or_default();
        let meta_ok = self.keys(file, "metadata", &meta, &WEEK_META, &[]);
        let payload = self.map_with(file, "payload", doc.payload.as_ref(), &WEEK_PAYLOAD);
        let (true, Some(payload)) = (meta_ok, payload) else {
            return None;
        };
        let phase = spec.kind.phase();
        if text(meta.get(key::PHILOSOPHY_ID)) != Some(spec.philosophy) {
            self.add(file, "philosophy_id does not match the folder");
        }
        if strings(meta.get(key::RACE_TYPES)) != [spec.race]
            || !is_string_list(meta.get(key::RACE_TYPES))
        {
            self.add(file, format!("race_types must be [{}]", spec.race));
        }
        if text(meta.get(key::PHASE)) != Some(phase.as_str()) {
            self.add(file, format!("phase must be {phase}"));
        }
        if int(meta.get(key::DAYS_PER_WEEK)) != Some(spec.days) {
            self.add(file, format!("days_per_week must be {}", spec.days));
        }
        if strings(meta.get(key::LEVELS)) != spec.phil.levels {
            self.add(file, "levels must equal the philosophy's levels");
        }
        let (Some(lo), Some(hi)) = (
            int(meta.get(key::DAYS_TO_RACE_MIN)),
            int(meta.get(key::DAYS_TO_RACE_MAX)),
        ) else {
            self.add(
                file,
                "days_to_race_min/max must be integers, 0 <= min <= max",
            );
            return None;
        };
        if !(0 <= lo && lo <= hi) {
            self.add(
                file,
                "days_to_race_min/max must be integers, 0 <= min <= max",
            );
            return None;
        }
        let race_week = spec.kind == PhaseKind::RaceWeek;
        if phase == Phase::Taper && race_week != (hi <= RACE_WEEK_MAX_DAYS) {
            self.add(
                file,
                format!(
                    "taper structures with days_to_race_max <= {RACE_WEEK_MAX_DAYS} are the \
                     race-week variants, and only those"
                ),
            );
        }
        self.week_pattern(file, spec, &meta, payload, (lo, hi));
        for key in ["focus", "volume_note"] {
            if text(payload.get(key)).is_none_or(|s| s.chars().count() < BOUNDS.min_note_chars) {
                self.add(file, format!("payload.{key} must be a sentence"));
            }
        }
        self.words(file, "body", &doc.body, BOUNDS.week_words);
        Some((lo, hi))
    }

    /// The pattern against the week rules, and what the metadata says about it.
    fn week_pattern(
        &mut self,
        file: &Path,
        spec: &Expected<'_>,
        meta: &Map<String, Value>,
        payload: &Map<String, Value>,
        (lo, hi): (i64, i64),
    ) {
        if self
            .map_with(file, "payload.pattern", payload.get("pattern"), &DAYS)
            .is_none()
        {
            return;
        }
        let payload_value = Value::Object(payload.clone());
        let pattern = match pattern_of(Some(&payload_value)) {
            Ok(pattern) => pattern,
            Err(e) => return self.add(file, e),
        };
        let race = match Race::parse(spec.race) {
            Ok(race) => race,
            Err(e) => return self.add(file, e.to_string()),
        };
        let rules = WeekRules::of_structure(
            race,
            spec.kind.phase(),
            spec.days,
            hi,
            spec.phil.max_hard_days,
        );
        let window = Window { min: lo, max: hi };
        for problem in structure_rule_problems(&rules, &pattern, window) {
            self.add(file, problem);
        }
        let hard = hard_day_count(&pattern);
        if int(meta.get(key::HARD_DAYS)) != Some(hard)
            || int(payload.get(key::HARD_DAYS)) != Some(hard)
        {
            self.add(
                file,
                format!("hard_days must be {hard} (the pattern's hard sessions)"),
            );
        }
        if let Some(day) = long_run_day(&pattern, rules.race_week) {
            let said = [meta.get(key::LONG_RUN_DAY), payload.get(key::LONG_RUN_DAY)];
            if said.iter().any(|v| text(*v) != Some(day)) {
                self.add(file, format!("long_run_day must be {day}"));
            }
        }
    }

    /// The phases of one philosophy, race and days per week: nearest the race first, each
    /// starting the day after the previous one ends, up to the horizon.
    fn days_to_race_coverage(&mut self, ranges: Ranges<'_>) {
        let order: Vec<&str> = PhaseKind::ALL.iter().rev().map(|k| k.stem()).collect();
        for ((id, race, days), mut items) in ranges {
            items.sort_by_key(|(lo, hi, _, _)| (*lo, *hi));
            let stems: Vec<&str> = items.iter().map(|(_, _, k, _)| k.stem()).collect();
            if stems != order {
                self.add(
                    &items[0].3,
                    format!(
                        "({id}, {race}, {days}): phases by distance to race are {stems:?}, \
                         expected {order:?}"
                    ),
                );
            }
            let mut next = 0;
            for (lo, hi, _, file) in &items {
                if *lo != next {
                    self.add(
                        file,
                        format!("days_to_race starts at {lo}, expected {next} (gap or overlap)"),
                    );
                }
                next = hi + 1;
            }
            if next <= HORIZON_DAYS {
                self.add(
                    &items[items.len() - 1].3,
                    format!(
                        "days_to_race coverage ends at {} (< {HORIZON_DAYS})",
                        next - 1
                    ),
                );
            }
        }
    }

    /// Checks the session templates; returns the counts per type and the number of files.
    fn templates(&mut self, dir: Option<&Path>, phils: &Philosophies) -> (Vec<TypeCount>, usize) {
        let mut counts: Vec<TypeCount> = SESSION_TYPES
            .iter()
            .map(|&session_type| TypeCount {
                session_type,
                generic: 0,
                philosophy: 0,
            })
            .collect();
        let Some(dir) = dir else {
            return (counts, 0);
        };
        let mut generic_full = BTreeSet::new();
        let mut ids = BTreeMap::new();
        let files = self.files(dir, true);
        for file in &files {
            let Some((session_type, generic, full)) = self.template(file, phils, &mut ids) else {
                continue;
            };
            if let Some(count) = counts.iter_mut().find(|c| c.session_type == session_type) {
                if generic {
                    count.generic += 1;
                } else {
                    count.philosophy += 1;
                }
            }
            if full {
                generic_full.insert(session_type);
            }
        }
        if files.len() < BOUNDS.min_templates {
            self.add(
                dir,
                format!(
                    "only {} templates, want >= {}",
                    files.len(),
                    BOUNDS.min_templates
                ),
            );
        }
        for c in &counts {
            let (st, n) = (c.session_type, c.generic + c.philosophy);
            if n < BOUNDS.min_templates_per_type {
                let min = BOUNDS.min_templates_per_type;
                self.add(
                    &dir.join(st),
                    format!("only {n} templates for {st}, want >= {min}"),
                );
            }
            if !generic_full.contains(st) {
                self.add(
                    &dir.join(st),
                    format!("no generic {st} template covering every phase, race and level"),
                );
            }
        }
        (counts, files.len())
    }

    /// Checks one template; returns (session type, generic, generic covering everything).
    fn template(
        &mut self,
        file: &Path,
        phils: &Philosophies,
        ids: &mut BTreeMap<String, PathBuf>,
    ) -> Option<(&'static str, bool, bool)> {
        let doc = self.load(file, &["id", "metadata", "payload"], &[])?;
        let id = doc.id.clone().unwrap_or_default();
        self.unique(file, &id, ids);
        if file_name(file) != format!("{id}.md") {
            self.add(file, format!("file name does not match id {id}"));
        }
        let (Some(md), Some(pl)) = (
            doc.metadata.as_ref(),
            doc.payload.as_ref().and_then(Value::as_object),
        ) else {
            self.add(file, "metadata and payload must be maps");
            return None;
        };
        // Unknown keys are reported; missing ones by the checks below.
        self.keys(file, "metadata", md, &[], &TEMPLATE_META);
        self.keys(file, "payload", pl, &[], &TEMPLATE_PAYLOAD);
        let Some(st) = text(md.get(key::SESSION_TYPE))
            .and_then(SessionType::parse)
            .map(SessionType::as_str)
        else {
            self.add(
                file,
                format!("unknown session_type {:?}", md.get(key::SESSION_TYPE)),
            );
            return None;
        };
        let folder = folder_name(file);
        if folder != st {
            self.add(file, format!("folder {folder} != session_type {st}"));
        }
        let phil = md.get(key::PHILOSOPHY_ID);
        let phil_id = text(phil);
        if phil.is_some() && !phil_id.is_some_and(|p| phils.ids.contains(p)) {
            self.add(file, format!("unknown philosophy_id {:?}", phil));
        }
        let owner = phil_id.unwrap_or(GENERIC);
        let parts: Vec<&str> = id.split("__").collect();
        if !matches!(parts[..], [o, t, name] if o == owner && t == st && !name.is_empty()) {
            self.add(
                file,
                format!("id must be <{owner}>__{st}__<short_name>, got {id}"),
            );
        }
        let mut covers_all = true;
        for (key, vocab) in [
            (key::PHASES, &PHASES[..]),
            (key::RACE_TYPES, &RACES[..]),
            (key::LEVELS, &LEVELS[..]),
        ] {
            self.vocab_list(file, key, md.get(key), vocab);
            let listed: BTreeSet<String> = strings(md.get(key)).into_iter().collect();
            covers_all &= vocab.iter().all(|v| listed.contains(*v)) && listed.len() == vocab.len();
        }
        if !text(md.get(key::INTENSITY)).is_some_and(|i| INTENSITIES.contains(&i)) {
            self.add(
                file,
                format!("metadata intensity must be one of {INTENSITIES:?}"),
            );
        }
        self.template_payload(file, pl);
        self.words(file, "body", &doc.body, BOUNDS.template_words);
        if !doc.body.starts_with("# ") {
            self.add(file, "body should start with a '# ' title");
        }
        let generic = phil.is_none();
        Some((st, generic, generic && covers_all))
    }

    fn template_payload(&mut self, file: &Path, pl: &Map<String, Value>) {
        if text(pl.get("name")).is_none_or(str::is_empty) {
            self.add(file, "payload.name missing");
        }
        let (duration, distance) = (pl.get("duration_min"), pl.get("distance_km"));
        if duration.is_some() == distance.is_some() {
            self.add(
                file,
                "payload needs exactly one of duration_min or distance_km",
            );
        }
        if duration.is_some() && int(duration).is_none_or(|d| d < 0) {
            self.add(file, "duration_min must be a non-negative integer");
        }
        if distance.is_some() && !distance.and_then(Value::as_f64).is_some_and(|d| d > 0.0) {
            self.add(file, "distance_km must be a positive number");
        }
        if pl.get("reps").is_some() && int(pl.get("reps")).is_none_or(|r| r < 1) {
            self.add(file, "reps must be a positive integer");
        }
        for key in ["structure", "intensity"] {
            if text(pl.get(key)).is_none_or(str::is_empty) {
                self.add(file, format!("payload.{key} must be a non-empty string"));
            }
        }
        if !is_string_list(pl.get("constraints")) {
            self.add(file, "payload.constraints must be a list of strings");
        }
    }

    fn knowledge(&mut self, dir: &Path, phils: &Philosophies) -> KnowledgeCounts {
        let mut counts = KnowledgeCounts::default();
        let mut ids = BTreeMap::new();
        let mut backed = BTreeSet::new();
        let mut taper_races = BTreeSet::new();
        for file in self.files(dir, true) {
            let Some(doc) = self.load(&file, &["id", "metadata"], &["chunk", "payload"]) else {
                continue;
            };
            let id = doc.id.clone().unwrap_or_default();
            self.unique(&file, &id, &mut ids);
            if doc.chunk.as_deref() != Some("sections") {
                self.add(&file, "knowledge documents need chunk: sections");
            }
            let Some(md) = doc.metadata.as_ref() else {
                continue;
            };
            self.keys(&file, "metadata", md, &[], &KNOWLEDGE_META);
            let topic = text(md.get(key::TOPIC)).unwrap_or_default().to_string();
            let folder = folder_name(&file);
            if !TOPICS.contains(&topic.as_str()) {
                self.add(&file, format!("unknown topic {:?}", md.get(key::TOPIC)));
            } else if folder != topic {
                self.add(&file, format!("folder {folder} != topic {topic}"));
            }
            self.vocab_list(&file, key::RACE_TYPES, md.get(key::RACE_TYPES), &RACES);
            self.vocab_list(&file, key::AUDIENCE, md.get(key::AUDIENCE), &LEVELS);
            if let Some(phil) = md.get(key::PHILOSOPHY_ID) {
                match phil.as_str().filter(|p| phils.ids.contains(*p)) {
                    Some(p) => {
                        backed.insert(p.to_string());
                    }
                    None => self.add(&file, format!("unknown philosophy_id {phil}")),
                }
            }
            if topic == "taper" {
                taper_races.extend(strings(md.get(key::RACE_TYPES)));
            }
            if !doc.body.starts_with("# ") {
                self.add(&file, "body must start with a '# ' title");
            }
            let sections = source::split_sections(&doc.body).sections;
            if sections.is_empty() {
                self.add(&file, "no '## ' sections");
                continue;
            }
            for (heading, body) in &sections {
                let what = format!("section {heading:?}");
                self.words(&file, &what, body, BOUNDS.passage_words);
            }
            counts.passages += sections.len();
            *counts.topics.entry(topic).or_default() += sections.len();
        }
        counts.documents = ids.len();
        if counts.passages < BOUNDS.min_passages {
            self.add(
                dir,
                format!(
                    "only {} passages, want >= {}",
                    counts.passages, BOUNDS.min_passages
                ),
            );
        }
        for p in phils.ids.iter().filter(|p| !backed.contains(*p)) {
            self.add(dir, format!("no knowledge document backs philosophy {p}"));
        }
        for race in RACES.iter().filter(|r| !taper_races.contains(**r)) {
            self.add(dir, format!("no taper passage for race {race}"));
        }
        counts
    }
}

/// The days-to-race ranges of each (philosophy, race, days per week): (min, max, kind, file).
type Ranges<'a> = BTreeMap<(&'a str, &'a str, i64), Vec<(i64, i64, PhaseKind, PathBuf)>>;

/// What a week structure's path says it is.
struct Expected<'a> {
    philosophy: &'a str,
    race: &'a str,
    kind: PhaseKind,
    days: i64,
    phil: &'a Philosophy,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_counted_like_docs_sources_md_says() {
        assert_eq!(
            word_count("Easy 5 x 1 km at T-pace, 80/20 split; 10% done."),
            11
        );
        assert_eq!(word_count("-- don't stop ... éa"), 3);
        assert_eq!(word_count(""), 0);
    }
}
