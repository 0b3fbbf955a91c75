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
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                    # A connect to a free port can be given that port as its source and
                    # connect to itself with nobody listening: that is not the emulator.
                    if probe.getsockname() != probe.getpeername():
                        return self
                raise ConnectionRefusedError
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


class FunctionUrlProxy:
    """A local HTTP endpoint in front of the emulator's Function URL (`/lambda-url/<fn>/...`).

    Every request goes through the emulator's Function URL unchanged, except one kind:
    cargo-lambda 1.9 cannot put a body that is not UTF-8 into its event and answers it with its
    own `500 {"type": "https://httpstatuses.com/500", ...}` (text/plain, no x-request-id), without
    calling the function. A real Function URL base64-encodes such a body (`isBase64Encoded`), so
    for those the proxy builds that payload-2.0 event itself and sends it through the Invoke API,
    turning the proxy response back into HTTP. And cargo-lambda 1.9 now and then answers a
    Function URL request with that same 500, or never, although the function answered it (about
    one large reply in a hundred: a plan, the spec; never a small one, never a direct
    invocation): such a request is sent once more. `proxy.stats` counts both paths and the
    retries.

        with Emulator() as emu, FunctionUrlProxy(emu) as proxy:
            urllib.request.urlopen(proxy.url + "/health")
    """

    RETRIES = 3

    def __init__(self, emulator, function="_"):
        self.emulator = emulator
        self.function = function
        self.stats = {"forwarded": 0, "base64_events": 0}
        self.server = None

    def __enter__(self):
        import http.server

        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_):
                pass

            def handle_one(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = proxy.answer(self.command, self.path, dict(self.headers), body)
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            def __getattr__(self, name):
                if name.startswith("do_"):
                    return self.handle_one
                raise AttributeError(name)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, method, target, headers, body):
        """Status, headers and body bytes for one request."""
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            self.stats["base64_events"] += 1
            return self.as_event(method, target, headers, body)
        self.stats["forwarded"] += 1
        # cargo-lambda 1.9 now and then answers a Function URL request with its own 500, or
        # never, although the function answered it (the function's log line shows its status;
        # direct invocations of the same events never fail): such a request is sent again, up to
        # RETRIES times, half a second apart, and counted. The last answer is passed on.
        for attempt in range(self.RETRIES + 1):
            last = attempt == self.RETRIES
            if attempt:
                time.sleep(0.5)
            try:
                answer = self.forward(method, target, headers, body, timeout=15)
            except TimeoutError:
                self.stats["emulator_lost"] = self.stats.get("emulator_lost", 0) + 1
                if last:
                    raise
                continue
            if not last and self.emulator_error(answer):
                self.stats["emulator_500"] = self.stats.get("emulator_500", 0) + 1
                continue
            return answer
        raise AssertionError("unreachable: the last attempt returns or raises")

    @staticmethod
    def emulator_error(answer):
        """Whether an answer is the emulator's own 500 (our replies are JSON with x-request-id)."""
        status, headers, payload = answer
        names = {k.lower() for k in headers}
        return status == 500 and "x-request-id" not in names and b"httpstatuses.com/500" in payload

    def forward(self, method, target, headers, body, timeout=120):
        """One request through the emulator's Function URL: status, headers, body bytes."""
        req = urllib.request.Request(f"{self.emulator.url}/lambda-url/{self.function}{target}",
                                     data=body if body or method not in ("GET", "HEAD") else None,
                                     method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def as_event(self, method, target, headers, body):
        """The request as the payload-2.0 event a Function URL sends, invoked directly."""
        import base64
        path, _, query = target.partition("?")
        event = {
            "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
            "headers": {k.lower(): v for k, v in headers.items()},
            "requestContext": {
                "accountId": "anonymous", "apiId": "proxy", "domainName": "proxy.lambda-url.us-east-1.on.aws",
                "domainPrefix": "proxy", "requestId": "function-url-proxy", "routeKey": "$default",
                "stage": "$default", "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
                "timeEpoch": int(time.time() * 1000),
                "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                         "sourceIp": "127.0.0.1", "userAgent": headers.get("User-Agent", "")},
            },
            "body": base64.b64encode(body).decode(), "isBase64Encoded": True,
        }
        status, text = self.emulator.invoke_raw(json.dumps(event))
        if status != 200:
            return status, {"content-type": "application/json"}, text.encode()
        reply = json.loads(text)
        payload = reply.get("body") or ""
        payload = base64.b64decode(payload) if reply.get("isBase64Encoded") else payload.encode()
        return reply.get("statusCode", 500), reply.get("headers") or {}, payload
