//! Every validation error of the baker, through the same module build.rs runs.

use std::path::Path;

use plan_index_format::{BakeError, Problem, bake_dir};
use serde_json::json;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write test file");
}

fn bake_err(files: &[(&str, String)]) -> BakeError {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    match bake_dir(dir.path()) {
        Ok(_) => panic!("expected a validation error for {files:?}"),
        Err(e) => e,
    }
}

fn one(items: serde_json::Value) -> Vec<(&'static str, String)> {
    vec![("things.json", items.to_string())]
}

fn assert_names(e: &BakeError, file: &str, item: Option<&str>) {
    assert!(e.file.ends_with(file), "{e}");
    assert_eq!(e.item.as_deref(), item, "{e}");
    let message = e.to_string();
    assert!(message.contains(file), "{message}");
    if let Some(id) = item {
        assert!(message.contains(id), "{message}");
    }
}

#[test]
fn duplicate_id() {
    let e = bake_err(&one(json!([
        {"id": "a", "embedding": [1.0, 0.0]},
        {"id": "a", "embedding": [0.0, 1.0]}
    ])));
    assert_eq!(e.problem, Problem::DuplicateId);
    assert_names(&e, "things.json", Some("a"));
}

#[test]
fn missing_embedding() {
    let e = bake_err(&one(json!([{"id": "a", "embedding": [1.0]}, {"id": "b"}])));
    assert_eq!(e.problem, Problem::MissingEmbedding);
    assert_names(&e, "things.json", Some("b"));
}

#[test]
fn empty_embedding() {
    let e = bake_err(&one(json!([{"id": "a", "embedding": []}])));
    assert_eq!(e.problem, Problem::EmptyEmbedding);
    assert_names(&e, "things.json", Some("a"));
}

#[test]
fn wrong_dimension_within_a_collection() {
    let e = bake_err(&one(json!([
        {"id": "a", "embedding": [1.0, 0.0, 0.0]},
        {"id": "b", "embedding": [1.0, 0.0]}
    ])));
    assert_eq!(
        e.problem,
        Problem::WrongDimension {
            found: 2,
            expected: 3
        }
    );
    assert_names(&e, "things.json", Some("b"));
}

#[test]
fn wrong_dimension_against_the_manifest() {
    let e = bake_err(&[
        (
            "manifest.json",
            json!({"model": "m", "dim": 4, "metric": "dot"}).to_string(),
        ),
        (
            "things.json",
            json!([{"id": "a", "embedding": [1.0, 0.0]}]).to_string(),
        ),
    ]);
    assert_eq!(
        e.problem,
        Problem::WrongDimension {
            found: 2,
            expected: 4
        }
    );
    assert_names(&e, "things.json", Some("a"));
}

#[test]
fn wrong_dimension_across_collections() {
    let e = bake_err(&[
        (
            "a.json",
            json!([{"id": "x", "embedding": [1.0, 0.0]}]).to_string(),
        ),
        (
            "b.json",
            json!([{"id": "y", "embedding": [1.0, 0.0, 2.0]}]).to_string(),
        ),
    ]);
    assert_eq!(
        e.problem,
        Problem::WrongDimension {
            found: 3,
            expected: 2
        }
    );
    assert_names(&e, "b.json", Some("y"));
}

#[test]
fn nan_written_by_python() {
    // json.dump(float("nan")) writes a bare NaN token, which is not JSON.
    let e = bake_err(&[(
        "things.json",
        r#"[{"id": "a", "embedding": [1.0, NaN]}]"#.to_string(),
    )]);
    assert_eq!(e.problem, Problem::NonFinite(1));
    assert_names(&e, "things.json", Some("a"));
}

#[test]
fn infinity_written_by_python() {
    let e = bake_err(&[(
        "things.json",
        r#"[{"id": "NaN in a string is fine", "embedding": [-Infinity, 1.0]}]"#.to_string(),
    )]);
    assert_eq!(e.problem, Problem::NonFinite(0));
    assert_names(&e, "things.json", Some("NaN in a string is fine"));
}

#[test]
fn overflowing_f32() {
    let e = bake_err(&one(json!([{"id": "big", "embedding": [1e39, 1.0]}])));
    assert_eq!(e.problem, Problem::NonFinite(0));
}

#[test]
fn non_number_element() {
    let e = bake_err(&one(json!([{"id": "a", "embedding": [1.0, "x"]}])));
    assert_eq!(e.problem, Problem::NotANumber(1));
}

#[test]
fn zero_vector_under_cosine() {
    let e = bake_err(&one(json!([
        {"id": "a", "embedding": [1.0, 0.0]},
        {"id": "zero", "embedding": [0.0, 0.0]}
    ])));
    assert_eq!(e.problem, Problem::ZeroVector);
    assert_names(&e, "things.json", Some("zero"));
}

#[test]
fn zero_vector_is_fine_under_dot() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "manifest.json",
        &json!({"model": "m", "dim": 2, "metric": "dot"}).to_string(),
    );
    write(
        dir.path(),
        "t.json",
        &json!([{"id": "zero", "embedding": [0.0, 0.0]}]).to_string(),
    );
    assert!(bake_dir(dir.path()).is_ok());
}

#[test]
fn unknown_metric() {
    let e = bake_err(&[
        (
            "manifest.json",
            json!({"model": "m", "dim": 2, "metric": "hamming"}).to_string(),
        ),
        (
            "things.json",
            json!([{"id": "a", "embedding": [1.0, 0.0]}]).to_string(),
        ),
    ]);
    assert_eq!(e.problem, Problem::UnknownMetric("hamming".into()));
    assert_names(&e, "manifest.json", None);
}

#[test]
fn unsupported_metadata_values() {
    for (value, why) in [
        (json!({"nested": 1}), "an object"),
        (json!(null), "null"),
        (json!(["ok", 3]), "a list holding a non-string"),
    ] {
        let e = bake_err(&one(
            json!([{"id": "a", "embedding": [1.0], "metadata": {"k": value}}]),
        ));
        assert_eq!(
            e.problem,
            Problem::UnsupportedMetadata {
                key: "k".into(),
                why: why.into()
            }
        );
        assert_names(&e, "things.json", Some("a"));
    }
}

#[test]
fn empty_collection() {
    let e = bake_err(&[("empty.json", "[]".to_string())]);
    assert_eq!(e.problem, Problem::EmptyCollection);
    assert_names(&e, "empty.json", None);
}

#[test]
fn no_collections() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = bake_dir(dir.path())
        .err()
        .expect("an empty directory must fail");
    assert_eq!(e.problem, Problem::NoCollections);
}

#[test]
fn not_an_array_and_malformed_json() {
    let e = bake_err(&[("obj.json", "{}".to_string())]);
    assert_eq!(e.problem, Problem::NotAnArray);
    let e = bake_err(&[("bad.json", "[{\"id\": ".to_string())]);
    assert!(matches!(e.problem, Problem::Json(_)), "{e}");
    assert!(e.to_string().contains("bad.json"));
}

#[test]
fn item_without_id_is_named_by_position() {
    let e = bake_err(&one(
        json!([{"id": "a", "embedding": [1.0]}, {"embedding": [1.0]}]),
    ));
    assert!(matches!(e.problem, Problem::BadItem(_)), "{e}");
    assert_eq!(e.item.as_deref(), Some("#1"));
}

#[test]
fn items_keep_file_order_and_collections_sort_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "zeta.json",
        &json!([{"id": "z2", "embedding": [1.0, 0.0]}, {"id": "z1", "embedding": [0.0, 1.0]}])
            .to_string(),
    );
    write(
        dir.path(),
        "alpha.json",
        &json!([{"id": "b", "embedding": [1.0, 1.0]}, {"id": "a", "embedding": [1.0, 2.0]}])
            .to_string(),
    );
    let baked = bake_dir(dir.path()).expect("valid index");
    let names: Vec<_> = baked
        .meta
        .collections
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["alpha", "zeta"]);
    let ids: Vec<_> = baked.meta.collections[1]
        .items
        .iter()
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(ids, ["z2", "z1"]);
    assert_eq!(baked.meta.model, "unknown");
}

fn with_manifest(manifest: serde_json::Value) -> BakeError {
    bake_err(&[
        ("manifest.json", manifest.to_string()),
        (
            "things.json",
            json!([{"id": "a", "embedding": [1.0, 0.0]}]).to_string(),
        ),
        (
            "queries.json",
            json!([{"id": "q", "embedding": [0.0, 1.0]}]).to_string(),
        ),
    ])
}

#[test]
fn a_manifest_key_the_baker_does_not_know_is_refused_by_name() {
    // Before format 3, `"storage"` was silently ignored: a misspelt key must not be.
    let e = with_manifest(json!({"model": "m", "dim": 2, "metric": "cosine", "storge": "i8"}));
    assert!(matches!(e.problem, Problem::BadManifest(_)), "{e}");
    assert!(e.to_string().contains("storge"), "{e}");
    assert_names(&e, "manifest.json", None);
    let e = with_manifest(json!({
        "model": "m", "dim": 2, "metric": "cosine",
        "collections": {"things": {"storage": "i8", "precision": 3}}
    }));
    assert!(e.to_string().contains("precision"), "{e}");
}

#[test]
fn an_unknown_storage_is_named_with_the_allowed_ones() {
    for manifest in [
        json!({"model": "m", "dim": 2, "metric": "cosine", "storage": "f8"}),
        json!({"model": "m", "dim": 2, "metric": "cosine",
               "collections": {"queries": {"storage": "f8"}}}),
    ] {
        let e = with_manifest(manifest);
        assert_eq!(e.problem, Problem::UnknownStorage("f8".into()));
        let message = e.to_string();
        for allowed in ["\"f8\"", "f32", "f16", "i8"] {
            assert!(message.contains(allowed), "{message}");
        }
        assert_names(&e, "manifest.json", None);
    }
}

#[test]
fn an_override_naming_no_collection_is_refused_by_name() {
    let e = with_manifest(json!({
        "model": "m", "dim": 2, "metric": "cosine",
        "collections": {"querys": {"storage": "i8"}}
    }));
    assert_eq!(
        e.problem,
        Problem::UnknownOverride {
            name: "querys".into(),
            known: "queries, things".into()
        }
    );
    assert!(e.to_string().contains("\"querys\""), "{e}");
    assert_names(&e, "manifest.json", None);
}

#[test]
fn compact_storage_needs_a_dot_product_metric() {
    let e = with_manifest(json!({"model": "m", "dim": 2, "metric": "l2", "storage": "f16"}));
    assert!(matches!(e.problem, Problem::StorageNeedsDot { .. }), "{e}");
    assert!(e.to_string().contains("l2"), "{e}");
}

#[test]
fn storage_per_index_and_per_collection() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = json!({
        "model": "m", "dim": 2, "metric": "cosine", "storage": "f16",
        "collections": {"queries": {"storage": "i8"}, "plain": {"storage": "f32"}}
    });
    write(dir.path(), "manifest.json", &manifest.to_string());
    for name in ["things", "queries", "plain"] {
        let items =
            json!([{"id": "a", "embedding": [1.0, 0.5]}, {"id": "b", "embedding": [0.0, 1.0]}]);
        write(dir.path(), &format!("{name}.json"), &items.to_string());
    }
    let baked = bake_dir(dir.path()).expect("valid");
    let storage: Vec<(&str, &str)> = baked
        .meta
        .collections
        .iter()
        .map(|c| (c.name.as_str(), c.storage.as_str()))
        .collect();
    assert_eq!(
        storage,
        [("plain", "f32"), ("queries", "i8"), ("things", "f16")]
    );
}
