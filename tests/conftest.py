"""Shared test set-up: one torch thread per xdist worker (2 cores, 2 workers), Agg plots."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import torch

torch.set_num_threads(1)

# A real PostgreSQL server (Debian's package) for every test that asks for `postgres_url`/`postgres_db_url`.
pytest_plugins = ["postgres"]
