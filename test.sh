#!/usr/bin/env bash
# The whole test suite: sets everything up on a fresh machine (virtual env, packages), then runs
# ruff, mypy and pytest. Extra arguments go to pytest (e.g. ./test.sh -k moons).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh dev
bash scripts/apt-deps.sh
# One BLAS/OpenMP thread per process: pytest runs one worker per core, and oversubscribed
# OpenBLAS makes small GP fits ~30x slower.
export PYTHONHASHSEED=0 MPLBACKEND=Agg OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
echo "== ruff"
.venv/bin/ruff check src tests benchmarks notebooks
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
workers=$(nproc 2>/dev/null || echo 2)
[ "$workers" -gt 4 ] && workers=4
exec .venv/bin/pytest -n "$workers" "$@"
