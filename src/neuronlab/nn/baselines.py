"""The models a neural network has to beat: linear fits, Gaussian processes, hand-crafted features.

Both practicals ask the same question — does the network beat a simple model that knows the physics
(a linear fit on 1/√d) or a well-tuned smoother (a Gaussian process)?  These are scikit-learn's own
estimators; only the named physical feature maps (:class:`HandFeature`) are ours.  The registry the
CLI's ``--model`` reads is ``estimators.registry.make_model``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.gaussian_process import GaussianProcessClassifier, GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.utils import Tags
from sklearn.utils.validation import check_is_fitted, validate_data

from neuronlab.errors import ConfigError, DataError, valid_names
from neuronlab.tasks.base import KINDS

Array = np.ndarray


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ConfigError(f"unknown task kind {kind!r}; use one of {valid_names(KINDS)}")


def linear_model(kind: str) -> BaseEstimator:
    """The linear baseline of the practicals: logistic regression for classes, least squares otherwise.

    LogisticRegression draws one straight boundary per class, exactly what a single sigmoid neuron can
    do, so it is the fair "compare training with a simple linear classifier" of §3.2.
    """
    check_kind(kind)
    if kind == "regression":
        return LinearRegression()
    return LogisticRegression(max_iter=1000)


def gp_model(kind: str, *, random_state: int | None = 0) -> BaseEstimator:
    """A Gaussian process with an amplitude·RBF kernel, its hyper-parameters fitted by marginal likelihood.

    Regression adds a ``WhiteKernel`` so the observation noise is learned rather than interpolated, and
    ``normalize_y`` so the amplitude prior suits targets in any unit (MPa, …).  Classification leaves the
    ``WhiteKernel`` out: the Laplace approximation puts label noise in the Bernoulli likelihood already,
    and a white term on the latent function only blurs it.  The bounds assume standardized inputs (use
    ``honest_pipeline``); optimizer restarts draw from ``random_state``, so fits are reproducible.
    """
    check_kind(kind)
    signal = ConstantKernel(1.0, constant_value_bounds=(1e-3, 1e3)) * RBF(
        length_scale=1.0, length_scale_bounds=(1e-2, 1e3)
    )
    if kind == "regression":
        kernel = signal + WhiteKernel(noise_level=0.1, noise_level_bounds=(1e-8, 1e1))
        return GaussianProcessRegressor(
            kernel=kernel, normalize_y=True, n_restarts_optimizer=3, random_state=random_state
        )
    return GaussianProcessClassifier(kernel=signal, n_restarts_optimizer=2, random_state=random_state)


# --------------------------------------------------------------------------------------------------
# Hand-crafted features


@dataclass(frozen=True)
class _Map:
    f: Callable[[Array], Array]
    domain: str  # "any" | "positive" | "nonnegative" | "nonzero"


_MAPS: dict[str, _Map] = {
    "identity": _Map(lambda x: x, "any"),
    "inv_sqrt": _Map(lambda x: 1.0 / np.sqrt(x), "positive"),  # Hall–Petch: σ_y = σ_0 + k / √d
    "sqrt": _Map(np.sqrt, "nonnegative"),
    "log": _Map(np.log, "positive"),
    "inv": _Map(lambda x: 1.0 / x, "nonzero"),
    "square": _Map(np.square, "any"),
}
_DOMAIN_OK: dict[str, Callable[[Array], Array]] = {
    "any": lambda x: np.ones(x.shape[1], dtype=bool),
    "positive": lambda x: np.all(x > 0, axis=0),
    "nonnegative": lambda x: np.all(x >= 0, axis=0),
    "nonzero": lambda x: np.all(x != 0, axis=0),
}


class HandFeature(TransformerMixin, BaseEstimator):
    """A named physical feature map, e.g. ``HandFeature("inv_sqrt")`` for the Hall–Petch 1/√d.

    This is the "hand-crafted feature" of the FAU practical: what the engineer knows, written as a
    transform so ``make_pipeline(HandFeature("inv_sqrt"), LinearRegression())`` is the domain model and
    cross-validates like any other.  It is for named physical maps only; for polynomial expansions use
    scikit-learn's ``PolynomialFeatures``.  ``columns`` (indices, or names when fitted on a DataFrame)
    selects the columns to map; the others pass through unchanged.  The map must see raw physical values:
    put any scaler *after* it (``honest_pipeline`` does).
    """

    def __init__(self, name: str = "identity", *, columns: Sequence[int | str] | None = None) -> None:
        self.name = name
        self.columns = columns

    def _map(self) -> _Map:
        if self.name not in _MAPS:
            raise ConfigError(f"unknown hand feature {self.name!r}; use one of {valid_names(_MAPS)}")
        return _MAPS[self.name]

    def _resolve_columns(self) -> np.ndarray:
        n = self.n_features_in_
        if self.columns is None:
            return np.arange(n)
        names = list(getattr(self, "feature_names_in_", []))
        idx = []
        for c in self.columns:
            if isinstance(c, str):
                if c not in names:
                    raise ConfigError(f"HandFeature column {c!r} is not a feature; features are {names}")
                idx.append(names.index(c))
            elif isinstance(c, int | np.integer) and -n <= int(c) < n:
                idx.append(int(c) % n)
            else:
                raise ConfigError(f"HandFeature column {c!r} is out of range for {n} features")
        return np.asarray(sorted(set(idx)), dtype=int)

    def fit(self, X: Any, y: Any = None) -> HandFeature:
        self._map()
        X = validate_data(self, X, dtype=np.float64)
        self.columns_ = self._resolve_columns()
        self._check_domain(X)
        return self

    def transform(self, X: Any) -> Array:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False, copy=True)
        self._check_domain(X)
        cols = self.columns_
        X[:, cols] = self._map().f(X[:, cols])
        return X

    def _check_domain(self, X: Array) -> None:
        m = self._map()
        ok = _DOMAIN_OK[m.domain](X[:, self.columns_])
        if not ok.all():
            col = int(self.columns_[int(np.argmin(ok))])
            label = self._input_names()[col]
            low = X[:, col].min()
            # "Negative values in data" is scikit-learn's wording for positive-only estimators.
            what = "Negative values in data" if low < 0 else "Zero values in data"
            raise DataError(
                f"{what}: HandFeature({self.name!r}) needs {m.domain} inputs but column {label!r} has min "
                f"{low:.4g}; pass raw physical values and scale after the feature map"
            )

    def _input_names(self) -> list[str]:
        names = getattr(self, "feature_names_in_", None)
        return list(names) if names is not None else [f"x{i}" for i in range(self.n_features_in_)]

    def get_feature_names_out(self, input_features: Any = None) -> Array:
        check_is_fitted(self)
        names = self._input_names() if input_features is None else [str(f) for f in input_features]
        if len(names) != self.n_features_in_:
            raise ValueError(f"input_features has {len(names)} names, expected {self.n_features_in_}")
        mapped = set(self.columns_.tolist())
        rename = self.name != "identity"
        out = [f"{self.name}({n})" if rename and i in mapped else n for i, n in enumerate(names)]
        return np.asarray(out, dtype=object)

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        domain = _MAPS[self.name].domain if self.name in _MAPS else "any"
        tags.input_tags.positive_only = domain != "any"
        return tags
