//! `plan-index ... --json | head`: a reader that goes away early ends the command quietly
//! (exit 0, nothing on stderr), not with a panic and a backtrace.

use std::io::Read;
use std::process::{Command, Stdio};

#[test]
fn a_closed_stdout_ends_quietly() {
    for args in [
        &[
            "plan",
            "--race",
            "marathon",
            "--weeks",
            "16",
            "--level",
            "intermediate",
            "--json",
        ][..],
        &[
            "plan",
            "--race",
            "marathon",
            "--weeks",
            "16",
            "--level",
            "intermediate",
        ][..],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_plan-index"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run plan-index");
        // Close the read end at once: every write the command makes meets a closed pipe.
        drop(child.stdout.take());
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut stderr)
            .expect("read stderr");
        let status = child.wait().expect("wait");
        assert!(status.success(), "{args:?}: {status}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
