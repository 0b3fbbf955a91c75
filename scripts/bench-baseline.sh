#!/usr/bin/env bash
# Measures the Python baselines (benches/baseline_numpy.py) on one core, in a venv with numpy.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv-bench/bin/python ] || python3 -m venv .venv-bench
.venv-bench/bin/pip install --quiet --disable-pip-version-check "numpy==2.3.*"
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 taskset -c 0 .venv-bench/bin/python benches/baseline_numpy.py
