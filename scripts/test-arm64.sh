#!/usr/bin/env bash
# Runs the artifact sam would deploy: .aws-sam/build/PlanIndexFunction/bootstrap (aarch64, from
# scripts/build-lambda.sh) under qemu-aarch64 user-mode emulation, against `cargo lambda
# watch`'s Lambda Runtime API emulator, with the model layer of the same build mounted where
# the template's PLAN_INDEX_MODEL_DIR points (/opt/...). Sends events made by
# `sam local generate-event` (REST, HTTP API, SQS) plus direct invokes and Function URL
# requests, and checks every answer against what index/ holds. Ends with
# `arm64: N passed, N failed`. Installs Debian's qemu-user and libc6-arm64-cross with apt-get
# when missing; says SKIPPED (and exits 0) only when they cannot be had.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" SAM_CLI_TELEMETRY=0
bootstrap=.aws-sam/build/PlanIndexFunction/bootstrap
sysroot=/usr/aarch64-linux-gnu

skip() {
    echo "SKIPPED: $*"
    echo "arm64: 0 passed, 0 failed (skipped)"
    exit 0
}

[ -f "$bootstrap" ] || { echo "error: no $bootstrap; run bash scripts/build-lambda.sh first" >&2; exit 1; }
for tool in cargo-lambda sam; do
    command -v "$tool" >/dev/null || { echo "error: $tool is not in .venv; run bash scripts/build-lambda.sh first" >&2; exit 1; }
done

if ! command -v qemu-aarch64 >/dev/null || [ ! -e "$sysroot/lib/ld-linux-aarch64.so.1" ]; then
    echo "installing qemu-user and libc6-arm64-cross with apt-get"
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
    if ! command -v apt-get >/dev/null; then
        skip "qemu-aarch64 or $sysroot is missing and there is no apt-get to install qemu-user and libc6-arm64-cross"
    fi
    if ! { "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq qemu-user libc6-arm64-cross >/dev/null; }; then
        skip "apt-get could not install qemu-user and libc6-arm64-cross"
    fi
    command -v qemu-aarch64 >/dev/null || skip "qemu-user installed no qemu-aarch64"
fi

# A prefix for qemu -L, where the bootstrap's loader and libc come from (libc6-arm64-cross).
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
for d in "$sysroot"/lib*; do ln -s "$d" "$root/$(basename "$d")"; done

# SAM-generated events (offline), bodies filled in by the test.
mkdir -p "$root/events"
sam local generate-event apigateway aws-proxy --method GET --path health --stage prod --body '' > "$root/events/rest-get.json"
sam local generate-event apigateway aws-proxy --method POST --path v1/search --stage prod --body '{}' > "$root/events/rest-post.json"
sam local generate-event apigateway http-api-proxy --method GET --path v1/collections --body '' > "$root/events/http-get.json"
sam local generate-event apigateway http-api-proxy --method POST --path v1/search --body '{}' > "$root/events/http-post.json"
sam local generate-event sqs receive-message > "$root/events/sqs.json"
sam local generate-event s3 put > "$root/events/s3.json"

qemu-aarch64 --version | head -n 1
python3 - "$bootstrap" "$root" <<'PY'
import base64, copy, glob, json, os, subprocess, sys, time

sys.path.insert(0, "scripts")
from emulator import Emulator

bootstrap, root = sys.argv[1], sys.argv[2]
passed, failed = 0, 0

def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok    {name}")
    else:
        failed += 1
        print(f"FAIL  {name}: {detail}"[:2000])

def load(path):
    with open(path) as f:
        return json.load(f)

# What index/ holds: the binary must have baked exactly this.
manifest = load("index/manifest.json")
collections = {os.path.basename(p)[:-5]: load(p) for p in sorted(glob.glob("index/*.json"))
               if os.path.basename(p) != "manifest.json"}

# The template sam build wrote: PLAN_INDEX_MODEL_DIR as the deployed function gets it.
from samtranslator.yaml_helper import yaml_parse
with open(".aws-sam/build/template.yaml") as f:
    template = yaml_parse(f.read())
variables = template["Resources"]["PlanIndexFunction"]["Properties"]["Environment"]["Variables"]
model_dir = variables.get("PLAN_INDEX_MODEL_DIR")
if isinstance(model_dir, dict) and "Fn::If" in model_dir:
    model_dir = model_dir["Fn::If"][1]
# Lambda extracts a layer into /opt: the layer's build folder stands for /opt. (qemu -L remaps
# open() but not stat(), so the process gets the host path of the same folder.)
layer_build = ".aws-sam/build/ModelLayer"
layer = os.path.isdir(layer_build) and not os.path.exists(f"{layer_build}/DISABLED")
model_host_dir = None
if layer:
    inside = os.path.relpath(model_dir, "/opt") if isinstance(model_dir, str) and model_dir.startswith("/opt/") else None
    model_host_dir = os.path.abspath(os.path.join(layer_build, inside)) if inside else None
    check(f"the template's PLAN_INDEX_MODEL_DIR ({model_dir}) is a folder of the built layer with the model files",
          model_host_dir is not None and all(os.path.isfile(os.path.join(model_host_dir, f))
                                             for f in ("model.safetensors", "tokenizer.json", "config.json")),
          f"layer holds {sorted(os.listdir(layer_build))}")

emu = Emulator()
emu.__enter__()
try:
    request, invoke = emu.request, emu.invoke

    def proxy(answer):
        """Status, headers and parsed body of an API Gateway / Function URL response."""
        return answer.get("statusCode"), answer.get("headers") or {}, json.loads(answer.get("body") or "null")

    def with_body(name, body):
        event = load(f"{root}/events/{name}")
        if body is None:
            event["body"], event["isBase64Encoded"] = None, False
        elif event.get("isBase64Encoded"):
            event["body"] = base64.b64encode(body.encode()).decode()
        else:
            event["body"] = body
        return event

    env = emu.function_env(**({"PLAN_INDEX_MODEL_DIR": model_host_dir} if model_host_dir else {}))
    # The first invoke is queued before the process starts, so its answer times the cold start.
    first_answer, cold_ms = emu.cold_invoke(["qemu-aarch64", "-L", root, bootstrap],
                                            {"action": "health"}, env=env)
    function, logs = emu.function, emu.logs
    print(f"cold start under qemu (spawn to first answer): {cold_ms:.0f} ms")

    status, health = first_answer
    counts = {name: len(items) for name, items in collections.items()}
    check("direct health: status ok, cold start, baked index = index/ (dim, metric, model, counts)",
          status == 200 and health.get("status") == "ok" and health.get("cold_start") is True
          and health.get("dim") == manifest["dim"] and health.get("metric") == manifest["metric"]
          and health.get("model") == manifest["model"] and health.get("collections") == counts,
          f"{status} {health}; expected counts {counts}")
    index_hash = health.get("index_hash")

    status, answer = invoke(with_body("rest-get.json", None))
    code, headers, body = proxy(answer)
    check("REST GET /health (sam aws-proxy event, stage prod): 200, warm, same index hash",
          status == 200 and code == 200 and headers.get("content-type") == "application/json"
          and body.get("cold_start") is False and body.get("index_hash") == index_hash,
          f"{status} {answer}")

    status, answer = invoke(with_body("http-get.json", None))
    code, _, body = proxy(answer)
    listed = {c.get("name"): c for c in (body or {}).get("collections", [])}
    check("HTTP API GET /v1/collections (sam http-api-proxy event): every collection with its count and dim",
          code == 200 and set(listed) == set(counts)
          and all(listed[n]["count"] == counts[n] and listed[n]["dim"] == manifest["dim"] for n in counts),
          f"{status} {answer}")

    # A search with an item's own vector must rank that item first with score 1 (cosine).
    name = "philosophies" if "philosophies" in collections else sorted(collections)[0]
    item = collections[name][len(collections[name]) // 2]
    k = min(3, len(collections[name]))
    search = json.dumps({"collection": name, "vector": item["embedding"], "k": k})
    status, answer = invoke(with_body("http-post.json", search))
    code, headers, body = proxy(answer)
    results = (body or {}).get("results") or []
    check(f"HTTP API POST /v1/search, vector of {name}/{item['id']}: itself first, score 1, k results",
          code == 200 and headers.get("content-type") == "application/json" and len(results) == k
          and results[0]["id"] == item["id"] and abs(results[0]["score"] - 1.0) < 1e-4
          and all(a["score"] >= b["score"] for a, b in zip(results, results[1:])),
          f"{status} {answer}"[:800])

    status, answer = invoke(with_body("rest-post.json", json.dumps({"collection": name, "like": item["id"], "k": k})))
    code, _, body = proxy(answer)
    like = [r["id"] for r in (body or {}).get("results") or []]
    check("REST POST /prod/v1/search (base64 body), like: the same ranking as the vector search",
          code == 200 and like == [r["id"] for r in results], f"{status} {answer}"[:800])

    status, text = request("POST", "/lambda-url/_/v1/search", search)
    try:
        body = json.loads(text)
    except ValueError:
        body = {}
    check("Function URL POST /v1/search through the emulator: the same ranking",
          status == 200 and [r["id"] for r in body.get("results") or []] == [r["id"] for r in results],
          f"{status} {text[:500]}")

    status, answer = invoke(with_body("http-post.json", json.dumps({"collection": "no_such_collection", "vector": [1.0]})))
    code, _, body = proxy(answer)
    check("HTTP API POST /v1/search, unknown collection: 404 unknown_collection",
          code == 404 and (body or {}).get("error", {}).get("code") == "unknown_collection", f"{answer}")
    status, answer = invoke(with_body("rest-post.json", '{"collection": '))
    code, _, body = proxy(answer)
    check("REST POST /v1/search, malformed JSON: 400 malformed_json",
          code == 400 and (body or {}).get("error", {}).get("code") == "malformed_json", f"{answer}")

    plan_request = {"race": "marathon", "weeks": 16, "level": "intermediate"}
    plan_event = with_body("http-post.json", json.dumps(plan_request))
    plan_event["rawPath"] = "/v1/plan"
    plan_event["requestContext"]["http"]["path"] = "/v1/plan"
    if "routeKey" in plan_event:
        plan_event["routeKey"] = "POST /v1/plan"
    status, answer = invoke(plan_event)
    code, _, plan = proxy(answer)
    weeks = (plan or {}).get("weeks") or []
    phil_ids = {i["id"] for i in collections.get("philosophies", [])}
    last = {d.get("day"): d.get("session_type") for d in (weeks[-1].get("days") or [])} if weeks else {}
    check("HTTP API POST /v1/plan, 16-week marathon: 16 weeks of 7 days, a baked philosophy, race on the last Sunday",
          code == 200 and len(weeks) == 16 and [w.get("week") for w in weeks] == list(range(1, 17))
          and all(len(w.get("days") or []) == 7 for w in weeks)
          and plan.get("philosophy", {}).get("id") in phil_ids and last.get("sun") == "race"
          and weeks[0].get("phase") == "base" and weeks[-1].get("phase") == "taper"
          and plan.get("index_hash") == index_hash,
          f"{status} {str(answer)[:800]}")

    # A canonical plan query text is baked: no model needed.
    baked = next((i for i in collections.get("queries", []) if i.get("text")), None)
    if baked and "knowledge" in collections:
        status, answer = invoke({"action": "search", "collection": "knowledge", "text": baked["text"], "k": 3})
        check("direct search, a baked query text: embedded baked, 3 results",
              status == 200 and answer.get("embedded") == "baked" and len(answer.get("results") or []) == 3,
              f"{status} {str(answer)[:500]}")

    # A text nobody baked: the model layer's files, at the template's PLAN_INDEX_MODEL_DIR.
    if layer and "knowledge" in collections:
        text = "how many weeks before a marathon should I start to taper, asked on arm64"
        t0 = time.perf_counter()
        status, answer = invoke({"action": "search", "collection": "knowledge", "text": text, "k": 3})
        took = (time.perf_counter() - t0) * 1000
        ids = [r["id"] for r in answer.get("results") or []]
        check(f"direct search, free text through the model layer ({model_dir}): embedded model, 3 results ({took:.0f} ms emulated)",
              status == 200 and answer.get("embedded") == "model" and len(ids) == 3,
              f"{status} {str(answer)[:500]}")
        native = "target/release/plan-index"
        def native_hash():
            if not os.access(native, os.X_OK):
                return None
            out = subprocess.run([native, "inspect", "--json"], capture_output=True, text=True)
            try:
                return json.loads(out.stdout).get("content_hash")
            except ValueError:
                return None
        if os.access(native, os.X_OK) and native_hash() != index_hash:
            # Last built with another index or without the embedder (scripts/test.sh does both
            # before this): build it again with index/ baked; only this crate rebuilds. When it
            # was never built, the comparison is skipped rather than compiling everything.
            print(f"building {native} with index/ baked, to compare against")
            subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "plan-index"],
                           env={k: v for k, v in os.environ.items() if k != "PLAN_INDEX_DIR"})
        if native_hash() == index_hash:
            out = subprocess.run([native, "search", "knowledge", "--text", text, "--k", "3", "--json"],
                                 capture_output=True, text=True, env=dict(os.environ, PLAN_INDEX_MODEL_DIR=model_host_dir))
            try:
                reference = json.loads(out.stdout)["results"]
            except (ValueError, KeyError):
                reference = None
            check("the same free-text search natively (x86_64 plan-index): same ids, scores within 1e-3",
                  reference is not None and [r["id"] for r in reference] == ids
                  and all(abs(a["score"] - b["score"]) < 1e-3 for a, b in zip(reference, answer["results"])),
                  f"native {out.stdout[:300]} {out.stderr[:300]} arm64 {answer.get('results')}")
        else:
            print(f"note: no {native} with the same index (build it with cargo build --release), so the arm64 and native free-text results are not compared")
    elif not layer:
        print("note: the model layer was built disabled (--no-model-layer): free-text search not checked")

    # An SQS batch (sam's receive-message record): two good bodies, two that must fail.
    record = load(f"{root}/events/sqs.json")["Records"][0]
    bodies = {
        "good-search": json.dumps({"collection": name, "like": item["id"], "k": 1}),
        "good-plan": json.dumps(dict(plan_request, weeks=8, race="10k")),
        "malformed": '{"collection": ',
        "unknown-collection": json.dumps({"collection": "no_such_collection", "vector": [1.0]}),
    }
    records = []
    for message_id, body in bodies.items():
        r = copy.deepcopy(record)
        r["messageId"], r["body"] = message_id, body
        records.append(r)
    status, answer = invoke({"Records": records})
    failures = sorted(f.get("itemIdentifier") for f in answer.get("batchItemFailures") or [])
    check("SQS batch of 4: exactly the malformed and unknown-collection records reported failed",
          status == 200 and failures == ["malformed", "unknown-collection"], f"{status} {answer}")

    status, answer = invoke(load(f"{root}/events/s3.json"))
    check("an S3 put notification (sam s3 put event): a function error of type unsupported_event",
          status == 500 and answer.get("errorType") == "unsupported_event", f"{status} {answer}")

    status, health = invoke({"action": "health"})
    check("still serving afterwards, warm, the same process",
          status == 200 and health.get("cold_start") is False and function.poll() is None, f"{status} {health}")

    lines = []
    for line in list(logs):
        try:
            lines.append(json.loads(line))
        except ValueError:
            pass
    check("the function logged one JSON line per invocation, the first one cold",
          any(l.get("message") == "invocation" and l.get("cold_start") is True for l in lines),
          "".join(logs[-10:]))
finally:
    emu.close()

print(f"arm64: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
