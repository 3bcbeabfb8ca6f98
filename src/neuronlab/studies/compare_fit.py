"""Fitting and scoring for the comparison study: every model on every split in one ``fit_folds`` call
(the MLPs batched), the score of each test fold, the formulas checked before any fit, and the learning
curve over subsampled training folds.

The numbers the verdicts are made of come from here; the study (:mod:`neuronlab.studies.compare`) only
arranges the calls."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score

from neuronlab.errors import DataError, NeuronlabError
from neuronlab.studies.compare_folds import Split, subsample
from neuronlab.studies.compare_models import ModelSpec
from neuronlab.studies.compare_result import CurvePoint
from neuronlab.studies.expressions import evaluate_features, first_non_finite

CURVE_FRACTIONS = (0.2, 0.4, 0.6, 0.8, 1.0)  # of the training folds; 1.0 is the main cross-validation


def fold_score(kind: str, y_true: np.ndarray, y_pred: np.ndarray, var_y: float) -> float:
    """Accuracy, or R² = 1 − MSE/Var(y) with the variance of the *whole* target: a test fold of two
    or three groups has a tiny, erratic variance of its own, and scikit-learn's per-fold R² then swings
    to −100 or below.  With one denominator the fold mean is the pooled out-of-fold R² (equal folds), and a
    difference of two models is their MSE difference in R² units (the t statistics do not depend on it)."""
    if kind == "regression":
        return 1.0 - float(np.mean((y_true - y_pred) ** 2)) / var_y
    return float(accuracy_score(y_true, y_pred))


def score_splits(estimators: Sequence[Any], splits: Sequence[Split], X: np.ndarray, y: np.ndarray, kind: str,
                 *, strict: bool) -> np.ndarray:
    """Scores (models, splits) of every estimator on every split, fitted by ``fit_folds`` (MLPs batched).

    ``strict``: a failed fit is raised as one line (the main cross-validation); otherwise it scores NaN
    (a learning-curve point whose subsample lacks a class)."""
    from neuronlab.model_selection.folds import fit_folds  # lazily: torch only once the fits start

    fits = fit_folds(list(estimators), None, list(splits), X, y, threads=1)
    var_y = float(np.var(y)) if kind == "regression" else 1.0
    scores = np.full((len(estimators), len(splits)), math.nan)
    for i, fit in enumerate(fits):
        m, s = divmod(i, len(splits))
        if fit.estimator is None:
            if strict:
                error = fit.error
                if isinstance(error, NeuronlabError):
                    raise error
                reason = " ".join(str(error).split()) or type(error).__name__
                raise DataError(f"model {m + 1} failed on fold {s + 1}: {reason}")
            continue
        test = splits[s][1]
        scores[m, s] = fold_score(kind, y[test], fit.estimator.predict(X[test]), var_y)
    return scores


def check_features(specs: Sequence[ModelSpec], X: np.ndarray, columns: Sequence[str], where: str) -> None:
    """Every formula finite on every row, before any fit: the error names the row of the file."""
    for spec in specs:
        values = evaluate_features(spec.features, X, columns)
        problem = first_non_finite(values, spec.features, X, columns)
        if problem is not None:
            raise DataError(f"{where}: model {spec.label}: {problem}; change the formula or drop the rows "
                            "where it is undefined")


def curve_points(estimators: Sequence[Any], splits: Sequence[Split], full: np.ndarray, X: np.ndarray,
                   y: np.ndarray, kind: str, groups: np.ndarray | None, seed: int,
                   labels: Sequence[str]) -> list[CurvePoint]:
    """Mean score per model at each fraction of the training folds (same test folds); the last point is
    the main cross-validation's (``full``), the smaller ones all fitted in one ``fit_folds`` call."""
    rng = np.random.default_rng(seed)
    small = CURVE_FRACTIONS[:-1]
    sub = [(subsample(tr, f, groups, rng), te) for f in small for tr, te in splits]
    scores = score_splits(estimators, sub, X, y, kind, strict=False) if sub else np.empty((len(labels), 0))
    points = []
    for k, f in enumerate(CURVE_FRACTIONS):
        if f < 1.0:
            block = scores[:, k * len(splits):(k + 1) * len(splits)]
            rows = [len(tr) for tr, _ in sub[k * len(splits):(k + 1) * len(splits)]]
        else:
            block, rows = full, [len(tr) for tr, _ in splits]
        means = {label: float(np.nanmean(block[i])) if np.isfinite(block[i]).any() else math.nan
                 for i, label in enumerate(labels)}
        points.append(CurvePoint(fraction=f, n_train=float(np.mean(rows)), scores=means))
    return points
