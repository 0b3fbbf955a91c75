//! `plan-index check-sources` and `plan-index vocab`: output, JSON and exit status.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo_sources() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../index/sources")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plan-index"))
        .args(args)
        .output()
        .expect("run plan-index")
}

/// Runs `command ... --sources <the repository's sources>` and expects success.
fn run_on_repo(args: &[&str]) -> Output {
    let sources = repo_sources();
    let mut args = args.to_vec();
    args.extend(["--sources", sources.to_str().expect("utf-8")]);
    let out = run(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {stderr}");
    out
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn the_repository_sources_pass_with_a_summary_line() {
    let out = run_on_repo(&["check-sources"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().expect("a summary line");
    assert_eq!(
        last,
        "check-sources: ok (13 philosophies, 730 week structures, 239 session templates, 81 \
         knowledge passages)"
    );
    let out = run_on_repo(&["check-sources", "--json"]);
    let report = json(&out);
    assert_eq!(report["problems"], serde_json::json!([]));
    assert_eq!(report["summary"]["week_structures"], 730);
    assert_eq!(
        report["summary"]["session_types"][0]["session_type"],
        "easy"
    );
}

#[test]
fn broken_sources_exit_1_with_one_line_per_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let phils = dir.path().join("philosophies");
    std::fs::create_dir_all(&phils).expect("mkdir");
    std::fs::write(phils.join("notes.txt"), "stray").expect("write");
    let sources = dir.path().to_str().expect("utf-8");
    let out = run(&["check-sources", "--sources", sources]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stray = format!("{}: unexpected entry", phils.join("notes.txt").display());
    assert!(stderr.contains(&stray), "{stderr}");
    let missing = format!(
        "{}: directory missing",
        dir.path().join("knowledge").display()
    );
    assert!(stderr.contains(&missing), "{stderr}");
    assert!(stderr.trim_end().ends_with("problem(s)"), "{stderr}");

    let out = run(&["check-sources", "--json", "--sources", sources]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let problems = report["problems"].as_array().expect("problems");
    assert!(problems.iter().any(|p| {
        p["file"] == phils.join("notes.txt").to_str().expect("utf-8")
            && p["problem"]
                .as_str()
                .is_some_and(|m| m.starts_with("unexpected entry"))
    }));
    assert_eq!(report["summary"]["philosophies"], 0);
}

#[test]
fn vocab_exports_the_windows_rules_and_philosophies() {
    let out = run_on_repo(&["vocab", "--json"]);
    let v = json(&out);
    assert_eq!(
        v["windows"]["half_marathon"]["peak"],
        serde_json::json!([14, 41])
    );
    assert_eq!(v["horizon_days"], 210);
    assert_eq!(v["taper_max_hard_days"], 1);
    assert_eq!(v["sources"]["week_words"], serde_json::json!([60, 150]));
    let phils = v["philosophies"].as_array().expect("philosophies");
    assert_eq!(phils.len(), 13);
    assert!(
        phils
            .iter()
            .any(|p| p["id"] == "daniels" && p["metadata"]["max_hard_days"] == 2)
    );
}
