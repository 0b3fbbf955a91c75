#!/usr/bin/env bash
# The first plan of a process, primed and not (src/lambda/prime.rs): starts the Runtime API
# emulator (`cargo lambda watch --only-lambda-apis`), then N rounds, each spawning the release
# binary pinned to one core once as an on-demand environment and once as a provisioned-
# concurrency one (interleaved); each process answers `health` (its `primed_us`), then the same
# 16-week marathon plan six times. Prints, per kind, the first plan's `compute_us` and the
# median of the warm ones (plans 2-6), min/median/max over the rounds.
# Usage: scripts/measure-first-plan.sh [N] [binary]   (binary default: the release build,
# target/release/plan-index-lambda, built first)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
binary="${2:-target/release/plan-index-lambda}"
if [ -z "${2:-}" ]; then
    cargo build --release --bin plan-index-lambda >&2
fi
python3 - "${1:-9}" "$binary" <<'PY'
import statistics, sys, time

sys.path.insert(0, "scripts")
from emulator import Emulator

rounds, binary = int(sys.argv[1]), sys.argv[2]
plan = {"action": "plan", "race": "marathon", "weeks": 16, "level": "intermediate"}
kinds = {"on-demand": "on-demand", "provisioned": "provisioned-concurrency"}
seen = {kind: [] for kind in kinds}
with Emulator() as emu:
    for _ in range(rounds):
        for kind, init in kinds.items():
            env = emu.function_env(log="warn", AWS_LAMBDA_INITIALIZATION_TYPE=init)
            emu.spawn(["taskset", "-c", "1", binary], env=env,
                      keep_logs=False)
            for _ in range(300):
                try:
                    status, health = emu.invoke({"action": "health"}, timeout=5)
                    if status == 200:
                        break
                except OSError:
                    time.sleep(0.05)
            assert health["cold_start"] is True, health
            plans = [emu.invoke(plan)[1]["compute_us"] for _ in range(6)]
            emu.stop_function()
            seen[kind].append((health["primed_us"], plans[0], statistics.median(plans[1:])))


def spread(values):
    values = sorted(values)
    return f"{values[0]:.0f} / {statistics.median(values):.0f} / {values[-1]:.0f}"


print(f"{rounds} fresh processes each, us, min / median / max")
for kind, runs in seen.items():
    primed = [p for p, _, _ in runs if p is not None]
    first = [f for _, f, _ in runs]
    warm = [w for _, _, w in runs]
    ratio = statistics.median(first) / statistics.median(warm)
    print(f"{kind:12} primed_us {spread(primed) if primed else 'null'}; first plan "
          f"{spread(first)}; warm {spread(warm)}; first / warm (medians) {ratio:.2f}x")
PY
