//! Text-query costs: one short query through MiniLM, loading the model, and looking up a
//! baked query vector. Run single-threaded as Lambda's smallest sizes would:
//! `RAYON_NUM_THREADS=1 cargo bench --bench embed` (candle reads it for its matmuls).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use plan_index_core::BakedIndex;
use plan_index_embed::minilm::{self, MiniLm};
use plan_index_embed::{Embedder, embed_query};
use plan_index_format::sha256_hex;

const QUERY: &str = "how long should a marathon taper be";

fn model_benches(c: &mut Criterion) {
    let dir = minilm::model_dir();
    if !minilm::model_files_present(&dir) {
        eprintln!("model benches skipped: no model files in {}", dir.display());
        return;
    }
    let model = MiniLm::load(&dir).expect("model loads");
    c.bench_function("embed_short_query", |b| {
        b.iter(|| model.embed_batch(black_box(&[QUERY])).expect("embeds"))
    });
    let long = "Easy running with strides, a tempo run and a long run each week. ".repeat(20);
    c.bench_function("embed_256_token_text", |b| {
        b.iter(|| {
            model
                .embed_batch(black_box(&[long.as_str()]))
                .expect("embeds")
        })
    });
    let mut group = c.benchmark_group("model");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("load", |b| {
        b.iter(|| MiniLm::load(black_box(&dir)).expect("loads"))
    });
    group.finish();
}

/// An index with 1,000 baked query texts (384-dim vectors), as prepare would write them.
fn baked_queries_index() -> (tempfile::TempDir, BakedIndex) {
    let dir = tempfile::tempdir().expect("tempdir");
    let vector = |seed: usize| -> Vec<f32> {
        (0..384)
            .map(|i| ((seed * 31 + i * 7) % 97) as f32 / 97.0 + 0.01)
            .collect()
    };
    let items: Vec<serde_json::Value> = (0..1000)
        .map(|n| {
            let text = format!("session template for tempo in week {n}");
            serde_json::json!({"id": sha256_hex(&text), "embedding": vector(n), "text": text})
        })
        .collect();
    let manifest = serde_json::json!({"model": minilm::MODEL_ID, "dim": 384, "metric": "cosine"});
    let docs = serde_json::json!([{"id": "a", "embedding": vector(7)}]);
    for (name, value) in [
        ("manifest.json", manifest),
        ("docs.json", docs),
        ("queries.json", serde_json::Value::Array(items)),
    ] {
        std::fs::write(dir.path().join(name), value.to_string()).expect("write");
    }
    let index = plan_index_testkit::open_dir(dir.path()).expect("bakes");
    (dir, index)
}

fn baked_bench(c: &mut Criterion) {
    let (_dir, index) = baked_queries_index();
    let text = "session template for tempo in week 500";
    c.bench_function("baked_query_lookup", |b| {
        b.iter(|| embed_query(&index, black_box(text)).expect("baked"))
    });
}

criterion_group!(benches, baked_bench, model_benches);
criterion_main!(benches);
