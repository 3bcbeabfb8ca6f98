"""The Bayesian neuron (MacKay, ITILA ch. 41): a posterior over the seed's neuron's weights.

The seed trains one sigmoid neuron by gradient descent on G(w) + α E_W(w) and keeps one weight
vector.  Read as inference, that sum is M(w) = −ln P(w | D, α) + const: G is the likelihood of the
labels, α E_W a Gaussian prior of precision α, and the trained weights are only the most probable
ones, w_MP.  This classifier keeps the whole posterior (``nn/bayes_posterior.py`` has the maths) and
predicts with it: P(t = 1 | x, D) = ∫ σ(w·x) P(w | D) dw, the "moderated" output.  Far from the data,
where the weights that fit it disagree, the moderated output falls back toward ½ instead of staying
as confident as the most probable neuron; the boundary (P = ½) barely moves, its 0.1 and 0.9
contours spread apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Self

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import Tags, check_random_state
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from neuronlab import limits
from neuronlab.errors import ConfigError, DataError, valid_names
from neuronlab.nn import bayes_posterior as bp

POSTERIORS = ("laplace", "langevin", "hmc")
CHUNK_VALUES = 2**20  # rows × samples of σ(w·x) held at once by predict_proba (8 MB)


@dataclass(frozen=True)
class _Bound:
    """One hyper-parameter's allowed values, declared once (checked at fit, scikit-learn style)."""

    kind: type
    low: float | None = None  # inclusive unless ``open_low``
    open_low: bool = False
    high: float | None = None
    none: str = ""  # what None means, when None is allowed
    limit: limits.Limit | None = None
    doc: str = ""

    def check(self, name: str, value: Any) -> None:
        if value is None and self.none:
            return
        if self.kind is bool:
            ok = isinstance(value, bool | np.bool_)
        else:
            number = Integral if self.kind is int else Real
            ok = isinstance(value, number) and not isinstance(value, bool | np.bool_)
            v = float(value) if ok else 0.0
            ok = ok and math.isfinite(v) and (self.low is None or (v > self.low if self.open_low else v >= self.low)) \
                and (self.high is None or v <= self.high)
        if not ok:
            raise ConfigError(f"{name} ({self.doc}) must be {self.describe()}; got {value!r}")
        if self.limit is not None:
            self.limit.check(int(value), name + " = {}")

    def describe(self) -> str:
        if self.kind is bool:
            return "True or False"
        text = "a whole number" if self.kind is int else "a finite number"
        if self.low is not None:
            text += f" {'>' if self.open_low else '>='} {self.low:g}"
        if self.high is not None:
            text += f" and <= {self.high:g}"
        return text + (f", or None ({self.none})" if self.none else "")


BOUNDS: dict[str, _Bound] = {
    "alpha": _Bound(float, 0, open_low=True, doc="the prior's precision on the weights, the seed's weight decay"),
    "fit_bias": _Bound(bool, doc="whether the neuron has a bias b, with a flat prior"),
    "n_samples": _Bound(int, 1, limit=limits.POSTERIOR_SAMPLES, doc="posterior samples kept"),
    "step_size": _Bound(float, 0, open_low=True, high=10, none="1/k^(1/6) for langevin, 0.3 for hmc",
                        doc="the leapfrog step ε, in posterior standard deviations"),
    "n_leapfrog": _Bound(int, 1, high=1000, doc="leapfrog steps per hmc proposal"),
    "burn_in": _Bound(int, 0, limit=limits.POSTERIOR_SAMPLES, doc="sampler steps dropped before keeping"),
    "evidence": _Bound(bool, doc="learn alpha by MacKay's evidence framework"),
}


class BayesianNeuronClassifier(ClassifierMixin, BaseEstimator):
    """One sigmoid neuron with a Gaussian prior of precision ``alpha`` on its weights, and its posterior.

    ``posterior`` chooses how the posterior is read: ``"laplace"`` (the Gaussian N(w_MP, A⁻¹) and
    MacKay's moderated output σ(κ(s) a_MP)), ``"langevin"`` or ``"hmc"`` (Monte Carlo samples, and the
    average of σ(w·x) over them).  ``evidence=True`` learns α from the data (MacKay's evidence
    framework, by Laplace), starting from ``alpha``.  The samplers take ``n_samples`` after
    ``burn_in`` steps, each of ``n_leapfrog`` leapfrog steps of size ``step_size`` (Langevin: one),
    measured in posterior standard deviations (the chain runs where the Laplace Gaussian is N(0, I)),
    so the defaults suit data on any scale.  Binary labels only.  Same ``random_state``, same samples.

    Learned: ``classes_``, ``coef_`` and ``intercept_`` (w_MP and b_MP), ``alpha_``, ``laplace_``
    (w_MP with the Hessian A), ``covariance_`` (A⁻¹, weights then bias), ``gamma_`` (well-determined
    weights), ``log_evidence_`` (ln P(D | alpha_), Laplace), ``sample_weights_`` (n_samples,
    n_features) with ``sample_bias_`` (n_samples,) — independent draws from N(w_MP, A⁻¹) for Laplace —
    ``acceptance_rate_`` (1.0 for Laplace's independent draws) and ``n_iter_`` (evidence updates of α).
    """

    def __init__(self, alpha: float = 0.01, posterior: str = "laplace", *, fit_bias: bool = True,
                 n_samples: int = 1000, step_size: float | None = None, n_leapfrog: int = 10, burn_in: int = 200,
                 evidence: bool = False, random_state: Any = None) -> None:
        self.alpha = alpha  # MacKay's example (ch. 41) uses α = 0.01
        self.posterior = posterior
        self.fit_bias = fit_bias
        self.n_samples = n_samples
        self.step_size = step_size
        self.n_leapfrog = n_leapfrog
        self.burn_in = burn_in
        self.evidence = evidence
        self.random_state = random_state

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    # -- fit ---------------------------------------------------------------------------------------

    def fit(self, X: Any, y: Any) -> Self:
        """Find w_MP (Newton), the Laplace Gaussian around it, then the posterior samples."""
        self._check_params()
        X, y = self._validate(X, y)
        t = self._targets(y)
        Xb = self._design(X)  # (N, k): x with x₀ = 1 appended when the neuron has a bias
        k = Xb.shape[1]
        limits.DATA_VALUES.check(k * k, "the Hessian A of the Bayesian neuron has {} values")
        limits.DATA_VALUES.check(self.n_samples * k, "sample_weights_ would hold {} values")
        rng = np.random.default_rng(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

        # the most probable weights and the Gaussian around them (at the evidence's α if asked)
        if self.evidence:
            found = bp.evidence_alpha(Xb, t, float(self.alpha), bias=self.fit_bias)
            self.alpha_, lap, self.n_iter_ = found.alpha, found.laplace, found.n_iter
        else:
            self.alpha_, lap, self.n_iter_ = float(self.alpha), bp.laplace(self._objective(Xb, t, self.alpha)), 0
        obj = self._objective(Xb, t, self.alpha_)
        self.laplace_ = lap
        self.gamma_ = bp.well_determined(obj, lap)
        self.log_evidence_ = bp.log_evidence(obj, lap)
        self.covariance_ = lap.covariance

        # the posterior samples: independent Gaussian draws, or a Monte Carlo chain on exp(−M)
        if self.posterior == "laplace":
            W = lap.to_w(rng.standard_normal((self.n_samples, k)))  # (S, k)
            self.acceptance_rate_ = 1.0
        else:
            langevin = self.posterior == "langevin"
            # Langevin's acceptance holds up when ε shrinks as k^(−1/6) (Roberts & Rosenthal 1998); HMC's
            # 10 steps of 0.3 travel ~3 s.d., about half an orbit of a Gaussian: far, and back-to-back
            # samples anticorrelated rather than correlated
            step = self.step_size if self.step_size is not None else k ** (-1 / 6) if langevin else 0.3
            W, self.acceptance_rate_ = bp.hamiltonian_monte_carlo(
                obj, lap, n_samples=self.n_samples, burn_in=self.burn_in, step_size=float(step),
                n_leapfrog=1 if langevin else self.n_leapfrog, rng=rng)
        d = X.shape[1]
        self.coef_, self.intercept_ = lap.w_mp[:d].copy(), float(lap.w_mp[d]) if self.fit_bias else 0.0
        self.sample_weights_ = W[:, :d].copy()  # (S, d)
        self.sample_bias_ = W[:, d].copy() if self.fit_bias else np.zeros(len(W))  # (S,)
        return self

    def _check_params(self) -> None:
        if self.posterior not in POSTERIORS:
            raise ConfigError(f"posterior must be one of {valid_names(POSTERIORS)}; got {self.posterior!r}")
        for name, bound in BOUNDS.items():
            bound.check(name, getattr(self, name))

    def _validate(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        try:
            X, y = validate_data(self, X, y, dtype=np.float64, ensure_all_finite=False)
        except ValueError as exc:
            raise DataError(_one_line(exc)) from None
        _check_finite(X)
        limits.check_data(*X.shape, where="X")
        return X, y

    def _targets(self, y: np.ndarray) -> np.ndarray:
        """t = 1 for ``classes_[1]``, 0 for ``classes_[0]``."""
        try:
            check_classification_targets(y)
        except ValueError as exc:
            raise DataError(_one_line(exc)) from None
        if (kind := type_of_target(y, input_name="y")) != "binary":
            raise ConfigError(f"Only binary classification is supported. The type of the target is {kind}: one "
                              f"sigmoid output, and y has {len(np.unique(y))} classes; use an MLP (--model mlp)")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise DataError(f"y has 1 class ({self.classes_.tolist()[0]!r}); the posterior needs both classes")
        return (y == self.classes_[1]).astype(np.float64)

    def _design(self, X: np.ndarray) -> np.ndarray:
        return np.column_stack([X, np.ones(len(X))]) if self.fit_bias else X

    def _objective(self, Xb: np.ndarray, t: np.ndarray, alpha: float) -> bp.Objective:
        return bp.objective(Xb, t, alpha, bias=self.fit_bias)

    # -- predictions -------------------------------------------------------------------------------

    def predict_proba(self, X: Any) -> np.ndarray:
        """P(t | x, D), moderated: MacKay's σ(κ(s) a_MP) for Laplace, the mean of σ(w·x) over the
        samples for the samplers.  (N, 2), columns in ``classes_`` order."""
        Xb = self._design(self._check_X(X))
        if self.posterior == "laplace":
            a_mp, s2 = Xb @ self.laplace_.w_mp, self.laplace_.activation_variance(Xb)
            return _two_columns(bp.moderated(a_mp, s2))
        W = np.column_stack([self.sample_weights_, self.sample_bias_])[:, : Xb.shape[1]]  # (S, k)
        p = np.empty(len(Xb))
        rows = max(1, CHUNK_VALUES // len(W))
        for start in range(0, len(Xb), rows):  # σ(w·x) for every sample, a chunk of rows at a time
            p[start:start + rows] = expit(Xb[start:start + rows] @ W.T).mean(axis=1)  # (rows, S) → (rows,)
        return _two_columns(p)

    def predict(self, X: Any) -> np.ndarray:
        p = self.predict_proba(X)[:, 1]  # checks first that the model is fitted
        return self.classes_[(p > 0.5).astype(int)]

    def most_probable_proba(self, X: Any) -> np.ndarray:
        """σ(w_MP·x + b_MP): what the trained neuron alone says, without the posterior's doubt.  (N, 2)."""
        X = self._check_X(X)
        return _two_columns(expit(X @ self.coef_ + self.intercept_))

    def sample_activations(self, X: Any, n: int | None = None) -> np.ndarray:
        """a = w·x + b for the first ``n`` posterior samples (all when None): (n, N).  Each row's
        a = 0 is one plausible decision boundary."""
        X = self._check_X(X)
        n = len(self.sample_weights_) if n is None else min(int(n), len(self.sample_weights_))
        return self.sample_weights_[:n] @ X.T + self.sample_bias_[:n, None]

    def _check_X(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        try:
            X = validate_data(self, X, reset=False, dtype=np.float64, ensure_all_finite=False)
        except ValueError as exc:
            raise DataError(_one_line(exc)) from None
        return _check_finite(X)


def _check_finite(X: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(X)):
        row, col = np.argwhere(~np.isfinite(X))[0]
        raise DataError(f"X contains NaN or inf (first at row {row}, column {col}); drop or impute those rows")
    return X


def _one_line(exc: Exception) -> str:
    """scikit-learn's message (some run to several lines, e.g. "Expected 2D array … Reshape your data …")."""
    return " ".join(line.strip() for line in str(exc).splitlines() if line.strip())


def _two_columns(p: np.ndarray) -> np.ndarray:
    return np.column_stack([1.0 - p, p])
