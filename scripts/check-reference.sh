#!/usr/bin/env bash
# Bakes ../shared/reference/athlete-space into the binary (PLAN_INDEX_DIR) and checks that
# `--like` returns the item itself first with score 1.0. Skips, saying why, without that folder.
set -euo pipefail
cd "$(dirname "$0")/.."
ref=../shared/reference/athlete-space
if [ ! -d "$ref" ]; then
    echo "SKIPPED: $ref is absent (it is not part of the repository)"
    exit 0
fi
# Same target dir: only this crate is rebuilt (the build script reruns when PLAN_INDEX_DIR
# changes); the next plain build bakes index/ again.
PLAN_INDEX_DIR="$ref" cargo build --release --quiet -p plan-index-cli --bin plan-index
out=$(target/release/plan-index search week_structures --like daniels__5k__intermediate__build__v1 --k 3 --json)
python3 - "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])["results"]
assert r[0]["id"] == "daniels__5k__intermediate__build__v1", r[0]
assert abs(r[0]["score"] - 1.0) < 1e-5, r[0]
assert len(r) == 3
print("reference: 1 passed, 0 failed")
PY
