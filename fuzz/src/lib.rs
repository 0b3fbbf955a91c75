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
    for name in ["search", "plan"] {
        let request = lambda::payload::Request {
            text: &text.text,
            without: Some("action"),
        };
        if let Ok(plan_index_api::Action::Search(search)) =
            plan_index_api::action::action(name, request)
        {
            let _ = search.into_spec();
        }
    }
}

/// Bytes as a `"vector"` value.
pub fn vector(bytes: &[u8]) {
    if let Ok(input) = serde_json::from_slice::<plan_index_api::VectorInput>(bytes) {
        let _ = input.into_query();
    }
}

/// Arbitrary bytes as a baked blob: refused with a format error, never a panic. (The blob must
/// be `'static`; each case leaks its copy, which is fine for bounded runs.)
pub fn blob(bytes: &[u8]) {
    let copy: &'static [u8] = Box::leak(bytes.to_vec().into_boxed_slice());
    if let Ok(index) = plan_index_core::BakedIndex::open(copy) {
        for c in index.collections() {
            let _ = c.map(|c| c.len());
        }
    }
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
