"""``GridSearchCV`` and ``RandomizedSearchCV`` that train every candidate × fold at once.

Drop-ins for scikit-learn's searches (they *are* scikit-learn's classes, with ``fit`` replaced): the
same constructor, ``fit(X, y, groups=...)``, ``cv_results_`` with the same keys, ``best_*``,
``refit_time_``, ``n_splits_``, ``scorer_``, ``multimetric_``, and ``predict``/``score``/… delegating to
the refitted best estimator.  What differs is how the fits run: scikit-learn fits the 500 models of a
100-candidate, 5-fold search one after another, each a few milliseconds of arithmetic inside much more
per-call overhead; here they are set up the same way and trained together by the fused kernel
(``folds.fit_folds``), each exactly as its own ``fit`` would train it, so the scores are the same.

    search = nl.GridSearchCV(nl.honest_pipeline(nl.MLPRegressor(random_state=0)),
                             {"mlpregressor__eta": [1e-3, 1e-2], "mlpregressor__alpha": [1e-4, 1e-2]},
                             cv=GroupKFold(5), scoring="r2").fit(task.X_dev, task.y_dev, groups=task.groups_dev)

``n_jobs`` is the kernel's threads (None or -1: every core; they share memory, so there is nothing to
start); ``pre_dispatch`` is accepted and unused.  Fit parameters (``sample_weight`` …) are not supported.
The refit on the whole data is the best estimator's own ``fit``, as in scikit-learn.  ``batched_`` says,
per candidate, whether its folds were trained by the kernel or fell back to ``fit`` (see ``folds``).
"""

from __future__ import annotations

import numbers
import os
import time
import warnings
from typing import Any, Self

import numpy as np
from sklearn import model_selection as sk
from sklearn.base import clone, is_classifier
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import ParameterGrid, ParameterSampler, check_cv
from sklearn.utils import indexable

from neuronlab.errors import ConfigError
from neuronlab.model_selection.folds import FoldFit, fit_folds, rows
from neuronlab.model_selection.results import cv_results
from neuronlab.model_selection.scoring import Score, Scoring, check_refit, failed, fill_failed, make_scoring, one_line
from neuronlab.model_selection.scoring import score as score_fit


class BatchedSearch:
    """The ``fit`` both searches share; each search says which candidates it tries."""

    # the searches' parameters (set by scikit-learn's constructors)
    estimator: Any
    scoring: Any
    n_jobs: int | None
    refit: Any
    cv: Any
    verbose: int
    error_score: Any
    return_train_score: bool

    def candidates(self) -> list[dict[str, Any]]:
        """The parameter settings to try, in scikit-learn's order."""
        raise NotImplementedError

    def fit(self, X: Any, y: Any = None, *, groups: Any = None, **params: Any) -> Self:
        """Cross-validate every candidate, all trained at once, then refit the best on all of X."""
        if params:
            raise ConfigError(f"fit parameters {sorted(params)} are not supported by the batched search; "
                              "use sklearn.model_selection's search for them")
        check_settings(self)
        scoring = make_scoring(self.estimator, self.scoring, self.refit)
        X, y, groups = (np.asarray(a) if isinstance(a, list) else a for a in indexable(X, y, groups))
        splits = self._splits(X, y, groups)
        settings = self._candidates()
        base = clone(self.estimator)
        try:
            configured = [clone(base).set_params(**clone(p, safe=False)) for p in settings]
        except ValueError as err:
            raise ConfigError(f"a searched parameter does not fit the estimator: {one_line(err)}") from None
        if self.verbose > 0:
            print(f"Fitting {len(splits)} folds for each of {len(settings)} candidates, "
                  f"totalling {len(splits) * len(settings)} fits")

        fits = fit_folds(configured, settings, splits, X, y, threads=kernel_threads(self.n_jobs))
        test, train, score_time = self._scores(fits, splits, X, y, scoring)
        report_failures(fits, self.error_score)
        results = cv_results(settings, len(splits), fit_time=[f.fit_time for f in fits], score_time=score_time,
                             test=test, train=train)

        self.multimetric_ = isinstance(test[0], dict)
        refit_metric = scoring.refit_metric
        if callable(self.scoring) and self.multimetric_:  # known only now that the callable has run
            check_refit(self.refit, test[0])  # type: ignore[arg-type]
            refit_metric = self.refit
        if self.refit or not self.multimetric_:
            self.best_index_ = best_index(self.refit, refit_metric, results)
            if not callable(self.refit):
                self.best_score_ = results[f"mean_test_{refit_metric}"][self.best_index_]
            self.best_params_ = results["params"][self.best_index_]
        if self.refit:
            self.best_estimator_ = clone(base).set_params(**clone(self.best_params_, safe=False))
            start = time.time()
            self.best_estimator_.fit(X, y) if y is not None else self.best_estimator_.fit(X)
            self.refit_time_ = time.time() - start
            if hasattr(self.best_estimator_, "feature_names_in_"):
                self.feature_names_in_ = self.best_estimator_.feature_names_in_
        self.scorer_ = scoring.scorer_
        self.cv_results_ = results
        self.batched_ = np.array([all(f.batched for f in fits[c * len(splits):(c + 1) * len(splits)])
                                  for c in range(len(settings))])
        return self

    def _splits(self, X: Any, y: Any, groups: Any) -> list[tuple[np.ndarray, np.ndarray]]:
        try:
            cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
            n_splits = cv.get_n_splits(X, y, groups)
            splits = [(np.asarray(tr), np.asarray(te)) for tr, te in cv.split(X, y, groups)]
        except (ValueError, TypeError) as err:
            raise ConfigError(f"cv={self.cv!r} cannot split this data: {one_line(err)}") from None
        if len(splits) != n_splits:
            raise ConfigError(f"cv.split gave {len(splits)} splits but cv.get_n_splits says {n_splits}")
        if not splits:
            raise ConfigError("cv gave no splits: nothing to fit")
        self.n_splits_ = n_splits
        return splits

    def _candidates(self) -> list[dict[str, Any]]:
        try:
            settings = self.candidates()
        except (ValueError, TypeError) as err:
            raise ConfigError(f"the parameter grid cannot be searched: {one_line(err)}") from None
        if not settings:
            raise ConfigError("the parameter grid has no candidates: nothing to fit")
        return settings

    def _scores(self, fits: list[FoldFit], splits: list[tuple[np.ndarray, np.ndarray]], X: Any, y: Any,
                scoring: Scoring) -> tuple[list[Score], list[Score] | None, list[float]]:
        """Test (and train) scores and score times per fit, candidate-major; a failed fit scores
        ``error_score``, or is raised when ``error_score="raise"``."""
        test: list[Score] = []
        train: list[Score] | None = [] if self.return_train_score else None
        times: list[float] = []
        for i, fit in enumerate(fits):
            tr, te = splits[i % len(splits)]
            if fit.estimator is None:
                if self.error_score == "raise":
                    raise fit.error  # type: ignore[misc]
                test.append(failed(scoring, self.error_score))
                if train is not None:
                    train.append(failed(scoring, self.error_score))
                times.append(0.0)
                continue
            start = time.time()
            test.append(score_fit(fit.estimator, rows(X, te), None if y is None else rows(y, te), scoring,
                                  self.error_score))
            times.append(time.time() - start)
            if train is not None:
                train.append(score_fit(fit.estimator, rows(X, tr), None if y is None else rows(y, tr), scoring,
                                       self.error_score))
        if callable(self.scoring):
            bad = [f.estimator is None for f in fits]
            fill_failed(test, bad, self.error_score)
            if train is not None:
                fill_failed(train, bad, self.error_score)
        return test, train, times


def check_settings(search: BatchedSearch) -> None:
    """The search's own parameters, each with one clear line when wrong."""
    if not hasattr(search.estimator, "fit"):
        raise ConfigError(f"estimator must have a fit method, got {search.estimator!r}")
    if search.error_score != "raise" and not isinstance(search.error_score, numbers.Real):
        raise ConfigError(f"error_score must be 'raise' or a number, got {search.error_score!r}")
    if not (isinstance(search.refit, bool | str) or callable(search.refit)):
        raise ConfigError(f"refit must be True/False, a metric name or a callable, got {search.refit!r}")
    if not isinstance(search.return_train_score, bool | np.bool_):
        raise ConfigError(f"return_train_score must be True or False, got {search.return_train_score!r}")
    if search.n_jobs is not None and (not isinstance(search.n_jobs, numbers.Integral) or search.n_jobs == 0):
        raise ConfigError(f"n_jobs must be None or a non-zero integer, got {search.n_jobs!r}")


def kernel_threads(n_jobs: int | None) -> int | None:
    """``n_jobs`` as the kernel's threads: None or −1 every core, −2 all but one, and so on."""
    if n_jobs is None or n_jobs == -1:
        return None
    if n_jobs > 0:
        return int(n_jobs)
    return max(1, (os.cpu_count() or 1) + 1 + int(n_jobs))


def best_index(refit: Any, metric: Any, results: dict[str, Any]) -> int:
    """The best candidate: rank 1 of ``metric``, or what a callable ``refit`` picks from the results."""
    if not callable(refit):
        return int(results[f"rank_test_{metric}"].argmin())
    index = refit(results)
    if not isinstance(index, numbers.Integral) or isinstance(index, bool):
        raise ConfigError(f"refit returned {index!r}; a callable refit must return a candidate's index")
    if not 0 <= int(index) < len(results["params"]):
        raise ConfigError(f"refit returned {index}; there are {len(results['params'])} candidates")
    return int(index)


def report_failures(fits: list[FoldFit], error_score: Any) -> None:
    """All fits failed: an error (the grid or the estimator is wrong); some: a FitFailedWarning."""
    errors = [one_line(f.error) for f in fits if f.error is not None]
    if not errors:
        return
    if len(errors) == len(fits):
        raise ConfigError(f"all {len(fits)} fits failed, e.g. {errors[0]}; the estimator or the grid is "
                          "misconfigured (error_score='raise' shows the traceback)")
    kinds = "; ".join(f"{errors.count(e)}× {e}" for e in dict.fromkeys(errors))
    warnings.warn(f"{len(errors)} fits failed out of a total of {len(fits)}; their score is "
                  f"error_score={error_score}: {kinds}", FitFailedWarning, stacklevel=3)


class GridSearchCV(BatchedSearch, sk.GridSearchCV):
    """scikit-learn's ``GridSearchCV`` with every candidate × fold trained as one ensemble."""

    def candidates(self) -> list[dict[str, Any]]:
        return list(ParameterGrid(self.param_grid))


class RandomizedSearchCV(BatchedSearch, sk.RandomizedSearchCV):
    """scikit-learn's ``RandomizedSearchCV`` (same draws for the same ``random_state``), batched."""

    def candidates(self) -> list[dict[str, Any]]:
        return list(ParameterSampler(self.param_distributions, self.n_iter, random_state=self.random_state))
