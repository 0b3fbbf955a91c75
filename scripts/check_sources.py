#!/usr/bin/env python3
"""Validate the index sources: philosophies, week_structures, session_templates, knowledge.

Standard library only; the front matter is read by scripts/frontmatter.py, which rejects
anything YAML could read differently. Checks the schema of docs/sources.md (front-matter,
metadata and payload keys, types, vocabulary, ids unique within a collection and matching the
file layout, body word counts) and per collection:
- philosophies: >= 12; coverage of every race x level (>= 2 philosophies) and
  race x level x days 3..7 (>= 1 philosophy);
- week_structures: the week-pattern rules (running days, one long run, back_to_back only for
  ultra and only the day after the long run, hard-day limits and spacing, taper limits,
  race-week variants), the set of files each philosophy implies, days-to-race coverage;
- session_templates: >= 150, >= 4 per session type, one generic template per type that lists
  every phase, race and level;
- knowledge: `chunk: sections`, 80-200 words per section, >= 60 passages, every philosophy
  backed by a document, a taper passage for every race.

Exit status 0 with a summary (counts per session type and knowledge topic) when everything
passes; 1 with one line per problem (file: problem) on stderr otherwise.

Usage: python3 scripts/check_sources.py [--root DIR] [--sources DIR]
  --root DIR     repository root (default: the parent of this script's folder)
  --sources DIR  the sources folder to check (default: ROOT/index/sources)
"""

from __future__ import annotations

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from frontmatter import ParseError, read_doc  # noqa: E402

RACES = ["5k", "10k", "half_marathon", "marathon", "ultra"]
LEVELS = ["beginner", "intermediate", "advanced"]
PHASES = ["base", "build", "peak", "taper"]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
SESSION_TYPES = [
    "easy", "recovery", "strides", "long", "progression", "tempo", "threshold",
    "cruise_intervals", "vo2max", "hills", "race_pace", "fartlek", "back_to_back", "rest",
    "cross_training", "race",
]
HARD_TYPES = {"tempo", "threshold", "cruise_intervals", "vo2max", "hills", "race_pace",
              "fartlek", "progression", "race"}
NON_RUNNING = {"rest", "cross_training"}
INTENSITY_MODELS = ["polarized", "pyramidal", "threshold", "speed", "ultra"]
INTENSITIES = ["easy", "moderate", "hard"]
# The philosophies session templates and knowledge documents may name (and knowledge must back).
PHILOSOPHIES = ["lydiard", "daniels", "polarized_80_20", "pfitzinger", "hansons",
                "norwegian_double_threshold", "canova_marathon_specific", "threshold_heavy",
                "speed_5k", "koop_ultra", "mountain_ultra", "durability_first",
                "three_quality_runs"]
TOPICS = ["taper", "intensity_distribution", "progression", "injury_risk", "recovery", "sleep",
          "strength", "fuelling", "heat", "altitude", "masters", "beginners", "ultra", "race_day",
          "mileage", "hard_day_spacing", "long_run", "cross_training", "pacing", "speed"]
ID_RE = re.compile(r"^[a-z0-9_.-]+$")
# Days to race are checked to be covered from 0 up to this many days.
HORIZON = 210
RACE_WEEK_MAX = 7  # a taper structure whose days_to_race_max is <= this is a race week
MIN_PHILOSOPHIES = 12
PHILOSOPHY_WORDS = (150, 400)
WEEK_WORDS = (60, 150)
MIN_TEMPLATES = 150
MIN_PER_TYPE = 4
TEMPLATE_WORDS = (40, 120)
MIN_PASSAGES = 60
PASSAGE_WORDS = (80, 200)


def word_count(body: str) -> int:
    return len(re.findall(r"[A-Za-z0-9][A-Za-z0-9'/.%-]*", body))


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------

class Report:
    def __init__(self, root: str):
        self.root = root
        self.problems: list[str] = []

    def rel(self, path: str) -> str:
        return os.path.relpath(path, self.root)

    def add(self, path: str, msg: str) -> None:
        self.problems.append(f"{self.rel(path)}: {msg}")


def is_str_list(v) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) and x for x in v)


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def as_list(v) -> list:
    return v if isinstance(v, list) else []


def check_keys(rep: Report, path: str, what: str, d, required: list[str],
               optional: tuple[str, ...] = ()) -> bool:
    """Report missing and unknown keys of map `d`; True when it is a map with all `required`."""
    if not isinstance(d, dict):
        rep.add(path, f"{what} must be a map")
        return False
    missing = [k for k in required if k not in d]
    extra = [k for k in d if k not in required and k not in optional]
    if missing:
        rep.add(path, f"{what} is missing {missing}")
    if extra:
        rep.add(path, f"{what} has unknown keys {extra}")
    return not missing


def check_vocab_list(rep: Report, path: str, key: str, value, vocab) -> bool:
    """A non-empty list of distinct strings from `vocab`; True unless it is malformed or has
    values outside the vocabulary."""
    if not is_str_list(value) or not value:
        rep.add(path, f"{key} must be a non-empty list of strings")
        return False
    bad = [x for x in value if x not in vocab]
    if bad:
        rep.add(path, f"{key} has values outside the vocabulary: {bad}")
    if len(set(value)) != len(value):
        rep.add(path, f"{key} has duplicates")
    return not bad


def check_words(rep: Report, path: str, what: str, text: str, bounds: tuple[int, int]) -> None:
    n = word_count(text)
    if not bounds[0] <= n <= bounds[1]:
        rep.add(path, f"{what} has {n} words ({bounds[0]}-{bounds[1]} required)")


def collection_dir(rep: Report, sources: str, name: str) -> str | None:
    path = os.path.join(sources, name)
    if not os.path.isdir(path):
        rep.add(path, "directory missing")
        return None
    return path


def walk_md(rep: Report, base: str):
    """Yield (folder name, file name, path) of every .md file under `base`, in sorted order;
    report anything else."""
    for dirpath, _dirs, files in sorted(os.walk(base)):
        for fname in sorted(files):
            path = os.path.join(dirpath, fname)
            if not fname.endswith(".md"):
                rep.add(path, "not a .md file")
                continue
            yield os.path.basename(dirpath), fname, path


def load_doc(rep: Report, path: str, required: list[str],
             optional: tuple[str, ...] = ()) -> tuple[dict, str] | None:
    """Read a document and check its top-level keys; None (problem reported) if it cannot be
    parsed or lacks a required key."""
    try:
        fm, body = read_doc(path)
    except (ParseError, OSError, UnicodeDecodeError) as e:
        rep.add(path, f"cannot parse: {e}")
        return None
    if not check_keys(rep, path, "front matter", fm, required, optional):
        return None
    return fm, body


def check_id(rep: Report, path: str, doc_id, ids: dict[str, str]) -> bool:
    """The id matches ID_RE and is unique among `ids` (id -> path, updated)."""
    if not isinstance(doc_id, str) or not ID_RE.match(doc_id):
        rep.add(path, f"id {doc_id!r} must match [a-z0-9_.-]+")
        return False
    if doc_id in ids:
        rep.add(path, f"duplicate id {doc_id} (also {rep.rel(ids[doc_id])})")
    ids[doc_id] = path
    return True


def check_metadata_payload(rep: Report, path: str, meta, payload, meta_keys: list[str],
                           payload_keys: list[str]) -> bool:
    ok = check_keys(rep, path, "metadata", meta, meta_keys)
    return check_keys(rep, path, "payload", payload, payload_keys) and ok


# --------------------------------------------------------------------------------------------
# philosophies
# --------------------------------------------------------------------------------------------

PHIL_META = ["philosophy_id", "name", "race_types", "levels", "intensity_model",
             "max_hard_days", "min_days_per_week", "max_days_per_week"]
PHIL_PAYLOAD = ["name", "summary", "intensity_distribution", "requirements", "cautions",
                "key_sessions"]


def check_philosophies(rep: Report, pdir: str | None) -> dict[str, dict]:
    phils: dict[str, dict] = {}
    if pdir is None:
        return phils
    ids: dict[str, str] = {}
    for fname in sorted(os.listdir(pdir)):
        path = os.path.join(pdir, fname)
        if not fname.endswith(".md") or not os.path.isfile(path):
            rep.add(path, "unexpected entry (only <id>.md files belong here)")
            continue
        doc = load_doc(rep, path, ["id", "metadata", "payload"])
        if doc is None:
            continue
        fm, body = doc
        pid = fm["id"]
        if not check_id(rep, path, pid, ids):
            continue
        if fname != f"{pid}.md":
            rep.add(path, f"id {pid!r} must match the file name")
            continue
        meta, payload = fm["metadata"], fm["payload"]
        if not check_metadata_payload(rep, path, meta, payload, PHIL_META, PHIL_PAYLOAD):
            continue
        if meta["philosophy_id"] != pid:
            rep.add(path, "metadata.philosophy_id must equal id")
        if not isinstance(meta["name"], str) or not meta["name"]:
            rep.add(path, "metadata.name must be a string")
        if payload["name"] != meta["name"]:
            rep.add(path, "payload.name must equal metadata.name")
        ok = check_vocab_list(rep, path, "race_types", meta["race_types"], RACES)
        ok = check_vocab_list(rep, path, "levels", meta["levels"], LEVELS) and ok
        if meta["intensity_model"] not in INTENSITY_MODELS:
            rep.add(path, f"intensity_model must be one of {INTENSITY_MODELS}")
        mh, lo, hi = meta["max_hard_days"], meta["min_days_per_week"], meta["max_days_per_week"]
        if not is_int(mh) or not 1 <= mh <= 3:
            rep.add(path, "max_hard_days must be an integer 1-3")
            ok = False
        if not (is_int(lo) and is_int(hi) and 3 <= lo <= hi <= 7):
            rep.add(path, "min_days_per_week/max_days_per_week must be integers 3-7, min <= max")
            ok = False
        if not isinstance(payload["summary"], str) or len(payload["summary"]) < 20:
            rep.add(path, "payload.summary must be a sentence")
        dist = payload["intensity_distribution"]
        if check_keys(rep, path, "payload.intensity_distribution", dist,
                      ["easy", "moderate", "hard"]):
            if not all(is_int(dist[k]) and 0 <= dist[k] <= 100 for k in dist):
                rep.add(path, "intensity_distribution values must be integer percents")
            elif sum(dist.values()) != 100:
                rep.add(path, f"intensity_distribution sums to {sum(dist.values())}, not 100")
        for k in ("requirements", "cautions"):
            if not is_str_list(payload[k]) or not payload[k]:
                rep.add(path, f"payload.{k} must be a non-empty list of strings")
        check_vocab_list(rep, path, "payload.key_sessions", payload["key_sessions"],
                         SESSION_TYPES)
        check_words(rep, path, "body", body, PHILOSOPHY_WORDS)
        if ok:
            phils[pid] = meta
    if len(phils) < MIN_PHILOSOPHIES:
        rep.add(pdir, f"{len(phils)} valid philosophies, at least {MIN_PHILOSOPHIES} required")
    return phils


def check_coverage(rep: Report, pdir: str | None, phils: dict[str, dict]) -> None:
    if pdir is None:
        return
    for race in RACES:
        for level in LEVELS:
            fits = [p for p, m in phils.items() if race in m["race_types"] and level in m["levels"]]
            if len(fits) < 2:
                rep.add(pdir, f"{race}/{level}: only {fits} philosophies (>= 2 required)")
            for days in range(3, 8):
                if not any(phils[p]["min_days_per_week"] <= days <= phils[p]["max_days_per_week"]
                           for p in fits):
                    rep.add(pdir, f"{race}/{level}/{days} days: no philosophy covers it")


# --------------------------------------------------------------------------------------------
# week_structures
# --------------------------------------------------------------------------------------------

WS_META = ["philosophy_id", "race_types", "phase", "days_per_week", "hard_days", "long_run_day",
           "days_to_race_min", "days_to_race_max", "levels"]
WS_PAYLOAD = ["pattern", "hard_days", "long_run_day", "focus", "volume_note"]


def adjacent(i: int, j: int) -> bool:
    """Days i and j (0 = mon) are neighbours; sun and the next mon count as neighbours."""
    return (i - j) % 7 in (1, 6)


def check_pattern(rep: Report, path: str, race: str, phase: str, days: int, race_week: bool,
                  pattern: dict, max_hard: int) -> tuple[int, str | None]:
    """Check one weekly pattern; return (hard day count, long run day)."""
    seq = [pattern.get(d) for d in DAYS]
    bad = [t for t in seq if t not in SESSION_TYPES]
    if bad:
        rep.add(path, f"pattern has unknown session types {bad}")
        return -1, None
    running = [i for i, t in enumerate(seq) if t not in NON_RUNNING]
    if len(running) != days:
        rep.add(path, f"pattern has {len(running)} running days, days_per_week is {days}")
    longs = [i for i, t in enumerate(seq) if t == "long"]
    races = [i for i, t in enumerate(seq) if t == "race"]
    b2b = [i for i, t in enumerate(seq) if t == "back_to_back"]
    if race_week:
        if longs or races != [6]:
            rep.add(path, "a race-week structure has `race` on sun and no `long`")
        anchor = 6
    else:
        if races:
            rep.add(path, "`race` only belongs in a race-week taper structure")
        if len(longs) != 1:
            rep.add(path, f"pattern needs exactly one `long`, has {len(longs)}")
            return -1, None
        anchor = longs[0]
    anchors = [anchor]
    if b2b:
        if race != "ultra":
            rep.add(path, "`back_to_back` is only for ultra structures")
        if len(b2b) > 1 or race_week or b2b[0] != (anchor + 1) % 7:
            rep.add(path, "`back_to_back` must be a single day right after the long run")
        anchors += b2b
    hard = [i for i, t in enumerate(seq) if t in HARD_TYPES and t != "race"]
    hard_count = len(hard) + len(races)
    for i in hard:
        for j in [h for h in hard if h > i] + anchors:
            if adjacent(i, j):
                rep.add(path, f"hard day {DAYS[i]} ({seq[i]}) is next to {DAYS[j]} ({seq[j]})")
    if hard_count > max_hard:
        rep.add(path, f"{hard_count} hard days, philosophy allows {max_hard}")
    if phase == "taper" and hard_count > 1:
        rep.add(path, f"taper week has {hard_count} hard days (at most 1)")
    return hard_count, DAYS[anchor]


def check_week_structures(rep: Report, wdir: str | None, phils: dict[str, dict]) -> int:
    """Check the week structures; return how many files there are."""
    if wdir is None:
        return 0
    expected: dict[str, tuple] = {}
    for pid, m in phils.items():
        for race in m["race_types"]:
            for days in range(m["min_days_per_week"], m["max_days_per_week"] + 1):
                for phase in PHASES + ["taper_race_week"]:
                    rel = os.path.join(pid, race, f"{phase}-d{days}.md")
                    expected[rel] = (pid, race, phase, days)
    found = set()
    count = 0
    ranges: dict[tuple, list] = {}
    for dirpath, _dirs, files in sorted(os.walk(wdir)):
        for fname in sorted(files):
            count += 1
            path = os.path.join(dirpath, fname)
            rel = os.path.relpath(path, wdir)
            if rel not in expected:
                rep.add(path, "unexpected file (no philosophy/race/phase/days implies it)")
                continue
            found.add(rel)
            pid, race, fphase, days = expected[rel]
            race_week = fphase == "taper_race_week"
            phase = "taper" if race_week else fphase
            doc = load_doc(rep, path, ["id", "metadata", "payload"])
            if doc is None:
                continue
            fm, body = doc
            want_id = f"{pid}__{race}__{fphase}__d{days}"
            if fm["id"] != want_id:
                rep.add(path, f"id is {fm['id']!r}, expected {want_id!r}")
            meta, payload = fm["metadata"], fm["payload"]
            if not check_metadata_payload(rep, path, meta, payload, WS_META, WS_PAYLOAD):
                continue
            pm = phils[pid]
            if meta["philosophy_id"] != pid:
                rep.add(path, "philosophy_id does not match the folder")
            if meta["race_types"] != [race]:
                rep.add(path, f"race_types must be [{race}]")
            if meta["phase"] != phase:
                rep.add(path, f"phase must be {phase}")
            if meta["days_per_week"] != days:
                rep.add(path, f"days_per_week must be {days}")
            if meta["levels"] != pm["levels"]:
                rep.add(path, "levels must equal the philosophy's levels")
            lo, hi = meta["days_to_race_min"], meta["days_to_race_max"]
            if not (is_int(lo) and is_int(hi) and 0 <= lo <= hi):
                rep.add(path, "days_to_race_min/max must be integers, 0 <= min <= max")
                continue
            if phase == "taper" and race_week != (hi <= RACE_WEEK_MAX):
                rep.add(path, "taper structures with days_to_race_max <= 7 are the race-week "
                              "variants (race on sun), and only those")
            ranges.setdefault((pid, race, days), []).append((lo, hi, fphase, path))
            pattern = payload["pattern"]
            if not check_keys(rep, path, "payload.pattern", pattern, DAYS):
                continue
            hard, long_day = check_pattern(rep, path, race, phase, days, race_week, pattern,
                                           pm["max_hard_days"])
            if hard >= 0:
                if meta["hard_days"] != hard or payload["hard_days"] != hard:
                    rep.add(path, f"hard_days must be {hard} (the pattern's hard sessions)")
                if meta["long_run_day"] != long_day or payload["long_run_day"] != long_day:
                    rep.add(path, f"long_run_day must be {long_day}")
            for k in ("focus", "volume_note"):
                if not isinstance(payload[k], str) or len(payload[k]) < 10:
                    rep.add(path, f"payload.{k} must be a sentence")
            check_words(rep, path, "body", body, WEEK_WORDS)
    for rel in sorted(set(expected) - found):
        rep.add(os.path.join(wdir, rel), "missing week structure")
    # Phases of one philosophy/race/days: ordered taper nearest the race, contiguous, 0..HORIZON.
    order = ["taper_race_week", "taper", "peak", "build", "base"]
    for key, items in sorted(ranges.items()):
        items.sort(key=lambda x: (x[0], x[1]))
        if [x[2] for x in items] != order:
            rep.add(items[0][3], f"{key}: phases by distance to race are "
                                 f"{[x[2] for x in items]}, expected {order}")
        nxt = 0
        for lo, hi, _ph, path in items:
            if lo != nxt:
                rep.add(path, f"days_to_race starts at {lo}, expected {nxt} (gap or overlap)")
            nxt = hi + 1
        if nxt <= HORIZON:
            rep.add(items[-1][3], f"days_to_race coverage ends at {nxt - 1} (< {HORIZON})")
    return count


# --------------------------------------------------------------------------------------------
# session_templates
# --------------------------------------------------------------------------------------------

TEMPLATE_META = ["session_type", "phases", "race_types", "levels", "intensity"]
TEMPLATE_PAYLOAD = ["name", "structure", "intensity", "constraints"]
TEMPLATE_PAYLOAD_OPTIONAL = ("duration_min", "distance_km", "reps")


def check_templates(rep: Report, tdir: str | None) -> tuple[dict[str, list[int]], int]:
    """Check the session templates; return ({type: [generic, specific]}, number of files)."""
    per_type = {t: [0, 0] for t in SESSION_TYPES}
    if tdir is None:
        return per_type, 0
    ids: dict[str, str] = {}
    generic_full = {t: False for t in SESSION_TYPES}
    count = 0
    for folder, fname, path in walk_md(rep, tdir):
        count += 1
        doc = load_doc(rep, path, ["id", "metadata", "payload"])
        if doc is None:
            continue
        fm, body = doc
        tid = fm["id"]
        if not check_id(rep, path, tid, ids):
            continue
        if fname != tid + ".md":
            rep.add(path, f"file name does not match id {tid}")
        md, pl = fm["metadata"], fm["payload"]
        if not isinstance(md, dict) or not isinstance(pl, dict):
            rep.add(path, "metadata and payload must be maps")
            continue
        # Unknown keys are reported; missing ones are reported by the checks below.
        check_keys(rep, path, "metadata", md, [], TEMPLATE_META + ["philosophy_id"])
        check_keys(rep, path, "payload", pl, [], TEMPLATE_PAYLOAD + list(TEMPLATE_PAYLOAD_OPTIONAL))
        st = md.get("session_type")
        if st not in SESSION_TYPES:
            rep.add(path, f"unknown session_type {st!r}")
            continue
        if folder != st:
            rep.add(path, f"folder {folder} != session_type {st}")
        phil = md.get("philosophy_id")
        if phil is not None and phil not in PHILOSOPHIES:
            rep.add(path, f"unknown philosophy_id {phil!r}")
        parts = tid.split("__")
        if len(parts) != 3 or parts[0] != (phil or "generic") or parts[1] != st or not parts[2]:
            rep.add(path, f"id must be <{phil or 'generic'}>__{st}__<short_name>, got {tid}")
        lists = {}
        for key, vocab in (("phases", PHASES), ("race_types", RACES), ("levels", LEVELS)):
            check_vocab_list(rep, path, key, md.get(key), vocab)
            lists[key] = set(as_list(md.get(key)))
        if md.get("intensity") not in INTENSITIES:
            rep.add(path, f"metadata intensity must be one of {INTENSITIES}")
        if not isinstance(pl.get("name"), str) or not pl.get("name"):
            rep.add(path, "payload.name missing")
        has_d, has_k = "duration_min" in pl, "distance_km" in pl
        if has_d == has_k:
            rep.add(path, "payload needs exactly one of duration_min or distance_km")
        if has_d and (not is_int(pl["duration_min"]) or pl["duration_min"] < 0):
            rep.add(path, "duration_min must be a non-negative integer")
        if has_k and (not isinstance(pl["distance_km"], (int, float))
                      or isinstance(pl["distance_km"], bool) or pl["distance_km"] <= 0):
            rep.add(path, "distance_km must be a positive number")
        if "reps" in pl and (not is_int(pl["reps"]) or pl["reps"] < 1):
            rep.add(path, "reps must be a positive integer")
        for k in ("structure", "intensity"):
            if not isinstance(pl.get(k), str) or not pl.get(k):
                rep.add(path, f"payload.{k} must be a non-empty string")
        cons = pl.get("constraints")
        if not isinstance(cons, list) or not all(isinstance(c, str) and c for c in cons):
            rep.add(path, "payload.constraints must be a list of strings")
        check_words(rep, path, "body", body, TEMPLATE_WORDS)
        if not body.lstrip().startswith("# "):
            rep.add(path, "body should start with a '# ' title")
        per_type[st][0 if phil is None else 1] += 1
        if phil is None and lists == {"phases": set(PHASES), "race_types": set(RACES),
                                      "levels": set(LEVELS)}:
            generic_full[st] = True
    if count < MIN_TEMPLATES:
        rep.add(tdir, f"only {count} templates, want >= {MIN_TEMPLATES}")
    for st in SESSION_TYPES:
        g, s = per_type[st]
        if g + s < MIN_PER_TYPE:
            rep.add(os.path.join(tdir, st), f"only {g + s} templates for {st}, "
                                            f"want >= {MIN_PER_TYPE}")
        if not generic_full[st]:
            rep.add(os.path.join(tdir, st),
                    f"no generic {st} template covering every phase, race and level")
    return per_type, count


# --------------------------------------------------------------------------------------------
# knowledge
# --------------------------------------------------------------------------------------------

KNOWLEDGE_META = ("topic", "race_types", "audience", "philosophy_id")


def check_knowledge(rep: Report, kdir: str | None) -> tuple[dict[str, int], int, int]:
    """Check the knowledge documents; return ({topic: passages}, passages, documents)."""
    per_topic: dict[str, int] = {}
    if kdir is None:
        return per_topic, 0, 0
    ids: dict[str, str] = {}
    passages = 0
    phil_backed = set()
    taper_races = set()
    for folder, _fname, path in walk_md(rep, kdir):
        doc = load_doc(rep, path, ["id", "metadata"], ("chunk", "payload"))
        if doc is None:
            continue
        fm, body = doc
        if not check_id(rep, path, fm["id"], ids):
            continue
        if fm.get("chunk") != "sections":
            rep.add(path, "knowledge documents need chunk: sections")
        md = fm["metadata"]
        if not isinstance(md, dict):
            rep.add(path, "metadata must be a map")
            continue
        check_keys(rep, path, "metadata", md, [], KNOWLEDGE_META)
        topic = md.get("topic")
        if topic not in TOPICS:
            rep.add(path, f"unknown topic {topic!r}")
        elif folder != topic:
            rep.add(path, f"folder {folder} != topic {topic}")
        check_vocab_list(rep, path, "race_types", md.get("race_types"), RACES)
        check_vocab_list(rep, path, "audience", md.get("audience"), LEVELS)
        phil = md.get("philosophy_id")
        if phil is not None:
            if phil not in PHILOSOPHIES:
                rep.add(path, f"unknown philosophy_id {phil!r}")
            phil_backed.add(phil)
        if topic == "taper":
            taper_races.update(as_list(md.get("race_types")))
        lines = body.strip("\n").split("\n")
        if not lines or not lines[0].startswith("# "):
            rep.add(path, "body must start with a '# ' title")
        sections = re.split(r"^## ", body, flags=re.M)
        if len(sections) < 2:
            rep.add(path, "no '## ' sections")
            continue
        slugs = set()
        for sec in sections[1:]:
            head, _, text = sec.partition("\n")
            slug = re.sub(r"[^a-z0-9]+", "-", head.lower()).strip("-")
            if slug in slugs:
                rep.add(path, f"duplicate section heading {head!r}")
            slugs.add(slug)
            check_words(rep, path, f"section {head!r}", text, PASSAGE_WORDS)
            passages += 1
            per_topic[topic] = per_topic.get(topic, 0) + 1
    if passages < MIN_PASSAGES:
        rep.add(kdir, f"only {passages} passages, want >= {MIN_PASSAGES}")
    for p in PHILOSOPHIES:
        if p not in phil_backed:
            rep.add(kdir, f"no knowledge document backs philosophy {p}")
    for r in RACES:
        if r not in taper_races:
            rep.add(kdir, f"no taper passage for race {r}")
    return per_topic, passages, len(ids)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   ".."))
    ap.add_argument("--sources", help="sources folder (default: ROOT/index/sources)")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    sources = os.path.abspath(args.sources or os.path.join(root, "index", "sources"))
    # Problems name files relative to the repository root, or to the folder holding `sources`.
    inside = os.path.commonpath([root, sources]) == root
    rep = Report(root if inside else os.path.dirname(sources))
    pdir = collection_dir(rep, sources, "philosophies")
    phils = check_philosophies(rep, pdir)
    check_coverage(rep, pdir, phils)
    n_weeks = check_week_structures(rep, collection_dir(rep, sources, "week_structures"), phils)
    per_type, n_templates = check_templates(rep, collection_dir(rep, sources,
                                                                 "session_templates"))
    per_topic, passages, docs = check_knowledge(rep, collection_dir(rep, sources, "knowledge"))
    if rep.problems:
        for p in rep.problems:
            print(p, file=sys.stderr)
        print(f"check_sources: {len(rep.problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"philosophies: {len(phils)}")
    print(f"week_structures: {n_weeks}")
    print(f"session_templates: {n_templates}")
    for st in SESSION_TYPES:
        g, s = per_type[st]
        print(f"  {st:16} generic {g:2}  philosophy {s:2}")
    print(f"knowledge: {docs} documents, {passages} passages")
    for tp in sorted(per_topic):
        print(f"  {tp:22} {per_topic[tp]}")
    print(f"check_sources: ok ({len(phils)} philosophies, {n_weeks} week structures, "
          f"{n_templates} session templates, {passages} knowledge passages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
