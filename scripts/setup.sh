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
# The batched training kernel (Numba) compiles once per source version, ~60 s per float type; do it
# here, both types side by side, so that no sweep or test waits for it (Numba caches it on disk).
kstamp=".venv/.neuronlab-kernel"
kwant=$(cat src/neuronlab/train/fused.py .venv/.neuronlab-installed* | sha256sum | cut -d' ' -f1)
if [ ! -f "$kstamp" ] || [ "$(cat "$kstamp")" != "$kwant" ]; then
    echo "compiling the batched training kernel (once, about a minute)..."
    .venv/bin/python -c "from neuronlab.train.ensemble_fused import warm_up; warm_up('float32')" &
    pid=$!
    .venv/bin/python -c "from neuronlab.train.ensemble_fused import warm_up; warm_up('float64')"
    wait "$pid"
    echo "$kwant" > "$kstamp"
fi
# Byte-compile our own sources: an editable install does not, and where PYTHONDONTWRITEBYTECODE is set
# (containers, CI) every `neuronlab` process would otherwise compile them again (~0.5 s of each start).
# Quiet and quick (a second or two); a module edited later is recompiled in memory as usual.
.venv/bin/python -m compileall -q -j 0 src/neuronlab > /dev/null
