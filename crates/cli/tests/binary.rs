//! The `plan-index` binary carries its index: copied away from the source tree, it still answers.

use std::path::PathBuf;
use std::process::Command;
use std::sync::LazyLock;

use serde_json::Value;

/// One copy for all tests: copying while another test thread forks would leave that child
/// holding the file open for writing, and exec would fail with "text file busy".
static MOVED: LazyLock<(tempfile::TempDir, PathBuf)> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("tempdir");
    let moved = dir.path().join("plan-index");
    std::fs::copy(env!("CARGO_BIN_EXE_plan-index"), &moved).expect("copy the binary");
    (dir, moved)
});

fn run_moved(args: &[&str]) -> (bool, Value) {
    let (dir, moved) = &*MOVED;
    let out = Command::new(moved)
        .args(args)
        .current_dir(dir.path())
        .env_remove("PLAN_INDEX_DIR")
        .output()
        .expect("run the moved binary");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.success(), json)
}

#[test]
fn moved_binary_inspects_its_baked_index() {
    let index = plan_index::baked().expect("the library's baked index");
    let (ok, report) = run_moved(&["inspect", "--json", "--verify"]);
    assert!(ok, "{report}");
    assert_eq!(report["content_hash"], index.content_hash());
    assert_eq!(report["verified"], true);
    assert_eq!(report["model"], index.model());
    let first = index
        .collections()
        .next()
        .expect("at least one collection")
        .expect("intact");
    assert_eq!(report["collections"][0]["name"], first.name());
    assert_eq!(report["collections"][0]["count"], first.len());
    assert_eq!(
        report["collections"][0]["storage"],
        first.storage().as_str()
    );
    assert_eq!(
        report["collections"][0]["f32_bytes"],
        first.len() * first.dim() * 4
    );
    let compact = report["collections"][0]["compact_bytes"].as_u64();
    match first.storage() {
        plan_index_core::Storage::F32 => assert_eq!(compact, Some(0)),
        _ => assert!(compact.is_some_and(|b| b > 0)),
    }
}

#[test]
fn moved_binary_searches_like_an_item() {
    let index = plan_index::baked().expect("the library's baked index");
    let collection = index
        .collections()
        .next()
        .expect("at least one collection")
        .expect("intact");
    let id = collection.item(0).id;
    let (ok, response) = run_moved(&[
        "search",
        collection.name(),
        "--like",
        id,
        "--k",
        "3",
        "--json",
    ]);
    assert!(ok, "{response}");
    assert_eq!(response["results"][0]["id"], id);
    let score = response["results"][0]["score"].as_f64().expect("score");
    assert!((score - 1.0).abs() < 1e-5, "{score}");
}

#[test]
fn bad_arguments_fail_with_a_json_error() {
    let (ok, response) = run_moved(&["search", "no_such_collection", "--like", "x", "--json"]);
    assert!(!ok);
    assert_eq!(response["error"]["code"], "unknown_collection");
    let (ok, response) = run_moved(&[
        "search",
        "philosophies",
        "--like",
        "x",
        "--k",
        "0",
        "--json",
    ]);
    assert!(!ok);
    assert_eq!(response["error"]["code"], "invalid_k");
}
