#!/usr/bin/env bash
# Fuzzes every target in fuzz/ for SECONDS each (default 60): with cargo-fuzz on a nightly
# toolchain when one can be had (installing cargo-fuzz if missing), otherwise it says so and
# runs the same target bodies as proptest-driven tests on stable (tests/fuzz_stable.rs).
#   bash scripts/fuzz.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
targets=(event request vector blob source)

if rustup run nightly rustc --version >/dev/null 2>&1; then
    if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
        cargo +nightly install --locked cargo-fuzz >/dev/null
    fi
    for t in "${targets[@]}"; do
        log="fuzz/${t}.log"
        cargo +nightly fuzz run "$t" -- -max_total_time="$seconds" -rss_limit_mb=2048 2>&1 | tee "$log" | tail -n 3
        execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
        crashes=$(ls "fuzz/artifacts/$t" 2>/dev/null | wc -l)
        echo "fuzz: $t executions=$execs crashes=$crashes"
    done
else
    echo "fuzz: no nightly toolchain here; running the same targets as proptest tests on stable"
    # Roughly one case per millisecond of the time asked for, per target.
    FUZZ_CASES=$((seconds * 1000)) cargo test --release --test fuzz_stable 2>&1 | tail -n 12
fi
