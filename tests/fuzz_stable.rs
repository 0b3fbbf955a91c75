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

    /// Valid blobs with bytes changed and cut: past the magic and the header, into the
    /// directory, the tables and the vectors.
    #[test]
    fn blob_mutated(
        seed in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let seeds = seeds();
        let mut blob = seeds[seed.index(seeds.len())].clone();
        for (at, byte) in flips {
            let at = at.index(blob.len());
            blob[at] = byte;
        }
        if let Some(cut) = cut {
            blob.truncate(cut.index(blob.len()));
        }
        bodies::blob(&blob);
    }

    #[test]
    fn source(input in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        "---\n[a-z: \\[\\]{}\"'\n-]{0,80}\n---\n[a-z ]{0,40}".prop_map(String::into_bytes),
    ]) { bodies::source(&input); }
}

fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(bodies::blob_seeds)
}

/// The blob seeds bake, open and answer a search in every collection (so the mutations above
/// start from blobs that get all the way through); with `FUZZ_SEED_DIR` set, they are also
/// written there for cargo-fuzz (`scripts/fuzz.sh`).
#[test]
fn blob_seeds_are_valid() {
    use plan_index_core::search::{Params, top_k};
    let seeds = seeds();
    assert_eq!(seeds.len(), 5, "every seed manifest bakes");
    for (i, seed) in seeds.iter().enumerate() {
        let index = plan_index_core::BakedIndex::open(plan_index_testkit::leak_aligned(seed))
            .unwrap_or_else(|e| panic!("seed {i} does not open: {e}"));
        assert!(index.verify(), "seed {i} fails its content hash");
        let mut names = Vec::new();
        for c in index.collections() {
            let c = c.unwrap_or_else(|e| panic!("seed {i}: {e}"));
            let params = Params {
                k: 3,
                filters: &[],
                min_score: None,
            };
            let row = c.vector(0).unwrap_or_else(|e| panic!("seed {i}: {e}"));
            let hits = top_k(&c, row, &params).unwrap_or_else(|e| panic!("seed {i}: {e}"));
            assert_eq!(hits.len(), 3, "seed {i} collection {}", c.name());
            names.push(c.name().to_string());
        }
        assert_eq!(names, ["a", "b"], "seed {i}");
    }
    if let Ok(dir) = std::env::var("FUZZ_SEED_DIR") {
        std::fs::create_dir_all(&dir).expect("seed dir");
        for (i, seed) in seeds.iter().enumerate() {
            std::fs::write(format!("{dir}/valid-{i}.blob"), seed).expect("write seed");
        }
    }
}
