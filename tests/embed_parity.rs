//! The Rust MiniLM reproduces sentence-transformers: every fixture sentence (written by
//! scripts/make_parity_fixture.py from the model package's own loader) must come out at
//! cosine >= 0.999 with the reference vector, and truncated at the same token count.
#![cfg(feature = "embed")]

use plan_index_core::Coded;
use plan_index_embed::Embedder;
use plan_index_embed::minilm::{self, DIM, MAX_TOKENS, MiniLm};
use serde_json::Value;

fn fixture() -> Value {
    let text = include_str!("fixtures/minilm_parity.json");
    serde_json::from_str(text).expect("fixture is JSON")
}

/// The model, or `None` (with the reason printed) when its files are absent.
fn model() -> Option<MiniLm> {
    let dir = minilm::model_dir();
    if !minilm::model_files_present(&dir) {
        eprintln!(
            "SKIPPED: model files absent in {} (bash scripts/fetch-model.sh)",
            dir.display()
        );
        return None;
    }
    Some(MiniLm::load(&dir).expect("model loads"))
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

fn cases() -> Vec<(String, usize, Vec<f32>)> {
    let fixture = fixture();
    assert_eq!(fixture["model"], minilm::MODEL_ID);
    fixture["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| {
            let text = c["text"].as_str().expect("text").to_string();
            let tokens = c["tokens"].as_u64().expect("tokens") as usize;
            let vector = c["embedding"]
                .as_array()
                .expect("embedding")
                .iter()
                .map(|x| x.as_f64().expect("number") as f32)
                .collect();
            (text, tokens, vector)
        })
        .collect()
}

#[test]
fn fixture_is_varied_enough() {
    let cases = cases();
    assert!(cases.len() >= 20);
    assert!(cases.iter().any(|(_, tokens, _)| *tokens > MAX_TOKENS));
    assert!(cases.iter().all(|(_, _, v)| v.len() == DIM));
}

#[test]
fn each_sentence_alone_matches_sentence_transformers() {
    let Some(model) = model() else { return };
    for (text, tokens, want) in cases() {
        assert_eq!(
            model.token_ids(&text).expect("tokenises").len(),
            tokens.min(MAX_TOKENS),
            "token count of {text:?}"
        );
        let got = model.embed_batch(&[&text]).expect("embeds").remove(0);
        let c = cosine(&got, &want);
        assert!(c >= 0.999, "cosine {c} for {text:?}");
        let norm = got.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
}

#[test]
fn a_padded_batch_matches_too() {
    let Some(model) = model() else { return };
    let cases = cases();
    let texts: Vec<&str> = cases.iter().map(|(t, _, _)| t.as_str()).collect();
    let got = model.embed_batch(&texts).expect("embeds");
    assert_eq!(got.len(), cases.len());
    for ((text, _, want), got) in cases.iter().zip(&got) {
        let c = cosine(got, want);
        assert!(c >= 0.999, "cosine {c} for {text:?} in a batch");
    }
}

#[test]
fn missing_files_name_the_fetch_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = MiniLm::load(dir.path()).expect_err("no files");
    assert_eq!(e.code().as_str(), "model_unavailable");
    assert!(e.to_string().contains("bash scripts/fetch-model.sh"), "{e}");
}

#[test]
fn corrupt_weights_name_the_fetch_command() {
    let Some(_) = model() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let src = minilm::model_dir();
    for file in minilm::MODEL_FILES {
        std::fs::copy(src.join(file), dir.path().join(file)).expect("copy");
    }
    std::fs::write(dir.path().join("model.safetensors"), b"not safetensors").expect("write");
    let e = MiniLm::load(dir.path()).expect_err("corrupt");
    assert_eq!(e.code().as_str(), "model_unavailable");
    assert!(e.to_string().contains("bash scripts/fetch-model.sh"), "{e}");
}
