//! Warm search latency (100, 10,000 and 50,000 items x 1536 dims, top-10) and the cold decode;
//! a batch of queries against the same queries one by one; a batch on each kernel the CPU runs
//! (AVX-512 against AVX2 here, same run); one pair's dot product, ours (the canonical order
//! every ranking uses) against simsimd's; the same single query over f32, f16 and i8 storage
//! (exact results, compact scan); the i8 code dot product, ours against simsimd's.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use plan_index_core::BakedIndex;
use plan_index_core::Storage;
use plan_index_core::batch::{self, Rows};
use plan_index_core::kernel::Kernel;
use plan_index_core::quant;
use plan_index_core::search::{Params, prepare_query, top_k, top_k_batch};
use plan_index_format::bake_dir;
use plan_index_testkit::leak_aligned;
use plan_index_testkit::{XorShift, random_index, random_index_stored};
use serde_json::json;
use simsimd::SpatialSimilarity;

const DIM: usize = 1536;

fn warm_search(c: &mut Criterion) {
    let mut group = c.benchmark_group("search_top10_1536d");
    for n in [100usize, 10_000, 50_000] {
        let index = random_index("bench", n, DIM, 42);
        let collection = index
            .collection("bench")
            .expect("intact")
            .expect("bench collection");
        let query = prepare_query(&collection, &XorShift::new(7).unit_vector(DIM))
            .expect("query")
            .into_owned();
        let params = Params {
            k: 10,
            filters: &[],
            min_score: None,
        };
        group.throughput(Throughput::Bytes((n * DIM * 4) as u64));
        if n > 10_000 {
            group.sample_size(20);
        }
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| top_k(&collection, black_box(&query), &params).expect("intact"))
        });
    }
    group.finish();
}

fn filtered_search(c: &mut Criterion) {
    let index = random_index("bench", 10_000, DIM, 42);
    let collection = index
        .collection("bench")
        .expect("intact")
        .expect("bench collection");
    let query = prepare_query(&collection, &XorShift::new(7).unit_vector(DIM))
        .expect("query")
        .into_owned();
    let filters = vec!["group=g3".parse().expect("filter")];
    let params = Params {
        k: 10,
        filters: &filters,
        min_score: None,
    };
    c.bench_function("search_top10_1536d_filtered_10pct/10000", |b| {
        b.iter(|| top_k(&collection, black_box(&query), &params).expect("intact"))
    });
}

/// The cold start: header checks, metadata checksum and decode, id maps; the vectors untouched.
fn cold_decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("cold_decode_1536d");
    for n in [1_000usize, 10_000] {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut rng = XorShift::new(3);
        let items: Vec<_> = (0..n)
            .map(|i| {
                json!({
                    "id": format!("item-{i}"),
                    "embedding": rng.unit_vector(DIM),
                    "text_hash": format!("{i:064x}"),
                    "metadata": {"philosophy_id": "daniels", "phase": "build",
                                 "race_types": ["5k", "10k"], "days_to_race_min": 11},
                })
            })
            .collect();
        std::fs::write(dir.path().join("c.json"), json!(items).to_string()).expect("write");
        let blob = leak_aligned(&bake_dir(dir.path()).expect("bake").blob);
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| BakedIndex::open(black_box(blob)).expect("opens"))
        });
    }
    group.finish();
}

/// Per query: a batch of `nq` in one call against the same queries one call each.
fn batch_vs_single(c: &mut Criterion) {
    for (n, nq) in [(100usize, 300usize), (10_000, 100)] {
        let index = random_index("bench", n, DIM, 42);
        let collection = index
            .collection("bench")
            .expect("intact")
            .expect("bench collection");
        let mut rng = XorShift::new(9);
        let queries: Vec<Vec<f32>> = (0..nq)
            .map(|_| {
                prepare_query(&collection, &rng.unit_vector(DIM))
                    .expect("query")
                    .into_owned()
            })
            .collect();
        let refs: Vec<&[f32]> = queries.iter().map(Vec::as_slice).collect();
        let params = Params {
            k: 10,
            filters: &[],
            min_score: None,
        };
        let mut group = c.benchmark_group(format!("queries_{nq}_top10_1536d/{n}"));
        group.throughput(Throughput::Elements(nq as u64));
        group.sample_size(10);
        group.bench_function("one_by_one", |b| {
            b.iter(|| {
                for q in &refs {
                    black_box(top_k(&collection, black_box(q), &params).expect("intact"));
                }
            })
        });
        group.bench_function("batch", |b| {
            b.iter(|| top_k_batch(&collection, black_box(&refs), &params).expect("intact"))
        });
        group.finish();
    }
}

/// Per query: a batch ranked by each kernel this CPU runs (AVX-512 against AVX2 on x86-64),
/// the sizes of scripts/bench-peers.sh, so a kernel change is measured against the old one in
/// the same run.
fn batch_kernels(c: &mut Criterion) {
    for (n, dim, nq) in [
        (100usize, 1536usize, 300usize),
        (10_000, 1536, 100),
        (10_000, 384, 300),
    ] {
        let mut rng = XorShift::new(11);
        let data: Vec<f32> = (0..n).flat_map(|_| rng.unit_vector(dim)).collect();
        let queries: Vec<Vec<f32>> = (0..nq).map(|_| rng.unit_vector(dim)).collect();
        let refs: Vec<&[f32]> = queries.iter().map(Vec::as_slice).collect();
        let rows = Rows {
            data: &data,
            dim,
            only: None,
        };
        let mut group = c.benchmark_group(format!("kernel_batch_{nq}_top10/{n}x{dim}"));
        group.throughput(Throughput::Elements(nq as u64));
        group.sample_size(10);
        let mut named = Vec::new();
        for kernel in Kernel::available() {
            // The f32 tiles do not use VNNI: AVX-512 with and without it is one kernel here.
            let name = format!("{kernel:?}");
            let name = name.split('(').next().unwrap_or("kernel").to_lowercase();
            if kernel == Kernel::Portable || named.contains(&name) {
                continue;
            }
            named.push(name.clone());
            group.bench_function(name, |b| {
                b.iter(|| batch::rank(kernel, rows, black_box(&refs), 10, None))
            });
        }
        group.finish();
    }
}

/// One pair, cache-resident: where simsimd would still be used if it were faster.
fn pair_dot(c: &mut Criterion) {
    let kernel = Kernel::detect();
    let mut group = c.benchmark_group("pair_dot");
    for dim in [384usize, 1536] {
        let mut rng = XorShift::new(4);
        let (a, b) = (rng.unit_vector(dim), rng.unit_vector(dim));
        group.bench_with_input(BenchmarkId::new("ours", dim), &dim, |bench, _| {
            bench.iter(|| kernel.dot(black_box(&a), black_box(&b)))
        });
        group.bench_with_input(BenchmarkId::new("simsimd", dim), &dim, |bench, _| {
            bench.iter(|| <f32 as SpatialSimilarity>::dot(black_box(&a), black_box(&b)))
        });
    }
    group.finish();
}

/// One query, 10,000 x 1536, top-10, over each storage (same rows, same exact answer).
fn storage_search(c: &mut Criterion) {
    let mut group = c.benchmark_group("storage_top10_1536d_10000");
    group.sample_size(30);
    let query = XorShift::new(7).unit_vector(DIM);
    let params = Params {
        k: 10,
        filters: &[],
        min_score: None,
    };
    for storage in [Storage::F32, Storage::F16, Storage::I8] {
        let index = random_index_stored("bench", 10_000, DIM, 42, storage);
        let collection = index.collection("bench").expect("intact").expect("bench");
        let query = prepare_query(&collection, &query).expect("query");
        group.bench_function(storage.as_str(), |b| {
            b.iter(|| top_k(&collection, black_box(&query), &params).expect("intact"))
        });
    }
    group.finish();
}

/// A batch of 100 queries, 10,000 x 1536, top-10, over each storage: compact rows are read
/// once for the batch (`quant::approximate_batch`), each query's candidates rescored alone.
fn storage_batch(c: &mut Criterion) {
    let mut group = c.benchmark_group("storage_batch_100_top10_1536d_10000");
    group.sample_size(10);
    group.throughput(Throughput::Elements(100));
    let mut rng = XorShift::new(13);
    let queries: Vec<Vec<f32>> = (0..100).map(|_| rng.unit_vector(DIM)).collect();
    let refs: Vec<&[f32]> = queries.iter().map(Vec::as_slice).collect();
    let params = Params {
        k: 10,
        filters: &[],
        min_score: None,
    };
    for storage in [Storage::F32, Storage::F16, Storage::I8] {
        let index = random_index_stored("bench", 10_000, DIM, 42, storage);
        let collection = index.collection("bench").expect("intact").expect("bench");
        group.bench_function(storage.as_str(), |b| {
            b.iter(|| top_k_batch(&collection, black_box(&refs), &params).expect("intact"))
        });
    }
    group.finish();
}

/// The i8 scan's inner product of two code rows: ours on every kernel this CPU runs (AVX-512
/// VNNI, AVX2's widening multiply-add, portable) against simsimd's.
fn i8_dot(c: &mut Criterion) {
    let mut group = c.benchmark_group("i8_dot");
    for dim in [384usize, 1536] {
        let a: Vec<i8> = (0..dim).map(|i| ((i * 37) % 255) as i8).collect();
        let b: Vec<i8> = (0..dim).map(|i| ((i * 91) % 255) as i8).collect();
        for kernel in Kernel::available() {
            let name = format!("ours {kernel:?}");
            group.bench_with_input(BenchmarkId::new(name, dim), &dim, |bench, _| {
                bench.iter(|| quant::dot_i8(kernel, black_box(&a), black_box(&b)))
            });
        }
        group.bench_with_input(BenchmarkId::new("simsimd", dim), &dim, |bench, _| {
            bench.iter(|| <i8 as SpatialSimilarity>::dot(black_box(&a), black_box(&b)))
        });
    }
    group.finish();
}

/// The i8 scan's first step over 10,000 rows of 1536 codes (15 MB, from memory): every row's
/// dot product with the query, four rows per query load with VNNI (`dot_i8_rows`) against one
/// pair at a time (`dot_i8` per row, as before).
fn i8_rows(c: &mut Criterion) {
    const ROWS: usize = 10_000;
    let mut group = c.benchmark_group("i8_rows_10000x1536");
    group.sample_size(20);
    let codes: Vec<i8> = (0..ROWS * DIM).map(|i| ((i * 37) % 255) as i8).collect();
    let query: Vec<i8> = (0..DIM).map(|i| ((i * 91) % 255) as i8).collect();
    let ids: Vec<u32> = (0..ROWS as u32).collect();
    for kernel in Kernel::available() {
        // The full name: AVX-512 is listed with and without VNNI.
        let name = format!("{kernel:?}");
        group.bench_function(format!("rows {name}"), |b| {
            b.iter(|| quant::dot_i8_rows(kernel, black_box(&codes), &ids, &[black_box(&query)]))
        });
        group.bench_function(format!("pairs {name}"), |b| {
            b.iter(|| {
                codes
                    .chunks_exact(DIM)
                    .map(|row| quant::dot_i8(kernel, row, black_box(&query)))
                    .collect::<Vec<i32>>()
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    storage_search,
    storage_batch,
    i8_dot,
    i8_rows,
    warm_search,
    filtered_search,
    cold_decode,
    batch_vs_single,
    batch_kernels,
    pair_dot
);
criterion_main!(benches);
