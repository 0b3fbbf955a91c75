//! The process's heap: mimalloc, told to keep what one request frees for the next.
//!
//! Both binaries (and the benchmarks and tests that speak for them) declare
//! `#[global_allocator] static HEAP: plan_index::heap::Allocator = plan_index::heap::Allocator;`
//! and call [`keep`] before they serve.
//!
//! Why mimalloc: a warm request is a few hundred small allocations around one search (the
//! event's strings, the decoded body, the query, the results, the reply); with glibc's malloc
//! they cost ~10% of a warm `POST /v1/search` over 100 x 1536 (`_int_malloc`, `_int_free` and a
//! `malloc_consolidate` on every block of 1 KiB or more after small frees). mimalloc's
//! per-thread free lists take ~2 us off that 30 us request (`benches/handler.rs`).
//!
//! Without transparent huge pages (mimalloc's `no_thp` build feature): by default mimalloc
//! asks the kernel for huge pages on its arenas (`MADV_HUGEPAGE`), and where the kernel honours
//! that on request (`madvise`, as on the build VM) a fault may compact memory to find 2 MiB: the
//! first text search of a process (the model's tensors) took 354-412 ms instead of 164-197 ms
//! with glibc, and the peak RSS of the campaign (scripts/campaign.py) rose from 197 to 218 MB.
//! Without: 143-167 ms and 202 MB.
//!
//! Why [`keep`]: an allocator that gives memory back between requests makes the next request
//! touch fresh pages, and a page fault is dear under virtualisation (3-10 us each on this
//! project's build VMs, against well under a microsecond on bare metal: a warm batch of 300
//! queries of 1536 floats over 100 rows once spent 14 us of its 20 us per query faulting the
//! same 1.8 MB back in). mimalloc purges freed memory 10 ms after it is freed, which is about
//! how far apart two Lambda invocations are at best. A Lambda sandbox serves one request at a
//! time out of memory reserved for it alone, so returning pages saves nothing: [`keep`] turns
//! purging off, and the heap stays at its high-water mark, which the request and reply limits
//! bound (docs/lambda.md, "Limits").

/// The global allocator both binaries use (mimalloc).
pub use mimalloc::MiMalloc as Allocator;

/// mimalloc's `purge_delay` option (`mi_option_purge_delay` in its header): milliseconds
/// before freed memory is given back, `-1` for never.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Tells the allocator to keep freed memory (see the module docs). Returns whether the setting
/// took effect (read back from mimalloc); it matters only where [`Allocator`] is the global
/// allocator.
pub fn keep() -> bool {
    // SAFETY: mimalloc's options are plain integers it reads with relaxed atomics; setting one
    // is allowed at any time from any thread, and `-1` is the documented "never" for this one.
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, -1);
        libmimalloc_sys::mi_option_get(PURGE_DELAY) == -1
    }
}
