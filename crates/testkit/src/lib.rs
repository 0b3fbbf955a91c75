//! Helpers for tests and benchmarks only (a dev-dependency; never linked into a binary).
//!
//! The binary's own index is embedded 64-byte aligned by `include_bytes_aligned!`; an index
//! baked at run time needs the same alignment and a `'static` lifetime, which
//! [`leak_aligned`] provides by leaking a buffer: fine in a test, wrong in a server.

#![allow(clippy::unwrap_used)]

mod synthetic;

use std::path::Path;

use plan_index_core::BakedIndex;

pub use synthetic::{
    XorShift, items_index, open_stored, random_index, random_index_4_fields, random_index_stored,
};

/// A 64-byte aligned chunk, so an owned blob can be laid out like the embedded one.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Chunk([u8; 64]);

// SAFETY: `Chunk` is 64 plain bytes with no padding (size 64 == align 64) and no invalid bit
// patterns, which is what Zeroable and Pod require.
unsafe impl bytemuck::Zeroable for Chunk {}
// SAFETY: see above.
unsafe impl bytemuck::Pod for Chunk {}

/// Copies `bytes` into a leaked 64-byte aligned buffer, for indexes baked at run time.
pub fn leak_aligned(bytes: &[u8]) -> &'static [u8] {
    let mut chunks = vec![Chunk([0; 64]); bytes.len().div_ceil(64)];
    let buffer: &mut [u8] = bytemuck::cast_slice_mut(&mut chunks);
    buffer[..bytes.len()].copy_from_slice(bytes);
    let leaked: &'static [Chunk] = Box::leak(chunks.into_boxed_slice());
    &bytemuck::cast_slice(leaked)[..bytes.len()]
}

/// Bakes an index directory at run time and opens it. The blob is leaked: call it once per
/// directory.
pub fn open_dir(dir: &Path) -> Result<BakedIndex, String> {
    let baked = plan_index_format::bake_dir(dir).map_err(|e| e.to_string())?;
    BakedIndex::open(leak_aligned(&baked.blob)).map_err(|e| e.to_string())
}

/// How many distinct inputs a benchmark of text parsing cycles through. One text read over
/// and over lets the branch predictor learn its digits: reading 1536 shortest-f32 numbers took
/// 16 us on one repeated vector and 29 us on 32 varied ones (session 10, same machine and
/// run), and no client's traffic repeats itself.
pub const VARIANTS: u64 = 32;

/// The next of `items` at each call, round and round (`items` must not be empty).
pub fn cycle<'a, T>(items: &'a [T]) -> impl FnMut() -> &'a T {
    let mut next = 0;
    move || {
        let item = &items[next];
        next = (next + 1) % items.len();
        item
    }
}
