//! `heap::keep`: after it, memory a request frees is reused by the next without page faults
//! (one test in this binary, so no other test's allocations are counted).

/// Minor page faults of this thread so far.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
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
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn request(bytes: usize) -> f32 {
    let vectors: Vec<Vec<f32>> = (0..bytes / 6144).map(|i| vec![i as f32; 1536]).collect();
    std::hint::black_box(&vectors).iter().map(|v| v[0]).sum()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn freed_blocks_are_reused_without_faults() {
    const BYTES: usize = 4 << 20; // 1,024 pages
    // Without `keep`, the heap is trimmed when the vectors are freed, so each request faults
    // its pages in again.
    request(BYTES);
    let before = minor_faults();
    request(BYTES);
    let unkept = minor_faults() - before;
    assert!(
        unkept >= 512,
        "a second 4 MiB request faulted only {unkept} pages without keep()"
    );

    assert!(plan_index::heap::keep(), "mallopt refused the settings");
    request(BYTES); // the first request after `keep` grows the heap once
    let before = minor_faults();
    for _ in 0..8 {
        request(BYTES);
    }
    let kept = minor_faults() - before;
    assert!(
        kept < 64,
        "8 requests of 4 MiB after keep() took {kept} page faults (the heap was given back)"
    );
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
#[test]
fn keep_changes_nothing_off_glibc() {
    assert!(!plan_index::heap::keep());
}
