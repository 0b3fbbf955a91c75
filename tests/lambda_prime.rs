//! Priming in the init (src/lambda/prime.rs) under `cargo lambda watch`: a process started for
//! provisioned concurrency (or with `PLAN_INDEX_PRIME=on`) primes before its first request and
//! says so in `health` and its init log; an on-demand one, or one told `off`, does not; a
//! setting it does not know is logged with its name and treated as `auto`. Either way the first
//! request is answered as usual and reports the cold start. Skipped, with a printed reason,
//! only when cargo-lambda is missing.

#[path = "lambda_common/emulator.rs"]
mod emulator;

use serde_json::{Value, json};

const PROVISIONED: (&str, &str) = ("AWS_LAMBDA_INITIALIZATION_TYPE", "provisioned-concurrency");
const ON_DEMAND: (&str, &str) = ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");

/// A fresh process with `env`: its first `health`, a plan, a second `health`, and its logs.
fn first_requests(
    cargo_lambda: &std::path::PathBuf,
    env: &[(&str, &str)],
) -> (Value, Value, Value, String) {
    let env: Vec<(&str, String)> = env.iter().map(|(k, v)| (*k, (*v).to_string())).collect();
    let lambda = emulator::Lambda::start(cargo_lambda, &env);
    let health = lambda.invoke(&json!({"action": "health"}));
    let plan =
        lambda.invoke(&json!({"action": "plan", "race": "10k", "weeks": 8, "level": "beginner"}));
    let again = lambda.invoke(&json!({"action": "health"}));
    (health, plan, again, lambda.logs())
}

fn primed_lines(logs: &str) -> Vec<Value> {
    logs.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["message"] == "primed before the first request")
        .collect()
}

#[test]
fn the_init_primes_only_when_it_runs_ahead_of_requests_or_is_told_to() {
    let Some(cargo_lambda) = emulator::cargo_lambda() else {
        return;
    };
    for (env, primes) in [
        (vec![PROVISIONED], true),
        (vec![ON_DEMAND, ("PLAN_INDEX_PRIME", "on")], true),
        (vec![ON_DEMAND], false),
        (vec![], false),
        (vec![PROVISIONED, ("PLAN_INDEX_PRIME", "off")], false),
    ] {
        let (health, plan, again, logs) = first_requests(&cargo_lambda, &env);
        assert_eq!(health["status"], "ok", "{env:?}: {health}");
        assert_eq!(
            health["cold_start"], true,
            "{env:?}: the first request is the cold one"
        );
        assert_eq!(again["cold_start"], false, "{env:?}");
        assert!(
            plan["compute_us"].as_f64().is_some_and(|us| us > 0.0),
            "{env:?}: {plan}"
        );
        assert_eq!(health["primed_us"], again["primed_us"], "{env:?}");
        let lines = primed_lines(&logs);
        if primes {
            assert!(
                health["primed_us"].as_f64().is_some_and(|us| us > 0.0),
                "{env:?}: {health}"
            );
            assert_eq!(lines.len(), 1, "{env:?}: {logs}");
            let searched = health["collections"].as_object().map_or(0, |c| c.len());
            assert_eq!(
                lines[0]["collections"], searched,
                "{env:?}: every collection searched"
            );
            assert_eq!(
                lines[0]["plan"], true,
                "{env:?}: the default index has the plan collections"
            );
        } else {
            assert!(health["primed_us"].is_null(), "{env:?}: {health}");
            assert!(lines.is_empty(), "{env:?}: {logs}");
        }
    }
}

#[test]
fn an_unknown_setting_is_logged_by_name_and_read_as_auto() {
    let Some(cargo_lambda) = emulator::cargo_lambda() else {
        return;
    };
    for (kind, primes) in [(ON_DEMAND, false), (PROVISIONED, true)] {
        let (health, _, _, logs) =
            first_requests(&cargo_lambda, &[kind, ("PLAN_INDEX_PRIME", "yes")]);
        let warned = logs
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .find(|line| line["code"] == "invalid_setting");
        let message = warned.map(|w| w["message"].to_string()).unwrap_or_default();
        assert!(message.contains("PLAN_INDEX_PRIME"), "{kind:?}: {logs}");
        assert!(message.contains("auto, on, off"), "{kind:?}: {logs}");
        assert_eq!(
            health["primed_us"].is_number(),
            primes,
            "{kind:?}: {health}"
        );
    }
}
