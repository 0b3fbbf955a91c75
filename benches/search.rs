//! Warm search latency (100, 10,000 and 50,000 items x 1536 dims, top-10) and the cold decode.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use plan_index_core::BakedIndex;
use plan_index_core::search::{Params, prepare_query, top_k};
use plan_index_format::bake_dir;
use plan_index_testkit::leak_aligned;
use plan_index_testkit::{XorShift, random_index};
use serde_json::json;

const DIM: usize = 1536;

fn warm_search(c: &mut Criterion) {
    let mut group = c.benchmark_group("search_top10_1536d");
    for n in [100usize, 10_000, 50_000] {
        let index = random_index("bench", n, DIM, 42);
        let collection = index.collection("bench").expect("bench collection");
        let query = prepare_query(&collection, &XorShift::new(7).unit_vector(DIM)).expect("query");
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
            b.iter(|| top_k(&collection, black_box(&query), &params))
        });
    }
    group.finish();
}

fn filtered_search(c: &mut Criterion) {
    let index = random_index("bench", 10_000, DIM, 42);
    let collection = index.collection("bench").expect("bench collection");
    let query = prepare_query(&collection, &XorShift::new(7).unit_vector(DIM)).expect("query");
    let filters = vec!["group=g3".parse().expect("filter")];
    let params = Params {
        k: 10,
        filters: &filters,
        min_score: None,
    };
    c.bench_function("search_top10_1536d_filtered_10pct/10000", |b| {
        b.iter(|| top_k(&collection, black_box(&query), &params))
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

criterion_group!(benches, warm_search, filtered_search, cold_decode);
criterion_main!(benches);
