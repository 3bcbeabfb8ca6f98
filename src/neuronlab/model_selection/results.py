"""``cv_results_`` as scikit-learn's searches lay it out, so code written for ``GridSearchCV`` reads ours.

One entry per candidate in every array: ``params``; ``param_<name>`` as a masked array (masked where a
candidate of another sub-grid lacks the parameter); ``split<k>_test_<metric>``, ``mean_``/``std_``/
``rank_test_<metric>`` (``<metric>`` is ``score`` for a single metric), the same for ``train_`` with
``return_train_score``; ``mean_``/``std_fit_time`` and ``score_time``.  Ranks follow scikit-learn: 1 is
best, ties share the lowest rank, a NaN mean ranks last.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.ma import MaskedArray
from scipy.stats import rankdata

from neuronlab.model_selection.scoring import Score


def cv_results(params: Sequence[dict[str, Any]], n_splits: int, *, fit_time: Sequence[float],
               score_time: Sequence[float], test: Sequence[Score], train: Sequence[Score] | None) -> dict[str, Any]:
    """The results dict of a search: candidate-major sequences of length ``len(params) * n_splits``."""
    n = len(params)
    results: dict[str, Any] = {}

    def store(name: str, values: Sequence[float], *, splits: bool = False, rank: bool = False) -> None:
        array = np.array(values, dtype=np.float64).reshape(n, n_splits)  # (candidates, splits)
        if splits:
            for k in range(n_splits):
                results[f"split{k}_{name}"] = array[:, k]
        means = array.mean(axis=1)
        results[f"mean_{name}"] = means
        if name.startswith(("train_", "test_")) and not np.all(np.isfinite(means)):
            warnings.warn(f"One or more of the {name.split('_')[0]} scores are non-finite: {means}", UserWarning,
                          stacklevel=4)
        results[f"std_{name}"] = np.sqrt(((array - means[:, None]) ** 2).mean(axis=1))
        if rank:
            results[f"rank_{name}"] = ranks(means)

    store("fit_time", fit_time)
    store("score_time", score_time)
    results.update(param_columns(params))
    results["params"] = list(params)
    tests = by_metric(test)
    trains = by_metric(train) if train is not None else None
    for metric, values in tests.items():
        store(f"test_{metric}", values, splits=True, rank=True)
        if trains is not None:
            store(f"train_{metric}", trains[metric], splits=True)
    return results


def ranks(means: np.ndarray) -> np.ndarray:
    """Rank 1 for the highest mean; NaN means (failed fits) tie with the worst."""
    if np.isnan(means).all():
        return np.ones_like(means, dtype=np.int32)
    filled = np.where(np.isnan(means), np.nanmin(means) - 1, means)
    return rankdata(-filled, method="min").astype(np.int32)


def by_metric(scores: Sequence[Score]) -> dict[str, list[float]]:
    """Per-fit scores (numbers, or dicts for several metrics) as one list per metric name."""
    if isinstance(scores[0], dict):
        return {name: [s[name] for s in scores] for name in scores[0]}  # type: ignore[index]
    return {"score": [float(s) for s in scores if not isinstance(s, dict)]}


def param_columns(params: Sequence[dict[str, Any]]) -> dict[str, MaskedArray]:
    """``param_<name>`` per searched parameter: a masked array, masked where a candidate lacks it.
    Strings and sequences stay objects (a 1-d array of them, never a 2-d one)."""
    columns: dict[str, dict[int, Any]] = {}
    for i, candidate in enumerate(params):
        for name, value in candidate.items():
            columns.setdefault(f"param_{name}", {})[i] = value
    out: dict[str, MaskedArray] = {}
    for key, values in columns.items():
        try:
            probe = np.array(list(values.values()))
        except ValueError:  # ragged sequences
            dtype = np.dtype(object)
        else:
            dtype = probe.dtype if probe.dtype.kind != "U" and probe.ndim == 1 else np.dtype(object)
        column = MaskedArray(np.empty(len(params), dtype=dtype), mask=True)
        for i, value in values.items():
            column[i] = value
        out[key] = column
    return out
