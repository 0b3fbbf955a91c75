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

step "index sources: schema, vocabulary, week patterns, coverage (plan-index check-sources)"
cargo run --release -q -p plan-index-cli -- check-sources | tail -n 1
python3 scripts/generate_week_structures.py --check

step "format and lints"
cargo fmt --all --check
cargo clippy --release --workspace --all-targets -- -D warnings
cargo clippy --release --workspace --all-targets --no-default-features --features plan-index/lambda -- -D warnings
cargo clippy --release --workspace --all-targets --features plan-index/fault-injection -- -D warnings
# The crates' API docs: every intra-doc link resolves and none points at a private item.
RUSTDOCFLAGS="-D warnings" cargo doc --release --no-deps --workspace

log=target/test-results.log
mkdir -p target && : > "$log"

step "tests"
cargo test --release --workspace 2>&1 | tee -a "$log"
bash scripts/validate-template.sh

step "the outside tester's campaign, one pass: odd payloads on every carrier (release binary, emulator)"
python3 scripts/campaign.py --quick | tee -a "$log"

step "fuzz targets, stable form (proptest over the fuzz/ bodies; scripts/fuzz.sh for cargo-fuzz)"
FUZZ_CASES=256 cargo test --release --test fuzz_stable 2>&1 | tee -a "$log"

step "a panic inside one request is contained (test-only fault-injection build)"
cargo test --release --features fault-injection --test lambda_panic 2>&1 | tee -a "$log"

step "vector-only build refuses text queries"
cargo test --release --no-default-features --test embed_unsupported --test vector_only 2>&1 | tee -a "$log"

step "the reference caches bake and answer from the binary"
bash scripts/check-reference.sh | tee -a "$log"

step "plan-index-core built for aarch64, its tests under qemu (the NEON kernels)"
bash scripts/test-aarch64.sh 2>&1 | tee -a "$log"

step "the HTTP contract: schemathesis from openapi.yaml against the function's Function URL (emulator)"
bash scripts/test-api.sh | tee -a "$log"

step "the deployable artifact: sam build (arm64, model layer), then its bootstrap under qemu"
t0=$SECONDS
bash scripts/build-lambda.sh
bash scripts/test-arm64.sh | tee -a "$log"
echo "build-lambda.sh + test-arm64.sh: $((SECONDS - t0)) s"

# One closing line over every runner above (pipefail already stopped on any failure).
awk '/^test result:/ {p += $4; f += $6} /^reference: / {p += $2; f += $4} /^arm64: / {p += $2; f += $4} /^api: / {p += $2; f += $4} /^campaign-result: / {p += $2; f += $4}
     END {printf "summary: %d passed, %d failed\n", p, f}' "$log"
