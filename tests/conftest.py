"""Shared test set-up: one torch thread per xdist worker (2 cores, 2 workers), Agg plots."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import torch  # noqa: E402

torch.set_num_threads(1)
