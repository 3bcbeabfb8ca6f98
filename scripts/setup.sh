#!/usr/bin/env bash
# One set-up for both README commands: a virtual env in .venv with neuronlab installed.
# Idempotent: re-installs only when pyproject.toml or constraints.txt changed.
# Usage: scripts/setup.sh [dev]
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"
py="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$py" -m venv .venv
fi
stamp=".venv/.neuronlab-installed${extra:+-$extra}"
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    target="."
    [ -n "$extra" ] && target=".[$extra]"
    .venv/bin/python -m pip install --quiet -c constraints.txt -e "$target"
    echo "$want" > "$stamp"
fi
