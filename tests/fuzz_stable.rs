//! The fuzz targets (fuzz/src/lib.rs) on stable: proptest feeds each body arbitrary bytes and
//! mutations of valid inputs; a panic fails the test. `scripts/fuzz.sh` runs cargo-fuzz on the
//! same bodies when a nightly toolchain is there. `FUZZ_CASES` sets the cases per target.

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod bodies;

use proptest::prelude::*;

fn config() -> ProptestConfig {
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// JSON-ish text: structural characters, escapes, numbers and the members requests use.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"",
        "\\u",
        "d800",
        "\\ud800",
        "\u{feff}",
        "\\",
        "1e39",
        "-0",
        "1e308",
        "null",
        "true",
        "\"action\"",
        "\"search\"",
        "\"plan\"",
        "\"collection\"",
        "\"knowledge\"",
        "\"vector\"",
        "\"like\"",
        "\"text\"",
        "\"k\"",
        "\"where\"",
        "\"race\"",
        "\"marathon\"",
        "\"weeks\"",
        "16",
        "\"level\"",
        "\"intermediate\"",
        "\"Records\"",
        "\"eventSource\"",
        "\"aws:sqs\"",
        "\"body\"",
        "\"requestContext\"",
        "\"http\"",
        "\"method\"",
        "\"POST\"",
        "\"rawPath\"",
        "\"/v1/search\"",
        "\"detail-type\"",
        "\"detail\"",
        "\"source\"",
        "0.5",
        " ",
        "\u{ff}",
    ]);
    prop::collection::vec(pieces, 0..64).prop_map(|p| p.concat().into_bytes())
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![prop::collection::vec(any::<u8>(), 0..256), jsonish()]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn event(input in bytes()) { bodies::event(&input); }

    #[test]
    fn request(input in bytes()) { bodies::request(&input); }

    #[test]
    fn vector(input in bytes()) { bodies::vector(&input); }

    #[test]
    fn blob(input in prop::collection::vec(any::<u8>(), 0..512)) { bodies::blob(&input); }

    #[test]
    fn source(input in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        "---\n[a-z: \\[\\]{}\"'\n-]{0,80}\n---\n[a-z ]{0,40}".prop_map(String::into_bytes),
    ]) { bodies::source(&input); }
}
