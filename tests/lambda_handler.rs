//! The handler called in-process on an index baked in a temp dir: every source, every route,
//! every kind of bad input, and the process keeps answering afterwards.

#[path = "lambda_common/events.rs"]
mod support;

use std::sync::OnceLock;

use plan_index::lambda::{self, Context, Publisher, Source, classify};
use plan_index_api::ApiError;
use plan_index_core::BakedIndex;
use serde_json::{Value, json};
use support::{assert_error, event, http, parts, with_body};

fn index() -> &'static BakedIndex {
    static INDEX: OnceLock<BakedIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let items = json!([
            {"id": "a", "embedding": [1.0, 0.0, 0.0], "metadata": {"kind": "x"}},
            {"id": "b", "embedding": [0.0, 1.0, 0.0], "metadata": {"kind": "y"}},
            {"id": "c", "embedding": [0.6, 0.8, 0.0], "metadata": {"kind": "x"}}
        ]);
        std::fs::write(dir.path().join("things.json"), items.to_string()).expect("write");
        plan_index_testkit::open_dir(dir.path()).expect("index")
    })
}

/// The handler's reply as the runtime would send it, parsed back.
async fn call(event: Value) -> Result<Value, ApiError> {
    support::reply(index(), event).await
}

async fn http_call(method: &str, path: &str, body: Option<&str>) -> Value {
    call(http(method, path, body))
        .await
        .expect("HTTP events always answer")
}

const GOOD: &str = r#"{"collection": "things", "vector": [1, 0, 0], "k": 2}"#;

async fn assert_still_serving() {
    let (status, _, body) = parts(&http_call("POST", "/v1/search", Some(GOOD)).await);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"][0]["id"], "a");
}

fn source(event: &Value) -> Source {
    classify(&event.to_string()).source
}

#[test]
fn shapes_are_told_apart() {
    assert_eq!(source(&event("rest-v1-search.json")), Source::RestApi);
    assert_eq!(source(&event("http-v2-search.json")), Source::HttpApi);
    assert_eq!(
        source(&event("function-url-search.json")),
        Source::FunctionUrl
    );
    assert_eq!(source(&event("sqs-batch.json")), Source::Sqs);
    assert_eq!(
        source(&event("eventbridge-search.json")),
        Source::EventBridge
    );
    assert_eq!(source(&json!({"action": "health"})), Source::Direct);
    for other in [
        event("s3-notification.json"),
        json!([]),
        json!(42),
        json!("search"),
        json!({"Records": []}),
        json!({"hello": 1}),
    ] {
        assert_eq!(source(&other), Source::Unknown, "{other}");
    }
}

#[tokio::test]
async fn every_http_source_searches_the_same() {
    for name in [
        "rest-v1-search.json",
        "http-v2-search.json",
        "function-url-search.json",
    ] {
        let response = call(with_body(event(name), Some(GOOD))).await.expect(name);
        let (status, headers, body) = parts(&response);
        assert_eq!(status, 200, "{name}: {body}");
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(body["collection"], "things");
        let ids: Vec<&str> = body["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["id"].as_str().expect("id"))
            .collect();
        assert_eq!(ids, ["a", "c"], "{name}");
    }
}

#[tokio::test]
async fn rest_stage_prefix_and_proxy_path_route() {
    let mut e = event("rest-v1-health.json");
    // Only the stage-prefixed spelling is left: it must still route.
    e["path"] = "/prod/health".into();
    e["pathParameters"] = Value::Null;
    let (status, _, body) = parts(&call(e).await.expect("health"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["collections"]["things"], 3);
}

#[tokio::test]
async fn health_and_collections() {
    let publisher = Publisher::disabled();
    let mut ctx = Context::new("r1", &publisher);
    ctx.cold_start = true;
    ctx.metrics = false;
    let response = lambda::handle(index(), &ctx, json!({"action": "health"}))
        .await
        .expect("health");
    let response: Value =
        serde_json::from_str(&response.to_json().expect("encodes")).expect("JSON");
    assert_eq!(response["cold_start"], true);
    assert_eq!(response["index_hash"], index().content_hash());
    assert!(response["index_decode_us"].is_number());
    let (status, _, body) = parts(&http_call("GET", "/v1/collections", None).await);
    assert_eq!(status, 200);
    assert_eq!(body["collections"][0]["name"], "things");
    assert_eq!(body["collections"][0]["dim"], 3);
    assert_eq!(body["collections"][0]["fields"], json!(["kind"]));
}

#[tokio::test]
async fn plan_maps_its_error_by_kind() {
    let body = r#"{"race": "marathon", "weeks": 16, "level": "intermediate"}"#;
    let response = http_call("POST", "/v1/plan", Some(body)).await;
    // This index has no plan collections: the plan layer says so, and the status follows its kind.
    assert_error(&response, 501, "index_incomplete");
}

#[tokio::test]
async fn bad_http_input_gets_the_error_shape() {
    let long = format!(
        r#"{{"collection": "things", "vector": [{}]}}"#,
        vec!["0.5"; 100_000].join(",")
    );
    let cases: Vec<(&str, &str, Option<String>, u16, &str)> = vec![
        (
            "POST",
            "/v1/search",
            Some("{not json".into()),
            400,
            "malformed_json",
        ),
        (
            "POST",
            "/v1/search",
            Some(r#""a string""#.into()),
            422,
            "invalid_body",
        ),
        (
            "POST",
            "/v1/search",
            Some("[1, 2]".into()),
            422,
            "invalid_body",
        ),
        ("POST", "/v1/search", Some("42".into()), 422, "invalid_body"),
        ("POST", "/v1/search", None, 400, "missing_body"),
        (
            "POST",
            "/v1/search",
            Some("   ".into()),
            400,
            "missing_body",
        ),
        (
            "POST",
            "/v1/search",
            Some(r#"{"collection": "things", "vector": [1, 0]}"#.into()),
            422,
            "dimension_mismatch",
        ),
        (
            "POST",
            "/v1/search",
            Some(r#"{"collection": "things", "vector": [1, "NaN", 0]}"#.into()),
            422,
            "invalid_vector",
        ),
        (
            "POST",
            "/v1/search",
            Some(r#"{"collection": "things", "vector": []}"#.into()),
            422,
            "invalid_vector",
        ),
        ("POST", "/v1/search", Some(long), 422, "dimension_mismatch"),
        (
            "POST",
            "/v1/search",
            Some(r#"{"collection": "things", "vector": [1, 0, 0], "k": 0}"#.into()),
            422,
            "invalid_k",
        ),
        (
            "POST",
            "/v1/search",
            Some(r#"{"collection": "things", "vector": [1, 0, 0], "k": -1}"#.into()),
            422,
            "invalid_k",
        ),
        (
            "POST",
            "/v1/search",
            Some(r#"{"collection": "things", "vector": [1, 0, 0], "k": 1e9}"#.into()),
            422,
            "invalid_k",
        ),
        (
            "POST",
            "/v1/search",
            Some(r#"{"collection": "nope", "vector": [1, 0, 0]}"#.into()),
            404,
            "unknown_collection",
        ),
        (
            "POST",
            "/v1/search",
            Some(
                r#"{"collection": "things", "vector": [1, 0, 0], "where": {"colour": "red"}}"#
                    .into(),
            ),
            422,
            "unknown_field",
        ),
        (
            "POST",
            "/v1/search",
            Some(r#"{"collection": "things", "vector": [1, 0, 0], "bogus": 1}"#.into()),
            422,
            "invalid_request",
        ),
        (
            "POST",
            "/v1/search",
            Some(r#"{"collection": 7, "vector": [1, 0, 0]}"#.into()),
            422,
            "invalid_request",
        ),
        (
            "POST",
            "/v1/plan",
            Some(r#"{"weeks": 12}"#.into()),
            422,
            "invalid_request",
        ),
        ("GET", "/v2/nothing", None, 404, "unknown_route"),
        ("DELETE", "/v1/search", None, 405, "method_not_allowed"),
        ("POST", "/health", None, 405, "method_not_allowed"),
    ];
    for (method, path, body, status, code) in cases {
        let response = http_call(method, path, body.as_deref()).await;
        assert_error(&response, status, code);
        assert_still_serving().await;
    }
}

#[tokio::test]
async fn method_not_allowed_says_what_is() {
    let response = http_call("GET", "/v1/search", None).await;
    assert_error(&response, 405, "method_not_allowed");
    assert_eq!(response["headers"]["allow"], "POST");
}

#[tokio::test]
async fn oversized_and_bad_base64_bodies() {
    let huge = format!(
        r#"{{"collection": "things", "pad": "{}"}}"#,
        "x".repeat(1 << 20)
    );
    assert_error(
        &http_call("POST", "/v1/search", Some(&huge)).await,
        413,
        "body_too_large",
    );
    let rest = with_body(event("rest-v1-search.json"), Some(&huge));
    assert_error(&call(rest).await.expect("answer"), 413, "body_too_large");
    let mut bad = event("rest-v1-search.json");
    bad["body"] = "!!not base64!!".into();
    assert_error(&call(bad).await.expect("answer"), 400, "invalid_base64");
    assert_still_serving().await;
}

#[tokio::test]
async fn direct_invocations() {
    let ok = call(json!({"action": "search", "collection": "things", "vector": [0, 1, 0], "k": 1}))
        .await
        .expect("direct");
    assert_eq!(ok["results"][0]["id"], "b");
    let bad = call(json!({"action": "search", "collection": "things", "vector": [0, 1]}))
        .await
        .expect("direct errors are answered");
    assert_eq!(bad["error"]["code"], "dimension_mismatch");
    let unknown = call(json!({"action": "dance"})).await.expect("answered");
    assert_eq!(unknown["error"]["code"], "unknown_action");
    // An action that is not a string is still a direct invocation: answered, not a function
    // error.
    let typed = call(json!({"action": 5})).await.expect("answered");
    assert_eq!(typed["error"]["code"], "unknown_action");
    assert!(
        typed["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("must be a string")),
        "{typed}"
    );
}

#[tokio::test]
async fn an_http_event_without_a_method_gets_an_http_answer() {
    let event = json!({"version": "2.0", "rawPath": "/v1/search",
                       "requestContext": {"http": {}}, "body": "{}"});
    assert_eq!(source(&event), Source::HttpApi);
    let response = call(event).await.expect("HTTP events always answer");
    let (status, _, body) = parts(&response);
    assert!((400..500).contains(&status), "{status} {body}");
    assert!(body["error"]["code"].is_string(), "{body}");
    assert_still_serving().await;
}

#[tokio::test]
async fn unknown_shapes_are_refused_clearly() {
    for other in [
        event("s3-notification.json"),
        json!([]),
        json!(3),
        json!({"Records": []}),
    ] {
        let err = call(other.clone()).await.expect_err("refused");
        assert_eq!(err.code.as_str(), "unsupported_event", "{other}");
        assert_eq!(err.status(), 400);
    }
    let err = call(event("s3-notification.json"))
        .await
        .expect_err("refused");
    assert!(err.message.contains("aws:s3"), "{}", err.message);
    assert_still_serving().await;
}

#[tokio::test]
async fn sqs_reports_only_bad_records() {
    let mut batch = event("sqs-batch.json");
    batch["Records"][0]["body"] = GOOD.into();
    let response = call(batch).await.expect("batch");
    let failed: Vec<&str> = response["batchItemFailures"]
        .as_array()
        .expect("batchItemFailures")
        .iter()
        .map(|f| f["itemIdentifier"].as_str().expect("id"))
        .collect();
    assert_eq!(failed, ["msg-1-malformed", "msg-2-unknown-collection"]);
    assert_eq!(response.as_object().map(|o| o.len()), Some(1));
}

#[tokio::test]
async fn sqs_infers_and_names_actions() {
    let mut batch = event("sqs-batch.json");
    let records = batch["Records"].as_array_mut().expect("records");
    records.truncate(1);
    let template = records[0].clone();
    let bodies = [
        json!({"action": "search", "collection": "things", "vector": [1, 0, 0]}),
        json!({"action": "health"}),
        json!({"neither": true}),
        json!([1, 2]),
        json!("plan"),
    ];
    records.clear();
    for (i, body) in bodies.iter().enumerate() {
        let mut r = template.clone();
        r["messageId"] = format!("m{i}").into();
        r["body"] = body.to_string().into();
        records.push(r);
    }
    let response = call(batch).await.expect("batch");
    assert_eq!(
        response["batchItemFailures"],
        json!([{"itemIdentifier": "m2"}, {"itemIdentifier": "m3"}, {"itemIdentifier": "m4"}])
    );
}

#[tokio::test]
async fn eventbridge_answers_and_reports_bad_requests() {
    let mut e = event("eventbridge-search.json");
    e["detail"] = serde_json::from_str(GOOD).expect("json");
    let ok = call(e.clone()).await.expect("event");
    assert_eq!(ok["detail_type"], "SearchResult");
    assert_eq!(ok["published"], json!([]));
    assert!(
        ok["note"]
            .as_str()
            .is_some_and(|n| n.contains("RESULT_QUEUE_URL"))
    );
    e["detail"] = json!({"collection": "nope", "vector": [1, 0, 0]});
    let failed = call(e.clone())
        .await
        .expect("a bad request is published, not retried");
    assert_eq!(failed["detail_type"], "RequestFailed");
    e["source"] = "plan-index".into();
    let ignored = call(e).await.expect("own events are ignored");
    assert!(ignored["ignored"].is_string());
}
