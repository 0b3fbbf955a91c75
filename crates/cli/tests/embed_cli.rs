//! `plan-index embed`: the JSON shape, and a clear error when the model files are missing.
#![cfg(feature = "embed")]

use std::process::Command;

use plan_index_embed::minilm;
use serde_json::Value;

fn embed(text: &str, model_dir: Option<&std::path::Path>) -> (bool, Value) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plan-index"));
    command.args(["embed", text, "--json"]);
    match model_dir {
        Some(dir) => command.env(minilm::MODEL_DIR_ENV, dir),
        None => command.env(minilm::MODEL_DIR_ENV, minilm::model_dir()),
    };
    let out = command.output().expect("runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.success(), json)
}

/// Whether the baked index is MiniLM's (a PLAN_INDEX_DIR build may bake another).
fn minilm_index() -> bool {
    let index = plan_index::baked().expect("baked index");
    let ok = index.model() == minilm::MODEL_ID;
    if !ok {
        eprintln!("SKIPPED: the baked index was made by {:?}", index.model());
    }
    ok
}

#[test]
fn embed_json_has_model_dim_embedding_and_origin() {
    if !minilm_index() {
        return;
    }
    if !minilm::model_files_present(&minilm::model_dir()) {
        eprintln!("SKIPPED: model files absent (bash scripts/fetch-model.sh)");
        return;
    }
    let (ok, body) = embed("how long should a marathon taper be", None);
    assert!(ok, "{body}");
    let object = body.as_object().expect("an object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["dim", "embedded", "embedding", "model"]);
    assert_eq!(body["model"], minilm::MODEL_ID);
    assert_eq!(body["dim"], 384);
    assert_eq!(body["embedded"], "model");
    let vector: Vec<f64> = body["embedding"]
        .as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect();
    assert_eq!(vector.len(), 384);
    let norm = vector.iter().map(|x| x * x).sum::<f64>().sqrt();
    assert!((norm - 1.0).abs() < 1e-3, "{norm}");
}

#[test]
fn a_baked_query_text_reports_baked() {
    let index = plan_index::baked().expect("baked index");
    let Some(queries) = index
        .collection(plan_index_embed::QUERIES_COLLECTION)
        .expect("intact")
    else {
        eprintln!("SKIPPED: this index has no baked queries");
        return;
    };
    let Some(text) = queries.item(0).text.map(str::to_string) else {
        eprintln!("SKIPPED: baked queries carry no text");
        return;
    };
    // No model files at all: a baked text must still be answered.
    let empty = tempfile::tempdir().expect("tempdir");
    let (ok, body) = embed(&text, Some(empty.path()));
    assert!(ok, "{body}");
    assert_eq!(body["embedded"], "baked");
    assert_eq!(
        body["embedding"].as_array().map(Vec::len),
        Some(queries.dim())
    );
}

#[test]
fn missing_model_files_name_the_fetch_command() {
    if !minilm_index() {
        return;
    }
    let empty = tempfile::tempdir().expect("tempdir");
    let (ok, body) = embed("a text that is not baked", Some(empty.path()));
    assert!(!ok);
    assert_eq!(body["error"]["code"], "model_unavailable");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(message.contains("bash scripts/fetch-model.sh"), "{message}");
}
