#!/usr/bin/env bash
# Soak: the release binary under `cargo lambda watch` (scripts/emulator.py), N mixed
# invocations (health, search by vector/text/like, plans, SQS batches with bad records), RSS
# sampled every 5,000; prints invocations/s, p50/p99 of the handler's own durations (its
# `duration_us` log field), RSS growth after warm-up, and that one process (one pid) served
# every invocation. Not in CI (too long). The client and the emulator share a core with the
# function unless SOAK_CPUS says otherwise (taskset list, default "1").
#   bash scripts/soak.sh [N]        (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
export PATH="$PWD/.venv/bin:/work/main/.venv/bin:$PATH"
# The binaries as `cargo test --workspace` builds them (the same features, so a warm target
# directory stays warm; `cargo build --bin` alone would rebuild the AWS SDK).
cargo test --release --workspace --no-run -q
exec taskset -c "${SOAK_CPUS:-1}" python3 - "$n" <<'PY'
import json, sys, time, subprocess
sys.path.insert(0, "scripts")
from emulator import Emulator

n = int(sys.argv[1])
def like_id():
    out = json.loads(subprocess.check_output(
        ["target/release/plan-index", "search", "knowledge", "--text", "taper", "--k", "1", "--json"]))
    return out["results"][0]["id"]
like = like_id()

def http(path, body=None, method="POST"):
    return {"version": "2.0", "rawPath": path, "headers": {"content-type": "application/json"},
            "requestContext": {"http": {"method": method, "path": path}, "stage": "$default",
                               "domainName": "api.example.com"},
            "body": None if body is None else json.dumps(body), "isBase64Encoded": False}

def sqs(bodies):
    return {"Records": [{"messageId": f"m{i}", "eventSource": "aws:sqs", "body": b}
                        for i, b in enumerate(bodies)]}

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

with Emulator() as emu:
    emu.spawn(["target/release/plan-index-lambda"], env=emu.function_env())
    pid = emu.function.pid
    # A fixed unit vector of the index's dimension.
    dim = emu.invoke({"action": "health"})[1]["dim"]
    vector = [1.0 / dim ** 0.5] * dim
    mix = [
        {"action": "search", "collection": "knowledge", "vector": vector, "k": 5},
        http("/v1/search", {"collection": "knowledge", "vector": [vector, vector], "k": 3}),
        {"action": "health"},
        http("/health", method="GET"),
        {"action": "search", "collection": "knowledge", "like": like, "k": 5},
        http("/v1/search", {"collection": "knowledge", "text": "how long should a marathon taper be", "k": 3}),
        http("/v1/plan", {"race": "marathon", "weeks": 16, "level": "intermediate"}),
        sqs([json.dumps({"collection": "knowledge", "like": like, "k": 2}), "{not json",
             json.dumps({"collection": "nope", "like": "x"})]),
        http("/v1/search", {"collection": "knowledge", "like": like, "k": 1e308}),
    ]
    payloads = [json.dumps(e) for e in mix]
    samples, started = [], time.perf_counter()
    for i in range(n):
        code, _ = emu.invoke_raw(payloads[i % len(payloads)])
        if code not in (200,):
            raise SystemExit(f"invocation {i} answered {code}")
        if emu.function.poll() is not None or emu.function.pid != pid:
            raise SystemExit(f"the function process {pid} ended at invocation {i}")
        if i % 5000 == 0:
            samples.append((i, rss_kib(emu.function.pid)))
    elapsed = time.perf_counter() - started
    samples.append((n, rss_kib(emu.function.pid)))
    time.sleep(0.5)
    durations = sorted(json.loads(l)["duration_us"] for l in emu.logs
                       if l.startswith("{") and '"message":"invocation"' in l)
    p = lambda q: durations[min(len(durations) - 1, int(q * len(durations)))] if durations else float("nan")
    warm = samples[1][1] if len(samples) > 2 else samples[0][1]
    print(f"soak: {n} invocations in {elapsed:.1f} s = {n / elapsed:.0f}/s (through the emulator, one client)")
    print(f"soak: handler duration p50 {p(0.5):.0f} us, p99 {p(0.99):.0f} us ({len(durations)} logged)")
    print("soak: RSS KiB by invocation: " + ", ".join(f"{i}:{r}" for i, r in samples))
    print(f"soak: RSS growth after warm-up (invocation 5,000 to the end): {samples[-1][1] - warm:+d} KiB")
    print(f"soak: one process served all {n}: pid {pid}, still running: {emu.function.poll() is None}")
PY
