//! `check-sources` over the real sources and over copies broken in each way it must catch.

mod support;

use plan_index_prepare::check::{BOUNDS, check_sources};
use support::{Sandbox, assert_reported, repo_sources};

const BUILD: &str = "week_structures/daniels/marathon/build-d5.md";
const TEMPO: &str = "session_templates/tempo/generic__tempo__continuous_tempo.md";

#[test]
fn the_repository_sources_pass() {
    let report = check_sources(&repo_sources());
    assert_eq!(report.problems, Vec::new());
    let s = &report.summary;
    assert_eq!(s.philosophies, 13);
    assert_eq!(s.week_structures, 730);
    assert_eq!(s.session_templates, 239);
    assert_eq!(s.knowledge_passages, 81);
    assert!(
        report
            .summary_line()
            .starts_with("check-sources: ok (13 philosophies")
    );
}

#[test]
fn values_outside_the_vocabulary_are_reported() {
    let sb = Sandbox::new();
    sb.replace(
        TEMPO,
        "phases: [base, build, peak, taper]",
        "phases: [base, offseason]",
    );
    sb.replace(BUILD, "wed: strides", "wed: jogging");
    let knowledge = "knowledge/taper/taper_5k.md";
    sb.replace(knowledge, "topic: taper", "topic: tapering");
    let report = check_sources(&sb.sources);
    assert_reported(
        &report,
        &sb.path(TEMPO),
        "phases has values outside the vocabulary",
    );
    assert_reported(
        &report,
        &sb.path(BUILD),
        "unknown session types [\"jogging\"]",
    );
    assert_reported(&report, &sb.path(knowledge), "unknown topic");
    assert!(!report.ok());
    assert!(report.summary_line().ends_with("problem(s)"));
}

#[test]
fn duplicate_ids_are_reported() {
    let sb = Sandbox::new();
    let copy = "session_templates/tempo/generic__tempo__copy.md";
    sb.copy(TEMPO, copy);
    let report = check_sources(&sb.sources);
    let problem = "duplicate id generic__tempo__continuous_tempo";
    assert_reported(&report, &sb.path(copy), problem);
    assert_reported(&report, &sb.path(copy), "file name does not match id");
}

#[test]
fn every_week_rule_is_enforced_with_the_file_named() {
    let sb = Sandbox::new();
    let cases: [(&str, [&str; 7], &str); 7] = [
        (
            BUILD,
            [
                "rest",
                "threshold",
                "strides",
                "race_pace",
                "rest",
                "rest",
                "long",
            ],
            "4 running days, 5 required",
        ),
        (
            "week_structures/daniels/marathon/peak-d5.md",
            ["long", "rest", "threshold", "easy", "rest", "easy", "long"],
            "2 long runs, exactly one required",
        ),
        (
            "week_structures/daniels/marathon/base-d5.md",
            [
                "back_to_back",
                "rest",
                "threshold",
                "easy",
                "rest",
                "easy",
                "long",
            ],
            "`back_to_back` is only for ultra",
        ),
        (
            "week_structures/daniels/marathon/build-d6.md",
            ["rest", "threshold", "easy", "easy", "easy", "tempo", "long"],
            "hard day sat (tempo) is next to sun (long)",
        ),
        (
            "week_structures/daniels/marathon/build-d7.md",
            [
                "easy",
                "threshold",
                "easy",
                "vo2max",
                "tempo",
                "easy",
                "long",
            ],
            "3 hard days, the philosophy allows 2",
        ),
        (
            "week_structures/daniels/marathon/taper-d5.md",
            ["easy", "tempo", "rest", "threshold", "rest", "easy", "long"],
            "2 hard days in a taper week (at most 1)",
        ),
        (
            "week_structures/daniels/marathon/taper_race_week-d5.md",
            ["easy", "rest", "easy", "rest", "easy", "strides", "long"],
            "the race week needs `race` on sun and no `long`",
        ),
    ];
    for (file, pattern, _) in &cases {
        sb.set_pattern(file, *pattern);
    }
    // build-d3 keeps a sound pattern but leaves a gap before the build window.
    let gap_file = "week_structures/daniels/marathon/build-d3.md";
    sb.replace(gap_file, "days_to_race_min: 49", "days_to_race_min: 50");
    let report = check_sources(&sb.sources);
    for (file, _, problem) in &cases {
        assert_reported(&report, &sb.path(file), problem);
    }
    let gap = sb.path(gap_file);
    assert_reported(&report, &gap, "the marathon build window is 49-104");
    assert_reported(&report, &gap, "days_to_race starts at 50, expected 49");
}

#[test]
fn metadata_that_disagrees_with_the_pattern_is_reported() {
    let sb = Sandbox::new();
    sb.replace(
        BUILD,
        "  long_run_day: sun\n  days_to_race_min",
        "  long_run_day: sat\n  days_to_race_min",
    );
    sb.replace(
        BUILD,
        "  hard_days: 2\n  long_run_day: sat",
        "  hard_days: 1\n  long_run_day: sat",
    );
    let report = check_sources(&sb.sources);
    assert_reported(
        &report,
        &sb.path(BUILD),
        "hard_days must be 2 (the pattern's hard sessions)",
    );
    assert_reported(&report, &sb.path(BUILD), "long_run_day must be sun");
}

#[test]
fn coverage_gaps_are_reported() {
    let sb = Sandbox::new();
    sb.remove("week_structures/daniels/marathon/peak-d4.md");
    sb.remove("knowledge/taper/taper_marathon.md");
    sb.copy(BUILD, "week_structures/daniels/marathon/build-d9.md");
    let report = check_sources(&sb.sources);
    let missing = sb.path("week_structures/daniels/marathon/peak-d4.md");
    assert_reported(&report, &missing, "missing week structure");
    let unexpected = sb.path("week_structures/daniels/marathon/build-d9.md");
    assert_reported(&report, &unexpected, "unexpected file");
    let taper = "no taper passage for race marathon";
    assert_reported(&report, &sb.path("knowledge"), taper);
    let phases = "phases by distance to race are";
    let first = sb.path("week_structures/daniels/marathon/taper_race_week-d4.md");
    assert_reported(&report, &first, phases);
}

#[test]
fn a_philosophy_outside_the_vocabulary_breaks_the_race_and_level_coverage() {
    let sb = Sandbox::new();
    for id in [
        "speed_5k",
        "daniels",
        "hansons",
        "lydiard",
        "polarized_80_20",
    ] {
        let file = format!("philosophies/{id}.md");
        let text = std::fs::read_to_string(sb.path(&file)).expect("read");
        let line = text
            .lines()
            .find(|l| l.starts_with("  race_types: "))
            .expect("race_types")
            .to_string();
        sb.replace(&file, &line, &line.replace("5k", "mile"));
    }
    let report = check_sources(&sb.sources);
    let daniels = sb.path("philosophies/daniels.md");
    assert_reported(
        &report,
        &daniels,
        "race_types has values outside the vocabulary: [\"mile\"]",
    );
    let dir = sb.path("philosophies");
    assert_reported(&report, &dir, "9 valid philosophies, at least 12 required");
    assert_reported(&report, &dir, "5k/beginner/7 days: no philosophy covers it");
}

#[test]
fn word_counts_outside_the_bounds_are_reported() {
    let sb = Sandbox::new();
    let text = std::fs::read_to_string(sb.path(TEMPO)).expect("read");
    let body = text.rsplit("---\n").next().expect("body").to_string();
    sb.replace(TEMPO, &body, "# Continuous tempo run\n\nToo short.\n");
    let knowledge = "knowledge/taper/taper_5k.md";
    let text = std::fs::read_to_string(sb.path(knowledge)).expect("read");
    let heading = text
        .lines()
        .find(|l| l.starts_with("## "))
        .expect("a section")
        .to_string();
    sb.replace(
        knowledge,
        &heading,
        &format!("{heading}\n\nA short one.\n\n## Second part"),
    );
    let report = check_sources(&sb.sources);
    let [lo, hi] = BOUNDS.template_words;
    let words = format!("body has 5 words ({lo}-{hi} required)");
    assert_reported(&report, &sb.path(TEMPO), &words);
    assert_reported(
        &report,
        &sb.path(knowledge),
        "has 3 words (80-200 required)",
    );
}

#[test]
fn unreadable_front_matter_is_reported() {
    let sb = Sandbox::new();
    sb.replace(
        TEMPO,
        "intensity: moderate",
        "intensity: moderate\n  intensity: hard",
    );
    let report = check_sources(&sb.sources);
    assert_reported(&report, &sb.path(TEMPO), "cannot parse");
}
