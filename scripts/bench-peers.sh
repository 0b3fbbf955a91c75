#!/usr/bin/env bash
# plan-index against numpy, faiss-cpu and usearch on the same random unit vectors, in one run,
# one thread each, pinned to core 1 (benches/peers.py does the timing and prints the table).
#
# 1. A venv (target/bench-venv) with numpy, faiss-cpu and usearch from PyPI.
# 2. The data: one index directory per dimension under target/bench-peers (100 and 10,000 x
#    1536; 10,000 and 100,000 x 384), raw .f32 rows and queries for the peers.
# 3. The function built vector-only once per dimension with PLAN_INDEX_DIR pointing there
#    (build time, peak memory of the build and binary size printed for each).
# 4. benches/peers.py run: the function under the emulator (cargo-lambda from .venv or
#    /work/main/.venv), direct invocations, interleaved with the peers; medians.
# BENCH_SIZES=c100x1536,c10000x1536 limits the collections; BENCH_ROUNDS the rounds (5).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/bench-venv
data="$PWD/target/bench-peers"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
for dir in .venv /work/main/.venv; do
    [ -x "$dir/bin/cargo-lambda" ] && export PATH="$PWD/$dir/bin:$dir/bin:$PATH" && break
done
command -v cargo-lambda >/dev/null || { echo "error: cargo-lambda is not installed (bash scripts/test.sh puts it in .venv)" >&2; exit 1; }

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check \
    "numpy==2.4.6" "faiss-cpu==1.15.1" "usearch==2.26.6"

rm -rf "$data" && mkdir -p "$data"
"$venv/bin/python" benches/peers.py gen "$data"

for index in "$data"/d*; do
    dim=${index##*/d}
    echo "building the function with $index baked in"
    /usr/bin/time -f "build d$dim: %e s wall, peak memory %M KB" \
        env PLAN_INDEX_DIR="$index" nice -n 10 cargo build --release -q -p plan-index \
        --bin plan-index-lambda --no-default-features --features lambda
    cp target/release/plan-index-lambda "$data/lambda-d$dim"
    echo "binary d$dim: $(stat -c %s "$data/lambda-d$dim") bytes ($(du -sh "$index" | cut -f1) of JSON baked)"
done

taskset -c 1 true 2>/dev/null || { echo "error: taskset -c 1 failed (need two cores)" >&2; exit 1; }
"$venv/bin/python" benches/peers.py run "$data"
