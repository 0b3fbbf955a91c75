"""The outside tester's campaign of issue 11, replayed: malformed and odd payloads over every
carrier shape, thrown at the release binary under cargo-lambda's Runtime API emulator
(scripts/emulator.py), with AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512.

Checks, for every invocation:
- a JSON payload is answered with a valid answer or our error shape: an HTTP-shaped event with
  an HTTP response (a status code, a JSON `{"error": {"code", "message"}}` body on errors); a
  direct invocation with the answer or the error body; an SQS batch with `batchItemFailures`;
  an EventBridge event with its summary; anything else with a function error whose
  `errorType` is one of our codes (never the runtime's own deserializer error);
- no reply over 6 MB, no 5xx for bad input (HTTP status, or the emulator's own 500);
- the same function process throughout (its pid never changes, it never exits);
- the process's peak RSS (VmHWM) stays under 256 MB, the largest accepted requests included
  (the largest k and the most queries the 413 messages allow, found by asking, on the direct
  and HTTP carriers, and 30-week plans).

    python3 scripts/campaign.py [--quick] [--binary target/release/plan-index-lambda]

Prints `campaign: N invocations, F failed, peak RSS M MB` and exits non-zero on a failure.
`--quick` runs one pass of every case (scripts/test.sh); the default runs five passes with the
odd cases mutated.
"""

import argparse
import base64
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator import Emulator  # noqa: E402

SIX_MB = 6 * 1024 * 1024
RSS_LIMIT_KB = 256 * 1024
CODES = None  # filled from the OpenAPI document (the ErrorCode enum)


def http_v2(path, body=None, method="POST", b64=False, headers=None, domain="api.example.com"):
    if body is not None and not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    if b64 and body is not None:
        body = base64.b64encode(body if isinstance(body, bytes) else body.encode()).decode()
    elif isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return {"version": "2.0", "rawPath": path, "routeKey": "$default",
            "headers": headers or {"content-type": "application/json"},
            "requestContext": {"http": {"method": method, "path": path}, "stage": "$default",
                               "domainName": domain, "requestId": "r"},
            "body": body, "isBase64Encoded": b64}


def rest_v1(path, body=None, method="POST", b64=False):
    if body is not None and not isinstance(body, str):
        body = json.dumps(body)
    if b64 and body is not None:
        body = base64.b64encode(body.encode()).decode()
    return {"resource": "/{proxy+}", "path": path, "httpMethod": method,
            "headers": {"content-type": "application/json"}, "multiValueHeaders": {},
            "queryStringParameters": None, "requestContext": {"httpMethod": method,
            "path": "/prod" + path, "stage": "prod", "requestId": "r", "resourcePath": "/{proxy+}"},
            "body": body, "isBase64Encoded": b64}


def sqs(*bodies):
    return {"Records": [{"messageId": f"m{i}", "receiptHandle": "h", "eventSource": "aws:sqs",
                         "eventSourceARN": "arn:aws:sqs:us-east-1:1:q", "awsRegion": "us-east-1",
                         "body": b if isinstance(b, str) else json.dumps(b), "attributes": {},
                         "messageAttributes": {}} for i, b in enumerate(bodies)]}


def eventbridge(detail, detail_type="SearchRequest"):
    return {"version": "0", "id": "e-1", "detail-type": detail_type, "source": "client",
            "account": "1", "time": "2026-01-01T00:00:00Z", "region": "us-east-1",
            "resources": [], "detail": detail}


def nested(depth, leaf="1"):
    return "[" * depth + leaf + "]" * depth


def cases(collection, vector, like):
    """(label, payload bytes, kind) with kind in http/direct/sqs/eventbridge/other."""
    v = vector
    good_search = {"collection": collection, "vector": v, "k": 3}
    odd_bodies = [
        "", " ", "null", "[]", "{}", "\"text\"", "12", "{not json", "{\"collection\":",
        "\ufeff" + json.dumps(good_search), json.dumps({"collection": "\ud800", "like": "x"}),
        '{"collection": "\\ud800", "like": "x"}', '{"collection": "\\udc00\\ud800", "like": "\\ud83d"}',
        json.dumps({"collection": collection, "like": like, "k": 1e308}),
        json.dumps({"collection": collection, "like": like, "k": -1}),
        json.dumps({"collection": collection, "like": like, "k": 0.5}),
        json.dumps({"collection": collection, "like": like, "k": "10"}),
        json.dumps({"collection": collection, "like": like, "k": 10**30}),
        json.dumps({"collection": collection, "like": like, "min_score": 1e39}),
        json.dumps({"collection": collection, "like": like, "min_score": "x"}),
        json.dumps({"collection": collection, "vector": [v] * 100, "k": 10000}),
        json.dumps({"collection": collection, "vector": [v] * 1000, "k": 10000}),
        json.dumps({"collection": collection, "vector": [v] * 250, "k": 10000}),
        json.dumps({"collection": collection, "vector": "abc"}),
        json.dumps({"collection": collection, "vector": [1.0, "x"]}),
        json.dumps({"collection": collection, "vector": []}),
        json.dumps({"collection": collection, "vector": [[]]}),
        json.dumps({"collection": collection, "vector": [1e39] * len(v)}),
        json.dumps({"collection": collection, "vector_b64": "!!!not base64"}),
        json.dumps({"collection": collection, "vector_b64": "AAAA"}),
        json.dumps({"collection": collection, "vector_b64": ["AAAA", 5]}),
        json.dumps({"collection": collection, "vector_b64": "AAAAAA==", "n": -3}),
        json.dumps({"collection": 5, "like": like}),
        json.dumps({"collection": collection}),
        json.dumps({"collection": collection, "like": like, "text": "x"}),
        json.dumps({"collection": collection, "text": "x" * 100000}),
        json.dumps({"collection": collection, "like": like, "where": {"a": {"b": 1}}}),
        '{"collection": "%s", "like": "%s", "where": {"a": %s}}' % (collection, like, nested(200)),
        '{"collection": "%s", "like": "%s", "where": {"a": %s}}' % (collection, like, nested(100000)),
        json.dumps({"collection": collection, "like": like, "unknown": 1}),
        json.dumps({"collection": collection, "like": like, "k": 3, "k2": None}),
        json.dumps({"race": "marathon", "weeks": 30, "level": "advanced", "days_per_week": 7,
                    "units": "mi", "goal_time": "02:59:00", "start_date": "2026-01-05"}),
        json.dumps({"race": "ultra", "weeks": 30, "level": "beginner", "mode": "semantic"}),
        json.dumps({"race": "marathon", "weeks": 1e308, "level": "advanced"}),
        json.dumps({"race": "marathon", "weeks": -5, "level": "advanced"}),
        json.dumps({"race": "marathon", "weeks": 16, "ctl": 1e308}),
        json.dumps({"race": "marathon", "weeks": 16, "level": "advanced", "weekly_km": 1e308}),
        json.dumps({"race": "marathon", "weeks": 16, "level": "advanced", "goal_time": "99:99:99"}),
        json.dumps({"race": "marathon", "race_date": "2026-02-30", "level": "advanced"}),
        json.dumps({"race": "marathon", "race_date": "9999-12-31", "start_date": "0001-01-01",
                    "level": "advanced"}),
        json.dumps({"race": "\ud800", "weeks": 16, "level": "advanced"}),
        json.dumps({"race": "marathon", "weeks": 16, "level": "advanced",
                    "philosophy": "x" * 200000}),
        json.dumps({"race": "marathon", "weeks": 16, "level": "advanced",
                    "recent_race": {"distance": "10k", "time": "00:00:01"}}),
        json.dumps({"race": "marathon", "weeks": 16, "level": "advanced",
                    "recent_race": {"distance": 1e308, "time": "1:00:00"}}),
    ]
    routes = [("POST", "/v1/search"), ("POST", "/v1/plan")]
    out = []
    for i, body in enumerate(odd_bodies):
        plan = body.startswith('{"race"')
        method, path = routes[1] if plan else routes[0]
        out.append((f"http v2 {path} #{i}", http_v2(path, body, method), "http"))
        out.append((f"http v2 b64 {path} #{i}", http_v2(path, body, method, b64=True), "http"))
        out.append((f"rest v1 {path} #{i}", rest_v1(path, body, method), "http"))
        out.append((f"function url {path} #{i}",
                    http_v2(path, body, method, domain="abc.lambda-url.us-east-1.on.aws"), "http"))
        try:
            value = json.loads(body)
        except (ValueError, RecursionError):
            value = None
        action = "plan" if plan else "search"
        if isinstance(value, dict):
            out.append((f"direct #{i}", dict(value, action=action), "direct"))
        else:
            # Not JSON at all (the body spliced in unclosed): a function error of ours.
            out.append((f"direct raw #{i}", '{"action": "%s", "x": %s' % (action, body), "other"))
        out.append((f"sqs #{i}", sqs(body, json.dumps(good_search), body), "sqs"))
        out.append((f"eventbridge #{i}", eventbridge(value if value is not None else body), "eventbridge"))
    # Envelopes that are odd themselves.
    odd = [
        ("http bad base64", http_v2("/v1/search", "%%%not base64", b64=True), "http"),
        ("http body not a string", dict(http_v2("/v1/search"), body=5), "http"),
        ("http no method", {"version": "2.0", "rawPath": "/v1/search",
                            "requestContext": {"http": {}}, "body": "{}"}, "http"),
        ("http GET search", http_v2("/v1/search", None, "GET"), "http"),
        ("http DELETE health", http_v2("/health", None, "DELETE"), "http"),
        ("http unknown path", http_v2("/nope", "{}"), "http"),
        ("http health", http_v2("/health", None, "GET"), "http"),
        ("http collections", http_v2("/v1/collections", None, "GET"), "http"),
        ("http openapi", http_v2("/openapi.json", None, "GET"), "http"),
        ("http calendar", http_v2("/v1/plan", {"race": "marathon", "weeks": 30, "level": "advanced"},
                                  headers={"content-type": "application/json",
                                           "accept": "text/calendar"}), "http"),
        ("http non-utf8 b64", http_v2("/v1/search", b"\xff\xfe{", b64=True), "http"),
        ("http 5 MB body", http_v2("/v1/search", json.dumps(
            {"collection": collection, "vector": [v] * 600, "k": 1})), "http"),
        ("http deep envelope", json.loads(json.dumps(http_v2("/health", None, "GET"))) | {
            "requestContext": {"http": {"method": "GET", "path": "/health"},
                               "authorizer": json.loads(nested(120, "{}"))}}, "http"),
        ("sqs empty", {"Records": []}, "sqs"),
        ("sqs records not a list", {"Records": {"a": 1}}, "other"),
        ("sqs record without body", {"Records": [{"messageId": "a", "eventSource": "aws:sqs"}]}, "sqs"),
        ("sqs ten records", sqs(*([json.dumps(good_search)] * 10)), "sqs"),
        ("sqs deep body", sqs('{"collection": "x", "where": %s}' % nested(300)), "sqs"),
        ("eventbridge no detail", {k: v for k, v in eventbridge(1).items() if k != "detail"}, "eventbridge"),
        ("eventbridge string detail", eventbridge("{\"collection\": 1}"), "eventbridge"),
        ("eventbridge array detail", eventbridge([1, 2]), "eventbridge"),
        ("eventbridge own source", eventbridge({}) | {"source": "plan-index"}, "eventbridge"),
        ("s3 event", {"Records": [{"eventSource": "aws:s3", "s3": {}}]}, "other"),
        ("empty object", {}, "other"),
        ("array", [], "other"),
        ("string", "hello", "other"),
        ("number", 5, "other"),
        ("null", None, "other"),
        ("direct unknown action", {"action": "drop"}, "direct"),
        ("direct action not a string", {"action": 5}, "direct"),
        ("direct health", {"action": "health"}, "direct"),
        ("direct collections", {"action": "collections"}, "direct"),
        ("direct openapi", {"action": "openapi"}, "direct"),
        ("raw empty", b"", "other"),
        ("raw not json", b"not json at all", "other"),
        ("raw bad utf8", b"{\"action\": \"health\xff\"}", "direct"),
        ("raw bom direct", "\ufeff{\"action\": \"health\"}".encode(), "direct"),
        ("raw deep", nested(100000).encode(), "other"),
        ("raw deep object", ('{"a":' * 5000 + "1" + "}" * 5000).encode(), "other"),
        ("raw lone surrogate", b'{"action": "search", "collection": "\\ud800", "like": "x"}', "direct"),
        ("raw truncated", b'{"action": "search", "collection": ', "other"),
        ("raw nul", b'{"action": "health"}\x00', "other"),
        ("raw huge number", b'{"action": "search", "collection": "a", "like": "x", "k": 1' + b"0" * 5000 + b"}", "direct"),
    ]
    out += odd
    return out


def to_bytes(payload):
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str) and payload.startswith('{"action"'):
        return payload.encode()
    return json.dumps(payload).encode()


def error_shape(value):
    e = value.get("error") if isinstance(value, dict) else None
    return isinstance(e, dict) and isinstance(e.get("code"), str) and isinstance(e.get("message"), str) \
        and e["code"] in CODES


def judge(kind, status, text):
    """What is wrong with an answer (None when nothing is)."""
    if len(text.encode()) > SIX_MB:
        return f"reply of {len(text.encode())} bytes, over 6 MB"
    try:
        answer = json.loads(text)
    except ValueError:
        return f"the emulator answered {status} with non-JSON {text[:200]!r}"
    if status != 200:
        # A function error: must name one of our codes (never the runtime's deserializer).
        if kind in ("http", "direct"):
            return f"function error {status} for an {kind} event: {text[:300]}"
        if not (isinstance(answer, dict) and answer.get("errorType") in CODES):
            return f"function error not ours: {text[:300]}"
        return None
    if kind == "http":
        if not isinstance(answer, dict) or not isinstance(answer.get("statusCode"), int):
            return f"HTTP event without an HTTP response: {text[:300]}"
        code = answer["statusCode"]
        if code >= 500:
            return f"HTTP {code} for bad input: {answer.get('body', '')[:300]}"
        if code >= 400:
            body = answer.get("body") or ""
            if answer.get("isBase64Encoded"):
                body = base64.b64decode(body).decode()
            try:
                parsed = json.loads(body)
            except ValueError:
                return f"HTTP {code} with a non-JSON body {body[:200]!r}"
            if not error_shape(parsed):
                return f"HTTP {code} without our error shape: {body[:300]}"
        return None
    if kind == "direct":
        if isinstance(answer, dict) and "error" in answer and not error_shape(answer):
            return f"direct error not in our shape: {text[:300]}"
        if isinstance(answer, dict) and "error" in answer and answer["error"]["code"] == "internal":
            return f"internal error for bad input: {text[:300]}"
        return None
    if kind == "sqs":
        if not (isinstance(answer, dict) and isinstance(answer.get("batchItemFailures"), list)):
            return f"SQS batch without batchItemFailures: {text[:300]}"
        return None
    if kind == "eventbridge":
        if not isinstance(answer, dict):
            return f"EventBridge event without a summary: {text[:300]}"
        return None
    # Other events: a function error (handled above) or some JSON answer.
    return None


def vm_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def largest_accepted(emu, collection, vector, carrier):
    """The largest searches the 413 messages allow: ask for too much, then for what they say."""
    out = []
    for queries in (1, 100, 1000):
        body = {"collection": collection, "vector": [vector] * queries if queries > 1 else vector,
                "k": 10000}
        payload = dict(body, action="search") if carrier == "direct" else http_v2("/v1/search", body)
        status, text = emu.invoke_raw(json.dumps(payload))
        answer = json.loads(text)
        if carrier == "http":
            answer = json.loads(answer["body"])
        message = answer.get("error", {}).get("message", "") if isinstance(answer, dict) else ""
        found = re.search(r"k <= (\d+)", message)
        if not found:
            continue  # it fitted as asked
        k = int(found.group(1))
        if k == 0:
            continue
        body["k"] = k
        payload = dict(body, action="search") if carrier == "direct" else http_v2("/v1/search", body)
        out.append((f"largest {carrier} search {queries} x k {k}", payload, carrier))
    return out


def main():
    global CODES
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="target/release/plan-index-lambda")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--passes", type=int, default=None)
    args = parser.parse_args()
    passes = args.passes or (1 if args.quick else 5)
    rng = random.Random(11)
    with Emulator() as emu:
        emu.spawn([args.binary], env=emu.function_env(memory_mb=512, log="warn"), keep_logs=False)
        pid = emu.function.pid
        status, spec = emu.invoke({"action": "openapi"})
        CODES = set(spec["components"]["schemas"]["ErrorCode"]["enum"])
        status, health = emu.invoke({"action": "health"})
        collection = "knowledge" if "knowledge" in health["collections"] else next(iter(health["collections"]))
        status, some = emu.invoke({"action": "search", "collection": collection, "text": "taper",
                                   "k": 1})
        like = some["results"][0]["id"] if "results" in some else "x"
        dim = health["dim"]
        vector = [round(rng.uniform(-1, 1), 6) for _ in range(dim)]
        all_cases = cases(collection, vector, like)
        all_cases += largest_accepted(emu, collection, vector, "direct")
        all_cases += largest_accepted(emu, collection, vector, "http")
        failures, count = [], 0
        for p in range(passes):
            batch = list(all_cases)
            if p:
                rng.shuffle(batch)
            for label, payload, kind in batch:
                data = to_bytes(payload)
                if p and kind != "other" and rng.random() < 0.5 and len(data) < 200000:
                    # Mutate: flip, drop or repeat a byte (still thrown; judged loosely).
                    data = bytearray(data)
                    at = rng.randrange(len(data)) if data else 0
                    op = rng.choice(("flip", "drop", "dup"))
                    if data and op == "flip":
                        data[at] ^= 1 << rng.randrange(8)
                    elif data and op == "drop":
                        del data[at]
                    elif data:
                        data.insert(at, data[at])
                    data, kind, label = bytes(data), "mutated", label + " (mutated)"
                status, text = emu.invoke_raw(data, timeout=60)
                count += 1
                if kind == "mutated":
                    problem = None
                    if len(text.encode()) > SIX_MB:
                        problem = "reply over 6 MB"
                    elif status >= 500:
                        try:
                            answer = json.loads(text)
                        except ValueError:
                            answer = None
                        if not (isinstance(answer, dict) and answer.get("errorType") in CODES):
                            problem = f"function error not ours: {text[:300]}"
                    else:
                        try:
                            answer = json.loads(text)
                            if isinstance(answer, dict) and isinstance(answer.get("statusCode"), int) \
                                    and answer["statusCode"] >= 500:
                                problem = f"HTTP {answer['statusCode']}: {str(answer.get('body'))[:300]}"
                        except ValueError:
                            problem = f"non-JSON answer {text[:200]!r}"
                else:
                    problem = judge(kind, status, text)
                if emu.function.poll() is not None:
                    problem = (problem or "") + f" the function exited ({emu.function.returncode})"
                if problem:
                    failures.append(f"{label}: {problem}")
                    print(f"campaign: FAIL {label}: {problem}", flush=True)
                    if emu.function.poll() is not None:
                        break
        alive = emu.function.poll() is None and emu.function.pid == pid
        peak = vm_kb(pid, "VmHWM") if alive else 0
        rss = vm_kb(pid, "VmRSS") if alive else 0
        if not alive:
            failures.append("the function process did not survive the campaign")
        if peak >= RSS_LIMIT_KB:
            failures.append(f"peak RSS {peak} kB, over {RSS_LIMIT_KB} kB")
        print(f"campaign: {count} invocations ({len(all_cases)} cases x {passes} passes), "
              f"{len(failures)} failed, same pid {pid} throughout: {alive}, "
              f"peak RSS {peak / 1024:.1f} MB (now {rss / 1024:.1f} MB; limit 256 MB at 512 MB)")
        for line in failures[:20]:
            print(f"campaign:   {line}")
        print(f"campaign-result: {count - len(failures)} passed, {len(failures)} failed")
        sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
