//! Exact top-k of several queries in one pass over the rows (dot product and cosine).
//!
//! The rows are visited in chunks small enough to stay in the L2 cache while every block of
//! queries is scored against them, tile by tile ([`Queries::tile`]); rows that fit in the L2
//! cache whole are one chunk, met by one block of queries after the other. Each query keeps
//! its own `TopK`, and a row's scores are compared with every query's current floor at once
//! before any is pushed (with many rows almost none is). A single query is a batch of one and
//! takes the same path, so a query's hits and scores do not depend on what else was in its
//! batch.
//!
//! Rows reach every query's top-k in increasing order, which is what lets `TopK` keep the
//! earlier row on a tie without comparing row numbers.

use crate::kernel::{Kernel, MAX_QUERIES, MAX_ROWS, Queries};
use crate::search::Hit;

/// Bytes of rows scored against every query before moving on (about a quarter of an L2).
const CHUNK_BYTES: usize = 256 * 1024;

/// Rows up to this size stay in the L2 cache (2 MiB per core on this Xeon and on Graviton4, 1
/// MiB on Graviton2/3) while every block of queries passes over all of them, so no chunks:
/// each block is laid out just before its pass. (100 x 1536, 300 queries, AVX-512: 3.7 us per
/// query against 4.9 us in 256 KiB chunks, which stream every packed block from L3 per chunk;
/// AVX2, which packs nothing, the same either way.)
const ONE_PASS_BYTES: usize = 1024 * 1024;

/// The rows to rank: `data` holds rows of `dim` floats back to back; `only` (ascending)
/// restricts the ranking to those rows, as a filter does.
#[derive(Clone, Copy, Debug)]
pub struct Rows<'a> {
    /// Every row, back to back.
    pub data: &'a [f32],
    /// Floats per row (at least 1).
    pub dim: usize,
    /// Only these rows, ascending; `None` for all of them.
    pub only: Option<&'a [u32]>,
}

impl<'a> Rows<'a> {
    /// How many rows take part.
    pub fn len(&self) -> usize {
        match self.only {
            Some(only) => only.len(),
            None => self.data.len() / self.dim.max(1),
        }
    }

    /// Whether no row takes part.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The row number of the `i`-th taking part.
    fn id(&self, i: usize) -> usize {
        self.only.map_or(i, |only| only[i] as usize)
    }

    fn vector(&self, row: usize) -> &'a [f32] {
        &self.data[row * self.dim..(row + 1) * self.dim]
    }
}

/// The `k` best rows for each query (dot product, higher is better), best first; equal
/// scores keep the earlier row first; scores below `min_score` and NaN never rank. Every query
/// must have `rows.dim` floats.
pub fn rank(
    kernel: Kernel,
    rows: Rows<'_>,
    queries: &[&[f32]],
    k: usize,
    min_score: Option<f32>,
) -> Vec<Vec<Hit>> {
    let mut tops: Vec<TopK> = queries.iter().map(|_| TopK::new(k, min_score)).collect();
    if k > 0 && rows.dim > 0 {
        scan(kernel, rows, queries, &mut tops);
    }
    tops.into_iter().map(TopK::into_sorted).collect()
}

/// Pushes every (row, query) score into that query's top-k, rows in increasing order.
///
/// Rows that fit in [`ONE_PASS_BYTES`] are scored block of queries by block, each block laid
/// out just before its pass (it stays in the cache); more rows are visited chunk by chunk,
/// every block against each chunk, the blocks laid out once (the rows are read from memory
/// once).
fn scan(kernel: Kernel, rows: Rows<'_>, queries: &[&[f32]], tops: &mut [TopK]) {
    let whole = MAX_ROWS * 3; // a multiple of every tile's rows (8, 6, 4, 2, 1)
    let per_chunk = (CHUNK_BYTES / (rows.dim * 4)).max(whole) / whole * whole;
    let mut queries = Queries::new(kernel, queries);
    let blocks: Vec<_> = queries.blocks().collect();
    let total = rows.len();
    if total * rows.dim * 4 <= ONE_PASS_BYTES {
        for (index, block) in blocks.into_iter().enumerate() {
            queries.prepare(index..index + 1);
            pass(&queries, rows, 0..total, block, tops);
        }
        return;
    }
    queries.prepare(0..blocks.len());
    for chunk in (0..total).step_by(per_chunk) {
        for block in &blocks {
            let span = chunk..(chunk + per_chunk).min(total);
            pass(&queries, rows, span, block.clone(), tops);
        }
    }
}

/// Scores the rows `span` (positions in `rows`) against the queries `block`, tile by tile.
fn pass(
    queries: &Queries<'_>,
    rows: Rows<'_>,
    span: std::ops::Range<usize>,
    block: std::ops::Range<usize>,
    tops: &mut [TopK],
) {
    let mut out = [[0.0f32; MAX_QUERIES]; MAX_ROWS];
    let mut vectors: [&[f32]; MAX_ROWS] = [&[]; MAX_ROWS];
    let mut ids = [0usize; MAX_ROWS];
    let step = queries.rows_per_tile(&block);
    let tops = &mut tops[block.clone()];
    // Most scores cannot rank: one comparison of a row's scores against every query's floor
    // (a vector compare) passes over them; the others go through `TopK::push`.
    let live = (1u32 << tops.len()) - 1;
    let mut floors = [f32::INFINITY; MAX_QUERIES];
    for (floor, top) in floors.iter_mut().zip(tops.iter()) {
        *floor = top.floor();
    }
    for start in span.clone().step_by(step) {
        let n = step.min(span.end - start);
        for i in 0..n {
            ids[i] = rows.id(start + i);
            vectors[i] = rows.vector(ids[i]);
        }
        queries.tile(block.clone(), &vectors[..n], &mut out);
        for (&row, scores) in ids[..n].iter().zip(&out) {
            let mut may_rank = (0..MAX_QUERIES).fold(0u32, |mask, q| {
                mask | (u32::from(scores[q] >= floors[q]) << q)
            }) & live;
            while may_rank != 0 {
                let q = may_rank.trailing_zeros() as usize;
                may_rank &= may_rank - 1;
                tops[q].push(row, scores[q]);
                floors[q] = tops[q].floor();
            }
        }
    }
}

/// The k best hits seen so far, best first; equal scores keep the earlier row first.
#[derive(Debug)]
pub(crate) struct TopK {
    k: usize,
    min_score: f32,
    hits: Vec<Hit>,
}

impl TopK {
    pub(crate) fn new(k: usize, min_score: Option<f32>) -> TopK {
        TopK {
            k,
            min_score: min_score.unwrap_or(f32::NEG_INFINITY),
            hits: Vec::with_capacity(k.min(1024) + 1),
        }
    }

    /// A score below this never ranks (one at or above it may): `min_score` until there are k
    /// hits, then the k-th score; +inf for k = 0.
    #[inline]
    pub(crate) fn floor(&self) -> f32 {
        if self.hits.len() < self.k {
            self.min_score
        } else {
            self.hits.last().map_or(f32::INFINITY, |worst| worst.score)
        }
    }

    /// Rows arrive in increasing order, so a later row never displaces an equal score. NaN
    /// (only from overflowing finite inputs) and scores under `min_score` never rank.
    #[inline]
    pub(crate) fn push(&mut self, row: usize, score: f32) {
        // Written so that NaN fails both comparisons.
        let ranks = if self.hits.len() < self.k {
            score >= self.min_score
        } else {
            self.hits.last().is_some_and(|worst| score > worst.score)
        };
        if ranks {
            self.insert(Hit { row, score });
        }
    }

    /// Puts `hit` after every hit with a score at least its own, dropping the k+1-th; by hand
    /// (the hits are few, and the distance moved is what a memmove would move).
    fn insert(&mut self, hit: Hit) {
        if self.hits.len() == self.k {
            self.hits.pop();
        }
        // The hits are sorted, so the count of those at least as good is the place; counted
        // without branches (which the new score would mispredict).
        let at = self
            .hits
            .iter()
            .map(|h| usize::from(h.score >= hit.score))
            .sum();
        self.hits.insert(at, hit);
    }

    pub(crate) fn into_sorted(self) -> Vec<Hit> {
        self.hits
    }
}
