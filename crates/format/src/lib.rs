//! The plan-index blob: the one place that knows its bytes, and the baker that writes it.
//!
//! Everything the function serves is compiled into its binary as one blob. This crate owns
//! both sides of that contract, so the writer (run by the root package's `build.rs`) and the
//! reader (the cold start, in `plan-index-core`) can never disagree: `layout` documents the
//! header and directory and `tables` each collection's tables, each with the encoder beside
//! the decoder; `bake` reads and validates an index
//! directory (`<collection>.json` files and an optional `manifest.json`) into that layout.
//!
//! The crate is deliberately small and free of search, text and AWS concerns: it is a
//! build-dependency, so everything in it is compiled twice (for the host and the target).

mod bake;
pub mod compact;
mod layout;
mod tables;

pub use bake::{
    BakeError, Baked, CollectionSettings, MANIFEST_FILE, Manifest, Problem, SourceItem,
    UNKNOWN_MODEL, bake_dir, normalise,
};
pub use compact::Storage;
pub use layout::{
    BLOB_ENV, BLOB_FILE_NAME, BLOCK_BYTES, BlockSpan, CollectionDir, CollectionMeta, CompactDir,
    DigestDir, Directory, EncodeError, FORMAT_VERSION, FormatError, HEADER_LEN, Header, IndexMeta,
    ItemMeta, MAGIC, MetaValue, Metric, VECTOR_ALIGN, aligned_float_offset, block_rows,
    decode_directory, decode_header, encode_blob, hex, meta_checksum, sha256, sha256_hex,
    verify_collection, verify_content_hash, verify_digests,
};
pub use tables::{
    CollectionView, DIGEST_ENTRY, FieldId, Item, MetaRef, Metadata, Span, StrList, Tables,
    find_digest, id_digest, listing_texts, lookup_texts, posting_lists,
};
