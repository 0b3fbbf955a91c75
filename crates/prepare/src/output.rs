//! Writing collection files: reusing unchanged embeddings, deterministic JSON, atomic renames.
//!
//! Byte-identical output for unchanged input matters twice: git shows no diff, and build.rs
//! (which watches these files) does not re-bake the blob. So an unchanged file is not even
//! rewritten, and a changed one appears whole or not at all.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::PrepareError;
use crate::source::DocItem;
use plan_index_embed::Embedder;
use plan_index_format::sha256_hex;
use plan_index_format::{Manifest, SourceItem};

/// Texts handed to the embedder at once; also how often progress could be reported.
const EMBED_CHUNK: usize = 64;

/// Embeddings of a previous run, by the sha256 of the text they were computed from.
pub type Reusable = HashMap<String, Vec<f32>>;

/// How one collection was produced.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CollectionReport {
    /// Collection name.
    pub name: String,
    /// Items written.
    pub items: usize,
    /// Items whose text was embedded in this run.
    pub embedded: usize,
    /// Items whose embedding came from the previous file.
    pub reused: usize,
    /// Whether the file's bytes changed.
    pub written: bool,
}

/// The embeddings in an existing `<collection>.json` that can be reused with `embedder`: none
/// when the file is absent or unreadable, or when the previous manifest names another model.
pub fn reusable(path: &Path, previous: Option<&Manifest>, embedder: &dyn Embedder) -> Reusable {
    let same_model = previous
        .is_some_and(|m| m.model == embedder.model_id() && m.dim as usize == embedder.dim());
    if !same_model {
        return Reusable::new();
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return Reusable::new();
    };
    // A file we cannot parse is simply rebuilt: it is our output, not a source.
    let items: Vec<SourceItem> = serde_json::from_str(&text).unwrap_or_default();
    items
        .into_iter()
        .filter(|item| item.embedding.len() == embedder.dim())
        .filter_map(|item| Some((item.text_hash?, item.embedding)))
        .collect()
}

/// Gives every item a vector, embedding only texts whose hash is not in `reuse`.
pub fn embed_items(
    name: &str,
    items: Vec<DocItem>,
    reuse: &Reusable,
    embedder: &dyn Embedder,
) -> Result<(Vec<SourceItem>, CollectionReport), PrepareError> {
    let hashes: Vec<String> = items.iter().map(|i| sha256_hex(&i.text)).collect();
    let missing: Vec<usize> = (0..items.len())
        .filter(|&i| !reuse.contains_key(&hashes[i]))
        .collect();
    let mut fresh: HashMap<usize, Vec<f32>> = HashMap::with_capacity(missing.len());
    for group in missing.chunks(EMBED_CHUNK) {
        let texts: Vec<&str> = group.iter().map(|&i| items[i].text.as_str()).collect();
        let vectors = embedder.embed_batch(&texts).map_err(PrepareError::Embed)?;
        if vectors.len() != group.len() || vectors.iter().any(|v| v.len() != embedder.dim()) {
            return Err(PrepareError::Embed(plan_index_embed::EmbedError::Failed(
                "the embedder returned vectors of the wrong number or length".into(),
            )));
        }
        fresh.extend(group.iter().copied().zip(vectors));
    }
    let report = CollectionReport {
        name: name.to_string(),
        items: items.len(),
        embedded: missing.len(),
        reused: items.len() - missing.len(),
        written: false,
    };
    let out = items
        .into_iter()
        .zip(hashes)
        .enumerate()
        .map(|(i, (item, hash))| {
            let embedding = fresh
                .remove(&i)
                .or_else(|| reuse.get(&hash).cloned())
                .unwrap_or_default();
            SourceItem {
                id: item.id,
                embedding,
                text_hash: Some(hash),
                metadata: item.metadata,
                payload: item.payload,
                text: item.store_text.then_some(item.text),
            }
        })
        .collect();
    Ok((out, report))
}

/// A collection file: one compact item per line, so diffs show which items changed.
pub fn collection_json(items: &[SourceItem]) -> Result<Vec<u8>, PrepareError> {
    let mut out = b"[\n".to_vec();
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            out.extend_from_slice(b",\n");
        }
        serde_json::to_writer(&mut out, item).map_err(PrepareError::encode)?;
    }
    out.extend_from_slice(b"\n]\n");
    Ok(out)
}

/// The manifest file's bytes.
pub fn manifest_json(manifest: &Manifest) -> Result<Vec<u8>, PrepareError> {
    let mut out = serde_json::to_vec_pretty(manifest).map_err(PrepareError::encode)?;
    out.push(b'\n');
    Ok(out)
}

/// Writes `bytes` to `path` unless it already holds exactly them; returns whether it wrote.
/// The bytes go to a temporary file in the same folder first, then are renamed over `path`,
/// so a reader (or a build) never sees half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<bool, PrepareError> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(false);
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(PrepareError::io(path, e));
    }
    Ok(true)
}
