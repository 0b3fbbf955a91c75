#!/usr/bin/env bash
# Builds what `sam deploy` would ship: `sam build` of template.yaml (the function with
# BuildMethod rust-cargolambda, the model layer with BuildMethod makefile) into .aws-sam/build,
# then reports the sizes against Lambda's limits and fails when they are exceeded.
#
#   bash scripts/build-lambda.sh [--architecture arm64|x86_64] [--no-model-layer]
#
# Works on a fresh clone: it adds the Rust target with rustup, makes .venv (if absent) with the
# cargo-lambda (which brings zig, the cross linker) and aws-sam-cli pinned in
# scripts/requirements-test.txt, and fetches the model files (scripts/fetch-model.sh via the
# layer's Makefile). Deploy with the same parameters: `sam deploy --parameter-overrides
# Architecture=... EnableModelLayer=...`.
set -euo pipefail
cd "$(dirname "$0")/.."

arch="${ARCHITECTURE:-arm64}"
model_layer="${ENABLE_MODEL_LAYER:-true}"
while [ $# -gt 0 ]; do
    case "$1" in
        --architecture) arch="${2:?--architecture needs arm64 or x86_64}"; shift 2 ;;
        --architecture=*) arch="${1#*=}"; shift ;;
        --no-model-layer) model_layer=false; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "error: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$arch" in
    arm64) target=aarch64-unknown-linux-gnu; lambda_flag=(--arm64); elf_machine=183 ;;
    x86_64) target=x86_64-unknown-linux-gnu; lambda_flag=(); elf_machine=62 ;;
    *) echo "error: --architecture must be arm64 or x86_64, not $arch" >&2; exit 2 ;;
esac
case "$model_layer" in true|false) ;; *) echo "error: ENABLE_MODEL_LAYER must be true or false" >&2; exit 2 ;; esac

step() { printf '\n==> %s\n' "$*"; }
started=$SECONDS

step "Rust target $target"
rustup target add "$target"

step "cargo-lambda and aws-sam-cli into .venv (pinned in scripts/requirements-test.txt)"
[ -x .venv/bin/python ] || python3 -m venv .venv
pins=$(mktemp)
trap 'rm -f "$pins"' EXIT
grep -E '^(cargo-lambda|aws-sam-cli)==' scripts/requirements-test.txt > "$pins"
[ "$(wc -l < "$pins")" -eq 2 ] || { echo "error: scripts/requirements-test.txt must pin cargo-lambda and aws-sam-cli" >&2; exit 1; }
.venv/bin/pip install --quiet --disable-pip-version-check -r "$pins"
export PATH="$PWD/.venv/bin:$PATH" SAM_CLI_TELEMETRY=0
# cargo-lambda runs zig through python-zig; its cache must be writable.
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$HOME/.cache}"

# The function is linked as a position-dependent executable by build.rs (`-no-pie` for the
# bootstrap only), in this build as in any other: a PIE's ~60,000 relative relocations make the
# loader write (copy-on-write) about 1 MB of `.data.rel.ro` at every start, ~280 page faults
# before the first poll (docs/lambda.md, "Measured"). Checked below.

# The very command sam build's rust-cargolambda builder runs (aws_lambda_builders:
# `cargo lambda build --release [--arm64] --bin <Binary>` in the project folder, same target
# dir), run first so that its progress shows; sam build then finds it up to date.
step "cargo lambda build --release ${lambda_flag[*]} --bin plan-index-lambda"
t0=$SECONDS
cargo lambda build --release "${lambda_flag[@]}" --bin plan-index-lambda
compile_s=$((SECONDS - t0))

step "sam build (Architecture=$arch EnableModelLayer=$model_layer)"
t0=$SECONDS
PLAN_INDEX_MODEL_LAYER="$model_layer" sam build --parameter-overrides "Architecture=$arch" "EnableModelLayer=$model_layer"
sam_s=$((SECONDS - t0))

step "sizes against Lambda's limits"
python3 - "$arch" "$elf_machine" "$model_layer" <<'PY'
import io, json, os, sys, zipfile

arch, elf_machine, model_layer = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "true"
MiB = 1024 * 1024
ZIPPED_DIRECT = 50 * MiB      # function .zip uploaded directly (console, --zip-file)
UNZIPPED_TOTAL = 250 * MiB    # function + all its layers, extracted
build = ".aws-sam/build"

def measure(folder):
    """Unzipped bytes, and the bytes of the .zip sam package would make (deflate)."""
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for path in files:
            z.write(path, os.path.relpath(path, folder))
    return sum(os.path.getsize(p) for p in files), len(buffer.getvalue()), len(files)

function_dir = f"{build}/PlanIndexFunction"
bootstrap = f"{function_dir}/bootstrap"
if not os.path.isfile(bootstrap):
    sys.exit(f"error: sam build left no {bootstrap}")
with open(bootstrap, "rb") as f:
    header = f.read(20)
machine = int.from_bytes(header[18:20], "little")
if header[:4] != b"\x7fELF" or machine != elf_machine:
    sys.exit(f"error: {bootstrap} is not an ELF binary for {arch} (e_machine {machine}, expected {elf_machine})")
# ET_EXEC (2), not ET_DYN (3, a PIE): build.rs links the bootstrap with -no-pie.
if int.from_bytes(header[16:18], "little") != 2:
    sys.exit(f"error: {bootstrap} is a position-independent executable; build.rs should link it "
             "with -no-pie (docs/lambda.md, \"Cold start\")")

failures = []
fn_unzipped, fn_zipped, _ = measure(function_dir)
print(f"function PlanIndexFunction ({arch}): {fn_unzipped / MiB:.1f} MiB unzipped, "
      f"{fn_zipped / MiB:.1f} MiB zipped (direct-upload limit {ZIPPED_DIRECT // MiB} MiB)")
if fn_zipped > ZIPPED_DIRECT:
    failures.append(
        f"the function zip is {fn_zipped / MiB:.1f} MiB, over Lambda's {ZIPPED_DIRECT // MiB} MiB "
        "limit for a direct upload: the baked index is too large; shrink index/ (fewer items, "
        "or a smaller storage type) or deploy only through S3 (sam deploy)")

layer_dir = f"{build}/ModelLayer"
layer = None
if model_layer:
    if not os.path.isdir(f"{layer_dir}/all-MiniLM-L6-v2"):
        sys.exit(f"error: sam build left no {layer_dir}/all-MiniLM-L6-v2 (EnableModelLayer=true)")
    layer_unzipped, layer_zipped, count = measure(layer_dir)
    layer = {"unzipped": layer_unzipped, "zipped": layer_zipped, "files": count}
    print(f"layer ModelLayer (/opt/all-MiniLM-L6-v2, {count} files): {layer_unzipped / MiB:.1f} MiB "
          f"unzipped, {layer_zipped / MiB:.1f} MiB zipped (sam deploy publishes it from S3, "
          "where only the unzipped limit applies)")
total = fn_unzipped + (layer["unzipped"] if layer else 0)
print(f"function + layers unzipped: {total / MiB:.1f} MiB of Lambda's {UNZIPPED_TOTAL // MiB} MiB")
if total > UNZIPPED_TOTAL:
    failures.append(
        f"function + layers unzip to {total / MiB:.1f} MiB, over Lambda's {UNZIPPED_TOTAL // MiB} MiB: "
        "the baked index is too large for this deployment; shrink index/ or deploy with "
        "EnableModelLayer=false (vector-only and baked query texts)")
with open(f"{build}/sizes.json", "w") as f:
    json.dump({"architecture": arch, "function": {"unzipped": fn_unzipped, "zipped": fn_zipped},
               "model_layer": layer, "total_unzipped": total,
               "limits": {"zipped_direct": ZIPPED_DIRECT, "unzipped_total": UNZIPPED_TOTAL}}, f, indent=1)
for failure in failures:
    print(f"error: {failure}", file=sys.stderr)
sys.exit(1 if failures else 0)
PY

echo "build-lambda: $arch in $((SECONDS - started)) s (cargo lambda build ${compile_s} s, sam build ${sam_s} s); deploy with: sam deploy --guided --parameter-overrides Architecture=$arch EnableModelLayer=$model_layer"
