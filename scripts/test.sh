#!/usr/bin/env bash
# The one test command (README, .ci/run). It installs what the tests need itself:
# rustfmt/clippy, a local Python venv (.venv) with the CLI tools the integration tests drive,
# and the embedding model's files; then runs the checks and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain components"
rustup component add rustfmt clippy >/dev/null

step "Python tools into .venv"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements-test.txt
export PATH="$PWD/.venv/bin:$PATH"

if [ -f scripts/fetch-model.sh ]; then
    step "embedding model files"
    bash scripts/fetch-model.sh
fi

step "index sources: schema, vocabulary, week patterns, coverage"
python3 scripts/check_sources.py | tail -n 1
python3 scripts/generate_week_structures.py --check

step "format and lints"
cargo fmt --check
cargo clippy --release --all-targets -- -D warnings

step "tests"
cargo test --release
bash scripts/validate-template.sh

step "vector-only build refuses text queries"
cargo test --release --no-default-features --test embed_unsupported

step "the reference caches bake and answer from the binary"
bash scripts/check-reference.sh
