//! Built without the `embed` feature (`cargo test --no-default-features --test
//! embed_unsupported`): text queries are refused with `text_unsupported` unless baked.
#![cfg(not(feature = "embed"))]

use plan_index_api::search::{self, QueryInput, SearchSpec};
use plan_index_core::BakedIndex;
use plan_index_embed::{EmbeddedBy, embed_query};
use plan_index_format::sha256_hex;
use serde_json::json;

fn index() -> (tempfile::TempDir, BakedIndex) {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, value: serde_json::Value| {
        std::fs::write(dir.path().join(name), value.to_string()).expect("write");
    };
    write(
        "manifest.json",
        json!({"model": "sentence-transformers/all-MiniLM-L6-v2", "dim": 2, "metric": "cosine"}),
    );
    write(
        "docs.json",
        json!([{"id": "a", "embedding": [1.0, 0.0]}, {"id": "b", "embedding": [0.0, 1.0]}]),
    );
    write(
        "queries.json",
        json!([{"id": sha256_hex("baked"), "embedding": [0.1, 1.0]}]),
    );
    let index = plan_index_testkit::open_dir(dir.path()).expect("bakes");
    (dir, index)
}

#[test]
fn text_query_is_refused_with_text_unsupported() {
    let (_dir, index) = index();
    let request = SearchSpec {
        collection: "docs".into(),
        query: QueryInput::Text("not baked".into()),
        k: 1,
        filters: Vec::new(),
        min_score: None,
    };
    let e = search::run(&index, request).expect_err("no embedder");
    assert_eq!(e.code.as_str(), "text_unsupported");
    assert_eq!(e.status(), 501);
}

#[test]
fn baked_text_still_works() {
    let (_dir, index) = index();
    let found = embed_query(&index, "baked").expect("baked");
    assert_eq!(found.embedded, EmbeddedBy::Baked);
    assert_eq!(found.vector.len(), 2);
}
