//! HTTP events (API Gateway REST v1, HTTP API v2, Function URLs): the typed request out of the
//! event, the route table, and the typed proxy response.
//!
//! REST APIs and HTTP APIs on a named stage put the stage in front of the path
//! (`/prod/v1/search`), and a `{proxy+}` resource carries the path in `pathParameters`, so
//! every spelling the event offers is tried against the route table, with and without the stage.

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body as ResponseBody;
use aws_lambda_events::http::{HeaderMap, HeaderValue};
use base64::Engine as _;
use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, Visitor};
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
    stage: Option<Cow<'a, str>>,
    paths: Vec<Cow<'a, str>>,
    body: Option<Cow<'a, str>>,
    is_base64: bool,
    accepts_calendar: bool,
}

/// The members of an HTTP event the router reads, in either payload format, borrowed from the
/// event. `aws_lambda_events`' request types own every field of the event (about 40 strings
/// and maps for a typical request: 2.8 of the 12 us a search over 100 x 1536 takes), so the
/// handler reads this view instead: the fields it uses are typed and checked as strictly as
/// before (a method that is not a token, a path or header that is not a string, a body or
/// flag of the wrong type: `invalid_event`), the members it does not use are not parsed.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventView<'a> {
    /// Payload 1.0's method.
    #[serde(borrow, default)]
    http_method: Option<Cow<'a, str>>,
    /// Payload 1.0's path.
    #[serde(borrow, default)]
    path: Option<Cow<'a, str>>,
    /// Payload 2.0's path.
    #[serde(borrow, default)]
    raw_path: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    request_context: Option<ContextView<'a>>,
    #[serde(borrow, default)]
    path_parameters: Option<ProxyView<'a>>,
    #[serde(default)]
    headers: Option<Accept>,
    /// Payload 1.0's repeated headers.
    #[serde(default)]
    multi_value_headers: Option<Accept>,
    #[serde(default)]
    is_base64_encoded: Option<bool>,
    /// Read only when the whole event is decoded; otherwise held back by
    /// [`payload::decode_members`].
    #[serde(borrow, default)]
    body: Option<Cow<'a, str>>,
}

#[derive(Debug, Default, Deserialize)]
struct ContextView<'a> {
    #[serde(borrow, default)]
    stage: Option<Cow<'a, str>>,
    /// Payload 1.0's resource path.
    #[serde(borrow, default)]
    path: Option<Cow<'a, str>>,
    /// Payload 2.0's method and path.
    #[serde(borrow, default)]
    http: Option<HttpView<'a>>,
}

#[derive(Debug, Default, Deserialize)]
struct HttpView<'a> {
    #[serde(borrow, default)]
    method: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    path: Option<Cow<'a, str>>,
}

/// The `{proxy+}` path parameter.
#[derive(Debug, Default, Deserialize)]
struct ProxyView<'a> {
    #[serde(borrow, default)]
    proxy: Option<Cow<'a, str>>,
}

/// Whether a header map has an `Accept` header (any case; a string, or for payload 1.0's
/// `multiValueHeaders` a list of them) that asks for iCalendar. Other headers are not read.
#[derive(Debug, Default)]
struct Accept(bool);

impl<'de> Deserialize<'de> for Accept {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Accept, D::Error> {
        struct AcceptVisitor;
        impl<'de> Visitor<'de> for AcceptVisitor {
            type Value = Accept;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map of headers")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Accept, A::Error> {
                let mut calendar = false;
                while let Some(name) = map.next_key::<Cow<'de, str>>()? {
                    if name.eq_ignore_ascii_case("accept") {
                        calendar |= map
                            .next_value::<Values<'de>>()?
                            .0
                            .iter()
                            .any(|v| v.to_ascii_lowercase().contains("text/calendar"));
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Accept(calendar))
            }
        }
        d.deserialize_map(AcceptVisitor)
    }
}

/// A header's value: one string, a list of them (payload 1.0's `multiValueHeaders`), or null.
struct Values<'a>(Vec<Cow<'a, str>>);

impl<'de> Deserialize<'de> for Values<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Values<'de>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany<'a> {
            One(#[serde(borrow)] Cow<'a, str>),
            Many(#[serde(borrow)] Vec<Cow<'a, str>>),
            None(()),
        }
        Ok(Values(match OneOrMany::deserialize(d)? {
            OneOrMany::One(v) => vec![v],
            OneOrMany::Many(v) => v,
            OneOrMany::None(()) => Vec::new(),
        }))
    }
}

/// Whether `method` is an HTTP token (RFC 9110 `tchar`s), as `http::Method` requires.
fn is_token(method: &str) -> bool {
    !method.is_empty()
        && method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

impl<'a> EventView<'a> {
    /// The envelope in `format`: its method must be a token.
    fn envelope(self, format: Format) -> Result<Envelope<'a>, ApiError> {
        let context = self.request_context.unwrap_or_default();
        let proxy = self
            .path_parameters
            .and_then(|p| p.proxy)
            .map(|p| Cow::Owned(format!("/{p}")));
        let (method, paths, accept) = match format {
            Format::RestV1 => (
                self.http_method,
                [self.path, context.path, proxy],
                self.headers.unwrap_or_default().0
                    || self.multi_value_headers.unwrap_or_default().0,
            ),
            Format::HttpV2 => {
                let http = context.http.unwrap_or_default();
                (
                    http.method,
                    [self.raw_path, http.path, proxy],
                    self.headers.unwrap_or_default().0,
                )
            }
        };
        let method = method.filter(|m| is_token(m)).ok_or_else(|| {
            ApiError::new(
                Code::InvalidEvent,
                "the HTTP event does not decode: its method is missing or not an HTTP token",
            )
        })?;
        Ok(Envelope {
            method: method.to_ascii_uppercase(),
            stage: context.stage,
            paths: paths.into_iter().flatten().collect(),
            body: self.body,
            is_base64: self.is_base64_encoded.unwrap_or(false),
            accepts_calendar: accept,
        })
    }
}

/// Reads the fields of the HTTP event the router uses (a borrowed view, `EventView`), then
/// routes it. An envelope that does not decode (a body that is not a string, a method that is
/// not a token) is an `invalid_event`, answered in the same format. The view comes from the `members` [`payload::classify`] read, with the
/// body held back as text (borrowed from the event unless it has escapes): see
/// [`payload::decode_members`]; where that declines, from the whole text.
pub fn request<'a>(
    text: &'a str,
    members: &payload::Top<'a>,
    format: Format,
) -> Result<HttpRequest<'a>, ApiError> {
    let view = match payload::decode_members::<EventView<'a>>(members, "body") {
        Some((mut view, body)) => {
            view.body = body;
            view
        }
        None => whole(text)?,
    };
    Ok(route(view.envelope(format)?))
}

/// The view decoded from the whole event, refused when it nests too deep anywhere (as the
/// whole event was, when it was decoded into `aws_lambda_events`' types), with its errors and
/// repairs ([`payload::decode_with`]).
fn whole(text: &str) -> Result<EventView<'_>, ApiError> {
    payload::check_depth(text)?;
    match serde_json::from_str::<EventView<'_>>(text) {
        Ok(view) => Ok(view),
        // The repaired copy does not outlive this call: read it through serde_json's reader,
        // which hands out no borrowed strings, so the view owns them.
        Err(_) => payload::decode_with(
            text,
            |t: &str| {
                let mut de = serde_json::Deserializer::from_reader(t.as_bytes());
                let view = EventView::<'static>::deserialize(&mut de)?;
                de.end().map(|()| view)
            },
            |e, _| {
                ApiError::new(
                    Code::InvalidEvent,
                    format!("the HTTP event does not decode: {e}"),
                )
            },
        ),
    }
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
            vector: None,
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
