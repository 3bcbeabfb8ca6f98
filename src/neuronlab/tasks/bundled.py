"""Real tabular sets shipped inside scikit-learn (no downloads): iris, wine, breast_cancer, digits, diabetes.

Their generator is unknown, so their ceiling is ``None``.  ``n_samples`` draws a (stratified)
subset with ``seed``, handy for quick experiments on digits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn import datasets
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

from neuronlab.tasks.base import Kind, Task
from neuronlab.tasks.registry import build, check_int, check_seed, register

MIN_SAMPLES = 20


def _bundled(name: str, kind: Kind, load: Callable[[], Bunch], n_samples: int | None, seed: int,
             val_fraction: float, test_fraction: float, target_name: str) -> Task:
    data = load()
    X, y = np.asarray(data.data, dtype=float), np.asarray(data.target)
    params: dict[str, Any] = {"n_samples": n_samples, "seed": check_seed(seed), "val_fraction": val_fraction,
                              "test_fraction": test_fraction}
    if n_samples is not None:
        n = check_int("n_samples", n_samples, minimum=MIN_SAMPLES, maximum=len(y))
        if n < len(y):
            keep, _ = train_test_split(np.arange(len(y)), train_size=n, random_state=params["seed"],
                                       stratify=y if kind != "regression" else None)
            X, y = X[keep], y[keep]
    fields: dict[str, Any] = {"feature_names": tuple(str(f) for f in data.feature_names),
                              "target_name": target_name}
    if kind != "regression":
        fields["class_names"] = tuple(str(c) for c in data.target_names)
    return build(name, kind, X, y, params, **fields)


@register("iris", kind="multiclass", description="iris flowers: 150 × 4 measurements, 3 species")
def load_iris(*, n_samples: int | None = None, seed: int = 0, val_fraction: float = 0.2,
              test_fraction: float = 0.2) -> Task:
    return _bundled("iris", "multiclass", datasets.load_iris, n_samples, seed, val_fraction, test_fraction,
                    "species")


@register("wine", kind="multiclass", description="wine: 178 × 13 chemical measurements, 3 cultivars")
def load_wine(*, n_samples: int | None = None, seed: int = 0, val_fraction: float = 0.2,
              test_fraction: float = 0.2) -> Task:
    return _bundled("wine", "multiclass", datasets.load_wine, n_samples, seed, val_fraction, test_fraction,
                    "cultivar")


@register("breast_cancer", kind="binary",
          description="breast cancer (Wisconsin): 569 × 30 cell-nucleus features, malignant/benign")
def load_breast_cancer(*, n_samples: int | None = None, seed: int = 0, val_fraction: float = 0.2,
                       test_fraction: float = 0.2) -> Task:
    return _bundled("breast_cancer", "binary", datasets.load_breast_cancer, n_samples, seed, val_fraction,
                    test_fraction, "diagnosis")


@register("digits", kind="multiclass",
          description="handwritten digits: 1797 × 64 pixels (8×8, 0–16), 10 digits")
def load_digits(*, n_samples: int | None = None, seed: int = 0, val_fraction: float = 0.2,
                test_fraction: float = 0.2) -> Task:
    return _bundled("digits", "multiclass", datasets.load_digits, n_samples, seed, val_fraction,
                    test_fraction, "digit")


@register("diabetes", kind="regression",
          description="diabetes: 442 × 10 (standardised) patient features, disease progression after a year")
def load_diabetes(*, n_samples: int | None = None, seed: int = 0, val_fraction: float = 0.2,
                  test_fraction: float = 0.2) -> Task:
    return _bundled("diabetes", "regression", datasets.load_diabetes, n_samples, seed, val_fraction,
                    test_fraction, "progression")
