//! Text queries end to end: refused against an index made by another model, answered from
//! baked query vectors without the model, and answered by the local MiniLM otherwise.
#![cfg(feature = "embed")]

use plan_index_api::ApiError;
use plan_index_api::search::{self, QueryInput, SearchResponse, SearchSpec};
use plan_index_core::BakedIndex;
use plan_index_embed::minilm::{self, MODEL_ID};
use plan_index_embed::{EmbedError, EmbeddedBy, embed_query};
use plan_index_format::sha256_hex;
use serde_json::json;

/// A three-item index whose manifest names `model`, plus a baked query for "baked text".
fn index_made_by(model: &str) -> (tempfile::TempDir, BakedIndex) {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, value: serde_json::Value| {
        std::fs::write(dir.path().join(name), value.to_string()).expect("write");
    };
    write(
        "manifest.json",
        json!({"model": model, "dim": 3, "metric": "cosine"}),
    );
    write(
        "docs.json",
        json!([
            {"id": "x", "embedding": [1.0, 0.0, 0.0]},
            {"id": "y", "embedding": [0.0, 1.0, 0.0]},
            {"id": "z", "embedding": [0.0, 0.0, 1.0]},
        ]),
    );
    write(
        "queries.json",
        json!([{"id": sha256_hex("baked text"), "embedding": [0.0, 1.0, 0.1], "text": "baked text"}]),
    );
    let index = plan_index_testkit::open_dir(dir.path()).expect("bakes");
    (dir, index)
}

fn text_search<'a>(index: &'a BakedIndex, text: &str) -> Result<SearchResponse<'a>, ApiError> {
    let request = SearchSpec {
        collection: "docs".into(),
        query: QueryInput::Text(text.into()),
        k: 2,
        filters: Vec::new(),
        min_score: None,
    };
    search::run(index, request)
}

#[test]
fn text_query_against_another_models_index_is_refused() {
    let (_dir, index) = index_made_by("openai/text-embedding-3-small");
    let e = text_search(&index, "how long should a taper be").expect_err("mismatch");
    assert_eq!(e.code.as_str(), "model_mismatch");
    assert_eq!(e.status(), 422);
    assert!(
        e.to_string().contains("openai/text-embedding-3-small"),
        "{e}"
    );
    assert!(e.to_string().contains(MODEL_ID), "{e}");
    let (_dir, unknown) = index_made_by("unknown");
    assert!(matches!(
        embed_query(&unknown, "taper"),
        Err(EmbedError::ModelMismatch { .. })
    ));
}

#[test]
fn baked_texts_need_no_model_whatever_the_index_model() {
    let (_dir, index) = index_made_by("openai/text-embedding-3-small");
    let response = text_search(&index, "baked text").expect("baked");
    assert_eq!(response.embedded, Some(EmbeddedBy::Baked));
    let results = response.results.expect("results");
    assert_eq!(results[0].id, "y");
}

#[test]
fn empty_text_is_refused() {
    let (_dir, index) = index_made_by(MODEL_ID);
    assert_eq!(
        text_search(&index, "  ").expect_err("empty").code.as_str(),
        "invalid_text"
    );
}

#[test]
fn the_shipped_index_answers_a_taper_question_from_the_model() {
    let index = plan_index::baked().expect("baked index");
    if index.model() != MODEL_ID || !minilm::model_files_present(&minilm::model_dir()) {
        eprintln!("SKIPPED: the baked index is not MiniLM's or the model files are absent");
        return;
    }
    let request = SearchSpec {
        collection: "knowledge".into(),
        query: QueryInput::Text("how long should a marathon taper be".into()),
        k: 5,
        filters: Vec::new(),
        min_score: None,
    };
    let response = search::run(index, request).expect("answers");
    assert_eq!(response.embedded, Some(EmbeddedBy::Model));
    let results = response.results.expect("results");
    assert_eq!(results.len(), 5);
    let taper = results
        .iter()
        .filter(|r| r.metadata.get("topic").and_then(|t| t.as_str()) == Some("taper"))
        .count();
    assert!(taper >= 3, "expected mostly taper passages: {results:?}");
    assert!(results[0].score > 0.5, "{results:?}");
}
