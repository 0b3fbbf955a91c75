//! The fuzz targets' bodies, shared by the cargo-fuzz binaries (`fuzz_targets/*.rs`, nightly)
//! and the proptest-driven stable form (`tests/fuzz_stable.rs` includes this file), so both
//! run the same code. Each body must never panic, whatever the bytes; a panic is the finding.
#![allow(missing_docs)]

use std::sync::OnceLock;

use plan_index::lambda::{self, Context, Publisher};

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("tokio runtime")
    })
}

/// Any payload through the whole handler (classification, decoding, search, plan) on the
/// baked index: answered or refused with our error, never a panic.
pub fn event(bytes: &[u8]) {
    static PUBLISHER: OnceLock<Publisher> = OnceLock::new();
    let publisher = PUBLISHER.get_or_init(Publisher::disabled);
    let Ok(index) = plan_index::baked() else {
        return;
    };
    let mut ctx = Context::new("fuzz", publisher);
    ctx.metrics = false;
    ctx.memory_mb = Some(512);
    let _ = lambda::payload::classify(&lambda::payload::text(bytes).text);
    let _ = runtime().block_on(lambda::handle_payload(index, &ctx, bytes));
}

/// Bytes as a search or plan request body (direct members, `action` hidden).
pub fn request(bytes: &[u8]) {
    let text = lambda::payload::text(bytes);
    let _ = lambda::payload::event_request(&text.text, true);
    // Read as it arrives, and with the `"vector"` the classifier read on its way.
    let event = lambda::payload::classify(&text.text);
    for name in ["search", "plan"] {
        for vector in [None, event.members.vector()] {
            let request = lambda::payload::Request {
                text: &text.text,
                without: Some("action"),
                vector,
            };
            if let Ok(plan_index_api::Action::Search(search)) =
                plan_index_api::action::action(name, request)
            {
                let _ = search.into_spec();
            }
        }
    }
}

/// Bytes as a `"vector"` value.
pub fn vector(bytes: &[u8]) {
    if let Ok(input) = serde_json::from_slice::<plan_index_api::VectorInput>(bytes) {
        let _ = input.into_query();
    }
}

/// Arbitrary bytes as a baked blob, laid out 64-byte aligned as the binary's own is (so the
/// alignment check is not what stops every case): opened, then every collection, item,
/// metadata map, posting list and a search over it exercised. Refused with a format error or
/// answered, never a panic. Each case's copy is freed when the case ends.
pub fn blob(bytes: &[u8]) {
    let copy = Aligned::new(bytes);
    // SAFETY: `BakedIndex::open` wants a `'static` blob because the binary's own is one; here
    // the index and everything borrowed from it live only inside `exercise_blob`, which
    // returns before `copy` is dropped, and none of what this target calls keeps the blob
    // anywhere else (no process-wide memo: `BakedIndex::memo` is not reached from here).
    let blob: &'static [u8] = unsafe { std::slice::from_raw_parts(copy.as_ptr(), bytes.len()) };
    exercise_blob(blob);
    drop(copy);
}

fn exercise_blob(blob: &'static [u8]) {
    use plan_index_core::search::{Params, top_k};
    let Ok(index) = plan_index_core::BakedIndex::open(blob) else {
        return;
    };
    let _ = index.verify();
    for collection in index.collections() {
        let Ok(c) = collection else { continue };
        for row in 0..c.len().min(64) {
            let item = c.item(row);
            let _ = (item.id, item.text_hash, item.text, item.payload);
            let _ = item.metadata.to_owned_map();
            let _ = c.position(item.id);
            let _ = c.vector(row);
        }
        let postings = c.postings();
        for field in c.fields() {
            let _ = postings.candidates(field, "a");
        }
        let query = vec![0.5f32; c.dim()];
        let params = Params {
            k: 3,
            filters: &[],
            min_score: None,
        };
        let _ = top_k(&c, &query, &params);
    }
}

/// A 64-byte aligned copy of some bytes (the baked vectors must be aligned).
struct Aligned(Vec<Line>);

#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([u8; 64]);

impl Aligned {
    fn new(bytes: &[u8]) -> Aligned {
        let mut lines = vec![Line([0; 64]); bytes.len().div_ceil(64)];
        for (line, chunk) in lines.iter_mut().zip(bytes.chunks(64)) {
            line.0[..chunk.len()].copy_from_slice(chunk);
        }
        Aligned(lines)
    }

    fn as_ptr(&self) -> *const u8 {
        self.0.as_ptr().cast()
    }
}

/// Small valid blobs, the blob target's seeds: every metric, every storage (compact ones
/// under dot and cosine: l2 is f32 only), metadata of every
/// kind, payloads, texts, several collections. Mutations of these get past the magic and the
/// header, which random bytes almost never do.
pub fn blob_seeds() -> Vec<Vec<u8>> {
    let manifests = [
        r#"{"model": "m", "dim": 8, "metric": "cosine"}"#,
        r#"{"model": "m", "dim": 8, "metric": "dot", "storage": "f16"}"#,
        r#"{"model": "m", "dim": 8, "metric": "l2"}"#,
        r#"{"model": "m", "dim": 8, "metric": "dot", "storage": "i8"}"#,
        r#"{"model": "m", "dim": 8, "metric": "cosine", "collections": {"b": {"storage": "i8"}}}"#,
    ];
    manifests
        .iter()
        .filter_map(|manifest| {
            let dir = tempfile::tempdir().ok()?;
            std::fs::write(dir.path().join("manifest.json"), manifest).ok()?;
            for (name, n) in [("a", 5usize), ("b", 9)] {
                std::fs::write(dir.path().join(format!("{name}.json")), seed_items(n)).ok()?;
            }
            plan_index_format::bake_dir(dir.path())
                .ok()
                .map(|baked| baked.blob)
        })
        .collect()
}

/// `n` items of 8 dimensions with every kind of metadata value.
fn seed_items(n: usize) -> String {
    let items: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let embedding: Vec<f32> = (0..8)
                .map(|d| ((i * 7 + d * 3) % 11) as f32 - 4.5)
                .collect();
            serde_json::json!({
                "id": format!("item-{i}"),
                "embedding": embedding,
                "text": format!("text {i}"),
                "payload": {"n": i, "tags": ["x", "y"]},
                "metadata": {"group": format!("g{}", i % 3), "rank": i, "on": i % 2 == 0,
                             "tags": ["a", format!("t{i}")]},
            })
        })
        .collect();
    serde_json::Value::Array(items).to_string()
}

/// Bytes as a source document (front matter and body).
pub fn source(bytes: &[u8]) {
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let file = dir.path().join("doc.md");
    if std::fs::write(&file, bytes).is_ok() {
        let _ = plan_index_prepare::source::parse_document(&file);
    }
}
