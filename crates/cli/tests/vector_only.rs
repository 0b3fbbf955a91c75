//! A vector-only `plan-index` (built with `--no-default-features`) refuses the commands that
//! need the text embedder with `text_unsupported`, in the JSON error shape.
#![cfg(not(feature = "embed"))]

#[test]
fn prepare_and_embed_commands_refuse_cleanly() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plan-index"))
        .args(["embed", "some text", "--json"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON error");
    assert_eq!(body["error"]["code"], "text_unsupported");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plan-index"))
        .args(["prepare", "--json", "--out", "/nonexistent/never-written"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON error");
    assert_eq!(body["error"]["code"], "text_unsupported");
}
