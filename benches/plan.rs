//! A 16-week strict marathon plan in-process: the whole `plan()` call (validation, 1 + 16 +
//! up to 112 selections through baked query vectors, knowledge, audit, JSON-ready output).
//! Also the iCalendar export of a dated plan, and the first plan of the process (printed).
//! Run with an index that has the plan collections baked in (see docs/plan.md).

// The function's allocator, as the bootstrap sets it up (`plan_index::heap`).
#[global_allocator]
static HEAP: plan_index::heap::Allocator = plan_index::heap::Allocator;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use plan_index::baked;
use plan_index_plan::{PlanRequest, plan};

fn request(mode: &str) -> PlanRequest {
    PlanRequest {
        race: "marathon".into(),
        weeks: Some(16),
        level: Some("intermediate".into()),
        days_per_week: Some(5),
        mode: Some(mode.into()),
        ..PlanRequest::default()
    }
}

fn bench_plan(c: &mut Criterion) {
    plan_index::heap::keep();
    let index = match baked() {
        Ok(index) => index,
        Err(e) => panic!("the baked index cannot be read: {e}"),
    };
    // The first plan of this process pays every first-use cost (each collection's tables
    // checksum, the row blocks it reads, the typed views, page faults, cold caches): printed,
    // to set beside the warm figures below (median over fresh processes: run the bench a
    // few times, or `plan-index plan ... --json`'s `compute_us`).
    match plan(index, &request("strict")) {
        Ok(first) => eprintln!("first plan of this process: {} us", first.compute_us),
        Err(e) => {
            eprintln!("skipping the plan benchmark: {e}");
            return;
        }
    }
    for mode in ["strict", "semantic"] {
        let req = request(mode);
        c.bench_function(&format!("plan_marathon_16w_{mode}"), |b| {
            b.iter(|| plan(index, black_box(&req)))
        });
    }
    let req = request("strict");
    c.bench_function("plan_marathon_16w_strict_json", |b| {
        b.iter(|| serde_json::to_vec(&plan(index, black_box(&req)).ok()))
    });
    // The calendar of a dated plan, from the plan (the plan itself not included).
    let dated = PlanRequest {
        start_date: Some("2026-06-01".into()),
        goal_time: Some("3:30:00".into()),
        ..request("strict")
    };
    if let Ok(p) = plan(index, &dated) {
        c.bench_function("plan_marathon_16w_ics", |b| {
            b.iter(|| plan_index_plan::ics(black_box(&p)))
        });
    }
}

criterion_group!(benches, bench_plan);
criterion_main!(benches);
