//! A warm `POST /v1/search` through the whole handler (the raw invocation bytes of an HTTP API
//! v2 event in, as the runtime hands them over, the response serialized to JSON as the runtime
//! sends it back) against the search alone, on 100 items of 1536 dimensions. The handler's
//! overhead (event and body parsing, validation, routing, encoding) should stay within 3x for
//! a JSON number array and within 2x for `vector_b64`.

// The function's allocator, as the bootstrap sets it up (`plan_index::heap`).
#[global_allocator]
static HEAP: plan_index::heap::Allocator = plan_index::heap::Allocator;

use std::hint::black_box;

use base64::prelude::{BASE64_STANDARD, Engine as _};
use criterion::{Criterion, criterion_group, criterion_main};
use plan_index::lambda::{self, Context, Publisher};
use plan_index_api::search::{self, SearchRequest};
use plan_index_core::BakedIndex;
use serde_json::{Value, json};

const ITEMS: usize = 100;
const DIM: usize = 1536;

/// Deterministic pseudo-random floats in [-1, 1) (xorshift), so runs are comparable.
fn floats(seed: u64, n: usize) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

fn synthetic_index() -> BakedIndex {
    let dir = tempfile::tempdir().expect("tempdir");
    let items: Vec<Value> = (0..ITEMS)
        .map(|i| {
            json!({
                "id": format!("item-{i:03}"),
                "embedding": floats(i as u64 + 1, DIM),
                "metadata": {"kind": if i % 2 == 0 { "even" } else { "odd" }, "rank": i},
            })
        })
        .collect();
    let path = dir.path().join("docs.json");
    std::fs::write(&path, serde_json::to_string(&items).expect("json")).expect("write");
    plan_index_testkit::open_dir(dir.path()).expect("index")
}

fn search_event(body: &str) -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/events/http-v2-search.json"
    );
    let mut event: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("event")).expect("json");
    event["body"] = body.into();
    event["isBase64Encoded"] = false.into();
    event
}

/// The search body with a typed vector, to measure JSON float parsing alone.
#[derive(serde::Deserialize)]
struct TypedBody {
    vector: Vec<f32>,
}

/// The search body three ways for one query: floats printed as f64 (17-19 digits, what Python
/// and JavaScript clients send for float32 data), as shortest f32 (about 10 digits, what serde
/// sends), and as `vector_b64` (base64 of the little-endian f32 bytes: no number parsing).
fn bodies(seed: u64) -> [(&'static str, String); 3] {
    let query = floats(seed, DIM);
    let long = json!({"collection": "docs", "vector": query, "k": 10}).to_string();
    let short = format!(
        r#"{{"collection":"docs","vector":{},"k":10}}"#,
        serde_json::to_string(&query).expect("json")
    );
    let bytes: Vec<u8> = query.iter().flat_map(|x| x.to_le_bytes()).collect();
    let b64 = json!({"collection": "docs", "vector_b64": BASE64_STANDARD.encode(bytes), "k": 10});
    [
        ("f64_digits", long),
        ("f32_digits", short),
        ("vector_b64", b64.to_string()),
    ]
}

fn bench(c: &mut Criterion) {
    plan_index::heap::keep();
    let index = synthetic_index();
    let publisher = Publisher::disabled();
    let mut ctx = Context::new("bench", &publisher);
    ctx.metrics = false;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let all: Vec<_> = (0..plan_index_testkit::VARIANTS)
        .map(|v| bodies(999 + v))
        .collect();
    for format in 0..3 {
        let name = all[0][format].0;
        let bodies: Vec<&String> = all.iter().map(|b| &b[format].1).collect();
        let events: Vec<Vec<u8>> = bodies
            .iter()
            .map(|body| serde_json::to_vec(&search_event(body)).expect("event bytes"))
            .collect();
        for event in &events {
            let check = runtime
                .block_on(lambda::handle_payload(&index, &ctx, event))
                .expect("answer");
            let check: serde_json::Value =
                serde_json::from_str(&check.to_json().expect("encode")).expect("JSON");
            assert_eq!(check["statusCode"], 200, "{check}");
        }

        let mut group = c.benchmark_group(format!("post_search_100x1536_{name}"));
        let mut next = plan_index_testkit::cycle(&events);
        group.bench_function("handler_event_to_json", |b| {
            b.iter(|| {
                let response = runtime
                    .block_on(lambda::handle_payload(&index, &ctx, black_box(next())))
                    .expect("answer");
                black_box(serde_json::to_vec(&response).expect("encode"))
            })
        });
        // The handler's stages, to say where its time goes: the event read and classified
        // (UTF-8 check, one skim of the top level), the HTTP envelope decoded from that with
        // the body held back and unescaped, and the reply encoded into the proxy response.
        let texts: Vec<&str> = events
            .iter()
            .map(|e| std::str::from_utf8(e).expect("UTF-8"))
            .collect();
        let mut next = plan_index_testkit::cycle(&events);
        group.bench_function("stage_classify", |b| {
            b.iter(|| {
                let text = lambda::payload::text(black_box(next()));
                black_box(lambda::payload::classify(&text.text).source)
            })
        });
        let classified: Vec<_> = texts.iter().map(|t| lambda::payload::classify(t)).collect();
        let pairs: Vec<_> = texts.iter().zip(&classified).collect();
        let mut next = plan_index_testkit::cycle(&pairs);
        group.bench_function("stage_envelope_and_body", |b| {
            b.iter(|| {
                let (text, classified) = next();
                let request = lambda::http::request(
                    black_box(text),
                    &classified.members,
                    lambda::http::Format::HttpV2,
                )
                .expect("envelope");
                black_box(request.route)
            })
        });
        // The body read into the typed search (the vector's numbers or base64 included),
        // as the route does it, from an envelope decoded once.
        let requests: Vec<_> = pairs
            .iter()
            .map(|(text, classified)| {
                lambda::http::request(text, &classified.members, lambda::http::Format::HttpV2)
                    .expect("envelope")
            })
            .collect();
        let mut next = plan_index_testkit::cycle(&requests);
        group.bench_function("stage_body_to_action", |b| {
            b.iter(|| black_box(black_box(next()).action().expect("action")))
        });
        let specs: Vec<_> = bodies
            .iter()
            .map(|body| {
                serde_json::from_str::<SearchRequest>(body)
                    .expect("request")
                    .into_spec()
                    .expect("spec")
            })
            .collect();
        let answer = search::run(&index, specs[0].clone()).expect("search");
        let reply = plan_index_api::Reply::Search(answer);
        group.bench_function("stage_reply_to_json", |b| {
            b.iter(|| {
                let body = plan_index_api::encode(black_box(&reply)).expect("encode");
                let response = lambda::http::typed_response(
                    lambda::http::Format::HttpV2,
                    200,
                    body,
                    "application/json",
                    "bench",
                    None,
                );
                black_box(serde_json::to_vec(&response).expect("encode"))
            })
        });
        let mut next = plan_index_testkit::cycle(&specs);
        group.bench_function("search_run_only", |b| {
            b.iter(|| black_box(search::run(&index, black_box(next().clone())).expect("search")))
        });
        let mut next = plan_index_testkit::cycle(&bodies);
        group.bench_function("parse_body_only", |b| {
            b.iter(|| {
                let request: SearchRequest =
                    serde_json::from_str(black_box(next())).expect("request");
                black_box(request.into_spec().expect("search"))
            })
        });
        // The same request as a direct invocation (the body's members and `"action"` at the
        // top of the event): the vector is read while the event is classified, once.
        let direct: Vec<String> = bodies
            .iter()
            .map(|body| body.replacen('{', r#"{"action":"search","#, 1))
            .collect();
        let mut next = plan_index_testkit::cycle(&direct);
        group.bench_function("direct_event_to_json", |b| {
            b.iter(|| {
                let response = runtime
                    .block_on(lambda::handle_payload(
                        &index,
                        &ctx,
                        black_box(next().as_bytes()),
                    ))
                    .expect("answer");
                black_box(serde_json::to_vec(&response).expect("encode"))
            })
        });
        // The floor for any JSON API: the same body parsed straight into floats, no `Value`.
        if name == "vector_b64" {
            group.finish();
            continue;
        }
        let mut next = plan_index_testkit::cycle(&bodies);
        group.bench_function("parse_body_typed_floor", |b| {
            b.iter(|| {
                let typed: TypedBody = serde_json::from_str(black_box(next())).expect("typed");
                black_box(typed.vector.len())
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
