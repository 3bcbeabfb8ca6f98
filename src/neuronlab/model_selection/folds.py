"""Every candidate × fold of a search trained at once: one ``fit_mlps`` ensemble for all the MLPs.

scikit-learn's ``GridSearchCV`` clones the estimator, sets a candidate's parameters and calls ``fit`` on
a fold, once per candidate and fold, so a 100 × 5 search is 500 trainings of a few milliseconds of
arithmetic each, buried in per-call overhead.  Here the same fits are set up the same way (a clone
with the candidate's parameters, the fold's rows) and handed to ``train.ensemble.fit_mlps`` together;
it trains each exactly as its own ``fit`` would (same initial weights from the seed, same shuffles) in
the fused kernel.

- A ``Pipeline`` ending in an MLP (a scaler in front, as ``honest_pipeline`` builds) has its
  preprocessing fitted on each training fold, once per fold for all candidates that share it (the
  searched parameters leave those steps alone), then its final MLP joins the ensemble.  The scaler
  sees only training rows, as ``Pipeline.fit`` would.
- A ``TransformedTargetRegressor`` around an MLP (alone or as a pipeline's last step) is unwrapped by
  ``fit_mlps`` itself.
- Everything else is fitted with its own ``fit``, one at a time, as scikit-learn would: estimators
  that are not one of the above, and fits the kernel refuses (``activation="step"``, which has no
  gradient; a target regressor with ``func``/``inverse_func`` instead of a transformer; ``y=None``).
  A fit that diverges in the kernel is reported as the ``DivergedError`` ``fit`` raises, not retried.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline

from neuronlab.errors import DivergedError
from neuronlab.estimators import MLPClassifier, MLPRegressor
from neuronlab.estimators.batch import fit_mlps

Split = tuple[np.ndarray, np.ndarray]  # (train rows, test rows)
SIMPLE = (str, int, float, bool, type(None))  # parameter values whose repr says all there is to compare


@dataclass
class FoldFit:
    """One candidate on one fold: the fitted estimator (None when ``fit`` failed) and how it went.

    ``fit_time`` of a batched fit is its preprocessing plus an equal share of the ensemble's wall time
    (the kernel trains all of them in one call, so no single fit has a time of its own)."""

    estimator: Any | None
    error: Exception | None
    fit_time: float
    batched: bool


def rows(data: Any, index: np.ndarray) -> Any:
    """The rows ``index`` of an array, a sparse matrix or a DataFrame/Series (by position)."""
    return data.iloc[index] if hasattr(data, "iloc") else data[index]


def trains_in_kernel(estimator: Any) -> bool:
    """Whether ``fit_mlps`` can take ``estimator`` (it may still refuse a setting, e.g. ``step``)."""
    if isinstance(estimator, Pipeline):
        return bool(estimator.steps) and trains_in_kernel(estimator.steps[-1][1])
    if isinstance(estimator, TransformedTargetRegressor):
        return trains_in_kernel(estimator.regressor)
    return isinstance(estimator, MLPClassifier | MLPRegressor)


def fit_folds(candidates: Sequence[Any], params: Sequence[dict[str, Any]] | None, splits: Sequence[Split], X: Any,
              y: Any, *, threads: int | None) -> list[FoldFit]:
    """Fit every candidate (a configured, unfitted estimator) on every split's training rows.

    Returns one ``FoldFit`` per (candidate, split), candidate-major: index ``c * len(splits) + s``, the
    order of scikit-learn's search.  ``params``: when the candidates are one estimator configured with
    different parameters (a search), those parameters, which decide whether two pipelines can share
    their fitted preprocessing; None for unrelated candidates (nothing shared).  ``threads``: the
    kernel's threads (None: every core).
    """
    n_splits = len(splits)
    train = [(rows(X, tr), None if y is None else rows(y, tr)) for tr, _ in splits]
    out: list[FoldFit | None] = [None] * (len(candidates) * n_splits)
    finals: list[Any] = []  # what goes into the ensemble
    data: list[tuple[Any, Any]] = []
    jobs: list[tuple[int, Any, float]] = []  # (index into out, the estimator to score, preprocessing time)
    shared: dict[tuple[Any, ...], tuple[list[tuple[str, Any]], Any, float]] = {}
    for c, candidate in enumerate(candidates):
        if y is None or not trains_in_kernel(candidate):
            continue
        for s, (X_tr, y_tr) in enumerate(train):
            model = clone(candidate)
            if isinstance(model, Pipeline):
                key = (s, *(_preprocessing_key(model, params[c], c) if params is not None else ("own", c)))
                if key not in shared:
                    shared[key] = _fit_preprocessing(model, X_tr, y_tr)
                steps, X_fit, pre_time = shared[key]
                model.steps = [*steps, model.steps[-1]]
                finals.append(model.steps[-1][1])
                data.append((X_fit, y_tr))
            else:
                pre_time = 0.0
                finals.append(model)
                data.append((X_tr, y_tr))
            jobs.append((c * n_splits + s, model, pre_time))

    start = time.perf_counter()
    errors = fit_mlps(finals, data, threads=threads) if finals else []
    share = (time.perf_counter() - start) / max(len(finals), 1)
    for (i, model, pre_time), error in zip(jobs, errors, strict=True):
        if error is None or isinstance(error, DivergedError):
            out[i] = FoldFit(None if error else model, error, pre_time + share, True)
    for i, fit in enumerate(out):  # the rest, one at a time: exactly scikit-learn's fit
        if fit is None:
            c, s = divmod(i, n_splits)
            out[i] = fit_alone(candidates[c], *train[s])
    return [fit for fit in out if fit is not None]


def fit_alone(candidate: Any, X: Any, y: Any) -> FoldFit:
    """A clone of ``candidate`` fitted with its own ``fit``; its error kept, not raised."""
    model = clone(candidate)
    start = time.perf_counter()
    try:
        model.fit(X, y) if y is not None else model.fit(X)
    except Exception as error:  # any failure is the candidate's score, as in scikit-learn (error_score)
        return FoldFit(None, error, time.perf_counter() - start, False)
    return FoldFit(model, None, time.perf_counter() - start, False)


def _preprocessing_key(pipeline: Pipeline, searched: dict[str, Any], candidate: int) -> tuple[Any, ...]:
    """What the pipeline's steps before the MLP depend on among the searched parameters: candidates
    with equal keys share one fitted preprocessing per fold.  A value we cannot compare by its repr
    (an estimator, an array) keeps the candidate's preprocessing its own."""
    last = pipeline.steps[-1][0]
    own = sorted(((k, v) for k, v in searched.items() if k != last and not k.startswith(f"{last}__")),
                 key=lambda item: item[0])
    if all(isinstance(v, SIMPLE) or (isinstance(v, tuple) and all(isinstance(e, SIMPLE) for e in v))
           for _, v in own):
        return tuple((k, type(v).__name__, repr(v)) for k, v in own)
    return ("candidate", candidate)


def _fit_preprocessing(pipeline: Pipeline, X: Any, y: Any) -> tuple[list[tuple[str, Any]], Any, float]:
    """``Pipeline.fit``'s steps before the last: each a fresh clone, ``fit_transform`` on the training
    rows in order.  Returns the fitted steps, the transformed rows and the time it took."""
    start = time.perf_counter()
    steps: list[tuple[str, Any]] = []
    for name, step in pipeline.steps[:-1]:
        if step is None or step == "passthrough":
            steps.append((name, step))
            continue
        fitted = clone(step)
        X = fitted.fit_transform(X, y)
        steps.append((name, fitted))
    return steps, X, time.perf_counter() - start
