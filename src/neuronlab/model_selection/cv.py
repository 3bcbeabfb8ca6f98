"""Cross-validation of many estimators on one task at once: every estimator × fold in one ensemble.

A sweep whose runs cross-validate (``[evaluate] method = "cv"``) is a search: its points share the task's
dev set and, for one seed, its folds.  ``cross_validate_many`` fits them as ``nl.GridSearchCV`` does
(``folds.fit_folds``: clones on each training fold, scalers fitted per fold, the MLPs in one ``fit_mlps``
ensemble) and scores each fold as ``evaluate.cross_validate_task`` does (the task's default scorer on the
fold's held-out rows), so each result equals that function's for the same estimator and seed
(``tests/model_selection/test_cv_many.py``) — at the ensemble's speed instead of one fit at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn import config_context
from sklearn.metrics import accuracy_score, r2_score
from sklearn.pipeline import Pipeline

from neuronlab.evaluate.validation import CVResult, default_scoring, make_splitter, seeded
from neuronlab.model_selection.folds import fit_folds, rows
from neuronlab.tasks.base import Task

# ``default_scoring``'s metrics as their scikit-learn scorers compute them from a fold's predictions (made
# once here, for the score and the out-of-fold predictions both)
SCORES = {"r2": r2_score, "accuracy": accuracy_score}


def cross_validate_many(estimators: Sequence[Any], task: Task, *, cv: str = "group", n_splits: int = 5,
                        seed: int = 0, threads: int | None = None) -> list[CVResult | Exception]:
    """``cross_validate_task(estimator, task, cv=cv, n_splits=n_splits, seed=seed)`` for each estimator,
    trained together; an estimator whose fit failed on some fold gets the error that function raises (the
    first failing fold's) instead of a result."""
    splitter = make_splitter(task, cv, n_splits, seed)
    scoring = default_scoring(task)
    X, y = task.X_dev, task.y_dev
    folds = [(np.asarray(tr), np.asarray(te))
             for tr, te in splitter.split(X, y, task.groups_dev if cv == "group" else None)]
    candidates = [seeded(e, seed) for e in estimators]
    fits = fit_folds(candidates, [_front(c) for c in candidates], folds, X, y, threads=threads)
    score = SCORES[scoring]
    out: list[CVResult | Exception] = []
    for c in range(len(estimators)):
        mine = fits[c * len(folds):(c + 1) * len(folds)]
        failed = next((fit.error for fit in mine if fit.error is not None), None)
        if failed is not None:
            out.append(failed)
            continue
        scores, preds = [], []
        for fit, (_, test) in zip(mine, folds, strict=True):
            model = fit.estimator
            assert model is not None  # every fold fitted (no error above)
            preds.append(model.predict(rows(X, test)))
            with config_context(skip_parameter_validation=True):  # checked once; the numbers are the same
                scores.append(float(score(rows(y, test), preds[-1])))
        oof = np.empty((len(y), *preds[0].shape[1:]), dtype=np.result_type(*preds))
        for pred, (_, test) in zip(preds, folds, strict=True):
            oof[test] = pred
        out.append(CVResult(scores=np.asarray(scores, dtype=float), splitter=type(splitter).__name__,
                            scoring=scoring, folds=folds, predictions=oof))
    return out


def _front(estimator: Any) -> dict[str, Any]:
    """What a pipeline's steps before its model are (class and parameters, by position): candidates whose
    fronts are equal share each fold's fitted scaler or feature map (``fit_folds`` compares them)."""
    if not isinstance(estimator, Pipeline):
        return {}
    front: dict[str, Any] = {}
    for i, (name, step) in enumerate(estimator.steps[:-1]):
        front[f"{i}:{name}"] = f"{type(step).__module__}.{type(step).__qualname__}"
        if hasattr(step, "get_params"):
            front.update((f"{i}:{name}__{k}", v) for k, v in step.get_params(deep=False).items())
    return front


__all__ = ["cross_validate_many"]
