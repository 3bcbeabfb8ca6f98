"""Task: the only thing models and training see of data.

A task is deterministic in its seed.  It holds train, validation and test splits (stratified for
classification, by group when samples come in groups), its kind, its feature names, the groups of
each split where there are any, and its ceiling: the score the best possible model reaches in
expectation under the true generator (Bayes-optimal accuracy, or the noise-ceiling R²), or ``None``
where it is unknown.  On a finite test set that model's score scatters around the ceiling (and often
above it): ``ceiling_range`` gives the range.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from sklearn.model_selection import GroupShuffleSplit, train_test_split

from neuronlab.errors import TaskError
from neuronlab.tasks.spread import LEVEL, CeilingRange, accuracy_range

Kind = Literal["binary", "multiclass", "regression"]
KINDS: tuple[Kind, ...] = ("binary", "multiclass", "regression")


@dataclass(frozen=True, eq=False)
class Task:
    """A learning task with its three splits.

    ``X_*`` are float arrays of shape (n, n_features); ``y_*`` are int class labels (0..C-1) for
    classification and floats for regression.  ``X_dev``/``y_dev``/``groups_dev`` join train and
    validation: the data that cross-validation may split (the test split stays untouched).
    """

    name: str
    kind: Kind
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: tuple[str, ...]
    seed: int
    ceiling: float | None = None
    groups_train: np.ndarray | None = None
    groups_val: np.ndarray | None = None
    groups_test: np.ndarray | None = None
    target_name: str = "y"
    class_names: tuple[str, ...] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    truth: Callable[[np.ndarray], np.ndarray] | None = None  # the noise-free target, where known
    description: str = ""
    # (n, level) → the range of the best possible R² on n test points (regression with a known generator)
    ceiling_spread: Callable[[int, float], tuple[float, float]] | None = None

    def ceiling_range(self, n: int | None = None, level: float = LEVEL) -> CeilingRange | None:
        """The ceiling with the central ``level`` range of scores the best possible model gets on
        ``n`` test points (default: this task's test split), or None without a known ceiling (or
        without test points).

        Classification: exact (binomial, see ``spread.accuracy_range``); regression: simulated under
        the task's generator, computed once per machine.
        """
        if n is None:
            n = len(self.y_test)
            if n == 0:
                return None
        if self.ceiling is None:
            return None
        if self.kind != "regression":
            low, high = accuracy_range(self.ceiling, n, level)
        elif self.ceiling_spread is not None:
            low, high = self.ceiling_spread(n, level)
        else:
            return None
        return CeilingRange(float(self.ceiling), float(low), float(high), int(n), float(level))

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def n_samples(self) -> int:
        return int(len(self.y_train) + len(self.y_val) + len(self.y_test))

    @property
    def n_classes(self) -> int | None:
        if self.kind == "regression":
            return None
        return len(self.class_names) if self.class_names else int(
            np.unique(np.concatenate([self.y_train, self.y_val, self.y_test])).size
        )

    @property
    def X_dev(self) -> np.ndarray:
        return np.concatenate([self.X_train, self.X_val])

    @property
    def y_dev(self) -> np.ndarray:
        return np.concatenate([self.y_train, self.y_val])

    @property
    def groups_dev(self) -> np.ndarray | None:
        if self.groups_train is None or self.groups_val is None:
            return None
        return np.concatenate([self.groups_train, self.groups_val])

    def __repr__(self) -> str:
        return (
            f"Task({self.name!r}, kind={self.kind!r}, n_train={len(self.y_train)}, "
            f"n_val={len(self.y_val)}, n_test={len(self.y_test)}, n_features={self.n_features}, "
            f"seed={self.seed}, ceiling={self.ceiling})"
        )


def split_task(
    name: str,
    kind: Kind,
    X: np.ndarray,
    y: np.ndarray,
    *,
    seed: int,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    groups: np.ndarray | None = None,
    **fields: Any,
) -> Task:
    """Split (X, y) into train/val/test and build a Task.

    Classification splits are stratified; with ``groups`` whole groups go to one split (so crops of
    one specimen never sit on both sides), which is what makes validation honest.
    """
    if kind not in KINDS:
        raise TaskError(f"unknown task kind {kind!r}; use one of {', '.join(KINDS)}")
    for frac_name, frac in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0.0 <= frac < 1.0:
            raise TaskError(f"{frac_name} must be in [0, 1), got {frac}")
    if val_fraction + test_fraction >= 1.0:
        raise TaskError(
            f"val_fraction + test_fraction must be < 1 (got {val_fraction} + {test_fraction}); "
            "leave data to train on"
        )
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    y = np.asarray(y, dtype=int if kind != "regression" else float)
    idx = np.arange(len(y))
    rng_seed = int(seed)

    def cut(pool: np.ndarray, fraction: float) -> tuple[np.ndarray, np.ndarray]:
        """Split ``pool`` into (rest, part) with ``part`` a ``fraction`` of the pool."""
        if fraction == 0.0:
            return pool, pool[:0]
        if groups is not None:
            gss = GroupShuffleSplit(n_splits=1, test_size=fraction, random_state=rng_seed)
            rest, part = next(gss.split(pool, groups=groups[pool]))
            return pool[rest], pool[part]
        strat = y[pool] if kind != "regression" else None
        rest, part = train_test_split(pool, test_size=fraction, random_state=rng_seed, stratify=strat)
        return np.asarray(rest), np.asarray(part)

    dev, test = cut(idx, test_fraction)
    train, val = cut(dev, val_fraction / (1.0 - test_fraction) if val_fraction else 0.0)

    def g(part: np.ndarray) -> np.ndarray | None:
        return None if groups is None else np.asarray(groups)[part]

    return Task(
        name=name,
        kind=kind,
        X_train=X[train], y_train=y[train],
        X_val=X[val], y_val=y[val],
        X_test=X[test], y_test=y[test],
        seed=int(seed),
        groups_train=g(train), groups_val=g(val), groups_test=g(test),
        **fields,
    )
