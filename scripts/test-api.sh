#!/usr/bin/env bash
# An API tester nobody here wrote: schemathesis generates requests from openapi.yaml (valid and
# invalid bodies, edge values, other methods) and sends them to the release function through
# `cargo lambda watch`'s Function URL endpoint (/lambda-url/<function>/...). Every answer must
# have a status the spec documents for that operation, a documented content type and headers,
# a body that matches the spec's schema, and no 5xx; the function process must survive all of
# it. Ends with `api: N passed, M failed` (N, M: generated test cases).
#
#   bash scripts/test-api.sh [max examples per operation and phase, default 500]
#
# Emulator quirks this works around (cargo-lambda 1.9's Function URL emulation, not Lambda's):
# - The function name in the URL is the one the process registered with
#   (AWS_LAMBDA_FUNCTION_NAME, `_` in scripts/emulator.py), so the base URL is /lambda-url/_.
# - A body that is not UTF-8 (schemathesis sends such bytes as "invalid JSON") never reaches the
#   function: the emulator answers its own 500 problem+JSON as text/plain. A deployed Function
#   URL base64-encodes such a body instead, so scripts/emulator.py's FunctionUrlProxy sits in
#   front of the emulator and sends those requests as that base64 event through the Invoke API;
#   everything else goes through the emulator's Function URL unchanged. The counts are printed.
# - Now and then (measured: 3 in 300 of the same 110 KB plan reply; never in 300 small replies,
#   never through direct invocations) the emulator answers a Function URL request with that same
#   own 500, or not at all, although the function answered it with a 200 (its log line says so).
#   The proxy sends such a request again (up to 3 times, also after 15 s without an answer)
#   and prints the counts; a fourth such answer stays a failure.
# - With two schemathesis workers, one Function URL request in a few hundred was never answered
#   (read timeout after 60 s; the same request alone answers in 10 ms). The function is one
#   process taking one invocation at a time, as a Lambda instance does, so one worker is used.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
examples="${1:-500}"

command -v cargo-lambda >/dev/null || { echo "error: no cargo-lambda in .venv; run scripts/test.sh (it installs scripts/requirements-test.txt)" >&2; exit 1; }
command -v schemathesis >/dev/null || { echo "error: no schemathesis in .venv; run scripts/test.sh (it installs scripts/requirements-test.txt)" >&2; exit 1; }

# The function as index/ bakes it (not a PLAN_INDEX_DIR left over from another step). Built the
# way `cargo test --release` builds it (integration tests build the package's binaries), so after
# scripts/test.sh's test step nothing but this package recompiles; a plain `cargo build` would
# resolve features without the dev-dependencies and rebuild much of the graph.
env -u PLAN_INDEX_DIR cargo test --release --quiet --no-run --test openapi

python3 - "$examples" <<'PY'
import json, os, subprocess, sys, tempfile, time, xml.etree.ElementTree as ET

sys.path.insert(0, "scripts")
from emulator import Emulator, FunctionUrlProxy

examples = sys.argv[1]
checks = ",".join([
    "not_a_server_error",            # no 5xx, ever
    "status_code_conformance",       # only statuses the operation documents
    "content_type_conformance",      # only documented media types
    "response_headers_conformance",  # documented headers (x-request-id, Allow on 405) present and valid
    "response_schema_conformance",   # bodies match the schemas
    "negative_data_rejection",       # a request the schema forbids is refused with a 4xx
    "unsupported_method",            # other methods: 405 with Allow
    "allow_header_conformance",
])
with Emulator() as emu, FunctionUrlProxy(emu) as proxy, tempfile.TemporaryDirectory() as out:
    base = proxy.url
    function = emu.spawn(["target/release/plan-index-lambda"], env=emu.function_env(log="warn"))
    deadline = time.time() + 60
    def healthy():
        try:
            return emu.request("GET", "/lambda-url/_/health", timeout=10)[0] == 200
        except OSError:  # not listening yet, or the emulator dropped the very first request
            return False
    while not healthy():
        if time.time() > deadline or function.poll() is not None:
            sys.exit("error: the function did not answer GET /health through the emulator:\n"
                     + "".join(emu.logs[-20:]))
        time.sleep(0.2)
    # The spec the function serves is the one tested (and it must equal openapi.yaml). The
    # emulator answers a request now and then with its own 500 (the proxy below sends those
    # again); this fetch is tried a few times too, and refused unless it is the document.
    for attempt in range(5):
        status, served = emu.request("GET", "/lambda-url/_/openapi.json")
        if status == 200 and served.lstrip().startswith("{") and '"openapi"' in served:
            break
        print(f"GET /openapi.json: {status} {served[:200]!r}; trying again", flush=True)
        time.sleep(1)
    else:
        sys.exit("error: the function did not serve its OpenAPI document through the emulator")
    spec = os.path.join(out, "openapi.json")
    with open(spec, "w") as f:
        f.write(served)
    junit = os.path.join(out, "junit.xml")
    started = time.time()
    run = subprocess.run(
        ["schemathesis", "run", spec, "--url", base, "--checks", checks,
         "--max-examples", examples, "--seed", "20261202", "--workers", "1",
         "--request-timeout", "60", "--suppress-health-check", "too_slow,filter_too_much",
         "--report", "junit", "--report-junit-path", junit, "--no-color"],
        cwd=out, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    took = time.time() - started
    print(run.stdout[-6000:])
    if run.returncode not in (0, 1):
        print(run.stderr[-3000:])
    alive = function.poll() is None
    # The summary's "Test cases:" is followed by "N generated, M found K unique failures" (M
    # failing test cases) or "N generated, N passed".
    lines = run.stdout.splitlines()
    generated = failing = 0
    for i, line in enumerate(lines[:-1]):
        if line.strip() == "Test cases:":
            words = lines[i + 1].replace(",", " ").split()
            generated = int(words[0]) if words and words[0].isdigit() else 0
            if "found" in words:
                failing = int(words[words.index("found") - 1])
            if "errored" in words:  # network errors (timeouts) count as failures too
                failing += int(words[words.index("errored") - 1])
    passed, failed = generated - failing, failing
    if not alive:
        print("FAIL: the function process died during the run")
        failed += 1
    if run.returncode != 0 and failed == 0:
        print(f"FAIL: schemathesis exited {run.returncode}")
        failed += 1
    print(f"schemathesis: {took:.0f} s, max {examples} examples per operation and phase, "
          f"function process {'alive' if alive else 'DEAD'} (pid {function.pid}); requests "
          f"through the emulator's Function URL: {proxy.stats['forwarded']}, as base64 events "
          f"(non-UTF-8 bodies): {proxy.stats['base64_events']}; sent again after the emulator's own "
          f"500: {proxy.stats.get('emulator_500', 0)}, after no answer in 15 s: "
          f"{proxy.stats.get('emulator_lost', 0)}")
    print(f"api: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
PY
