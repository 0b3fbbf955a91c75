//! `"vector_b64"` (base64 of little-endian f32) answers exactly what `"vector"` answers for the
//! same floats, on every carrier: the three HTTP event shapes, direct invocation, SQS and
//! EventBridge (both go through `action::from_value` then `action::run`); and its bad forms
//! are refused with their own codes.

#[path = "lambda_common/events.rs"]
mod support;

use std::sync::OnceLock;

use base64::Engine as _;
use plan_index_api::action::{self, Runtime};
use plan_index_api::{ApiError, Publishing};
use plan_index_core::BakedIndex;
use plan_index_testkit::XorShift;
use serde_json::{Value, json};
use support::{assert_error, event, parts, with_body};

const DIM: usize = 8;

fn index() -> &'static BakedIndex {
    static INDEX: OnceLock<BakedIndex> = OnceLock::new();
    INDEX.get_or_init(|| plan_index_testkit::random_index("things", 40, DIM, 7))
}

fn b64(rows: &[Vec<f32>]) -> String {
    let bytes: Vec<u8> = rows
        .iter()
        .flatten()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn queries(n: usize) -> Vec<Vec<f32>> {
    let mut rng = XorShift::new(99);
    (0..n)
        .map(|_| (0..DIM).map(|_| rng.next_f32()).collect())
        .collect()
}

async fn call(event: Value) -> Result<Value, ApiError> {
    support::reply(index(), event).await
}

/// A reply without its timing, which differs from run to run.
fn untimed(mut reply: Value) -> Value {
    if let Some(o) = reply.as_object_mut() {
        o.remove("search_us");
    }
    reply
}

/// Body pairs that must answer the same: a `vector` form and its `vector_b64` forms.
fn equivalent_bodies() -> Vec<(Value, Vec<Value>)> {
    let q = queries(3);
    let one = |extra: Value| {
        let mut body = json!({"collection": "things", "k": 5, "where": {"group": "g3"}});
        body.as_object_mut()
            .expect("object")
            .extend(extra.as_object().expect("object").clone());
        body
    };
    vec![
        (
            one(json!({"vector": q[0]})),
            vec![one(json!({"vector_b64": b64(&q[..1])}))],
        ),
        (
            one(json!({"vector": q})),
            vec![
                one(
                    json!({"vector_b64": q.iter().map(|r| b64(std::slice::from_ref(r))).collect::<Vec<_>>()}),
                ),
                one(json!({"vector_b64": b64(&q), "n": 3})),
            ],
        ),
    ]
}

#[tokio::test]
async fn http_and_direct_answer_the_same_for_both_forms() {
    for (vector, b64_forms) in equivalent_bodies() {
        for name in [
            "rest-v1-search.json",
            "http-v2-search.json",
            "function-url-search.json",
        ] {
            let answer = |body: &Value| {
                let e = with_body(event(name), Some(&body.to_string()));
                async move {
                    let (status, _, body) = parts(&call(e).await.expect("HTTP answers"));
                    assert_eq!(status, 200, "{name}: {body}");
                    untimed(body)
                }
            };
            let want = answer(&vector).await;
            assert!(want["results"].is_array() || want["queries"].is_array());
            for form in &b64_forms {
                assert_eq!(answer(form).await, want, "{name}: {form}");
            }
        }
        let direct = |body: &Value| {
            let mut body = body.clone();
            body["action"] = "search".into();
            async move { untimed(call(body).await.expect("direct answers")) }
        };
        let want = direct(&vector).await;
        for form in &b64_forms {
            assert_eq!(direct(form).await, want, "direct: {form}");
        }
    }
}

/// What SQS and EventBridge run for a record body or an event detail.
fn queued(body: &Value) -> Value {
    let publishing = Publishing::default();
    let runtime = Runtime {
        cold_start: false,
        primed_us: None,
        publishing: &publishing,
    };
    let action = action::from_value(body.clone(), true).expect("a search");
    let reply = action::run(index(), runtime, action).expect("answered");
    untimed(serde_json::to_value(&reply).expect("JSON"))
}

#[tokio::test]
async fn sqs_and_eventbridge_accept_both_forms_alike() {
    for (vector, b64_forms) in equivalent_bodies() {
        let want = queued(&vector);
        for form in &b64_forms {
            assert_eq!(queued(form), want, "{form}");
        }
        let mut batch = event("sqs-batch.json");
        let records = batch["Records"].as_array_mut().expect("records");
        records.truncate(1);
        let template = records[0].clone();
        records.clear();
        let mut bad = vector.clone();
        bad.as_object_mut().expect("object").remove("vector");
        bad["vector_b64"] = "!!".into();
        for (i, body) in b64_forms.iter().chain([&bad]).enumerate() {
            let mut r = template.clone();
            r["messageId"] = format!("m{i}").into();
            r["body"] = body.to_string().into();
            records.push(r);
        }
        let bad_id = format!("m{}", b64_forms.len());
        let response = call(batch).await.expect("batch");
        assert_eq!(
            response["batchItemFailures"],
            json!([{ "itemIdentifier": bad_id }])
        );
        let mut e = event("eventbridge-search.json");
        for form in &b64_forms {
            e["detail"] = form.clone();
            let ok = call(e.clone()).await.expect("event");
            assert_eq!(ok["detail_type"], "SearchResult", "{form}");
        }
        e["detail"] = bad;
        let failed = call(e).await.expect("answered");
        assert_eq!(failed["detail_type"], "RequestFailed");
    }
}

#[tokio::test]
async fn bad_vector_b64_is_refused_with_its_code() {
    let q = queries(2);
    let mut nan = q[0].clone();
    nan[3] = f32::NAN;
    let mut inf = q[0].clone();
    inf[0] = f32::INFINITY;
    let five_bytes = base64::engine::general_purpose::STANDARD.encode([1u8, 2, 3, 4, 5]);
    let cases = [
        (json!({"vector_b64": "not base64!"}), 400, "invalid_base64"),
        (
            json!({"vector_b64": five_bytes}),
            422,
            "invalid_vector_length",
        ),
        (json!({"vector_b64": ""}), 422, "invalid_vector_length"),
        (
            json!({"vector_b64": b64(&q), "n": 3}),
            422,
            "invalid_vector_length",
        ),
        (
            json!({"vector_b64": [b64(&q)], "n": 2}),
            422,
            "invalid_request",
        ),
        (
            json!({"vector_b64": b64(&q), "n": 0}),
            422,
            "invalid_request",
        ),
        (json!({"vector_b64": 42}), 422, "invalid_request"),
        (json!({"vector_b64": b64(&[nan])}), 422, "invalid_vector"),
        (
            json!({"vector_b64": [b64(&q[..1]), b64(&[inf])]}),
            422,
            "invalid_vector",
        ),
        (
            json!({"vector_b64": b64(&[q[0][..4].to_vec()])}),
            422,
            "dimension_mismatch",
        ),
        (
            json!({"vector_b64": b64(&q[..1]), "vector": q[0]}),
            422,
            "invalid_request",
        ),
        (json!({"n": 1, "vector": q[0]}), 422, "invalid_request"),
    ];
    for (fields, status, code) in cases {
        let mut body = json!({"collection": "things"});
        body.as_object_mut()
            .expect("object")
            .extend(fields.as_object().expect("object").clone());
        let e = with_body(event("http-v2-search.json"), Some(&body.to_string()));
        assert_error(&call(e).await.expect("answered"), status, code);
    }
}
