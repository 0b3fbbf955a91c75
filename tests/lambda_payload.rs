//! Payloads the runtime's own deserializer would have refused, the reply budget and the
//! smaller defects of issue 11, through the handler in-process on the baked index: every
//! payload gets our error shape, an HTTP-shaped event always gets an HTTP response.

#[path = "lambda_common/events.rs"]
mod support;

use plan_index::lambda::{self, Context, Publisher};
use plan_index_api::ApiError;
use plan_index_core::BakedIndex;
use serde_json::{Value, json};
use support::{assert_error, http, parts, untimed};

fn index() -> &'static BakedIndex {
    plan_index::baked().expect("baked index")
}

async fn call_with(ctx: &Context<'_>, payload: &[u8]) -> Result<Value, ApiError> {
    let response = lambda::handle_payload(index(), ctx, payload).await?;
    Ok(serde_json::from_str(&response.to_json()?).expect("replies are JSON"))
}

async fn call(payload: &[u8]) -> Result<Value, ApiError> {
    let publisher = Publisher::disabled();
    let mut ctx = Context::new("test", &publisher);
    ctx.metrics = false;
    ctx.memory_mb = Some(512);
    call_with(&ctx, payload).await
}

fn nested(depth: usize) -> String {
    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
}

fn knowledge_vector() -> Vec<f32> {
    index()
        .collection("knowledge")
        .expect("intact")
        .expect("knowledge collection")
        .vector(0)
        .expect("intact vectors")
        .to_vec()
}

#[tokio::test]
async fn too_deep_is_our_error_on_every_carrier() {
    let deep = format!(
        r#"{{"action": "search", "collection": "knowledge", "like": "x", "where": {{"a": {}}}}}"#,
        nested(200)
    );
    let direct = call(deep.as_bytes()).await.expect("answered");
    assert_eq!(direct["error"]["code"], "json_too_deep", "{direct}");
    let body = format!(
        r#"{{"collection": "knowledge", "like": "x", "where": {{"a": {}}}}}"#,
        nested(200)
    );
    let event = http("POST", "/v1/search", Some(&body)).to_string();
    assert_error(
        &call(event.as_bytes()).await.expect("answered"),
        400,
        "json_too_deep",
    );
    // A deep envelope (inside requestContext) still gets an HTTP response.
    let mut deep_envelope = http("GET", "/health", None);
    deep_envelope["requestContext"]["authorizer"] = json!({"lambda": {}});
    let text = deep_envelope.to_string().replace(
        r#""lambda":{}"#,
        &format!(r#""lambda":{}1{}"#, r#"{"a":"#.repeat(300), "}".repeat(300)),
    );
    let response = call(text.as_bytes()).await.expect("answered");
    assert_error(&response, 400, "json_too_deep");
    // 127 levels in all are still decoded (then refused for what they say).
    let ok_depth = format!(
        r#"{{"action": "search", "collection": "knowledge", "like": "x", "where": {{"a": {}}}}}"#,
        nested(125)
    );
    let answer = call(ok_depth.as_bytes()).await.expect("answered");
    assert_ne!(answer["error"]["code"], "json_too_deep", "{answer}");
}

#[tokio::test]
async fn lone_surrogates_are_replaced() {
    let direct = br#"{"action": "search", "collection": "\ud800", "like": "x"}"#;
    let answer = call(direct).await.expect("answered");
    assert_eq!(answer["error"]["code"], "unknown_collection", "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains('\u{fffd}'))
    );
    let event = http(
        "POST",
        "/v1/search",
        Some(r#"{"collection": "\udc00", "like": "x"}"#),
    );
    assert_error(
        &call(event.to_string().as_bytes()).await.expect("answered"),
        404,
        "unknown_collection",
    );
}

#[tokio::test]
async fn bom_and_invalid_utf8() {
    let (collection, like) = ("knowledge", first_knowledge_id());
    let body = format!(
        "\u{feff}{}",
        json!({"collection": collection, "like": like, "k": 2})
    );
    let (status, _, answer) = parts(
        &call(
            http("POST", "/v1/search", Some(&body))
                .to_string()
                .as_bytes(),
        )
        .await
        .expect("answered"),
    );
    assert_eq!(status, 200, "{answer}");
    let mut payload = b"\xEF\xBB\xBF".to_vec();
    payload.extend_from_slice(br#"{"action": "health"}"#);
    assert_eq!(call(&payload).await.expect("health")["status"], "ok");
    let bad = b"{\"action\": \"search\", \"collection\": \"\xff\", \"like\": \"x\"}";
    assert_eq!(
        call(bad).await.expect("answered")["error"]["code"],
        "invalid_utf8"
    );
    let mut event = http("POST", "/v1/search", Some("{}"))
        .to_string()
        .into_bytes();
    let at = event
        .windows(6)
        .position(|w| w == b"\"POST\"")
        .expect("method")
        + 1;
    event.insert(at + 4, 0xff);
    let response = call(&event).await.expect("an HTTP event answers");
    assert_error(&response, 400, "invalid_utf8");
    for not_json in [&b"{not json"[..], b"", b"\xff\xfe"] {
        let e = call(not_json).await.expect_err("a function error");
        assert!(
            ["malformed_json", "unsupported_event", "invalid_utf8"].contains(&e.code.as_str()),
            "{e}"
        );
    }
}

#[tokio::test]
async fn k_and_min_score_messages() {
    let vector = knowledge_vector();
    let k = json!({"action": "search", "collection": "knowledge", "vector": vector, "k": 1e308});
    let answer = call(k.to_string().as_bytes()).await.expect("answered");
    assert_eq!(answer["error"]["code"], "invalid_k");
    let message = answer["error"]["message"].as_str().expect("message");
    assert!(
        message.len() < 100 && message.contains("e+308"),
        "{message}"
    );
    let text = format!(
        r#"{{"action": "search", "collection": "knowledge", "vector": {}, "min_score": 1e39}}"#,
        json!(vector)
    );
    let answer = call(text.as_bytes()).await.expect("answered");
    assert_eq!(answer["error"]["code"], "invalid_request", "{answer}");
    let message = answer["error"]["message"].as_str().expect("message");
    assert!(message.contains("out of f32 range"), "{message}");
}

#[tokio::test]
async fn replies_are_refused_before_they_exceed_lambda() {
    let vector = knowledge_vector();
    let batch: Vec<&[f32]> = vec![&vector; 100];
    let body = json!({"collection": "knowledge", "vector": batch, "k": 10000}).to_string();
    let response = call(
        http("POST", "/v1/search", Some(&body))
            .to_string()
            .as_bytes(),
    )
    .await
    .expect("answered");
    assert_error(&response, 413, "reply_too_large");
    let (_, _, error) = parts(&response);
    let message = error["error"]["message"].as_str().expect("message");
    assert!(message.contains("ask for k <="), "{message}");
    let direct = json!({"action": "search", "collection": "knowledge", "vector": vec![&vector; 1000], "k": 10000});
    let answer = call(direct.to_string().as_bytes()).await.expect("answered");
    assert_eq!(answer["error"]["code"], "reply_too_large");
    // The largest k the message offers is accepted, and its reply fits.
    let k_fits: usize = message
        .split("ask for k <= ")
        .nth(1)
        .and_then(|m| m.split_whitespace().next())
        .and_then(|k| k.parse().ok())
        .expect("k in message");
    assert!(k_fits >= 1);
    let body = json!({"collection": "knowledge", "vector": batch, "k": k_fits}).to_string();
    let response = lambda::handle_payload(
        index(),
        &{
            let publisher = Box::leak(Box::new(Publisher::disabled()));
            let mut ctx = Context::new("t", publisher);
            ctx.metrics = false;
            ctx.memory_mb = Some(512);
            ctx
        },
        http("POST", "/v1/search", Some(&body))
            .to_string()
            .as_bytes(),
    )
    .await
    .expect("answered");
    let json = response.to_json().expect("encodes");
    assert!(json.len() <= lambda::SYNC_LIMIT, "{} bytes", json.len());
    let answer: Value = serde_json::from_str(&json).expect("json");
    assert_eq!(answer["statusCode"], 200);
    // A small function refuses earlier: half of 128 MB at the measured cost per reply byte.
    let publisher = Publisher::disabled();
    let mut small = Context::new("t", &publisher);
    small.metrics = false;
    small.memory_mb = Some(16);
    let response = call_with(
        &small,
        http("POST", "/v1/search", Some(&body))
            .to_string()
            .as_bytes(),
    )
    .await
    .expect("answered");
    assert_error(&response, 413, "reply_too_large");
}

#[tokio::test]
async fn one_encoder_for_every_carrier() {
    let like = first_knowledge_id();
    let requests = [
        (
            "search",
            json!({"collection": "knowledge", "like": like, "k": 5}),
        ),
        (
            "plan",
            json!({"race": "marathon", "weeks": 16, "level": "intermediate"}),
        ),
    ];
    for (name, request) in requests {
        let path = format!("/v1/{name}");
        let response = call(
            http("POST", &path, Some(&request.to_string()))
                .to_string()
                .as_bytes(),
        )
        .await
        .expect("answered");
        let http_body = untimed(response["body"].as_str().expect("body"));
        let mut direct = request.clone();
        direct["action"] = name.into();
        let reply = lambda::handle_payload(index(), &quiet(), direct.to_string().as_bytes())
            .await
            .expect("answered")
            .to_json()
            .expect("encodes");
        assert_eq!(untimed(&reply), http_body, "{name}: direct vs HTTP");
        // What the CLI's --json prints: the same reply through plan_index_api::encode.
        let action = plan_index_api::action::action(
            name,
            plan_index_api::Body::Bytes(request.to_string().as_bytes()),
        )
        .expect("decodes");
        let publishing = plan_index_api::Publishing::default();
        let runtime = plan_index_api::Runtime {
            cold_start: false,
            primed_us: None,
            publishing: &publishing,
        };
        let cli = plan_index_api::action::run(index(), runtime, action).expect("runs");
        let cli = plan_index_api::encode(&cli).expect("encodes");
        assert_eq!(untimed(&cli), http_body, "{name}: CLI vs HTTP");
    }
}

fn quiet() -> Context<'static> {
    let publisher = Box::leak(Box::new(Publisher::disabled()));
    let mut ctx = Context::new("t", publisher);
    ctx.metrics = false;
    ctx
}

/// The HTTP envelope is decoded from the members the classifier read, with the body held back
/// as text; every event where that could differ from decoding the whole event is decoded whole,
/// so these odd envelopes are answered as before.
#[tokio::test]
async fn envelopes_read_once_answer_like_whole_events() {
    let like = first_knowledge_id();
    let body = json!({"collection": "knowledge", "like": like, "k": 2}).to_string();
    let plain = http("POST", "/v1/search", Some(&body)).to_string();
    let (status, _, expected) = parts(&call(plain.as_bytes()).await.expect("answered"));
    assert_eq!(status, 200, "{expected}");
    let same = |response: &Value| {
        let (status, _, answer) = parts(response);
        assert_eq!(status, 200, "{answer}");
        assert_eq!(untimed(&answer.to_string()), untimed(&expected.to_string()));
    };
    // The body's member name escaped, the body without escapes, the body last.
    let escaped_name = plain.replacen("\"body\":", "\"bo\\u0064y\":", 1);
    same(&call(escaped_name.as_bytes()).await.expect("answered"));
    // A body without escapes (borrowed from the event) is read the same way.
    let array = http("POST", "/v1/search", Some("[1, 2]")).to_string();
    let (status, _, answer) = parts(&call(array.as_bytes()).await.expect("answered"));
    assert_eq!(answer["error"]["code"], "invalid_body", "{answer}");
    assert_eq!(status, 422);
    // A repeated body is an invalid event, as the typed decode says.
    let twice = plain.replacen("{", "{\"body\": \"{}\",", 1);
    assert_error(
        &call(twice.as_bytes()).await.expect("answered"),
        400,
        "invalid_event",
    );
    // A body that is not a string is an invalid event; a null body is a missing body.
    let mut number = http("POST", "/v1/search", None);
    number["body"] = json!(5);
    assert_error(
        &call(number.to_string().as_bytes()).await.expect("answered"),
        400,
        "invalid_event",
    );
    let null = http("POST", "/v1/search", None).to_string();
    assert_error(
        &call(null.as_bytes()).await.expect("answered"),
        400,
        "missing_body",
    );
    // An escaped lone surrogate in the event's body string is repaired like any other.
    let lone = http(
        "POST",
        "/v1/search",
        Some(r#"{"collection": "SURROGATE", "like": "x"}"#),
    )
    .to_string()
    .replace("SURROGATE", "\\ud800");
    let response = call(lone.as_bytes()).await.expect("answered");
    assert_error(&response, 404, "unknown_collection");
    let (_, _, error) = parts(&response);
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains('\u{fffd}')),
        "{error}"
    );
    // A member nested to the limit beside the body (127 levels in all) is decoded as part of
    // the whole event, one level deeper is refused as too deep.
    for (levels, code) in [(127, None), (128, Some("json_too_deep"))] {
        let mut deep = http("POST", "/v1/search", Some(&body));
        deep["requestContext"]["authorizer"] = json!({"lambda": {"x": "DEEP"}});
        // The event, requestContext, authorizer and lambda are four levels.
        let text = deep.to_string().replace("\"DEEP\"", &nested(levels - 4));
        let response = call(text.as_bytes()).await.expect("answered");
        match code {
            None => same(&response),
            Some(code) => assert_error(&response, 400, code),
        }
    }
}

/// The id of the first knowledge passage (a `like` that exists).
fn first_knowledge_id() -> String {
    index()
        .collection("knowledge")
        .expect("intact")
        .expect("c")
        .item(0)
        .id
        .to_string()
}

/// The handler reads a view of an HTTP event: the members the router uses are typed as
/// strictly as `aws_lambda_events`' request types type them, the members it does not use are
/// only checked to be JSON. Both payload formats, both ways of reading the event (from the
/// classifier's members, and whole when a member nests near the depth limit).
#[tokio::test]
async fn the_router_reads_only_what_it_uses() {
    let like = first_knowledge_id();
    let body = json!({"collection": "knowledge", "like": like, "k": 1}).to_string();
    // Read whole: a member beside the body nests to 100 levels (under the limit).
    let deep = |mut event: Value| {
        event["stageVariables"] = json!({"x": "DEEP"});
        event.to_string().replace("\"DEEP\"", &nested(100))
    };
    let v2 = http("POST", "/v1/search", Some(&body));
    let mut v1 = support::event("rest-v1-search.json");
    v1["body"] = body.clone().into();
    v1["isBase64Encoded"] = false.into();
    for (name, event) in [("v2", v2), ("v1", v1)] {
        for whole in [false, true] {
            let send = |event: &Value| {
                if whole {
                    deep(event.clone())
                } else {
                    event.to_string()
                }
            };
            let case = format!("{name}, whole {whole}");
            let (status, _, answer) =
                parts(&call(send(&event).as_bytes()).await.expect("answered"));
            assert_eq!(status, 200, "{case}: {answer}");
            // Unused members of the wrong type are not read.
            let mut odd = event.clone();
            odd["cookies"] = json!(5);
            odd["queryStringParameters"] = json!([1, 2]);
            odd["requestContext"]["requestId"] = json!({"not": "a string"});
            let (status, _, answer) = parts(&call(send(&odd).as_bytes()).await.expect("answered"));
            assert_eq!(status, 200, "{case}: {answer}");
            // Used members are typed: the method, a path, an Accept header, the flag.
            // (A payload 1.0 event whose `httpMethod` is not a string is not classified as
            // an HTTP event at all: an `unsupported_event` function error, as before.)
            let mut cases = vec![
                ("/headers", json!({"Accept": 5})),
                ("/headers", json!("accept")),
                ("/isBase64Encoded", json!("yes")),
                ("/requestContext/stage", json!(1)),
            ];
            if name == "v2" {
                cases.extend([
                    ("/requestContext/http/method", json!("PO ST")),
                    ("/requestContext/http/method", json!(5)),
                    ("/requestContext/http/method", Value::Null),
                    ("/rawPath", json!(["/v1/search"])),
                    ("/requestContext/http/path", json!(7)),
                ]);
            } else {
                cases.extend([
                    ("/httpMethod", json!("PO ST")),
                    ("/path", json!(7)),
                    ("/requestContext/path", json!({})),
                    ("/multiValueHeaders", json!({"accept": [1]})),
                ]);
            }
            for (pointer, value) in cases {
                let mut bad = event.clone();
                *bad.pointer_mut(pointer.rsplit_once('/').map_or("", |(p, _)| p))
                    .and_then(|parent| parent.as_object_mut())
                    .expect("parent object")
                    .entry(pointer.rsplit('/').next().expect("member"))
                    .or_insert(Value::Null) = value.clone();
                let response = call(send(&bad).as_bytes()).await.expect("answered");
                let (status, _, answer) = parts(&response);
                assert_eq!(status, 400, "{case}, {pointer} = {value}: {answer}");
                assert_eq!(
                    answer["error"]["code"], "invalid_event",
                    "{case}, {pointer}: {answer}"
                );
            }
        }
    }
}
