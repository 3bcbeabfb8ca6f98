"""The spread of the best possible score on a finite test set: a ceiling is an expectation, not a bound.

On 80 test points of the overlapping Gaussians (ceiling 0.894) the Bayes-optimal classifier scores
anywhere from 0.825 to 0.963, and above the ceiling about half the time; a model that scores 0.81
there may be no worse than the best possible one.  ``CeilingRange`` is the ceiling with the central
range (95 % of test sets) such a model scores on n test points: ``accuracy_range`` for classification
(exact), ``regression_r2_range`` and ``hall_petch_r2_range`` by Monte Carlo under the task's own
generator, computed once per machine (``ceilings.computed_once``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr
from scipy.stats import binom

from neuronlab.tasks.ceilings import MC_SEED, computed_once

LEVEL = 0.95  # the share of test sets whose Bayes-optimal score falls in a CeilingRange
N_SETS = 4_000  # simulated test sets per Monte Carlo range: its quantiles move by ~0.3 % of the spread


@dataclass(frozen=True)
class CeilingRange:
    """The ceiling (the best possible model's *expected* score) and the central range, holding a
    ``level`` share of test sets, that such a model scores on ``n`` test points."""

    ceiling: float
    low: float
    high: float
    n: int
    level: float = LEVEL

    def contains(self, score: float) -> bool:
        return self.low <= score <= self.high

    def sentence(self, digits: int = 3) -> str:
        """E.g. "ceiling 0.894; on 80 test points the best possible model scores 0.825–0.963"."""
        point = "point" if self.n == 1 else "points"
        return (f"ceiling {self.ceiling:.{digits}f}; on {self.n} test {point} the best possible model scores "
                f"{self.low:.{digits}f}–{self.high:.{digits}f}")

    def span(self, digits: int = 3) -> str:
        """"0.825–0.963 on 80 test points": for a table cell beside the ceiling."""
        return f"{self.low:.{digits}f}–{self.high:.{digits}f} on {self.n} test points"

    def to_dict(self) -> dict[str, float | int]:
        return {"ceiling": self.ceiling, "low": self.low, "high": self.high, "n": self.n, "level": self.level}


def check_range_args(n: int, level: float) -> None:
    """A range needs at least one test point and a level strictly between 0 and 1."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a number of test points >= 1, got {n!r}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.95), got {level!r}")


def accuracy_range(ceiling: float, n: int, level: float = LEVEL) -> tuple[float, float]:
    """The central ``level`` range of the Bayes classifier's accuracy on ``n`` test points.

    Exact, not approximate: each test point is its own draw x ~ p(x), and the Bayes classifier is
    right on it with probability max_c P(c | x), so, before x is drawn, with probability
    E_x[max_c P(c | x)] = ceiling — independently of the other points.  The number it gets right is
    Binomial(n, ceiling).  (A stratified split fixes the class counts, which only removes variance:
    the range is then a little wide, never narrow.)
    """
    check_range_args(n, level)
    tail = (1.0 - level) / 2.0
    lo, hi = binom.ppf([tail, 1.0 - tail], n, ceiling)
    return float(lo) / n, float(hi) / n


def r2_quantiles(y: np.ndarray, best: np.ndarray, level: float) -> tuple[float, float]:
    """The central ``level`` range of R² of the predictions ``best`` over simulated test sets (rows)."""
    resid = ((y - best) ** 2).sum(axis=1)  # (R,)
    total = ((y - y.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)  # (R,)
    r2 = 1.0 - resid / np.where(total > 0.0, total, np.inf)
    tail = (1.0 - level) / 2.0
    lo, hi = np.quantile(r2, [tail, 1.0 - tail])
    return float(lo), float(hi)


def regression_r2_range(f: Callable[[np.ndarray], np.ndarray], x_min: float, x_max: float, noise: float, n: int,
                        level: float = LEVEL, *, sets: int = N_SETS, seed: int = MC_SEED) -> tuple[float, float]:
    """The central ``level`` range of the R² of E[y | x] = f(x) on ``n`` test points of
    y = f(x) + N(0, noise²), x ~ U(x_min, x_max), over ``sets`` simulated test sets.

    No closed form: R² is a ratio of two sums that share the noise, so we draw the test sets.
    """
    check_range_args(n, level)
    if n < 2:
        return (-math.inf, 1.0)  # one point has no variance to explain
    rng = np.random.default_rng(seed)
    x = rng.uniform(x_min, x_max, size=(sets, n))  # (R, n)
    best = np.asarray(f(x), dtype=float)  # (R, n)
    y = best + noise * rng.standard_normal(x.shape)
    return r2_quantiles(y, best, level)


def hall_petch_best(Lm: np.ndarray, a: float, b: float, k: float, tau: float) -> np.ndarray:
    """E[k/√d | measured log grain size L_m] with L = ln d ~ U(a, b), L_m = L + N(0, τ²): the truncated
    normal's moment generating function at t = −½, as in ``hall_petch_ceiling``.  Add σ_0 for the
    yield stress (the specimen offset has mean 0); ``hall_petch_r2_range`` leaves σ_0 out of the target
    and the prediction alike."""
    if tau == 0.0:
        return np.asarray(k * np.exp(-Lm / 2.0))
    t = -0.5
    alpha, beta = (a - Lm) / tau, (b - Lm) / tau
    den = ndtr(beta) - ndtr(alpha)
    num = np.exp(t * Lm + t**2 * tau**2 / 2) * (ndtr(beta - t * tau) - ndtr(alpha - t * tau))
    inside = np.clip(Lm, a, b)  # far outside [a, b] both vanish; the nearest edge is then the answer
    return np.asarray(k * np.where(den > 1e-12, num / np.where(den > 1e-12, den, 1.0), np.exp(-inside / 2.0)))


@computed_once
def hall_petch_r2_range(d_min: float, d_max: float, k: float, specimen_scatter: float, crop_noise: float,
                        d_error: float, crops_per_specimen: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """The central ``level`` range of the best predictor's R² on ``n`` Hall–Petch test crops.

    The test split holds whole specimens (``crops_per_specimen`` crops each), so its crops share a
    grain size and an offset: the R² of a few specimens scatters far more than that of as many
    independent points, and the range says so.  Simulated as the generator draws the task.
    """
    check_range_args(n, level)
    if n < 2:
        return (-math.inf, 1.0)
    rng = np.random.default_rng(MC_SEED)
    a, b = math.log(d_min), math.log(d_max)
    specimen = np.arange(n) // max(int(crops_per_specimen), 1)  # (n,) the specimen of each test crop
    m = int(specimen[-1]) + 1
    L = rng.uniform(a, b, size=(N_SETS, m))[:, specimen]  # (R, n) true log grain size
    offset = specimen_scatter * rng.standard_normal((N_SETS, m))[:, specimen]  # (R, n)
    Lm = L + d_error * rng.standard_normal(L.shape)  # (R, n) measured
    y = k * np.exp(-L / 2.0) + offset + crop_noise * rng.standard_normal(L.shape)  # σ_y − σ_0
    return r2_quantiles(y, hall_petch_best(Lm, a, b, k, d_error), level)
