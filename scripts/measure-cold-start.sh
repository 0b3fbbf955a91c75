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
import json, os, socket, statistics, subprocess, sys, threading, time, urllib.request

runs = int(sys.argv[1])
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
emulator = subprocess.Popen(
    ["cargo-lambda", "lambda", "watch", "--only-lambda-apis", "-A", "127.0.0.1", "-P", str(port)],
    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    deadline = time.time() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.time() > deadline:
                sys.exit("the emulator did not start")
            time.sleep(0.05)
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=f"http://127.0.0.1:{port}/.rt",
               AWS_LAMBDA_FUNCTION_NAME="_", AWS_LAMBDA_FUNCTION_VERSION="1",
               AWS_LAMBDA_FUNCTION_MEMORY_SIZE="512", RUST_LOG="warn")
    url = f"http://127.0.0.1:{port}/2015-03-31/functions/_/invocations"
    timings = []
    for _ in range(runs):
        answer = {}
        def invoke():
            request = urllib.request.Request(url, data=b'{"action":"health"}', method="POST")
            with urllib.request.urlopen(request, timeout=30) as response:
                answer["body"] = json.load(response)
                answer["at"] = time.perf_counter()
        caller = threading.Thread(target=invoke)
        caller.start()
        time.sleep(0.2)  # the invoke is queued before the process exists
        started = time.perf_counter()
        function = subprocess.Popen(["target/release/plan-index-lambda"], env=env,
                                    stdout=subprocess.DEVNULL)
        caller.join()
        function.kill()
        function.wait()
        assert answer["body"]["cold_start"] is True, answer
        timings.append((answer["at"] - started) * 1000)
    timings.sort()
    print(f"process start to first answer over {runs} runs: min {timings[0]:.1f} ms, "
          f"median {statistics.median(timings):.1f} ms, max {timings[-1]:.1f} ms")
finally:
    emulator.kill()
    emulator.wait()
PY
