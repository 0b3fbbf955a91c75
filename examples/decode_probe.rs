use plan_index::index::BakedIndex;
use plan_index::index::bake::bake_dir;
use plan_index::index::baked::leak_aligned;
use plan_index::index::format::{decode_header, decode_meta, meta_checksum};
use plan_index::index::synthetic::XorShift;
use serde_json::json;
use std::time::Instant;
fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = XorShift::new(3);
    let items: Vec<_> = (0..1000).map(|i| json!({"id": format!("item-{i}"), "embedding": rng.unit_vector(1536), "text_hash": format!("{i:064x}"),
        "metadata": {"philosophy_id": "daniels", "phase": "build", "race_types": ["5k", "10k"], "days_to_race_min": 11}})).collect();
    std::fs::write(dir.path().join("c.json"), json!(items).to_string()).unwrap();
    let blob = leak_aligned(&bake_dir(dir.path()).unwrap().blob);
    let h = decode_header(blob).unwrap();
    for _ in 0..3 {
        let t = Instant::now();
        let m = &blob[128..128 + h.meta_len as usize];
        let c = meta_checksum(m);
        let t1 = t.elapsed();
        let t = Instant::now();
        let meta = decode_meta(&h, blob).unwrap();
        let t2 = t.elapsed();
        let t = Instant::now();
        let idx = BakedIndex::open(blob).unwrap();
        let t3 = t.elapsed();
        println!(
            "meta {} bytes fnv {:?} decode_meta {:?} open {:?} {}",
            h.meta_len,
            t1,
            t2,
            t3,
            c as u8 ^ meta.collections.len() as u8 ^ idx.dim() as u8
        );
    }
}
