//! One encoder for every carrier, through the real services: the release binary under
//! `cargo lambda watch` answers the same search and the same 16-week plan over HTTP (API
//! Gateway HTTP and REST events, and the emulator's Function URL), direct invocation, SQS and
//! EventBridge (results published to a moto server and read back from its queues), and the
//! `plan-index` command prints them with `--json`. Apart from the timing fields the answers are
//! the same bytes.
//!
//! SQS keeps a message body as sent, so the result read back from the result queue is compared
//! byte for byte. An EventBridge bus delivers its events re-serialized (moto's rule target,
//! like the real service, writes the event with its own JSON encoder), so the event read back
//! through the bus is compared as JSON; the entry the function put on the bus holds the same
//! bytes as its queue message (`Publisher::publish` sends one encoded detail to both), which
//! the queue comparison covers.
//!
//! About 2 s once built (moto and the emulator start once). The CLI compared is the
//! `plan-index` next to this binary: run alone (`--test lambda_carriers`), rebuild it first
//! (`cargo build --release -p plan-index-cli`), or a stale one differs in `index_hash`.

#[path = "lambda_common/emulator.rs"]
mod emulator;
#[path = "lambda_common/moto.rs"]
mod moto;
#[path = "lambda_common/events.rs"]
mod support;

use std::path::PathBuf;
use std::process::Command;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use support::{event, untimed, with_body};

/// A published result message: the detail's `result` as the bytes it was sent with.
#[derive(Deserialize)]
struct Message<'a> {
    #[serde(rename = "type")]
    detail_type: String,
    #[serde(borrow)]
    detail: Detail<'a>,
}

#[derive(Deserialize)]
struct Detail<'a> {
    request_id: String,
    origin: Value,
    #[serde(borrow)]
    result: &'a RawValue,
}

/// The `plan-index` command next to this test's binary (built by `cargo test --workspace`).
fn cli() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let cli = exe.parent()?.parent()?.join("plan-index");
    if cli.exists() {
        Some(cli)
    } else {
        eprintln!(
            "SKIPPED the CLI comparison: {} is not built (cargo test --workspace builds it)",
            cli.display()
        );
        None
    }
}

fn cli_json(cli: &PathBuf, args: &[&str]) -> String {
    let out = Command::new(cli)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run plan-index");
    assert!(out.status.success(), "plan-index {args:?}: {out:?}");
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .trim_end()
        .to_string()
}

/// What every carrier answered to one request, untimed.
struct Answers {
    what: &'static str,
    texts: Vec<(&'static str, String)>,
}

impl Answers {
    fn check(&self) {
        let (first, reference) = &self.texts[0];
        for (carrier, text) in &self.texts[1..] {
            if text != reference {
                let at = text
                    .bytes()
                    .zip(reference.bytes())
                    .position(|(a, b)| a != b)
                    .unwrap_or(text.len().min(reference.len()));
                let around = |t: &str| t[at.saturating_sub(60)..(at + 60).min(t.len())].to_string();
                panic!(
                    "{}: {carrier} differs from {first} at byte {at} ({} vs {} bytes):\n{carrier}: {}\n{first}: {}",
                    self.what,
                    text.len(),
                    reference.len(),
                    around(text),
                    around(reference)
                );
            }
        }
        eprintln!(
            "{}: {} bytes, identical over {}",
            self.what,
            reference.len(),
            self.texts
                .iter()
                .map(|(c, _)| *c)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

#[test]
fn every_carrier_answers_the_same_bytes() {
    let Some(cargo_lambda) = emulator::cargo_lambda() else {
        return;
    };
    let Some(moto) = moto::Moto::start() else {
        return;
    };
    let (results_url, _) = moto.queue("results", None);
    let (capture_url, capture_arn) = moto.queue("bus-capture", None);
    moto.bus("plan-bus", &capture_arn);
    let env = moto.function_env(&results_url, "plan-bus");
    let lambda = emulator::Lambda::start(&cargo_lambda, &env);
    let cli = cli();

    let (collection, vector) = emulator::baked_sample();
    let search = json!({"collection": collection, "vector": vector, "k": 5});
    let plan = json!({"race": "marathon", "weeks": 16, "level": "intermediate",
                      "start_date": "2026-01-05", "goal_time": "03:30:00"});
    let vector_file = std::env::temp_dir().join(format!("carriers-{}.json", std::process::id()));
    std::fs::write(&vector_file, serde_json::to_string(&vector).expect("json")).expect("write");
    let vector_path = vector_file.display().to_string();
    let cases: [(&'static str, &str, &str, Value, Vec<&str>); 2] = [
        (
            "search",
            "/v1/search",
            "SearchResult",
            search,
            vec![
                "search",
                &collection,
                "--vector-file",
                &vector_path,
                "--k",
                "5",
                "--json",
            ],
        ),
        (
            "plan",
            "/v1/plan",
            "PlanResult",
            plan,
            vec![
                "plan",
                "--race",
                "marathon",
                "--weeks",
                "16",
                "--level",
                "intermediate",
                "--start-date",
                "2026-01-05",
                "--goal-time",
                "03:30:00",
                "--json",
            ],
        ),
    ];

    for (name, path, detail_type, request, cli_args) in cases {
        let body = request.to_string();
        let mut answers = Answers {
            what: name,
            texts: Vec::new(),
        };

        // HTTP: API Gateway HTTP API and REST API events, and the Function URL.
        for (label, sample) in [
            ("http api", "http-v2-search.json"),
            ("rest api", "rest-v1-search.json"),
        ] {
            let mut e = with_body(event(sample), Some(&body));
            if sample.starts_with("http") {
                e["rawPath"] = path.into();
                e["requestContext"]["http"]["path"] = path.into();
            } else {
                e["path"] = path.into();
                e["requestContext"]["path"] = format!("/prod{path}").into();
            }
            let response = lambda.invoke(&e);
            assert_eq!(response["statusCode"], 200, "{label}: {response}");
            let body = response["body"].as_str().expect("string body");
            answers.texts.push((label, untimed(body)));
        }
        // cargo-lambda now and then answers a large Function URL reply with its own 500 although
        // the function answered (scripts/emulator.py, FunctionUrlProxy): asked again then.
        let (status, url_body) = (0..3)
            .map(|_| lambda.url("POST", path, Some(&body)))
            .find(|(status, body)| !(*status == 500 && body.contains("httpstatuses.com/500")))
            .unwrap_or_else(|| panic!("function url: the emulator failed three times"));
        assert_eq!(status, 200, "function url: {url_body}");
        answers.texts.push(("function url", untimed(&url_body)));

        // Direct: the reply is the answer itself.
        let mut direct = request.clone();
        direct["action"] = name.into();
        let (status, reply) = lambda.invoke_bytes(direct.to_string().as_bytes());
        assert_eq!(status, 200, "direct: {reply}");
        // The direct request's `action` is not part of the request echoed by a plan.
        answers.texts.push(("direct", untimed(&reply)));

        // SQS: one record; its result is published to the queue and the bus.
        let mut batch = event("sqs-batch.json");
        let mut record = batch["Records"][0].clone();
        record["messageId"] = format!("{name}-record").into();
        record["body"] = body.clone().into();
        batch["Records"] = json!([record]);
        let answer = lambda.invoke(&batch);
        assert_eq!(answer, json!({"batchItemFailures": []}), "sqs: {answer}");
        let sent = moto.receive_raw(&results_url, 1);
        assert_eq!(sent.len(), 1, "sqs: nothing on the result queue");
        let message: Message = serde_json::from_str(&sent[0]).expect("result message");
        assert_eq!(message.detail_type, detail_type);
        assert_eq!(
            message.detail.origin["sqs_message_id"],
            format!("{name}-record")
        );
        assert!(!message.detail.request_id.is_empty());
        answers
            .texts
            .push(("sqs (queue)", untimed(message.detail.result.get())));
        let via_sqs_on_bus = moto.receive(&capture_url, 1);
        assert_eq!(via_sqs_on_bus.len(), 1, "sqs: nothing on the bus");

        // EventBridge: `detail` is the request.
        let mut e = event("eventbridge-search.json");
        e["detail"] = request.clone();
        let answer = lambda.invoke(&e);
        assert_eq!(
            answer["published"],
            json!(["sqs", "eventbridge"]),
            "{answer}"
        );
        let sent = moto.receive_raw(&results_url, 1);
        assert_eq!(sent.len(), 1, "eventbridge: nothing on the result queue");
        let message: Message = serde_json::from_str(&sent[0]).expect("result message");
        assert_eq!(message.detail_type, detail_type);
        assert_eq!(message.detail.origin["event_id"], e["id"]);
        answers
            .texts
            .push(("eventbridge (queue)", untimed(message.detail.result.get())));
        let on_bus = moto.receive(&capture_url, 1);
        assert_eq!(on_bus.len(), 1, "eventbridge: nothing on the bus");
        assert_eq!(on_bus[0]["detail-type"], detail_type);

        // The CLI prints the same reply.
        if let Some(cli) = &cli {
            answers
                .texts
                .push(("cli --json", untimed(&cli_json(cli, &cli_args))));
        }
        answers.check();

        // Through the bus the events are re-encoded by the service: equal as JSON.
        let reference: Value = serde_json::from_str(&answers.texts[0].1).expect("JSON");
        for (label, delivered) in [
            ("sqs record (bus)", &via_sqs_on_bus[0]),
            ("eventbridge (bus)", &on_bus[0]),
        ] {
            let mut result = delivered["detail"]["result"].clone();
            for key in ["search_us", "compute_us"] {
                if let Some(v) = result.get_mut(key) {
                    *v = json!(0);
                }
            }
            assert_eq!(result, reference, "{name}: {label} differs as JSON");
        }
    }
    let _ = std::fs::remove_file(&vector_file);
}
