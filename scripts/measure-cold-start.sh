#!/usr/bin/env bash
# Process start to first answered invocation: starts the Runtime API emulator
# (`cargo lambda watch --only-lambda-apis`), then N times spawns the release binary and times
# from the spawn until its first answer (a `{"action": "health"}` invoke queued beforehand)
# comes back. Prints min/median/max in ms.
# Usage: scripts/measure-cold-start.sh [N] [binary]   (binary default: the release build,
# target/release/plan-index-lambda, built first; give another, e.g. a position-dependent build
# as scripts/build-lambda.sh makes it, to compare)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
binary="${2:-target/release/plan-index-lambda}"
if [ -z "${2:-}" ]; then
    cargo build --release --bin plan-index-lambda >&2
fi
python3 - "${1:-20}" "$binary" <<'PY'
import statistics, sys

sys.path.insert(0, "scripts")
from emulator import Emulator

runs, binary = int(sys.argv[1]), sys.argv[2]
timings = []
with Emulator() as emu:
    env = emu.function_env(log="warn")
    for _ in range(runs):
        (status, answer), ms = emu.cold_invoke([binary],
                                               {"action": "health"}, env=env, timeout=30,
                                               keep_logs=False)
        emu.stop_function()
        assert status == 200 and answer["cold_start"] is True, answer
        timings.append(ms)
timings.sort()
print(f"process start to first answer over {runs} runs: min {timings[0]:.1f} ms, "
      f"median {statistics.median(timings):.1f} ms, max {timings[-1]:.1f} ms")
PY
