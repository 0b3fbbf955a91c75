//! Bad queries get typed errors with stable codes, never a panic.

use plan_index_api::ApiError;
use plan_index_api::search::{self, SearchRequest, SearchResponse};
use plan_index_core::BakedIndex;
use serde_json::{Value, json};

/// The test collection, built once (results borrow from it).
fn index() -> &'static BakedIndex {
    static INDEX: std::sync::OnceLock<BakedIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(build)
}

fn build() -> BakedIndex {
    let dir = tempfile::tempdir().expect("tempdir");
    let items = json!([
        {"id": "a", "embedding": [1.0, 0.0, 0.0], "metadata": {"kind": "x", "tags": ["t1", "t2"], "n": 2}},
        {"id": "b", "embedding": [0.0, 1.0, 0.0], "metadata": {"kind": "y", "tags": ["t2"], "n": 3}},
        {"id": "c", "embedding": [0.0, 0.0, 1.0], "metadata": {"kind": "x", "tags": [], "n": 2}}
    ]);
    std::fs::write(dir.path().join("things.json"), items.to_string()).expect("write");
    plan_index_testkit::open_dir(dir.path()).expect("valid")
}

fn run(body: Value) -> Result<SearchResponse<'static>, ApiError> {
    let request: SearchRequest = serde_json::from_value(body).expect("request shape");
    search::run(index(), request.into_spec()?)
}

fn code(body: Value) -> &'static str {
    match run(body) {
        Ok(r) => panic!("expected an error, got {r:?}"),
        Err(e) => e.code.as_str(),
    }
}

#[test]
fn bad_queries_have_codes() {
    assert_eq!(
        code(json!({"collection": "nope", "vector": [1, 0, 0]})),
        "unknown_collection"
    );
    assert_eq!(
        code(json!({"collection": "things", "vector": [1, 0]})),
        "dimension_mismatch"
    );
    assert_eq!(
        code(json!({"collection": "things", "vector": []})),
        "invalid_vector"
    );
    assert_eq!(
        code(json!({"collection": "things", "vector": [0, 0, 0]})),
        "invalid_vector"
    );
    assert_eq!(
        code(json!({"collection": "things", "vector": [1, "NaN", 0]})),
        "invalid_vector"
    );
    assert_eq!(
        code(json!({"collection": "things", "vector": "x"})),
        "invalid_vector"
    );
    let long: Vec<f32> = vec![0.5; 100_000];
    assert_eq!(
        code(json!({"collection": "things", "vector": long})),
        "dimension_mismatch"
    );
    assert_eq!(
        code(json!({"collection": "things", "vector": [1, 0, 0], "k": 0})),
        "invalid_k"
    );
    assert_eq!(
        code(json!({"collection": "things", "vector": [1, 0, 0], "k": -3})),
        "invalid_k"
    );
    assert_eq!(
        code(json!({"collection": "things", "vector": [1, 0, 0], "k": 1e9})),
        "invalid_k"
    );
    assert_eq!(
        code(json!({"collection": "things", "vector": [1, 0, 0], "k": 2.5})),
        "invalid_k"
    );
    assert_eq!(
        code(json!({"collection": "things", "like": "zzz"})),
        "unknown_id"
    );
    assert_eq!(code(json!({"collection": "things"})), "invalid_request");
    assert_eq!(
        code(json!({"collection": "things", "like": "a", "text": "t"})),
        "invalid_request"
    );
    assert_eq!(
        code(json!({"collection": "things", "like": "a", "where": {"colour": "x"}})),
        "unknown_field"
    );
    assert_eq!(
        code(json!({"collection": "things", "like": "a", "where": {"kind": ["x"]}})),
        "invalid_request"
    );
}

#[test]
fn unknown_collection_lists_the_known_ones() {
    let e = run(json!({"collection": "nope", "like": "a"})).expect_err("unknown");
    assert!(e.to_string().contains("things"), "{e}");
}

#[test]
fn filters_match_strings_lists_and_numbers() {
    let ids = |filter: Value| -> Vec<&str> {
        run(json!({"collection": "things", "vector": [1, 1, 1], "where": filter}))
            .expect("search")
            .results
            .expect("results")
            .into_iter()
            .map(|r| r.id)
            .collect()
    };
    assert_eq!(ids(json!({"kind": "x"})), ["a", "c"]);
    assert_eq!(ids(json!({"tags": "t2"})), ["a", "b"]);
    assert_eq!(ids(json!({"n": 2, "kind": "x", "tags": "t1"})), ["a"]);
    assert!(ids(json!({"kind": "z"})).is_empty());
}

#[test]
fn batch_gives_one_list_per_query_and_min_score_cuts() {
    let response = run(json!({"collection": "things", "vector": [[1, 0, 0], [0, 0, 1]], "k": 1}))
        .expect("batch");
    let queries = response.queries.expect("batch lists");
    assert!(response.results.is_none());
    assert_eq!(queries.len(), 2);
    assert_eq!(queries[0].results[0].id, "a");
    assert_eq!(queries[1].results[0].id, "c");
    let response = run(json!({"collection": "things", "vector": [1, 0.5, 0], "min_score": 0.5}))
        .expect("search");
    let ids: Vec<_> = response
        .results
        .expect("results")
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, ["a"]);
}

/// A result is encoded straight from the blob (metadata and payload borrowed): the same JSON as
/// the owned values it replaced (each metadata value as a `MetaValue`, `payload_json`), for
/// every item of the default index and of the small collection above (lists, numbers, empty
/// lists).
#[test]
fn borrowed_results_encode_as_owned_values() {
    fn text<T: serde::Serialize>(value: &T) -> String {
        serde_json::to_string(value).expect("encodes")
    }
    let baked = plan_index::baked().expect("default index");
    for index in [baked, index()] {
        for name in index.collection_names() {
            let collection = index.collection(name).expect("intact").expect("listed");
            for row in 0..collection.len() {
                let hit = plan_index_core::Hit { row, score: 0.5 };
                let borrowed = search::result(&collection, hit);
                let item = collection.item(row);
                // The metadata as owned values, encoded by their own rule (`MetaValue`).
                let metadata: serde_json::Map<String, Value> = item
                    .metadata
                    .to_owned_map()
                    .into_iter()
                    .map(|(key, value)| (key, value.to_json()))
                    .collect();
                let owned = json!({
                    "id": item.id,
                    "score": 0.5,
                    "metadata": metadata,
                    "text": item.text,
                    "payload": item.payload_json(),
                });
                let mut owned = owned.as_object().expect("object").clone();
                owned.retain(|_, v| !v.is_null());
                let encoded = serde_json::to_string(&borrowed).expect("encodes");
                let decoded: Value = serde_json::from_str(&encoded).expect("JSON");
                assert_eq!(decoded, Value::Object(owned), "{name} row {row}");
                // Byte for byte where order could differ: metadata keys, payload members.
                assert_eq!(
                    text(&borrowed.metadata),
                    text(&metadata),
                    "{name} row {row}"
                );
                assert_eq!(
                    text(&borrowed.payload),
                    text(&item.payload_json()),
                    "{name} row {row}"
                );
            }
        }
    }
}
