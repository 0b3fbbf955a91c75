//! The decoded view over a baked blob.
//!
//! [`BakedIndex::open`] checks the header and the metadata checksum and decodes the small
//! directory (format version 2); nothing per item is decoded or copied: ids, texts, payloads,
//! metadata and the posting lists baked at build time are read in place from the blob when
//! asked for, and each collection's rows are a `&'static [f32]` cast in place from its bytes. Where the blob lives (the binary's own
//! `static`, or a leaked buffer in tests) is the caller's business.

use std::time::{Duration, Instant};

use plan_index_format::{
    CollectionDir, CollectionView, Directory, FormatError, Header, Item, Metric, VECTOR_ALIGN,
    decode_directory, decode_header, hex, verify_content_hash,
};

use crate::postings::Postings;

/// An opened index: the directory decoded, everything else borrowed from the blob.
#[derive(Debug)]
pub struct BakedIndex {
    blob: &'static [u8],
    header: Header,
    meta: Directory,
    /// The meta region (tables, then the directory), checksum verified.
    region: &'static [u8],
    vectors: &'static [f32],
    decode_time: Duration,
}

/// One collection of a [`BakedIndex`].
#[derive(Clone, Copy, Debug)]
pub struct Collection<'a> {
    meta: &'a CollectionDir,
    view: CollectionView<'a>,
    rows: &'a [f32],
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
        let region = header.meta_bytes_unchecked(blob);
        let vector_bytes = header.vector_bytes(blob);
        if !(vector_bytes.as_ptr() as usize).is_multiple_of(VECTOR_ALIGN) {
            return Err(FormatError::Misaligned(VECTOR_ALIGN));
        }
        let vectors: &'static [f32] = bytemuck::try_cast_slice(vector_bytes)
            .map_err(|e| FormatError::Corrupt(format!("vector block: {e:?}")))?;
        Ok(BakedIndex {
            blob,
            header,
            meta,
            region,
            vectors,
            decode_time: started.elapsed(),
        })
    }

    /// The collection called `name`, if any.
    pub fn collection(&self, name: &str) -> Option<Collection<'_>> {
        let slot = self.meta.collections.iter().position(|c| c.name == name)?;
        Some(self.collection_at(slot))
    }

    fn collection_at(&self, slot: usize) -> Collection<'_> {
        let meta = &self.meta.collections[slot];
        let start = meta.first_float as usize;
        let len = meta.len as usize * meta.dim as usize;
        Collection {
            meta,
            view: CollectionView::new(self.region, &meta.tables, &meta.fields, meta.len as usize),
            rows: &self.vectors[start..start + len],
        }
    }

    /// Every collection, sorted by name.
    pub fn collections(&self) -> impl Iterator<Item = Collection<'_>> {
        (0..self.meta.collections.len()).map(|slot| self.collection_at(slot))
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

    /// Re-hashes every byte and compares with the stored content hash (slow; for `inspect`).
    pub fn verify(&self) -> bool {
        verify_content_hash(&self.header, self.blob)
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

    /// Item `row`, read in place (an empty item when `row` is out of range).
    pub fn item(&self, row: usize) -> Item<'a> {
        self.view.item(row)
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

    /// Item `row`'s vector, borrowed from the blob.
    pub fn vector(&self, row: usize) -> &'a [f32] {
        let dim = self.dim();
        &self.rows[row * dim..(row + 1) * dim]
    }

    /// All rows back to back.
    pub fn rows(&self) -> &'a [f32] {
        self.rows
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
