//! The blob layout: the writer ([`encode_blob`]) and the reader ([`decode_header`],
//! [`decode_directory`]) side by side, so a change to one is a change to the other.
//!
//! Layout of format version 4 (all integers little-endian):
//!
//! ```text
//! 0    magic            8 bytes  "PLNINDEX"
//! 8    format version   u32      (4)
//! 12   flags            u32      (0; reserved)
//! 16   meta offset      u64      (= HEADER_LEN)
//! 24   meta length      u64
//! 32   vectors offset   u64      (a multiple of VECTOR_ALIGN)
//! 40   vectors length   u64      (bytes; a multiple of 4)
//! 48   dir checksum     u64      (`meta_checksum` of the directory bytes; checked at every open)
//! 56   content hash     32 bytes (sha256 of meta bytes then vector bytes; verified on demand)
//! 88   total length     u64
//! 96   directory length u64      (the directory ends the meta region)
//! 104  reserved         24 bytes (zero)
//! 128  meta             every collection's tables (see `tables`), then the directory:
//!                       bincode (standard config) of `Directory`, which holds each
//!                       collection's own checksum (`CollectionDir::checksum`)
//! ...  zero padding up to the vectors offset
//! ...  vectors          f32, one row per item, collections back to back in directory order,
//!                       each collection's rows starting 64-byte aligned; then, for each
//!                       collection with f16 or i8 storage, its compact rows (see `compact`):
//!                       codes, scales (i8), bounds, norms (i8), each 64-byte aligned
//! ```
//!
//! The cold start checks the header and the directory's checksum and decodes the directory (a
//! few dozen bytes per collection, never per item), so it costs the same for 100 items or
//! 100,000. Each collection's tables carry their own checksum
//! ([`CollectionDir::checksum`], over [`CollectionDir::extent`]), which the reader verifies
//! once, on the collection's first use, before any answer is given from it
//! ([`verify_collection`]). Items, metadata and posting lists are then read in place from the
//! tables; the vector block is borrowed in place. Format 2 checksummed the whole metadata
//! region at every open, which grew with the number of items (511 us at 50,000 items).
//!
//! The f32 rows are checked in blocks ([`CollectionDir::block_rows`] rows, about
//! [`BLOCK_BYTES`] each): each block's `meta_checksum` is stored in the collection's tables
//! (so the tables' checksum covers the sums), and the reader checks a block the first time it
//! reads any of its rows, then remembers it (a bit per block). A collection's vectors are
//! never hashed whole on its first use: the plan's baked-query lookups read ~130 rows of the
//! ~2,700 of `queries`, and hashing all of them (page faults included) would cost more than
//! the plan. Format 3 did not check the vectors at all before use. For the same reason a
//! collection keyed by sha256 digests (`queries`) has a digest index with its own checksum
//! ([`DigestDir`]): a baked text lookup checks that and the block sums, not the whole tables.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::compact::{CompactRows, Storage};
use crate::tables::{DIGEST_ENTRY, Span, Tables, write_digests, write_tables};

/// First bytes of every blob.
pub const MAGIC: [u8; 8] = *b"PLNINDEX";
/// Bumped on any change of the layout or of `IndexMeta`.
pub const FORMAT_VERSION: u32 = 4;
/// The size a block of checksummed vector rows aims at: whole rows, as many as fit in this
/// many bytes, at least one. Small, because a lookup of one row checks its whole block (a
/// page of 4 KiB holds two 384-float rows), and large enough that the sums stay a small
/// table (8 bytes per block).
pub const BLOCK_BYTES: usize = 4096;
/// Fixed header size; the meta starts right after it.
pub const HEADER_LEN: usize = 128;
/// Alignment of the vector block and of each collection's rows, in bytes.
pub const VECTOR_ALIGN: usize = 64;
/// Name of the file build.rs writes into `$OUT_DIR`.
pub const BLOB_FILE_NAME: &str = "index.blob";
/// The environment variable build.rs sets (`cargo:rustc-env`) to the blob's absolute path, so
/// the code that embeds it never spells the path itself.
pub const BLOB_ENV: &str = "PLAN_INDEX_BLOB";

/// How similarity is computed; `score` is always "higher is better".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Cosine similarity; rows are normalised at build time, so search is a dot product.
    Cosine,
    /// Inner product of the raw vectors.
    Dot,
    /// Negative squared Euclidean distance.
    L2,
}

impl Metric {
    /// Parses the manifest's spelling.
    pub fn parse(name: &str) -> Option<Metric> {
        match name {
            "cosine" => Some(Metric::Cosine),
            "dot" => Some(Metric::Dot),
            "l2" => Some(Metric::L2),
            _ => None,
        }
    }

    /// The manifest's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Cosine => "cosine",
            Metric::Dot => "dot",
            Metric::L2 => "l2",
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A metadata value: what filters match against and what results return.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum MetaValue {
    /// A string; matches a filter value equal to it.
    Str(String),
    /// An integer; matches a filter value that parses to the same integer.
    Int(i64),
    /// A non-integer number; matches a filter value that parses to the same number.
    Float(f64),
    /// A boolean; matches `true` or `false`.
    Bool(bool),
    /// A list of strings; matches when it contains the filter value.
    List(Vec<String>),
}

impl MetaValue {
    /// Whether a `key=value` filter with this `value` selects an item holding `self`.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            MetaValue::Str(s) => s == value,
            MetaValue::Int(i) => value.parse::<i64>().is_ok_and(|v| v == *i),
            MetaValue::Float(x) => value.parse::<f64>().is_ok_and(|v| v == *x),
            MetaValue::Bool(b) => value.parse::<bool>().is_ok_and(|v| v == *b),
            MetaValue::List(items) => items.iter().any(|s| s == value),
        }
    }

    /// The value as JSON, for responses.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            MetaValue::Str(s) => Value::String(s.clone()),
            MetaValue::Int(i) => Value::from(*i),
            MetaValue::Float(x) => {
                serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number)
            }
            MetaValue::Bool(b) => Value::Bool(*b),
            MetaValue::List(items) => Value::from(items.clone()),
        }
    }

    /// The value as a string, when it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            MetaValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an integer, when it is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            MetaValue::Int(i) => Some(*i),
            _ => None,
        }
    }
}

/// One item to write, without its vector (the reader's view is [`crate::Item`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemMeta {
    /// Unique within its collection.
    pub id: String,
    /// sha256 hex of the embedded text, when the source had it.
    pub text_hash: Option<String>,
    /// The embedded text, when the source kept it.
    pub text: Option<String>,
    /// Filterable metadata.
    pub metadata: BTreeMap<String, MetaValue>,
    /// Any JSON, stored as its compact text and returned as is.
    pub payload: Option<String>,
}

/// One collection: its items in file order and where its rows start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CollectionMeta {
    /// The file stem of `<collection>.json`.
    pub name: String,
    /// Dimension of every row.
    pub dim: u32,
    /// Similarity used for this collection.
    pub metric: Metric,
    /// Offset of the first row in the vector block, in f32 units.
    pub first_float: u64,
    /// Items in file order; row `i` belongs to `items[i]`.
    pub items: Vec<ItemMeta>,
    /// Rows sorted by id, computed at bake time so lookups by id need no map at cold start.
    pub id_order: Vec<u32>,
    /// Every metadata key used in the collection, sorted.
    pub fields: Vec<String>,
    /// How its rows are stored for the scan (compact rows are made by [`encode_blob`]).
    pub storage: Storage,
}

impl CollectionMeta {
    /// A collection with its lookup tables derived from `items`.
    pub fn new(
        name: String,
        dim: u32,
        metric: Metric,
        first_float: u64,
        items: Vec<ItemMeta>,
    ) -> CollectionMeta {
        let mut id_order: Vec<u32> = (0..items.len() as u32).collect();
        id_order.sort_by(|&a, &b| items[a as usize].id.cmp(&items[b as usize].id));
        let fields: std::collections::BTreeSet<&String> =
            items.iter().flat_map(|i| i.metadata.keys()).collect();
        let fields = fields.into_iter().cloned().collect();
        CollectionMeta {
            name,
            dim,
            metric,
            first_float,
            items,
            id_order,
            fields,
            storage: Storage::F32,
        }
    }

    /// The same collection with rows stored as `storage`.
    pub fn with_storage(self, storage: Storage) -> CollectionMeta {
        CollectionMeta { storage, ..self }
    }

    /// The row of the item with this id (binary search over `id_order`).
    pub fn position(&self, id: &str) -> Option<usize> {
        let found = self
            .id_order
            .binary_search_by(|&row| self.items[row as usize].id.as_str().cmp(id));
        found.ok().map(|at| self.id_order[at] as usize)
    }
}

/// Everything but the vectors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndexMeta {
    /// Model that produced the embeddings ("unknown" without a manifest).
    pub model: String,
    /// Dimension shared by every collection.
    pub dim: u32,
    /// Metric shared by every collection.
    pub metric: Metric,
    /// Collections sorted by name.
    pub collections: Vec<CollectionMeta>,
}

/// The fixed-size header, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Format version of the blob.
    pub version: u32,
    /// Byte range of the bincode meta.
    pub meta_offset: u64,
    /// Length of the meta in bytes.
    pub meta_len: u64,
    /// Byte offset of the vector block.
    pub vectors_offset: u64,
    /// Length of the vector block in bytes.
    pub vectors_len: u64,
    /// `meta_checksum` of the directory bytes.
    pub directory_checksum: u64,
    /// sha256 of meta bytes then vector bytes.
    pub content_hash: [u8; 32],
    /// Length of the whole blob.
    pub total_len: u64,
    /// Length of the directory, which ends the meta region.
    pub directory_len: u64,
}

/// What can be wrong with a blob.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// Not a plan-index blob at all.
    #[error("not a plan-index blob (bad magic number); rebuild with `cargo build`")]
    BadMagic,
    /// Written by another version of plan-index.
    #[error(
        "blob format version {found} is not supported (this build reads {FORMAT_VERSION}); rebuild with `cargo build`"
    )]
    UnsupportedVersion {
        /// Version found in the header.
        found: u32,
    },
    /// Truncated or inconsistent sizes.
    #[error("corrupt blob: {0}")]
    Corrupt(String),
    /// The metadata passed its checksum but does not decode (a writer/reader mismatch).
    #[error("corrupt blob: metadata does not decode")]
    MetaUndecodable(#[source] bincode::error::DecodeError),
    /// The directory bytes do not match their checksum.
    #[error("corrupt blob: directory checksum mismatch; rebuild with `cargo build`")]
    ChecksumMismatch,
    /// A collection's tables do not match their checksum (found on its first use).
    #[error(
        "corrupt blob: collection {name:?} fails its checksum; nothing is served from it; rebuild with `cargo build`"
    )]
    CollectionCorrupt {
        /// The collection.
        name: String,
    },
    /// The vector block is not aligned in memory.
    #[error(
        "vector block is not {0}-byte aligned in memory; the blob must be embedded with include_bytes_aligned"
    )]
    Misaligned(usize),
    /// Stored vectors are little-endian.
    #[error("this blob stores little-endian f32; big-endian targets are not supported")]
    BigEndian,
}

/// A cheap checksum, run over the directory at open, over a collection's tables on its
/// first use and over each block of vector rows the first time it is read: in eight
/// lanes, a running sum of 8-byte words and a sum of those sums (Fletcher's scheme, modulo
/// 2^64), which the compiler turns into SIMD adds; then the lanes, the tail and the length are
/// mixed. Any changed byte changes a sum; an exchange of words changes a sum of sums. It
/// detects corruption, not tampering; the sha256 content hash covers that on demand. (A
/// multiply per word was limited to ~6 bytes a cycle; this runs at memory speed.)
pub fn meta_checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    const LANES: usize = 8;
    let mut sums = [0u64; LANES];
    let mut sums_of_sums = [0u64; LANES];
    let mut blocks = bytes.chunks_exact(LANES * 8);
    for block in &mut blocks {
        for (lane, word) in block.chunks_exact(8).enumerate() {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            sums[lane] = sums[lane].wrapping_add(u64::from_le_bytes(w));
            sums_of_sums[lane] = sums_of_sums[lane].wrapping_add(sums[lane]);
        }
    }
    let mix = |h: u64, x: u64| (h ^ x).wrapping_mul(K).rotate_left(31);
    let mut hash = sums
        .iter()
        .chain(&sums_of_sums)
        .fold(bytes.len() as u64, |h, &x| mix(h, x));
    for &b in blocks.remainder() {
        hash = mix(hash, u64::from(b));
    }
    hash
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    // A table, not `format!` per byte: the baked-query lookup hashes every query text of a
    // plan, and formatting was half of that cost.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// sha256 of a text, as lowercase hex (the `text_hash` and the `queries` collection's ids).
pub fn sha256_hex(text: &str) -> String {
    hex(&sha256(text))
}

/// sha256 of a text (what a digest index is keyed by: the id's 64 hex digits, decoded).
pub fn sha256(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

fn bincode_config() -> bincode::config::Configuration {
    bincode::config::standard()
}

fn round_up(n: usize, to: usize) -> usize {
    n.div_ceil(to) * to
}

/// The metadata could not be encoded (a bug or an unencodable value, never bad input).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The directory did not encode.
    #[error("cannot encode the index directory")]
    Directory(#[source] bincode::error::EncodeError),
    /// A table or the metadata region outgrew its 32-bit offsets (or an item its 65,535
    /// metadata entries).
    #[error("the index metadata is too large for format version {FORMAT_VERSION}")]
    TooLarge,
}

/// The decoded directory: what the cold start reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Directory {
    /// Model that produced the embeddings ("unknown" without a manifest).
    pub model: String,
    /// Dimension shared by every collection.
    pub dim: u32,
    /// Metric shared by every collection.
    pub metric: Metric,
    /// Collections sorted by name.
    pub collections: Vec<CollectionDir>,
}

/// One collection's entry in the directory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CollectionDir {
    /// The file stem of `<collection>.json`.
    pub name: String,
    /// Dimension of every row.
    pub dim: u32,
    /// Similarity used for this collection.
    pub metric: Metric,
    /// Offset of the first row in the vector block, in f32 units.
    pub first_float: u64,
    /// Number of items.
    pub len: u32,
    /// Rows per checksummed block of its f32 rows (at least 1; the last block may be
    /// short); the sums are its `tables.blocks`.
    pub block_rows: u32,
    /// Every metadata key used in the collection, sorted.
    pub fields: Vec<String>,
    /// Where its tables lie in the meta region.
    pub tables: Tables,
    /// The byte range of the meta region holding every one of its tables.
    pub extent: Span,
    /// `meta_checksum` of the `extent` bytes, verified on the collection's first use.
    pub checksum: u64,
    /// How its rows are stored for the scan.
    pub storage: Storage,
    /// Its compact rows in the vector block (f16 and i8 storage).
    pub compact: Option<CompactDir>,
    /// Its digest index, when every id is a sha256 hex digest (the `queries` collection).
    pub digests: Option<DigestDir>,
}

/// A collection's index of rows by id digest: what a baked query lookup reads instead of the
/// whole tables. The `queries` collection's tables are ~600 KB (ids, text hashes, texts) for
/// ~2,500 texts, and a plan looks up ~20 of them: checking its own 92 KB, and the row-block
/// sums, costs a fraction of checking every table of the collection on its first use.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestDir {
    /// Entries sorted by digest: the 32 bytes of the id, then its u32 row (inside the
    /// collection's extent, so the tables' checksum covers them too).
    pub table: Span,
    /// `meta_checksum` of the entries.
    pub checksum: u64,
    /// `meta_checksum` of the collection's `tables.blocks` (the row-block sums a lookup
    /// checks its row against, without the tables' own checksum).
    pub blocks_checksum: u64,
}

/// A byte range of the vector block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockSpan {
    /// Offset from the start of the vector block.
    pub offset: u64,
    /// Length in bytes.
    pub len: u64,
}

impl BlockSpan {
    fn end(self) -> Option<u64> {
        self.offset.checked_add(self.len)
    }
}

/// Where a collection's compact rows lie in the vector block (each part 64-byte aligned).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompactDir {
    /// f16 bits (u16) or i8 codes, `dim` per row.
    pub codes: BlockSpan,
    /// i8: one f32 scale per row (empty for f16).
    pub scales: BlockSpan,
    /// One f64 bound per row.
    pub bounds: BlockSpan,
    /// i8: one f64 `|x'|` per row (empty for f16).
    pub norms: BlockSpan,
    /// From the start of `codes` to the end of the last part.
    pub extent: BlockSpan,
    /// `meta_checksum` of the `extent` bytes, verified with the tables on first use.
    pub checksum: u64,
}

impl CompactDir {
    /// Whether the parts have the sizes `len` rows of `dim` in `storage` imply and lie inside
    /// `extent`, itself inside a block of `block_len` bytes.
    fn fits(&self, storage: Storage, len: u64, dim: u64, block_len: u64) -> bool {
        let per_row = |bytes: u64, present: bool| if present { len * bytes } else { 0 };
        let i8 = storage == Storage::I8;
        let sizes = [
            (self.codes, len * dim * storage.code_bytes() as u64),
            (self.scales, per_row(4, i8)),
            (self.bounds, per_row(8, true)),
            (self.norms, per_row(8, i8)),
        ];
        let inside = |s: BlockSpan| {
            s.offset >= self.extent.offset
                && s.end().zip(self.extent.end()).is_some_and(|(e, x)| e <= x)
                && s.offset.is_multiple_of(VECTOR_ALIGN as u64)
        };
        storage != Storage::F32
            && self.extent.end().is_some_and(|e| e <= block_len)
            && sizes.iter().all(|&(s, n)| s.len == n && inside(s))
    }
}

/// Rows per checksummed block for rows of `dim` floats (see [`BLOCK_BYTES`]).
pub fn block_rows(dim: u32) -> u32 {
    let row_bytes = (dim as usize).saturating_mul(4).max(1);
    u32::try_from(BLOCK_BYTES / row_bytes).map_or(u32::MAX, |n| n.max(1))
}

impl CollectionDir {
    /// Number of checksummed row blocks.
    pub fn blocks(&self) -> usize {
        (self.len as usize).div_ceil(self.block_rows.max(1) as usize)
    }
}

/// The `meta_checksum` of every block of `block_rows` rows of `dim` floats in `bytes` (the
/// collection's f32 rows as stored).
fn block_sums(bytes: &[u8], dim: usize, block_rows: usize) -> Vec<u64> {
    let block_bytes = (dim * 4 * block_rows).max(1);
    bytes.chunks(block_bytes).map(meta_checksum).collect()
}

/// The meta region: every collection's tables, then the directory; and the directory length.
/// `vector_bytes` is the vector block (the rows' checksums go into the tables).
fn encode_meta(
    meta: &IndexMeta,
    compact: Vec<Option<CompactDir>>,
    vector_bytes: &[u8],
) -> Result<(Vec<u8>, usize), EncodeError> {
    let mut region = Vec::new();
    let mut collections = Vec::with_capacity(meta.collections.len());
    for (c, compact) in meta.collections.iter().zip(compact) {
        region.resize(region.len().next_multiple_of(4), 0);
        let start = region.len();
        let block_rows = block_rows(c.dim);
        let first = c.first_float as usize * 4;
        let rows = vector_bytes
            .get(first..first + c.items.len() * c.dim as usize * 4)
            .ok_or(EncodeError::TooLarge)?;
        let sums = block_sums(rows, c.dim as usize, block_rows as usize);
        let tables = write_tables(&mut region, &c.items, &c.fields, &c.id_order, &sums)?;
        let digests = write_digests(&mut region, &c.items)?.map(|table| {
            let bytes = |s: Span| &region[s.offset as usize..(s.offset + s.len) as usize];
            DigestDir {
                table,
                checksum: meta_checksum(bytes(table)),
                blocks_checksum: meta_checksum(bytes(tables.blocks)),
            }
        });
        let extent = Span {
            offset: u32::try_from(start).map_err(|_| EncodeError::TooLarge)?,
            len: u32::try_from(region.len() - start).map_err(|_| EncodeError::TooLarge)?,
        };
        collections.push(CollectionDir {
            extent,
            checksum: meta_checksum(&region[start..]),
            name: c.name.clone(),
            dim: c.dim,
            metric: c.metric,
            first_float: c.first_float,
            len: u32::try_from(c.items.len()).map_err(|_| EncodeError::TooLarge)?,
            block_rows,
            fields: c.fields.clone(),
            tables,
            storage: c.storage,
            compact,
            digests,
        });
    }
    let directory = Directory {
        model: meta.model.clone(),
        dim: meta.dim,
        metric: meta.metric,
        collections,
    };
    let bytes = bincode::serde::encode_to_vec(&directory, bincode_config())
        .map_err(EncodeError::Directory)?;
    region.extend_from_slice(&bytes);
    if u32::try_from(region.len()).is_err() {
        return Err(EncodeError::TooLarge);
    }
    Ok((region, bytes.len()))
}

/// `xs` as their little-endian bytes, one after another.
fn le_bytes<T: Copy, const N: usize>(xs: &[T], to_le: fn(T) -> [u8; N]) -> Vec<u8> {
    xs.iter().flat_map(|&x| to_le(x)).collect()
}

/// Appends each collection's compact rows (f16, i8 storage) to the vector block.
fn encode_compact(
    meta: &IndexMeta,
    vectors: &[f32],
    block: &mut Vec<u8>,
) -> Result<Vec<Option<CompactDir>>, EncodeError> {
    let mut dirs = Vec::with_capacity(meta.collections.len());
    for c in &meta.collections {
        let start = c.first_float as usize;
        let rows = vectors
            .get(start..start + c.items.len() * c.dim as usize)
            .ok_or(EncodeError::TooLarge)?;
        let Some(compact) = CompactRows::quantise(c.storage, rows, c.dim as usize) else {
            dirs.push(None);
            continue;
        };
        let mut part = |bytes: &[u8]| {
            block.resize(round_up(block.len(), VECTOR_ALIGN), 0);
            let span = BlockSpan {
                offset: block.len() as u64,
                len: bytes.len() as u64,
            };
            block.extend_from_slice(bytes);
            span
        };
        let codes = part(&compact.codes);
        let scales = part(&le_bytes(&compact.scales, f32::to_le_bytes));
        let bounds = part(&le_bytes(&compact.bounds, f64::to_le_bytes));
        let norms = part(&le_bytes(&compact.norms, f64::to_le_bytes));
        let extent = BlockSpan {
            offset: codes.offset,
            len: block.len() as u64 - codes.offset,
        };
        dirs.push(Some(CompactDir {
            codes,
            scales,
            bounds,
            norms,
            extent,
            checksum: meta_checksum(&block[codes.offset as usize..]),
        }));
    }
    block.resize(round_up(block.len(), VECTOR_ALIGN), 0);
    Ok(dirs)
}

/// Writes a blob from the meta and the concatenated rows (`first_float` must already index
/// into `vectors`); collections with f16 or i8 storage get their compact rows here.
pub fn encode_blob(meta: &IndexMeta, vectors: &[f32]) -> Result<Vec<u8>, EncodeError> {
    let mut vector_bytes: Vec<u8> = vectors.iter().flat_map(|x| x.to_le_bytes()).collect();
    let compact = encode_compact(meta, vectors, &mut vector_bytes)?;
    let (meta_bytes, directory_len) = encode_meta(meta, compact, &vector_bytes)?;
    let directory_checksum = meta_checksum(&meta_bytes[meta_bytes.len() - directory_len..]);
    let vectors_offset = round_up(HEADER_LEN + meta_bytes.len(), VECTOR_ALIGN);
    let total_len = vectors_offset + vector_bytes.len();

    let mut hasher = Sha256::new();
    hasher.update(&meta_bytes);
    hasher.update(&vector_bytes);
    let content_hash: [u8; 32] = hasher.finalize().into();

    let mut blob = Vec::with_capacity(total_len);
    blob.extend_from_slice(&MAGIC);
    blob.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    blob.extend_from_slice(&0u32.to_le_bytes());
    for n in [
        HEADER_LEN,
        meta_bytes.len(),
        vectors_offset,
        vector_bytes.len(),
    ] {
        blob.extend_from_slice(&(n as u64).to_le_bytes());
    }
    blob.extend_from_slice(&directory_checksum.to_le_bytes());
    blob.extend_from_slice(&content_hash);
    blob.extend_from_slice(&(total_len as u64).to_le_bytes());
    blob.extend_from_slice(&(directory_len as u64).to_le_bytes());
    blob.resize(HEADER_LEN, 0);
    blob.extend_from_slice(&meta_bytes);
    blob.resize(vectors_offset, 0);
    blob.extend_from_slice(&vector_bytes);
    Ok(blob)
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(b)
}

fn read_u64(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(b)
}

/// Reads and checks the fixed header (magic, version, sizes). Touches only the first 128 bytes.
pub fn decode_header(blob: &[u8]) -> Result<Header, FormatError> {
    if blob.len() < HEADER_LEN {
        return Err(FormatError::Corrupt(format!(
            "{} bytes is shorter than the {HEADER_LEN}-byte header",
            blob.len()
        )));
    }
    if blob[..8] != MAGIC {
        return Err(FormatError::BadMagic);
    }
    let version = read_u32(blob, 8);
    if version != FORMAT_VERSION {
        return Err(FormatError::UnsupportedVersion { found: version });
    }
    let mut content_hash = [0u8; 32];
    content_hash.copy_from_slice(&blob[56..88]);
    let header = Header {
        version,
        meta_offset: read_u64(blob, 16),
        meta_len: read_u64(blob, 24),
        vectors_offset: read_u64(blob, 32),
        vectors_len: read_u64(blob, 40),
        directory_checksum: read_u64(blob, 48),
        content_hash,
        total_len: read_u64(blob, 88),
        directory_len: read_u64(blob, 96),
    };
    header.check_sizes(blob.len() as u64)?;
    Ok(header)
}

impl Header {
    fn check_sizes(&self, blob_len: u64) -> Result<(), FormatError> {
        let corrupt = |what: &str| Err(FormatError::Corrupt(what.to_string()));
        if self.total_len != blob_len {
            return Err(FormatError::Corrupt(format!(
                "header says {} bytes, blob has {blob_len}",
                self.total_len
            )));
        }
        if self.meta_offset != HEADER_LEN as u64 {
            return corrupt("metadata does not start after the header");
        }
        if self.directory_len > self.meta_len {
            return corrupt("the directory is longer than the metadata");
        }
        let meta_end = self.meta_offset.checked_add(self.meta_len);
        if meta_end.is_none_or(|end| end > self.vectors_offset) {
            return corrupt("metadata overlaps the vector block");
        }
        if !self.vectors_offset.is_multiple_of(VECTOR_ALIGN as u64) {
            return corrupt("vector block offset is not 64-byte aligned");
        }
        if !self.vectors_len.is_multiple_of(4) {
            return corrupt("vector block length is not a whole number of f32");
        }
        let vectors_end = self.vectors_offset.checked_add(self.vectors_len);
        if vectors_end != Some(blob_len) {
            return corrupt("vector block does not end the blob");
        }
        Ok(())
    }

    /// The meta bytes (the directory's checksum is [`decode_directory`]'s, each
    /// collection's [`verify_collection`]'s).
    pub fn meta_bytes<'a>(&self, blob: &'a [u8]) -> &'a [u8] {
        let start = self.meta_offset as usize;
        &blob[start..start + self.meta_len as usize]
    }

    /// The vector block's bytes (not read, only sliced).
    pub fn vector_bytes<'a>(&self, blob: &'a [u8]) -> &'a [u8] {
        &blob[self.vectors_offset as usize..]
    }
}

/// Verifies the directory's checksum, decodes it and checks that every collection's tables
/// lie inside the meta region and its rows inside the vector block. The work grows with the
/// number of collections and fields, never with the number of items (each collection's own
/// checksum is [`verify_collection`]'s, on its first use).
pub fn decode_directory(header: &Header, blob: &[u8]) -> Result<Directory, FormatError> {
    let bytes = header.meta_bytes(blob);
    let dir_start = bytes.len() - header.directory_len as usize;
    let dir_bytes = &bytes[dir_start..];
    if meta_checksum(dir_bytes) != header.directory_checksum {
        return Err(FormatError::ChecksumMismatch);
    }
    let (directory, read): (Directory, usize) =
        bincode::serde::decode_from_slice(dir_bytes, bincode_config())
            .map_err(FormatError::MetaUndecodable)?;
    if read != dir_bytes.len() {
        return Err(FormatError::Corrupt(
            "trailing bytes after the directory".into(),
        ));
    }
    let floats = header.vectors_len / 4;
    for c in &directory.collections {
        if c.block_rows == 0
            || !c
                .tables
                .fits(c.len as usize, c.fields.len(), c.blocks(), dir_start)
            || u64::from(c.extent.offset) + u64::from(c.extent.len) > dir_start as u64
        {
            return Err(FormatError::Corrupt(format!(
                "collection {} has a bad table",
                c.name
            )));
        }
        let digests_fit = c.digests.as_ref().is_none_or(|d| {
            let (start, end) = (
                u64::from(d.table.offset),
                u64::from(d.table.offset) + u64::from(d.table.len),
            );
            start >= u64::from(c.extent.offset)
                && end <= u64::from(c.extent.offset) + u64::from(c.extent.len)
                && d.table.len as usize == c.len as usize * DIGEST_ENTRY
        });
        if !digests_fit {
            return Err(FormatError::Corrupt(format!(
                "collection {} has a bad digest index",
                c.name
            )));
        }
        let rows = u64::from(c.len).checked_mul(u64::from(c.dim));
        let end = rows.and_then(|r| r.checked_add(c.first_float));
        if end.is_none_or(|end| end > floats) {
            return Err(FormatError::Corrupt(format!(
                "collection {} points past the vector block",
                c.name
            )));
        }
        let compact_fits = match &c.compact {
            None => c.storage == Storage::F32,
            Some(compact) => compact.fits(
                c.storage,
                u64::from(c.len),
                u64::from(c.dim),
                header.vectors_len,
            ),
        };
        if !compact_fits {
            return Err(FormatError::Corrupt(format!(
                "collection {} has bad compact rows",
                c.name
            )));
        }
    }
    Ok(directory)
}

/// Checks one collection's tables and compact rows against their checksums (reads them once:
/// O(their bytes));
/// the reader calls it on the collection's first use.
pub fn verify_collection(
    header: &Header,
    blob: &[u8],
    c: &CollectionDir,
) -> Result<(), FormatError> {
    let region = header.meta_bytes(blob);
    let start = c.extent.offset as usize;
    let bytes = region.get(start..start + c.extent.len as usize);
    let tables_ok = bytes.is_some_and(|b| meta_checksum(b) == c.checksum);
    let compact_ok = c.compact.as_ref().is_none_or(|compact| {
        let block = header.vector_bytes(blob);
        let start = compact.extent.offset as usize;
        block
            .get(start..start + compact.extent.len as usize)
            .is_some_and(|b| meta_checksum(b) == compact.checksum)
    });
    if !(tables_ok && compact_ok) {
        return Err(FormatError::CollectionCorrupt {
            name: c.name.clone(),
        });
    }
    Ok(())
}

/// Checks a collection's digest index and its row-block sums against their checksums (reads
/// them once: 40 bytes per item); the reader calls it on the first lookup by digest.
pub fn verify_digests(header: &Header, blob: &[u8], c: &CollectionDir) -> Result<(), FormatError> {
    let region = header.meta_bytes(blob);
    let sum = |s: Span| {
        let start = s.offset as usize;
        region.get(start..start + s.len as usize).map(meta_checksum)
    };
    let intact = c.digests.as_ref().is_some_and(|d| {
        sum(d.table) == Some(d.checksum) && sum(c.tables.blocks) == Some(d.blocks_checksum)
    });
    if !intact {
        return Err(FormatError::CollectionCorrupt {
            name: c.name.clone(),
        });
    }
    Ok(())
}

/// Recomputes the content hash over meta and vectors (reads every byte; not for the hot path).
pub fn verify_content_hash(header: &Header, blob: &[u8]) -> bool {
    let start = header.meta_offset as usize;
    let mut hasher = Sha256::new();
    hasher.update(&blob[start..start + header.meta_len as usize]);
    hasher.update(header.vector_bytes(blob));
    let digest: [u8; 32] = hasher.finalize().into();
    digest == header.content_hash
}

/// Rounds a collection's start up so that each collection's rows begin 64-byte aligned.
pub fn aligned_float_offset(floats_so_far: usize) -> usize {
    round_up(floats_so_far, VECTOR_ALIGN / 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_hex_is_the_published_digest_in_lowercase() {
        // FIPS 180-2's example digest of "abc".
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(hex(&[0x00, 0x0f, 0xf0, 0xff]), "000ff0ff");
        assert_eq!(hex(&[]), "");
    }
}
