#!/usr/bin/env python3
"""Generate index/sources/week_structures/ from the philosophies' front matter.

Deterministic, standard library only. For every philosophy x its race types x phase
(base, build, peak, taper) x days per week (its min..max) it writes
`index/sources/week_structures/<philosophy>/<race>/<phase>-d<days>.md`, plus a race-week taper
variant `taper_race_week-d<days>.md` (phase `taper`, days to race 0-6, `race` on sun instead of
`long`). The week patterns follow the rules of docs/sources.md; the phrasing tables below give
each philosophy, race and phase its own wording, because the bodies are embedded and searched.

The vocabulary, the week rules' bounds, the phase windows (days to race per race and phase),
the id and file layout and the philosophies' metadata all come from `plan-index vocab --json`
(crates/plan defines them, crates/prepare reads the philosophies); this script keeps only its
phrasing and placement tables. `plan-index check-sources` checks what it writes.

Usage: python3 scripts/generate_week_structures.py [--root DIR] [--vocab FILE] [--check]
  --vocab FILE  the output of `plan-index vocab --json` (default: run it through
                `cargo run --release -q -p plan-index-cli -- vocab --json` in ROOT)
  --check       exit 1 if the files on disk differ from what would be generated (writes nothing)
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys

# Filled from `plan-index vocab --json` by load_vocab() before anything is generated.
VOCAB: dict = {}
DAYS: list[str] = []
HARD_TYPES: set[str] = set()

DAY_NAMES = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday",
             "fri": "Friday", "sat": "Saturday", "sun": "Sunday"}
RACE_NAMES = {"5k": "5K", "10k": "10K", "half_marathon": "half marathon",
              "marathon": "marathon", "ultra": "ultramarathon"}

# Generic wording for a session type; philosophies override some of it in `names`.
SESSION_WORDS = {
    "progression": "a progression run", "tempo": "a tempo run", "threshold": "threshold reps",
    "cruise_intervals": "cruise intervals", "vo2max": "VO2max intervals", "hills": "hill repeats",
    "race_pace": "a goal-pace run", "fartlek": "a fartlek",
}

# ---------------------------------------------------------------------------------------------
# Per-philosophy tables.
#   hard:     phase -> list of hard session types (or {race: list, "default": list}); the list is
#             cut to what fits (max_hard_days, taper <= 1, days available, spacing rules)
#   b2b:      phases in which ultra weeks add a back_to_back run the day after the long run
#   recovery: "none" | "after_long" (easy day after long/back_to_back becomes recovery) |
#             "after_all" (also the easy day after each hard session)
#   strides:  phases in which one easy day carries strides
#   cross:    how many non-running days become cross_training (the rest are rest)
#   names:    wording of its hard sessions
#   text:     phase -> (focus, sentence); "race_week" -> (focus, sentence)
#   volume:   a philosophy-specific volume remark
# ---------------------------------------------------------------------------------------------
SPEC = {
    "lydiard": dict(
        hard={"base": ["progression"], "build": ["hills", "hills"],
              "peak": {"default": ["vo2max", "fartlek"], "half_marathon": ["race_pace", "fartlek"],
                       "marathon": ["race_pace", "fartlek"]},
              "taper": ["fartlek"]},
        b2b=set(), recovery="none", strides={"base", "peak", "taper", "race_week"}, cross=0,
        names={"progression": "a steady run finishing at three-quarter effort",
               "hills": "a hill circuit of springing, bounding and steep running",
               "vo2max": "anaerobic repetitions", "race_pace": "a race-rhythm session",
               "fartlek": "a fartlek of relaxed bursts"},
        text={
            "base": ("aerobic conditioning: volume, a long run and one steady run",
                     "Lydiard base week: the aim is aerobic volume, so every run is unhurried "
                     "except one steady effort that finishes strong but never strained."),
            "build": ("hill strength and running economy",
                      "Lydiard hill phase: hill circuits of uphill springing, bounding and steep "
                      "running turn the aerobic base into leg power, with easy mileage between."),
            "peak": ("anaerobic development and race sharpening",
                     "Lydiard anaerobic phase: short fast repetitions and fartlek add speed on "
                     "top of the base, kept brief because the aerobic work carries the runner."),
            "taper": ("freshening while keeping a touch of speed",
                      "Lydiard freshening: volume drops sharply while a short fartlek keeps the "
                      "legs lively, so the runner arrives with energy to spare."),
            "race_week": ("freshness for race day",
                          "Lydiard race week: only short easy running and a few relaxed strides; "
                          "the work is done and the aim is to feel eager to race."),
        },
        volume="Lydiard volume is built patiently and held; easy mileage is never sacrificed for "
               "extra speed work."),
    "daniels": dict(
        hard={"base": ["threshold"],
              "build": {"default": ["cruise_intervals", "vo2max"],
                        "marathon": ["threshold", "race_pace"]},
              "peak": {"default": ["vo2max", "threshold"], "10k": ["vo2max", "cruise_intervals"],
                       "half_marathon": ["threshold", "race_pace"],
                       "marathon": ["race_pace", "cruise_intervals"]},
              "taper": {"default": ["threshold"], "5k": ["vo2max"]}},
        b2b=set(), recovery="none", strides={"base", "build", "taper", "race_week"}, cross=0,
        names={"threshold": "a threshold run at T pace", "cruise_intervals":
               "cruise intervals at T pace", "vo2max": "intervals at I pace",
               "race_pace": "a run at marathon or goal pace"},
        text={
            "base": ("foundation and early quality",
                     "Daniels foundation week: easy running with strides builds durability, and a "
                     "single threshold run at T pace introduces quality without strain."),
            "build": ("transition quality: intervals and threshold",
                      "Daniels transition phase, usually the hardest block: I-pace intervals or "
                      "marathon-pace running paired with threshold work, each at the pace its "
                      "purpose calls for."),
            "peak": ("final quality: threshold and race-specific pace",
                     "Daniels final quality phase: sessions lean toward threshold and race-specific "
                     "running, interval volume stays within its cap, and total volume eases."),
            "taper": ("reduced volume, pace feel kept",
                      "Daniels taper: volume falls while one short session keeps the feel of "
                      "quality; paces are not raised now."),
            "race_week": ("rested and ready, nothing new",
                          "Daniels race week: short easy runs with strides and nothing new; "
                          "paces come from current fitness, and so should the race plan."),
        },
        volume="Daniels caps interval volume near 8 percent and threshold volume near 10 percent "
               "of weekly distance."),
    "polarized_80_20": dict(
        hard={"base": ["hills"], "build": {"default": ["vo2max", "hills"],
                                           "ultra": ["hills", "vo2max"]},
              "peak": {"default": ["vo2max", "vo2max"], "half_marathon": ["vo2max", "race_pace"],
                       "marathon": ["vo2max", "race_pace"], "ultra": ["hills", "vo2max"]},
              "taper": ["vo2max"]},
        b2b={"peak"}, recovery="none", strides={"base", "build", "peak", "taper", "race_week"},
        cross=0,
        names={"vo2max": "hard intervals near maximal effort", "hills": "hard hill repeats",
               "race_pace": "a block at goal pace"},
        text={
            "base": ("easy volume with one hard touch",
                     "Polarized base week: nearly all running sits well below the first threshold, "
                     "with one short hill session as the only hard effort and no grey-zone "
                     "running."),
            "build": ("two genuinely hard days, everything else easy",
                      "Polarized build: two truly hard days near maximal effort, and every other "
                      "run easy enough to talk, so about four fifths of the time stays low."),
            "peak": ("hard intervals plus race-specific time",
                     "Polarized peak: the hard days stay hard, longer races bring back some "
                     "goal-pace running, and easy days stay slow enough to protect the quality."),
            "taper": ("one short hard touch, volume down",
                      "Polarized taper: volume drops and one short set of hard intervals keeps the "
                      "top end sharp; the easy-to-hard ratio stays the same."),
            "race_week": ("freshness over intensity split",
                          "Polarized race week: easy short runs and a few strides; the intensity "
                          "split no longer matters, freshness does."),
        },
        volume="Count the 80/20 split in time: easy runs at talking pace, hard sessions truly "
               "hard, little in between."),
    "pfitzinger": dict(
        hard={"base": ["tempo"],
              "build": {"default": ["tempo", "vo2max"], "half_marathon": ["tempo", "race_pace"],
                        "marathon": ["tempo", "race_pace"]},
              "peak": {"default": ["vo2max", "tempo"], "half_marathon": ["vo2max", "race_pace"],
                       "marathon": ["race_pace", "vo2max"]},
              "taper": {"default": ["vo2max"], "half_marathon": ["race_pace"],
                        "marathon": ["race_pace"]}},
        b2b=set(), recovery="after_all", strides={"base", "taper", "race_week"}, cross=0,
        names={"tempo": "a lactate-threshold tempo run", "vo2max": "intervals at 5k effort",
               "race_pace": "a run with goal-pace segments"},
        text={
            "base": ("endurance: volume, a medium-long run and the first threshold run",
                     "Pfitzinger endurance block: mileage climbs, a midweek medium-long run of 90 "
                     "minutes or more joins the weekend long run, and one lactate-threshold tempo "
                     "appears."),
            "build": ("lactate threshold and endurance",
                      "Pfitzinger threshold and endurance block: the tempo run grows to 30-40 "
                      "minutes, long runs finish at a steady effort, and goal-pace stretches "
                      "appear."),
            "peak": ("race preparation: VO2max, goal pace and tune-up races",
                     "Pfitzinger race preparation: intervals at 5k effort sharpen the top end, goal "
                     "pace is rehearsed, and a tune-up race may replace a session."),
            "taper": ("taper: volume down, intensity kept",
                      "Pfitzinger taper: mileage steps down while one short session keeps "
                      "intensity, and recovery runs stay very slow."),
            "race_week": ("rest, a touch of pace and fuelling",
                          "Pfitzinger race week: a few short runs with strides, a brief touch of "
                          "goal pace early in the week, then rest and carbohydrate loading."),
        },
        volume="Pfitzinger weeks rest on volume: the easy and recovery runs make up most of it and "
               "must stay slow."),
    "hansons": dict(
        hard={"base": ["fartlek", "tempo"], "build": ["vo2max", "tempo"],
              "peak": ["cruise_intervals", "race_pace"], "taper": ["race_pace"]},
        b2b=set(), recovery="after_long", strides={"race_week"}, cross=0,
        names={"fartlek": "a light fartlek", "tempo": "a goal-pace tempo run",
               "vo2max": "a speed session at 5k to 10k effort",
               "cruise_intervals": "strength repeats just faster than goal pace",
               "race_pace": "a long tempo at goal pace"},
        text={
            "base": ("frequency first and the start of the SOS rhythm",
                     "Hansons early weeks: running frequency comes first, with easy runs on most "
                     "days, a light fartlek and a short goal-pace tempo to start the weekly "
                     "rhythm."),
            "build": ("speed block and goal-pace tempo",
                      "Hansons speed block: repeats of 400 m to 1 km at 5k to 10k effort and a "
                      "goal-pace tempo that grows each week; fatigue is meant to accumulate."),
            "peak": ("strength block and long goal-pace tempo",
                     "Hansons strength block: longer repeats just faster than goal pace plus a "
                     "long tempo at goal pace, and the capped long run comes on tired legs."),
            "taper": ("cutting volume, keeping goal pace",
                      "Hansons taper: volume falls over about ten days while one goal-pace run "
                      "keeps the rhythm learned over the cycle."),
            "race_week": ("routine kept, legs rested",
                          "Hansons race week: short easy runs on the usual days so the routine "
                          "stays, strides once, and a quiet day before the race."),
        },
        volume="Hansons caps the long run (about 26 km for the marathon) and spreads volume over "
               "frequent easy days instead."),
    "norwegian_double_threshold": dict(
        hard={"base": ["threshold", "threshold"], "build": ["threshold", "threshold"],
              "peak": {"default": ["threshold", "vo2max"],
                       "half_marathon": ["threshold", "race_pace"],
                       "marathon": ["threshold", "race_pace"]},
              "taper": ["threshold"]},
        b2b=set(), recovery="after_long", strides={"base", "build", "peak", "taper", "race_week"},
        cross=0,
        names={"threshold": "a controlled threshold day", "vo2max": "short reps at 5k effort",
               "race_pace": "reps at goal race pace"},
        text={
            "base": ("controlled threshold in single sessions",
                     "Norwegian base: two threshold days with one controlled session each, reps "
                     "held just under the second lactate turn point, and everything else easy."),
            "build": ("double threshold days",
                      "Norwegian build: both threshold days become doubles, a morning and an "
                      "evening set of controlled reps, so threshold volume grows without deep "
                      "fatigue."),
            "peak": ("one double plus race-specific work",
                     "Norwegian peak: one double threshold day stays, and the second quality day "
                     "moves toward race pace or short faster reps for the event."),
            "taper": ("one threshold day with fewer reps",
                      "Norwegian taper: a single threshold session with fewer reps keeps the "
                      "rhythm; doubles are dropped and easy volume shrinks."),
            "race_week": ("easy running, no doubles",
                          "Norwegian race week: easy running, strides and no threshold doubles; "
                          "the controlled work of the season carries the race."),
        },
        volume="Threshold reps are steered by lactate or heart rate, never by racing the clock; "
               "each double counts as one hard day."),
    "canova_marathon_specific": dict(
        hard={"base": ["progression", "hills"], "build": ["threshold", "race_pace"],
              "peak": {"default": ["race_pace", "threshold"],
                       "half_marathon": ["race_pace", "vo2max"]},
              "taper": ["race_pace"]},
        b2b=set(), recovery="after_all", strides={"base", "race_week"}, cross=0,
        names={"progression": "a progression run", "hills": "a hill circuit",
               "threshold": "long intervals around threshold",
               "race_pace": "a specific session around goal pace",
               "vo2max": "faster intervals just above goal pace"},
        text={
            "base": ("fundamental period: general endurance and strength",
                     "Canova fundamental period: training is general, with progression runs, hill "
                     "circuits and varied easy running, paces kept well away from race pace."),
            "build": ("special period: extending threshold and goal-pace work",
                      "Canova special period: long intervals around threshold and around goal pace "
                      "extend week by week, narrowing the range of paces toward the race."),
            "peak": ("specific period: long runs and intervals at goal pace",
                     "Canova specific period: long runs hold big segments near goal pace and "
                     "interval days cover race distance at race rhythm."),
            "taper": ("specific rhythm kept, load reduced",
                      "Canova taper: specific sessions shrink to short blocks at goal pace, enough "
                      "to hold the rhythm without adding fatigue."),
            "race_week": ("specific work banked",
                          "Canova race week: brief easy runs, strides and a short touch of goal "
                          "pace early on; the specific work is banked."),
        },
        volume="In the specific period the long run itself carries long segments near goal pace, "
               "so the days after it stay easy."),
    "threshold_heavy": dict(
        hard={"base": ["tempo", "progression"], "build": ["threshold", "cruise_intervals"],
              "peak": {"default": ["cruise_intervals", "race_pace"],
                       "5k": ["cruise_intervals", "vo2max"], "10k": ["cruise_intervals", "vo2max"]},
              "taper": ["threshold"]},
        b2b=set(), recovery="none", strides={"base", "build", "peak", "taper", "race_week"},
        cross=0,
        names={"tempo": "a continuous tempo run", "progression":
               "a progression run finishing at threshold", "threshold": "threshold reps",
               "cruise_intervals": "cruise intervals with short jogs",
               "race_pace": "a goal-pace run", "vo2max": "intervals at race pace or faster"},
        text={
            "base": ("the steady threshold habit",
                     "Threshold-centred base: a continuous tempo and a progression run that drifts "
                     "to threshold build the habit of controlled, comfortably hard running."),
            "build": ("threshold volume",
                      "Threshold-centred build: threshold reps and cruise intervals with short "
                      "jogs grow the time spent at threshold, the main driver of this approach."),
            "peak": ("threshold plus race-specific seasoning",
                     "Threshold-centred peak: cruise intervals stay, and the second day adds "
                     "race-specific work, faster reps for short races and goal pace for long "
                     "ones."),
            "taper": ("one short threshold session",
                      "Threshold-centred taper: one short threshold session keeps the feel of "
                      "controlled effort while volume comes down."),
            "race_week": ("controlled effort becomes the pacing plan",
                          "Threshold-centred race week: easy runs and strides only; the "
                          "controlled effort learned in training becomes the pacing plan."),
        },
        volume="Threshold time grows before anything else: about 8-10 percent of weekly volume at "
               "threshold pace."),
    "speed_5k": dict(
        hard={"base": ["fartlek", "hills"], "build": ["vo2max", "threshold"],
              "peak": ["vo2max", "race_pace"], "taper": ["race_pace"]},
        b2b=set(), recovery="none", strides={"base", "build", "peak", "taper", "race_week"},
        cross=0,
        names={"fartlek": "a fartlek", "hills": "short hill sprints",
               "vo2max": "intervals at 3k to 5k effort", "threshold": "a short threshold run",
               "race_pace": "reps at goal race pace"},
        text={
            "base": ("fartlek, hill sprints and strides",
                     "Speed-first base: playful fartlek and short hill sprints build power and pace "
                     "changes without the pressure of a stopwatch."),
            "build": ("structured intervals with threshold support",
                      "Speed-first build: structured intervals of 400 m to 1 km at 3k to 5k "
                      "effort, supported by a shorter threshold run."),
            "peak": ("goal-pace sharpening",
                     "Speed-first peak: reps at goal race pace and slightly faster teach rhythm "
                     "and tolerance, and the sharp interval day stays short."),
            "taper": ("snap without fatigue",
                      "Speed-first taper: a few reps at race pace keep the legs snappy while "
                      "volume drops by about a third."),
            "race_week": ("staying sharp",
                          "Speed-first race week: short easy runs with strides to stay sharp, and a "
                          "rest or very easy day before the race."),
        },
        volume="Volume stays modest so that intervals are run fresh; interval volume grows step by "
               "step to protect calves and tendons."),
    "koop_ultra": dict(
        hard={"base": ["vo2max", "hills"], "build": ["threshold", "hills"],
              "peak": ["hills", "tempo"], "taper": ["tempo"]},
        b2b={"build", "peak"}, recovery="after_long", strides={"base", "race_week"}, cross=0,
        names={"vo2max": "short hard intervals of 2-3 minutes", "hills": "climbing intervals",
               "threshold": "a steady-state threshold block",
               "tempo": "a sustained tempo on race-like terrain"},
        text={
            "base": ("general phase: intervals for aerobic power",
                     "Koop-style general phase: with the ultra far away, short hard intervals lift "
                     "aerobic power while the long run stays easy and modest."),
            "build": ("threshold and the first back-to-back weekends",
                      "Koop-style build: threshold blocks and climbing intervals raise sustainable "
                      "pace, and weekends pair a long run with a second run on tired legs."),
            "peak": ("race-specific: terrain, back-to-backs and fuelling",
                     "Koop-style specific phase: weekends mimic the race in terrain, pacing, "
                     "fuelling and kit, and midweek quality shifts to climbs and sustained tempo."),
            "taper": ("shed fatigue, finalise fuelling",
                      "Koop-style taper: the long run shrinks, back-to-backs stop, one short tempo "
                      "keeps some intensity, and fuelling and kit are settled."),
            "race_week": ("rest, sleep and the race plan",
                          "Koop-style race week: short easy runs, strides, sleep and a written race "
                          "plan for pacing, fuelling and drop bags."),
        },
        volume="Every third or fourth week is lighter; fuelling is practised on every long run."),
    "mountain_ultra": dict(
        hard={"base": ["hills"], "build": ["hills", "tempo"], "peak": ["hills", "race_pace"],
              "taper": ["hills"]},
        b2b={"build", "peak"}, recovery="none", strides=set(), cross=1,
        names={"hills": "uphill intervals, running and power-hiking",
               "tempo": "a sustained tempo climb", "race_pace": "climbs and descents at race effort"},
        text={
            "base": ("time on feet and easy vertical",
                     "Mountain ultra base: easy hours on hilly ground, one uphill session mixing "
                     "running and power-hiking, and small downhill doses to condition the quads."),
            "build": ("uphill intervals, tempo climbs and weekend doubles",
                      "Mountain ultra build: uphill intervals and a sustained tempo climb build "
                      "climbing power, and weekends become a long day on terrain plus a second "
                      "day on tired legs."),
            "peak": ("race-specific vertical and descents",
                     "Mountain ultra peak: the longest days on terrain, climbs and descents at race "
                     "effort with poles, and a full rehearsal of fuelling and kit."),
            "taper": ("less vertical, quads fresh for the descents",
                      "Mountain ultra taper: vertical gain drops sharply, steep descending stops "
                      "early so the quads recover, and one short uphill session keeps power."),
            "race_week": ("kit, poles and sleep",
                          "Mountain ultra race week: short easy runs, little descending, kit and "
                          "pole checks, and plenty of sleep before the start."),
        },
        volume="Track hours and vertical metres rather than kilometres; hiking or cycling replaces "
               "one easy day."),
    "durability_first": dict(
        hard={"base": [], "build": ["fartlek"],
              "peak": {"default": ["fartlek"], "half_marathon": ["race_pace"],
                       "marathon": ["race_pace"], "ultra": ["hills"]},
              "taper": ["fartlek"]},
        b2b={"peak"}, recovery="none", strides={"base", "build", "peak", "taper", "race_week"},
        cross=1,
        names={"fartlek": "a playful fartlek", "race_pace": "a few minutes at goal pace",
               "hills": "gentle hill repeats"},
        text={
            "base": ("consistency and tissue resilience",
                     "Durability-first base: every run is easy, run-walk is welcome, strides add "
                     "light speed, and cross-training adds fitness without impact."),
            "build": ("one light quality session",
                      "Durability-first build: a single playful fartlek is the only faster running "
                      "of the week, and the long run grows in small steps."),
            "peak": ("gentle race-specific work",
                     "Durability-first peak: the one quality session turns race-specific but stays "
                     "light, and the long run reaches its longest at an easy effort."),
            "taper": ("arrive healthy",
                      "Durability-first taper: volume eases, a short fartlek keeps the legs awake, "
                      "and any niggle is a reason to rest rather than push."),
            "race_week": ("start healthy, finish strong",
                          "Durability-first race week: a few short easy runs, one with strides, and "
                          "rest before the race; the goal is to start healthy and finish strong."),
        },
        volume="Volume grows about 10 percent a week at most, with a lighter week every third or "
               "fourth week; strength work twice a week."),
    "three_quality_runs": dict(
        hard={"base": ["fartlek", "tempo"], "build": ["vo2max", "tempo"],
              "peak": {"default": ["vo2max", "tempo"], "marathon": ["vo2max", "race_pace"],
                       "half_marathon": ["vo2max", "race_pace"]},
              "taper": ["tempo"]},
        b2b=set(), recovery="none", strides={"race_week"}, cross=2,
        names={"fartlek": "a fartlek", "tempo": "a tempo run at threshold or goal pace",
               "vo2max": "track intervals at about 5k effort",
               "race_pace": "a tempo at goal race pace"},
        text={
            "base": ("establishing the three key runs",
                     "Three-key-runs base: a fartlek and a short tempo introduce the pattern of "
                     "purposeful runs, with cross-training on a bike, rower or in the pool between "
                     "them."),
            "build": ("interval, tempo and paced long run",
                      "Three-key-runs build: a track session at about 5k effort, a tempo run and a "
                      "steady long run, each at a pace set from a recent race."),
            "peak": ("the longest key runs",
                     "Three-key-runs peak: intervals and the paced long run reach their longest, "
                     "and cross-training stays aerobic so the runs can be hit at pace."),
            "taper": ("one key run and a shorter long run",
                      "Three-key-runs taper: only the tempo stays as a key session, the long run "
                      "shortens, and cross-training becomes light."),
            "race_week": ("easy runs and light cross-training",
                          "Three-key-runs race week: short easy runs, one with strides, and an easy "
                          "spin or swim instead of the key sessions."),
        },
        volume="Running volume is low by design; the cross-training days carry the extra aerobic "
               "work and stay moderate."),
}

# What each race asks of each phase (generic, added to every philosophy's text).
RACE_TEXT = {
    "5k": {
        "base": "For a 5K the base builds the aerobic support that later fast running relies on.",
        "build": "For a 5K this is where work at and above race pace starts to matter most.",
        "peak": "With the 5K a few weeks away, sessions rehearse race rhythm and the tolerance of "
                "discomfort.",
        "taper": "A 5K needs only a short taper: lighter running with speed kept.",
        "race_week": "For a 5K, a thorough warm-up with strides before the start matters.",
    },
    "10k": {
        "base": "For a 10K the base grows aerobic capacity and the durability for longer reps.",
        "build": "For a 10K the build blends threshold endurance with intervals near race pace.",
        "peak": "With the 10K close, longer reps at goal pace teach the even rhythm the race needs.",
        "taper": "A 10K taper trims volume for about ten days while keeping some faster running.",
        "race_week": "For a 10K, the plan is to start controlled and push over the final third.",
    },
    "half_marathon": {
        "base": "For a half marathon the base extends the long run and the easy volume.",
        "build": "For a half marathon the build raises threshold, the pace the race sits close to.",
        "peak": "With the half marathon near, long runs include stretches at goal pace.",
        "taper": "A half marathon taper lasts one to two weeks, volume down and pace kept.",
        "race_week": "For a half marathon, carbohydrate intake rises the day before the race.",
    },
    "marathon": {
        "base": "For a marathon the base lengthens the long run and builds durable legs.",
        "build": "For a marathon the build adds goal-pace running and long-run fuelling practice.",
        "peak": "With the marathon near, long runs carry goal-pace segments and gels are "
                "rehearsed.",
        "taper": "A marathon taper runs two to three weeks, volume cut step by step.",
        "race_week": "For a marathon, carbohydrate loading over the last two or three days matters.",
    },
    "ultra": {
        "base": "For an ultra the base builds time on feet, easy climbing and a durable body.",
        "build": "For an ultra the build grows the long run and trains eating on the move.",
        "peak": "With the ultra near, weekends rehearse terrain, pacing, fuelling and kit.",
        "taper": "An ultra taper lasts two to three weeks and protects the legs for the long day.",
        "race_week": "For an ultra, drop bags, kit and a fuelling plan are prepared this week.",
    },
}

LONG_RUN = {
    "5k": {"base": "long run 60-75 min", "build": "long run 70-90 min",
           "peak": "long run 60-80 min", "taper": "long run 45-60 min"},
    "10k": {"base": "long run 70-90 min", "build": "long run 80-100 min",
            "peak": "long run 75-90 min", "taper": "long run 50-65 min"},
    "half_marathon": {"base": "long run 75-100 min", "build": "long run 16-21 km",
                      "peak": "long run 18-24 km", "taper": "long run 12-15 km"},
    "marathon": {"base": "long run 90-120 min", "build": "long run 26-32 km",
                 "peak": "long run 30-35 km", "taper": "long run 16-22 km"},
    "ultra": {"base": "long run 2-3 h", "build": "long run 3-4 h", "peak": "long run 4-6 h",
              "taper": "long run about 2 h"},
}
B2B_RUN = {"build": "back-to-back run 1.5-2.5 h", "peak": "back-to-back run 2-3 h"}
PHASE_VOLUME = {
    "base": "weekly volume rises 5-10 percent, with a lighter week every third or fourth week",
    "build": "volume near its highest while quality volume grows",
    "peak": "volume holds at its highest, then levels off",
    "taper": "volume 20-40 percent below peak",
    "race_week": "Volume about half of peak, race excluded",
}
DAYS_TEXT = {
    3: "With three runs a week, each run has a purpose and the days between are for recovery.",
    4: "Four runs leave room for one easy run alongside the long run and any quality.",
    5: "Five running days keep two days free around the harder work.",
    6: "Six running days add easy volume while keeping one full day off.",
    7: "Running every day means the extra runs stay short and strictly easy.",
}

DAYS_TEXT_RACE_WEEK = {
    3: "Two short runs before the race are enough to stay loose.",
    4: "Three short runs before the race keep the legs turning over.",
    5: "Four short runs before the race keep the usual rhythm at lower volume.",
    6: "Five brief runs before the race keep the weekly routine intact.",
    7: "Daily running continues, but every run before the race is brief and gentle.",
}

PREF_HARD = ["tue", "thu", "wed", "fri", "mon", "sat", "sun"]
PREF_EASY = ["sat", "wed", "mon", "fri", "thu", "tue", "sun"]
PREF_CROSS = ["wed", "sat", "fri", "mon", "thu", "tue", "sun"]


def circ(i: int, j: int) -> int:
    d = abs(i - j) % 7
    return min(d, 7 - d)


def resolve(table, race):
    if isinstance(table, dict):
        return list(table.get(race, table["default"]))
    return list(table)


def build_pattern(pid: str, meta: dict, race: str, phase: str, days: int, race_week: bool):
    spec = SPEC[pid]
    pat: list[str | None] = [None] * 7
    anchors: list[int] = []
    race_day = DAYS.index(VOCAB["race_day"])
    b2b_race = race in VOCAB["back_to_back_races"]
    if race_week:
        pat[race_day] = "race"
        anchors = [race_day]
        wanted = []
    else:
        # The long run is on race day's weekday, or the day before where a back-to-back may
        # follow it.
        long_idx = race_day - 1 if b2b_race else race_day
        pat[long_idx] = "long"
        anchors = [long_idx]
        if b2b_race and phase in spec["b2b"] and days >= 3:
            pat[long_idx + 1] = "back_to_back"
            anchors.append(long_idx + 1)
        wanted = resolve(spec["hard"][phase], race)
    cap = VOCAB["taper_max_hard_days"] if phase == "taper" else meta["max_hard_days"]
    wanted = wanted[:max(0, min(cap, days - len(anchors)))]
    # Hard days: never next to an anchor or to each other (sun and mon count as neighbours).
    legal = [DAYS.index(d) for d in PREF_HARD
             if pat[DAYS.index(d)] is None
             and all(circ(DAYS.index(d), a) > 1 for a in anchors)]
    while wanted:
        combos = [c for c in itertools.combinations(legal, len(wanted))
                  if all(circ(a, b) > 1 for a, b in itertools.combinations(c, 2))]
        if combos:
            # Farthest from the long run (and back-to-back) first, then by weekday preference.
            best = min(combos, key=lambda c: (-min(circ(i, a) for i in c for a in anchors),
                                              sorted(PREF_HARD.index(DAYS[i]) for i in c)))
            for i, t in zip(sorted(best), wanted):
                pat[i] = t
            break
        wanted = wanted[:-1]
    # Easy days: spread out (farthest from other running days first), then by preference.
    n_easy = days - sum(1 for t in pat if t is not None)
    for _ in range(n_easy):
        free = [i for i in range(7) if pat[i] is None]
        running = [i for i in range(7) if pat[i] is not None]
        best = max(free, key=lambda i: (min(circ(i, r) for r in running),
                                        -PREF_EASY.index(DAYS[i])))
        pat[best] = "easy"
    # Recovery flavour.
    if spec["recovery"] != "none":
        after = list(anchors) if anchors and not race_week else []
        if spec["recovery"] == "after_all":
            after += [i for i in range(7) if pat[i] in HARD_TYPES]
        for a in after:
            j = (a + 1) % 7
            if pat[j] == "easy":
                pat[j] = "recovery"
    # Strides on one easy day: the day before a hard session if any, else the latest easy day
    # before the long run or race.
    key = "race_week" if race_week else phase
    if key in spec["strides"]:
        easy = [i for i in range(7) if pat[i] == "easy"]
        if easy:
            before_hard = [i for i in easy if pat[(i + 1) % 7] in HARD_TYPES]
            pick = before_hard[0] if before_hard else max(
                easy, key=lambda i: (i < anchors[0], i))
            pat[pick] = "strides"
    # Non-running days.
    free = [i for i in range(7) if pat[i] is None]
    cross = sorted(free, key=lambda i: PREF_CROSS.index(DAYS[i]))[:spec["cross"]]
    for i in free:
        pat[i] = "cross_training" if i in cross else "rest"
    return dict(zip(DAYS, pat))


def join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def describe(pid: str, race: str, pattern: dict, race_week: bool) -> str:
    names = SPEC[pid]["names"]
    out = []
    hard = [(d, t) for d, t in pattern.items() if t in HARD_TYPES and t != "race"]
    if hard:
        out.append("Quality: " + join([f"{names.get(t, SESSION_WORDS[t])} on {DAY_NAMES[d]}"
                                       for d, t in hard]) + ".")
    elif not race_week:
        out.append("There is no hard session this week.")
    if race_week:
        out.append("Sunday is race day.")
    else:
        long_day = next(d for d, t in pattern.items() if t == "long")
        b2b = [d for d, t in pattern.items() if t == "back_to_back"]
        if b2b:
            out.append(f"The long run is on {DAY_NAMES[long_day]}, followed by a back-to-back "
                       f"run on {DAY_NAMES[b2b[0]]}.")
        else:
            out.append(f"The long run falls on {DAY_NAMES[long_day]}.")
    parts = []
    for kind, word in (("easy", "easy running"), ("recovery", "a short recovery run"),
                       ("strides", "an easy run with strides"),
                       ("cross_training", "cross-training"), ("rest", "rest")):
        ds = [DAY_NAMES[d] for d, t in pattern.items() if t == kind]
        if ds:
            parts.append(f"{join(ds)} {'bring' if len(ds) > 1 else 'brings'} {word}")
    if parts:
        s = "; ".join(parts) + "."
        out.append(s[0].upper() + s[1:])
    return " ".join(out)


def q(s: str) -> str:
    assert '"' not in s and "\\" not in s, s
    return f'"{s}"'


def render(pid: str, meta: dict, race: str, kind: dict, days: int) -> tuple[str, str]:
    """(path below week_structures/, file text) of one structure; `kind` is a phase kind of
    the vocabulary ({key, phase, stem})."""
    spec = SPEC[pid]
    key, phase = kind["key"], kind["phase"]
    race_week = key == "race_week"
    lo, hi = VOCAB["windows"][race][key]
    pattern = build_pattern(pid, meta, race, phase, days, race_week)
    hard = sum(1 for t in pattern.values() if t in HARD_TYPES)
    long_day = (VOCAB["race_day"] if race_week
                else next(d for d, t in pattern.items() if t == "long"))
    focus, sentence = spec["text"][key]
    if race_week:
        volume_note = f"No long run; the race is on Sunday. {PHASE_VOLUME['race_week']}."
    else:
        vol = LONG_RUN[race][phase]
        if "back_to_back" in pattern.values():
            vol += ", " + B2B_RUN[phase]
        volume_note = f"{vol[0].upper()}{vol[1:]}; {PHASE_VOLUME[phase]}. {spec['volume']}"
    phase_label = "race week" if race_week else f"{phase} week"
    title = f"# {meta['name']}: {RACE_NAMES[race]} {phase_label}, {days} running days"
    body = " ".join([sentence, RACE_TEXT[race][key], describe(pid, race, pattern, race_week),
                     (DAYS_TEXT_RACE_WEEK if race_week else DAYS_TEXT)[days]])
    names = dict(philosophy=pid, race=race, stem=kind["stem"], days=days)
    doc_id = VOCAB["structure_id"].format(**names)
    lines = [
        "---",
        f"id: {doc_id}",
        "metadata:",
        f"  philosophy_id: {pid}",
        f"  race_types: [{race}]",
        f"  phase: {phase}",
        f"  days_per_week: {days}",
        f"  hard_days: {hard}",
        f"  long_run_day: {long_day}",
        f"  days_to_race_min: {lo}",
        f"  days_to_race_max: {hi}",
        f"  levels: [{', '.join(meta['levels'])}]",
        "payload:",
        "  pattern:",
        *[f"    {d}: {pattern[d]}" for d in DAYS],
        f"  hard_days: {hard}",
        f"  long_run_day: {long_day}",
        f"  focus: {q(focus)}",
        f"  volume_note: {q(volume_note)}",
        "---",
        title,
        "",
        wrap(body),
        "",
    ]
    return VOCAB["structure_path"].format(**names), "\n".join(lines)


def wrap(text: str, width: int = 96) -> str:
    out, line = [], ""
    for w in text.split():
        if line and len(line) + 1 + len(w) > width:
            out.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    if line:
        out.append(line)
    return "\n".join(out)


def load_vocab(root: str, path: str | None) -> None:
    """Fill VOCAB (and DAYS, HARD_TYPES) from `plan-index vocab --json`: the file at `path`, or
    the command run through cargo in `root`."""
    if path:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    else:
        sources = os.path.join(root, "index", "sources")
        cmd = ["cargo", "run", "--release", "-q", "-p", "plan-index-cli", "--",
               "vocab", "--json", "--sources", sources]
        text = subprocess.run(cmd, cwd=root, check=True, capture_output=True, text=True).stdout
    VOCAB.update(json.loads(text))
    DAYS[:] = VOCAB["days"]
    HARD_TYPES.update(VOCAB["hard_types"])


def generate() -> dict[str, str]:
    files: dict[str, str] = {}
    for phil in VOCAB["philosophies"]:
        pid, meta = phil["id"], phil["metadata"]
        if pid not in SPEC:
            raise SystemExit(f"{pid}: no phrasing table for philosophy {pid} in this script")
        for race in meta["race_types"]:
            for days in range(meta["min_days_per_week"], meta["max_days_per_week"] + 1):
                for kind in VOCAB["phase_kinds"]:
                    rel, text = render(pid, meta, race, kind, days)
                    files[rel] = text
    return files


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   ".."))
    ap.add_argument("--vocab", help="output of `plan-index vocab --json` (default: run it)")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    load_vocab(root, args.vocab)
    files = generate()
    wdir = os.path.join(root, "index", "sources", "week_structures")
    if args.check:
        on_disk = {}
        for dirpath, _d, fs in os.walk(wdir):
            for f in fs:
                p = os.path.join(dirpath, f)
                with open(p, encoding="utf-8") as fh:
                    on_disk[os.path.relpath(p, wdir)] = fh.read()
        if on_disk != files:
            print("week_structures are out of date: run scripts/generate_week_structures.py",
                  file=sys.stderr)
            return 1
        print(f"week_structures up to date ({len(files)} files)")
        return 0
    if os.path.isdir(wdir):
        shutil.rmtree(wdir)
    for rel, text in sorted(files.items()):
        path = os.path.join(wdir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    print(f"wrote {len(files)} week structures to {os.path.relpath(wdir, root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
