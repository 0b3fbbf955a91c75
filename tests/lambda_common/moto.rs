//! A local moto server for the Lambda tests that publish (included with `#[path]`, next to
//! `emulator.rs`): queues, a bus whose `plan-index` events a rule copies to a queue, and
//! messages read back.
#![allow(dead_code)]

use std::process::Command;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region};
use aws_sdk_eventbridge::types::Target;
use aws_sdk_sqs::config::Credentials;
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::{Value, json};

use crate::emulator;

/// SQS's smallest and largest allowed maximum message sizes.
pub const QUEUE_LIMITS: (usize, usize) = (1024, 262_144);

/// A moto server on a free port, with SQS and EventBridge clients pointed at it.
pub struct Moto {
    /// Its URL (`AWS_ENDPOINT_URL` for the function).
    pub endpoint: String,
    sqs: aws_sdk_sqs::Client,
    events: aws_sdk_eventbridge::Client,
    runtime: tokio::runtime::Runtime,
    _server: emulator::Killed,
    _log: emulator::Log,
}

impl Moto {
    /// Starts moto_server (from PATH), or prints why the caller skips.
    pub fn start() -> Option<Moto> {
        let Some(moto) = emulator::on_path("moto_server") else {
            eprintln!(
                "SKIPPED: moto_server is not on PATH (scripts/test.sh installs it into .venv)"
            );
            return None;
        };
        let log = emulator::server_log("moto");
        let (server, port) = emulator::serve("moto_server", &log.0, |port| {
            let mut command = Command::new(moto);
            command.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
            command
        });
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
            _log: log,
        })
    }

    /// Creates a queue (optionally with a maximum message size): its URL and ARN.
    pub fn queue(&self, name: &str, max_size: Option<&str>) -> (String, String) {
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
    pub fn bus(&self, name: &str, capture_arn: &str) {
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

    /// The function's environment for publishing to this server: results to `results_url`,
    /// events to the bus `bus`, test credentials.
    pub fn function_env(&self, results_url: &str, bus: &str) -> [(&'static str, String); 6] {
        [
            ("RESULT_QUEUE_URL", results_url.to_string()),
            ("RESULT_EVENT_BUS", bus.to_string()),
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "test".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_string()),
            ("AWS_REGION", "us-east-1".to_string()),
        ]
    }

    /// Waits (bounded) for `count` messages and returns their parsed bodies.
    pub fn receive(&self, url: &str, count: usize) -> Vec<Value> {
        self.receive_raw(url, count)
            .iter()
            .map(|body| serde_json::from_str(body).expect("JSON message"))
            .collect()
    }

    /// Waits (bounded) for `count` messages and returns their bodies as sent.
    pub fn receive_raw(&self, url: &str, count: usize) -> Vec<String> {
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
                bodies.push(message.body.expect("body"));
            }
        }
        bodies
    }
}
