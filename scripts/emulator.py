"""The one way our scripts run the function against cargo-lambda's Runtime API emulator.

`cargo lambda watch --only-lambda-apis` serves the Lambda Runtime API (the function polls it)
and the Invoke API (callers post events to it). Every script that drives the function through
it (test-arm64.sh, measure-cold-start.sh, the API tester, the soak) starts it, spawns the
function and invokes it through this module, so a change to how the emulator is started or
how a function process is given its environment is made once.

    from emulator import Emulator
    with Emulator() as emu:
        answer, ms = emu.cold_invoke(["target/release/plan-index-lambda"], {"action": "health"})
        status, reply = emu.invoke({"action": "health"})
"""

import json
import os
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

INVOKE_PATH = "/2015-03-31/functions/_/invocations"

# Variables a developer's shell may hold that would change what the function does.
_HOST_ONLY = ("RESULT_QUEUE_URL", "RESULT_EVENT_BUS", "PLAN_INDEX_MODEL_DIR", "AWS_ENDPOINT_URL")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    """A running `cargo lambda watch` and at most one function process attached to it."""

    def __init__(self, start_timeout=60):
        self.port = free_port()
        self.start_timeout = start_timeout
        self.process = None
        self.function = None
        self.logs = []

    def __enter__(self):
        self.process = subprocess.Popen(
            ["cargo-lambda", "lambda", "watch", "--only-lambda-apis",
             "-A", "127.0.0.1", "-P", str(self.port)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + self.start_timeout
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if time.time() > deadline or self.process.poll() is not None:
                    self.close()
                    raise SystemExit("error: cargo lambda watch did not start "
                                     "(is cargo-lambda on PATH? scripts/test.sh puts it in .venv)")
                time.sleep(0.05)

    def __exit__(self, *_):
        self.close()

    def close(self):
        self.stop_function()
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def function_env(self, memory_mb=512, log="info", **extra):
        """The environment Lambda gives a function, pointed at this emulator."""
        env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=f"http://127.0.0.1:{self.port}/.rt",
                   AWS_LAMBDA_FUNCTION_NAME="_", AWS_LAMBDA_FUNCTION_VERSION="1",
                   AWS_LAMBDA_FUNCTION_MEMORY_SIZE=str(memory_mb), RUST_LOG=log)
        for key in _HOST_ONLY:
            env.pop(key, None)
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def spawn(self, argv, env=None, keep_logs=True):
        """Starts the function process; its output is kept in `self.logs` (or dropped)."""
        self.stop_function()
        self.logs = []
        out = subprocess.PIPE if keep_logs else subprocess.DEVNULL
        self.function = subprocess.Popen(argv, env=env or self.function_env(),
                                         stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, text=True)
        if keep_logs:
            threading.Thread(target=lambda: self.logs.extend(self.function.stdout),
                             daemon=True).start()
        return self.function

    def stop_function(self):
        if self.function is not None:
            self.function.kill()
            self.function.wait()
            self.function = None

    def request(self, method, path, body=None, timeout=120, headers=None):
        """Status and text of one HTTP request to the emulator."""
        data = None if body is None else (body if isinstance(body, bytes) else body.encode())
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers=headers or {"content-type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def invoke_raw(self, payload, timeout=120):
        """A direct invocation with a payload of bytes or text, as sent: status and text."""
        return self.request("POST", INVOKE_PATH, payload, timeout=timeout)

    def invoke(self, event, timeout=120):
        """A direct invocation of a JSON event: status and the parsed answer."""
        status, body = self.invoke_raw(json.dumps(event), timeout=timeout)
        return status, json.loads(body)

    def cold_invoke(self, argv, event, env=None, timeout=180, keep_logs=True):
        """Queues `event`, then starts the function: its answer and ms from spawn to answer."""
        answer = {}

        def call():
            answer["reply"] = self.invoke(event, timeout=timeout)
            answer["at"] = time.perf_counter()

        caller = threading.Thread(target=call, daemon=True)
        caller.start()
        time.sleep(0.2)  # the invoke is queued before the process exists
        started = time.perf_counter()
        self.spawn(argv, env=env, keep_logs=keep_logs)
        caller.join(timeout)
        if "reply" not in answer:
            tail = "".join(self.logs[-20:])
            raise SystemExit(f"error: the function did not answer its first invoke within "
                             f"{timeout} s:\n{tail}")
        return answer["reply"], (answer["at"] - started) * 1000
