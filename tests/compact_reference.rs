//! Compact storage on real data: the default index (`index/`) and the production caches in
//! `../shared/reference/athlete-space/` (skipped, saying so, when absent), rebaked with
//! `"storage": "f16"` and `"i8"`, give for every id used as a `like` query the same top-k as
//! f32 storage: ids, order and score bits.

use std::path::{Path, PathBuf};

use plan_index_core::search::{self, Query, Search};
use plan_index_core::{BakedIndex, Storage};
use serde_json::{Value, json};

/// `dir`'s collection files and manifest copied to a new directory, the manifest's storage
/// set to `storage` (a manifest is written when `dir` has none).
fn rebake(dir: &Path, storage: Storage) -> BakedIndex {
    let out = tempfile::tempdir().expect("tempdir");
    let mut manifest = json!({"model": "unknown", "metric": "cosine"});
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "json") || !path.is_file() {
            continue;
        }
        let name = path.file_name().expect("name");
        if name == "manifest.json" {
            let text = std::fs::read_to_string(&path).expect("manifest");
            manifest = serde_json::from_str(&text).expect("manifest JSON");
        } else {
            std::fs::copy(&path, out.path().join(name)).expect("copy");
        }
    }
    if manifest.get("dim").is_none() {
        let dim = first_dim(out.path());
        manifest["dim"] = json!(dim);
    }
    manifest["storage"] = json!(storage.as_str());
    std::fs::write(out.path().join("manifest.json"), manifest.to_string()).expect("write");
    plan_index_testkit::open_dir(out.path()).expect("bakes")
}

fn first_dim(dir: &Path) -> usize {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("read");
        let items: Value = serde_json::from_str(&text).expect("JSON");
        if let Some(n) = items[0]["embedding"].as_array().map(Vec::len) {
            return n;
        }
    }
    panic!("no embedding in {}", dir.display());
}

/// Every id of every collection as a `like` query, top-`k`: (row, score bits) per query.
fn like_everything(index: &BakedIndex, k: usize) -> Vec<Vec<(usize, u32)>> {
    let mut all = Vec::new();
    for entry in index.entries() {
        let collection = index
            .collection(&entry.name)
            .expect("intact")
            .expect("listed");
        for item in collection.items() {
            let mut request = Search {
                collection: entry.name.clone(),
                query: Query::Like(item.id.to_string()),
                k,
                filters: Vec::new(),
                min_score: None,
            };
            let ranked = search::run(index, &mut request).expect("searches");
            all.extend(ranked.lists.into_iter().map(|list| {
                list.iter()
                    .map(|h| (h.row, h.score.to_bits()))
                    .collect::<Vec<_>>()
            }));
        }
    }
    all
}

fn check(dir: &Path) {
    let f32 = rebake(dir, Storage::F32);
    let want = like_everything(&f32, 10);
    assert!(!want.is_empty());
    for storage in [Storage::F16, Storage::I8] {
        let index = rebake(dir, storage);
        assert!(index.entries().iter().all(|c| c.storage == storage));
        let got = like_everything(&index, 10);
        assert_eq!(got.len(), want.len());
        for (i, (got, want)) in got.iter().zip(&want).enumerate() {
            assert_eq!(got, want, "{storage:?} query {i} of {}", dir.display());
        }
    }
}

#[test]
fn the_default_index_gives_the_f32_top_k_in_every_storage() {
    check(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("index"));
}

#[test]
fn the_reference_caches_give_the_f32_top_k_in_every_storage() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/athlete-space");
    if !dir.is_dir() {
        println!(
            "SKIPPED: {} is absent (it is not part of the repository)",
            dir.display()
        );
        return;
    }
    check(&dir);
}
