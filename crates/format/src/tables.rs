//! A collection's tables inside the metadata region: the writer ([`write_tables`]) and the
//! reader ([`CollectionView`], [`Item`], [`MetaRef`]) side by side.
//!
//! Nothing here is decoded at cold start. Every table is read in place from the `'static`
//! blob: an item is a few length-prefixed byte ranges found through its offset, its metadata
//! is scanned on access, and the posting lists are sorted tables searched by bisection. The
//! reader never panics on a malformed table (out-of-range reads give empty values): the
//! metadata checksum already refused any blob that the writer did not write.
//!
//! Tables of one collection (all integers little-endian; each table starts 4-byte aligned):
//!
//! ```text
//! items      u32 x (len + 1)   byte offset of each item in `heap`, then the end
//! heap       per item: id, text_hash, text, payload (each u32 length or ABSENT, then the
//!            bytes), then u16 entry count and the metadata entries:
//!            u16 field (index into the collection's fields), u8 tag, the value:
//!            0 str: u32 length, bytes | 1 int: i64 | 2 float: f64 | 3 bool: u8 |
//!            4 list: u32 count, u32 byte length, then per string u32 length, bytes
//! id_order   u32 x len         rows sorted by id
//! values     per listed value, sorted by field then text: u32 text offset, u32 text length
//!            (in `texts`), u32 first row (in `rows`), u32 row count
//! texts      the listed value texts
//! rows       u32 rows, ascending within each value
//! blocks     u64 per block of `block_rows` vector rows (the last block may be short):
//!            `meta_checksum` of that block's f32 bytes in the vector block
//! digests   only when every id is 64 lowercase hex digits (a sha256, as in `queries`):
//!            36-byte entries sorted by digest, the id's 32 bytes then its u32 row
//!            (`write_digests`, `find_digest`; see `layout::DigestDir`)
//! ```
//!
//! The row-block checksums sit among the tables so that the tables' own checksum covers
//! them: a reader that has verified the tables can trust each block's stored sum, and checks
//! a block of rows against it the first time it reads them (`plan_index_core`'s verified
//! row accessors), without hashing a whole collection of vectors on its first use.
//!
//! `field_values[f]..field_values[f + 1]` (in the directory) are field `f`'s entries in
//! `values`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::layout::{EncodeError, ItemMeta, MetaValue};

/// Marks an absent optional string.
const ABSENT: u32 = u32::MAX;
const TAG_STR: u8 = 0;
const TAG_INT: u8 = 1;
const TAG_FLOAT: u8 = 2;
const TAG_BOOL: u8 = 3;
const TAG_LIST: u8 = 4;
/// Bytes per entry of the `values` table.
const VALUE_ENTRY: usize = 16;

/// A byte range of the metadata region.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Offset from the start of the metadata region.
    pub offset: u32,
    /// Length in bytes.
    pub len: u32,
}

impl Span {
    fn end(self) -> u64 {
        u64::from(self.offset) + u64::from(self.len)
    }
}

/// Where a collection's tables lie in the metadata region.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tables {
    /// Item offsets into `heap`.
    pub items: Span,
    /// Item bytes.
    pub heap: Span,
    /// Rows sorted by id.
    pub id_order: Span,
    /// Entries per field in `values`: `field_values[f]..field_values[f + 1]`.
    pub field_values: Vec<u32>,
    /// Posting entries.
    pub values: Span,
    /// Listed value texts.
    pub texts: Span,
    /// Posting rows.
    pub rows: Span,
    /// One u64 checksum per block of vector rows.
    pub blocks: Span,
}

impl Tables {
    /// Whether every table lies inside a region of `region_len` bytes and has the size its
    /// collection of `len` items, `fields` fields and `blocks` row blocks implies (O(fields),
    /// not O(items)).
    pub fn fits(&self, len: usize, fields: usize, blocks: usize, region_len: usize) -> bool {
        let spans = [
            self.items,
            self.heap,
            self.id_order,
            self.values,
            self.texts,
            self.rows,
            self.blocks,
        ];
        let inside = spans.iter().all(|s| s.end() <= region_len as u64);
        let entries = self.field_values.last().copied().unwrap_or(0) as usize;
        let ascending = self.field_values.windows(2).all(|w| w[0] <= w[1]);
        inside
            && ascending
            && self.items.len as usize == (len + 1) * 4
            && self.id_order.len as usize == len * 4
            && self.field_values.len() == fields + 1
            && self.values.len as usize == entries * VALUE_ENTRY
            && self.blocks.len as usize == blocks * 8
    }
}

/// How a stored value is listed in the posting lists (a filter looks up the same texts).
pub fn listing_texts(value: &MetaValue) -> Vec<String> {
    match value {
        MetaValue::Str(s) => vec![s.clone()],
        MetaValue::Int(i) => vec![i.to_string()],
        MetaValue::Float(x) => vec![x.to_string()],
        MetaValue::Bool(b) => vec![b.to_string()],
        MetaValue::List(items) => items.clone(),
    }
}

/// The listings a `key=value` filter looks up: the value itself, and its canonical integer,
/// float or boolean text (so `05` finds the integer 5, as [`MetaValue::matches`] would), each
/// once. The reading side of [`listing_texts`].
pub fn lookup_texts(value: &str) -> Vec<String> {
    let mut texts = vec![value.to_string()];
    let canonical = [
        value.parse::<i64>().ok().map(|i| i.to_string()),
        value.parse::<f64>().ok().map(|x| x.to_string()),
        value.parse::<bool>().ok().map(|b| b.to_string()),
    ];
    for text in canonical.into_iter().flatten() {
        if !texts.contains(&text) {
            texts.push(text);
        }
    }
    texts
}

/// The posting lists of `items`: rows (ascending, each once) per field and listed text.
pub fn posting_lists(items: &[ItemMeta]) -> BTreeMap<String, BTreeMap<String, Vec<u32>>> {
    let mut lists: BTreeMap<String, BTreeMap<String, Vec<u32>>> = BTreeMap::new();
    for (row, item) in items.iter().enumerate() {
        for (key, value) in &item.metadata {
            let field = lists.entry(key.clone()).or_default();
            for text in listing_texts(value) {
                let rows = field.entry(text).or_default();
                // A list may repeat a value; keep each row once.
                if rows.last() != Some(&(row as u32)) {
                    rows.push(row as u32);
                }
            }
        }
    }
    lists
}

fn len_u32(n: usize) -> Result<u32, EncodeError> {
    u32::try_from(n).map_err(|_| EncodeError::TooLarge)
}

fn push_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn push_bytes(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), EncodeError> {
    push_u32(out, len_u32(bytes.len())?);
    out.extend_from_slice(bytes);
    Ok(())
}

fn push_optional(out: &mut Vec<u8>, s: Option<&str>) -> Result<(), EncodeError> {
    match s {
        Some(s) => push_bytes(out, s.as_bytes()),
        None => {
            push_u32(out, ABSENT);
            Ok(())
        }
    }
}

fn push_value(out: &mut Vec<u8>, value: &MetaValue) -> Result<(), EncodeError> {
    match value {
        MetaValue::Str(s) => {
            out.push(TAG_STR);
            push_bytes(out, s.as_bytes())?;
        }
        MetaValue::Int(i) => {
            out.push(TAG_INT);
            out.extend_from_slice(&i.to_le_bytes());
        }
        MetaValue::Float(x) => {
            out.push(TAG_FLOAT);
            out.extend_from_slice(&x.to_le_bytes());
        }
        MetaValue::Bool(b) => {
            out.push(TAG_BOOL);
            out.push(u8::from(*b));
        }
        MetaValue::List(items) => {
            out.push(TAG_LIST);
            let mut body = Vec::new();
            for s in items {
                push_bytes(&mut body, s.as_bytes())?;
            }
            push_u32(out, len_u32(items.len())?);
            push_bytes(out, &body)?;
        }
    }
    Ok(())
}

fn push_item(out: &mut Vec<u8>, item: &ItemMeta, fields: &[String]) -> Result<(), EncodeError> {
    push_bytes(out, item.id.as_bytes())?;
    push_optional(out, item.text_hash.as_deref())?;
    push_optional(out, item.text.as_deref())?;
    push_optional(out, item.payload.as_deref())?;
    let count = u16::try_from(item.metadata.len()).map_err(|_| EncodeError::TooLarge)?;
    out.extend_from_slice(&count.to_le_bytes());
    for (key, value) in &item.metadata {
        let field = fields
            .binary_search(key)
            .ok()
            .and_then(|f| u16::try_from(f).ok())
            .ok_or(EncodeError::TooLarge)?;
        out.extend_from_slice(&field.to_le_bytes());
        push_value(out, value)?;
    }
    Ok(())
}

/// Appends `bytes` to the region (4-byte aligned) and returns where they went.
fn section(region: &mut Vec<u8>, bytes: &[u8]) -> Result<Span, EncodeError> {
    region.resize(region.len().next_multiple_of(4), 0);
    let span = Span {
        offset: len_u32(region.len())?,
        len: len_u32(bytes.len())?,
    };
    region.extend_from_slice(bytes);
    Ok(span)
}

fn u32s(values: impl IntoIterator<Item = u32>) -> Vec<u8> {
    values.into_iter().flat_map(u32::to_le_bytes).collect()
}

fn le_u64s(values: &[u64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Writes the tables of one collection (`fields` sorted, `id_order` its rows sorted by id,
/// `block_sums` the checksums of its blocks of vector rows) to the end of the metadata region.
pub fn write_tables(
    region: &mut Vec<u8>,
    items: &[ItemMeta],
    fields: &[String],
    id_order: &[u32],
    block_sums: &[u64],
) -> Result<Tables, EncodeError> {
    let mut heap = Vec::new();
    let mut offsets = Vec::with_capacity(items.len() + 1);
    for item in items {
        offsets.push(len_u32(heap.len())?);
        push_item(&mut heap, item, fields)?;
    }
    offsets.push(len_u32(heap.len())?);

    let lists = posting_lists(items);
    let (mut values, mut texts, mut rows) = (Vec::new(), Vec::new(), Vec::new());
    let mut field_values = vec![0u32];
    for field in fields {
        for (text, list) in lists.get(field).into_iter().flatten() {
            values.extend(u32s([
                len_u32(texts.len())?,
                len_u32(text.len())?,
                len_u32(rows.len())?,
                len_u32(list.len())?,
            ]));
            texts.extend_from_slice(text.as_bytes());
            rows.extend_from_slice(list);
        }
        field_values.push(len_u32(values.len() / VALUE_ENTRY)?);
    }
    Ok(Tables {
        items: section(region, &u32s(offsets))?,
        heap: section(region, &heap)?,
        id_order: section(region, &u32s(id_order.iter().copied()))?,
        field_values,
        values: section(region, &values)?,
        texts: section(region, &texts)?,
        rows: section(region, &u32s(rows))?,
        blocks: section(region, &le_u64s(block_sums))?,
    })
}

/// Bytes per entry of a digest index: the 32-byte id, then the u32 row.
pub const DIGEST_ENTRY: usize = 36;

/// The id as the 32 bytes its 64 lowercase hex digits spell (a sha256 digest), if it is one.
pub fn id_digest(id: &str) -> Option<[u8; 32]> {
    let hex = id.as_bytes();
    if hex.len() != 64 {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        *byte = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// Writes the digest index of a collection whose every id is a sha256 hex digest (the
/// `queries` collection, keyed by the hash of each text): its entries sorted by digest. `None`
/// (nothing written) when an id is not one.
pub fn write_digests(
    region: &mut Vec<u8>,
    items: &[ItemMeta],
) -> Result<Option<Span>, EncodeError> {
    let mut entries = Vec::with_capacity(items.len());
    for (row, item) in items.iter().enumerate() {
        let Some(digest) = id_digest(&item.id) else {
            return Ok(None);
        };
        entries.push((digest, len_u32(row)?));
    }
    if entries.is_empty() {
        return Ok(None);
    }
    entries.sort_unstable();
    let mut bytes = Vec::with_capacity(entries.len() * DIGEST_ENTRY);
    for (digest, row) in entries {
        bytes.extend_from_slice(&digest);
        bytes.extend_from_slice(&row.to_le_bytes());
    }
    section(region, &bytes).map(Some)
}

/// The row stored under `digest` in a digest index's bytes (bisection; `None` when absent).
pub fn find_digest(table: &[u8], digest: &[u8; 32]) -> Option<usize> {
    let (mut lo, mut hi) = (0, table.len() / DIGEST_ENTRY);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let entry = slice(table, mid * DIGEST_ENTRY, DIGEST_ENTRY);
        match entry.get(..32)?.cmp(&digest[..]) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return Some(u32_at(entry, 8) as usize),
        }
    }
    None
}

// ---- reader ----

fn slice(bytes: &[u8], at: usize, len: usize) -> &[u8] {
    at.checked_add(len)
        .and_then(|end| bytes.get(at..end))
        .unwrap_or(&[])
}

fn u32_at(bytes: &[u8], i: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(slice(bytes, i * 4, 4).get(..4).unwrap_or(&[0; 4]));
    u32::from_le_bytes(b)
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// A cursor over length-prefixed fields; a short read yields empty values.
struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.bytes.len());
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        head
    }

    fn fixed<const N: usize>(&mut self) -> [u8; N] {
        // The whole field present (always, in an intact blob): one fixed-size load, where the
        // zero-padded copy below is a `memcpy` call of a run-time length, for every field of
        // every candidate row a filtered search confirms.
        if let Some((head, rest)) = self.bytes.split_first_chunk::<N>() {
            self.bytes = rest;
            return *head;
        }
        let mut b = [0u8; N];
        let head = self.take(N);
        b[..head.len()].copy_from_slice(head);
        b
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.fixed())
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.fixed())
    }

    fn optional(&mut self) -> Option<&'a [u8]> {
        match self.u32() {
            ABSENT => None,
            n => Some(self.take(n as usize)),
        }
    }

    fn value(&mut self) -> Option<MetaRef<'a>> {
        let [tag] = self.fixed::<1>();
        Some(match tag {
            TAG_STR => {
                let n = self.u32() as usize;
                MetaRef::Str(text(self.take(n)))
            }
            TAG_INT => MetaRef::Int(i64::from_le_bytes(self.fixed())),
            TAG_FLOAT => MetaRef::Float(f64::from_le_bytes(self.fixed())),
            TAG_BOOL => MetaRef::Bool(self.fixed::<1>() != [0]),
            TAG_LIST => {
                let count = self.u32();
                let n = self.u32() as usize;
                MetaRef::List(StrList {
                    count,
                    bytes: self.take(n),
                })
            }
            _ => return None,
        })
    }

    /// Steps over one value as [`Cursor::value`] would read it, without decoding it (no UTF-8
    /// check of a string that is not wanted); `None` where `value` would be `None`.
    fn skip_value(&mut self) -> Option<()> {
        let [tag] = self.fixed::<1>();
        let n = match tag {
            TAG_STR => self.u32() as usize,
            TAG_INT | TAG_FLOAT => 8,
            TAG_BOOL => 1,
            TAG_LIST => {
                self.u32();
                self.u32() as usize
            }
            _ => return None,
        };
        self.take(n);
        Some(())
    }
}

/// One collection's tables, read in place.
#[derive(Clone, Copy)]
pub struct CollectionView<'a> {
    region: &'a [u8],
    tables: &'a Tables,
    fields: &'a [String],
    len: usize,
}

impl std::fmt::Debug for CollectionView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CollectionView")
            .field("len", &self.len)
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

impl<'a> CollectionView<'a> {
    /// The view of a collection of `len` items whose tables lie in `region`.
    pub fn new(
        region: &'a [u8],
        tables: &'a Tables,
        fields: &'a [String],
        len: usize,
    ) -> CollectionView<'a> {
        CollectionView {
            region,
            tables,
            fields,
            len,
        }
    }

    fn table(&self, span: Span) -> &'a [u8] {
        slice(self.region, span.offset as usize, span.len as usize)
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the collection has no items.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Item `row` (an empty item when out of range).
    pub fn item(&self, row: usize) -> Item<'a> {
        let offsets = self.table(self.tables.items);
        let (start, end) = (u32_at(offsets, row), u32_at(offsets, row + 1));
        let bytes = slice(
            self.table(self.tables.heap),
            start as usize,
            end.saturating_sub(start) as usize,
        );
        Item::read(bytes, self.fields)
    }

    /// The field `key` of this collection's items, `None` when no item has it.
    pub fn field(&self, key: &str) -> Option<FieldId> {
        let index = self.fields.iter().position(|name| name == key)?;
        u16::try_from(index).ok().map(FieldId)
    }

    /// Item `row`'s metadata alone: the strings before it are skipped, not validated (what a
    /// filter check needs, for every candidate row).
    pub fn metadata(&self, row: usize) -> Metadata<'a> {
        let mut cursor = self.cursor_at(row);
        let n = cursor.u32() as usize;
        cursor.take(n);
        for _ in 0..3 {
            cursor.optional();
        }
        let count = cursor.u16();
        Metadata {
            count,
            bytes: cursor.bytes,
            fields: self.fields,
        }
    }

    /// The id of item `row`, without reading the rest of it.
    fn id(&self, row: usize) -> &'a str {
        let mut cursor = self.cursor_at(row);
        let n = cursor.u32() as usize;
        text(cursor.take(n))
    }

    /// A cursor at the start of item `row` in the heap (empty when out of range).
    fn cursor_at(&self, row: usize) -> Cursor<'a> {
        let start = u32_at(self.table(self.tables.items), row) as usize;
        Cursor {
            bytes: self
                .table(self.tables.heap)
                .get(start..)
                .unwrap_or_default(),
        }
    }

    /// The stored checksum of row block `block` (`None` past the last block).
    pub fn block_checksum(&self, block: usize) -> Option<u64> {
        let bytes = self.table(self.tables.blocks);
        let at = block.checked_mul(8)?;
        let word: [u8; 8] = bytes.get(at..at.checked_add(8)?)?.try_into().ok()?;
        Some(u64::from_le_bytes(word))
    }

    /// The row of the item with this id (bisection over the id order).
    pub fn position(&self, id: &str) -> Option<usize> {
        let order = self.table(self.tables.id_order);
        let (mut lo, mut hi) = (0, self.len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let row = u32_at(order, mid) as usize;
            match self.id(row).cmp(id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(row),
            }
        }
        None
    }

    /// Rows (ascending) listed under `field` with exactly the text `listed`.
    pub fn listed(&self, field: &str, listed: &str) -> impl Iterator<Item = u32> + 'a {
        let rows = self
            .fields
            .binary_search_by(|f| f.as_str().cmp(field))
            .ok()
            .and_then(|f| self.find_value(f, listed))
            .map_or(&[][..], |(first, count)| {
                slice(self.table(self.tables.rows), first * 4, count * 4)
            });
        rows.chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The `rows` range of field `f`'s entry for `listed`.
    fn find_value(&self, f: usize, listed: &str) -> Option<(usize, usize)> {
        let values = self.table(self.tables.values);
        let texts = self.table(self.tables.texts);
        let at = |i: usize| {
            let e = slice(values, i * VALUE_ENTRY, VALUE_ENTRY);
            let t = slice(texts, u32_at(e, 0) as usize, u32_at(e, 1) as usize);
            (t, u32_at(e, 2) as usize, u32_at(e, 3) as usize)
        };
        let fv = &self.tables.field_values;
        let (mut lo, mut hi) = (*fv.get(f)? as usize, *fv.get(f + 1)? as usize);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let (t, first, count) = at(mid);
            match t.cmp(listed.as_bytes()) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some((first, count)),
            }
        }
        None
    }
}

/// One stored item, borrowed from the blob.
#[derive(Clone, Copy, Debug)]
pub struct Item<'a> {
    /// Unique within its collection.
    pub id: &'a str,
    /// sha256 hex of the embedded text, when the source had it.
    pub text_hash: Option<&'a str>,
    /// The embedded text, when the source kept it.
    pub text: Option<&'a str>,
    /// Any JSON, stored as its compact text and returned as is.
    pub payload: Option<&'a str>,
    /// Filterable metadata, decoded on access.
    pub metadata: Metadata<'a>,
}

impl<'a> Item<'a> {
    fn read(bytes: &'a [u8], fields: &'a [String]) -> Item<'a> {
        let mut cursor = Cursor { bytes };
        let n = cursor.u32() as usize;
        let id = text(cursor.take(n));
        let text_hash = cursor.optional().map(text);
        let body = cursor.optional().map(text);
        let payload = cursor.optional().map(text);
        let count = cursor.u16();
        Item {
            id,
            text_hash,
            text: body,
            payload,
            metadata: Metadata {
                count,
                bytes: cursor.bytes,
                fields,
            },
        }
    }

    /// The metadata as a JSON object, for responses.
    pub fn metadata_json(&self) -> serde_json::Map<String, serde_json::Value> {
        self.metadata
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_json()))
            .collect()
    }

    /// The payload as JSON (validated JSON at bake time, so `None` only when absent).
    pub fn payload_json(&self) -> Option<serde_json::Value> {
        self.payload.and_then(|p| serde_json::from_str(p).ok())
    }
}

/// A metadata key of one collection, looked up once ([`CollectionView::field`]) so that
/// reading it from many rows ([`Metadata::get_field`]) compares numbers, not strings. A
/// collection's field names are distinct (baked from a sorted set), so the index names one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldId(u16);

/// An item's metadata entries, sorted by key.
#[derive(Clone, Copy, Debug)]
pub struct Metadata<'a> {
    count: u16,
    bytes: &'a [u8],
    fields: &'a [String],
}

impl<'a> Metadata<'a> {
    /// The value under `key`.
    ///
    /// Only the wanted value is decoded: the entries before it are stepped over by their
    /// lengths, not decoded (no UTF-8 check of strings not asked for). A filtered search
    /// checks every candidate row's metadata this way; those reads were 15% of a warm 16-week
    /// plan when each entry on the way was decoded.
    pub fn get(&self, key: &str) -> Option<MetaRef<'a>> {
        self.find(|name, _| name == key)
    }

    /// The value of `field` (looked up once per collection with [`CollectionView::field`]):
    /// what [`Metadata::get`] gives for its name, found by comparing indexes, not strings.
    pub fn get_field(&self, field: FieldId) -> Option<MetaRef<'a>> {
        self.find(|_, index| index == field.0)
    }

    /// The value of the first entry whose name and field index satisfy `wanted`; the entries
    /// before it are stepped over. An entry naming no field ends the search, as it ends
    /// [`Metadata::iter`].
    fn find(&self, wanted: impl Fn(&str, u16) -> bool) -> Option<MetaRef<'a>> {
        let mut cursor = Cursor { bytes: self.bytes };
        for _ in 0..self.count {
            let index = cursor.u16();
            if wanted(self.fields.get(usize::from(index))?, index) {
                return cursor.value();
            }
            cursor.skip_value()?;
        }
        None
    }

    /// Every entry, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, MetaRef<'a>)> + 'a {
        let mut cursor = Cursor { bytes: self.bytes };
        let fields = self.fields;
        (0..self.count).map_while(move |_| {
            let key = fields.get(usize::from(cursor.u16()))?;
            Some((key.as_str(), cursor.value()?))
        })
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        usize::from(self.count)
    }

    /// Whether the item has no metadata.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The entries as owned values (for tests and tools).
    pub fn to_owned_map(&self) -> BTreeMap<String, MetaValue> {
        self.iter()
            .map(|(k, v)| (k.to_string(), v.to_owned_value()))
            .collect()
    }
}

/// A JSON object, written straight from the blob (the same bytes as [`Item::metadata_json`]
/// encoded: entries sorted by key, as they are stored).
impl serde::Serialize for Metadata<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (key, value) in self.iter() {
            map.serialize_entry(key, &value)?;
        }
        map.end()
    }
}

/// The value as JSON (as [`MetaRef::to_json`] encodes it: a non-finite float, which baking
/// refuses anyway, would be `null`).
impl serde::Serialize for MetaRef<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            MetaRef::Str(s) => serializer.serialize_str(s),
            MetaRef::Int(i) => serializer.serialize_i64(*i),
            MetaRef::Float(x) if x.is_finite() => serializer.serialize_f64(*x),
            MetaRef::Float(_) => serializer.serialize_unit(),
            MetaRef::Bool(b) => serializer.serialize_bool(*b),
            MetaRef::List(items) => serializer.collect_seq(items.iter()),
        }
    }
}

/// A metadata value borrowed from the blob.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MetaRef<'a> {
    /// A string.
    Str(&'a str),
    /// An integer.
    Int(i64),
    /// A non-integer number.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A list of strings.
    List(StrList<'a>),
}

impl<'a> MetaRef<'a> {
    /// Whether a `key=value` filter with this `value` selects an item holding `self` (the
    /// same rule as [`MetaValue::matches`]).
    pub fn matches(&self, value: &str) -> bool {
        match self {
            MetaRef::Str(s) => *s == value,
            MetaRef::Int(i) => value.parse::<i64>().is_ok_and(|v| v == *i),
            MetaRef::Float(x) => value.parse::<f64>().is_ok_and(|v| v == *x),
            MetaRef::Bool(b) => value.parse::<bool>().is_ok_and(|v| v == *b),
            MetaRef::List(items) => items.contains(value),
        }
    }

    /// The value as JSON, for responses (its `Serialize`, the one encoding of a stored value).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// The value, owned.
    pub fn to_owned_value(&self) -> MetaValue {
        match self {
            MetaRef::Str(s) => MetaValue::Str(s.to_string()),
            MetaRef::Int(i) => MetaValue::Int(*i),
            MetaRef::Float(x) => MetaValue::Float(*x),
            MetaRef::Bool(b) => MetaValue::Bool(*b),
            MetaRef::List(items) => MetaValue::List(items.iter().map(str::to_string).collect()),
        }
    }

    /// The value as a string, when it is one.
    pub fn as_str(&self) -> Option<&'a str> {
        match self {
            MetaRef::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an integer, when it is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            MetaRef::Int(i) => Some(*i),
            _ => None,
        }
    }
}

/// A list of strings borrowed from the blob.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct StrList<'a> {
    count: u32,
    bytes: &'a [u8],
}

impl<'a> StrList<'a> {
    /// The strings in stored order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + 'a {
        let mut cursor = Cursor { bytes: self.bytes };
        (0..self.count).map(move |_| {
            let n = cursor.u32() as usize;
            text(cursor.take(n))
        })
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Whether the list holds `value`.
    pub fn contains(&self, value: &str) -> bool {
        self.iter().any(|s| s == value)
    }

    /// The first string.
    pub fn first(&self) -> Option<&'a str> {
        self.iter().next()
    }

    /// The strings joined by `sep`.
    pub fn join(&self, sep: &str) -> String {
        self.iter().collect::<Vec<_>>().join(sep)
    }
}
