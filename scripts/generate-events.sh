#!/usr/bin/env bash
# Regenerates tests/events/*.json: API Gateway and SQS events from `sam local generate-event`,
# EventBridge, Function URL and S3 events from aws_lambda_events' fixtures, each edited for
# our routes. Run once by hand (after scripts/test.sh made .venv); the output is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
export SAM_CLI_TELEMETRY=0
sam=".venv/bin/sam"
out=tests/events
fixtures=$(ls -d "$HOME"/.cargo/registry/src/*/aws_lambda_events-1.2.1/src/fixtures | head -n1)
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A sample search body; the tests swap in one that fits whatever index is baked.
search='{"collection":"philosophies","vector":[1,0,0,0,0,0,0,0],"k":3}'

"$sam" local generate-event apigateway aws-proxy --method POST --path v1/search --stage prod \
    --body "$search" > "$tmp/rest-search.json"
"$sam" local generate-event apigateway aws-proxy --method GET --path health --stage prod \
    --body '' > "$tmp/rest-health.json"
"$sam" local generate-event apigateway http-api-proxy --method POST --path v1/search \
    --stage prod --body "$search" > "$tmp/http-search.json"
"$sam" local generate-event apigateway http-api-proxy --method GET --path v1/collections \
    --body '' > "$tmp/http-collections.json"
# sam does not escape --body for SQS, so the bodies are filled in below.
"$sam" local generate-event sqs receive-message > "$tmp/sqs.json"

python3 - "$tmp" "$out" "$fixtures" "$search" <<'PY'
import copy, json, sys
tmp, out, fixtures, search = sys.argv[1:]

def load(path):
    with open(path) as f:
        return json.load(f)

def save(name, event):
    with open(f"{out}/{name}", "w") as f:
        json.dump(event, f, indent=2, sort_keys=True)
        f.write("\n")

save("rest-v1-search.json", load(f"{tmp}/rest-search.json"))
rest_health = load(f"{tmp}/rest-health.json")
rest_health["body"], rest_health["isBase64Encoded"] = None, False
save("rest-v1-health.json", rest_health)
http_search = load(f"{tmp}/http-search.json")
# A named stage prefixes the raw path, as API Gateway does for non-default stages.
http_search["rawPath"] = "/prod/v1/search"
save("http-v2-search.json", http_search)
http_collections = load(f"{tmp}/http-collections.json")
http_collections["body"], http_collections["isBase64Encoded"] = None, False
save("http-v2-collections.json", http_collections)

record = load(f"{tmp}/sqs.json")["Records"][0]
bodies = [
    ("good", search),
    ("malformed", '{"collection": "philosophies", "vector": [1, 0,'),
    ("unknown-collection", '{"collection": "no_such_collection", "vector": [1, 0]}'),
]
records = []
for i, (name, body) in enumerate(bodies):
    r = copy.deepcopy(record)
    r["messageId"] = f"msg-{i}-{name}"
    r["body"] = body
    records.append(r)
save("sqs-batch.json", {"Records": records})

bridge = load(f"{fixtures}/example-eventbridge-event-obj.json")
bridge["source"] = "plan-index.client"
bridge["detail-type"] = "SearchRequest"
bridge["resources"] = []
bridge["detail"] = json.loads(search)
save("eventbridge-search.json", bridge)

url = load(f"{fixtures}/example-apigw-v2-request-no-authorizer.json")
url["rawPath"] = "/v1/search"
ctx = url["requestContext"]
ctx["domainName"] = "abcdefghij.lambda-url.us-east-1.on.aws"
ctx["domainPrefix"] = "abcdefghij"
ctx["http"]["method"] = "POST"
ctx["http"]["path"] = "/v1/search"
ctx.pop("authentication", None)
url["headers"]["host"] = ctx["domainName"]
url["headers"]["content-type"] = "application/json"
url["headers"].pop("content-length", None)
url["body"] = search
url["isBase64Encoded"] = False
save("function-url-search.json", url)

save("s3-notification.json", load(f"{fixtures}/example-s3-event.json"))
PY
ls "$out"
