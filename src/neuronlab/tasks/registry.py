"""Task names → loaders, and the checks every loader shares.

A loader is a plain function with keyword-only parameters and defaults (``seed=0``, the split
fractions, ``n_samples`` where it makes sense).  ``@register`` files it under its task name; its
signature *is* the list of valid parameters, so ``load_task`` can name them when a key is wrong.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from neuronlab import limits
from neuronlab.errors import TaskError, valid_names
from neuronlab.tasks.base import Kind, Task, split_task

Loader = Callable[..., Task]
L = TypeVar("L", bound=Loader)


@dataclass(frozen=True)
class TaskInfo:
    """What ``neuronlab tasks`` lists: one row per task, measured at its default parameters."""

    name: str
    kind: Kind
    n_samples: int
    n_features: int
    ceiling: float | None
    description: str
    ceiling_low: float | None = None  # the range the best possible model scores on the default test split
    ceiling_high: float | None = None
    n_test: int = 0


@dataclass(frozen=True)
class _Entry:
    loader: Loader
    kind: Kind
    description: str


_REGISTRY: dict[str, _Entry] = {}


def register(name: str, *, kind: Kind, description: str) -> Callable[[L], L]:
    """File a loader under ``name`` (decorator); the loader stays callable on its own."""

    def deco(loader: L) -> L:
        if name in _REGISTRY:
            raise RuntimeError(f"task {name!r} is registered twice")
        _REGISTRY[name] = _Entry(loader, kind, description)
        return loader

    return deco


def task_names() -> list[str]:
    return sorted(_REGISTRY)


def task_params(name: str) -> dict[str, Any]:
    """The parameters of task ``name`` with their defaults."""
    return {p.name: p.default for p in inspect.signature(_entry(name).loader).parameters.values()}


def _entry(name: str) -> _Entry:
    if name not in _REGISTRY:
        raise TaskError(f"unknown task {name!r}; valid tasks: {valid_names(_REGISTRY)}")
    return _REGISTRY[name]


def load_task(name: str, **params: Any) -> Task:
    """Build task ``name`` with ``params`` (defaults for the rest); deterministic in ``seed``."""
    entry = _entry(name)
    valid = task_params(name)
    for key in params:
        if key not in valid:
            raise TaskError(f"task {name!r} has no parameter {key!r}; valid parameters: {valid_names(valid)}")
    try:
        return entry.loader(**params)
    except TaskError as err:
        raise TaskError(f"task {name!r}: {err}") from None
    except limits.LimitError as err:
        raise limits.LimitError(f"task {name!r}: {err}") from None


def list_tasks() -> list[TaskInfo]:
    """Every registered task, sorted by name, measured at its defaults (ceilings are cached)."""
    infos = []
    for name in task_names():
        entry = _REGISTRY[name]
        task = entry.loader()
        spread = task.ceiling_range()
        infos.append(TaskInfo(name, entry.kind, task.n_samples, task.n_features, task.ceiling, entry.description,
                              None if spread is None else spread.low, None if spread is None else spread.high,
                              0 if spread is None else spread.n))
    return infos


# -- parameter checks shared by the loaders (they raise TaskError naming the parameter) -------------


def check_int(name: str, value: object, *, minimum: int, maximum: int | None = None,
              limit: limits.Limit | None = None) -> int:
    """An integer parameter in [minimum, maximum]; bools are refused (True is not a sample count).

    ``limit`` (e.g. ``limits.SAMPLES``) is checked before anything is drawn, with its own message
    that says how to raise it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TaskError(f"{name} must be an integer, got {value!r}")
    v = int(value)
    if v < minimum or (maximum is not None and v > maximum):
        bound = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise TaskError(f"{name} must be {bound}, got {v}")
    if limit is not None:
        limit.check(v, name + " = {}")
    return v


def check_float(
    name: str, value: object, *, minimum: float | None = None, maximum: float | None = None,
    strict: bool = False,
) -> float:
    """A finite real parameter within [minimum, maximum] (open interval with ``strict``), and never
    larger in size than ``limits.MAX_TASK_PARAMETER``: noise = 1e308 overflowed the generators."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise TaskError(f"{name} must be a finite number, got {value!r}")
    v = float(value)
    if abs(v) > limits.MAX_TASK_PARAMETER:
        raise TaskError(f"{name} must be between -{limits.MAX_TASK_PARAMETER:g} and {limits.MAX_TASK_PARAMETER:g}"
                        f" (task parameters are on the scale of the data they generate), got {v:g}")
    low_bad = minimum is not None and (v <= minimum if strict else v < minimum)
    high_bad = maximum is not None and (v >= maximum if strict else v > maximum)
    if low_bad or high_bad:
        lo = "" if minimum is None else f"{'>' if strict else '>='} {minimum}"
        hi = "" if maximum is None else f"{'<' if strict else '<='} {maximum}"
        raise TaskError(f"{name} must be {' and '.join(b for b in (lo, hi) if b)}, got {v}")
    return v


def check_seed(seed: object) -> int:
    """Seeds go to NumPy and scikit-learn, which take 0 <= seed < 2**32."""
    return check_int("seed", seed, minimum=0, maximum=2**32 - 1)


def build(name: str, kind: Kind, X: np.ndarray, y: np.ndarray, params: dict[str, Any], **fields: Any) -> Task:
    """Split (X, y) by ``params``' seed and fractions into the Task every loader returns.

    The fractions are checked here, and scikit-learn's too-small-split ``ValueError`` becomes a
    one-line TaskError.  ``params`` is stored on the task as given (every parameter, defaults too).
    """
    val = check_float("val_fraction", params["val_fraction"], minimum=0.0, maximum=1.0)
    test = check_float("test_fraction", params["test_fraction"], minimum=0.0, maximum=1.0)
    fields.setdefault("description", _REGISTRY[name].description if name in _REGISTRY else "")
    try:
        return split_task(name, kind, X, y, seed=params["seed"], val_fraction=val, test_fraction=test,
                          params=params, **fields)
    except TaskError:
        raise
    except ValueError as err:
        reason = " ".join(str(err).split())
        raise TaskError(
            f"cannot split {len(y)} samples into train/val/test with val_fraction={val}, "
            f"test_fraction={test} ({reason}); use more samples or other fractions"
        ) from None
