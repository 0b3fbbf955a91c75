//! Bakes the index directory into one blob in `$OUT_DIR` (see `plan_index_format::bake_dir`).
//!
//! The directory is `index/` unless `PLAN_INDEX_DIR` names another one (relative paths are
//! relative to this crate). Any invalid item fails the build with the file, the item id and
//! the problem. Nothing here computes an embedding. The blob's path reaches the code through
//! `cargo:rustc-env` ([`plan_index_format::BLOB_ENV`]), so it is spelled only here.

use std::path::PathBuf;

use plan_index_format::{BLOB_ENV, BLOB_FILE_NAME, bake_dir};

fn main() {
    println!("cargo:rerun-if-env-changed=PLAN_INDEX_DIR");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let dir = match std::env::var_os("PLAN_INDEX_DIR") {
        Some(dir) => manifest_dir.join(dir),
        None => manifest_dir.join("index"),
    };
    // The directory itself changes when a collection file is added or removed.
    println!("cargo:rerun-if-changed={}", dir.display());
    let baked = match bake_dir(&dir) {
        Ok(baked) => baked,
        Err(e) => {
            eprintln!("error: cannot bake the index: {e}");
            std::process::exit(1);
        }
    };
    for input in &baked.inputs {
        println!("cargo:rerun-if-changed={}", input.display());
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join(BLOB_FILE_NAME);
    let unchanged = std::fs::read(&out).is_ok_and(|old| old == baked.blob);
    if !unchanged && let Err(e) = std::fs::write(&out, &baked.blob) {
        eprintln!("error: cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
    println!("cargo:rustc-env={BLOB_ENV}={}", out.display());
    link_without_pie();
}

/// The Lambda bootstrap is linked as a position-dependent executable on Linux. As a PIE it
/// carried ~60,000 relative relocations (vtables, tables of string pointers) that the loader
/// applied to ~480 KB of data pages before `main`: half of the process's page faults before
/// its first poll (546 against 264, and start to first answer 6.1 against 5.1-5.6 ms on the
/// session 10 VM, `scripts/measure-init.sh`). The objects stay position-independent; only the
/// link changes (address-space randomisation of the executable itself is given up; the
/// heap, stack and libraries are still randomised).
fn link_without_pie() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" {
        println!("cargo:rustc-link-arg-bin=plan-index-lambda=-no-pie");
    }
}
