//! Helpers shared by the Lambda tests (included with `#[path]`): the committed events, bodies
//! swapped in, the handler's parsed reply, and proxy responses taken apart.
#![allow(dead_code)]

use base64::Engine as _;
use plan_index::lambda::{self, Context, Publisher};
use plan_index_api::ApiError;
use plan_index_core::BakedIndex;
use serde_json::Value;

/// The handler's reply to `event` as the runtime would send it, parsed back (nothing
/// published, no metrics line).
pub async fn reply(index: &'static BakedIndex, event: Value) -> Result<Value, ApiError> {
    let publisher = Publisher::disabled();
    let mut ctx = Context::new("test-request", &publisher);
    ctx.metrics = false;
    let response = lambda::handle(index, &ctx, event).await?;
    Ok(serde_json::from_str(&response.to_json()?).expect("replies are JSON"))
}

/// A committed event from tests/events.
pub fn event(name: &str) -> Value {
    let path = format!("{}/tests/events/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("event JSON")
}

/// An HTTP event with `body` as its body, base64-encoded when the event says so.
pub fn with_body(mut event: Value, body: Option<&str>) -> Value {
    let base64 = event["isBase64Encoded"].as_bool().unwrap_or(false);
    event["body"] = match body {
        None => Value::Null,
        Some(b) if base64 => base64::engine::general_purpose::STANDARD.encode(b).into(),
        Some(b) => b.into(),
    };
    event
}

/// An HTTP API (payload 2.0) event for `method path` with `body`.
pub fn http(method: &str, path: &str, body: Option<&str>) -> Value {
    let mut e = event("http-v2-search.json");
    e["rawPath"] = path.into();
    e["requestContext"]["http"]["method"] = method.into();
    e["requestContext"]["http"]["path"] = path.into();
    e["isBase64Encoded"] = false.into();
    with_body(e, body)
}

/// Status, headers and parsed body of a proxy response.
pub fn parts(response: &Value) -> (u16, Value, Value) {
    let status = response["statusCode"].as_u64().expect("statusCode") as u16;
    let body = response["body"].as_str().expect("string body");
    let body = serde_json::from_str(body).unwrap_or_else(|e| panic!("body {body:?}: {e}"));
    (status, response["headers"].clone(), body)
}

/// Asserts the error shape, the status and the code, and that every header is right.
pub fn assert_error(response: &Value, status: u16, code: &str) {
    let (got, headers, body) = parts(response);
    assert_eq!(got, status, "status of {body}");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

/// A search body for `collection` with the vector `vector`.
pub fn search_body(collection: &str, vector: &[f32], k: usize) -> String {
    serde_json::json!({"collection": collection, "vector": vector, "k": k}).to_string()
}

/// `text` with the numbers of its timing fields (`"search_us"`, `"compute_us"`) blanked: they
/// differ between two runs, and every carrier must agree on the rest byte for byte.
pub fn untimed(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = ["\"search_us\":", "\"compute_us\":"]
        .iter()
        .filter_map(|key| rest.find(key).map(|i| (i, key.len())))
        .min()
    {
        let (i, len) = at;
        out.push_str(&rest[..i + len]);
        out.push('0');
        rest = &rest[i + len..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | 'e' | 'E' | '+')))
            .unwrap_or(rest.len());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}
