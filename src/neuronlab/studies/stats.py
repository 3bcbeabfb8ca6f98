"""Is a difference between two models real?  Two answers from the same paired fold-wise differences.

Repeated k-fold cross-validation gives r·k paired differences ``a − b``, but they are not independent:
every training set shares most of its rows with every other, so the plain paired t-test divides by a
variance that is far too small and "finds" differences between equal models (its false-positive rate at
5 % is several times 5 %; ``tests/studies/test_compare_calibration.py`` measures it).  Nadeau & Bengio
(2003) inflate the variance of the mean by the overlap:

    Var(mean) ≈ (1/n + n_test/n_train) · s²          (n = r·k differences, s² their sample variance)

instead of s²/n.  Benavoli et al. (2017) read the same quantity as the scale of a posterior: with a
correlation ρ = n_test/(n_train + n_test) between differences (so ρ/(1−ρ) = n_test/n_train) the posterior
of the mean difference μ is a Student t with n − 1 degrees of freedom, location the mean difference and
scale √((1/n + ρ/(1−ρ))·s²).  From it come P(μ < −rope), P(|μ| ≤ rope) and P(μ > rope): the probability
that ``a`` is worse, practically equal, better, given a region of practical equivalence the user sets.

Both are closed forms in scipy; they reproduce the numbers of scikit-learn's example "Statistical
comparison of models using grid search" (``tests/studies/test_stats.py``).  When folds differ in size
(grouped folds), ``n_train`` and ``n_test`` are the folds' mean sizes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from neuronlab.errors import ConfigError


@dataclass(frozen=True)
class TTest:
    """A paired t-test of the mean difference against 0: t, its degrees of freedom, the standard error of
    the mean it divided by, and the two-sided p-value."""

    mean: float
    se: float
    t: float
    df: int
    p: float

    @property
    def p_greater(self) -> float:
        """One-sided p-value of "a − b > 0" (scikit-learn's example prints this one)."""
        return float(stats.t.sf(self.t, self.df)) if self.se > 0 else (0.0 if self.mean > 0 else 1.0)

    def to_dict(self) -> dict[str, Any]:
        return {"mean": self.mean, "se": self.se, "t": self.t, "df": self.df, "p": self.p}


@dataclass(frozen=True)
class Posterior:
    """The Bayesian correlated t-test: posterior of the mean difference μ = E[a − b] and its three areas."""

    mean: float
    scale: float
    df: int
    rope: float
    p_left: float  # P(μ < −rope): a is worse
    p_rope: float  # P(−rope ≤ μ ≤ rope): practically equal
    p_right: float  # P(μ > rope): a is better

    def interval(self, mass: float = 0.95) -> tuple[float, float]:
        """The central credible interval holding ``mass`` of the posterior."""
        if self.scale == 0:
            return self.mean, self.mean
        low, high = stats.t.interval(mass, self.df, loc=self.mean, scale=self.scale)
        return float(low), float(high)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """The posterior density at ``x`` (for the report's figure)."""
        return np.asarray(stats.t.pdf(x, self.df, loc=self.mean, scale=max(self.scale, 1e-300)))

    def to_dict(self) -> dict[str, Any]:
        low, high = self.interval()
        return {"mean": self.mean, "scale": self.scale, "df": self.df, "rope": self.rope, "p_left": self.p_left,
                "p_rope": self.p_rope, "p_right": self.p_right, "interval_95": [low, high]}


def _differences(diffs: Any) -> np.ndarray:
    d = np.asarray(diffs, dtype=float).ravel()
    if d.size < 2:
        raise ConfigError(f"a paired test needs at least 2 differences, got {d.size}; use more folds or repeats")
    if not np.all(np.isfinite(d)):
        raise ConfigError("the fold-wise differences contain NaN or inf; every fold must have a finite score")
    return d


def _overlap(n_train: float, n_test: float) -> float:
    """n_test/n_train = ρ/(1−ρ) with ρ = n_test/(n_train + n_test): how much the training sets overlap."""
    if not (n_train > 0 and n_test > 0):
        raise ConfigError(f"n_train and n_test must be > 0, got {n_train} and {n_test}")
    return float(n_test) / float(n_train)


def _ttest(d: np.ndarray, variance_factor: float) -> TTest:
    mean = float(np.mean(d))
    se = math.sqrt(variance_factor * float(np.var(d, ddof=1)))
    df = d.size - 1
    if se == 0:  # every difference equal: no spread to test against
        return TTest(mean, 0.0, math.copysign(math.inf, mean) if mean else 0.0, df, 0.0 if mean else 1.0)
    t = mean / se
    return TTest(mean, se, t, df, float(2 * stats.t.sf(abs(t), df)))


def paired_ttest(diffs: Any) -> TTest:
    """The plain paired t-test (s²/n): what people usually run, and wrong for cross-validation folds."""
    d = _differences(diffs)
    return _ttest(d, 1.0 / d.size)


def corrected_ttest(diffs: Any, n_train: float, n_test: float) -> TTest:
    """Nadeau & Bengio's corrected resampled t-test: the variance of the mean is (1/n + n_test/n_train)·s²."""
    d = _differences(diffs)
    return _ttest(d, 1.0 / d.size + _overlap(n_train, n_test))


def bayesian_correlated_ttest(diffs: Any, n_train: float, n_test: float, *, rope: float = 0.0) -> Posterior:
    """Benavoli et al.'s correlated t-test in closed form: posterior St(n−1, mean, √((1/n + ρ/(1−ρ))·s²))."""
    d = _differences(diffs)
    if not (math.isfinite(rope) and rope >= 0):
        raise ConfigError(f"rope must be a finite number >= 0, got {rope!r}")
    test = _ttest(d, 1.0 / d.size + _overlap(n_train, n_test))
    if test.se == 0:  # a point mass at the mean
        left, right = float(test.mean < -rope), float(test.mean > rope)
        return Posterior(test.mean, 0.0, test.df, rope, left, 1.0 - left - right, right)
    left = float(stats.t.cdf(-rope, test.df, loc=test.mean, scale=test.se))
    right = float(stats.t.sf(rope, test.df, loc=test.mean, scale=test.se))
    return Posterior(test.mean, test.se, test.df, rope, left, max(0.0, 1.0 - left - right), right)
