//! The invocation payload as bytes, decoded by us rather than by the runtime.
//!
//! lambda_runtime would deserialize the payload before our handler runs, and anything its
//! deserializer refuses (nesting past serde_json's recursion limit, an escaped lone surrogate
//! such as `"\ud800"`, which Python's `json.dumps` emits, a UTF-8 BOM, bytes that are not UTF-8)
//! would reach the caller as the runtime's `DeserializeError`, never as our error shape, and an
//! HTTP event would get no status code. So `main.rs` hands us the raw bytes and this module:
//!
//! - strips a UTF-8 byte-order mark and checks UTF-8 ([`text`]); invalid bytes are replaced
//!   for classification only, and the request is refused with `invalid_utf8`;
//! - classifies the event from a shallow view of its top level ([`classify`]): member values
//!   are only skimmed (serde_json skims iteratively, without a depth limit, and does not judge
//!   escapes), so an HTTP event is recognised as one however deep or odd its contents;
//! - decodes the carrier's typed envelope and the typed request straight from the text
//!   ([`decode`], [`Request`]): no `serde_json::Value` tree for a search or plan;
//! - explains a failure: nesting deeper than [`MAX_DEPTH`] is `json_too_deep`, and an escaped
//!   lone surrogate is replaced by U+FFFD (`\ufffd`, the same six bytes) and the text decoded
//!   again. Both checks run only after a decode failed, so valid payloads pay nothing.

use std::borrow::Cow;

use plan_index_api::action::{self, Action, Decode, Members};
pub use plan_index_api::json_scan::string;
use plan_index_api::json_scan::{brackets, skip_ws, string_end};
use plan_index_api::{ApiError, Code};
use plan_index_api::{ParsedVector, json_f32};
use serde::Deserialize;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, IntoDeserializer, MapAccess,
    Visitor,
};
use serde_json::value::RawValue;

use super::Source;

/// Deepest nesting of arrays and objects accepted (serde_json's recursion limit is 128).
pub const MAX_DEPTH: usize = 127;

/// The UTF-8 byte-order mark some clients put before JSON.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Payload bytes as text: without a BOM, and with invalid UTF-8 replaced (then `problem` says
/// why the request is refused).
#[derive(Debug)]
pub struct Text<'a> {
    /// The text.
    pub text: Cow<'a, str>,
    /// Why the bytes cannot be served as they are.
    pub problem: Option<ApiError>,
}

/// `bytes` as text: a leading UTF-8 BOM dropped, invalid UTF-8 reported.
pub fn text(bytes: &[u8]) -> Text<'_> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Text {
            text: Cow::Borrowed(text),
            problem: None,
        },
        Err(e) => Text {
            text: String::from_utf8_lossy(bytes),
            problem: Some(ApiError::new(
                Code::InvalidUtf8,
                format!(
                    "the JSON text is not UTF-8: invalid bytes at byte {}",
                    e.valid_up_to()
                ),
            )),
        },
    }
}

/// Text that is already UTF-8 (an HTTP body as the event carried it, an SQS message body):
/// only a leading byte-order mark dropped, no second UTF-8 check.
pub fn text_str(text: &str) -> Text<'_> {
    Text {
        text: Cow::Borrowed(text.strip_prefix('\u{feff}').unwrap_or(text)),
        problem: None,
    }
}

/// [`text`] of bytes the caller owns (a base64-decoded body), kept without a copy when they
/// are UTF-8.
pub fn text_owned(bytes: Vec<u8>) -> Text<'static> {
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..'\u{feff}'.len_utf8());
            }
            Text {
                text: Cow::Owned(text),
                problem: None,
            }
        }
        Err(e) => {
            let read = self::text(e.as_bytes());
            Text {
                text: Cow::Owned(read.text.into_owned()),
                problem: read.problem,
            }
        }
    }
}

/// The top level of an event: the members [`classify`] looks at, as their raw JSON text.
#[derive(Debug, Default)]
struct Shape<'a> {
    records: Option<&'a str>,
    detail_type: Option<&'a str>,
    detail: Option<&'a str>,
    request_context: Option<&'a str>,
    http_method: Option<&'a str>,
    action: Option<&'a str>,
}

/// The members [`Shape`] reads, for serde_json to refuse an event that is not JSON or repeats
/// one of them (its error, such as "duplicate field `action`", is what the event gets). Only
/// its error is used.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Unique {
    #[serde(rename = "Records")]
    records: Option<IgnoredAny>,
    #[serde(rename = "detail-type")]
    detail_type: Option<IgnoredAny>,
    detail: Option<IgnoredAny>,
    #[serde(rename = "requestContext")]
    request_context: Option<IgnoredAny>,
    #[serde(rename = "httpMethod")]
    http_method: Option<IgnoredAny>,
    action: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct RecordShape<'a> {
    #[serde(rename = "eventSource", borrow)]
    event_source: Option<&'a RawValue>,
    #[serde(rename = "messageId", borrow)]
    message_id: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ContextShape<'a> {
    #[serde(borrow)]
    http: Option<&'a RawValue>,
    #[serde(rename = "domainName", borrow)]
    domain_name: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct HttpShape<'a> {
    #[serde(borrow)]
    method: Option<&'a RawValue>,
}

/// The members [`RequestShape`] reads.
const REQUEST_NAMES: [&str; 3] = ["action", "collection", "race"];

/// A request's own members that name its action (see [`action::action_name`]).
#[derive(Deserialize)]
struct RequestShape<'a> {
    #[serde(borrow)]
    action: Option<&'a RawValue>,
    #[serde(borrow)]
    collection: Option<&'a RawValue>,
    #[serde(borrow)]
    race: Option<&'a RawValue>,
}

/// An event, classified: its source, for a direct invocation the action it names, and the
/// top-level members it was classified from (so the carrier's envelope is decoded from them
/// without reading the event again, see [`decode_members`]).
#[derive(Debug)]
pub struct Event<'a> {
    /// Which trigger sent it.
    pub source: Source,
    /// A direct invocation's `action` (a string).
    pub action: Option<Cow<'a, str>>,
    /// Why an event of unknown shape is refused.
    pub refusal: Option<ApiError>,
    /// The event's top-level members (empty when they could not be read in one skim).
    pub members: Top<'a>,
}

fn is_string(raw: Option<&str>) -> bool {
    raw.is_some_and(|r| r.starts_with('"'))
}

fn is_object(raw: &str) -> bool {
    raw.starts_with('{')
}

fn skim<'a, T: Deserialize<'a>>(raw: &'a str) -> Option<T> {
    is_object(raw)
        .then(|| serde_json::from_str(raw).ok())
        .flatten()
}

/// The top-level members of a JSON object, read in one skim: each name (borrowed unless it has
/// escapes) and its value's raw JSON text. Values are stepped over the way serde_json skims
/// (no depth limit, escapes not judged), so reading them costs one pass over the event, which
/// then serves both [`classify`] and the carrier's envelope ([`decode_members`]). String
/// values, such as an HTTP body that holds a whole request, are stepped over by `members`
/// with memchr rather than byte by byte.
#[derive(Debug, Default)]
pub struct Top<'a>(Vec<(Key<'a>, &'a str)>, Option<ParsedVector>);

impl<'a> Top<'a> {
    /// The value of the member `name` (the first, when it is repeated).
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.0
            .iter()
            .find(|(key, _)| key.as_str() == name)
            .map(|(_, value)| *value)
    }

    /// The top-level `"vector"` as [`json_f32::vectors`] read it while stepping over it (a
    /// direct invocation's query: read once, here, instead of skimmed here and read again by
    /// the search), when it was plain numbers.
    pub fn vector(&self) -> Option<&ParsedVector> {
        self.1.as_ref()
    }

    /// How many members are called `name`.
    fn count(&self, name: &str) -> usize {
        self.0
            .iter()
            .filter(|(key, _)| key.as_str() == name)
            .count()
    }

    /// Whether any of `names` is a member more than once (serde_json refuses a struct whose
    /// field is repeated, so a reader of those names leaves such an object to it).
    fn repeats_any(&self, names: &[&str]) -> bool {
        names.iter().any(|name| self.count(name) > 1)
    }

    /// Whether the object was read (an empty object reads as no members too, which the
    /// callers treat the same way: they fall back to the text).
    fn is_read(&self) -> bool {
        !self.0.is_empty()
    }
}

impl<'de> Deserialize<'de> for Top<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Top<'de>, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Top<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top<'de>, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some((key, value)) = map.next_entry::<Key<'de>, &'de RawValue>()? {
                    members.push((key, value.get()));
                }
                Ok(Top(members, None))
            }
        }
        d.deserialize_map(MembersVisitor)
    }
}

/// The names [`Shape`] reads; a repeated one is an error of the typed skim, so an event that
/// repeats one is classified by that skim, which says so.
const SHAPE_NAMES: [&str; 6] = [
    "Records",
    "detail-type",
    "detail",
    "requestContext",
    "httpMethod",
    "action",
];

impl<'a> Shape<'a> {
    /// The shape from the members, or `None` when a member [`Shape`] reads is repeated.
    fn from_members(members: &Top<'a>) -> Option<Shape<'a>> {
        if members.repeats_any(&SHAPE_NAMES) {
            return None;
        }
        Some(Shape {
            records: members.get("Records"),
            detail_type: members.get("detail-type"),
            detail: members.get("detail"),
            request_context: members.get("requestContext"),
            http_method: members.get("httpMethod"),
            action: members.get("action"),
        })
    }
}

/// Which source sent the event in `text`, from its shape (the rules of the previous
/// `Value`-based classifier, on a skimmed top level).
pub fn classify(text: &str) -> Event<'_> {
    if action::text_type(text.as_bytes()) != "an object" {
        return unknown(unsupported(action::text_type(text.as_bytes())));
    }
    // One skim into the members (serde_json's when the fast one declines); what they cannot
    // say as serde_json would (broken JSON, a repeated member) is left to it, for its error.
    let members = self::members(text)
        .or_else(|| serde_json::from_str::<Top<'_>>(text).ok())
        .unwrap_or_default();
    let shape = match Shape::from_members(&members).filter(|_| members.is_read()) {
        Some(shape) => shape,
        None => match serde_json::from_str::<Unique>(text) {
            Ok(_) => Shape::default(),
            Err(e) => return unknown(action::malformed(&e)),
        },
    };
    let mut event = classify_shape(text, &shape);
    event.members = members;
    event
}

fn unknown<'a>(refusal: ApiError) -> Event<'a> {
    Event {
        source: Source::Unknown,
        action: None,
        refusal: Some(refusal),
        members: Top::default(),
    }
}

fn classify_shape<'a>(text: &str, shape: &Shape<'a>) -> Event<'a> {
    let event = |source| Event {
        source,
        action: None,
        refusal: None,
        members: Top::default(),
    };
    if let Some(records) = shape.records {
        let records: Vec<RecordShape<'_>> = records
            .starts_with('[')
            .then(|| serde_json::from_str(records).ok())
            .flatten()
            .unwrap_or_default();
        let all_sqs = !records.is_empty()
            && records
                .iter()
                .all(|r| r.event_source.map(RawValue::get) == Some("\"aws:sqs\""));
        if all_sqs {
            return event(Source::Sqs);
        }
        let from = records
            .first()
            .and_then(|r| r.event_source)
            .map(RawValue::get)
            .and_then(string)
            .map(|s| format!(" (records from {s})"))
            .unwrap_or_default();
        return unknown(unsupported_object(text, &from));
    }
    if shape.detail_type.is_some() && shape.detail.is_some() {
        return event(Source::EventBridge);
    }
    if let Some(context) = shape.request_context.filter(|c| is_object(c)) {
        let context: Option<ContextShape<'_>> = skim(context);
        let http = context.as_ref().and_then(|c| c.http).map(RawValue::get);
        let method = http
            .and_then(skim::<HttpShape<'_>>)
            .and_then(|h| h.method)
            .map(RawValue::get);
        // An `http` context is a payload 2.0 event even without a usable method: it is
        // answered as one (an `invalid_event` response), never as a function error.
        if is_string(method) || http.is_some_and(is_object) {
            let domain = context
                .and_then(|c| c.domain_name)
                .map(RawValue::get)
                .and_then(string);
            return event(if domain.is_some_and(|d| d.contains(".lambda-url.")) {
                Source::FunctionUrl
            } else {
                Source::HttpApi
            });
        }
        if is_string(shape.http_method) {
            return event(Source::RestApi);
        }
        return unknown(unsupported_object(text, ""));
    }
    if let Some(action) = shape.action {
        // A direct invocation names its action; one that is not a string is answered as a
        // direct error, not a function error.
        return match string(action).filter(|_| is_string(Some(action))) {
            Some(name) => Event {
                source: Source::Direct,
                action: Some(name),
                refusal: None,
                members: Top::default(),
            },
            None => Event {
                source: Source::Direct,
                action: None,
                refusal: Some(ApiError::new(
                    Code::UnknownAction,
                    format!(
                        "\"action\" must be a string, got {}",
                        action::text_type(action.as_bytes())
                    ),
                )),
                members: Top::default(),
            },
        };
    }
    unknown(unsupported_object(text, ""))
}

fn unsupported_object(text: &str, from: &str) -> ApiError {
    let keys: Vec<String> =
        serde_json::from_str::<std::collections::BTreeMap<String, IgnoredAny>>(text)
            .map(|m| m.into_keys().take(8).collect())
            .unwrap_or_default();
    unsupported(&format!("an object with keys {keys:?}{from}"))
}

fn unsupported(what: &str) -> ApiError {
    ApiError::new(
        Code::UnsupportedEvent,
        format!(
            "unsupported event: {what}; send an API Gateway or Function URL request, an SQS batch, an EventBridge event or {{\"...\":\"the request body\",\"action\":\"search|plan|health\"}}"
        ),
    )
}

/// What a scan of JSON text found: its deepest nesting, and the text with every escaped lone
/// surrogate replaced by `\ufffd` (when it had one).
struct Scan {
    depth: usize,
    repaired: Option<String>,
}

fn hex4(bytes: &[u8]) -> Option<u16> {
    let digits = std::str::from_utf8(bytes.get(..4)?).ok()?;
    u16::from_str_radix(digits, 16).ok()
}

/// One pass over the bytes outside and inside strings (no parsing, no allocation unless a
/// surrogate is replaced).
fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let (mut depth, mut deepest, mut in_string) = (0usize, 0usize, false);
    let mut lone = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match (in_string, bytes[i]) {
            (false, b'[' | b'{') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (false, b']' | b'}') => depth = depth.saturating_sub(1),
            (_, b'"') => in_string = !in_string,
            (true, b'\\') if bytes.get(i + 1) == Some(&b'u') => {
                let unit = hex4(&bytes[i + 2..]);
                let next = (bytes.get(i + 6..i + 8) == Some(b"\\u"))
                    .then(|| hex4(&bytes[i + 8..]))
                    .flatten();
                match (unit, next) {
                    (Some(0xD800..=0xDBFF), Some(0xDC00..=0xDFFF)) => i += 6,
                    (Some(0xD800..=0xDFFF), _) => lone.push(i),
                    _ => {}
                }
                i += 5;
            }
            (true, b'\\') => i += 1,
            _ => {}
        }
        i += 1;
    }
    let repaired = (!lone.is_empty()).then(|| {
        let mut fixed = bytes.to_vec();
        for at in lone {
            fixed[at..at + 6].copy_from_slice(b"\\ufffd");
        }
        // Only ASCII was overwritten with ASCII: still UTF-8.
        String::from_utf8_lossy(&fixed).into_owned()
    });
    Scan {
        depth: deepest,
        repaired,
    }
}

/// The refusal of text nested deeper than [`MAX_DEPTH`].
fn too_deep(depth: usize) -> ApiError {
    ApiError::new(
        Code::JsonTooDeep,
        format!(
            "the JSON nests {depth} levels deep; the limit is {MAX_DEPTH} levels of arrays and objects"
        ),
    )
}

/// `json_too_deep` when `text` nests arrays and objects deeper than [`MAX_DEPTH`]: for a text
/// whose members are not all decoded (members serde_json only skims are not depth-limited).
pub fn check_depth(text: &str) -> Result<(), ApiError> {
    match scan(text).depth {
        depth if depth > MAX_DEPTH => Err(too_deep(depth)),
        _ => Ok(()),
    }
}

/// Decodes `text` with `parse`; when that fails, says `json_too_deep` for text nested too
/// deep, or retries once with escaped lone surrogates replaced; otherwise maps the first error
/// with `refuse`.
pub fn decode_with<T>(
    text: &str,
    parse: impl Fn(&str) -> Result<T, serde_json::Error>,
    refuse: impl Fn(&serde_json::Error, &str) -> ApiError,
) -> Result<T, ApiError> {
    let first = match parse(text) {
        Ok(value) => return Ok(value),
        Err(e) => e,
    };
    if first.is_data() {
        return Err(refuse(&first, text));
    }
    let scan = scan(text);
    if scan.depth > MAX_DEPTH {
        return Err(too_deep(scan.depth));
    }
    match scan.repaired {
        Some(fixed) => parse(&fixed).map_err(|e| refuse(&e, &fixed)),
        None => Err(refuse(&first, text)),
    }
}

/// Decodes a carrier's typed envelope (an API Gateway request, an SQS batch, an EventBridge
/// event); what does not decode is an `invalid_event` naming `what`.
pub fn decode<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, ApiError> {
    decode_with(
        text,
        |t: &str| serde_json::from_str::<T>(t),
        |e, _| {
            ApiError::new(
                Code::InvalidEvent,
                format!("the {what} does not decode: {e}"),
            )
        },
    )
}

/// The members of the JSON object `text`, its string values stepped over by [`string_end`]
/// and the others by serde_json; `None` for anything not plain (a member name with escapes,
/// text after the object, anything serde_json might judge otherwise), which [`classify`] then
/// reads with serde_json, so what is accepted and every error stay serde_json's.
fn members(text: &str) -> Option<Top<'_>> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    let mut members = Vec::with_capacity(16);
    let mut vector = None;
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return (skip_ws(b, i + 1) == b.len()).then_some(Top(members, None));
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let end = string_end(b, i)?;
        let name = text.get(i + 1..end - 1)?;
        if name.contains('\\') {
            return None;
        }
        i = skip_ws(b, end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        let end = if b.get(i) == Some(&b'"') {
            string_end(b, i)?
        } else if name == "vector"
            && vector.is_none()
            && let Some((vectors, end)) = json_f32::vectors(b, i)
        {
            vector = Some(ParsedVector {
                at: i,
                end,
                vectors,
            });
            end
        } else {
            let mut values =
                serde_json::Deserializer::from_str(text.get(i..)?).into_iter::<IgnoredAny>();
            values.next()?.ok()?;
            i + values.byte_offset()
        };
        members.push((Key::Borrowed(name), text.get(i..end)?));
        i = skip_ws(b, end);
        match b.get(i)? {
            b',' => i = skip_ws(b, i + 1),
            b'}' => return (skip_ws(b, i + 1) == b.len()).then_some(Top(members, vector)),
            _ => return None,
        }
    }
}

/// Decodes a view of an event (a type that borrows the fields it reads, see
/// [`super::http`]) from the members [`classify`] read: only the members the view's fields
/// name are handed to it, each parsed once from its own text, and the member `hidden` (an HTTP
/// event's body) is held back and returned as text, borrowed from the event when it has no
/// escapes, unescaped once when it has. So the event is not read again, the body is neither
/// skimmed again nor copied twice, and members the view does not read are not parsed at all.
///
/// `None` where this might not give exactly what decoding the whole text gives (no members,
/// `hidden` repeated or not a string or null or holding a lone surrogate, any member nested
/// near [`MAX_DEPTH`], read or not, a member that does not decode): the caller then checks the
/// depth of the whole text ([`check_depth`]) and decodes it ([`decode_with`]), which gives the
/// errors and the repairs.
pub fn decode_members<'a, T: Deserialize<'a>>(
    members: &Top<'a>,
    hidden: &str,
) -> Option<(T, Option<Cow<'a, str>>)> {
    if !members.is_read() || members.count(hidden) > 1 {
        return None;
    }
    let held = match members.get(hidden) {
        None => None,
        Some("null") => None,
        Some(raw) => Some(string(raw)?),
    };
    // serde_json's depth limit counts from the event's top, so a member decoded alone may nest
    // one level deeper than it could in the event: any member that might be that deep (as
    // many brackets as the limit, counted without parsing) is left to the whole decode.
    let shallow = |raw: &str| brackets(raw) < MAX_DEPTH;
    if !members
        .0
        .iter()
        .all(|(key, raw)| key.as_str() == hidden || shallow(raw))
    {
        return None;
    }
    let view = T::deserialize(MemberMap { members, hidden }).ok()?;
    Some((view, held))
}

/// The members of an event but `hidden`, as a map whose values serde_json parses one at a
/// time. A struct is handed only the members it names (the field list serde's derive passes
/// to `deserialize_struct`), so members it would ignore are not parsed again.
struct MemberMap<'m, 'a> {
    members: &'m Top<'a>,
    hidden: &'m str,
}

impl<'de> MemberMap<'_, 'de> {
    fn visit<V: Visitor<'de>>(
        self,
        visitor: V,
        read: impl Fn(&str) -> bool,
    ) -> Result<V::Value, serde_json::Error> {
        let hidden = self.hidden;
        visitor.visit_map(MemberValues {
            members: self
                .members
                .0
                .iter()
                .filter(|(key, _)| key.as_str() != hidden && read(key.as_str())),
            value: None,
        })
    }
}

impl<'de> Deserializer<'de> for MemberMap<'_, 'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.visit(visitor, |_| true)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.visit(visitor, |key| fields.contains(&key))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum
        identifier ignored_any
    }
}

/// [`MemberMap`]'s entries: each value parsed from its own text when it is asked for.
struct MemberValues<'a, I> {
    members: I,
    value: Option<&'a str>,
}

impl<'de, 'm, I> MapAccess<'de> for MemberValues<'de, I>
where
    I: Iterator<Item = &'m (Key<'de>, &'de str)>,
    'de: 'm,
{
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        let Some((key, raw)) = self.members.next() else {
            return Ok(None);
        };
        self.value = Some(raw);
        seed.deserialize(de::value::StrDeserializer::<serde_json::Error>::new(
            key.as_str(),
        ))
        .map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, Self::Error> {
        let raw = self.value.take().unwrap_or("null");
        let mut de = serde_json::Deserializer::from_str(raw);
        let value = seed.deserialize(&mut de)?;
        de.end().map(|()| value)
    }
}

/// A request's JSON text, decoded straight into the typed request, with one top-level member
/// hidden from it (a direct invocation's `action`).
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The JSON text.
    pub text: &'a str,
    /// A top-level member that is not part of the request.
    pub without: Option<&'static str>,
    /// Its top-level `"vector"`, when [`classify`] read it from `text` ([`Top::vector`]).
    pub vector: Option<&'a ParsedVector>,
}

impl Decode for Request<'_> {
    fn decode<T: DeserializeOwned>(self, what: &str) -> Result<T, ApiError> {
        let parse = |text: &str| {
            let mut de = serde_json::Deserializer::from_str(text);
            let value = match self.without {
                Some(key) => T::deserialize(Without {
                    inner: &mut de,
                    key,
                }),
                None => T::deserialize(&mut de),
            }?;
            de.end().map(|()| value)
        };
        decode_with(self.text, parse, |e, text| {
            action::refused(e, text.as_bytes(), what)
        })
    }

    fn text(&self) -> Option<&str> {
        Some(self.text)
    }

    fn decode_text<T: DeserializeOwned>(&self, text: &str, what: &str) -> Result<T, ApiError> {
        Request {
            text,
            without: self.without,
            vector: None,
        }
        .decode(what)
    }

    fn parsed_vector(&self) -> Option<&ParsedVector> {
        self.vector
    }
}

/// An event-borne request (direct, SQS record, EventBridge detail): its action named by
/// `action`, or inferred from its members when `infer` allows (see [`action::action_name`]).
pub fn event_request(text: &str, infer: bool) -> Result<Action, ApiError> {
    let kind = action::text_type(text.as_bytes());
    if kind != "an object" {
        return Err(ApiError::new(
            Code::InvalidBody,
            format!("the request must be a JSON object, got {kind}"),
        ));
    }
    // One skim into the members, a plain-number `"vector"` read on the way for the search to
    // reuse ([`members`]); what it cannot say as serde_json would (broken JSON, a repeated
    // member) is left to serde_json's skim, for its error. `null` is an absent member, as an
    // `Option` field reads it.
    let top = members(text).filter(|top| top.is_read() && !top.repeats_any(&REQUEST_NAMES));
    let (action_raw, collection, race) = match &top {
        Some(top) => {
            let get = |name| top.get(name).filter(|raw| *raw != "null");
            (
                get("action"),
                get("collection").is_some(),
                get("race").is_some(),
            )
        }
        None => {
            let shape: RequestShape<'_> =
                serde_json::from_str(text).map_err(|e| action::malformed(&e))?;
            (
                shape.action.map(RawValue::get),
                shape.collection.is_some(),
                shape.race.is_some(),
            )
        }
    };
    let named = action_raw.map(|a| string(a).ok_or(action::text_type(a.as_bytes())));
    let name = match &named {
        Some(Ok(name)) => Some(Ok(name.as_ref())),
        Some(Err(got)) => Some(Err(*got)),
        None => None,
    };
    let members = Members {
        action: name,
        collection,
        race,
    };
    let name = action::action_name(members, infer)?;
    action::action(
        name,
        Request {
            text,
            without: Some("action"),
            vector: top.as_ref().and_then(Top::vector),
        },
    )
}

/// An SQS record's `messageId`s, read from a batch whose envelope did not decode.
pub fn message_ids(text: &str) -> Vec<String> {
    #[derive(Deserialize)]
    struct Batch<'a> {
        #[serde(rename = "Records", borrow)]
        records: Vec<&'a RawValue>,
    }
    let Ok(batch) = serde_json::from_str::<Batch<'_>>(text) else {
        return Vec::new();
    };
    batch
        .records
        .iter()
        .map(|r| {
            skim::<RecordShape<'_>>(r.get())
                .and_then(|r| r.message_id)
                .map(RawValue::get)
                .and_then(string)
                .map(Cow::into_owned)
                .unwrap_or_default()
        })
        .collect()
}

/// A deserializer that hides one member of the top-level object from what it decodes.
struct Without<D> {
    inner: D,
    key: &'static str,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Without<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_any(WithoutVisitor {
            inner: visitor,
            key: self.key,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = WithoutVisitor {
            inner: visitor,
            key: self.key,
        };
        self.inner.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(WithoutVisitor {
            inner: visitor,
            key: self.key,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct enum identifier ignored_any
    }
}

struct WithoutVisitor<V> {
    inner: V,
    key: &'static str,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for WithoutVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(WithoutMap { map, key: self.key })
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.inner.visit_seq(seq)
    }
}

struct WithoutMap<A> {
    map: A,
    key: &'static str,
}

/// A member name, borrowed from the text when it has no escapes.
#[derive(Debug)]
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key<'de>, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for WithoutMap<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            let Some(key) = self.map.next_key::<Key<'de>>()? else {
                return Ok(None);
            };
            if key.as_str() == self.key {
                self.map.next_value::<IgnoredAny>()?;
                continue;
            }
            return match key {
                Key::Borrowed(s) => seed
                    .deserialize(de::value::BorrowedStrDeserializer::new(s))
                    .map(Some),
                Key::Owned(s) => seed.deserialize(s.into_deserializer()).map(Some),
            };
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_finds_depth_and_lone_surrogates() {
        let s = scan(r#"{"a": [[["\ud800", "\ud83d\ude00", "\\ud800", "\udc00x"]]]}"#);
        assert_eq!(s.depth, 4);
        assert_eq!(
            s.repaired.as_deref(),
            Some(r#"{"a": [[["\ufffd", "\ud83d\ude00", "\\ud800", "\ufffdx"]]]}"#)
        );
        assert!(scan(r#"{"a": "[[[{"}"#).depth == 1);
    }

    /// The fast skim reads what serde_json reads, member for member, and declines what
    /// serde_json refuses (or what it cannot tell apart), so classification never differs.
    #[test]
    fn fast_members_agree_with_serde() {
        let serde_members = |text: &str| {
            serde_json::from_str::<Top<'_>>(text).map(|top| {
                top.0
                    .iter()
                    .map(|(k, v)| (k.as_str().to_string(), v.to_string()))
                    .collect::<Vec<_>>()
            })
        };
        let accepted = [
            r#"{}"#,
            r#" { "a" : 1 , "b":"x\"y\\z\u00e9\ud800" ,"c":[1,{"d":"}"}],"e":null,"f":true} "#,
            r#"{"body":"{\"collection\":\"docs\",\"vector\":[0.5,-1e-3]}","a":{"b":[]}}"#,
            r#"{"a":"","a":"twice"}"#,
            "{\"a\":\"\u{e9}\u{1F600}\"}",
        ];
        for text in accepted {
            let fast = members(text).expect("read fast");
            let fast: Vec<_> = fast
                .0
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), v.to_string()))
                .collect();
            assert_eq!(
                Ok(fast),
                serde_members(text).map_err(|e| e.to_string()),
                "{text}"
            );
        }
        let declined = [
            "{\"a\":\"x\ny\"}",
            r#"{"a":"\x"}"#,
            r#"{"a":"\u12"}"#,
            r#"{"a":"open}"#,
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{"a":01}"#,
            r#"{"a":1} x"#,
            r#"{"a":1"#,
            r#"[1]"#,
            r#"{"\u0061":1}"#,
        ];
        for text in declined {
            assert!(members(text).is_none(), "{text} read fast");
        }
        // What the fast skim declines, serde_json refuses (but the escaped member name).
        for text in &declined[..declined.len() - 1] {
            assert!(
                serde_members(text).is_err(),
                "{text} accepted by serde_json"
            );
        }
    }

    /// A plain-number `"vector"` is read while the members are skimmed, and the search decodes
    /// exactly what it decodes when it reads the vector itself; anything else is skimmed as
    /// before (and a vector read elsewhere in the text is not used).
    #[test]
    fn the_vector_read_while_skimming_is_the_one_the_search_would_read() {
        let search = |text: &str, vector: Option<&ParsedVector>| {
            let request = Request {
                text,
                without: Some("action"),
                vector,
            };
            format!("{:?}", action::action("search", request))
        };
        let read = [
            r#"{"action":"search","collection":"c","vector":[0.5, -1e-3, 2]}"#,
            r#"{ "vector" : [ 1 , 2.25 ] , "action" : "search", "collection":"c" , "k":1 }"#,
            r#"{"collection":"c","vector":[[1,2],[3,4.5e1]],"action":"search"}"#,
            r#"{"collection":"c","vector":[],"action":"search"}"#,
            r#"{"collection":"c","vector":[1,2],"vector":[3,4]}"#,
        ];
        for text in read {
            let top = members(text).expect("read fast");
            let parsed = top.vector().expect("vector read");
            let (want, end) = json_f32::vectors(text.as_bytes(), parsed.at).expect("numbers");
            assert_eq!((&parsed.vectors, parsed.end), (&want, end), "{text}");
            assert_eq!(search(text, Some(parsed)), search(text, None), "{text}");
            assert_eq!(
                format!("{:?}", event_request(text, true)),
                search(text, None),
                "{text}"
            );
            let elsewhere = ParsedVector {
                at: parsed.at + 1,
                ..parsed.clone()
            };
            assert_eq!(search(text, Some(&elsewhere)), search(text, None), "{text}");
        }
        // Skimmed as before: not plain finite numbers (serde_json still reads the object).
        for text in [
            r#"{"collection":"c","vector":[1e999]}"#,
            r#"{"collection":"c","vector":["1"]}"#,
            r#"{"collection":"c","vector":[[[1]]]}"#,
            r#"{"collection":"c","vector":{"a":1}}"#,
            r#"{"collection":"c","vectors":[1,2]}"#,
        ] {
            let top = members(text).expect("read");
            assert!(top.vector().is_none(), "{text}");
            assert_eq!(
                format!("{:?}", event_request(text, true)),
                search(text, None),
                "{text}"
            );
        }
        // Refused as serde_json refuses it.
        for text in [r#"{"collection":"c","vector":[01]}"#, r#"{"vector":[1,]}"#] {
            assert!(members(text).is_none(), "{text}");
            assert!(event_request(text, true).is_err(), "{text}");
        }
    }

    #[test]
    fn strings_unescape_once() {
        assert_eq!(string(r#""plain""#).as_deref(), Some("plain"));
        assert!(matches!(string(r#""plain""#), Some(Cow::Borrowed(_))));
        assert_eq!(
            string(r#""a\"b\\c\/d\n\t\r\b\f""#).as_deref(),
            Some("a\"b\\c/d\n\t\r\u{8}\u{c}")
        );
        assert_eq!(
            string(r#""\u00e9\ud83d\ude00x""#).as_deref(),
            Some("\u{e9}\u{1F600}x")
        );
        assert_eq!(string(r#""\ud800""#), None);
        assert_eq!(string("5"), None);
    }

    #[test]
    fn bom_and_bad_utf8() {
        assert_eq!(text(b"\xEF\xBB\xBF{}").text, "{}");
        let bad = text(b"{\"a\": \"\xff\"}");
        assert_eq!(bad.problem.map(|e| e.code), Some(Code::InvalidUtf8));
    }
}
