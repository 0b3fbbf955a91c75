//! Stepping over JSON text without parsing it: whitespace, and strings found with memchr.
//!
//! The request paths read a few members of large JSON texts (an HTTP event around its body, a
//! search body around its vector); serde_json steps over a string byte by byte, these
//! functions jump from quote to backslash with memchr and check the rest in one vectorized
//! pass, and judge exactly what serde_json judges (escapes, control characters).

use std::borrow::Cow;

/// How many `[` and `{` bytes `text` holds (inside strings too): an upper bound on how deep
/// it nests, found with memchr (brackets are rare in most JSON, so this costs about one
/// vector scan).
pub fn brackets(text: &str) -> usize {
    memchr::memchr2_iter(b'[', b'{', text.as_bytes()).count()
}

/// The index of the first byte at or after `i` that is not JSON whitespace.
#[inline]
pub fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(i) {
        i += 1;
    }
    i
}

/// The index just past the JSON string that starts at `b[i]` (a quote), checked as serde_json
/// checks a string it steps over: only valid escapes (`\u` and four hex digits; surrogates
/// are not judged), no control characters. memchr jumps to each quote or backslash, so a long
/// string such as an HTTP body costs a vector scan, not a loop over its bytes.
pub fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut at = i + 1;
    loop {
        let next = at + memchr::memchr2(b'"', b'\\', b.get(at..)?)?;
        if b[next] == b'"' {
            return no_control(&b[i + 1..next]).then_some(next + 1);
        }
        at = match b.get(next + 1)? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => next + 2,
            b'u' if b.get(next + 2..next + 6)?.iter().all(u8::is_ascii_hexdigit) => next + 6,
            _ => return None,
        };
    }
}

/// The contents of the JSON string that starts at `text[i]` when it has no escapes (as long
/// strings such as base64 usually have not), found in one memchr and one vectorized check;
/// `None` when there is no string at `i`, or it has an escape, or it is not valid JSON.
pub fn plain_string(text: &str, i: usize) -> Option<&str> {
    let b = text.as_bytes();
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let end = i + 1 + memchr::memchr2(b'"', b'\\', b.get(i + 1..)?)?;
    (b[end] == b'"' && no_control(&b[i + 1..end]))
        .then(|| text.get(i + 1..end))
        .flatten()
}

/// Whether `bytes` hold no control character (which a JSON string may not), folded without
/// an early exit so the compiler vectorizes it.
fn no_control(bytes: &[u8]) -> bool {
    !bytes.iter().fold(false, |seen, &c| seen | (c < 0x20))
}

/// A JSON string member (its raw text) as text: borrowed when it has no escapes, else
/// unescaped in one pass (memchr finds each backslash, the runs between are copied whole);
/// `None` when it is not a string. The raw text was checked by serde_json's skim (closing quote, no control
/// characters, only valid escapes), so the short escapes are simply replaced; a `\u` escape
/// is left to serde_json, which also refuses a lone surrogate (`None`; callers then decode the
/// whole text, which repairs it).
pub fn string(raw: &str) -> Option<Cow<'_, str>> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    let bytes = inner.as_bytes();
    let Some(mut next) = memchr::memchr(b'\\', bytes) else {
        return Some(Cow::Borrowed(inner));
    };
    let mut out = String::with_capacity(inner.len());
    let mut from = 0;
    loop {
        // `next` is an ASCII backslash and `from` follows a two-byte escape: both are char
        // boundaries.
        out.push_str(inner.get(from..next)?);
        out.push(match bytes.get(next + 1)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            _ => {
                return serde_json::from_str::<String>(raw).ok().map(Cow::Owned);
            }
        });
        from = next + 2;
        match memchr::memchr(b'\\', bytes.get(from..)?) {
            Some(at) => next = from + at,
            None => break,
        }
    }
    out.push_str(inner.get(from..)?);
    Some(Cow::Owned(out))
}
