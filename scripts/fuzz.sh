#!/usr/bin/env bash
# Fuzzes every target in fuzz/ for SECONDS each (default 60), one after another, each on one
# core: with cargo-fuzz (libFuzzer, AddressSanitizer) on a nightly toolchain, installing
# cargo-fuzz when it is missing. Where no nightly toolchain can be had it says so and runs the
# same target bodies as proptest-driven tests on stable (tests/fuzz_stable.rs).
#   bash scripts/fuzz.sh [seconds] [target...]      (targets: event request vector blob source)
# Prints one line per target: `fuzz: <target> executions=N crashes=M seconds=S`, and exits
# non-zero when a target crashed; the crashing input is in fuzz/artifacts/<target>/ (replay it
# with `cargo +nightly fuzz run <target> <file>`, then add it to tests/fuzz_stable.rs).
# Corpora (fuzz/corpus/), artifacts and logs stay out of git; fuzz/seeds/ holds the seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(event request vector blob source)
# One core each (the machine is shared); override with FUZZ_CPU=.
cpu="${FUZZ_CPU:-1}"

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "fuzz: no nightly toolchain here (rustup toolchain install nightly); running the same targets as proptest tests on stable"
    # Roughly one case per millisecond of the time asked for, per target.
    FUZZ_CASES=$((seconds * 1000)) cargo test --release --test fuzz_stable 2>&1 | tail -n 12
    exit "${PIPESTATUS[0]}"
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz (cargo install --locked cargo-fuzz)"
    cargo install --locked cargo-fuzz >/dev/null 2>&1 || {
        echo "fuzz: cargo-fuzz could not be installed; running the stable form instead"
        FUZZ_CASES=$((seconds * 1000)) cargo test --release --test fuzz_stable 2>&1 | tail -n 12
        exit "${PIPESTATUS[0]}"
    }
fi

# Seeds: the sample events (event), request bodies (request), vectors (vector), source
# documents (source), small valid blobs of every metric and storage (blob, baked by the stable
# form's `blob_seeds_are_valid`, so they follow the current format).
mkdir -p fuzz/corpus
# (artifacts/ too: under pipefail a `find` of a missing directory would stop the script.)
for t in "${targets[@]}"; do mkdir -p "fuzz/corpus/$t" "fuzz/seeds/$t" "fuzz/artifacts/$t"; done
cp tests/events/*.json fuzz/seeds/event/ 2>/dev/null || true
if printf '%s\n' "${targets[@]}" | grep -qx blob; then
    FUZZ_SEED_DIR="$PWD/fuzz/seeds/blob" cargo test --release -q --test fuzz_stable blob_seeds_are_valid >/dev/null
fi

(cd fuzz && cargo +nightly fuzz build -O 2>&1 | tail -n 2)
failed=0
for t in "${targets[@]}"; do
    log="fuzz/${t}.log"
    before=$(find "fuzz/artifacts/$t" -type f 2>/dev/null | wc -l)
    touch "fuzz/.started-$t"
    started=$(date +%s)
    # -rss_limit_mb: the event target bakes nothing but the handler may hold a large reply.
    set +e
    (cd fuzz && taskset -c "$cpu" cargo +nightly fuzz run -O "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -dict=json.dict -print_final_stats=1) \
        >"$log" 2>&1
    rc=$?
    set -e
    took=$(($(date +%s) - started))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1 || true)
    crashes=$(($(find "fuzz/artifacts/$t" -type f 2>/dev/null | wc -l) - before))
    if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
        echo "fuzz: $t stopped with status $rc and no artifact; see $log" >&2
        tail -n 20 "$log" >&2
        failed=1
    fi
    if [ "$crashes" -ne 0 ]; then
        failed=1
        find "fuzz/artifacts/$t" -type f -newer "fuzz/.started-$t" | sed 's/^/fuzz:   crash input: /'
        grep -m 3 -E 'panicked at|ERROR: AddressSanitizer|SUMMARY' "$log" | sed 's/^/fuzz:   /' || true
    fi
    rm -f "fuzz/.started-$t"
    echo "fuzz: $t executions=${execs:-?} crashes=$crashes seconds=$took"
done
exit "$failed"
