//! HTTP events (API Gateway REST v1, HTTP API v2, Function URLs): method, path and body out of
//! the event, the route table, and the proxy response every one of them accepts.
//!
//! REST APIs and HTTP APIs on a named stage put the stage in front of the path
//! (`/prod/v1/search`), and a `{proxy+}` resource carries the path in `pathParameters`, so
//! every spelling the event offers is tried against the route table, with and without the stage.

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::actions::{self, Action, Body};
use super::error::{Failure, LambdaError};

/// Largest request body accepted (after base64 decoding): 1 MiB.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Which HTTP payload format the event uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// API Gateway REST API (payload 1.0): `httpMethod`, `path`.
    RestV1,
    /// HTTP API payload 2.0 and Function URLs: `requestContext.http`, `rawPath`.
    HttpV2,
}

/// What a route serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `GET /health`.
    Health,
    /// `GET /v1/collections`.
    Collections,
    /// `POST /v1/search`.
    Search,
    /// `POST /v1/plan`.
    Plan,
}

/// Path, method and route of every endpoint.
const ROUTES: &[(&str, &str, Route)] = &[
    ("/health", "GET", Route::Health),
    ("/v1/collections", "GET", Route::Collections),
    ("/v1/search", "POST", Route::Search),
    ("/v1/plan", "POST", Route::Plan),
];

/// The parts of an HTTP event the routes need.
#[derive(Debug)]
pub struct HttpRequest<'a> {
    /// Upper-case method.
    pub method: String,
    /// The path as routed (stage removed when that made it match).
    pub path: String,
    /// The matched route, if any.
    pub route: Option<(&'static str, &'static str, Route)>,
    event: &'a Value,
}

fn text<'v>(value: &'v Value, pointer: &str) -> Option<&'v str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// Reads method and path from an event of the given format.
pub fn request(event: &Value, format: Format) -> HttpRequest<'_> {
    let method = match format {
        Format::RestV1 => text(event, "/httpMethod"),
        Format::HttpV2 => text(event, "/requestContext/http/method"),
    }
    .unwrap_or("")
    .to_ascii_uppercase();
    let stage = text(event, "/requestContext/stage").filter(|s| *s != "$default");
    let proxy = text(event, "/pathParameters/proxy").map(|p| format!("/{p}"));
    let raw: Vec<&str> = match format {
        Format::RestV1 => vec![text(event, "/path"), text(event, "/requestContext/path")],
        Format::HttpV2 => vec![
            text(event, "/rawPath"),
            text(event, "/requestContext/http/path"),
        ],
    }
    .into_iter()
    .flatten()
    .chain(proxy.as_deref())
    .collect();
    let candidates: Vec<&str> = raw
        .iter()
        .flat_map(|p| [Some(normalise(p)), strip_stage(p, stage)])
        .flatten()
        .collect();
    let route = candidates.iter().find_map(|p| find_route(p));
    let path = match route {
        Some((path, _, _)) => path.to_string(),
        None => candidates.first().unwrap_or(&"/").to_string(),
    };
    HttpRequest {
        method,
        path,
        route,
        event,
    }
}

fn normalise(path: &str) -> &str {
    match path.trim_end_matches('/') {
        "" => "/",
        trimmed => trimmed,
    }
}

fn strip_stage<'p>(path: &'p str, stage: Option<&str>) -> Option<&'p str> {
    let rest = path.strip_prefix('/')?.strip_prefix(stage?)?;
    rest.starts_with('/').then(|| normalise(rest))
}

fn find_route(path: &str) -> Option<(&'static str, &'static str, Route)> {
    ROUTES.iter().copied().find(|(p, _, _)| *p == path)
}

impl HttpRequest<'_> {
    /// The action this request asks for, or why it cannot be served (404, 405, 413, 400, 422).
    pub fn action(&self) -> Result<Action, LambdaError> {
        let Some((path, method, route)) = self.route else {
            return Err(LambdaError::new(
                crate::error::ErrorKind::NotFound,
                "unknown_route",
                format!(
                    "no route {} {}; routes: GET /health, GET /v1/collections, POST /v1/search, POST /v1/plan",
                    self.method, self.path
                ),
            ));
        };
        if self.method != method {
            return Err(LambdaError {
                code: "method_not_allowed",
                message: format!("{path} accepts {method}, not {}", self.method),
                failure: Failure::MethodNotAllowed { allow: method },
            });
        }
        match route {
            Route::Health => Ok(Action::Health),
            Route::Collections => Ok(Action::Collections),
            Route::Search => actions::action("search", Body::Bytes(&self.body()?)),
            Route::Plan => actions::action("plan", Body::Bytes(&self.body()?)),
        }
    }

    /// Whether the caller asked for an iCalendar file (`Accept: text/calendar`, in `headers`
    /// or `multiValueHeaders`, any case); only the plan route has one.
    pub fn wants_calendar(&self) -> bool {
        if !matches!(self.route, Some((_, _, Route::Plan))) {
            return false;
        }
        let accepts = |headers: Option<&Value>| {
            headers.and_then(Value::as_object).is_some_and(|h| {
                h.iter().any(|(name, value)| {
                    name.eq_ignore_ascii_case("accept") && {
                        let values: Vec<&str> = match value {
                            Value::String(s) => vec![s.as_str()],
                            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
                            _ => Vec::new(),
                        };
                        values
                            .iter()
                            .any(|v| v.to_ascii_lowercase().contains("text/calendar"))
                    }
                })
            })
        };
        accepts(self.event.get("headers")) || accepts(self.event.get("multiValueHeaders"))
    }

    /// The body's bytes: base64-decoded when flagged, at most [`MAX_BODY_BYTES`], not empty.
    fn body(&self) -> Result<Vec<u8>, LambdaError> {
        let raw = match self.event.get("body") {
            None | Some(Value::Null) => "",
            Some(Value::String(s)) => s.as_str(),
            Some(other) => {
                return Err(LambdaError::bad_request(
                    "invalid_event",
                    format!(
                        "the event's body must be a string, got {}",
                        actions::json_type(other)
                    ),
                ));
            }
        };
        let base64 = self
            .event
            .get("isBase64Encoded")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        // Checked before decoding too, so an oversized body is never copied.
        let limit = if base64 {
            MAX_BODY_BYTES.div_ceil(3) * 4
        } else {
            MAX_BODY_BYTES
        };
        if raw.len() > limit {
            return Err(too_large(raw.len()));
        }
        let bytes = if base64 {
            base64::engine::general_purpose::STANDARD
                .decode(raw.trim())
                .map_err(|e| {
                    LambdaError::bad_request(
                        "invalid_base64",
                        format!("the body is flagged base64 but does not decode: {e}"),
                    )
                })?
        } else {
            raw.as_bytes().to_vec()
        };
        if bytes.len() > MAX_BODY_BYTES {
            return Err(too_large(bytes.len()));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(LambdaError::bad_request(
                "missing_body",
                format!("{} {} needs a JSON body", self.method, self.path),
            ));
        }
        Ok(bytes)
    }
}

fn too_large(bytes: usize) -> LambdaError {
    LambdaError {
        code: "body_too_large",
        message: format!("the body has {bytes} bytes; the limit is {MAX_BODY_BYTES}"),
        failure: Failure::TooLarge,
    }
}

/// A plan request made for a calendar: dates fixed (the plan starts next Monday when the
/// request names neither `start_date` nor `race_date`).
pub fn calendar_action(action: Action) -> Action {
    match action {
        Action::Plan(request) => Action::Plan(crate::plan::detail::calendar_request(
            &request,
            time::OffsetDateTime::now_utc().date(),
        )),
        other => other,
    }
}

/// The iCalendar text of a plan reply (`None` for any other reply).
pub fn calendar_body(reply: &actions::Reply) -> Option<String> {
    match reply {
        actions::Reply::Plan(plan) => crate::plan::ics(plan),
        _ => None,
    }
}

/// Content type of iCalendar bodies.
pub const CALENDAR_TYPE: &str = "text/calendar; charset=utf-8";

/// The proxy response in the event's format (payload 2.0 adds `cookies`, which strict readers
/// of Function URL responses, such as cargo-lambda's emulator, require).
pub fn response(
    format: Format,
    status: u16,
    body: String,
    request_id: &str,
    allow: Option<&str>,
) -> Value {
    typed_response(format, status, body, "application/json", request_id, allow)
}

/// [`response`] with another content type.
pub fn typed_response(
    format: Format,
    status: u16,
    body: String,
    content_type: &str,
    request_id: &str,
    allow: Option<&str>,
) -> Value {
    let mut headers = Map::new();
    headers.insert("content-type".into(), json!(content_type));
    headers.insert("x-request-id".into(), json!(request_id));
    if let Some(allow) = allow {
        headers.insert("allow".into(), json!(allow));
    }
    let mut response = json!({
        "statusCode": status,
        "headers": headers,
        "body": body,
        "isBase64Encoded": false,
    });
    if format == Format::HttpV2 {
        response["cookies"] = json!([]);
    }
    response
}

/// The proxy response for an error.
pub fn error_response(format: Format, error: &LambdaError, request_id: &str) -> Value {
    response(
        format,
        error.status(),
        error.to_body().to_string(),
        request_id,
        error.allow(),
    )
}
