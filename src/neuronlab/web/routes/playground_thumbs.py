"""The playground's data picker: a small sample of every drawable task's default data, for its thumbnails.

TensorFlow Playground picks a dataset by clicking a picture of it; ours draws one per task the page can
show (one or two inputs) from this endpoint.  Tasks are deterministic in their seed, so each sample is
computed once per process (the first call loads every task, about a second) and served from memory.
A sample is at most ``MAX_POINTS`` rows drawn with a fixed seed, coordinates rounded to ``DIGITS``
decimals: the whole answer stays a few tens of kB, and the thumbnails look the same on every visit.

The path is ``/api/tasks/thumbnails``, not ``/api/playground/thumbnails``: under ``/api/playground/``
a name is a session id, and that route would answer first.
"""

from __future__ import annotations

import functools
from typing import Literal

import numpy as np
from fastapi import APIRouter
from pydantic import BaseModel, Field

from neuronlab.tasks import Kind, Task, list_tasks, load_task

MAX_POINTS = 200  # dots per thumbnail: enough to see the shape, small enough for 16 tasks in one answer
CURVE_BINS = 40  # a 1-D task's curve: the mean target in this many bins of x
DIGITS = 3  # decimals kept of every coordinate
SAMPLE_SEED = 0  # which rows a thumbnail shows: fixed, so the picture never changes

router = APIRouter(prefix="/api", tags=["playground"])


class ThumbnailOut(BaseModel):
    """One task's picture data: dots ``x`` (rows of its 1 or 2 inputs) with targets ``y`` (class index or
    value), and for a 1-D task the curve of its mean target over x (``curve_x``, ``curve_y``)."""

    name: str
    kind: Kind
    n_inputs: Literal[1, 2]
    description: str
    x: list[list[float]] = Field(description="sample rows, each the task's 1 or 2 raw inputs")
    y: list[float] = Field(description="the target of each row: a class index, or a value (regression)")
    curve_x: list[float] = []
    curve_y: list[float] = []


def _rounded(a: np.ndarray) -> list[float]:
    return [float(v) for v in np.round(np.asarray(a, dtype=float), DIGITS)]


def _curve(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean target per equal-width bin of x (empty bins skipped): the data's own curve, smooth enough to
    read at 40 px whatever the noise, and honest where there is no true function (hall_petch's crops)."""
    edges = np.linspace(x.min(), x.max(), CURVE_BINS + 1)
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, CURVE_BINS - 1)  # (n,) bin of each x
    count = np.bincount(which, minlength=CURVE_BINS)
    full = count > 0
    mean_x = np.bincount(which, weights=x, minlength=CURVE_BINS)[full] / count[full]
    mean_y = np.bincount(which, weights=y, minlength=CURVE_BINS)[full] / count[full]
    return mean_x, mean_y


def thumbnail(task: Task) -> ThumbnailOut:
    """The picture data of ``task``: all its rows (train, validation, test), at most ``MAX_POINTS`` shown."""
    X = np.concatenate([task.X_train, task.X_val, task.X_test])
    y = np.concatenate([task.y_train, task.y_val, task.y_test]).astype(float)
    n_inputs = task.n_features
    if n_inputs not in (1, 2):
        raise ValueError(f"a thumbnail draws 1 or 2 inputs; {task.name!r} has {n_inputs}")
    out = ThumbnailOut(name=task.name, kind=task.kind, n_inputs=1 if n_inputs == 1 else 2,
                       description=task.description, x=[], y=[])
    if n_inputs == 1:
        out.curve_x, out.curve_y = map(_rounded, _curve(X[:, 0], y))
    keep = np.sort(np.random.default_rng(SAMPLE_SEED).permutation(len(y))[:MAX_POINTS])
    out.x = [_rounded(row) for row in X[keep]]
    out.y = _rounded(y[keep])
    return out


@functools.cache
def _thumbnails() -> tuple[ThumbnailOut, ...]:
    return tuple(thumbnail(load_task(info.name)) for info in list_tasks() if info.n_features in (1, 2))


@router.get("/tasks/thumbnails", response_model=list[ThumbnailOut])
def thumbnails() -> list[ThumbnailOut]:
    """A small sample of the default data of every task the playground draws (1 or 2 inputs), for its
    data picker; computed once per process (tasks are deterministic)."""
    return list(_thumbnails())
