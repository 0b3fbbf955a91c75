//! The blob is validated before use: magic, version, sizes, alignment and the directory's
//! checksum at open; each collection's own checksum on its first use, before any answer.

use plan_index_core::BakedIndex;
use plan_index_format::bake_dir;
use plan_index_format::{FORMAT_VERSION, FormatError, HEADER_LEN, VECTOR_ALIGN};
use plan_index_testkit::leak_aligned;
use serde_json::json;

fn blob() -> Vec<u8> {
    let dir = tempfile::tempdir().expect("tempdir");
    let items = json!([
        {"id": "a", "embedding": [3.0, 4.0], "metadata": {"k": "v"}, "payload": {"p": [1, 2]}},
        {"id": "b", "embedding": [0.0, 2.0]}
    ]);
    std::fs::write(dir.path().join("c.json"), items.to_string()).expect("write");
    bake_dir(dir.path()).expect("valid").blob
}

fn open(bytes: &[u8]) -> Result<BakedIndex, FormatError> {
    BakedIndex::open(leak_aligned(bytes))
}

#[test]
fn a_good_blob_opens_and_verifies() {
    let index = open(&blob()).expect("opens");
    assert!(index.verify());
    let c = index.collection("c").expect("intact").expect("collection");
    // Cosine rows are normalised at build time.
    assert_eq!(c.vector(0), [0.6, 0.8]);
    assert_eq!(c.vector(1), [0.0, 1.0]);
    assert_eq!(c.rows().as_ptr() as usize % VECTOR_ALIGN, 0);
}

#[test]
fn bad_magic() {
    let mut b = blob();
    b[0] ^= 0xff;
    assert!(matches!(open(&b).err(), Some(FormatError::BadMagic)));
}

#[test]
fn unsupported_version() {
    let mut b = blob();
    b[8] = 99;
    assert!(matches!(
        open(&b).err(),
        Some(FormatError::UnsupportedVersion { found: 99 })
    ));
}

#[test]
fn truncated() {
    let b = blob();
    assert!(matches!(
        open(&b[..b.len() - 4]),
        Err(FormatError::Corrupt(_))
    ));
    assert!(matches!(open(&b[..10]), Err(FormatError::Corrupt(_))));
}

#[test]
fn flipped_table_byte_refuses_the_collection_on_first_use() {
    let mut b = blob();
    b[HEADER_LEN + 3] ^= 0x01;
    let index = open(&b).expect("the directory is intact: open does not read the tables");
    for _ in 0..2 {
        // Refused on the first use and on every later one.
        assert!(matches!(
            index.collection("c"),
            Err(FormatError::CollectionCorrupt { ref name }) if name == "c"
        ));
    }
    assert!(index.collections().all(|c| c.is_err()));
    assert!(!index.verify());
}

#[test]
fn flipped_vector_byte_is_caught_by_verify_not_by_the_cold_start() {
    // The cold start never reads the vectors; `verify` (inspect --verify) re-hashes them.
    let mut b = blob();
    let last = b.len() - 1;
    b[last] ^= 0x01;
    let index = open(&b).expect("the header and metadata are intact");
    assert!(!index.verify());
}

#[test]
fn misaligned_vector_block() {
    let b = blob();
    let mut shifted = vec![0u8; b.len() + 4];
    shifted[4..].copy_from_slice(&b);
    let aligned = leak_aligned(&shifted);
    assert!(matches!(
        BakedIndex::open(&aligned[4..]).err(),
        Some(FormatError::Misaligned(VECTOR_ALIGN))
    ));
}

/// A blob with postings, texts and payloads in every table, and where each region starts.
fn rich_blob() -> Vec<u8> {
    let dir = tempfile::tempdir().expect("tempdir");
    let items: Vec<serde_json::Value> = (0..20)
        .map(|i| {
            json!({
                "id": format!("item-{i}"),
                "embedding": [1.0 + i as f64, 2.0, 3.0],
                "text": format!("text {i}"),
                "metadata": {"group": format!("g{}", i % 3), "rank": i, "tags": ["a", "b"]},
                "payload": {"n": i}
            })
        })
        .collect();
    std::fs::write(dir.path().join("c.json"), json!(items).to_string()).expect("write");
    bake_dir(dir.path()).expect("valid").blob
}

fn u64_at(b: &[u8], at: usize) -> usize {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w) as usize
}

#[test]
fn older_blobs_are_refused_with_a_rebuild_hint() {
    assert_eq!(FORMAT_VERSION, 3);
    for old in [1u32, 2] {
        let mut b = blob();
        b[8..12].copy_from_slice(&old.to_le_bytes());
        let err = open(&b).expect_err("refused");
        assert!(matches!(err, FormatError::UnsupportedVersion { found } if found == old));
        let message = err.to_string();
        assert!(message.contains(&format!("version {old}")), "{message}");
        assert!(message.contains(&FORMAT_VERSION.to_string()), "{message}");
        assert!(message.contains("cargo build"), "{message}");
    }
}

#[test]
fn any_flipped_metadata_byte_is_refused_before_use() {
    // Items, metadata, id order, posting entries, posting rows: every byte of a collection's
    // tables is under its checksum, so a flip anywhere in them refuses the collection on its
    // first use (no search, item or posting list is read from it); a flip in the directory
    // refuses the blob at open.
    let b = rich_blob();
    let meta_len = u64_at(&b, 24);
    let directory_len = u64_at(&b, 96);
    let tables_end = HEADER_LEN + meta_len - directory_len;
    let in_tables = [
        HEADER_LEN,       // the item offsets
        HEADER_LEN + 200, // the item heap (ids, texts, metadata)
        tables_end - 1,   // the last posting row
        tables_end - 60,  // posting entries and texts
    ];
    let search = |index: &BakedIndex| {
        let request = plan_index_core::Search {
            collection: "c".into(),
            query: plan_index_core::Query::Vector(vec![1.0, 2.0, 3.0]),
            k: 3,
            filters: vec!["group=g1".parse().expect("filter")],
            min_score: None,
        };
        plan_index_core::search::run(index, &request).map(|r| r.lists)
    };
    assert!(search(&open(&b).expect("intact")).is_ok());
    for at in in_tables {
        for bit in [0x01, 0x80] {
            let mut bad = b.clone();
            bad[at] ^= bit;
            let index = open(&bad).expect("the directory is intact");
            let err = search(&index).expect_err("no answer from a corrupt collection");
            assert_eq!(
                plan_index_core::Coded::code(&err),
                plan_index_core::Code::IndexCorrupt
            );
            assert!(
                err.to_string().contains("\"c\""),
                "names the collection: {err}"
            );
            assert!(!index.verify(), "flip at {at}");
        }
    }
    for at in [tables_end + 2, HEADER_LEN + meta_len - 1] {
        for bit in [0x01, 0x80] {
            let mut bad = b.clone();
            bad[at] ^= bit;
            assert!(
                matches!(open(&bad).err(), Some(FormatError::ChecksumMismatch)),
                "flip at {at}"
            );
        }
    }
}

#[test]
fn a_flipped_vector_byte_fails_verify_and_truncation_fails_open() {
    let b = rich_blob();
    let vectors_offset = u64_at(&b, 32);
    let mut bad = b.clone();
    bad[vectors_offset + 5] ^= 0x10;
    let index = open(&bad).expect("the metadata is intact");
    assert!(!index.verify(), "inspect --verify re-hashes the vectors");
    for cut in [1, 4, 64, b.len() - vectors_offset, b.len() - HEADER_LEN - 1] {
        assert!(
            matches!(open(&b[..b.len() - cut]), Err(FormatError::Corrupt(_))),
            "cut {cut}"
        );
    }
    assert!(open(&b).expect("intact").verify());
}
