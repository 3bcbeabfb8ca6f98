#!/usr/bin/env bash
# The main job. Sets everything up on a fresh machine (virtual env in .venv, packages), then runs
# the lab. Until the web lab exists that is `neuronlab demo`; any arguments go to `neuronlab` instead.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
if [ "$#" -eq 0 ]; then
    set -- demo
fi
exec .venv/bin/neuronlab "$@"
