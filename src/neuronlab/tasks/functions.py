"""1-D regression targets from the practical: y = sin x, x, x², sinh x, each plus Gaussian noise.

The practical asks what a neuron (and neurons side by side) can fit over a range; ``task.truth`` is
the noise-free function, so plots can draw it and the ceiling says how much of Var(y) is noise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from neuronlab import limits
from neuronlab.errors import TaskError
from neuronlab.tasks import ceilings, spread
from neuronlab.tasks.base import Task
from neuronlab.tasks.registry import build, check_float, check_int, check_seed, register

MIN_SAMPLES = 20
X_LIMIT = 100.0  # sinh(x) overflows float64 past |x| ≈ 710, and its square past 355


@dataclass(frozen=True)
class Truth:
    """The noise-free target as a picklable callable on x of shape (n,) or (n, 1) → (n,)."""

    f: Callable[[np.ndarray], np.ndarray]

    def __call__(self, X: np.ndarray) -> np.ndarray:
        x = np.asarray(X, dtype=float)
        return np.asarray(self.f(x[:, 0] if x.ndim == 2 else x), dtype=float)


def identity(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=float)


def square(x: np.ndarray) -> np.ndarray:
    return np.square(x)


FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sin": np.sin, "identity": identity, "square": square, "sinh": np.sinh,
}


@ceilings.computed_once
def r2_range(name: str, x_min: float, x_max: float, noise: float, n: int, level: float) -> tuple[float, float]:
    """The range of the best possible R² on ``n`` test points of task ``name`` (by Monte Carlo, once)."""
    return spread.regression_r2_range(FUNCTIONS[name], x_min, x_max, noise, n, level)


def _function_task(name: str, n_samples: int, x_min: float, x_max: float, noise: float, seed: int,
                   val_fraction: float, test_fraction: float) -> Task:
    """x ~ U(x_min, x_max), y = f(x) + N(0, noise²)."""
    params: dict[str, Any] = {"n_samples": check_int("n_samples", n_samples, minimum=MIN_SAMPLES,
                                                          limit=limits.SAMPLES),
                              "x_min": check_float("x_min", x_min, minimum=-X_LIMIT, maximum=X_LIMIT),
                              "x_max": check_float("x_max", x_max, minimum=-X_LIMIT, maximum=X_LIMIT),
                              "noise": check_float("noise", noise, minimum=0.0), "seed": check_seed(seed),
                              "val_fraction": val_fraction, "test_fraction": test_fraction}
    lo, hi = params["x_min"], params["x_max"]
    if not lo < hi:
        raise TaskError(f"x_min must be < x_max, got x_min={lo}, x_max={hi}")
    f = FUNCTIONS[name]
    rng = np.random.default_rng(params["seed"])
    x = rng.uniform(lo, hi, size=params["n_samples"])
    y = f(x) + params["noise"] * rng.standard_normal(x.shape)
    ceiling = ceilings.regression_ceiling(lambda v: float(f(np.asarray(v))), lo, hi, params["noise"])
    return build(name, "regression", x[:, None], y, params, feature_names=("x",), ceiling=ceiling,
                 truth=Truth(f), ceiling_spread=partial(r2_range, name, lo, hi, params["noise"]))


@register("sin", kind="regression", description="y = sin(x) + noise, x uniform in [x_min, x_max]")
def load_sin(*, n_samples: int = 200, x_min: float = -3.0, x_max: float = 3.0, noise: float = 0.1,
             seed: int = 0, val_fraction: float = 0.2, test_fraction: float = 0.2) -> Task:
    """A bounded wiggle: sigmoid/tanh neurons side by side fit it piece by piece."""
    return _function_task("sin", n_samples, x_min, x_max, noise, seed, val_fraction, test_fraction)


@register("identity", kind="regression", description="y = x + noise, x uniform in [x_min, x_max]")
def load_identity(*, n_samples: int = 200, x_min: float = -3.0, x_max: float = 3.0, noise: float = 0.1,
                  seed: int = 0, val_fraction: float = 0.2, test_fraction: float = 0.2) -> Task:
    """One linear neuron fits it exactly; a sigmoid neuron only near its linear middle."""
    return _function_task("identity", n_samples, x_min, x_max, noise, seed, val_fraction, test_fraction)


@register("square", kind="regression", description="y = x² + noise, x uniform in [x_min, x_max]")
def load_square(*, n_samples: int = 200, x_min: float = -3.0, x_max: float = 3.0, noise: float = 0.1,
                seed: int = 0, val_fraction: float = 0.2, test_fraction: float = 0.2) -> Task:
    """Symmetric: no single monotone neuron can fit it, two side by side can."""
    return _function_task("square", n_samples, x_min, x_max, noise, seed, val_fraction, test_fraction)


@register("sinh", kind="regression", description="y = sinh(x) + noise, x uniform in [x_min, x_max]")
def load_sinh(*, n_samples: int = 200, x_min: float = -3.0, x_max: float = 3.0, noise: float = 0.1,
              seed: int = 0, val_fraction: float = 0.2, test_fraction: float = 0.2) -> Task:
    """Unbounded and steep at the ends: saturating activations struggle to extrapolate it."""
    return _function_task("sinh", n_samples, x_min, x_max, noise, seed, val_fraction, test_fraction)
