//! A panic inside one request (forced with the test-only `fault-injection` feature) answers
//! that request with a 500 `internal` error in its carrier's shape, and the next request is
//! served by the same process. Run with
//! `cargo test --release --features fault-injection --test lambda_panic`.
#![cfg(feature = "fault-injection")]

#[path = "lambda_common/emulator.rs"]
mod emulator;
#[path = "lambda_common/events.rs"]
mod support;

use plan_index::lambda::guard::FAULT_MARKER;
use serde_json::json;
use support::{assert_error, event, with_body};

#[test]
fn a_panic_answers_its_request_and_the_process_serves_on() {
    let Some(cargo_lambda) = emulator::cargo_lambda() else {
        return;
    };
    let lambda = emulator::Lambda::start(&cargo_lambda, &[]);
    let first = lambda.invoke(&json!({"action": "health"}));
    assert_eq!(first["cold_start"], true);
    let body = json!({"collection": FAULT_MARKER, "like": "x"}).to_string();
    for name in [
        "rest-v1-search.json",
        "http-v2-search.json",
        "function-url-search.json",
    ] {
        let response = lambda.invoke(&with_body(event(name), Some(&body)));
        assert_error(&response, 500, "internal");
    }
    let direct =
        lambda.invoke(&json!({"action": "search", "collection": FAULT_MARKER, "like": "x"}));
    assert_eq!(direct["error"]["code"], "internal", "{direct}");
    let mut batch = event("sqs-batch.json");
    batch["Records"][0]["body"] = body.clone().into();
    let answer = lambda.invoke(&batch);
    let failed = answer["batchItemFailures"].as_array().expect("failures");
    assert!(
        failed
            .iter()
            .any(|f| f["itemIdentifier"] == batch["Records"][0]["messageId"]),
        "{answer}"
    );
    // The same process (still warm) answers the next requests.
    let after = lambda.invoke(&json!({"action": "health"}));
    assert_eq!(after["status"], "ok");
    assert_eq!(
        after["cold_start"], false,
        "a restarted process would be cold again"
    );
    let panic_logged = |logs: &str| {
        logs.lines()
            .any(|l| l.contains("\"panic\"") && l.contains("fault injected"))
    };
    let logs = lambda.logs_until(panic_logged);
    assert!(panic_logged(&logs), "{logs}");
}
