"""Does an MLP beat my domain feature?  An honest comparison of models on a user's own data.

The protocol, fixed in advance so nothing is tuned by looking at the answer:

1. **The same folds for every model**: ``repeats`` × ``folds``-fold cross-validation, grouped when the
   data has groups (a group never straddles train and test), stratified for classification, reshuffled
   per repeat from ``seed``.  Each model is ``formulas → in-fold scaler → model`` at its estimator's
   defaults (:mod:`neuronlab.studies.compare_models`); every MLP fit of the study trains in one batched
   computation (``model_selection.folds.fit_folds`` → ``train.ensemble.fit_mlps``), the others alone.
2. **Paired differences**, fold by fold, for every pair of models, judged by the Nadeau–Bengio corrected
   t-test and the Bayesian correlated t-test with a region of practical equivalence ``rope``
   (:mod:`neuronlab.studies.stats`), and said in one sentence.
3. **What a reviewer asks next**: how much ungrouped KFold would have flattered each model (the leakage
   gap, with groups), a learning curve over the training size with the crossover of every pair, and
   the noise ceiling from replicate rows when the data has them
   (:mod:`neuronlab.studies.compare_checks`).

Scores are accuracy for classification and, for regression, R² per test fold with the variance of the
whole target as its denominator (:func:`neuronlab.studies.compare_fit.fold_score` says why); the mean over
folds is the pooled out-of-fold R².

This module runs the study (:func:`compare` on a CSV, :func:`compare_arrays` on arrays); its pieces live
beside it, and every public name they had here is still importable from here: the records in
:mod:`~neuronlab.studies.compare_result`, the folds in :mod:`~neuronlab.studies.compare_folds`, the fits
and scores in :mod:`~neuronlab.studies.compare_fit`, the sentences in :mod:`~neuronlab.studies.compare_verdict`.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from neuronlab import limits
from neuronlab.errors import ConfigError, DataError
from neuronlab.studies.compare_checks import crossover, noise_ceiling
from neuronlab.studies.compare_fit import CURVE_FRACTIONS, check_features, curve_points, score_splits
from neuronlab.studies.compare_folds import Split, repeated_splits, subsample
from neuronlab.studies.compare_holdout import holdout_verdicts
from neuronlab.studies.compare_models import build_estimator, parse_models
from neuronlab.studies.compare_result import (
    MAX_REPEATS,
    CompareResult,
    CurvePoint,
    Leak,
    ModelResult,
    PairResult,
    Protocol,
)
from neuronlab.studies.compare_verdict import DECISION, curve_sentence, verdict
from neuronlab.studies.stats import bayesian_correlated_ttest, corrected_ttest, paired_ttest

MAX_MODELS = 8
SIDE_REPEATS = 3  # repeats behind the learning curve and the leakage check (each costs a cross-validation)

__all__ = ["CURVE_FRACTIONS", "DECISION", "MAX_MODELS", "MAX_REPEATS", "SIDE_REPEATS", "CompareResult", "CurvePoint",
           "Leak", "ModelResult", "PairResult", "Protocol", "Split", "compare", "compare_arrays", "repeated_splits",
           "subsample", "verdict"]


def compare_arrays(X: np.ndarray, y: np.ndarray, *, columns: Sequence[str], kind: str, models: Sequence[str],
                   groups: np.ndarray | None = None, protocol: Protocol | None = None, name: str = "data",
                   target: str = "y", groups_name: str | None = None, data_sha256: str = "",
                   learning_curve: bool = True) -> CompareResult:
    """The study on arrays (rows × named columns): what :func:`compare` runs after reading the CSV.

    ``learning_curve=False`` skips the subsampled learning curve (``curve`` is empty, no pair has a
    crossover or curve sentence): for a caller that draws its own curve from a generator, as the
    Hall–Petch study does, where more data is free."""
    protocol = protocol or Protocol()
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    specs = parse_models(list(models), list(columns), max_models=MAX_MODELS)
    n_side = min(protocol.repeats, SIDE_REPEATS)
    n_curve = n_side * (len(CURVE_FRACTIONS) - 1) if learning_curve else 0
    n_fits = len(specs) * protocol.folds * (protocol.repeats + n_curve + (n_side if groups is not None else 0))
    limits.RUNS.check(n_fits, "the study has {} fits (models × folds × repeats, with its curves)")
    if any(s.kind == "gp" for s in specs):
        limits.GP_SAMPLES.check(len(y), "a gp model would train on up to {} rows")
    check_features(specs, X, columns, name)
    if kind == "regression" and np.ptp(y) == 0:
        raise DataError(f"{name}: target {target!r} is constant, so no model can explain any of it; check the column")

    splits = repeated_splits(y, kind, groups, folds=protocol.folds, repeats=protocol.repeats, seed=protocol.seed)
    estimators = [build_estimator(s, kind, columns, seed=protocol.seed) for s in specs]
    metric = "R²" if kind == "regression" else "accuracy"
    with threadpool_limits(limits=1):  # a few hundred rows: BLAS threads only add contention
        main = score_splits(estimators, splits, X, y, kind, strict=True)
        results = [ModelResult(spec, main[i].reshape(protocol.repeats, protocol.folds)) for i, spec in enumerate(specs)]
        curve = curve_points(estimators, splits[:n_side * protocol.folds], main[:, :n_side * protocol.folds],
                             X, y, kind, groups, protocol.seed, [s.label for s in specs]) if learning_curve else []
        if groups is not None:
            kfold = repeated_splits(y, kind, None, folds=protocol.folds, repeats=n_side, seed=protocol.seed)
            leaky = score_splits(estimators, kfold, X, y, kind, strict=True)
            for i, res in enumerate(results):
                spread = math.sqrt((np.var(leaky[i], ddof=1) + res.std ** 2) / 2)
                res.leak = Leak(float(np.mean(leaky[i])), res.mean, spread)

    n_train = float(np.mean([len(tr) for tr, _ in splits]))
    n_test = float(np.mean([len(te) for _, te in splits]))
    pairs = []
    for j in range(len(results)):
        for i in range(j + 1, len(results)):  # each later model against each earlier one (the baseline)
            a, b = results[i], results[j]
            diffs = a.scores.ravel() - b.scores.ravel()
            post = bayesian_correlated_ttest(diffs, n_train, n_test, rope=protocol.rope)
            cross = crossover(np.array([c.n_train for c in curve]),
                              np.array([c.scores[a.label] - c.scores[b.label] for c in curve]))
            pairs.append(PairResult(a.label, b.label, diffs, corrected_ttest(diffs, n_train, n_test),
                                    paired_ttest(diffs), post, cross, verdict(a.label, b.label, post, metric),
                                    curve_sentence(a.label, b.label, curve, cross) if curve else ""))
    ceiling = noise_ceiling(X, y.astype(float), groups, seed=protocol.seed) if kind == "regression" else None
    return CompareResult(name=name, target=target, groups=groups_name, kind=kind, metric=metric, n_rows=len(y),
                         n_groups=None if groups is None else int(np.unique(groups).size), protocol=protocol,
                         n_train=n_train, n_test=n_test, models=results, pairs=pairs, curve=curve, ceiling=ceiling,
                         splits=splits, data_sha256=data_sha256)


def compare(data: str | Path, target: str, models: Sequence[str], *, groups: str | None = None,
            kind: str | None = None, folds: int = 5, repeats: int = 10, rope: float = 0.01,
            seed: int = 0, test_fraction: float = 0.0) -> CompareResult:
    """Compare ``models`` (e.g. ``["linear(inv_sqrt(d))", "mlp(d)"]``) at predicting column ``target`` of
    the CSV file ``data``, grouped by column ``groups`` when given; see the module docstring for the
    protocol.  ``test_fraction`` > 0 holds that share of the rows (whole groups) out of the study: the
    models are compared on the rest and, at the end, scored once on it, each pair with its bootstrap
    interval (``CompareResult.holdout``).  Every problem with the file, the formulas or the numbers is a
    one-line NeuronlabError."""
    from neuronlab.tasks.tabular import load_csv

    if not (isinstance(test_fraction, int | float) and 0.0 <= test_fraction <= 0.5):
        raise ConfigError(f"test_fraction must be between 0 (no held-out split) and 0.5, got {test_fraction!r}")
    protocol = Protocol(folds=folds, repeats=repeats, rope=rope, seed=seed)
    path = Path(data)
    task = load_csv(path, target, groups, kind=kind, seed=seed, val_fraction=0.0, test_fraction=test_fraction)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    result = compare_arrays(task.X_dev, task.y_dev, columns=task.feature_names, kind=task.kind, models=models,
                            groups=task.groups_dev, protocol=protocol, name=path.name, target=target,
                            groups_name=groups, data_sha256=digest)
    if test_fraction > 0:
        pairs = [(p.a, p.b, float(np.mean(p.diffs))) for p in result.pairs]
        result.holdout = holdout_verdicts(task.X_dev, task.y_dev, task.X_test, task.y_test, task.groups_test,
                                          models=models, pairs=pairs, columns=task.feature_names, kind=task.kind,
                                          seed=seed)
    return result
