//! HTTP events (API Gateway REST v1, HTTP API v2, Function URLs): the typed request out of the
//! event, the route table, and the typed proxy response.
//!
//! REST APIs and HTTP APIs on a named stage put the stage in front of the path
//! (`/prod/v1/search`), and a `{proxy+}` resource carries the path in `pathParameters`, so
//! every spelling the event offers is tried against the route table, with and without the stage.

use aws_lambda_events::apigw::{
    ApiGatewayProxyRequest, ApiGatewayProxyResponse, ApiGatewayV2httpRequest,
    ApiGatewayV2httpResponse,
};
use aws_lambda_events::encodings::Body as ResponseBody;
use aws_lambda_events::http::{HeaderMap, HeaderValue};
use base64::Engine as _;
use serde::de::DeserializeOwned;
use std::borrow::Cow;

use plan_index_api::action::{self, Action};
use plan_index_api::{ApiError, Code};

use super::{guard, payload};

/// Largest request body accepted (after base64 decoding): 1 MiB.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// What a proxy response needs besides its (escaped) body: status, headers, flags. The reply
/// budget of an HTTP request is Lambda's 6 MB less this. Bodies are text (JSON, iCalendar),
/// never base64, so no 4/3 factor applies.
pub const ENVELOPE_BYTES: usize = 1024;

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
    /// `GET /openapi.json`: the contract (openapi.yaml).
    OpenApi,
}

/// Path, method and route of every endpoint.
pub const ROUTES: &[(&str, &str, Route)] = &[
    ("/health", "GET", Route::Health),
    ("/v1/collections", "GET", Route::Collections),
    ("/v1/search", "POST", Route::Search),
    ("/v1/plan", "POST", Route::Plan),
    ("/openapi.json", "GET", Route::OpenApi),
];

/// The parts of an HTTP event the routes need, whichever payload format carried them.
#[derive(Debug)]
pub struct HttpRequest<'a> {
    /// Upper-case method.
    pub method: String,
    /// The path as routed (stage removed when that made it match).
    pub path: String,
    /// The matched route, if any.
    pub route: Option<(&'static str, &'static str, Route)>,
    body: Option<Cow<'a, str>>,
    is_base64: bool,
    accepts_calendar: bool,
}

/// The envelope fields both payload formats share, before routing.
struct Envelope<'a> {
    method: String,
    stage: Option<String>,
    paths: Vec<String>,
    body: Option<Cow<'a, str>>,
    is_base64: bool,
    accepts_calendar: bool,
}

/// Whether any `Accept` header (any case, any of several values) asks for iCalendar.
fn accepts_calendar<'h>(headers: impl IntoIterator<Item = &'h HeaderMap>) -> bool {
    headers.into_iter().any(|h| {
        h.get_all("accept").iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.to_ascii_lowercase().contains("text/calendar"))
        })
    })
}

impl From<ApiGatewayProxyRequest> for Envelope<'_> {
    fn from(e: ApiGatewayProxyRequest) -> Self {
        let proxy = e.path_parameters.get("proxy").map(|p| format!("/{p}"));
        Envelope {
            method: e.http_method.as_str().to_ascii_uppercase(),
            stage: e.request_context.stage,
            paths: [e.path, e.request_context.path, proxy]
                .into_iter()
                .flatten()
                .collect(),
            body: e.body.map(Cow::Owned),
            is_base64: e.is_base64_encoded,
            accepts_calendar: accepts_calendar([&e.headers, &e.multi_value_headers]),
        }
    }
}

impl From<ApiGatewayV2httpRequest> for Envelope<'_> {
    fn from(e: ApiGatewayV2httpRequest) -> Self {
        let proxy = e.path_parameters.get("proxy").map(|p| format!("/{p}"));
        let http = e.request_context.http;
        Envelope {
            method: http.method.as_str().to_ascii_uppercase(),
            stage: e.request_context.stage,
            paths: [e.raw_path, http.path, proxy]
                .into_iter()
                .flatten()
                .collect(),
            accepts_calendar: accepts_calendar([&e.headers]),
            body: e.body.map(Cow::Owned),
            is_base64: e.is_base64_encoded,
        }
    }
}

/// Decodes an HTTP event of the given format into the typed `aws_lambda_events` request, then
/// routes it. An envelope that does not decode (a body that is not a string, a method that is
/// not a token) is an `invalid_event`, answered in the same format. The envelope comes from the
/// `members` [`payload::classify`] read, with the body held back as text (borrowed from the
/// event unless it has escapes): see [`payload::decode_envelope`].
pub fn request<'a>(
    text: &'a str,
    members: &payload::Top<'a>,
    format: Format,
) -> Result<HttpRequest<'a>, ApiError> {
    let envelope = match format {
        Format::RestV1 => envelope::<ApiGatewayProxyRequest>(text, members),
        Format::HttpV2 => envelope::<ApiGatewayV2httpRequest>(text, members),
    }?;
    Ok(route(envelope))
}

fn envelope<'a, T>(text: &'a str, members: &payload::Top<'a>) -> Result<Envelope<'a>, ApiError>
where
    T: DeserializeOwned + Into<Envelope<'a>>,
{
    let (decoded, body) = payload::decode_envelope::<T>(text, members, "body", "HTTP event")?;
    let mut envelope = decoded.into();
    if body.is_some() {
        envelope.body = body;
    }
    Ok(envelope)
}

fn route(envelope: Envelope<'_>) -> HttpRequest<'_> {
    let stage = envelope.stage.as_deref().filter(|s| *s != "$default");
    let candidates: Vec<&str> = envelope
        .paths
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
        method: envelope.method,
        path,
        route,
        body: envelope.body,
        is_base64: envelope.is_base64,
        accepts_calendar: envelope.accepts_calendar,
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
    /// Whether the caller asked for an iCalendar file (`Accept: text/calendar`); only the plan
    /// route has one.
    pub fn wants_calendar(&self) -> bool {
        self.accepts_calendar && matches!(self.route, Some((_, _, Route::Plan)))
    }

    /// The action this request asks for, or why it cannot be served (404, 405, 413, 400, 422).
    pub fn action(&self) -> Result<Action, ApiError> {
        let Some((path, method, route)) = self.route else {
            return Err(ApiError::new(
                Code::UnknownRoute,
                format!(
                    "no route {} {}; routes: {}",
                    self.method,
                    self.path,
                    ROUTES
                        .iter()
                        .map(|(path, method, _)| format!("{method} {path}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        };
        if self.method != method {
            return Err(ApiError::method_not_allowed(
                method,
                format!("{path} accepts {method}, not {}", self.method),
            ));
        }
        let name = match route {
            Route::Health => return Ok(Action::Health),
            Route::Collections => return Ok(Action::Collections),
            Route::OpenApi => return Ok(Action::OpenApi),
            Route::Search => "search",
            Route::Plan => "plan",
        };
        let text = self.body()?;
        if let Some(problem) = text.problem {
            return Err(problem);
        }
        guard::fault_point(&text.text);
        let request = payload::Request {
            text: &text.text,
            without: None,
        };
        action::action(name, request)
    }

    /// The body as text: base64-decoded when flagged, at most [`MAX_BODY_BYTES`], not empty
    /// (a body the event carried as text is borrowed and not checked for UTF-8 again).
    fn body(&self) -> Result<payload::Text<'_>, ApiError> {
        let raw = self.body.as_deref().unwrap_or("");
        // Checked before decoding too, so an oversized body is never copied.
        let limit = if self.is_base64 {
            MAX_BODY_BYTES.div_ceil(3) * 4
        } else {
            MAX_BODY_BYTES
        };
        if raw.len() > limit {
            return Err(too_large(raw.len()));
        }
        // Blank before a byte-order mark is dropped (a lone mark is not a missing body).
        let blank = |bytes: &[u8]| bytes.iter().all(u8::is_ascii_whitespace);
        let (bytes, blank, text) = if self.is_base64 {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(raw.trim())
                .map_err(|e| {
                    ApiError::new(
                        Code::InvalidBase64,
                        format!("the body is flagged base64 but does not decode: {e}"),
                    )
                })?;
            (bytes.len(), blank(&bytes), payload::text_owned(bytes))
        } else {
            (raw.len(), blank(raw.as_bytes()), payload::text_str(raw))
        };
        if bytes > MAX_BODY_BYTES {
            return Err(too_large(bytes));
        }
        if blank {
            return Err(ApiError::new(
                Code::MissingBody,
                format!("{} {} needs a JSON body", self.method, self.path),
            ));
        }
        Ok(text)
    }
}

fn too_large(bytes: usize) -> ApiError {
    ApiError::new(
        Code::BodyTooLarge,
        format!("the body has {bytes} bytes; the limit is {MAX_BODY_BYTES}"),
    )
}

/// A proxy response of either format.
#[derive(Debug, serde::Serialize)]
#[serde(untagged)]
pub enum HttpResponse {
    /// Payload 1.0.
    RestV1(ApiGatewayProxyResponse),
    /// Payload 2.0 (HTTP API, Function URL).
    HttpV2(ApiGatewayV2httpResponse),
}

impl HttpResponse {
    /// The status code.
    pub fn status(&self) -> u16 {
        let code = match self {
            HttpResponse::RestV1(r) => r.status_code,
            HttpResponse::HttpV2(r) => r.status_code,
        };
        u16::try_from(code).unwrap_or(500)
    }
}

fn header(value: &str) -> HeaderValue {
    HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

/// Content type of iCalendar bodies.
pub const CALENDAR_TYPE: &str = "text/calendar; charset=utf-8";

/// The proxy response in the event's format (payload 2.0 carries `cookies`, which strict readers
/// of Function URL responses, such as cargo-lambda's emulator, require).
pub fn response(
    format: Format,
    status: u16,
    body: String,
    request_id: &str,
    allow: Option<&str>,
) -> HttpResponse {
    typed_response(format, status, body, "application/json", request_id, allow)
}

/// [`response`] with another content type.
pub fn typed_response(
    format: Format,
    status: u16,
    body: String,
    content_type: &'static str,
    request_id: &str,
    allow: Option<&str>,
) -> HttpResponse {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static(content_type));
    headers.insert("x-request-id", header(request_id));
    if let Some(allow) = allow {
        headers.insert("allow", header(allow));
    }
    let status_code = i64::from(status);
    let body = Some(ResponseBody::Text(body));
    match format {
        Format::RestV1 => {
            let mut r = ApiGatewayProxyResponse::default();
            r.status_code = status_code;
            r.headers = headers;
            r.body = body;
            HttpResponse::RestV1(r)
        }
        Format::HttpV2 => {
            let mut r = ApiGatewayV2httpResponse::default();
            r.status_code = status_code;
            r.headers = headers;
            r.body = body;
            HttpResponse::HttpV2(r)
        }
    }
}

/// The proxy response for an error.
pub fn error_response(format: Format, error: &ApiError, request_id: &str) -> HttpResponse {
    response(
        format,
        error.status(),
        plan_index_api::encode_error(error),
        request_id,
        error.allow,
    )
}
