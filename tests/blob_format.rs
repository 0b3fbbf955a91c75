//! The blob is validated before use: magic, version, sizes, alignment and the directory's
//! checksum at open; each collection's own checksum on its first use, and each block of its
//! f32 rows on the first read of the block, before any answer.

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
    assert_eq!(c.vector(0).expect("intact"), [0.6, 0.8]);
    assert_eq!(c.vector(1).expect("intact"), [0.0, 1.0]);
    let rows = c.rows(None).expect("intact");
    assert_eq!(rows.data.as_ptr() as usize % VECTOR_ALIGN, 0);
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
fn flipped_vector_byte_is_caught_on_first_read_not_by_the_cold_start() {
    // The cold start never reads the vectors; the first read of their block checks them, and
    // `verify` (inspect --verify) re-hashes everything.
    let mut b = blob();
    // A byte of row 1 (rows of two floats).
    let at = u64_at(&b, 32) + 2 * 4 + 1;
    b[at] ^= 0x01;
    let index = open(&b).expect("the header and metadata are intact");
    let c = index
        .collection("c")
        .expect("the tables are intact")
        .expect("c");
    assert!(matches!(
        c.vector(1),
        Err(FormatError::CollectionCorrupt { ref name }) if name == "c"
    ));
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
    assert_eq!(FORMAT_VERSION, 4);
    for old in [1u32, 2, 3] {
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
        let mut request = plan_index_core::Search {
            collection: "c".into(),
            query: plan_index_core::Query::Vector(vec![1.0, 2.0, 3.0]),
            k: 3,
            filters: vec!["group=g1".parse().expect("filter")],
            min_score: None,
        };
        plan_index_core::search::run(index, &mut request).map(|r| r.lists)
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
    assert!(
        index.collection("c").is_err(),
        "and the collection is refused since"
    );
    for cut in [1, 4, 64, b.len() - vectors_offset, b.len() - HEADER_LEN - 1] {
        assert!(
            matches!(open(&b[..b.len() - cut]), Err(FormatError::Corrupt(_))),
            "cut {cut}"
        );
    }
    assert!(open(&b).expect("intact").verify());
}

// ---- the f32 rows, checked by block on first read ----

use plan_index_core::search::{self, Filter, Query, Search};
use plan_index_core::{Code, Coded};
use plan_index_format::Storage;

/// Rows of 1,024 floats: one row per checksummed block, so a flip is in exactly one block.
const DIM: usize = 1_024;
const ROWS: usize = 40;

/// A blob of `ROWS` random unit rows stored as `storage`, each with `group = g{row % 10}`.
fn stored_blob(storage: Storage, seed: u64) -> Vec<u8> {
    plan_index_testkit::random_index_stored("c", ROWS, DIM, seed, storage)
        .blob()
        .to_vec()
}

/// Where byte `byte` of row `row` of collection `name` lies in `blob`.
fn row_byte(blob: &[u8], name: &str, row: usize, byte: usize) -> usize {
    let index = open(blob).expect("intact");
    let entry = index
        .entries()
        .iter()
        .find(|c| c.name == name)
        .expect("the collection");
    u64_at(blob, 32) + (entry.first_float as usize + row * entry.dim as usize) * 4 + byte
}

fn flipped(blob: &[u8], at: usize, bit: u8) -> Vec<u8> {
    let mut bad = blob.to_vec();
    bad[at] ^= bit;
    bad
}

fn search_of(query: Query, filters: &[&str]) -> Search {
    Search {
        collection: "c".into(),
        query,
        k: 5,
        filters: filters
            .iter()
            .map(|f| f.parse::<Filter>().expect("filter"))
            .collect(),
        min_score: None,
    }
}

/// A search's answer (rows and score bits per list) or its error's code and text.
type Answer = Result<Vec<Vec<(usize, u32)>>, (Code, String)>;

fn answer(index: &BakedIndex, search: &Search) -> Answer {
    match search::run(index, &mut search.clone()) {
        Ok(ranked) => Ok(ranked
            .lists
            .iter()
            .map(|l| l.iter().map(|h| (h.row, h.score.to_bits())).collect())
            .collect()),
        Err(e) => Err((e.code(), e.to_string())),
    }
}

fn assert_refused(got: Answer, what: &str) {
    match got {
        Err((code, text)) => {
            assert_eq!(code, Code::IndexCorrupt, "{what}: {text}");
            assert!(
                text.contains("\"c\""),
                "{what}: names the collection: {text}"
            );
        }
        Ok(hits) => panic!("{what}: answered {hits:?} from a corrupt row"),
    }
}

#[test]
fn a_flipped_vector_byte_refuses_every_search_that_reads_its_row_in_every_storage() {
    for storage in [Storage::F32, Storage::F16, Storage::I8] {
        let good = stored_blob(storage, 7);
        let intact = open(&good).expect("intact");
        let row5 = intact
            .collection("c")
            .expect("intact")
            .expect("c")
            .vector(5)
            .expect("intact")
            .to_vec();
        let searches = [
            ("like", search_of(Query::Like("item-5".into()), &[])),
            ("scan", search_of(Query::Vector(row5.clone()), &[])),
            (
                "filtered",
                search_of(Query::Vector(row5.clone()), &["group=g5"]),
            ),
            (
                "batch",
                search_of(Query::Batch(vec![row5.clone(), row5.clone()]), &[]),
            ),
        ];
        for at in [0, 17, DIM * 4 - 1] {
            for bit in [0x01, 0x80] {
                let bad = flipped(&good, row_byte(&good, "c", 5, at), bit);
                for (what, search) in &searches {
                    // A fresh open each time: the first read of the block is the one to catch it.
                    let index = open(&bad).expect("the tables are intact");
                    let what = format!("{storage:?} {what} (byte {at}, bit {bit:#x})");
                    assert_refused(answer(&index, search), &what);
                    // ... and every later use of the collection.
                    assert_refused(answer(&index, &searches[2].1), &what);
                    assert!(index.collection("c").is_err(), "{what}");
                    assert!(!index.verify(), "{what}");
                }
            }
        }
    }
}

#[test]
fn a_search_that_never_reads_the_corrupt_block_answers_until_one_does() {
    let good = stored_blob(Storage::F32, 11);
    let bad = flipped(&good, row_byte(&good, "c", 5, 40), 0x04);
    let (intact, index) = (open(&good).expect("intact"), open(&bad).expect("opens"));
    // Rows 1, 11, 21, 31: row 5's block is not read, so the answer is the intact one.
    let other = search_of(Query::Like("item-1".into()), &["group=g1"]);
    assert_eq!(answer(&index, &other), answer(&intact, &other));
    assert!(answer(&intact, &other).is_ok());
    // Then a search reads row 5: refused, and the collection with it from then on.
    assert_refused(
        answer(&index, &search_of(Query::Like("item-0".into()), &[])),
        "unfiltered",
    );
    assert_refused(answer(&index, &other), "after the failure");
}

#[test]
fn an_intact_blob_answers_the_same_before_and_after_its_blocks_are_verified() {
    for storage in [Storage::F32, Storage::F16, Storage::I8] {
        let blob = stored_blob(storage, 3);
        let index = open(&blob).expect("intact");
        let searches = [
            search_of(Query::Like("item-3".into()), &["group=g3"]),
            search_of(Query::Like("item-8".into()), &[]),
        ];
        let first: Vec<_> = searches.iter().map(|s| answer(&index, s)).collect();
        let again: Vec<_> = searches.iter().map(|s| answer(&index, s)).collect();
        assert!(first.iter().all(Result::is_ok), "{storage:?}: {first:?}");
        assert_eq!(first, again, "{storage:?}");
        assert!(index.verify(), "{storage:?}");
    }
}

mod flips {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// A flipped bit anywhere in the f32 rows never changes an answer: a search is refused
        /// when it reads the flipped row (like, unfiltered, or a filter the row passes) and
        /// otherwise answers exactly as the intact blob does.
        #[test]
        fn a_flip_is_refused_or_changes_nothing(
            storage in prop::sample::select(vec![Storage::F32, Storage::F16, Storage::I8]),
            seed in 1u64..1_000,
            row in 0usize..ROWS,
            byte in 0usize..DIM * 4,
            bit in 0u32..8,
            probe in 0usize..ROWS,
            group in 0usize..10,
        ) {
            let good = stored_blob(storage, seed);
            let bad = flipped(&good, row_byte(&good, "c", row, byte), 1 << bit);
            let intact = open(&good).expect("intact");
            let filter = format!("group=g{group}");
            let searches = [
                search_of(Query::Like(format!("item-{probe}")), &[]),
                search_of(Query::Like(format!("item-{probe}")), &[&filter]),
            ];
            for (i, search) in searches.iter().enumerate() {
                let index = open(&bad).expect("the tables are intact");
                let got = answer(&index, search);
                let want = answer(&intact, search);
                prop_assert!(want.is_ok());
                let reads_row = probe == row
                    || (i == 0 && storage == Storage::F32)
                    || (i == 1 && storage == Storage::F32 && row % 10 == group);
                if reads_row {
                    prop_assert!(
                        matches!(&got, Err((Code::IndexCorrupt, _))),
                        "answered {:?}", got
                    );
                } else if let Err((code, _)) = &got {
                    // A compact scan may still rescore the row: a refusal, never a new answer.
                    prop_assert_eq!(*code, Code::IndexCorrupt);
                    prop_assert!(storage != Storage::F32);
                } else {
                    prop_assert_eq!(got, want);
                }
            }
        }
    }
}

// ---- the plan's collections and the baked query texts ----

use plan_index_embed::{QUERIES_COLLECTION, embed_query};
use plan_index_plan::queries::{KNOWLEDGE, PHILOSOPHIES, SESSION_TEMPLATES, WEEK_STRUCTURES};
use plan_index_plan::{PlanRequest, plan};

fn marathon() -> PlanRequest {
    PlanRequest {
        race: "marathon".into(),
        weeks: Some(16),
        level: Some("intermediate".into()),
        days_per_week: Some(5),
        mode: Some("strict".into()),
        ..PlanRequest::default()
    }
}

#[test]
fn a_flipped_vector_byte_in_any_collection_a_plan_reads_refuses_the_plan() {
    let default = plan_index::baked().expect("the baked index decodes");
    let good = default.blob().to_vec();
    let Ok(intact) = plan(default, &marathon()) else {
        eprintln!("skipping: the baked index cannot make plans (no `prepare` output baked)");
        return;
    };
    let template = intact
        .weeks
        .iter()
        .flat_map(|w| &w.days)
        .find_map(|d| d.template.as_deref())
        .expect("a day with a template");
    let query = &intact.philosophy.query;
    // One row each plan certainly reads: what it selected, and the baked vector of a text.
    let rows = [
        (PHILOSOPHIES, intact.philosophy.id.clone()),
        (WEEK_STRUCTURES, intact.weeks[0].structure.id.clone()),
        (SESSION_TEMPLATES, template.id.clone()),
        (KNOWLEDGE, intact.knowledge[0].item.id.clone()),
        (QUERIES_COLLECTION, plan_index_format::sha256_hex(query)),
    ];
    for (name, id) in rows {
        let row = default
            .collection(name)
            .expect("intact")
            .expect("collection")
            .position(&id)
            .expect("the selected item");
        for byte in [0, 777] {
            let bad = flipped(&good, row_byte(&good, name, row, byte), 0x20);
            let index = open(&bad).expect("the tables are intact");
            let err = plan(&index, &marathon()).expect_err("no plan from a corrupt row");
            assert_eq!(err.code(), Code::IndexCorrupt, "{name}: {err}");
            assert!(err.to_string().contains(name), "{name}: {err}");
            if name == QUERIES_COLLECTION {
                // A text lookup of the same text is refused too (no model stands in).
                let fresh = open(&bad).expect("the tables are intact");
                let err = embed_query(&fresh, query).expect_err("no vector from a corrupt row");
                assert_eq!(err.code(), Code::IndexCorrupt, "{err}");
                assert!(err.to_string().contains(name), "{err}");
            }
        }
    }
    // The intact copy still plans, identically.
    let copy = open(&good).expect("intact");
    let again = plan(&copy, &marathon()).expect("a plan");
    assert_eq!(again.philosophy.id, intact.philosophy.id);
    let ids = |p: &plan_index_plan::Plan| -> Vec<String> {
        p.weeks.iter().map(|w| w.structure.id.clone()).collect()
    };
    assert_eq!(ids(&again), ids(&intact));
}

#[test]
fn a_baked_text_is_found_through_the_digest_index_as_through_its_id() {
    let default = plan_index::baked().expect("the baked index decodes");
    let Ok(Some(queries)) = default.collection(QUERIES_COLLECTION) else {
        eprintln!("skipping: no queries collection baked");
        return;
    };
    assert!(
        default
            .entries()
            .iter()
            .any(|c| c.name == QUERIES_COLLECTION && c.digests.is_some()),
        "the queries collection's ids are sha256 digests: it has a digest index"
    );
    for row in [0, queries.len() / 2, queries.len() - 1] {
        let item = queries.item(row);
        let text = item.text.expect("queries keep their text");
        let digest = plan_index_format::sha256(text);
        let by_digest = default
            .vector_by_digest(QUERIES_COLLECTION, &digest)
            .expect("intact")
            .expect("found");
        assert_eq!(by_digest, queries.vector(row).expect("intact"), "row {row}");
    }
    let absent = plan_index_format::sha256("a text nobody baked");
    assert_eq!(
        default
            .vector_by_digest(QUERIES_COLLECTION, &absent)
            .expect("intact"),
        None
    );
    // Ids that are not digests get no index; the lookup falls back to the id order.
    let rich = open(&rich_blob()).expect("intact");
    assert!(rich.entries().iter().all(|c| c.digests.is_none()));
    assert_eq!(rich.vector_by_digest("c", &absent).expect("intact"), None);
}

#[test]
fn a_flipped_byte_in_the_digest_index_or_the_block_sums_refuses_the_lookups() {
    let default = plan_index::baked().expect("the baked index decodes");
    let Some(entry) = default
        .entries()
        .iter()
        .find(|c| c.name == QUERIES_COLLECTION)
    else {
        eprintln!("skipping: no queries collection baked");
        return;
    };
    let digests = entry.digests.clone().expect("a digest index");
    let good = default.blob().to_vec();
    let Ok(intact) = plan(default, &marathon()) else {
        eprintln!("skipping: the baked index cannot make plans");
        return;
    };
    let text = intact.philosophy.query.clone();
    let in_table =
        |span: plan_index_format::Span, at: u32| HEADER_LEN + (span.offset + at) as usize;
    let flips = [
        in_table(digests.table, 0),
        in_table(digests.table, digests.table.len / 2),
        in_table(digests.table, digests.table.len - 1),
        in_table(entry.tables.blocks, 3),
        in_table(entry.tables.blocks, entry.tables.blocks.len - 1),
    ];
    for at in flips {
        let bad = flipped(&good, at, 0x02);
        let index = open(&bad).expect("the directory is intact");
        let err = embed_query(&index, &text).expect_err("no vector from a corrupt index");
        assert_eq!(err.code(), Code::IndexCorrupt, "flip at {at}: {err}");
        let err = plan(&index, &marathon()).expect_err("no plan either");
        assert_eq!(err.code(), Code::IndexCorrupt, "flip at {at}: {err}");
        assert!(err.to_string().contains(QUERIES_COLLECTION), "{err}");
        // The collection itself is refused too: its tables' checksum covers both.
        assert!(index.collection(QUERIES_COLLECTION).is_err());
    }
}
