//! The release binary under `cargo lambda watch` (the real Runtime API emulator): the committed
//! events from sam and aws_lambda_events, a representative set of bad input, and the process
//! still serving afterwards. Skipped, with a printed reason, only when cargo-lambda is missing.

#[path = "lambda_common/emulator.rs"]
mod emulator;
#[path = "lambda_common/events.rs"]
mod support;

use serde_json::{Value, json};
use support::{assert_error, event, parts, search_body, with_body};

#[test]
fn events_and_bad_input_through_the_emulator() {
    let Some(cargo_lambda) = emulator::cargo_lambda() else {
        return;
    };
    let lambda = emulator::Lambda::start(&cargo_lambda, &[]);
    let (collection, vector) = emulator::baked_sample();
    let good = search_body(&collection, &vector, 3);

    // The first invocation of the process is the cold one.
    let health = lambda.invoke(&json!({"action": "health"}));
    assert_eq!(health["status"], "ok");
    assert_eq!(health["cold_start"], true);
    assert!(
        health["index_decode_us"]
            .as_f64()
            .is_some_and(|us| us > 0.0)
    );
    let again = lambda.invoke(&with_body(event("rest-v1-health.json"), None));
    let (status, _, body) = parts(&again);
    assert_eq!(status, 200);
    assert_eq!(body["cold_start"], false);

    let search_ok = |lambda: &emulator::Lambda| {
        for name in [
            "rest-v1-search.json",
            "http-v2-search.json",
            "function-url-search.json",
        ] {
            let response = lambda.invoke(&with_body(event(name), Some(&good)));
            let (status, headers, body) = parts(&response);
            assert_eq!(status, 200, "{name}: {body}");
            assert_eq!(headers["content-type"], "application/json");
            assert_eq!(body["collection"], collection.as_str());
            assert!(!body["results"].as_array().expect("results").is_empty());
        }
    };
    search_ok(&lambda);

    let (status, body) = lambda.url("GET", "/v1/collections", None);
    assert_eq!(status, 200, "{body}");
    let listed: Value = serde_json::from_str(&body).expect("json");
    assert!(
        listed["collections"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );

    let dim = vector.len();
    let bad: Vec<(String, u16, &str)> = vec![
        ("{not json".into(), 400, "malformed_json"),
        (r#""just a string""#.into(), 422, "invalid_body"),
        ("[1, 2, 3]".into(), 422, "invalid_body"),
        ("7".into(), 422, "invalid_body"),
        (search_body(&collection, &vec![0.5; dim + 1], 3), 422, "dimension_mismatch"),
        (search_body(&collection, &[], 3), 422, "invalid_vector"),
        (
            json!({"collection": collection, "vector": vec![json!(1.0); dim].into_iter().enumerate().map(|(i, v)| if i == 0 { json!("NaN") } else { v }).collect::<Vec<_>>()}).to_string(),
            422,
            "invalid_vector",
        ),
        // 0.5 prints short (under 1 MB); 0.1 prints as 0.10000000149011612 (over 1 MB).
        (search_body(&collection, &vec![0.5; 100_000], 3), 422, "dimension_mismatch"),
        (search_body(&collection, &vec![0.1; 100_000], 3), 413, "body_too_large"),
        (search_body(&collection, &vector, 0), 422, "invalid_k"),
        (json!({"collection": collection, "vector": vector, "k": -5}).to_string(), 422, "invalid_k"),
        (json!({"collection": collection, "vector": vector, "k": 1e9}).to_string(), 422, "invalid_k"),
        (search_body("no_such_collection", &vector, 3), 404, "unknown_collection"),
        (
            json!({"collection": collection, "vector": vector, "where": {"no_such_field": "x"}}).to_string(),
            422,
            "unknown_field",
        ),
    ];
    for (body, status, code) in &bad {
        for name in ["rest-v1-search.json", "http-v2-search.json"] {
            let response = lambda.invoke(&with_body(event(name), Some(body)));
            assert_error(&response, *status, code);
        }
    }
    let mut unknown_route = event("http-v2-search.json");
    unknown_route["rawPath"] = "/prod/v1/nothing".into();
    unknown_route["requestContext"]["http"]["path"] = "/prod/v1/nothing".into();
    assert_error(&lambda.invoke(&unknown_route), 404, "unknown_route");
    let mut wrong_method = event("rest-v1-search.json");
    wrong_method["httpMethod"] = "PUT".into();
    let response = lambda.invoke(&wrong_method);
    assert_error(&response, 405, "method_not_allowed");
    assert_eq!(response["headers"]["allow"], "POST");
    let (status, body) = lambda.url("DELETE", "/v1/search", None);
    assert_eq!(status, 405, "{body}");

    // An event of unknown shape is a function error with a clear type, not a crash.
    let (status, refused) = lambda.invoke_raw(&event("s3-notification.json"));
    assert_eq!(status, 500, "the emulator reports function errors as 500");
    assert_eq!(refused["errorType"], "unsupported_event", "{refused}");

    // Payloads the runtime's deserializer would have refused reach our handler.
    let deep = format!(
        r#"{{"action": "search", "collection": "x", "like": "y", "where": {{"a": {}1{}}}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    let lone = br#"{"action": "search", "collection": "\ud800", "like": "x"}"#;
    let bad_utf8 = b"{\"action\": \"search\", \"collection\": \"\xff\", \"like\": \"x\"}";
    for (payload, code) in [
        (deep.as_bytes(), "json_too_deep"),
        (&lone[..], "unknown_collection"),
        (&bad_utf8[..], "invalid_utf8"),
    ] {
        let (status, text) = lambda.invoke_bytes(payload);
        assert_eq!(status, 200, "{text}");
        let answer: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(answer["error"]["code"], code, "{answer}");
    }
    let (status, text) = lambda.invoke_bytes(b"\xEF\xBB\xBF{\"action\": \"health\"}");
    assert_eq!(status, 200, "{text}");
    let bom_body = format!("\u{feff}{good}");
    let (status, _, body) =
        parts(&lambda.invoke(&with_body(event("http-v2-search.json"), Some(&bom_body))));
    assert_eq!(status, 200, "{body}");

    // Still serving, and still warm.
    search_ok(&lambda);
    // Wait for the lines asserted on below (their JSON as tracing writes it).
    let logs = lambda
        .logs_until(|logs| logs.contains("\"cold_start\":true") && logs.contains("\"status\":422"));
    let lines: Vec<Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "invocation" && l["cold_start"] == true),
        "{logs}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["status"] == 422 && l["route"] == "POST /v1/search")
    );
    let emf: Vec<&Value> = lines.iter().filter(|l| l.get("_aws").is_some()).collect();
    assert!(emf.iter().any(|l| l["ColdStart"] == 1));
    assert!(
        emf.iter()
            .all(|l| l["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "PlanIndex")
    );
}
