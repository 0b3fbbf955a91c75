//! The contract (`openapi.yaml`) against the code, so neither can drift without this failing:
//! the routes and methods, the error codes, the fields each request type accepts (read from the
//! Rust types themselves through serde's unknown-field message), the vocabulary and limits, and
//! real replies of the handler for every route validated against the spec's response schemas.
//! The template's HTTP API is checked against the spec by scripts/validate-template.sh.

#[path = "lambda_common/events.rs"]
mod support;

use std::collections::BTreeSet;

use plan_index::lambda::{self, http::ROUTES};
use plan_index_api::search::SearchRequest;
use plan_index_api::{Code, action::OPENAPI_JSON};
use plan_index_core::BakedIndex;
use plan_index_core::search::{MAX_BATCH, MAX_K};
use plan_index_plan::athlete::{MAX_LONG_RUN_KM, MAX_WEEKLY_KM};
use plan_index_plan::vocab::{
    DAYS, LEVELS, MAX_DAYS, MAX_WEEKS, MIN_DAYS, MIN_WEEKS, PHASES, RACES, SESSION_TYPES,
};
use plan_index_plan::{PlanRequest, RecentRace};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `openapi.yaml` itself, parsed here (the served JSON is checked against it).
fn source() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml");
    let text = std::fs::read_to_string(path).expect("openapi.yaml");
    serde_yaml::from_str(&text).expect("openapi.yaml parses")
}

/// The spec as the function serves it.
fn spec() -> Value {
    serde_json::from_str(OPENAPI_JSON).expect("the built spec is JSON")
}

fn schema<'a>(spec: &'a Value, name: &str) -> &'a Value {
    let found = &spec["components"]["schemas"][name];
    assert!(found.is_object(), "openapi.yaml has no schema {name}");
    found
}

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

fn set<'a>(items: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    items.into_iter().map(str::to_string).collect()
}

fn properties(schema: &Value) -> BTreeSet<String> {
    schema["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .cloned()
        .collect()
}

/// The fields `T` accepts, as serde lists them when refusing an unknown one
/// (`unknown field `x`, expected one of `a`, `b``): read from the type, so it adapts.
fn accepted_fields<T: DeserializeOwned + std::fmt::Debug>() -> BTreeSet<String> {
    let error = serde_json::from_str::<T>(r#"{"__not_a_field__": 0}"#)
        .expect_err("every request type denies unknown fields");
    let message = error.to_string();
    let expected = message
        .split("expected one of ")
        .nth(1)
        .or_else(|| message.split("expected ").nth(1))
        .unwrap_or_else(|| panic!("not an unknown-field error: {message}"));
    let expected = expected.split(" at line").next().unwrap_or(expected);
    // Two fields read "`a` or `b`", more "one of `a`, `b`, `c`".
    expected
        .replace("` or `", "`, `")
        .split(", ")
        .map(|f| f.trim_matches('`').to_string())
        .collect()
}

/// The one field `T` requires, as serde names it when it is missing.
fn required_field<T: DeserializeOwned + std::fmt::Debug>() -> String {
    let message = serde_json::from_str::<T>("{}")
        .expect_err("the request type has a required field")
        .to_string();
    message
        .split('`')
        .nth(1)
        .unwrap_or_else(|| panic!("not a missing-field error: {message}"))
        .to_string()
}

#[test]
fn the_served_spec_is_openapi_yaml() {
    let served = spec();
    assert_eq!(served, source());
    assert!(
        served["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1."))
    );
}

#[test]
fn every_route_is_a_path_with_its_method_and_back() {
    let routes: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(path, method, _)| (path.to_string(), method.to_ascii_lowercase()))
        .collect();
    let spec = spec();
    let operations: BTreeSet<(String, String)> = spec["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(move |m| (path.clone(), m.to_string()))
        })
        .collect();
    assert_eq!(
        routes, operations,
        "ROUTES (left) against openapi.yaml paths (right)"
    );
}

#[test]
fn every_error_code_is_in_the_spec_and_back() {
    let codes = set(Code::ALL.iter().map(|c| c.as_str()));
    let spec = spec();
    let listed = strings(&schema(&spec, "ErrorCode")["enum"]);
    let missing: Vec<_> = codes.difference(&listed).collect();
    let extra: Vec<_> = listed.difference(&codes).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "openapi.yaml ErrorCode lacks {missing:?} and lists unknown {extra:?}"
    );
}

#[test]
fn request_schemas_have_exactly_the_fields_the_types_accept() {
    let spec = spec();
    for (name, accepted, required) in [
        (
            "SearchRequest",
            accepted_fields::<SearchRequest>(),
            required_field::<SearchRequest>(),
        ),
        (
            "PlanRequest",
            accepted_fields::<PlanRequest>(),
            required_field::<PlanRequest>(),
        ),
        (
            "RecentRace",
            accepted_fields::<RecentRace>(),
            required_field::<RecentRace>(),
        ),
    ] {
        let schema = schema(&spec, name);
        assert_eq!(
            properties(schema),
            accepted,
            "{name}: spec (left), Rust type (right)"
        );
        assert_eq!(
            schema["additionalProperties"], false,
            "{name} denies unknown fields"
        );
        assert!(
            strings(&schema["required"]).contains(&required),
            "{name}: {required} is required by the type"
        );
    }
}

fn bounds(schema: &Value) -> (f64, f64) {
    let low = schema["minimum"]
        .as_f64()
        .or_else(|| schema["exclusiveMinimum"].as_f64())
        .expect("a minimum");
    (low, schema["maximum"].as_f64().expect("a maximum"))
}

#[test]
fn vocabulary_and_limits_are_the_rust_ones() {
    let spec = spec();
    for (name, rust) in [
        ("Race", set(RACES)),
        ("Level", set(LEVELS)),
        ("Phase", set(PHASES)),
        ("DayName", set(DAYS)),
        ("SessionType", set(SESSION_TYPES)),
    ] {
        assert_eq!(strings(&schema(&spec, name)["enum"]), rust, "{name}");
    }
    let plan = &schema(&spec, "PlanRequest")["properties"];
    assert_eq!(bounds(&plan["weeks"]), (MIN_WEEKS as f64, MAX_WEEKS as f64));
    assert_eq!(
        bounds(&plan["days_per_week"]),
        (MIN_DAYS as f64, MAX_DAYS as f64)
    );
    assert_eq!(bounds(&plan["weekly_km"]), (0.0, MAX_WEEKLY_KM));
    assert_eq!(bounds(&plan["long_run_km"]), (0.0, MAX_LONG_RUN_KM));
    let search = &schema(&spec, "SearchRequest")["properties"];
    assert_eq!(bounds(&search["k"]), (1.0, MAX_K as f64));
    assert_eq!(search["vector"]["anyOf"][1]["maxItems"], MAX_BATCH);
    // Mode and units have no Rust list: every spelling the spec allows must resolve, and one it
    // does not allow must be refused.
    let base = || PlanRequest {
        race: "marathon".into(),
        weeks: Some(16),
        level: Some("intermediate".into()),
        ..PlanRequest::default()
    };
    for (name, field) in [("Mode", "mode"), ("Units", "units")] {
        let allowed = strings(&schema(&spec, name)["enum"]);
        for value in allowed.iter().map(String::as_str).chain(["furlongs"]) {
            let mut request = base();
            let slot = if field == "mode" {
                &mut request.mode
            } else {
                &mut request.units
            };
            *slot = Some(value.to_string());
            let resolved = plan_index_plan::request::resolve(&request);
            assert_eq!(
                resolved.is_ok(),
                allowed.contains(value),
                "{field} {value:?}"
            );
        }
    }
}

// ---- real replies against the response schemas ----

fn index() -> &'static BakedIndex {
    plan_index::baked().expect("the baked index decodes")
}

async fn call(event: Value) -> Value {
    support::reply(index(), event)
        .await
        .expect("HTTP events always answer")
}

/// `/a/b` as a JSON-pointer token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The JSON pointer of the schema documenting `status` with `content_type` on `method path`,
/// following the response's `$ref`.
fn response_schema(
    spec: &Value,
    path: &str,
    method: &str,
    status: u16,
    content_type: &str,
) -> String {
    let mut location = format!(
        "/paths/{}/{}/responses/{status}",
        escape(path),
        method.to_ascii_lowercase()
    );
    let response = spec
        .pointer(&location)
        .unwrap_or_else(|| panic!("{method} {path} documents no {status}"));
    if let Some(target) = response.get("$ref").and_then(Value::as_str) {
        location = target.trim_start_matches('#').to_string();
    }
    let schema = format!("{location}/content/{}/schema", escape(content_type));
    assert!(
        spec.pointer(&schema).is_some(),
        "{method} {path} {status} documents no {content_type} body"
    );
    schema
}

/// Validates `instance` against the schema at `pointer` of the spec (refs resolve in the spec).
fn assert_valid(spec: &Value, pointer: &str, instance: &Value, what: &str) {
    let mut root = spec.clone();
    root["$schema"] = "https://json-schema.org/draft/2020-12/schema".into();
    root["$ref"] = format!("#{pointer}").into();
    let validator = jsonschema::draft202012::new(&root).expect("the spec's schemas compile");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(5)
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: {errors:#?}\nreply: {}",
        truncate(instance)
    );
}

fn truncate(value: &Value) -> String {
    value.to_string().chars().take(600).collect()
}

/// Sends `method path` (with `body`, and `accept` when given), checks the status, the headers
/// and the body against the spec, and returns the body.
async fn exchange(
    spec: &Value,
    (method, path): (&str, &str),
    body: Option<&str>,
    accept: Option<&str>,
    status: u16,
) -> Value {
    let mut event = support::http(method, path, body);
    if let Some(accept) = accept {
        event["headers"]["accept"] = accept.into();
    }
    let response = call(event).await;
    let what = format!(
        "{method} {path} {}",
        body.unwrap_or("").chars().take(80).collect::<String>()
    );
    assert_eq!(
        response["statusCode"],
        status,
        "{what}: {}",
        truncate(&response)
    );
    let headers = &response["headers"];
    assert!(headers["x-request-id"].is_string(), "{what}: x-request-id");
    let content_type = headers["content-type"].as_str().expect("content-type");
    let media = content_type
        .split(';')
        .next()
        .unwrap_or(content_type)
        .trim();
    let text = response["body"].as_str().expect("a text body");
    let instance = if media == "application/json" {
        serde_json::from_str(text).expect("a JSON body")
    } else {
        Value::String(text.to_string())
    };
    let pointer = response_schema(spec, path, documented_method(path, method), status, media);
    assert_valid(spec, &pointer, &instance, &what);
    if status == 405 {
        let allow = headers["allow"].as_str().expect("405 has Allow");
        let documented = spec
            .pointer("/components/headers/Allow/schema/enum")
            .map(strings)
            .unwrap_or_default();
        assert!(documented.contains(allow), "Allow {allow} is documented");
    }
    instance
}

/// A 405 is documented on the route's own operation.
fn documented_method<'a>(path: &str, method: &'a str) -> &'a str {
    match ROUTES.iter().find(|(p, _, _)| *p == path) {
        Some((_, m, _)) if !m.eq_ignore_ascii_case(method) => m,
        _ => method,
    }
}

#[tokio::test]
async fn replies_of_every_route_match_the_spec() {
    let spec = spec();
    let health = exchange(&spec, ("GET", "/health"), None, None, 200).await;
    let hash = health["index_hash"].clone();
    let collections = exchange(&spec, ("GET", "/v1/collections"), None, None, 200).await;
    assert_eq!(
        collections["index_hash"], hash,
        "collections carry the index hash"
    );
    let served = exchange(&spec, ("GET", "/openapi.json"), None, None, 200).await;
    assert_eq!(served, source());
    exchange(&spec, ("POST", "/health"), Some("{}"), None, 405).await;
    exchange(&spec, ("GET", "/v1/search"), None, None, 405).await;

    let plan = json!({
        "race": "marathon", "weeks": 16, "level": "intermediate", "start_date": "2026-01-05",
        "recent_race": {"distance": "10k", "time": "45:00"}, "units": "mi"
    })
    .to_string();
    let plan = exchange(&spec, ("POST", "/v1/plan"), Some(&plan), None, 200).await;
    assert_eq!(plan["index_hash"], hash);
    let plain = r#"{"race": "5k", "race_date": "2030-06-02", "start_date": "2030-03-01", "ctl": 70, "goal_time": "0:21:00"}"#;
    exchange(&spec, ("POST", "/v1/plan"), Some(plain), None, 200).await;
    let brief = r#"{"race": "10k", "weeks": 8, "level": "beginner"}"#;
    exchange(
        &spec,
        ("POST", "/v1/plan"),
        Some(brief),
        Some("text/calendar"),
        200,
    )
    .await;
    exchange(
        &spec,
        ("POST", "/v1/plan"),
        Some(r#"{"race": "mile", "weeks": 8, "level": "beginner"}"#),
        None,
        422,
    )
    .await;
    exchange(
        &spec,
        ("POST", "/v1/plan"),
        Some(r#"{"race": "10k"}"#),
        None,
        400,
    )
    .await;

    // Searches by an item's id, by its vector, as a batch, and by a baked text.
    let philosophy = &plan["philosophy"];
    let like = json!({"collection": "philosophies", "like": philosophy["id"], "k": 3}).to_string();
    let found = exchange(&spec, ("POST", "/v1/search"), Some(&like), None, 200).await;
    assert_eq!(
        found["index_hash"], hash,
        "search replies carry the index hash"
    );
    let dim = health["dim"].as_u64().expect("dim") as usize;
    let vector = vec![0.5_f32; dim];
    let batch =
        json!({"collection": "knowledge", "vector": [vector, vector], "k": 2, "min_score": -1.0});
    exchange(
        &spec,
        ("POST", "/v1/search"),
        Some(&batch.to_string()),
        None,
        200,
    )
    .await;
    let text = json!({"collection": "knowledge", "text": philosophy["query"], "k": 2, "where": {"audience": "intermediate"}});
    let answered = exchange(
        &spec,
        ("POST", "/v1/search"),
        Some(&text.to_string()),
        None,
        200,
    )
    .await;
    assert_eq!(answered["embedded"], "baked");

    for (body, status) in [
        (r#"{"collection": "no_such", "like": "x"}"#.to_string(), 404),
        (
            r#"{"collection": "philosophies", "like": "no_such_id"}"#.to_string(),
            404,
        ),
        (r#"{"collection": "#.to_string(), 400),
        ("  ".to_string(), 400),
        (
            r#"{"collection": "philosophies", "like": "x", "colour": 1}"#.to_string(),
            422,
        ),
        (
            r#"{"collection": "philosophies", "vector": [1, 2]}"#.to_string(),
            422,
        ),
        (r#"[1, 2]"#.to_string(), 422),
        (" ".repeat(lambda::http::MAX_BODY_BYTES + 1), 413),
    ] {
        exchange(&spec, ("POST", "/v1/search"), Some(&body), None, status).await;
    }
}
