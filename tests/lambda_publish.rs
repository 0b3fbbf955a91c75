//! Results of SQS and EventBridge requests are published through the AWS SDK, here to a local
//! moto server, by the release binary running under `cargo lambda watch`. A batch mixes a good
//! record, a malformed one, one that fails to run and one whose publish fails (its result is
//! larger than the result queue accepts): only the bad three are reported.

#[path = "lambda_common/emulator.rs"]
mod emulator;
#[path = "lambda_common/moto.rs"]
mod moto;
#[path = "lambda_common/events.rs"]
mod support;

use moto::{Moto, QUEUE_LIMITS};
use plan_index_api::search::{self, SearchRequest};
use serde_json::{Value, json};
use support::event;

/// Size of the search result for `request`, computed in-process on the same baked index.
fn small_result_bytes(request: &Value) -> usize {
    let index = plan_index::baked().expect("baked index");
    let request: SearchRequest = serde_json::from_value(request.clone()).expect("request");
    let result = search::run(index, request.into_spec().expect("search")).expect("result");
    serde_json::to_string(&result).expect("json").len()
}

fn record(template: &Value, id: &str, body: String) -> Value {
    let mut r = template.clone();
    r["messageId"] = id.into();
    r["body"] = body.into();
    r
}

#[test]
fn results_are_published_and_failures_are_per_record() {
    let Some(cargo_lambda) = emulator::cargo_lambda() else {
        return;
    };
    let Some(moto) = Moto::start() else {
        return;
    };
    let (collection, vector) = emulator::baked_sample();
    let small = json!({"collection": collection, "vector": vector, "k": 1});
    // The result queue takes the small result (plus its envelope) but not a batch of them,
    // whatever index is baked: that record's publish fails.
    let single = small_result_bytes(&small);
    let limit = (single + 1024).clamp(QUEUE_LIMITS.0, QUEUE_LIMITS.1);
    let copies = limit / single + 2;
    let big = json!({"collection": collection, "vector": vec![vector.clone(); copies], "k": 1});
    let (results_url, _) = moto.queue("results", Some(&limit.to_string()));
    let (capture_url, capture_arn) = moto.queue("bus-capture", None);
    moto.bus("plan-bus", &capture_arn);
    let env = moto.function_env(&results_url, "plan-bus");
    let lambda = emulator::Lambda::start(&cargo_lambda, &env);

    let batch = event("sqs-batch.json");
    let template = &batch["Records"][0];
    let records = vec![
        record(template, "good", small.to_string()),
        record(template, "malformed", "{\"collection\": ".into()),
        record(
            template,
            "fails",
            json!({"collection": "nope", "vector": [1.0]}).to_string(),
        ),
        record(template, "unpublishable", big.to_string()),
    ];
    let answer = lambda.invoke(&json!({"Records": records}));
    assert_eq!(
        answer,
        json!({"batchItemFailures": [
            {"itemIdentifier": "malformed"},
            {"itemIdentifier": "fails"},
            {"itemIdentifier": "unpublishable"},
        ]})
    );

    let unpublishable = |l: &str| l.contains("\"message_id\":\"unpublishable\"");
    let logs = lambda.logs_until(|logs| logs.lines().any(unpublishable));
    let why = logs
        .lines()
        .find(|&l| unpublishable(l))
        .unwrap_or_else(|| panic!("no log line for the unpublishable record: {logs}"));
    assert!(why.contains("publish_failed"), "{why}");

    let published = moto.receive(&results_url, 1);
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0]["type"], "SearchResult");
    let detail = &published[0]["detail"];
    assert_eq!(detail["origin"]["sqs_message_id"], "good");
    assert_eq!(detail["action"], "search");
    assert_eq!(
        detail["result"]["results"].as_array().map(Vec::len),
        Some(1)
    );
    let on_bus = moto.receive(&capture_url, 1);
    assert_eq!(on_bus.len(), 1, "{on_bus:?}");
    assert_eq!(on_bus[0]["detail-type"], "SearchResult");
    assert_eq!(on_bus[0]["source"], "plan-index");

    let mut request = event("eventbridge-search.json");
    request["detail"] = small;
    let answer = lambda.invoke(&request);
    assert_eq!(
        answer["published"],
        json!(["sqs", "eventbridge"]),
        "{answer}"
    );
    let on_bus = moto.receive(&capture_url, 1);
    assert_eq!(on_bus.len(), 1, "{on_bus:?}");
    assert_eq!(on_bus[0]["detail"]["origin"]["event_id"], request["id"]);
    assert_eq!(moto.receive(&results_url, 1).len(), 1);

    let health = lambda.invoke(&json!({"action": "health"}));
    assert_eq!(health["publishing"]["queue"], results_url.as_str());
}
