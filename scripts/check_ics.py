#!/usr/bin/env python3
"""Parse an iCalendar file with the `icalendar` library (PyPI) and compare its events with
the running days a plan lists.

    check_ics.py PLAN.ics EXPECTED.json

EXPECTED.json is a JSON array of {"uid", "date"} (date YYYY-MM-DD), one per running day.
Exits 0 when the calendar parses into exactly those all-day events (one per UID, each on its
date and ending the next day, each with a summary and a description); prints what differs and
exits 1 otherwise. Exits 3, saying why, when `icalendar` is not installed (callers skip).
"""

import datetime
import json
import sys

try:
    import icalendar
except ImportError as e:  # the caller skips with this reason
    print(f"icalendar is not installed: {e}")
    sys.exit(3)


def main() -> int:
    ics_path, expected_path = sys.argv[1], sys.argv[2]
    with open(ics_path, "rb") as f:
        raw = f.read()
    calendar = icalendar.Calendar.from_ical(raw)
    with open(expected_path, encoding="utf-8") as f:
        expected = {e["uid"]: e["date"] for e in json.load(f)}
    problems = []
    for line in raw.split(b"\r\n"):
        if len(line) > 75:
            problems.append(f"unfolded line of {len(line)} octets: {line[:40]!r}")
    if str(calendar.get("VERSION")) != "2.0" or not calendar.get("PRODID"):
        problems.append("VERSION 2.0 and PRODID are required")
    seen = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event.get("UID"))
        start = event.decoded("DTSTART")
        end = event.decoded("DTEND")
        if isinstance(start, datetime.datetime) or not isinstance(start, datetime.date):
            problems.append(f"{uid}: DTSTART {start!r} is not an all-day date")
            continue
        if end - start != datetime.timedelta(days=1):
            problems.append(f"{uid}: lasts {end - start}, not one day")
        for key in ("SUMMARY", "DESCRIPTION", "DTSTAMP"):
            if not event.get(key):
                problems.append(f"{uid}: no {key}")
        if uid in seen:
            problems.append(f"{uid}: duplicate UID")
        seen[uid] = start.isoformat()
    if seen != expected:
        missing = sorted(set(expected) - set(seen))[:5]
        extra = sorted(set(seen) - set(expected))[:5]
        wrong = sorted(u for u in set(seen) & set(expected) if seen[u] != expected[u])[:5]
        problems.append(f"events differ: missing {missing}, extra {extra}, wrong dates {wrong}")
    for p in problems:
        print(p)
    if not problems:
        print(f"ok: {len(seen)} events")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
