"""Honest validation: scalers fitted on training folds only, folds by group, and a check for leakage.

Two ways to fool yourself, both named in the FAU practical: fitting the StandardScaler on all data (the
test fold's mean and spread leak into training) and splitting crops of one specimen across folds (the
model is scored on specimens it has already seen).  ``honest_pipeline`` fixes the first,
``cross_validate_task(cv="group")`` the second, and ``leakage_report`` measures how much the second
would have flattered a model.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import BaseCrossValidator, GroupKFold, KFold, cross_validate
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from neuronlab.errors import ConfigError, DataError, valid_names
from neuronlab.tasks.base import Task

CV = Literal["group", "kfold"]
CVS: tuple[str, ...] = ("group", "kfold")


class LeakageWarning(UserWarning):
    """KFold scores a model clearly higher than GroupKFold: samples of one group leak across folds."""


def honest_pipeline(estimator: BaseEstimator) -> Pipeline:
    """``estimator`` behind a StandardScaler, so the scaler is fitted on each training fold only.

    Scaling all data before splitting lets the test fold's mean and variance shape the training inputs.
    Inside a Pipeline, ``cross_validate`` and ``fit`` refit the scaler on whatever they train on.  When
    ``estimator`` is itself a Pipeline (e.g. ``HandFeature("inv_sqrt")`` → model) the scaler goes right in
    front of its last step, so fixed feature maps still see raw physical values; a Pipeline that already
    holds a StandardScaler is returned as it is.
    """
    if isinstance(estimator, Pipeline):
        if any(isinstance(step, StandardScaler) for _, step in estimator.steps):
            return estimator
        steps = [*estimator.steps[:-1], ("standardscaler", StandardScaler()), estimator.steps[-1]]
        return Pipeline(steps, memory=estimator.memory, verbose=estimator.verbose)
    return make_pipeline(StandardScaler(), estimator)


@dataclass
class CVResult:
    """Per-fold scores of one cross-validation, its folds (indices into the dev set) and its out-of-fold
    predictions (``predictions[i]`` from the model that did not train on sample i).

    Pooling the out-of-fold predictions into one score is steadier than the fold mean when each fold
    holds few groups: an R² over four specimens has a small, erratic denominator.
    """

    scores: np.ndarray
    splitter: str
    scoring: str
    folds: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list, repr=False)
    predictions: np.ndarray | None = field(default=None, repr=False)

    @property
    def mean(self) -> float:
        return float(np.mean(self.scores))

    @property
    def std(self) -> float:
        """Fold-to-fold spread (sample std, ddof=1): how much one fold's score says about the next."""
        return float(np.std(self.scores, ddof=1)) if len(self.scores) > 1 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"splitter": self.splitter, "scoring": self.scoring, "scores": self.scores.tolist(),
                "mean": self.mean, "std": self.std}


def default_scoring(task: Task) -> str:
    """The practicals' headline metric: R² for regression, accuracy for classification."""
    return "r2" if task.kind == "regression" else "accuracy"


def make_splitter(task: Task, cv: str, n_splits: int, seed: int) -> BaseCrossValidator:
    """The splitter ``cv`` names, after checking ``task``'s dev set can fill ``n_splits`` folds."""
    if cv not in CVS:
        raise ConfigError(f"unknown cv {cv!r}; use one of {valid_names(CVS)}")
    if isinstance(n_splits, bool) or not isinstance(n_splits, int | np.integer) or n_splits < 2:
        raise ConfigError(f"n_splits must be an integer >= 2, got {n_splits!r}")
    n = len(task.y_dev)
    if cv == "group":
        groups = task.groups_dev
        if groups is None:
            raise DataError(f"task {task.name!r} has no groups; use cv='kfold'")
        k = int(np.unique(groups).size)
        if k < n_splits:
            raise DataError(
                f"task {task.name!r} has {k} groups in its dev set, fewer than n_splits={n_splits}; "
                f"lower n_splits to at most {k}"
            )
        # Shuffled by seed so a different seed gives different (still group-disjoint) folds.
        return GroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    if n < n_splits:
        raise DataError(
            f"task {task.name!r} has {n} samples in its dev set, fewer than n_splits={n_splits}; "
            f"lower n_splits to at most {n}"
        )
    return KFold(n_splits=n_splits, shuffle=True, random_state=seed)


def seeded(estimator: BaseEstimator, seed: int) -> BaseEstimator:
    """A clone of ``estimator`` whose unset ``random_state`` parameters (nested ones too) are ``seed``.

    Every fold then starts from the same initial weights and draws, so the fold scores are a function
    of the arguments alone.
    """
    est = clone(estimator)
    unset = {k: seed for k, v in est.get_params(deep=True).items()
             if (k == "random_state" or k.endswith("__random_state")) and v is None}
    return est.set_params(**unset)


def cross_validate_task(
    estimator: BaseEstimator,
    task: Task,
    *,
    cv: str = "group",
    n_splits: int = 5,
    scoring: str | None = None,
    seed: int = 0,
) -> CVResult:
    """Cross-validate ``estimator`` on ``task``'s dev set (train + val); the test split stays untouched.

    ``cv="group"`` uses GroupKFold on the task's groups (crops of one specimen never straddle a
    train/test boundary); ``cv="kfold"`` uses shuffled KFold.  Folds and any unset ``random_state`` are
    drawn from ``seed`` and fits run serially, so equal arguments give equal scores.  Wrap the estimator
    in ``honest_pipeline`` when it needs scaled inputs.
    """
    splitter = make_splitter(task, cv, n_splits, seed)
    scoring = scoring or default_scoring(task)
    out = cross_validate(
        seeded(estimator, seed), task.X_dev, task.y_dev,
        groups=task.groups_dev if cv == "group" else None,
        cv=splitter, scoring=scoring, n_jobs=None, error_score="raise", return_indices=True,
        return_estimator=True,
    )
    folds = list(zip(out["indices"]["train"], out["indices"]["test"], strict=True))
    preds = [est.predict(task.X_dev[test]) for est, (_, test) in zip(out["estimator"], folds, strict=True)]
    oof = np.empty((len(task.y_dev), *preds[0].shape[1:]), dtype=np.result_type(*preds))
    for pred, (_, test) in zip(preds, folds, strict=True):
        oof[test] = pred
    return CVResult(scores=np.asarray(out["test_score"], dtype=float), splitter=type(splitter).__name__,
                    scoring=scoring, folds=folds, predictions=oof)


@dataclass
class LeakageReport:
    """KFold against GroupKFold on one task: how much ignoring the groups flatters the model."""

    kfold: CVResult
    group: CVResult
    warning: str | None

    @property
    def gap(self) -> float:
        """KFold mean − GroupKFold mean: positive when mixing groups across folds flatters the model."""
        return self.kfold.mean - self.group.mean

    @property
    def spread(self) -> float:
        """Pooled fold-to-fold std of both cross-validations: the noise a gap must exceed to mean anything."""
        return float(np.sqrt((self.kfold.std**2 + self.group.std**2) / 2.0))

    def to_dict(self) -> dict[str, Any]:
        return {"kfold": self.kfold.to_dict(), "group": self.group.to_dict(), "gap": self.gap,
                "spread": self.spread, "warning": self.warning}


def leakage_report(
    estimator: BaseEstimator, task: Task, *, n_splits: int = 5, scoring: str | None = None, seed: int = 0
) -> LeakageReport:
    """Score ``estimator`` under KFold and under GroupKFold; warn when the gap exceeds the fold spread.

    A model that memorises a group's signature (a specimen's offset, a crop's texture) scores well when
    the group's other samples sit in its training folds, and that score does not carry over to new
    groups.  The gap between the two cross-validations is that optimism; it only counts when it is
    larger than the scores' fold-to-fold spread.  With few groups per fold, R² per GroupKFold fold
    swings widely (its denominator is the spread of a handful of groups), which widens the spread and
    makes the check conservative: it flags clear leaks, not subtle ones.
    """
    if task.groups_dev is None:
        raise DataError(f"task {task.name!r} has no groups; a leakage report compares KFold with GroupKFold")
    kw: dict[str, Any] = {"n_splits": n_splits, "scoring": scoring, "seed": seed}
    group = cross_validate_task(estimator, task, cv="group", **kw)
    kfold = cross_validate_task(estimator, task, cv="kfold", **kw)
    report = LeakageReport(kfold=kfold, group=group, warning=None)
    if report.gap > report.spread:
        report.warning = (
            f"on task {task.name!r} KFold scores {kfold.mean:.3f} but GroupKFold {group.mean:.3f} (gap "
            f"{report.gap:.3f} > fold spread {report.spread:.3f}): samples of one group leak across folds; "
            f"report the GroupKFold score"
        )
        warnings.warn(report.warning, LeakageWarning, stacklevel=2)
    return report
