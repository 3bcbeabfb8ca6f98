"""What a search scores each fold's fit with, and how a failure scores: scikit-learn's rules.

``scoring`` is None (the estimator's ``score``), a scorer name, a callable ``(estimator, X, y) ->
number or dict``, or a list/dict of them (multi-metric; ``refit`` then names the metric that picks the
best candidate).  A fit or a scorer that fails scores ``error_score`` with a warning, or raises when
``error_score="raise"`` — as in ``GridSearchCV``, so a diverging candidate costs its row, not the search.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sklearn.metrics import check_scoring, get_scorer

from neuronlab.errors import ConfigError

Score = float | dict[str, float]
Scorer = Callable[..., Any]


@dataclass
class Scoring:
    """The scorer(s) of one search.  ``metrics`` is set for a list/dict ``scoring``; a callable may
    still turn out to be multi-metric (it returns a dict), which is known only once it has run."""

    scorer: Scorer | None
    metrics: dict[str, Scorer] | None
    refit_metric: Any  # "score" for one metric, else the search's ``refit``

    @property
    def scorer_(self) -> Any:
        """The search's ``scorer_``: the scorer, or the dict of scorers of a multi-metric search."""
        return self.metrics if self.metrics is not None else self.scorer


def make_scoring(estimator: Any, scoring: Any, refit: Any) -> Scoring:
    """The scorer(s) for ``scoring`` (scikit-learn's own, from its public ``check_scoring``)."""
    try:
        if callable(scoring):
            return Scoring(scoring, None, "score")
        if scoring is None or isinstance(scoring, str):
            return Scoring(check_scoring(estimator, scoring), None, "score")
        if isinstance(scoring, list | tuple | set | dict):
            check_scoring(estimator, scoring)  # its checks: unique names, no callables in a list, not empty
            metrics = ({name: check_scoring(estimator, s) for name, s in scoring.items()}
                       if isinstance(scoring, dict) else {name: get_scorer(name) for name in scoring})
            check_refit(refit, metrics)
            return Scoring(None, metrics, refit)
    except ConfigError:
        raise
    except (ValueError, TypeError) as err:
        raise ConfigError(f"scoring={scoring!r} cannot be used: {one_line(err)}") from None
    raise ConfigError(f"scoring must be None, a scorer name, a callable or a list/dict of them; got {scoring!r}")


def check_refit(refit: Any, metrics: dict[str, Any]) -> None:
    """With several metrics, ``refit`` must name one of them (or be a callable, or False)."""
    if refit is not False and not callable(refit) and not (isinstance(refit, str) and refit in metrics):
        raise ConfigError(f"with several metrics, refit must name one of {sorted(metrics)}, be a callable "
                          f"or False; got {refit!r}")


def score(estimator: Any, X: Any, y: Any, scoring: Scoring, error_score: Any) -> Score:
    """The fitted ``estimator``'s score(s) on (X, y); a scorer that fails gives ``error_score``."""
    if scoring.metrics is not None:
        return {name: _one(scorer, estimator, X, y, error_score) for name, scorer in scoring.metrics.items()}
    assert scoring.scorer is not None
    value = _call(scoring.scorer, estimator, X, y, error_score)
    if isinstance(value, dict):
        return {name: _number(v, name) for name, v in value.items()}
    return _number(value, scoring.scorer)


def failed(scoring: Scoring, error_score: Any) -> Score:
    """What a failed fit scores (a callable's metric names are filled in by ``fill_failed``)."""
    if scoring.metrics is not None:
        return dict.fromkeys(scoring.metrics, error_score)
    return error_score


def fill_failed(scores: list[Score], fit_failed: list[bool], error_score: Any) -> None:
    """A callable that returned a dict is multi-metric: give the failed fits that dict's names."""
    names = next((s for s, bad in zip(scores, fit_failed, strict=True) if not bad and isinstance(s, dict)), None)
    if isinstance(names, dict):
        for i, bad in enumerate(fit_failed):
            if bad:
                scores[i] = dict.fromkeys(names, error_score)


def _one(scorer: Scorer, estimator: Any, X: Any, y: Any, error_score: Any) -> float:
    return _number(_call(scorer, estimator, X, y, error_score), scorer)


def _call(scorer: Scorer, estimator: Any, X: Any, y: Any, error_score: Any) -> Any:
    try:
        return scorer(estimator, X) if y is None else scorer(estimator, X, y)
    except Exception as err:
        if error_score == "raise":
            raise
        warnings.warn(f"Scoring failed. The score on this train-test partition for these parameters will be set "
                      f"to {error_score}. Details: {one_line(err)}", UserWarning, stacklevel=3)
        return error_score


def _number(value: Any, scorer: Any) -> float:
    if hasattr(value, "item"):  # a NumPy scalar
        value = value.item()
    if not isinstance(value, numbers.Number):
        raise ConfigError(f"scoring must return a number, got {value!r} ({type(value).__name__}) from {scorer!r}")
    return value  # type: ignore[return-value]


def one_line(err: BaseException) -> str:
    """An exception as one line: its type and its message's lines joined."""
    text = " ".join(line.strip() for line in str(err).splitlines() if line.strip())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
