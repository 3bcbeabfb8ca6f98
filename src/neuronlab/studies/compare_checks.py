"""What a careful reviewer asks besides "which model wins": how good could any model be, and would more
data change the answer?  Both are computed from numbers the study already has, with NumPy only.

- The **noise ceiling** from replicates: rows of one group with equal inputs differ only by noise, so
  their pooled within-set variance estimates the noise variance σ², and no model of those inputs can
  reach an R² above 1 − σ²/Var(y).  It counts only within-group repeat noise: offsets between groups
  that the inputs cannot explain lower the true ceiling further, so it is an upper bound.  Its spread
  comes from resampling the replicate sets (bootstrap).
- The **crossover** of two learning curves: the training size at which the difference of mean scores
  changes sign, interpolated linearly between the two sizes that bracket it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

BOOTSTRAP = 2000
MIN_REPLICATE_DOF = 2  # at least this many degrees of freedom within sets before σ² means anything


@dataclass(frozen=True)
class NoiseCeiling:
    """R² ceiling 1 − σ²/Var(y) from replicate sets, with a 95 % bootstrap interval over the sets."""

    r2: float
    low: float
    high: float
    noise_sd: float
    n_sets: int
    n_rows: int

    def to_dict(self) -> dict[str, Any]:
        return {"r2": self.r2, "interval_95": [self.low, self.high], "noise_sd": self.noise_sd,
                "n_sets": self.n_sets, "n_rows": self.n_rows}

    def sentence(self) -> str:
        return (f"noise ceiling R² {self.r2:.3f} [95 % {self.low:.3f}, {self.high:.3f}] from {self.n_rows} rows in "
                f"{self.n_sets} replicate sets (noise sd {self.noise_sd:.4g}); no model of these inputs can do "
                "better on average")


def replicate_sets(X: np.ndarray, groups: np.ndarray | None) -> list[np.ndarray]:
    """Row indices of every set of ≥ 2 rows sharing a group (all rows are one group without groups) and
    exactly equal inputs."""
    keys: dict[tuple[Any, ...], list[int]] = {}
    for i, row in enumerate(np.asarray(X, dtype=float)):
        group = None if groups is None else groups[i]
        keys.setdefault((group, row.tobytes()), []).append(i)
    return [np.asarray(rows) for rows in keys.values() if len(rows) > 1]


def noise_ceiling(X: np.ndarray, y: np.ndarray, groups: np.ndarray | None, *, seed: int = 0) -> NoiseCeiling | None:
    """The ceiling when the data holds replicates (and y varies), else None."""
    sets = replicate_sets(X, groups)
    dof = sum(len(s) - 1 for s in sets)
    var_y = float(np.var(y, ddof=1)) if len(y) > 1 else 0.0
    if dof < MIN_REPLICATE_DOF or var_y <= 0:
        return None
    # per set: sum of squares about its own mean, and its degrees of freedom
    ss = np.array([float(np.sum((y[s] - y[s].mean()) ** 2)) for s in sets])
    df = np.array([len(s) - 1 for s in sets], dtype=float)
    sigma2 = ss.sum() / df.sum()
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(sets), size=(BOOTSTRAP, len(sets)))  # (B, sets) resampled set indices
    boot = 1.0 - (ss[pick].sum(axis=1) / df[pick].sum(axis=1)) / var_y  # (B,)
    low, high = np.quantile(boot, [0.025, 0.975])
    return NoiseCeiling(r2=1.0 - sigma2 / var_y, low=float(low), high=float(high), noise_sd=float(np.sqrt(sigma2)),
                        n_sets=len(sets), n_rows=int(sum(len(s) for s in sets)))


def crossover(sizes: np.ndarray, diff: np.ndarray) -> float | None:
    """The training size where ``diff`` (a − b, one value per size, ascending sizes) first changes sign,
    linearly interpolated; None when it keeps one sign over the finite points (or has fewer than two)."""
    ok = np.isfinite(diff) & np.isfinite(sizes)
    n, d = np.asarray(sizes, dtype=float)[ok], np.asarray(diff, dtype=float)[ok]
    for i in range(len(d) - 1):
        if d[i] == 0:
            return float(n[i])
        if np.sign(d[i]) != np.sign(d[i + 1]) and d[i + 1] != 0:
            return float(n[i] + (n[i + 1] - n[i]) * d[i] / (d[i] - d[i + 1]))
    return None
