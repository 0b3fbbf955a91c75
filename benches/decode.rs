//! The cold decode (`BakedIndex::open`: header, meta checksum, directory) of the default index
//! and of a 50,000-item synthetic index with four metadata fields per item, so a decode that
//! grows with items shows. In-process, so the blob's pages are already mapped: a fresh
//! process adds its page faults (see `plan-index inspect --json`'s `decode_us`).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use plan_index_core::BakedIndex;

fn bench(c: &mut Criterion) {
    let default = plan_index::baked().expect("the baked index").blob();
    let synthetic = plan_index_testkit::random_index_4_fields("items", 50_000, 8, 3).blob();
    let mut group = c.benchmark_group("cold_decode");
    for (name, blob) in [
        ("default_index", default),
        ("synthetic_50k_4_fields", synthetic),
    ] {
        let meta_bytes = BakedIndex::open(blob).expect("opens").blob_bytes();
        eprintln!("{name}: blob {meta_bytes} bytes");
        group.bench_function(name, |b| {
            b.iter(|| black_box(BakedIndex::open(black_box(blob)).expect("opens")))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
