//! Exact top-k similarity search: the one routine the CLI, HTTP and events all call.
//!
//! Filters are applied before ranking, so a filtered query still returns `k` results when `k`
//! items match. Scores are "higher is better" for every metric (for l2, the negative squared
//! distance). Ties go to the item stored first, which makes results deterministic. Several
//! queries against one collection are ranked together ([`top_k_batch`]), with the same hits
//! and the same score bits as each query alone.

use std::borrow::Cow;

use plan_index_format::{FieldId, FormatError, Metric, normalise};
use simsimd::SpatialSimilarity;

use crate::baked::{BakedIndex, Collection};
use crate::batch::{self, Rows, TopK};
use crate::error::{Code, Coded};
use crate::kernel::Kernel;
use crate::postings;
use crate::quant;

/// Results per query when the request names none.
pub const DEFAULT_K: usize = 10;
/// Largest `k` accepted.
pub const MAX_K: usize = 10_000;
/// Most query vectors in one batch.
pub const MAX_BATCH: usize = 1_000;

/// One ranked item: its row in the collection and its score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    /// Row of the item in its collection (file order).
    pub row: usize,
    /// Similarity; higher is better.
    pub score: f32,
}

/// `key=value`: keeps items whose metadata `key` equals `value` (or, for a list, contains it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    /// Metadata key.
    pub key: String,
    /// Value to match, as text.
    pub value: String,
}

impl std::str::FromStr for Filter {
    type Err = SearchError;

    fn from_str(s: &str) -> Result<Filter, SearchError> {
        match s.split_once('=') {
            Some((key, value)) if !key.is_empty() => Ok(Filter {
                key: key.to_string(),
                value: value.to_string(),
            }),
            _ => Err(SearchError::InvalidRequest(format!(
                "filter {s:?} is not of the form key=value"
            ))),
        }
    }
}

/// The query side of a search.
#[derive(Clone, Debug, PartialEq)]
pub enum Query {
    /// One vector.
    Vector(Vec<f32>),
    /// Several vectors; one result list each.
    Batch(Vec<Vec<f32>>),
    /// The vector of an item of the same collection.
    Like(String),
}

/// A validated search.
#[derive(Clone, Debug, PartialEq)]
pub struct Search {
    /// Collection to search.
    pub collection: String,
    /// What to search for.
    pub query: Query,
    /// Results per query.
    pub k: usize,
    /// Metadata filters, ANDed.
    pub filters: Vec<Filter>,
    /// Drop results scoring below this.
    pub min_score: Option<f32>,
}

/// Why a search was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    /// No collection of that name.
    #[error("unknown collection {name:?}; this index has: {known}")]
    UnknownCollection {
        /// Name asked for.
        name: String,
        /// Names available, comma separated.
        known: String,
    },
    /// `like` names no item.
    #[error("collection {collection:?} has no item with id {id:?}")]
    UnknownId {
        /// Collection searched.
        collection: String,
        /// Id asked for.
        id: String,
    },
    /// A filter on a key no item has.
    #[error("collection {collection:?} has no metadata field {field:?}; its fields are: {known}")]
    UnknownField {
        /// Collection searched.
        collection: String,
        /// Key asked for.
        field: String,
        /// Keys available, comma separated.
        known: String,
    },
    /// Query vector of the wrong length.
    #[error(
        "query vector has dimension {found}, collection {collection:?} has dimension {expected}"
    )]
    DimensionMismatch {
        /// Collection searched.
        collection: String,
        /// The collection's dimension.
        expected: usize,
        /// The query's length.
        found: usize,
    },
    /// Empty, NaN, infinite or zero query vector.
    #[error("invalid query vector: {0}")]
    InvalidVector(String),
    /// `k` out of range.
    #[error("invalid k: {0}")]
    InvalidK(String),
    /// Anything else wrong with the request's fields.
    #[error("{0}")]
    InvalidRequest(String),
    /// The collection's tables, or a block of its rows, fail their checksum: nothing is
    /// answered from it.
    #[error(transparent)]
    IndexCorrupt(#[from] FormatError),
}

impl Coded for SearchError {
    fn code(&self) -> Code {
        match self {
            SearchError::UnknownCollection { .. } => Code::UnknownCollection,
            SearchError::UnknownId { .. } => Code::UnknownId,
            SearchError::UnknownField { .. } => Code::UnknownField,
            SearchError::DimensionMismatch { .. } => Code::DimensionMismatch,
            SearchError::InvalidVector(_) => Code::InvalidVector,
            SearchError::InvalidK(_) => Code::InvalidK,
            SearchError::InvalidRequest(_) => Code::InvalidRequest,
            SearchError::IndexCorrupt(_) => Code::IndexCorrupt,
        }
    }
}

/// Checks that `k` is in 1..=MAX_K.
pub fn check_k(k: f64) -> Result<usize, SearchError> {
    if !(1.0..=MAX_K as f64).contains(&k) {
        return Err(SearchError::InvalidK(format!(
            "k must be between 1 and {MAX_K}, got {k}"
        )));
    }
    Ok(k as usize)
}

/// The ranked hits of a [`Search`]: one list per query vector, best first.
#[derive(Clone, Debug)]
pub struct Ranked<'a> {
    /// The collection searched (to turn hits into items).
    pub collection: Collection<'a>,
    /// One list per query, in query order.
    pub lists: Vec<Vec<Hit>>,
}

/// Runs a search against `index`: validates the query vectors, filters and `k`, then ranks.
/// Under the cosine metric the query vectors are scaled to unit length where they lie
/// ([`prepare_in_place`]), so `search` holds them normalised afterwards (and, when a query is
/// refused, the ones before it).
pub fn run<'a>(index: &'a BakedIndex, search: &mut Search) -> Result<Ranked<'a>, SearchError> {
    let collection = find_collection(index, &search.collection)?;
    check_filters(&collection, &search.filters)?;
    if let Some(min) = search.min_score.filter(|m| !m.is_finite()) {
        return Err(SearchError::InvalidRequest(format!(
            "min_score must be finite, got {min}"
        )));
    }
    let params = Params {
        k: check_k(search.k as f64)?,
        filters: &search.filters,
        min_score: search.min_score,
    };
    let lists = match &mut search.query {
        Query::Vector(v) => {
            prepare_in_place(&collection, v)?;
            vec![top_k(&collection, v, &params)?]
        }
        Query::Batch(rows) => {
            for v in rows.iter_mut() {
                prepare_in_place(&collection, v)?;
            }
            let queries: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
            top_k_batch(&collection, &queries, &params)?
        }
        Query::Like(id) => {
            let row = collection
                .position(id)
                .ok_or_else(|| SearchError::UnknownId {
                    collection: search.collection.clone(),
                    id: id.clone(),
                })?;
            vec![top_k(&collection, collection.vector(row)?, &params)?]
        }
    };
    Ok(Ranked { collection, lists })
}

/// The collection called `name`, or an error listing the ones that exist (or saying that it
/// fails its checksum).
pub fn find_collection<'a>(
    index: &'a BakedIndex,
    name: &str,
) -> Result<Collection<'a>, SearchError> {
    index
        .collection(name)?
        .ok_or_else(|| SearchError::UnknownCollection {
            name: name.to_string(),
            known: index.collection_names().join(", "),
        })
}

/// Refuses filters on keys that no item of the collection has.
pub fn check_filters(collection: &Collection<'_>, filters: &[Filter]) -> Result<(), SearchError> {
    match filters.iter().find(|f| !collection.has_field(&f.key)) {
        Some(f) => Err(SearchError::UnknownField {
            collection: collection.name().to_string(),
            field: f.key.clone(),
            known: collection.fields().collect::<Vec<_>>().join(", "),
        }),
        None => Ok(()),
    }
}

/// Checks a raw query vector against the collection and normalises it for cosine. Under the
/// other metrics the vector is ranked as it is, so it is borrowed, not copied. A search that
/// owns its queries normalises them where they lie instead ([`prepare_in_place`]).
pub fn prepare_query<'q>(
    collection: &Collection<'_>,
    raw: &'q [f32],
) -> Result<Cow<'q, [f32]>, SearchError> {
    check_query(collection, raw)?;
    if collection.metric() != Metric::Cosine {
        return Ok(Cow::Borrowed(raw));
    }
    let mut query = raw.to_vec();
    normalise(&mut query).ok_or_else(zero_vector)?;
    Ok(Cow::Owned(query))
}

/// [`prepare_query`] without the copy: the vector is checked, then scaled to unit length where
/// it lies under the cosine metric. A batch of 300 queries of 1536 floats is 1.8 MB: copying
/// it pushed the rows out of the L2 cache before the scan (100 x 1536, 300 queries: 2.5 us per
/// query of the 6 us the search took, when the copy was made for every metric).
pub fn prepare_in_place(collection: &Collection<'_>, query: &mut [f32]) -> Result<(), SearchError> {
    check_query(collection, query)?;
    if collection.metric() == Metric::Cosine {
        normalise(query).ok_or_else(zero_vector)?;
    }
    Ok(())
}

/// A query vector that is not empty, has the collection's dimension and is finite.
fn check_query(collection: &Collection<'_>, raw: &[f32]) -> Result<(), SearchError> {
    if raw.is_empty() {
        return Err(SearchError::InvalidVector("the vector is empty".into()));
    }
    if raw.len() != collection.dim() {
        return Err(SearchError::DimensionMismatch {
            collection: collection.name().to_string(),
            expected: collection.dim(),
            found: raw.len(),
        });
    }
    // One vectorised pass; the position only on the error path.
    if !crate::kernel::all_finite(Kernel::detect(), raw) {
        let i = raw.iter().position(|x| !x.is_finite()).unwrap_or_default();
        return Err(SearchError::InvalidVector(format!(
            "element {i} is NaN or infinite"
        )));
    }
    Ok(())
}

/// The refusal of a zero vector under the cosine metric.
fn zero_vector() -> SearchError {
    SearchError::InvalidVector("a zero vector has no direction under the cosine metric".into())
}

/// Ranking parameters, already validated.
#[derive(Clone, Copy, Debug)]
pub struct Params<'a> {
    /// Results wanted.
    pub k: usize,
    /// Filters, ANDed.
    pub filters: &'a [Filter],
    /// Drop scores below this.
    pub min_score: Option<f32>,
}

/// Exact top-k over the rows that pass the filters. `query` must come from [`prepare_query`]
/// (or be a row of the collection). An error when a block of rows it reads fails its
/// checksum (see [`top_k_batch`]).
pub fn top_k(
    collection: &Collection<'_>,
    query: &[f32],
    params: &Params<'_>,
) -> Result<Vec<Hit>, FormatError> {
    Ok(top_k_batch(collection, &[query], params)?
        .pop()
        .unwrap_or_default())
}

/// [`top_k`] for several queries at once: one list per query, in order, each exactly what
/// [`top_k`] gives for that query alone. The filters are resolved once for all of them. For
/// the dot and cosine metrics over f32 storage each row is read once per block of queries
/// ([`batch`]); over f16 or i8 storage each query scans the compact rows that pass the
/// filters and rescores its candidates in f32 ([`quant::exact_top_k`]): the same hits, order
/// and score bits as the f32 scan.
///
/// Every f32 row is read through the collection's verified accessors: a scan checks the
/// blocks of the rows passing the filters before scoring them, the compact scan the blocks
/// of its candidates before rescoring (the first time; later a bit test). A block failing
/// its checksum is `FormatError::CollectionCorrupt`, and no hit is returned.
pub fn top_k_batch(
    collection: &Collection<'_>,
    queries: &[&[f32]],
    params: &Params<'_>,
) -> Result<Vec<Vec<Hit>>, FormatError> {
    let only = passing_rows(collection, params.filters);
    let only = only.as_deref();
    let kernel = Kernel::detect();
    match (collection.metric(), collection.compact()) {
        (Metric::Cosine | Metric::Dot, Some(compact)) => {
            let rows = Rows {
                data: collection.rows_unverified(),
                dim: collection.dim(),
                only,
            };
            let verify = |keep: &[u32]| collection.verify_rows(keep);
            let (k, min) = (params.k, params.min_score);
            quant::exact_top_k_batch(kernel, rows, &compact, queries, k, min, &verify)
        }
        (Metric::Cosine | Metric::Dot, None) => {
            let rows = collection.rows(only)?;
            Ok(batch::rank(
                kernel,
                rows,
                queries,
                params.k,
                params.min_score,
            ))
        }
        (Metric::L2, _) => {
            let rows = collection.rows(only)?;
            Ok(queries
                .iter()
                .map(|query| l2_top_k(rows, query, params))
                .collect())
        }
    }
}

/// Exact top-k by negative squared distance over `rows` (verified).
fn l2_top_k(rows: Rows<'_>, query: &[f32], params: &Params<'_>) -> Vec<Hit> {
    let mut best = TopK::new(params.k, params.min_score);
    let ids: Box<dyn Iterator<Item = usize>> = match rows.only {
        Some(only) => Box::new(only.iter().map(|&r| r as usize)),
        None => Box::new(0..rows.len()),
    };
    for row in ids {
        let dim = rows.dim;
        let vector = rows
            .data
            .get(row * dim..(row + 1) * dim)
            .unwrap_or_default();
        best.push(row, similarity(Metric::L2, vector, query));
    }
    best.into_sorted()
}

/// The rows that pass every filter, ascending (`None` without filters: all of them).
fn passing_rows(collection: &Collection<'_>, filters: &[Filter]) -> Option<Vec<u32>> {
    if filters.is_empty() {
        return None;
    }
    let mut rows = candidate_rows(collection, filters);
    // Each filter's key looked up once for all candidates; a key no item has passes no row.
    let wanted: Option<Vec<(FieldId, &Filter)>> = filters
        .iter()
        .map(|f| collection.field(&f.key).map(|field| (field, f)))
        .collect();
    match wanted {
        Some(wanted) => rows.retain(|&row| passes(collection, row as usize, &wanted)),
        None => rows.clear(),
    }
    Some(rows)
}

/// Rows worth checking: those the posting lists offer for every filter (ascending, so ties
/// still go to the earlier row).
fn candidate_rows(collection: &Collection<'_>, filters: &[Filter]) -> Vec<u32> {
    let postings = collection.postings();
    let lists = filters
        .iter()
        .map(|f| postings.candidates(&f.key, &f.value))
        .collect();
    postings::intersect(lists)
}

fn passes(collection: &Collection<'_>, row: usize, wanted: &[(FieldId, &Filter)]) -> bool {
    let metadata = collection.metadata(row);
    wanted.iter().all(|(field, f)| {
        metadata
            .get_field(*field)
            .is_some_and(|v| v.matches(&f.value))
    })
}

/// Score of one row against the query (higher is better): for dot and cosine the same bits
/// the ranking gives ([`Kernel::dot`]), for l2 simsimd's negative squared distance.
pub fn similarity(metric: Metric, row: &[f32], query: &[f32]) -> f32 {
    // Lengths were checked by prepare_query; a mismatch here ranks the row last.
    if row.len() != query.len() {
        return f32::NEG_INFINITY;
    }
    let score = match metric {
        Metric::Cosine | Metric::Dot => return Kernel::detect().dot(row, query),
        Metric::L2 => <f32 as SpatialSimilarity>::l2sq(row, query).map(|d| -d),
    };
    score.map_or(f32::NEG_INFINITY, |s| s as f32)
}
