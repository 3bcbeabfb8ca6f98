"""Shared test set-up: one torch thread per xdist worker (2 cores, 2 workers), Agg plots."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("MPLBACKEND", "Agg")
# computed ceilings are cached on disk (tasks/ceilings.py): each test session starts with an empty cache of its own
os.environ.setdefault("NEURONLAB_CACHE", tempfile.mkdtemp(prefix="neuronlab-test-cache-"))

import torch
from hypothesis import settings

torch.set_num_threads(1)
# The same drawn examples on every run: a red CI is then reproducible, and a green one means the same thing
# twice (random draws found a 2e-9 rounding gap once in ~20 runs).  Shrinking and the examples' variety stay.
settings.register_profile("neuronlab", derandomize=True, database=None)
settings.load_profile("neuronlab")

# A real PostgreSQL server (Debian's package) for every test that asks for `postgres_url`/`postgres_db_url`.
pytest_plugins = ["postgres"]
