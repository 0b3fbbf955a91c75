//! The blob is validated before use: magic, version, sizes, alignment, metadata checksum.

use plan_index_core::BakedIndex;
use plan_index_format::bake_dir;
use plan_index_format::{FormatError, HEADER_LEN, VECTOR_ALIGN};
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
    let c = index.collection("c").expect("collection");
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
fn flipped_metadata_byte() {
    let mut b = blob();
    b[HEADER_LEN + 3] ^= 0x01;
    assert!(matches!(
        open(&b).err(),
        Some(FormatError::ChecksumMismatch)
    ));
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
