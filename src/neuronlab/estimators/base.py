"""What the four estimators share: seeds, the fit / partial_fit plumbing, label bookkeeping.

scikit-learn's contract throughout: ``__init__`` only stores, validation happens in ``fit``, learned
state ends in ``_``, so Pipeline, GridSearchCV, cross_validate and clone work unchanged.  Every
training knob is checked against its one declaration (``neuronlab.config``).
"""

from __future__ import annotations

import threading
from numbers import Integral
from typing import Any, Self

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets

from neuronlab import config, limits
from neuronlab.errors import ConfigError, DataError, DivergedError
from neuronlab.train.history import History

PREDICT_VALUES = 1 << 22  # values a prediction holds per layer at once (32 MB in float64); see row_chunks


def fit_seed(random_state: Any) -> int:
    """The seed a fit draws from ``random_state`` (scikit-learn semantics: an int gives the same run
    every time, None a fresh one from NumPy's global RNG, a RandomState its next number)."""
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        return _int_seed(int(random_state))
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


_RESEEDED = np.random.RandomState(0)
_INT32_MAX = int(np.iinfo(np.int32).max)
_RESEEDED_LOCK = threading.Lock()


def _int_seed(random_state: int) -> int:
    """``RandomState(random_state).randint(2³¹ − 1)`` by re-seeding one RandomState: the same number
    (the legacy seeding is the constructor's), 5 µs instead of 126 µs — as much as a hundred epochs
    of a batched model."""
    with _RESEEDED_LOCK:
        _RESEEDED.seed(random_state)
        return int(_RESEEDED.randint(_INT32_MAX))


def row_chunks(X: np.ndarray, width: int) -> list[np.ndarray]:
    """X in blocks of rows whose widest layer holds at most PREDICT_VALUES values: a decision grid of
    40,000 points through a 4,000-unit layer was 1.3 GB at once.  Rows are independent in float64,
    so the predictions are the same as in one block."""
    rows = max(1, PREDICT_VALUES // max(width, 1))
    return [X[i:i + rows] for i in range(0, len(X), rows)] or [X]


def label(value: object) -> str:
    """A label as the user wrote it: ``1`` or ``'cat'``, not ``np.int64(1)``."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def print_epoch(history: History, index: int = -1) -> None:
    print(f"epoch {history.epoch[index]}: train_loss={history.train_loss[index]:.6g} "
          f"val_loss={history.val_loss[index]:.6g} val_{history.metric_name}={history.val_metric[index]:.4g}")


class Net(BaseEstimator):
    """fit / partial_fit plumbing shared by the four estimators; subclasses fill in the hooks."""

    _stratify = False  # classifiers split off their validation set stratified by class
    # hyper-parameters every subclass has (declared for the type checker; set by subclass __init__)
    eta: float
    alpha: float
    batch_size: int | None
    max_epochs: int
    early_stopping: bool
    validation_fraction: float
    n_iter_no_change: int
    tol: float
    random_state: Any
    history_: History
    _seed: int

    # --- hooks
    def _check_params(self) -> None:
        config.check_all(self)

    def _validate_arrays(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _layers(self, n_features: int) -> tuple[int, ...]:
        """Layer sizes of the network to train, input first (known once y is encoded)."""
        raise NotImplementedError

    def _encode(self, y: np.ndarray, *, first: bool, classes: Any) -> np.ndarray:
        """Targets as the model trains on them; on the first call also learn ``classes_`` etc."""
        raise NotImplementedError

    def _build(self, n_features: int, seed: int) -> None:
        raise NotImplementedError

    def _train(self, X: np.ndarray, t: np.ndarray, X_val: np.ndarray | None, t_val: np.ndarray | None, *,
               max_epochs: int) -> None:
        raise NotImplementedError

    # --- shared
    def validated(self, X: Any, y: Any, reset: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Checked arrays and their size within the limits (nothing of ours allocated for them yet)."""
        X, y = self._validate_arrays(X, y, reset)
        limits.check_data(X.shape[0], X.shape[1], where="X")
        return X, y

    def _check_size(self, n_rows: int, n_features: int) -> None:
        """The network and one batch of it within the limits, before any weight is allocated."""
        batch = min(self.batch_size or n_rows, n_rows)
        limits.check_network(self._layers(n_features), batch_rows=batch, bias=bool(getattr(self, "bias", True)),
                             what=f"this {type(self).__name__}")

    def _split(self, X: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any, Any]:
        """Early stopping's validation set, split off the training data from the fit's seed."""
        if not self.early_stopping:
            return X, t, None, None
        try:
            X, X_val, t, t_val = train_test_split(X, t, test_size=self.validation_fraction, random_state=self._seed,
                                                  stratify=t if self._stratify else None)
        except ValueError as err:
            raise DataError(f"early_stopping cannot split off a validation set ({err}); "
                            "raise validation_fraction, add data or set early_stopping=False") from None
        return X, t, X_val, t_val

    def unfit(self) -> None:
        """Forget everything learnt: a diverged fit leaves the estimator unfitted, not half-fitted."""
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
            delattr(self, name)

    def _fit(self, X: Any, y: Any, *, partial: bool, classes: Any = None) -> Self:
        self._check_params()
        first = not partial or not hasattr(self, "history_")
        X, y = self.validated(X, y, reset=first)
        t = self._encode(y, first=first, classes=classes)
        self._check_size(*X.shape)
        if first:
            self._seed = fit_seed(self.random_state)
            self._build(X.shape[1], self._seed)
            self.history_ = History()
        X, t, X_val, t_val = self._split(X, t) if not partial else (X, t, None, None)
        try:
            self._train(X, t, X_val, t_val, max_epochs=1 if partial else self.max_epochs)
        except DivergedError:
            if first:
                self.unfit()
            raise
        self._fitted()
        return self

    def _fitted(self) -> None:
        self.n_iter_ = len(self.history_)
        self.loss_ = self.history_.train_loss[-1]
        self.best_epoch_ = self.history_.best_epoch

    def fit(self, X: Any, y: Any) -> Self:
        """Train from scratch for up to ``max_epochs`` epochs (fewer with early stopping)."""
        return self._fit(X, y, partial=False)


class ClassifierTargets:
    """Label bookkeeping shared by the two classifiers: any labels in, class indices out."""

    classes_: np.ndarray

    def _labels(self, y: np.ndarray, *, first: bool, classes: Any) -> np.ndarray:
        check_classification_targets(y)
        if first:
            classes_ = np.unique(y if classes is None else np.asarray(classes))
            limits.CLASSES.check(len(classes_), "y has {} classes")
            if len(classes_) < 2:
                raise DataError(f"y has 1 class ({label(classes_[0])}); a classifier needs 2 or more classes")
            self.classes_ = classes_
        unseen = np.setdiff1d(y, self.classes_)
        if unseen.size:
            raise DataError(f"y has labels {unseen.tolist()} not in classes_ {self.classes_.tolist()}; "
                            "pass every label in classes= on the first partial_fit")
        return np.searchsorted(self.classes_, y)

    def _proba_from_p(self, p: np.ndarray) -> np.ndarray:
        """Two-column probabilities from P(class 1), the single output's reading."""
        return np.column_stack([1.0 - p, p])


def needs_classes(est: Any, classes: Any) -> None:
    """partial_fit's first call must name every class, as in scikit-learn."""
    if not hasattr(est, "history_") and classes is None:
        raise ConfigError("classes must be passed on the first call to partial_fit, "
                          "e.g. partial_fit(X, y, classes=np.unique(y_all))")
