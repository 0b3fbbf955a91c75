#!/usr/bin/env bash
# Process start to first answered invocation: starts the Runtime API emulator
# (`cargo lambda watch --only-lambda-apis`), then N times spawns the release binary and times
# from the spawn until its first answer (a `{"action": "health"}` invoke queued beforehand)
# comes back. Prints min/median/max in ms. Usage: scripts/measure-cold-start.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
cargo build --release --bin plan-index-lambda >&2
python3 - "${1:-20}" <<'PY'
import statistics, sys

sys.path.insert(0, "scripts")
from emulator import Emulator

runs = int(sys.argv[1])
timings = []
with Emulator() as emu:
    env = emu.function_env(log="warn")
    for _ in range(runs):
        (status, answer), ms = emu.cold_invoke(["target/release/plan-index-lambda"],
                                               {"action": "health"}, env=env, timeout=30,
                                               keep_logs=False)
        emu.stop_function()
        assert status == 200 and answer["cold_start"] is True, answer
        timings.append(ms)
timings.sort()
print(f"process start to first answer over {runs} runs: min {timings[0]:.1f} ms, "
      f"median {statistics.median(timings):.1f} ms, max {timings[-1]:.1f} ms")
PY
