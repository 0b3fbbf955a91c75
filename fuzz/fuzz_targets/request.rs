//! cargo-fuzz target: see plan_index_fuzz::request.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| plan_index_fuzz::request(data));
