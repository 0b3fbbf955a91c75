#!/usr/bin/env bash
# The function's own init, without the emulator's latency: a minimal Lambda Runtime API (in
# this script, answering at once) and N fresh processes of the release binary; for each, the
# time from spawn to its first `GET .../invocation/next` and to its first response (a queued
# `{"action": "health"}`), and the page faults it took before that first poll (read from
# /proc when the poll arrives). scripts/measure-cold-start.sh measures the same through
# `cargo lambda watch`, whose own round trips it includes.
# Usage: scripts/measure-init.sh [N] [binary]   (binary default: target/release/plan-index-lambda)
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${2:-target/release/plan-index-lambda}"
if [ -z "${2:-}" ]; then
    cargo build --release --bin plan-index-lambda >&2
fi
python3 - "${1:-21}" "$binary" <<'PY'
import http.server, json, os, statistics, subprocess, sys, threading, time

runs, binary = int(sys.argv[1]), sys.argv[2]
EVENT = json.dumps({"action": "health"}).encode()
marks = {}


class Api(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def do_GET(self):
        if "next" in marks:  # the process's second poll: left waiting until it is stopped
            time.sleep(30)
            return
        marks["next"] = time.perf_counter()
        while "pid" not in marks:  # the poll can come before Popen returns
            time.sleep(0.0001)
        stat = open(f"/proc/{marks['pid']}/stat").read().rsplit(")", 1)[1].split()
        marks["faults"] = int(stat[7]) + int(stat[9])
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", "init-1")
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 60_000))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                         "arn:aws:lambda:us-east-1:123456789012:function:_")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(EVENT)))
        self.end_headers()
        self.wfile.write(EVENT)

    def do_POST(self):
        marks["body"] = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        marks["response"] = time.perf_counter()
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        marks["done"].set()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


env = dict(os.environ, AWS_LAMBDA_FUNCTION_NAME="_", AWS_LAMBDA_FUNCTION_VERSION="1",
           AWS_LAMBDA_FUNCTION_MEMORY_SIZE="512", RUST_LOG="warn")
for key in ("RESULT_QUEUE_URL", "RESULT_EVENT_BUS", "PLAN_INDEX_PRIME",
            "AWS_LAMBDA_INITIALIZATION_TYPE"):
    env.pop(key, None)
polls, answers, faults = [], [], []
for _ in range(runs):
    # A fresh API per process, so a killed process's last poll never meets the next one's.
    server = Server(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env["AWS_LAMBDA_RUNTIME_API"] = f"127.0.0.1:{server.server_address[1]}"
    marks.clear()
    marks["done"] = threading.Event()
    started = time.perf_counter()
    process = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    marks["pid"] = process.pid
    answered = marks["done"].wait(30)
    process.kill()
    process.wait()
    server.shutdown()
    server.server_close()
    if not answered or b'"cold_start":true' not in marks.get("body", b""):
        sys.exit(f"error: no cold health answer: {marks.get('body', b'')[:300]!r}")
    polls.append((marks["next"] - started) * 1e3)
    answers.append((marks["response"] - started) * 1e3)
    faults.append(marks["faults"])


def spread(values, unit):
    values = sorted(values)
    return (f"min {values[0]:.1f}{unit}, median {statistics.median(values):.1f}{unit}, "
            f"max {values[-1]:.1f}{unit}")


print(f"{runs} fresh processes of {binary}:")
print(f"  spawn to the first poll:     {spread(polls, ' ms')}")
print(f"  spawn to the first response: {spread(answers, ' ms')}")
print(f"  page faults before the first poll: {spread(faults, '')}")
PY
