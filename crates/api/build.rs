//! Turns the top-level `openapi.yaml` (the one source of the HTTP contract) into compact JSON in
//! `$OUT_DIR/openapi.json`, which `GET /openapi.json` serves as is: the YAML is parsed once, at
//! build time, and a spec that does not parse fails the build instead of a request.

use std::path::PathBuf;
use std::{env, fs};

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let spec = manifest.join("../../openapi.yaml");
    println!("cargo:rerun-if-changed={}", spec.display());
    let text =
        fs::read_to_string(&spec).unwrap_or_else(|e| panic!("cannot read {}: {e}", spec.display()));
    let value: serde_json::Value = serde_yaml::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", spec.display()));
    if value
        .get("openapi")
        .and_then(serde_json::Value::as_str)
        .is_none()
    {
        panic!("{} has no `openapi` version field", spec.display());
    }
    let json = serde_json::to_string(&value).expect("a parsed YAML document encodes as JSON");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR")).join("openapi.json");
    fs::write(&out, json).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
