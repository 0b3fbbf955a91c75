//! Results of SQS and EventBridge requests are published through the AWS SDK, here to a local
//! moto server, by the release binary running under `cargo lambda watch`. A batch mixes a good
//! record, a malformed one, one that fails to run and one whose publish fails (its result is
//! larger than the result queue accepts): only the bad three are reported.

#[path = "lambda_common/emulator.rs"]
mod emulator;
#[path = "lambda_common/events.rs"]
mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region};
use aws_sdk_eventbridge::types::Target;
use aws_sdk_sqs::config::Credentials;
use aws_sdk_sqs::types::QueueAttributeName;
use plan_index_api::search::{self, SearchRequest};
use serde_json::{Value, json};
use support::event;

/// SQS's smallest and largest allowed maximum message sizes.
const QUEUE_LIMITS: (usize, usize) = (1024, 262_144);

struct Moto {
    endpoint: String,
    sqs: aws_sdk_sqs::Client,
    events: aws_sdk_eventbridge::Client,
    runtime: tokio::runtime::Runtime,
    _server: emulator::Killed,
}

impl Moto {
    fn start() -> Option<Moto> {
        let Some(moto) = emulator::on_path("moto_server") else {
            eprintln!(
                "SKIPPED: moto_server is not on PATH (scripts/test.sh installs it into .venv)"
            );
            return None;
        };
        let port = emulator::free_port();
        let server = Command::new(moto)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let server = emulator::Killed(server);
        emulator::wait_for_port(port, "moto_server");
        let endpoint = format!("http://127.0.0.1:{port}");
        let runtime = tokio::runtime::Runtime::new().expect("tokio");
        let config = runtime.block_on(
            aws_config::defaults(BehaviorVersion::latest())
                .endpoint_url(&endpoint)
                .region(Region::new("us-east-1"))
                .credentials_provider(Credentials::new("test", "test", None, None, "test"))
                .load(),
        );
        Some(Moto {
            endpoint,
            sqs: aws_sdk_sqs::Client::new(&config),
            events: aws_sdk_eventbridge::Client::new(&config),
            runtime,
            _server: server,
        })
    }

    fn queue(&self, name: &str, max_size: Option<&str>) -> (String, String) {
        self.runtime.block_on(async {
            let mut create = self.sqs.create_queue().queue_name(name);
            if let Some(size) = max_size {
                create = create.attributes(QueueAttributeName::MaximumMessageSize, size);
            }
            let url = create
                .send()
                .await
                .expect("create queue")
                .queue_url
                .expect("url");
            let arn = self
                .sqs
                .get_queue_attributes()
                .queue_url(&url)
                .attribute_names(QueueAttributeName::QueueArn)
                .send()
                .await
                .expect("attributes")
                .attributes
                .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
                .expect("arn");
            (url, arn)
        })
    }

    /// A bus whose `plan-index` events are copied to a queue the test can read.
    fn bus(&self, name: &str, capture_arn: &str) {
        self.runtime.block_on(async {
            self.events
                .create_event_bus()
                .name(name)
                .send()
                .await
                .expect("bus");
            self.events
                .put_rule()
                .name("capture")
                .event_bus_name(name)
                .event_pattern(json!({"source": ["plan-index"]}).to_string())
                .send()
                .await
                .expect("rule");
            self.events
                .put_targets()
                .rule("capture")
                .event_bus_name(name)
                .targets(
                    Target::builder()
                        .id("q")
                        .arn(capture_arn)
                        .build()
                        .expect("target"),
                )
                .send()
                .await
                .expect("targets");
        });
    }

    /// Waits (bounded) for `count` messages and returns their parsed bodies.
    fn receive(&self, url: &str, count: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut bodies = Vec::new();
        while bodies.len() < count && Instant::now() < deadline {
            let out = self.runtime.block_on(
                self.sqs
                    .receive_message()
                    .queue_url(url)
                    .max_number_of_messages(10)
                    .wait_time_seconds(1)
                    .send(),
            );
            for message in out.expect("receive").messages.unwrap_or_default() {
                let body = message.body.expect("body");
                bodies.push(serde_json::from_str(&body).expect("JSON message"));
            }
        }
        bodies
    }
}

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
    let env = [
        ("RESULT_QUEUE_URL", results_url.clone()),
        ("RESULT_EVENT_BUS", "plan-bus".to_string()),
        ("AWS_ENDPOINT_URL", moto.endpoint.clone()),
        ("AWS_ACCESS_KEY_ID", "test".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
    ];
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

    let logs = lambda.logs();
    let why = logs
        .lines()
        .find(|l| l.contains("\"message_id\":\"unpublishable\""))
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
