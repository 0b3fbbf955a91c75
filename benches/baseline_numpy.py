"""The Python baselines the README compares plan-index against, measured on this machine.

- cached: a normalised float32 matrix held in memory, `M @ q` then a top-10 (what the old
  service did after its fix), for 100, 10,000 and 50,000 items of 1536 dims;
- uncached: what it did before the fix, per selection: re-read the JSON cache file, build the
  matrix, normalise, score, top-10 (100 items);
- `import numpy` alone, for the Lambda cold-start comparison.

Run it with `bash scripts/bench-baseline.sh` (which makes a venv with numpy). Prints JSON.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

DIM = 1536


def best_of(fn, repeat, number):
    """Median over `repeat` runs of the mean time of `number` calls, in microseconds."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - start) / number * 1e6)
    runs.sort()
    return runs[len(runs) // 2]


def top10(matrix, query):
    scores = matrix @ query
    top = np.argpartition(-scores, 10)[:10]
    return top[np.argsort(-scores[top], kind="stable")]


def cached(n, rng):
    matrix = rng.standard_normal((n, DIM)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    query = rng.standard_normal(DIM).astype(np.float32)
    query /= np.linalg.norm(query)
    number = max(1, 200_000 // n)
    return best_of(lambda: top10(matrix, query), 7, number)


def uncached(rng):
    items = [
        {"id": f"item-{i}", "embedding": rng.standard_normal(DIM).tolist(),
         "metadata": {"phase": "build"}}
        for i in range(100)
    ]
    query = rng.standard_normal(DIM).astype(np.float32)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(items, f)
        path = f.name

    def select():
        with open(path) as f:
            data = json.load(f)
        matrix = np.array([d["embedding"] for d in data], dtype=np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        return top10(matrix, query / np.linalg.norm(query))

    try:
        return best_of(select, 7, 5)
    finally:
        os.unlink(path)


def import_numpy_ms():
    runs = []
    for _ in range(7):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import numpy"], check=True)
        runs.append((time.perf_counter() - start) * 1e3)
    runs.sort()
    return runs[len(runs) // 2]


def main():
    rng = np.random.default_rng(42)
    report = {
        "cached_us": {str(n): round(cached(n, rng), 1) for n in (100, 10_000, 50_000)},
        "uncached_json_100_us": round(uncached(rng), 1),
        "python_import_numpy_process_ms": round(import_numpy_ms(), 1),
        "numpy": np.__version__,
        "threads": os.environ.get("OMP_NUM_THREADS", "default"),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
