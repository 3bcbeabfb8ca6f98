"""K MLP estimators fitted as one batched computation: the fast path of sweeps and searches.

A 2→40→1 network on 200 points is ~10⁵ FLOP an epoch, so training one at a time is all per-call
overhead.  ``fit_mlps`` runs each estimator's own ``prepare_fit`` (validation, targets, initial weights
from its seed, early stopping's split), trains every ``Problem`` in one call of the compiled engine
(``train.ensemble_fused``), and hands each result to the estimator's ``finish_fit``: each model ends
exactly as its own ``fit`` leaves it.  A model that diverges is reported as ``fit`` would raise it;
the others go on.

Work that depends only on the data is done once per dataset, not once per model: estimators of one
class given the same X and y validate and encode them once, and pipeline steps with equal parameters
(the in-fold StandardScaler of every configuration of a sweep) are fitted once and shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline

from neuronlab.errors import ConfigError, DataError
from neuronlab.estimators.mlp import Memo, MLPBase
from neuronlab.train.problem import Problem

FUSED_CHUNK = 4096  # models per kernel call (memory: their data, weights and Adam moments)
StepMemo = dict[tuple[Any, ...], tuple[Any, Any]]  # (step, data) → (the step fitted on it, its output)


def unwrap(estimator: Any, X: Any, y: Any, memo: StepMemo | None = None) -> tuple[MLPBase, Any, Any]:
    """Fit the wrappers ``build_model`` puts around an MLP (target scaler, pipeline steps) exactly as
    their own ``fit`` would, and return the MLP with the data it would be fitted on.

    After the MLP is trained, ``estimator`` is fitted: predictions go through the same scalers as if
    ``estimator.fit(X, y)`` had been called.  ``memo``: a step of the same class and parameters on the
    very same data is fitted once; the others get a copy of it and share its output.
    """
    if isinstance(estimator, TransformedTargetRegressor):
        # TransformedTargetRegressor.fit: scale y as a column, fit a clone of the regressor on it
        if estimator.transformer is None:
            raise ConfigError("the ensemble needs a TransformedTargetRegressor with a transformer")
        y = np.asarray(y, dtype=np.float64)
        estimator._training_dim = y.ndim
        y_2d = y.reshape(-1, 1) if y.ndim == 1 else y
        estimator.transformer_ = clone(estimator.transformer)
        y_t = _fit_step(estimator.transformer_, y_2d, None, memo)
        if y_t.ndim == 2 and y_t.shape[1] == 1 and y.ndim == 1:
            y_t = y_t.squeeze(axis=1)
        estimator.regressor_ = clone(estimator.regressor)
        return unwrap(estimator.regressor_, X, y_t, memo)
    if isinstance(estimator, Pipeline):
        # Pipeline.fit: fit_transform every step but the last, in order, on the training data
        for _, step in estimator.steps[:-1]:
            if step is not None and step != "passthrough":
                X = _fit_step(step, X, y, memo)
        return unwrap(estimator.steps[-1][1], X, y, memo)
    if isinstance(estimator, MLPBase):
        return estimator, X, y
    raise ConfigError(f"the ensemble trains MLPs only, got {type(estimator).__name__}; use the local executor")


def _fit_step(step: Any, A: Any, b: Any, memo: StepMemo | None) -> Any:
    """Fit ``step`` on (A, b) in place and return its transform of A; with ``memo``, an equal step
    (class and parameters) already fitted on the very same data lends its state and output instead.

    The key is the unfitted step's own attributes (its constructor parameters: ``get_params`` costs
    ~0.2 ms through ``inspect``), and the state is shared, not copied: a fitted transformer's arrays
    (a scaler's ``mean_``, ``scale_``) are only read by ``transform``."""
    key = (type(step), repr(sorted(vars(step).items())), id(A), id(b))
    if memo is not None and key in memo:
        fitted, out = memo[key]
        step.__dict__.update(fitted.__dict__)
        return out
    out = step.fit(A, b).transform(A) if b is not None else step.fit(A).transform(A)
    if memo is not None:
        memo[key] = (step, out)
        memo[("alive", id(A), id(b))] = (A, b)  # the data stays alive while its id is a key
    return out


def fit_mlps(estimators: Sequence[Any], data: Sequence[tuple[Any, Any]], *, chunk_size: int | None = None,
             threads: int | None = None) -> list[Exception | None]:
    """Fit every estimator on its own (X, y) as ``estimator.fit(X, y)`` would, batched.

    ``estimators`` may be MLPClassifier/MLPRegressor or ``build_model``'s wrappers around them
    (fitted in place, see ``unwrap``).  Returns, per estimator, None when fitted, else the error that
    ``fit`` would have raised (DivergedError with its epoch, ConfigError, DataError); one model's error
    never stops the others.  ``chunk_size`` caps models per kernel call; ``threads``: the kernel's
    parallel threads (None: all cores).
    """
    from neuronlab.train import ensemble_fused

    if len(estimators) != len(data):
        raise ConfigError(f"got {len(estimators)} estimators but {len(data)} (X, y) pairs; pass one per estimator")
    errors: list[Exception | None] = [None] * len(estimators)
    groups: dict[tuple[Any, ...], list[tuple[int, MLPBase, Problem]]] = {}
    memo: Memo = {}
    steps: StepMemo = {}
    for i, (estimator, (X, y)) in enumerate(zip(estimators, data, strict=True)):
        try:
            mlp, Xm, ym = unwrap(estimator, X, y, steps)
            problem = mlp.prepare_fit(Xm, ym, memo)
            ensemble_fused.check_supported(problem)  # what the kernel cannot train fails here, alone
        except (ConfigError, DataError, ValueError) as exc:
            errors[i] = exc
            continue
        groups.setdefault(ensemble_fused.fused_key(problem), []).append((i, mlp, problem))
    size = chunk_size or FUSED_CHUNK
    for members in groups.values():
        for start in range(0, len(members), size):
            chunk = members[start:start + size]
            results = ensemble_fused.train_fused([p for _, _, p in chunk], threads)
            for (i, mlp, _), result in zip(chunk, results, strict=True):
                errors[i] = mlp.finish_fit(result)
    return errors


def fit_ensemble(estimators: Sequence[Any], X: Any, y: Any, **kwargs: Any) -> list[Exception | None]:
    """``fit_mlps`` with one (X, y) for all: K configurations on the same data."""
    return fit_mlps(estimators, [(X, y)] * len(estimators), **kwargs)
