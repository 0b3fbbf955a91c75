//! Random indexes of any size, for benchmarks and tests that need more rows than a fixture.

use std::collections::BTreeMap;

use plan_index_core::BakedIndex;
use plan_index_format::{
    CollectionMeta, IndexMeta, ItemMeta, MetaValue, Metric, Storage, aligned_float_offset,
    encode_blob, normalise,
};

use crate::leak_aligned;

/// A deterministic xorshift generator: reproducible data without a `rand` dependency.
#[derive(Clone, Debug)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator from a non-zero seed.
    pub fn new(seed: u64) -> XorShift {
        XorShift(seed.max(1))
    }

    /// Next value, uniform in [-1, 1).
    pub fn next_f32(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    /// A random unit vector.
    pub fn unit_vector(&mut self, dim: usize) -> Vec<f32> {
        let mut v: Vec<f32> = (0..dim).map(|_| self.next_f32()).collect();
        if normalise(&mut v).is_none() {
            v[0] = 1.0;
        }
        v
    }
}

/// One cosine collection `name` of `n` random unit rows, each with a `group` field (`g0`..`g9`).
pub fn random_index(name: &str, n: usize, dim: usize, seed: u64) -> BakedIndex {
    random_index_with(name, n, dim, seed, |i| {
        BTreeMap::from([("group".to_string(), MetaValue::Str(format!("g{}", i % 10)))])
    })
}

/// Like [`random_index`], with the rows also stored as `storage` (compact rows baked).
pub fn random_index_stored(
    name: &str,
    n: usize,
    dim: usize,
    seed: u64,
    storage: Storage,
) -> BakedIndex {
    let mut rng = XorShift::new(seed);
    let vectors: Vec<f32> = (0..n).flat_map(|_| rng.unit_vector(dim)).collect();
    let items = (0..n)
        .map(|i| ItemMeta {
            id: format!("item-{i}"),
            text_hash: None,
            text: None,
            metadata: BTreeMap::from([(
                "group".to_string(),
                MetaValue::Str(format!("g{}", i % 10)),
            )]),
            payload: None,
        })
        .collect();
    open_stored(name, items, dim, vectors, storage)
}

/// Like [`random_index`], with four metadata fields per item (a string, an integer, a list
/// and a boolean), the shape of a real collection, to measure what grows with items.
pub fn random_index_4_fields(name: &str, n: usize, dim: usize, seed: u64) -> BakedIndex {
    random_index_with(name, n, dim, seed, |i| {
        BTreeMap::from([
            ("group".to_string(), MetaValue::Str(format!("g{}", i % 10))),
            ("rank".to_string(), MetaValue::Int((i % 97) as i64)),
            (
                "tags".to_string(),
                MetaValue::List(vec![format!("t{}", i % 7), format!("u{}", i % 13)]),
            ),
            ("even".to_string(), MetaValue::Bool(i % 2 == 0)),
        ])
    })
}

fn random_index_with(
    name: &str,
    n: usize,
    dim: usize,
    seed: u64,
    metadata: impl Fn(usize) -> BTreeMap<String, MetaValue>,
) -> BakedIndex {
    let mut rng = XorShift::new(seed);
    let mut vectors = Vec::with_capacity(n * dim);
    let items = (0..n)
        .map(|i| {
            vectors.extend(rng.unit_vector(dim));
            ItemMeta {
                id: format!("item-{i}"),
                text_hash: None,
                text: None,
                metadata: metadata(i),
                payload: None,
            }
        })
        .collect();
    open_items(name, items, dim, vectors)
}

/// One collection `name` holding `items` (rows: unit vectors along the first axes), for
/// tests of code that reads items.
pub fn items_index(name: &str, items: Vec<ItemMeta>) -> BakedIndex {
    let dim = 2;
    let vectors = (0..items.len())
        .flat_map(|i| if i % 2 == 0 { [1.0, 0.0] } else { [0.0, 1.0] })
        .collect();
    open_items(name, items, dim, vectors)
}

fn open_items(name: &str, items: Vec<ItemMeta>, dim: usize, vectors: Vec<f32>) -> BakedIndex {
    open_stored(name, items, dim, vectors, Storage::F32)
}

/// One collection `name` of `items` with their rows `vectors`, stored as `storage`.
pub fn open_stored(
    name: &str,
    items: Vec<ItemMeta>,
    dim: usize,
    vectors: Vec<f32>,
    storage: Storage,
) -> BakedIndex {
    debug_assert_eq!(aligned_float_offset(0), 0);
    let meta = IndexMeta {
        model: "random".into(),
        dim: dim as u32,
        metric: Metric::Cosine,
        collections: vec![
            CollectionMeta::new(name.into(), dim as u32, Metric::Cosine, 0, items)
                .with_storage(storage),
        ],
    };
    // A synthetic layout that fails to encode or open is a bug in this module, not bad input.
    let blob = encode_blob(&meta, &vectors).unwrap_or_else(|e| panic!("synthetic index: {e}"));
    BakedIndex::open(leak_aligned(&blob)).unwrap_or_else(|e| panic!("synthetic index: {e}"))
}
