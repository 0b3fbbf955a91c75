//! Reading a 1536-number `"vector"` from JSON text: `plan_index_api::json_f32` against
//! serde_json into `Vec<f32>`, fast_float2 and `str::parse::<f32>` per number, on the numbers as
//! Python's `json.dumps` writes float32 data (the shortest repr of the `f64`, 17 digits,
//! exponents for small values) and as shortest `f32` (about 9 digits).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use plan_index_api::json_f32;

const DIM: usize = 1536;

/// Deterministic pseudo-random floats, mostly in [-1, 1), some tiny (xorshift).
fn floats(seed: u64, n: usize) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let x = (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0;
            if i % 50 == 0 { x * 1e-5 } else { x }
        })
        .collect()
}

/// Python's `repr` of a float: shortest round trip, exponent form below 1e-4.
fn python_repr(x: f64) -> String {
    if x != 0.0 && x.abs() < 1e-4 {
        format!("{x:e}")
    } else {
        format!("{x:?}")
    }
}

fn array(items: impl Iterator<Item = String>) -> String {
    format!("[{}]", items.collect::<Vec<_>>().join(", "))
}

/// The numbers of a flat JSON array, split on commas and read one by one with `parse` (NaN
/// where it refuses one).
fn per_number(text: &str, parse: Parse) -> Vec<f32> {
    text.trim_matches(['[', ']'])
        .split(',')
        .map(|s| parse(s.trim_ascii()).unwrap_or(f32::NAN))
        .collect()
}

/// One number's text to its value.
type Parse = fn(&str) -> Option<f32>;

/// How a float is written into the text.
type Format = fn(&f32) -> String;

fn bench(c: &mut Criterion) {
    let queries: Vec<Vec<f32>> = (0..plan_index_testkit::VARIANTS)
        .map(|v| floats(7 + v, DIM))
        .collect();
    let formats: [(&str, Format); 2] = [
        ("python_f64_repr", |&x| python_repr(f64::from(x))),
        ("shortest_f32", |x| format!("{x:?}")),
    ];
    for (name, format) in formats {
        let texts: Vec<String> = queries
            .iter()
            .map(|query| array(query.iter().map(format)))
            .collect();
        for text in &texts {
            let ours = json_f32::vectors(text.as_bytes(), 0).expect("parses");
            let serde: Vec<f32> = serde_json::from_str(text).expect("serde");
            assert_eq!(ours.0, json_f32::Vectors::One(serde), "same floats");
        }
        let mut group = c.benchmark_group(format!("parse_1536_{name}"));
        let mut next = plan_index_testkit::cycle(&texts);
        group.bench_function("json_f32", |b| {
            b.iter(|| black_box(json_f32::vectors(black_box(next().as_bytes()), 0)))
        });
        let mut next = plan_index_testkit::cycle(&texts);
        group.bench_function("serde_json_vec_f32", |b| {
            b.iter(|| black_box(serde_json::from_str::<Vec<f32>>(black_box(next())).ok()))
        });
        // A published parser per number (fast_float's algorithm), and the standard library's,
        // each on the array split on commas.
        let parsers: [(&str, Parse); 2] = [
            ("fast_float2_f32", |s| fast_float2::parse(s).ok()),
            ("std_parse_f32", |s| s.parse().ok()),
        ];
        for (parser, parse) in parsers {
            let mut next = plan_index_testkit::cycle(&texts);
            group.bench_function(parser, |b| {
                b.iter(|| black_box(per_number(black_box(next()), parse)))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
