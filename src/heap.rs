//! The process's heap: memory freed by one request is kept for the next, not handed back to
//! the kernel.
//!
//! glibc's malloc gives pages back whenever a `free` leaves more than 128 KiB unused at the
//! top of the heap (trimming), and serves each block of 128 KiB or more (a request body, a
//! batch's query vectors, a reply) from its own mapping, unmapped again when freed. Either
//! way the next request touches fresh pages and takes a page fault for every 4 KiB. Faults
//! are dear under virtualisation (5-10 us each on this project's build VMs, against well under
//! a microsecond on bare metal): a warm batch of 300 queries of 1536 floats over 100 rows spent
//! 14 us of its 20 us per query faulting the same 1.8 MB back in, every time.
//!
//! A Lambda sandbox serves one request at a time out of memory reserved for it alone, so
//! returning pages between requests saves nothing. Both binaries call [`keep`] before they
//! serve: no trimming, and blocks up to 32 MiB (more than any request or reply Lambda carries)
//! come from the heap, where freed memory is reused. The heap then stays at its high-water
//! mark, which the request and reply limits bound (docs/lambda.md, "Limits").

/// Largest block served from the heap instead of a mapping of its own: glibc's ceiling for
/// this setting on 64-bit targets.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 32 << 20;

/// Tells malloc to keep freed memory (see the module docs). Returns whether the settings took
/// effect: `false` off glibc (musl, other systems), where nothing is changed.
pub fn keep() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `mallopt` only changes malloc's own settings, under malloc's lock; it may be
        // called at any time from any thread, and both values are in the documented ranges.
        unsafe {
            libc::mallopt(libc::M_TRIM_THRESHOLD, libc::c_int::MAX) == 1
                && libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}
