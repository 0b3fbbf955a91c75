//! Reads an index directory, validates every item, and writes the blob.
//!
//! This is build.rs's logic, kept in a library so tests can exercise every validation error
//! without running cargo. It never computes an embedding: it only checks and lays out what
//! `plan-index prepare` (or anyone) wrote.
//!
//! An index directory holds one `<collection>.json` per collection (a JSON array of items
//! `{id, embedding, text_hash?, metadata?, payload?, text?}`) and an optional `manifest.json`
//! (`{model, dim, metric, storage?, collections?: {<name>: {storage?}}}`; any other key is
//! refused by name, so a misspelt setting is never silently ignored). Collections are stored
//! sorted by name; items in file order.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::compact::Storage;
use crate::layout::{
    CollectionMeta, IndexMeta, ItemMeta, MetaValue, Metric, aligned_float_offset, encode_blob,
};

/// Model name recorded when the directory has no manifest.
pub const UNKNOWN_MODEL: &str = "unknown";
/// The optional manifest's file name.
pub const MANIFEST_FILE: &str = "manifest.json";

/// `manifest.json`: which model made the vectors, how to compare and how to store them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Model id; text queries are refused when the embedder's model differs.
    pub model: String,
    /// Dimension of every vector.
    pub dim: u32,
    /// `cosine`, `dot` or `l2`.
    pub metric: String,
    /// `f32` (the default), `f16` or `i8`: how every collection's rows are stored for the
    /// scan (compact storage keeps the f32 rows to rescore; results stay exact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
    /// Per-collection settings that override the index's (`{"queries": {"storage": "i8"}}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub collections: BTreeMap<String, CollectionSettings>,
}

/// One collection's entry under the manifest's `collections`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionSettings {
    /// Overrides the index's storage for this collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
}

/// One item as written in `<collection>.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceItem {
    /// Unique within the collection.
    pub id: String,
    /// The vector.
    pub embedding: Vec<f32>,
    /// sha256 hex of the embedded text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_hash: Option<String>,
    /// Filterable metadata (strings, numbers, booleans, lists of strings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Map<String, Value>>,
    /// Any JSON returned with a result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
    /// The embedded text, when worth returning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// What is wrong with an index directory.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Problem {
    /// The file could not be read.
    Io(String),
    /// The file is not valid JSON.
    Json(String),
    /// The manifest is malformed.
    BadManifest(String),
    /// The manifest names a metric we do not know.
    UnknownMetric(String),
    /// The manifest names a storage we do not know.
    UnknownStorage(String),
    /// A per-collection override names a collection the directory does not have.
    UnknownOverride {
        /// The collection named.
        name: String,
        /// The collections that exist, comma separated.
        known: String,
    },
    /// Compact storage with a metric its bound does not cover.
    StorageNeedsDot {
        /// The storage asked for.
        storage: String,
        /// The index's metric.
        metric: String,
    },
    /// A collection file is not a JSON array.
    NotAnArray,
    /// The directory has no collection files.
    NoCollections,
    /// A collection has no items.
    EmptyCollection,
    /// An item is not an object or lacks a string id.
    BadItem(String),
    /// Two items of a collection share an id.
    DuplicateId,
    /// An item has no embedding field.
    MissingEmbedding,
    /// An item's embedding is `[]`.
    EmptyEmbedding,
    /// An embedding element is not a number.
    NotANumber(usize),
    /// An embedding element is NaN or infinite (or overflows f32).
    NonFinite(usize),
    /// An embedding has another length than the index's dimension.
    WrongDimension {
        /// Length found.
        found: usize,
        /// Dimension of the index.
        expected: usize,
    },
    /// An all-zero vector cannot be normalised for cosine.
    ZeroVector,
    /// A metadata value that is not a string, number, boolean or list of strings.
    UnsupportedMetadata {
        /// The metadata key.
        key: String,
        /// What kind of value it was.
        why: String,
    },
    /// A field other than metadata has the wrong type.
    BadField(String),
    /// The validated index could not be laid out (a bug, never bad input).
    Encode(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Io(e) => write!(f, "cannot read: {e}"),
            Problem::Json(e) => write!(f, "invalid JSON: {e}"),
            Problem::BadManifest(e) => write!(f, "invalid manifest: {e}"),
            Problem::UnknownMetric(m) => {
                write!(f, "unknown metric {m:?} (use cosine, dot or l2)")
            }
            Problem::UnknownStorage(s) => write!(
                f,
                "unknown storage {s:?} (use {})",
                Storage::NAMES.join(", ")
            ),
            Problem::UnknownOverride { name, known } => write!(
                f,
                "\"collections\" names {name:?}, which is not a collection of this index (it has: {known})"
            ),
            Problem::StorageNeedsDot { storage, metric } => write!(
                f,
                "storage {storage:?} needs the cosine or dot metric (the index uses {metric}); use f32"
            ),
            Problem::NotAnArray => f.write_str("a collection file must be a JSON array of items"),
            Problem::NoCollections => f.write_str("no <collection>.json files found"),
            Problem::EmptyCollection => f.write_str("empty collection (the array has no items)"),
            Problem::BadItem(e) => write!(f, "invalid item: {e}"),
            Problem::DuplicateId => {
                f.write_str("duplicate id (ids must be unique in a collection)")
            }
            Problem::MissingEmbedding => f.write_str("missing embedding"),
            Problem::EmptyEmbedding => f.write_str("empty embedding"),
            Problem::NotANumber(i) => write!(f, "embedding[{i}] is not a number"),
            Problem::NonFinite(i) => write!(f, "embedding[{i}] is NaN or infinite"),
            Problem::WrongDimension { found, expected } => {
                write!(
                    f,
                    "wrong dimension: {found} (the index has dimension {expected})"
                )
            }
            Problem::ZeroVector => {
                f.write_str("zero vector: cannot be normalised under the cosine metric")
            }
            Problem::UnsupportedMetadata { key, why } => write!(
                f,
                "unsupported metadata value for {key:?}: {why} (use a string, number, boolean or list of strings)"
            ),
            Problem::BadField(e) => write!(f, "invalid field: {e}"),
            Problem::Encode(e) => write!(f, "{e}"),
        }
    }
}

/// A validation failure: the file, the item (when one is at fault), and the problem.
#[derive(Clone, Debug, PartialEq)]
pub struct BakeError {
    /// The file at fault.
    pub file: PathBuf,
    /// The id of the item at fault (or `#<position>` when it has no usable id).
    pub item: Option<String>,
    /// What is wrong.
    pub problem: Problem,
}

impl fmt::Display for BakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(item) = &self.item {
            write!(f, ": item {item:?}")?;
        }
        write!(f, ": {}", self.problem)
    }
}

impl std::error::Error for BakeError {}

/// A baked index: the blob and the files it was made from.
pub struct Baked {
    /// The bytes to embed.
    pub blob: Vec<u8>,
    /// Every file read (for `cargo:rerun-if-changed`).
    pub inputs: Vec<PathBuf>,
    /// The decoded-equivalent metadata, for reporting.
    pub meta: IndexMeta,
}

/// Validates `dir` and lays out its blob.
pub fn bake_dir(dir: &Path) -> Result<Baked, BakeError> {
    let dir_error = |problem| BakeError {
        file: dir.to_path_buf(),
        item: None,
        problem,
    };
    let manifest_path = dir.join(MANIFEST_FILE);
    let manifest = if manifest_path.exists() {
        Some(read_manifest(&manifest_path)?)
    } else {
        None
    };
    let files = collection_files(dir).map_err(|e| dir_error(Problem::Io(e.to_string())))?;
    if files.is_empty() {
        return Err(dir_error(Problem::NoCollections));
    }
    let metric = match &manifest {
        Some(m) => Metric::parse(&m.metric).ok_or_else(|| BakeError {
            file: manifest_path.clone(),
            item: None,
            problem: Problem::UnknownMetric(m.metric.clone()),
        })?,
        None => Metric::Cosine,
    };
    let storages = match &manifest {
        Some(m) => storages(m, metric, &files).map_err(|problem| BakeError {
            file: manifest_path.clone(),
            item: None,
            problem,
        })?,
        None => BTreeMap::new(),
    };
    let mut dim = manifest.as_ref().map(|m| m.dim as usize);
    let mut collections = Vec::with_capacity(files.len());
    let mut vectors: Vec<f32> = Vec::new();
    for (name, path) in &files {
        let start = aligned_float_offset(vectors.len());
        vectors.resize(start, 0.0);
        let items = read_collection(path, metric, &mut dim, &mut vectors)?;
        let dim = dim.unwrap_or(0) as u32;
        let storage = storages.get(name).copied().unwrap_or_default();
        collections.push(
            CollectionMeta::new(name.clone(), dim, metric, start as u64, items)
                .with_storage(storage),
        );
    }
    let meta = IndexMeta {
        model: manifest.map_or_else(|| UNKNOWN_MODEL.to_string(), |m| m.model),
        dim: dim.unwrap_or(0) as u32,
        metric,
        collections,
    };
    let blob =
        encode_blob(&meta, &vectors).map_err(|e| dir_error(Problem::Encode(e.to_string())))?;
    let mut inputs: Vec<PathBuf> = files.into_iter().map(|(_, p)| p).collect();
    if manifest_path.exists() {
        inputs.push(manifest_path);
    }
    Ok(Baked { blob, inputs, meta })
}

/// Each collection's storage: the override, else the index's, else f32.
fn storages(
    manifest: &Manifest,
    metric: Metric,
    files: &[(String, PathBuf)],
) -> Result<BTreeMap<String, Storage>, Problem> {
    let parse = |name: &str| Storage::parse(name).ok_or(Problem::UnknownStorage(name.into()));
    let default = manifest.storage.as_deref().map(parse).transpose()?;
    if let Some(name) = manifest
        .collections
        .keys()
        .find(|name| !files.iter().any(|(stem, _)| stem == *name))
    {
        let known: Vec<&str> = files.iter().map(|(stem, _)| stem.as_str()).collect();
        return Err(Problem::UnknownOverride {
            name: name.clone(),
            known: known.join(", "),
        });
    }
    let mut out = BTreeMap::new();
    for (name, _) in files {
        let own = manifest
            .collections
            .get(name)
            .and_then(|s| s.storage.as_deref());
        let storage = match own {
            Some(own) => parse(own)?,
            None => default.unwrap_or_default(),
        };
        if storage != Storage::F32 && metric == Metric::L2 {
            return Err(Problem::StorageNeedsDot {
                storage: storage.as_str().into(),
                metric: metric.as_str().into(),
            });
        }
        out.insert(name.clone(), storage);
    }
    Ok(out)
}

fn read_manifest(path: &Path) -> Result<Manifest, BakeError> {
    let value = read_json(path)?;
    let manifest: Manifest = serde_json::from_value(value).map_err(|e| BakeError {
        file: path.to_path_buf(),
        item: None,
        problem: Problem::BadManifest(e.to_string()),
    })?;
    if manifest.dim == 0 {
        return Err(BakeError {
            file: path.to_path_buf(),
            item: None,
            problem: Problem::BadManifest("dim must be at least 1".into()),
        });
    }
    Ok(manifest)
}

/// `<collection>.json` files of `dir`, sorted by collection name.
fn collection_files(dir: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_json = path.extension().is_some_and(|e| e == "json");
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .map(str::to_string);
        if let (true, true, Some(stem)) = (is_json, path.is_file(), stem)
            && format!("{stem}.json") != MANIFEST_FILE
        {
            files.push((stem, path));
        }
    }
    files.sort();
    Ok(files)
}

fn read_json(path: &Path) -> Result<Value, BakeError> {
    let fail = |problem| BakeError {
        file: path.to_path_buf(),
        item: None,
        problem,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(Problem::Io(e.to_string())))?;
    let text = quote_non_finite_tokens(&text);
    serde_json::from_str(&text).map_err(|e| fail(Problem::Json(e.to_string())))
}

/// Python's `json.dump` writes NaN and infinities as bare tokens that are not JSON. Quoting
/// them lets the item-level check name the item and the position instead of failing the parse.
fn quote_non_finite_tokens(text: &str) -> std::borrow::Cow<'_, str> {
    if !(text.contains("NaN") || text.contains("Infinity")) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string {
            escaped = !escaped && c == '\\';
            in_string = escaped || c != '"';
        } else if c == '"' {
            in_string = true;
        } else if let Some(token) = ["NaN", "-Infinity", "Infinity"]
            .into_iter()
            .find(|t| rest.starts_with(t))
        {
            out.push('"');
            out.push_str(token);
            out.push('"');
            rest = &rest[token.len()..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    std::borrow::Cow::Owned(out)
}

fn read_collection(
    path: &Path,
    metric: Metric,
    dim: &mut Option<usize>,
    vectors: &mut Vec<f32>,
) -> Result<Vec<ItemMeta>, BakeError> {
    let fail = |item: Option<String>, problem| BakeError {
        file: path.to_path_buf(),
        item,
        problem,
    };
    let Value::Array(raw_items) = read_json(path)? else {
        return Err(fail(None, Problem::NotAnArray));
    };
    if raw_items.is_empty() {
        return Err(fail(None, Problem::EmptyCollection));
    }
    let mut seen = HashSet::with_capacity(raw_items.len());
    let mut items = Vec::with_capacity(raw_items.len());
    for (position, raw) in raw_items.into_iter().enumerate() {
        let (item, row) = read_item(raw, position, metric, dim)
            .map_err(|(id, problem)| fail(Some(id), problem))?;
        if !seen.insert(item.id.clone()) {
            return Err(fail(Some(item.id), Problem::DuplicateId));
        }
        vectors.extend_from_slice(&row);
        items.push(item);
    }
    Ok(items)
}

type ItemFailure = (String, Problem);

fn read_item(
    raw: Value,
    position: usize,
    metric: Metric,
    dim: &mut Option<usize>,
) -> Result<(ItemMeta, Vec<f32>), ItemFailure> {
    let Value::Object(mut obj) = raw else {
        return Err((
            format!("#{position}"),
            Problem::BadItem("an item must be a JSON object".into()),
        ));
    };
    let id = match obj.remove("id") {
        Some(Value::String(id)) if !id.is_empty() => id,
        _ => {
            return Err((
                format!("#{position}"),
                Problem::BadItem("missing or non-string \"id\"".into()),
            ));
        }
    };
    let at = |problem| (id.clone(), problem);
    let embedding = obj
        .remove("embedding")
        .ok_or_else(|| at(Problem::MissingEmbedding))?;
    let row = read_embedding(embedding, metric, dim).map_err(at)?;
    let metadata = match obj.remove("metadata") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(map)) => read_metadata(map).map_err(at)?,
        Some(_) => return Err(at(Problem::BadField("metadata must be an object".into()))),
    };
    let text_hash = optional_string(&mut obj, "text_hash").map_err(at)?;
    let text = optional_string(&mut obj, "text").map_err(at)?;
    let payload = obj
        .remove("payload")
        .filter(|p| !p.is_null())
        .map(|p| p.to_string());
    let item = ItemMeta {
        id,
        text_hash,
        text,
        metadata,
        payload,
    };
    Ok((item, row))
}

fn optional_string(
    obj: &mut serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<String>, Problem> {
    match obj.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Problem::BadField(format!("{key} must be a string"))),
    }
}

fn read_embedding(
    raw: Value,
    metric: Metric,
    dim: &mut Option<usize>,
) -> Result<Vec<f32>, Problem> {
    let Value::Array(elements) = raw else {
        return Err(Problem::BadField(
            "embedding must be an array of numbers".into(),
        ));
    };
    if elements.is_empty() {
        return Err(Problem::EmptyEmbedding);
    }
    let expected = *dim.get_or_insert(elements.len());
    if elements.len() != expected {
        return Err(Problem::WrongDimension {
            found: elements.len(),
            expected,
        });
    }
    let mut row = Vec::with_capacity(elements.len());
    for (i, element) in elements.iter().enumerate() {
        let x = match element {
            Value::Number(n) => n.as_f64().ok_or(Problem::NotANumber(i))?,
            Value::String(s) if ["NaN", "Infinity", "-Infinity"].contains(&s.as_str()) => {
                return Err(Problem::NonFinite(i));
            }
            _ => return Err(Problem::NotANumber(i)),
        };
        let x = x as f32;
        if !x.is_finite() {
            return Err(Problem::NonFinite(i));
        }
        row.push(x);
    }
    if metric == Metric::Cosine {
        normalise(&mut row).ok_or(Problem::ZeroVector)?;
    }
    Ok(row)
}

/// Scales `row` to unit length; `None` for a zero vector.
///
/// Each square is exact in `f64` (an `f32` significand has 24 bits); they are summed in eight
/// independent lanes, which vectorises (one running sum is a chain of dependent additions:
/// 1536 of them were most of the 1.7 us this took per query), and every element is multiplied
/// by the reciprocal of the norm rather than divided by the norm (a division per element was
/// the rest). Both change the result by at most a unit in the last place of an `f32`, and
/// rows and queries go through this same function.
///
/// The workspace is built for baseline x86-64, where the eight lanes are four two-wide
/// registers; with AVX2 they are two four-wide ones (0.55 -> 0.31 us for 1536 floats, every
/// cosine query pays it). Same operations in the same order, no fused multiply-add (Rust does
/// not contract), so the bits are the same on either path.
pub fn normalise(row: &mut [f32]) -> Option<()> {
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    /// # Safety
    /// The CPU must have AVX2.
    unsafe fn avx2(row: &mut [f32]) -> Option<()> {
        normalise_lanes(row)
    }
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 was just detected.
        return unsafe { avx2(row) };
    }
    normalise_lanes(row)
}

/// [`normalise`]'s arithmetic, inlined into each instruction-set path.
#[inline(always)]
fn normalise_lanes(row: &mut [f32]) -> Option<()> {
    const LANES: usize = 8;
    let mut lanes = [0.0f64; LANES];
    let chunks = row.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (lane, &x) in lanes.iter_mut().zip(chunk) {
            *lane += f64::from(x) * f64::from(x);
        }
    }
    let squares = lanes.iter().sum::<f64>()
        + tail
            .iter()
            .map(|&x| f64::from(x) * f64::from(x))
            .sum::<f64>();
    let norm = squares.sqrt();
    if norm == 0.0 || !norm.is_finite() {
        return None;
    }
    let inverse = norm.recip();
    for x in row.iter_mut() {
        *x = (f64::from(*x) * inverse) as f32;
    }
    Some(())
}

fn read_metadata(
    map: serde_json::Map<String, Value>,
) -> Result<BTreeMap<String, MetaValue>, Problem> {
    map.into_iter()
        .map(|(key, value)| {
            let unsupported = |why: &str| Problem::UnsupportedMetadata {
                key: key.clone(),
                why: why.to_string(),
            };
            let value = match value {
                Value::String(s) => MetaValue::Str(s),
                Value::Bool(b) => MetaValue::Bool(b),
                Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                    (Some(i), _) => MetaValue::Int(i),
                    (None, Some(x)) if x.is_finite() => MetaValue::Float(x),
                    _ => return Err(unsupported("a number out of range")),
                },
                Value::Array(list) => MetaValue::List(
                    list.into_iter()
                        .map(|v| match v {
                            Value::String(s) => Ok(s),
                            _ => Err(unsupported("a list holding a non-string")),
                        })
                        .collect::<Result<_, _>>()?,
                ),
                Value::Null => return Err(unsupported("null")),
                Value::Object(_) => return Err(unsupported("an object")),
            };
            Ok((key, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{normalise, normalise_lanes};

    /// The dispatched path (AVX2 where this CPU has it) gives the bits of the baseline one,
    /// for every tail length and magnitudes from tiny to huge, so a query normalised at run
    /// time matches a row normalised at bake time on any machine.
    #[test]
    fn normalise_gives_the_same_bits_on_every_instruction_set() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let lengths = (0..=40).chain([383, 384, 385, 1535, 1536, 1537]);
        for len in lengths {
            for scale in [1e-30f32, 1e-3, 1.0, 7.5, 1e20] {
                let row: Vec<f32> = (0..len)
                    .map(|_| ((next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0) * scale)
                    .collect();
                let (mut fast, mut base) = (row.clone(), row);
                let (a, b) = (normalise(&mut fast), normalise_lanes(&mut base));
                assert_eq!(a, b, "len {len} scale {scale}");
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&fast), bits(&base), "len {len} scale {scale}");
            }
        }
    }
}
