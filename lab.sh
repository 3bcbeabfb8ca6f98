#!/usr/bin/env bash
# The main job. Sets everything up on a fresh machine (virtual env in .venv, packages), then starts
# the web lab on the embedded SQLite store and prints its URL; any arguments go to `neuronlab` instead
# (e.g. ./lab.sh demo).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
if [ "$#" -eq 0 ]; then
    set -- lab
fi
exec .venv/bin/neuronlab "$@"
