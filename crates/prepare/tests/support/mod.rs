//! Test helpers for the source checks: a temporary copy of index/sources to break on purpose.

use std::path::{Path, PathBuf};

use plan_index_plan::vocab::DAYS;
use plan_index_prepare::check::Report;

/// The repository's index/sources.
pub fn repo_sources() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../index/sources")
}

/// A private copy of index/sources.
pub struct Sandbox {
    _dir: tempfile::TempDir,
    /// The copy's sources folder.
    pub sources: PathBuf,
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

impl Sandbox {
    /// A fresh copy of the repository's sources.
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("tempdir");
        let sources = dir.path().join("sources");
        copy_tree(&repo_sources(), &sources);
        Sandbox { _dir: dir, sources }
    }

    /// The path of `rel` (below the sources folder).
    pub fn path(&self, rel: &str) -> PathBuf {
        self.sources.join(rel)
    }

    /// Replaces the one occurrence of `old` in `rel` by `new`.
    pub fn replace(&self, rel: &str, old: &str, new: &str) {
        let path = self.path(rel);
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text.matches(old).count(), 1, "{rel}: {old:?}");
        std::fs::write(&path, text.replacen(old, new, 1)).expect("write");
    }

    /// Rewrites the payload pattern of the week structure `rel`, mon to sun.
    pub fn set_pattern(&self, rel: &str, pattern: [&str; 7]) {
        let path = self.path(rel);
        let text = std::fs::read_to_string(&path).expect("read");
        let lines: Vec<String> = text
            .lines()
            .map(|line| {
                let day = DAYS
                    .iter()
                    .position(|d| line.starts_with(&format!("    {d}: ")));
                match day {
                    Some(i) => format!("    {}: {}", DAYS[i], pattern[i]),
                    None => line.to_string(),
                }
            })
            .collect();
        std::fs::write(&path, lines.join("\n") + "\n").expect("write");
    }

    /// Copies `from` to `to` (both below the sources folder).
    pub fn copy(&self, from: &str, to: &str) {
        std::fs::copy(self.path(from), self.path(to)).expect("copy");
    }

    /// Deletes `rel`.
    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path(rel)).expect("remove");
    }
}

/// The problems `report` names for `file`.
pub fn problems_of(report: &Report, file: &Path) -> Vec<String> {
    report
        .problems
        .iter()
        .filter(|p| p.file == file)
        .map(|p| p.problem.clone())
        .collect()
}

/// Asserts that `report` names `file` with a problem containing `needle`.
pub fn assert_reported(report: &Report, file: &Path, needle: &str) {
    let problems = problems_of(report, file);
    assert!(
        problems.iter().any(|p| p.contains(needle)),
        "{} should report {needle:?}; it reports {problems:?} (all: {:#?})",
        file.display(),
        report.problems
    );
}
