"""FAU week 5's exercise: cross-validate honestly — scaler fitted in each training fold, folds by specimen.

The reference is ``honest_pipeline`` under GroupKFold.  The check's data make both leaks visible: the
model is a ridge regression (its penalty depends on the inputs' scale, so a scaler fitted on all data
changes its predictions, unlike plain least squares) and the specimens differ, so folds that split a
specimen score differently from folds that keep it whole.  A wrong answer is matched against the usual
leaky versions to say which leak it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.linear_model import Ridge
from sklearn.model_selection import GroupKFold, KFold, cross_val_score
from sklearn.preprocessing import StandardScaler

from neuronlab.evaluate.validation import honest_pipeline
from neuronlab.practicals.checks import Exercise, Failure, as_array, student_call

SIGNATURE = "honest_cv(model, X, y, groups, n_splits=5) -> per-fold R²"
RTOL = 1e-6
Fn = Callable[..., Any]


def grouped_data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Crops of specimens: grain size d (µm) and a temperature (K) on very different scales, yield stress
    following Hall–Petch plus a per-specimen offset (what leaks when a specimen straddles two folds)."""
    rng = np.random.default_rng(seed)
    n_specimens, crops = 15, 6
    groups = np.repeat(np.arange(n_specimens), crops)
    d = np.exp(rng.uniform(0.0, np.log(100.0), n_specimens))[groups] * np.exp(0.1 * rng.normal(size=groups.size))
    temperature = rng.uniform(250.0, 350.0, groups.size)
    offset = 20.0 * rng.normal(size=n_specimens)[groups]
    y = 70.0 + 740.0 / np.sqrt(d) + 0.2 * (temperature - 300.0) + offset + 10.0 * rng.normal(size=groups.size)
    order = rng.permutation(groups.size)
    return np.column_stack([d, temperature])[order], y[order], groups[order]


def reference_cv(model: BaseEstimator, X: np.ndarray, y: np.ndarray, groups: np.ndarray,
                 n_splits: int = 5) -> np.ndarray:
    return cross_val_score(honest_pipeline(clone(model)), X, y, groups=groups, cv=GroupKFold(n_splits), scoring="r2")


def _leaks(model: BaseEstimator, X: np.ndarray, y: np.ndarray, groups: np.ndarray, n_splits: int, seed: int
           ) -> list[tuple[np.ndarray, str]]:
    """Per-fold scores of the usual mistakes, each with the message that names it."""
    scaled = StandardScaler().fit_transform(X)
    kfolds = [KFold(n_splits), *(KFold(n_splits, shuffle=True, random_state=r) for r in {0, 42, seed})]
    scaler_leak = ("the scaler saw the validation folds: it was fitted on all the data; where is it fitted? "
                   "Each training fold must fit its own (section 2)")
    fold_leak = "folds split the crops of one specimen: which splitter keeps a specimen's crops together?"
    out = [(cross_val_score(clone(model), scaled, y, groups=groups, cv=GroupKFold(n_splits), scoring="r2"),
            scaler_leak),
           (cross_val_score(clone(model), X, y, groups=groups, cv=GroupKFold(n_splits), scoring="r2"),
            "no scaler at all: this model depends on its inputs' scale; standardise them inside each fold")]
    for kf in kfolds:
        out.append((cross_val_score(honest_pipeline(clone(model)), X, y, cv=kf, scoring="r2"), fold_leak))
        out.append((cross_val_score(clone(model), scaled, y, cv=kf, scoring="r2"),
                    "both leaks: folds split specimens, and the scaler saw every fold"))
    return out


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal per-fold scores, in any order (folds may be numbered differently)."""
    return a.shape == b.shape and bool(np.allclose(np.sort(a), np.sort(b), rtol=RTOL, atol=1e-9))


def check_honest_cv(fn: Fn, seeds: Sequence[int]) -> str:
    for seed in seeds:
        X, y, groups = grouped_data(seed)
        model = Ridge(alpha=10.0)
        for n_splits in (5, 3):
            scores = as_array(student_call(fn, clone(model), X.copy(), y.copy(), groups.copy(), n_splits=n_splits,
                                           what="honest_cv(...)", signature=SIGNATURE), "honest_cv(...)").ravel()
            if scores.shape != (n_splits,):
                raise Failure("honest_cv must return one R² per fold: n_splits numbers")
            if not np.all(np.isfinite(scores)):
                raise Failure("honest_cv returned NaN or inf scores; score each validation fold with R²")
            if _same(scores, reference_cv(model, X, y, groups, n_splits)):
                continue
            for leaky, message in _leaks(model, X, y, groups, n_splits, seed):
                if _same(scores, leaky):
                    raise Failure(message)
            raise Failure("per-fold R² differ from an honest cross-validation: check where the scaler is fitted, "
                          "how the folds are drawn, and that each fold is scored by R²")
    return f"matches honest GroupKFold cross-validation on {len(seeds)} seeds"


EXERCISES = (
    Exercise("honest_cv", "honest_cv", "fau_week05",
             "cross-validate by specimen, the scaler fitted inside each training fold, and return the R² of "
             "each fold",
             SIGNATURE, check_honest_cv, time_budget_s=15.0,
             speed_hint="cross_val_score does this in one call", reference=lambda: reference_cv),
)
