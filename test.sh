#!/usr/bin/env bash
# The whole test suite: sets everything up on a fresh machine (virtual env, packages), then runs
# ruff, mypy and pytest. Extra arguments go to pytest (e.g. ./test.sh -k moons).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh dev
bash scripts/apt-deps.sh
# pytest runs one worker per core (at most 4); counted before OMP_NUM_THREADS is set, which nproc obeys.
workers=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
[ "$workers" -gt 4 ] && workers=4
# One BLAS/OpenMP thread per process: oversubscribed OpenBLAS makes small GP fits ~30x slower.
export PYTHONHASHSEED=0 MPLBACKEND=Agg OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
echo "== ruff"
.venv/bin/ruff check src tests benchmarks notebooks
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
exec .venv/bin/pytest -n "$workers" "$@"
