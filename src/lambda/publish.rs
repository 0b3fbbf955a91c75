//! Where results of event-driven requests go: an SQS queue (`RESULT_QUEUE_URL`) and/or an
//! EventBridge bus (`RESULT_EVENT_BUS`), through the AWS SDK.
//!
//! The SDK clients are built once per process (on its first invocation) and only when a
//! destination is configured; without one no AWS configuration is loaded at all.
//! `AWS_ENDPOINT_URL` points them elsewhere (a local moto server in the tests).

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use plan_index_api::Publishing;
use serde::Serialize;
use serde_json::value::RawValue;
use tokio::sync::OnceCell;

/// `source` of every event this function publishes.
pub const EVENT_SOURCE: &str = "plan-index";
/// Largest SQS message body, and largest EventBridge entry: 256 KB.
pub const MESSAGE_LIMIT: usize = 256 * 1024;
/// Bytes a published result needs besides its detail: the queue message's `type` wrapper, an
/// EventBridge entry's source, detail type and bus name. The reply budget of an event-driven
/// request is [`MESSAGE_LIMIT`] less this.
pub const ENVELOPE_BYTES: usize = 1024;
/// Environment variable naming the result queue's URL.
pub const QUEUE_ENV: &str = "RESULT_QUEUE_URL";
/// Environment variable naming the result event bus.
pub const BUS_ENV: &str = "RESULT_EVENT_BUS";

/// The configured result destinations (possibly none).
#[derive(Clone, Debug, Default)]
pub struct Publisher {
    queue: Option<(aws_sdk_sqs::Client, String)>,
    bus: Option<(aws_sdk_eventbridge::Client, String)>,
    described: Publishing,
}

/// The body of a result message on the result queue.
#[derive(Serialize)]
struct QueueMessage<'a> {
    #[serde(rename = "type")]
    detail_type: &'a str,
    detail: &'a RawValue,
}

/// A result that could not be delivered.
#[derive(Debug, thiserror::Error)]
#[error("publishing to {destination} failed: {message}")]
pub struct PublishError {
    /// `sqs` or `eventbridge`.
    pub destination: &'static str,
    /// The SDK's explanation.
    pub message: String,
}

static SHARED: OnceCell<Publisher> = OnceCell::const_new();

impl Publisher {
    /// Publishes nowhere (results are logged as skipped).
    pub fn disabled() -> Publisher {
        Publisher::default()
    }

    /// Clients for the given destinations, from an SDK configuration.
    pub fn from_config(
        config: &SdkConfig,
        queue_url: Option<String>,
        bus: Option<String>,
    ) -> Publisher {
        Publisher {
            described: Publishing {
                queue: queue_url.clone(),
                event_bus: bus.clone(),
            },
            queue: queue_url.map(|url| (aws_sdk_sqs::Client::new(config), url)),
            bus: bus.map(|name| (aws_sdk_eventbridge::Client::new(config), name)),
        }
    }

    /// Destinations from the environment; the AWS configuration is loaded only if one is set.
    pub async fn from_env() -> Publisher {
        let nonempty = |key| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
        let (queue, bus) = (nonempty(QUEUE_ENV), nonempty(BUS_ENV));
        if queue.is_none() && bus.is_none() {
            return Publisher::disabled();
        }
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(url) = nonempty("AWS_ENDPOINT_URL") {
            loader = loader.endpoint_url(url);
        }
        Publisher::from_config(&loader.load().await, queue, bus)
    }

    /// The process-wide publisher, built from the environment on first use.
    pub async fn shared() -> &'static Publisher {
        SHARED.get_or_init(Publisher::from_env).await
    }

    /// Whether any destination is configured.
    pub fn is_enabled(&self) -> bool {
        self.queue.is_some() || self.bus.is_some()
    }

    /// Where results go, for `/health` and logs.
    pub fn describe(&self) -> &Publishing {
        &self.described
    }

    /// Sends `detail` to every destination; returns the destinations reached (none when
    /// publishing is disabled). The first failure stops and is returned.
    pub async fn publish(
        &self,
        detail_type: &str,
        detail: &RawValue,
    ) -> Result<Vec<&'static str>, PublishError> {
        let mut reached = Vec::new();
        if let Some((client, url)) = &self.queue {
            let message = QueueMessage {
                detail_type,
                detail,
            };
            let body = plan_index_api::encode(&message).map_err(|e| PublishError {
                destination: "sqs",
                message: e.message,
            })?;
            client
                .send_message()
                .queue_url(url)
                .message_body(body)
                .send()
                .await
                .map_err(|e| failed("sqs", &e))?;
            reached.push("sqs");
        }
        if let Some((client, bus)) = &self.bus {
            let entry = PutEventsRequestEntry::builder()
                .event_bus_name(bus)
                .source(EVENT_SOURCE)
                .detail_type(detail_type)
                .detail(detail.get())
                .build();
            let output = client
                .put_events()
                .entries(entry)
                .send()
                .await
                .map_err(|e| failed("eventbridge", &e))?;
            if output.failed_entry_count() > 0 {
                let why = output
                    .entries()
                    .iter()
                    .filter_map(|e| e.error_message())
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(PublishError {
                    destination: "eventbridge",
                    message: format!("the event was refused: {why}"),
                });
            }
            reached.push("eventbridge");
        }
        Ok(reached)
    }
}

fn failed(destination: &'static str, e: &dyn std::error::Error) -> PublishError {
    // The SDK's Display is terse ("service error"); the source chain says what happened.
    PublishError {
        destination,
        message: plan_index_api::with_sources(e),
    }
}
