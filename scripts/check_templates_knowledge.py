#!/usr/bin/env python3
"""Validate index/sources/session_templates and index/sources/knowledge (stdlib only).

Checks front-matter schema, vocabulary, word counts, unique ids, the
>= 4 templates per session type rule, generic coverage (one generic template per
type that lists every phase, race and level), and the knowledge passage count.
Exits non-zero and names the file and problem for every failure.

Usage: python3 scripts/check_templates_knowledge.py [repo_root]
"""
import json
import os
import re
import sys

RACES = ["5k", "10k", "half_marathon", "marathon", "ultra"]
LEVELS = ["beginner", "intermediate", "advanced"]
PHASES = ["base", "build", "peak", "taper"]
SESSION_TYPES = ["easy", "recovery", "strides", "long", "progression", "tempo", "threshold",
                 "cruise_intervals", "vo2max", "hills", "race_pace", "fartlek", "back_to_back",
                 "rest", "cross_training", "race"]
INTENSITIES = ["easy", "moderate", "hard"]
PHILOSOPHIES = ["lydiard", "daniels", "polarized_80_20", "pfitzinger", "hansons",
                "norwegian_double_threshold", "canova_marathon_specific", "threshold_heavy",
                "speed_5k", "koop_ultra", "mountain_ultra", "durability_first", "three_quality_runs"]
TOPICS = ["taper", "intensity_distribution", "progression", "injury_risk", "recovery", "sleep",
          "strength", "fuelling", "heat", "altitude", "masters", "beginners", "ultra", "race_day",
          "mileage", "hard_day_spacing", "long_run", "cross_training", "pacing", "speed"]
ID_RE = re.compile(r"^[a-z0-9_.-]+$")
MIN_TEMPLATES = 150
MIN_PER_TYPE = 4
MIN_PASSAGES = 60
TEMPLATE_WORDS = (40, 120)
PASSAGE_WORDS = (80, 200)

errors = []


def err(path, msg):
    errors.append(f"{path}: {msg}")


# ---- a small parser for the YAML subset used in the front matter ----
def parse_scalar(s):
    s = s.strip()
    if s == "":
        return None
    if s.startswith('"'):
        return json.loads(s)
    if s.startswith("'") and s.endswith("'"):
        return s[1:-1].replace("''", "'")
    if s in ("true", "false"):
        return s == "true"
    if re.fullmatch(r"-?\d+", s):
        return int(s)
    if re.fullmatch(r"-?\d+\.\d*", s):
        return float(s)
    if " #" in s:
        s = s.split(" #", 1)[0].strip()
    return s


def split_flow(s):
    items, cur, inq, esc = [], "", False, False
    for ch in s:
        if inq:
            cur += ch
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                inq = False
        elif ch == '"':
            inq = True
            cur += ch
        elif ch == ",":
            items.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        items.append(cur)
    return [parse_scalar(i) for i in items]


def parse_value(s):
    s = s.strip()
    if s.startswith("[") and s.endswith("]"):
        return split_flow(s[1:-1])
    return parse_scalar(s)


def parse_front(lines):
    root = {}
    stack = [(-1, root)]
    for ln in lines:
        if not ln.strip() or ln.lstrip().startswith("#"):
            continue
        indent = len(ln) - len(ln.lstrip(" "))
        m = re.match(r"^\s*([A-Za-z0-9_]+):(.*)$", ln)
        if not m:
            raise ValueError(f"cannot parse front-matter line: {ln!r}")
        key, rest = m.group(1), m.group(2)
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        if rest.strip() == "":
            parent[key] = {}
            stack.append((indent, parent[key]))
        else:
            parent[key] = parse_value(rest)
    return root


def read_doc(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if not text.startswith("---\n"):
        raise ValueError("missing front matter")
    end = text.find("\n---\n", 4)
    if end < 0:
        raise ValueError("unterminated front matter")
    return parse_front(text[4:end].split("\n")), text[end + 5:]


def words(s):
    return len(re.findall(r"[A-Za-z0-9][A-Za-z0-9'%./-]*", s))


def check_list(path, name, value, vocab, allow_empty=False):
    if not isinstance(value, list) or (not value and not allow_empty):
        err(path, f"{name} must be a non-empty list")
        return []
    for v in value:
        if v not in vocab:
            err(path, f"{name} has unknown value {v!r}")
    if len(set(value)) != len(value):
        err(path, f"{name} has duplicates")
    return value


def check_templates(root):
    base = os.path.join(root, "index", "sources", "session_templates")
    if not os.path.isdir(base):
        err(base, "missing directory")
        return
    ids = {}
    per_type = {t: [0, 0] for t in SESSION_TYPES}  # generic, specific
    generic_full = {t: False for t in SESSION_TYPES}
    count = 0
    for dirpath, _, files in sorted(os.walk(base)):
        for fn in sorted(files):
            path = os.path.join(dirpath, fn)
            if not fn.endswith(".md"):
                err(path, "not a .md file")
                continue
            count += 1
            try:
                fm, body = read_doc(path)
            except Exception as e:  # noqa: BLE001
                err(path, f"unreadable: {e}")
                continue
            tid = fm.get("id")
            if not isinstance(tid, str) or not ID_RE.match(tid):
                err(path, f"bad id {tid!r}")
                continue
            if tid in ids:
                err(path, f"duplicate id {tid} (also {ids[tid]})")
            ids[tid] = path
            if fn != tid + ".md":
                err(path, f"file name does not match id {tid}")
            md = fm.get("metadata")
            pl = fm.get("payload")
            if not isinstance(md, dict) or not isinstance(pl, dict):
                err(path, "metadata and payload maps are required")
                continue
            allowed = {"session_type", "philosophy_id", "phases", "race_types", "levels", "intensity"}
            for k in md:
                if k not in allowed:
                    err(path, f"unexpected metadata key {k}")
            st = md.get("session_type")
            if st not in SESSION_TYPES:
                err(path, f"unknown session_type {st!r}")
                continue
            if os.path.basename(dirpath) != st:
                err(path, f"folder {os.path.basename(dirpath)} != session_type {st}")
            phil = md.get("philosophy_id")
            if phil is not None and phil not in PHILOSOPHIES:
                err(path, f"unknown philosophy_id {phil!r}")
            parts = tid.split("__")
            if len(parts) != 3 or parts[0] != (phil or "generic") or parts[1] != st or not parts[2]:
                err(path, f"id must be <{phil or 'generic'}>__{st}__<short_name>, got {tid}")
            phases = check_list(path, "phases", md.get("phases"), PHASES)
            races = check_list(path, "race_types", md.get("race_types"), RACES)
            levels = check_list(path, "levels", md.get("levels"), LEVELS)
            if md.get("intensity") not in INTENSITIES:
                err(path, f"metadata intensity must be one of {INTENSITIES}")
            # payload
            if not isinstance(pl.get("name"), str) or not pl.get("name"):
                err(path, "payload.name missing")
            has_d = "duration_min" in pl
            has_k = "distance_km" in pl
            if has_d == has_k:
                err(path, "payload needs exactly one of duration_min or distance_km")
            if has_d and (not isinstance(pl["duration_min"], int) or isinstance(pl["duration_min"], bool) or pl["duration_min"] < 0):
                err(path, "duration_min must be a non-negative integer")
            if has_k and (not isinstance(pl["distance_km"], (int, float)) or isinstance(pl["distance_km"], bool) or pl["distance_km"] <= 0):
                err(path, "distance_km must be a positive number")
            if "reps" in pl and (not isinstance(pl["reps"], int) or pl["reps"] < 1):
                err(path, "reps must be a positive integer")
            for k in ("structure", "intensity"):
                if not isinstance(pl.get(k), str) or not pl.get(k):
                    err(path, f"payload.{k} must be a non-empty string")
            cons = pl.get("constraints")
            if not isinstance(cons, list) or not all(isinstance(c, str) and c for c in cons):
                err(path, "payload.constraints must be a list of strings")
            for k in pl:
                if k not in ("name", "duration_min", "distance_km", "reps", "structure", "intensity", "constraints"):
                    err(path, f"unexpected payload key {k}")
            if "chunk" in fm:
                err(path, "session templates are not chunked")
            n = words(body)
            if not TEMPLATE_WORDS[0] <= n <= TEMPLATE_WORDS[1]:
                err(path, f"body has {n} words, want {TEMPLATE_WORDS[0]}-{TEMPLATE_WORDS[1]}")
            if not body.lstrip().startswith("# "):
                err(path, "body should start with a '# ' title")
            per_type[st][0 if phil is None else 1] += 1
            if phil is None and set(phases) == set(PHASES) and set(races) == set(RACES) and set(levels) == set(LEVELS):
                generic_full[st] = True
    if count < MIN_TEMPLATES:
        err(base, f"only {count} templates, want >= {MIN_TEMPLATES}")
    for st in SESSION_TYPES:
        g, s = per_type[st]
        if g + s < MIN_PER_TYPE:
            err(os.path.join(base, st), f"only {g + s} templates for {st}, want >= {MIN_PER_TYPE}")
        if not generic_full[st]:
            err(os.path.join(base, st), f"no generic {st} template covering every phase, race and level")
    return per_type, count


def check_knowledge(root):
    base = os.path.join(root, "index", "sources", "knowledge")
    if not os.path.isdir(base):
        err(base, "missing directory")
        return
    ids = {}
    passages = 0
    per_topic = {}
    phil_backed = set()
    taper_races = set()
    for dirpath, _, files in sorted(os.walk(base)):
        for fn in sorted(files):
            path = os.path.join(dirpath, fn)
            if not fn.endswith(".md"):
                err(path, "not a .md file")
                continue
            try:
                fm, body = read_doc(path)
            except Exception as e:  # noqa: BLE001
                err(path, f"unreadable: {e}")
                continue
            did = fm.get("id")
            if not isinstance(did, str) or not ID_RE.match(did):
                err(path, f"bad id {did!r}")
                continue
            if did in ids:
                err(path, f"duplicate id {did} (also {ids[did]})")
            ids[did] = path
            if fm.get("chunk") != "sections":
                err(path, "knowledge documents need chunk: sections")
            md = fm.get("metadata")
            if not isinstance(md, dict):
                err(path, "metadata map required")
                continue
            for k in md:
                if k not in ("topic", "race_types", "audience", "philosophy_id"):
                    err(path, f"unexpected metadata key {k}")
            topic = md.get("topic")
            if topic not in TOPICS:
                err(path, f"unknown topic {topic!r}")
            elif os.path.basename(dirpath) != topic:
                err(path, f"folder {os.path.basename(dirpath)} != topic {topic}")
            races = check_list(path, "race_types", md.get("race_types"), RACES)
            check_list(path, "audience", md.get("audience"), LEVELS)
            phil = md.get("philosophy_id")
            if phil is not None:
                if phil not in PHILOSOPHIES:
                    err(path, f"unknown philosophy_id {phil!r}")
                phil_backed.add(phil)
            if topic == "taper":
                taper_races.update(races)
            lines = body.strip("\n").split("\n")
            if not lines or not lines[0].startswith("# "):
                err(path, "body must start with a '# ' title")
            sections = re.split(r"^## ", body, flags=re.M)
            if len(sections) < 2:
                err(path, "no '## ' sections")
                continue
            slugs = set()
            for sec in sections[1:]:
                head, _, text = sec.partition("\n")
                slug = re.sub(r"[^a-z0-9]+", "-", head.lower()).strip("-")
                if slug in slugs:
                    err(path, f"duplicate section heading {head!r}")
                slugs.add(slug)
                n = words(text)
                if not PASSAGE_WORDS[0] <= n <= PASSAGE_WORDS[1]:
                    err(path, f"section {head!r} has {n} words, want {PASSAGE_WORDS[0]}-{PASSAGE_WORDS[1]}")
                passages += 1
                per_topic[topic] = per_topic.get(topic, 0) + 1
    if passages < MIN_PASSAGES:
        err(base, f"only {passages} passages, want >= {MIN_PASSAGES}")
    for p in PHILOSOPHIES:
        if p not in phil_backed:
            err(base, f"no knowledge document backs philosophy {p}")
    for r in RACES:
        if r not in taper_races:
            err(base, f"no taper passage for race {r}")
    return per_topic, passages, len(ids)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    t = check_templates(root)
    k = check_knowledge(root)
    if errors:
        for e in errors:
            print("ERROR", e, file=sys.stderr)
        print(f"{len(errors)} problem(s)", file=sys.stderr)
        return 1
    per_type, count = t
    per_topic, passages, docs = k
    print(f"session_templates: {count}")
    for st in SESSION_TYPES:
        g, s = per_type[st]
        print(f"  {st:16} generic {g:2}  philosophy {s:2}")
    print(f"knowledge: {docs} documents, {passages} passages")
    for tp in sorted(per_topic):
        print(f"  {tp:22} {per_topic[tp]}")
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
