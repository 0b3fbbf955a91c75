//! `prepare` on a small sources folder: incremental embedding, byte-identical reruns, atomic
//! writes, and front-matter errors that name the file. A counting fake embedder stands in
//! for MiniLM so the counts are exact and the test needs no model files.
#![cfg(feature = "embed")]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use plan_index_core::Coded;
use plan_index_embed::{EmbedError, Embedder, QUERIES_COLLECTION};
use plan_index_format::Manifest;
use plan_index_format::sha256_hex;
use plan_index_prepare::{self as prepare, PrepareError, output};

/// Deterministic vectors from the text's hash; counts the texts it embedded.
struct Fake {
    model: &'static str,
    calls: AtomicUsize,
}

impl Fake {
    fn new(model: &'static str) -> Fake {
        Fake {
            model,
            calls: AtomicUsize::new(0),
        }
    }
}

impl Embedder for Fake {
    fn model_id(&self) -> &str {
        self.model
    }
    fn dim(&self) -> usize {
        8
    }
    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.calls.fetch_add(texts.len(), Ordering::SeqCst);
        Ok(texts
            .iter()
            .map(|t| {
                let h = sha256_hex(t);
                h.bytes().take(8).map(|b| f32::from(b) / 100.0).collect()
            })
            .collect())
    }
}

const NOTE_A: &str = "---\nid: a\nmetadata:\n  kind: note\n  rank: 1\n  share: 0.5\n  open: true\n  tags: [x, y]\npayload:\n  name: A\n  nested: {deep: [1, 2]}\n---\n# A\n\nThe first note.\n";
const NOTE_B: &str = "---\nid: b\n---\nThe second note.\n";
const NOTE_C: &str = "---\nid: c\nmetadata:\n  kind: note\n---\nThe third note.\n";
const KNOWLEDGE: &str = "---\nid: k\nmetadata:\n  topic: taper\nchunk: sections\n---\n# Tapering\n\nIntro text.\n\n## Two weeks out\n\nCut volume.\n\n## Race week\n\nKeep some intensity.\n";

struct Dirs {
    _tmp: tempfile::TempDir,
    sources: PathBuf,
    out: PathBuf,
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn setup() -> Dirs {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sources = tmp.path().join("sources");
    write(&sources.join("notes/a.md"), NOTE_A);
    write(&sources.join("notes/sub/b.md"), NOTE_B);
    write(&sources.join("notes/c.md"), NOTE_C);
    write(&sources.join("knowledge/taper/k.md"), KNOWLEDGE);
    let out = tmp.path().join("index");
    Dirs {
        _tmp: tmp,
        sources,
        out,
    }
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("read out dir")
        .map(|e| {
            let path = e.expect("entry").path();
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&path).expect("read"))
        })
        .collect();
    files.sort();
    files
}

fn run(d: &Dirs, fake: &Fake) -> prepare::PrepareReport {
    prepare::prepare(&d.sources, &d.out, fake).expect("prepare")
}

/// (embedded, reused) over the source collections, leaving out the plan's query texts.
fn documents(report: &prepare::PrepareReport) -> (usize, usize) {
    let docs = report
        .collections
        .iter()
        .filter(|c| c.name != QUERIES_COLLECTION);
    docs.fold((0, 0), |(e, r), c| (e + c.embedded, r + c.reused))
}

/// (items, embedded, reused) of the `queries` collection, (0, 0, 0) when it was not written.
fn queries(report: &prepare::PrepareReport) -> (usize, usize, usize) {
    let q = report
        .collections
        .iter()
        .find(|c| c.name == QUERIES_COLLECTION);
    q.map_or((0, 0, 0), |c| (c.items, c.embedded, c.reused))
}

#[test]
fn first_run_embeds_everything_and_the_result_bakes() {
    let d = setup();
    let fake = Fake::new("test/fake");
    let report = run(&d, &fake);
    assert_eq!(documents(&report), (5, 0));
    let (texts, embedded, reused) = queries(&report);
    assert!(
        texts > 0,
        "the plan's canonical query texts are embedded too"
    );
    assert_eq!((embedded, reused), (texts, 0));
    assert_eq!(fake.calls.load(Ordering::SeqCst), 5 + texts);
    let files = snapshot(&d.out);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "knowledge.json",
            "manifest.json",
            "notes.json",
            "queries.json"
        ]
    );

    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(d.out.join("manifest.json")).expect("manifest"))
            .expect("manifest JSON");
    assert_eq!(manifest.model, "test/fake");
    assert_eq!((manifest.dim, manifest.metric.as_str()), (8, "cosine"));

    let index = plan_index_testkit::open_dir(&d.out).expect("prepared output bakes");
    assert_eq!(index.model(), "test/fake");
    let notes = index.collection("notes").expect("intact").expect("notes");
    let ids: Vec<&str> = notes.items().map(|i| i.id).collect();
    // Sorted path order: notes/a.md, notes/c.md, notes/sub/b.md.
    assert_eq!(ids, ["a", "c", "b"]);
    let a = notes.item(0);
    assert_eq!(
        a.text_hash,
        Some(sha256_hex("# A\n\nThe first note.").as_str())
    );
    assert!(a.text.is_none(), "unchunked text is not stored");
    assert!(a.metadata.get("tags").is_some_and(|v| v.matches("y")));
    assert_eq!(a.metadata.get("rank").and_then(|v| v.as_int()), Some(1));

    let knowledge = index
        .collection("knowledge")
        .expect("intact")
        .expect("knowledge");
    let k0 = knowledge.item(0);
    assert_eq!(k0.id, "k--two-weeks-out");
    assert_eq!(
        k0.text,
        Some("# Tapering\n\nIntro text.\n\n## Two weeks out\n\nCut volume.")
    );
    assert_eq!(
        k0.metadata.get("section").and_then(|v| v.as_str()),
        Some("Two weeks out")
    );
    assert_eq!(knowledge.item(1).id, "k--race-week");
    assert_eq!(
        knowledge.item(1).text,
        Some("# Tapering\n\n## Race week\n\nKeep some intensity.")
    );
}

#[test]
fn unchanged_sources_embed_nothing_and_leave_files_byte_identical() {
    let d = setup();
    let fake = Fake::new("test/fake");
    run(&d, &fake);
    let calls = fake.calls.load(Ordering::SeqCst);
    let before = snapshot(&d.out);
    let report = run(&d, &fake);
    assert_eq!(report.embedded, 0);
    assert_eq!(documents(&report), (0, 5));
    let (texts, _, reused) = queries(&report);
    assert_eq!(reused, texts);
    assert!(!report.manifest_written);
    assert!(report.collections.iter().all(|c| !c.written));
    assert_eq!(
        fake.calls.load(Ordering::SeqCst),
        calls,
        "second run embedded something"
    );
    assert_eq!(snapshot(&d.out), before);
}

#[test]
fn editing_one_document_re_embeds_exactly_it() {
    let d = setup();
    let fake = Fake::new("test/fake");
    run(&d, &fake);
    let before = snapshot(&d.out);
    write(
        &d.sources.join("notes/c.md"),
        &NOTE_C.replace("third", "edited third"),
    );
    let report = run(&d, &fake);
    assert_eq!(report.embedded, 1);
    assert_eq!(documents(&report), (1, 4));
    let notes = report
        .collections
        .iter()
        .find(|c| c.name == "notes")
        .expect("notes");
    assert_eq!((notes.embedded, notes.written), (1, true));
    let after = snapshot(&d.out);
    let changed: Vec<&str> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b != a)
        .map(|(b, _)| b.0.as_str())
        .collect();
    assert_eq!(changed, ["notes.json"]);
}

#[test]
fn another_model_re_embeds_everything() {
    let d = setup();
    run(&d, &Fake::new("test/fake"));
    let other = Fake::new("test/other");
    let report = run(&d, &other);
    assert_eq!(documents(&report), (5, 0));
    assert_eq!(report.reused, 0);
    assert!(report.manifest_written);
}

#[test]
fn collections_without_a_source_folder_are_left_alone() {
    let d = setup();
    std::fs::create_dir_all(&d.out).expect("mkdir");
    let foreign = d.out.join("foreign.json");
    std::fs::write(&foreign, "[]").expect("write");
    run(&d, &Fake::new("test/fake"));
    assert_eq!(std::fs::read(&foreign).expect("still there"), b"[]");
}

#[test]
fn writes_are_atomic_and_leave_no_temp_file() {
    let d = setup();
    run(&d, &Fake::new("test/fake"));
    for (name, _) in snapshot(&d.out) {
        assert!(
            name.ends_with(".json") && !name.starts_with('.'),
            "left behind: {name}"
        );
    }
    let target = d.out.join("x.json");
    assert!(output::write_atomic(&target, b"one").expect("write"));
    assert!(!output::write_atomic(&target, b"one").expect("same bytes"));
    assert!(output::write_atomic(&target, b"two").expect("rewrite"));
    assert_eq!(std::fs::read(&target).expect("read"), b"two");
    // A target whose folder does not exist fails cleanly, with no temp file anywhere.
    let missing = d.out.join("no/such/dir/y.json");
    assert!(matches!(
        output::write_atomic(&missing, b"x"),
        Err(PrepareError::Io { .. })
    ));
    assert!(snapshot(&d.out).iter().all(|(n, _)| !n.contains(".tmp")));
}

#[test]
fn queries_are_keyed_by_hash_stored_and_reused() {
    let d = setup();
    std::fs::create_dir_all(&d.out).expect("mkdir");
    let fake = Fake::new("test/fake");
    let texts: Vec<String> = ["easy run in base phase", "tempo", "easy run in base phase"]
        .map(String::from)
        .to_vec();
    let (items, report) = prepare::embed_queries(&d.out, &texts, None, &fake)
        .expect("embeds")
        .expect("some queries");
    assert_eq!((report.items, report.embedded), (2, 2));
    assert_eq!(items[0].id, sha256_hex("easy run in base phase"));
    assert_eq!(items[1].text.as_deref(), Some("tempo"));
    let path = d.out.join("queries.json");
    output::write_atomic(&path, &output::collection_json(&items).expect("json")).expect("write");
    let manifest = Manifest {
        model: "test/fake".into(),
        dim: 8,
        metric: "cosine".into(),
        storage: None,
        collections: Default::default(),
    };
    let (again, report) = prepare::embed_queries(&d.out, &texts, Some(&manifest), &fake)
        .expect("embeds")
        .expect("some queries");
    assert_eq!((report.embedded, report.reused), (0, 2));
    assert_eq!(again, items);
    assert!(
        prepare::embed_queries(&d.out, &[], None, &fake)
            .expect("ok")
            .is_none()
    );
}

/// Runs prepare on a copy of the sources plus one bad document; the error names that file.
fn bad_document(relative: &str, text: &str, expect: &str) {
    let d = setup();
    write(&d.sources.join(relative), text);
    let fake = Fake::new("test/fake");
    let e = prepare::prepare(&d.sources, &d.out, &fake).expect_err("invalid source");
    assert_eq!(e.code().as_str(), "invalid_source");
    let message = e.to_string();
    assert!(
        message.contains(relative),
        "{message} does not name {relative}"
    );
    assert!(
        message.contains(expect),
        "{message} does not say {expect:?}"
    );
    assert_eq!(
        fake.calls.load(Ordering::SeqCst),
        0,
        "embedded before validating"
    );
    assert!(!d.out.exists(), "wrote output despite the error");
}

#[test]
fn missing_id_is_an_error_naming_the_file() {
    bad_document(
        "notes/d.md",
        "---\nmetadata:\n  kind: note\n---\nBody.\n",
        "no `id`",
    );
}

#[test]
fn duplicate_id_is_an_error_naming_both_files() {
    bad_document("notes/z.md", "---\nid: a\n---\nBody.\n", "notes/a.md");
}

#[test]
fn bad_metadata_types_are_errors_naming_the_file() {
    bad_document(
        "notes/d.md",
        "---\nid: d\nmetadata:\n  nested: {a: 1}\n---\nBody.\n",
        "nested",
    );
    bad_document(
        "notes/d.md",
        "---\nid: d\nmetadata:\n  mixed: [a, 1]\n---\nBody.\n",
        "list of strings",
    );
    bad_document(
        "notes/d.md",
        "---\nid: d\nmetadata: [a]\n---\nBody.\n",
        "mapping",
    );
}

#[test]
fn other_front_matter_mistakes_are_errors_naming_the_file() {
    bad_document("notes/d.md", "no front matter\n", "front matter");
    bad_document("notes/d.md", "---\nid: D!\n---\nBody.\n", "[a-z0-9_.-]+");
    bad_document(
        "notes/d.md",
        "---\nid: d\ntitle: x\n---\nBody.\n",
        "unknown field",
    );
    bad_document(
        "notes/d.md",
        "---\nid: d\nchunk: words\n---\nBody.\n",
        "chunk mode",
    );
    bad_document(
        "notes/d.md",
        "---\nid: d\nchunk: sections\n---\nNo headings.\n",
        "## ",
    );
    bad_document("notes/d.md", "---\nid: d\n---\n\n", "empty");
    bad_document(
        "notes/d.md",
        "---\nid: [d\n---\nBody.\n",
        "invalid front matter",
    );
}
