#!/usr/bin/env python3
"""Validate index/sources/philosophies and index/sources/week_structures.

Standard library only. Checks the schema of docs/sources.md (metadata and payload keys, types,
vocabulary), the week-pattern rules (running days, one long run, back_to_back only for ultra and
only the day after the long run, hard-day limits and spacing, taper limits, race-week variants),
the set of week-structure files each philosophy implies, days-to-race coverage, and coverage of
every race x level (>= 2 philosophies) and race x level x days 3..7 (>= 1 philosophy).

Exit status 0 when everything passes; 1 with one line per problem (file: problem) otherwise.

Usage: python3 scripts/check_sources.py [--root DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import sys

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
ID_RE = re.compile(r"^[a-z0-9_.-]+$")
# Days to race are checked to be covered from 0 up to this many days.
HORIZON = 210
RACE_WEEK_MAX = 7  # a taper structure whose days_to_race_max is <= this is a race week


# --------------------------------------------------------------------------------------------
# A small parser for the YAML subset we write: `key: scalar`, `key: [inline, list]`,
# `key:` followed by a nested map indented by 2 more spaces. Scalars may be double-quoted.
# --------------------------------------------------------------------------------------------

class ParseError(Exception):
    pass


def _split_inline_list(text: str) -> list[str]:
    items, cur, quoted, i = [], "", False, 0
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == "\\" and i + 1 < len(text):
                cur += ch + text[i + 1]
                i += 2
                continue
            if ch == '"':
                quoted = False
            cur += ch
        elif ch == '"':
            quoted = True
            cur += ch
        elif ch == ",":
            items.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    if quoted:
        raise ParseError(f"unterminated quote in list: [{text}]")
    if cur.strip():
        items.append(cur.strip())
    elif items:
        raise ParseError(f"empty item in list: [{text}]")
    return items


def parse_scalar(text: str):
    text = text.strip()
    if text.startswith('"'):
        if len(text) < 2 or not text.endswith('"'):
            raise ParseError(f"bad quoted string: {text}")
        inner = text[1:-1]
        out, i = "", 0
        while i < len(inner):
            if inner[i] == "\\":
                if i + 1 >= len(inner):
                    raise ParseError(f"bad escape: {text}")
                out += {"n": "\n", "t": "\t"}.get(inner[i + 1], inner[i + 1])
                i += 2
            elif inner[i] == '"':
                raise ParseError(f"unescaped quote inside string: {text}")
            else:
                out += inner[i]
                i += 1
        return out
    if text.startswith("["):
        if not text.endswith("]"):
            raise ParseError(f"bad inline list: {text}")
        return [parse_scalar(x) for x in _split_inline_list(text[1:-1])]
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    if re.fullmatch(r"-?[0-9]+\.[0-9]+", text):
        return float(text)
    if text == "" or text[0] in "'{&*!|>%@`#" or ": " in text or " #" in text:
        raise ParseError(f"plain scalar that YAML would misread: {text!r}")
    return text


def parse_yaml(lines: list[str]) -> dict:
    root: dict = {}
    stack = [(-1, root)]  # (indent, mapping)
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        if "\t" in raw:
            raise ParseError(f"line {n}: tab character")
        indent = len(raw) - len(raw.lstrip(" "))
        if indent % 2:
            raise ParseError(f"line {n}: indent is not a multiple of 2")
        line = raw.strip()
        m = re.fullmatch(r"([A-Za-z0-9_]+):(?: (.*))?", line)
        if not m:
            raise ParseError(f"line {n}: expected `key: value`: {line!r}")
        key, value = m.group(1), m.group(2)
        while stack and indent <= stack[-1][0]:
            stack.pop()
        if not stack:
            raise ParseError(f"line {n}: bad indentation")
        parent_indent, parent = stack[-1]
        if indent != parent_indent + 2 and not (parent is root and indent == 0):
            raise ParseError(f"line {n}: unexpected indentation")
        if key in parent:
            raise ParseError(f"line {n}: duplicate key {key}")
        if value is None or value.strip() == "":
            child: dict = {}
            parent[key] = child
            stack.append((indent, child))
        else:
            parent[key] = parse_scalar(value)
    return root


def read_doc(path: str) -> tuple[dict, str]:
    """Return (front matter dict, body text) of a source document."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    if not lines or lines[0] != "---":
        raise ParseError("file does not start with a `---` line")
    try:
        end = lines.index("---", 1)
    except ValueError:
        raise ParseError("front matter is not closed by a `---` line") from None
    return parse_yaml(lines[1:end]), "\n".join(lines[end + 1:])


def word_count(body: str) -> int:
    return len(re.findall(r"[A-Za-z0-9][A-Za-z0-9'/.%-]*", body))


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------

class Report:
    def __init__(self, root: str):
        self.root = root
        self.problems: list[str] = []

    def add(self, path: str, msg: str) -> None:
        self.problems.append(f"{os.path.relpath(path, self.root)}: {msg}")


def is_str_list(v) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) and x for x in v)


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_keys(rep: Report, path: str, what: str, d, required: list[str]) -> bool:
    if not isinstance(d, dict):
        rep.add(path, f"{what} must be a map")
        return False
    missing = [k for k in required if k not in d]
    extra = [k for k in d if k not in required]
    if missing:
        rep.add(path, f"{what} is missing {missing}")
    if extra:
        rep.add(path, f"{what} has unknown keys {extra}")
    return not missing


def check_vocab_list(rep, path, key, value, vocab, allow_empty=False) -> bool:
    if not is_str_list(value) or (not value and not allow_empty):
        rep.add(path, f"{key} must be a non-empty list of strings")
        return False
    bad = [x for x in value if x not in vocab]
    if bad:
        rep.add(path, f"{key} has values outside the vocabulary: {bad}")
    if len(set(value)) != len(value):
        rep.add(path, f"{key} has duplicates")
    return not bad


PHIL_META = ["philosophy_id", "name", "race_types", "levels", "intensity_model",
             "max_hard_days", "min_days_per_week", "max_days_per_week"]
PHIL_PAYLOAD = ["name", "summary", "intensity_distribution", "requirements", "cautions",
                "key_sessions"]


def check_philosophies(rep: Report, pdir: str) -> dict[str, dict]:
    phils: dict[str, dict] = {}
    if not os.path.isdir(pdir):
        rep.add(pdir, "directory missing")
        return phils
    files = sorted(f for f in os.listdir(pdir))
    for fname in files:
        path = os.path.join(pdir, fname)
        if not fname.endswith(".md") or not os.path.isfile(path):
            rep.add(path, "unexpected entry (only <id>.md files belong here)")
            continue
        try:
            fm, body = read_doc(path)
        except (ParseError, OSError, UnicodeDecodeError) as e:
            rep.add(path, f"cannot parse: {e}")
            continue
        if not check_keys(rep, path, "front matter", fm, ["id", "metadata", "payload"]):
            continue
        pid = fm["id"]
        if not isinstance(pid, str) or not ID_RE.match(pid) or fname != f"{pid}.md":
            rep.add(path, f"id {pid!r} must match [a-z0-9_.-]+ and the file name")
            continue
        meta, payload = fm["metadata"], fm["payload"]
        ok = check_keys(rep, path, "metadata", meta, PHIL_META)
        ok = check_keys(rep, path, "payload", payload, PHIL_PAYLOAD) and ok
        if not ok:
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
        words = word_count(body)
        if not 150 <= words <= 400:
            rep.add(path, f"body has {words} words (150-400 required)")
        if ok:
            phils[pid] = meta
    if len(phils) < 12:
        rep.add(pdir, f"{len(phils)} valid philosophies, at least 12 required")
    return phils


def check_coverage(rep: Report, pdir: str, phils: dict[str, dict]) -> None:
    for race in RACES:
        for level in LEVELS:
            fits = [p for p, m in phils.items() if race in m["race_types"] and level in m["levels"]]
            if len(fits) < 2:
                rep.add(pdir, f"{race}/{level}: only {fits} philosophies (>= 2 required)")
            for days in range(3, 8):
                if not any(phils[p]["min_days_per_week"] <= days <= phils[p]["max_days_per_week"]
                           for p in fits):
                    rep.add(pdir, f"{race}/{level}/{days} days: no philosophy covers it")


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


def check_week_structures(rep: Report, wdir: str, phils: dict[str, dict]) -> None:
    if not os.path.isdir(wdir):
        rep.add(wdir, "directory missing")
        return
    expected: dict[str, tuple] = {}
    for pid, m in phils.items():
        for race in m["race_types"]:
            for days in range(m["min_days_per_week"], m["max_days_per_week"] + 1):
                for phase in PHASES + ["taper_race_week"]:
                    rel = os.path.join(pid, race, f"{phase}-d{days}.md")
                    expected[rel] = (pid, race, phase, days)
    found = set()
    ranges: dict[tuple, list] = {}
    for dirpath, _dirs, files in os.walk(wdir):
        for fname in files:
            path = os.path.join(dirpath, fname)
            rel = os.path.relpath(path, wdir)
            if rel not in expected:
                rep.add(path, "unexpected file (no philosophy/race/phase/days implies it)")
                continue
            found.add(rel)
            pid, race, fphase, days = expected[rel]
            race_week = fphase == "taper_race_week"
            phase = "taper" if race_week else fphase
            try:
                fm, body = read_doc(path)
            except (ParseError, OSError, UnicodeDecodeError) as e:
                rep.add(path, f"cannot parse: {e}")
                continue
            if not check_keys(rep, path, "front matter", fm, ["id", "metadata", "payload"]):
                continue
            want_id = f"{pid}__{race}__{fphase}__d{days}"
            if fm["id"] != want_id:
                rep.add(path, f"id is {fm['id']!r}, expected {want_id!r}")
            meta, payload = fm["metadata"], fm["payload"]
            ok = check_keys(rep, path, "metadata", meta, WS_META)
            ok = check_keys(rep, path, "payload", payload, WS_PAYLOAD) and ok
            if not ok:
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
            words = word_count(body)
            if not 60 <= words <= 150:
                rep.add(path, f"body has {words} words (60-150 required)")
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   ".."))
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    rep = Report(root)
    pdir = os.path.join(root, "index", "sources", "philosophies")
    wdir = os.path.join(root, "index", "sources", "week_structures")
    phils = check_philosophies(rep, pdir)
    check_coverage(rep, pdir, phils)
    check_week_structures(rep, wdir, phils)
    if rep.problems:
        for p in rep.problems:
            print(p, file=sys.stderr)
        print(f"check_sources: {len(rep.problems)} problem(s)", file=sys.stderr)
        return 1
    n = sum(len(files) for _, _, files in os.walk(wdir))
    print(f"check_sources: ok ({len(phils)} philosophies, {n} week structures)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
