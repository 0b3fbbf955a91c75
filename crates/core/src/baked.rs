//! The decoded view over a baked blob.
//!
//! [`BakedIndex::open`] checks the header and the directory's checksum and decodes the small
//! directory (format version 4); nothing per item is decoded, copied or even read: ids, texts,
//! payloads, metadata and the posting lists baked at build time are read in place from the
//! blob when asked for, and each collection's rows are a `&'static [f32]` cast in place from
//! its bytes. So the cold start does not grow with the number of items.
//!
//! Integrity is kept per collection: the first time a collection is asked for
//! ([`BakedIndex::collection`], [`BakedIndex::collections`]) its tables are checked against
//! their own checksum, once per process (a `OnceLock` per collection), and a corrupt one is
//! refused with [`FormatError::CollectionCorrupt`] on that and every later access, so no
//! answer is ever given from it. That is why collection access returns a `Result`. Where the
//! blob lives (the binary's own `static`, or a leaked buffer in tests) is the caller's
//! business.
//!
//! The f32 rows are checked lazily, by block (format 4): the tables hold a checksum per block
//! of rows, and every read of rows goes through a verified accessor ([`Collection::vector`],
//! [`Collection::rows`]) that checks the blocks it is about to hand out the first time, then
//! remembers them in an atomic bitset (one bit per block, allocated on the collection's first
//! use, so the cold start stays per-collection). Hashing a whole collection's vectors on its
//! first use would cost a plan more than the plan: it reads ~130 of the ~2,700 rows of
//! `queries`. A block that fails poisons its collection: that read and every later access to
//! the collection is refused with the same [`FormatError::CollectionCorrupt`]. There is no
//! public accessor of unverified rows; the compact scan, which must not read the f32 rows of
//! rows it rules out, verifies only its candidates, through [`Collection::verify_rows`].

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use plan_index_format::{BlockSpan, CompactDir, Storage};
use plan_index_format::{
    CollectionDir, CollectionView, Directory, FormatError, Header, Item, Metric, VECTOR_ALIGN,
    decode_directory, decode_header, find_digest, hex, meta_checksum, verify_collection,
    verify_content_hash, verify_digests,
};

use crate::batch::Rows;
use crate::postings::Postings;
use crate::quant::{CompactRef, F16Rows, I8Rows};

/// An opened index: the directory decoded, everything else borrowed from the blob.
#[derive(Debug)]
pub struct BakedIndex {
    blob: &'static [u8],
    header: Header,
    meta: Directory,
    /// The meta region (tables, then the directory); each collection's part is verified on
    /// its first use (`guards`).
    region: &'static [u8],
    vectors: &'static [f32],
    /// Per collection (directory order): its integrity state.
    guards: Vec<Guard>,
    decode_time: Duration,
}

/// The integrity state of one collection.
#[derive(Debug, Default)]
struct Guard {
    /// Whether its tables (and compact rows) passed their checksums, once checked.
    tables: OnceLock<bool>,
    /// Whether its digest index and row-block sums passed theirs, once checked.
    digests: OnceLock<bool>,
    /// The row blocks verified so far (a bit each), allocated on first need.
    blocks: OnceLock<Box<[AtomicU64]>>,
    /// Set when a row block failed its checksum: the collection is refused from then on.
    poisoned: AtomicBool,
}

impl Guard {
    /// Whether the collection is known to be corrupt (its tables failed, or a row block).
    fn refused(&self) -> bool {
        self.tables.get() == Some(&false) || self.poisoned.load(Ordering::Acquire)
    }
}

/// One collection of a [`BakedIndex`].
#[derive(Clone, Copy, Debug)]
pub struct Collection<'a> {
    meta: &'a CollectionDir,
    view: CollectionView<'a>,
    /// Every f32 row, unverified: read only through `checked_blocks` first.
    rows: &'a [f32],
    compact: Option<CompactRef<'a>>,
    /// Which row blocks have passed their checksum (one bit each).
    verified: &'a [AtomicU64],
    poisoned: &'a AtomicBool,
}

impl BakedIndex {
    /// Checks and decodes a blob. The vector block must be 64-byte aligned in memory.
    pub fn open(blob: &'static [u8]) -> Result<BakedIndex, FormatError> {
        let started = Instant::now();
        if cfg!(target_endian = "big") {
            return Err(FormatError::BigEndian);
        }
        let header = decode_header(blob)?;
        let meta = decode_directory(&header, blob)?;
        let region = header.meta_bytes(blob);
        let vector_bytes = header.vector_bytes(blob);
        if !(vector_bytes.as_ptr() as usize).is_multiple_of(VECTOR_ALIGN) {
            return Err(FormatError::Misaligned(VECTOR_ALIGN));
        }
        let vectors: &'static [f32] = bytemuck::try_cast_slice(vector_bytes)
            .map_err(|e| FormatError::Corrupt(format!("vector block: {e:?}")))?;
        let guards = meta.collections.iter().map(|_| Guard::default()).collect();
        Ok(BakedIndex {
            blob,
            header,
            guards,
            meta,
            region,
            vectors,
            decode_time: started.elapsed(),
        })
    }

    /// The collection called `name` (`Ok(None)` when there is none); its checksum is verified
    /// on its first use and a corrupt one is an error, now and on every later call.
    pub fn collection(&self, name: &str) -> Result<Option<Collection<'_>>, FormatError> {
        match self.meta.collections.iter().position(|c| c.name == name) {
            Some(slot) => self.collection_at(slot).map(Some),
            None => Ok(None),
        }
    }

    fn collection_at(&self, slot: usize) -> Result<Collection<'_>, FormatError> {
        let meta = &self.meta.collections[slot];
        let guard = &self.guards[slot];
        guard
            .tables
            .get_or_init(|| verify_collection(&self.header, self.blob, meta).is_ok());
        if guard.refused() {
            return Err(corrupt(meta));
        }
        self.unchecked(slot)
    }

    /// The vector of the item whose id is the sha256 hex digest `digest` in collection `name`
    /// (`Ok(None)` when there is no such collection or item), read through the collection's
    /// digest index: only the index and the row-block sums are checked (on the first lookup),
    /// then the row's block, not the rest of the tables (see `DigestDir`). A collection
    /// without a digest index is looked up by id, after its tables' checksum.
    pub fn vector_by_digest(
        &self,
        name: &str,
        digest: &[u8; 32],
    ) -> Result<Option<&[f32]>, FormatError> {
        let Some(slot) = self.meta.collections.iter().position(|c| c.name == name) else {
            return Ok(None);
        };
        let meta = &self.meta.collections[slot];
        let Some(dir) = &meta.digests else {
            let collection = self.collection_at(slot)?;
            return match collection.position(&hex(digest)) {
                Some(row) => collection.vector(row).map(Some),
                None => Ok(None),
            };
        };
        let guard = &self.guards[slot];
        let intact = *guard
            .digests
            .get_or_init(|| verify_digests(&self.header, self.blob, meta).is_ok());
        if !intact || guard.refused() {
            return Err(corrupt(meta));
        }
        let start = dir.table.offset as usize;
        let table = self
            .region
            .get(start..start + dir.table.len as usize)
            .unwrap_or_default();
        match find_digest(table, digest) {
            // Only the row's vector is read: its block is checked against a sum that
            // `verify_digests` covered.
            Some(row) => self.unchecked(slot)?.vector(row).map(Some),
            None => Ok(None),
        }
    }

    /// Collection `slot` without its tables' checksum: for `collection_at` once that passed,
    /// and for `vector_by_digest`, which reads nothing of the tables but what it checked.
    fn unchecked(&self, slot: usize) -> Result<Collection<'_>, FormatError> {
        let meta = &self.meta.collections[slot];
        let guard = &self.guards[slot];
        let verified = guard.blocks.get_or_init(|| {
            (0..meta.blocks().div_ceil(64))
                .map(|_| AtomicU64::new(0))
                .collect()
        });
        let start = meta.first_float as usize;
        let len = meta.len as usize * meta.dim as usize;
        let compact = match &meta.compact {
            Some(dir) => Some(self.compact(meta, dir)?),
            None => None,
        };
        Ok(Collection {
            meta,
            view: CollectionView::new(self.region, &meta.tables, &meta.fields, meta.len as usize),
            rows: &self.vectors[start..start + len],
            compact,
            verified,
            poisoned: &guard.poisoned,
        })
    }

    /// A collection's compact rows, cast in place (their sizes and alignment were checked by
    /// `decode_directory`, their bytes by the collection's checksum).
    fn compact(
        &self,
        meta: &CollectionDir,
        dir: &CompactDir,
    ) -> Result<CompactRef<'_>, FormatError> {
        let block = self.header.vector_bytes(self.blob);
        let bytes = |span: BlockSpan| {
            let start = span.offset as usize;
            block
                .get(start..start + span.len as usize)
                .unwrap_or_default()
        };
        let bad = |e: bytemuck::PodCastError| {
            FormatError::Corrupt(format!("compact rows of {}: {e:?}", meta.name))
        };
        let dim = meta.dim as usize;
        let bounds: &[f64] = bytemuck::try_cast_slice(bytes(dir.bounds)).map_err(bad)?;
        Ok(match meta.storage {
            Storage::I8 => CompactRef::I8(I8Rows {
                dim,
                codes: bytemuck::try_cast_slice(bytes(dir.codes)).map_err(bad)?,
                scales: bytemuck::try_cast_slice(bytes(dir.scales)).map_err(bad)?,
                bounds,
                norms: bytemuck::try_cast_slice(bytes(dir.norms)).map_err(bad)?,
            }),
            _ => CompactRef::F16(F16Rows {
                dim,
                halves: bytemuck::try_cast_slice(bytes(dir.codes)).map_err(bad)?,
                bounds,
            }),
        })
    }

    /// Every collection, sorted by name, each verified as [`BakedIndex::collection`] does.
    pub fn collections(&self) -> impl Iterator<Item = Result<Collection<'_>, FormatError>> {
        (0..self.meta.collections.len()).map(|slot| self.collection_at(slot))
    }

    /// What the directory says of every collection (name, size, dimension, fields), sorted by
    /// name, without touching their tables: for listings such as `/health` and `inspect`.
    pub fn entries(&self) -> &[CollectionDir] {
        &self.meta.collections
    }

    /// Names of the collections, for error messages.
    pub fn collection_names(&self) -> Vec<&str> {
        self.meta
            .collections
            .iter()
            .map(|c| c.name.as_str())
            .collect()
    }

    /// Model that made the vectors ("unknown" when the index had no manifest).
    pub fn model(&self) -> &str {
        &self.meta.model
    }

    /// Dimension of every vector.
    pub fn dim(&self) -> usize {
        self.meta.dim as usize
    }

    /// Similarity metric.
    pub fn metric(&self) -> Metric {
        self.meta.metric
    }

    /// sha256 of the metadata and vectors, hex: identifies the baked content.
    pub fn content_hash(&self) -> String {
        hex(&self.header.content_hash)
    }

    /// The blob itself (to reopen it, as a benchmark of the cold decode does).
    pub fn blob(&self) -> &'static [u8] {
        self.blob
    }

    /// Size of the embedded blob in bytes.
    pub fn blob_bytes(&self) -> usize {
        self.blob.len()
    }

    /// Format version of the blob.
    pub fn format_version(&self) -> u32 {
        self.header.version
    }

    /// How long decoding the header and metadata took.
    pub fn decode_time(&self) -> Duration {
        self.decode_time
    }

    /// Re-hashes every byte and compares with the stored content hash, and checks every
    /// collection's own checksum and every block of its rows (slow; for `inspect --verify`).
    pub fn verify(&self) -> bool {
        let collections = (0..self.meta.collections.len())
            .all(|s| self.collection_at(s).and_then(|c| c.rows(None)).is_ok());
        collections && verify_content_hash(&self.header, self.blob)
    }

    /// The largest `measure(row)` (a pair, maximised each on its own) over every row of
    /// `collection`, computed once per process for this blob, collection and `purpose`: the
    /// reply budgets bound a reply by the largest encoded item before any work, and measuring
    /// every item per request would cost more than the request.
    pub fn largest_per_row(
        &self,
        collection: &Collection<'_>,
        purpose: &'static str,
        measure: impl Fn(usize) -> (usize, usize),
    ) -> (usize, usize) {
        self.memo(collection.name(), purpose, || {
            (0..collection.len())
                .map(measure)
                .fold((0, 0), |(a, b), (x, y)| (a.max(x), b.max(y)))
        })
    }

    /// A pair of figures derived from this index's content, computed by `compute` once per
    /// process for this blob, `name` and `purpose` (see [`BakedIndex::largest_per_row`]).
    pub fn memo(
        &self,
        name: &str,
        purpose: &'static str,
        compute: impl FnOnce() -> (usize, usize),
    ) -> (usize, usize) {
        use std::sync::Mutex;
        type Key = (usize, usize, String, &'static str);
        static MEMO: Mutex<Vec<(Key, (usize, usize))>> = Mutex::new(Vec::new());
        let key: Key = (
            self.blob.as_ptr() as usize,
            self.blob.len(),
            name.to_string(),
            purpose,
        );
        let known = MEMO
            .lock()
            .ok()
            .and_then(|memo| memo.iter().find(|(k, _)| *k == key).map(|(_, v)| *v));
        if let Some(found) = known {
            return found;
        }
        let value = compute();
        if let Ok(mut memo) = MEMO.lock() {
            memo.push((key, value));
        }
        value
    }
}

/// The error that refuses a corrupt collection.
fn corrupt(meta: &CollectionDir) -> FormatError {
    FormatError::CollectionCorrupt {
        name: meta.name.clone(),
    }
}

impl<'a> Collection<'a> {
    /// The collection's name.
    pub fn name(&self) -> &'a str {
        &self.meta.name
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.meta.len as usize
    }

    /// Whether the collection has no items (never true for a baked index).
    pub fn is_empty(&self) -> bool {
        self.meta.len == 0
    }

    /// Dimension of every row.
    pub fn dim(&self) -> usize {
        self.meta.dim as usize
    }

    /// Similarity metric.
    pub fn metric(&self) -> Metric {
        self.meta.metric
    }

    /// How its rows are stored for the scan.
    pub fn storage(&self) -> Storage {
        self.meta.storage
    }

    /// Its compact rows (f16 and i8 storage), which a search scans before rescoring in f32.
    pub fn compact(&self) -> Option<CompactRef<'a>> {
        self.compact
    }

    /// Item `row`, read in place (an empty item when `row` is out of range).
    pub fn item(&self, row: usize) -> Item<'a> {
        self.view.item(row)
    }

    /// The metadata key `key`, looked up once for reading it from many rows
    /// ([`plan_index_format::Metadata::get_field`]); `None` when no item has it.
    pub fn field(&self, key: &str) -> Option<plan_index_format::FieldId> {
        self.view.field(key)
    }

    /// Item `row`'s metadata alone (cheaper than [`Collection::item`] when that is all a
    /// caller reads, as filters do).
    pub fn metadata(&self, row: usize) -> plan_index_format::Metadata<'a> {
        self.view.metadata(row)
    }

    /// Every item, in stored (file) order.
    pub fn items(&self) -> impl ExactSizeIterator<Item = Item<'a>> + 'a {
        let view = self.view;
        (0..self.len()).map(move |row| view.item(row))
    }

    /// Item `row`'s vector, borrowed from the blob, once its block has passed its checksum
    /// (checked on the first read of the block; an error when it fails, or when any block
    /// of the collection has failed before). An empty vector when `row` is out of range.
    pub fn vector(&self, row: usize) -> Result<&'a [f32], FormatError> {
        if row >= self.len() {
            return Ok(&[]);
        }
        self.verify_rows(&[row as u32])?;
        let dim = self.dim();
        Ok(&self.rows[row * dim..(row + 1) * dim])
    }

    /// The rows a scan may read: `only` those (ascending, as a filter gives them) or, for
    /// `None`, all of them, after their blocks have passed their checksums (see
    /// [`Collection::vector`]).
    pub fn rows<'o>(&self, only: Option<&'o [u32]>) -> Result<Rows<'o>, FormatError>
    where
        'a: 'o,
    {
        match only {
            Some(only) => self.verify_rows(only)?,
            None => self.checked_blocks(0..self.meta.blocks())?,
        }
        Ok(Rows {
            data: self.rows,
            dim: self.dim(),
            only,
        })
    }

    /// Checks the blocks of these rows (ascending order makes repeated blocks cheap, but any
    /// order is checked); rows out of range are ignored.
    pub fn verify_rows(&self, rows: &[u32]) -> Result<(), FormatError> {
        let per = self.meta.block_rows.max(1);
        let mut last = None;
        let blocks = rows.iter().filter_map(move |&row| {
            let block = row / per;
            (row < self.meta.len && last.replace(block) != Some(block)).then_some(block as usize)
        });
        self.checked_blocks(blocks)
    }

    /// Every row, unverified, for the compact scan: it reads the f32 rows of its candidates
    /// only, after [`Collection::verify_rows`] on them (`quant::exact_top_k`'s `verify`).
    pub(crate) fn rows_unverified(&self) -> &'a [f32] {
        self.rows
    }

    /// Checks each block (a bit test once it has passed); the first failure poisons the
    /// collection.
    fn checked_blocks(&self, blocks: impl Iterator<Item = usize>) -> Result<(), FormatError> {
        if self.poisoned.load(Ordering::Acquire) {
            return Err(corrupt(self.meta));
        }
        let per = self.meta.block_rows.max(1) as usize;
        let dim = self.dim();
        for block in blocks {
            let (word, bit) = (&self.verified[block / 64], 1u64 << (block % 64));
            if word.load(Ordering::Acquire) & bit != 0 {
                continue;
            }
            let first = block * per * dim;
            let end = (first + per * dim).min(self.rows.len());
            let bytes: &[u8] = bytemuck::cast_slice(&self.rows[first..end]);
            if self.view.block_checksum(block) != Some(meta_checksum(bytes)) {
                self.poisoned.store(true, Ordering::Release);
                return Err(corrupt(self.meta));
            }
            word.fetch_or(bit, Ordering::Release);
        }
        Ok(())
    }

    /// The row of the item with this id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.view.position(id)
    }

    /// Whether any item has this metadata key (filters on unknown keys are refused).
    pub fn has_field(&self, key: &str) -> bool {
        self.meta
            .fields
            .binary_search_by(|f| f.as_str().cmp(key))
            .is_ok()
    }

    /// Field/value posting lists, baked at build time and read in place.
    pub fn postings(&self) -> Postings<'a> {
        Postings::new(self.view)
    }

    /// Metadata keys used in this collection.
    pub fn fields(&self) -> impl Iterator<Item = &'a str> {
        self.meta.fields.iter().map(String::as_str)
    }
}
