//! `heap::keep`: with the binaries' allocator, memory a request frees is reused by the next
//! without page faults, however long the sandbox sat idle between them (one test in this
//! binary, so no other test's allocations are counted).

#[global_allocator]
static HEAP: plan_index::heap::Allocator = plan_index::heap::Allocator;

use std::time::Duration;

/// Minor page faults of this thread so far.
#[cfg(target_os = "linux")]
fn minor_faults() -> i64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a whole `rusage` into the pointer it is given.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_THREAD, usage.as_mut_ptr()) };
    assert_eq!(rc, 0, "getrusage failed");
    // SAFETY: zero-initialised and filled in by a successful getrusage.
    unsafe { usage.assume_init() }.ru_minflt
}

/// What a batch request does: many vectors of 1536 floats (a batch's queries) written, then
/// freed, `bytes` in all.
fn request(bytes: usize) -> f32 {
    let vectors: Vec<Vec<f32>> = (0..bytes / 6144).map(|i| vec![i as f32; 1536]).collect();
    std::hint::black_box(&vectors).iter().map(|v| v[0]).sum()
}

/// The page faults of one 4 MiB request (1,024 pages) after an idle gap in which the
/// allocator collected (what mimalloc does by itself every few thousand allocations that miss
/// its free lists, and at thread exit), so it gave freed memory back, were it allowed to.
#[cfg(target_os = "linux")]
fn faults_after_collect() -> i64 {
    const BYTES: usize = 4 << 20;
    request(BYTES);
    // Longer than the delay before mimalloc purges (10 ms, 100 ms for whole arena blocks).
    std::thread::sleep(Duration::from_millis(150));
    // SAFETY: `mi_collect` only walks mimalloc's own structures; any thread may call it.
    unsafe { libmimalloc_sys::mi_collect(true) };
    let before = minor_faults();
    request(BYTES);
    minor_faults() - before
}

#[cfg(target_os = "linux")]
#[test]
fn freed_memory_is_reused_without_faults_after_a_collection() {
    // Unkept, the allocator purges pages freed more than 10 ms before a collection, so the
    // next request faults them in again.
    let unkept = faults_after_collect();
    assert!(
        unkept >= 512,
        "a 4 MiB request after a collection faulted only {unkept} pages without keep()"
    );
    assert!(plan_index::heap::keep(), "mimalloc refused the setting");
    request(4 << 20); // the first request after `keep` settles the heap once
    let kept: i64 = (0..3).map(|_| faults_after_collect()).sum();
    assert!(
        kept < 64,
        "3 requests of 4 MiB after collections took {kept} page faults with keep() (memory was given back)"
    );
}
