"""Two-input regression surfaces of TensorFlow Playground: a tilted plane and six signed bumps.

Its ``dataset.ts`` draws both on the square [-6, 6]² (``regressPlane``, ``regressGaussian``):

* **plane**: y = (x1 + x2) / 10, a linear map of [-10, 10] onto [-1, 1]: one linear neuron fits it.
* **gauss_bumps**: six cones of height 1 and radius 2 centred at x1 ∈ {-4, 0, 4}, x2 = ±2.5, signed
  + − + along the top row and − + − along the bottom, 0 between them.  The playground labels a point
  with the cone largest in absolute value; the cones' discs only touch (centres 4 apart, radius 2),
  so that is also their sum.  (It calls them Gaussian; their profile is linear, 1 − d/2.)

One difference, on purpose: TensorFlow Playground's noise jitters the *input* before the label is
read, ours adds N(0, noise²) to the *target*, as every other regression task here does.  So E[y | x]
is the surface itself, and the noise ceiling is exact: R² = Var f / (Var f + noise²), with
Var f = 0.24 for the plane and π/36 for the bumps (see ``surface_variance``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from neuronlab import limits
from neuronlab.tasks import ceilings, spread
from neuronlab.tasks.base import Task
from neuronlab.tasks.registry import build, check_float, check_int, check_seed, register

RADIUS = 6.0  # inputs are uniform on [-RADIUS, RADIUS]², as in TensorFlow Playground
FEATURES = ("x1", "x2")
MIN_SAMPLES = 20
# (centre x1, centre x2, sign) of each bump, in dataset.ts's order
BUMPS = np.array([[-4.0, 2.5, 1.0], [0.0, 2.5, -1.0], [4.0, 2.5, 1.0],
                  [-4.0, -2.5, -1.0], [0.0, -2.5, 1.0], [4.0, -2.5, -1.0]])
BUMP_RADIUS = 2.0
_CHUNK = 200_000  # points per block when a Monte Carlo range evaluates a surface


def plane(X: np.ndarray) -> np.ndarray:
    """(x1 + x2) / 10 on the last axis of ``X`` (..., 2) → (...)."""
    X = np.asarray(X, dtype=float)
    return (X[..., 0] + X[..., 1]) / 10.0


def gauss_bumps(X: np.ndarray) -> np.ndarray:
    """The signed cone largest in absolute value at each point of ``X`` (..., 2) → (...)."""
    X = np.asarray(X, dtype=float)
    d = np.hypot(X[..., None, 0] - BUMPS[:, 0], X[..., None, 1] - BUMPS[:, 1])  # (..., 6)
    cones = BUMPS[:, 2] * np.clip(1.0 - d / BUMP_RADIUS, 0.0, None)  # (..., 6) signed heights
    pick = np.abs(cones).argmax(axis=-1)[..., None]  # (..., 1) the first of equals, as dataset.ts keeps
    return np.take_along_axis(cones, pick, axis=-1)[..., 0]


SURFACES: dict[str, Callable[[np.ndarray], np.ndarray]] = {"plane": plane, "gauss_bumps": gauss_bumps}


def surface_variance(name: str) -> float:
    """Var f(x) for x uniform on [-a, a]² (a = ``RADIUS``), in closed form.

    Plane: x1 and x2 are independent U(-a, a), each of variance (2a)²/12 = a²/3, so
    Var (x1 + x2)/10 = 2a²/300 = a²/150 (0.24 at a = 6).  Bumps: every disc lies inside the square
    and the signs cancel (three + and three −), so E f = 0 and Var f = E f² = 6 ∫∫ cone² / (2a)²; in
    polar coordinates ∫∫ (1 − r/ρ)² = 2π ∫₀^ρ (1 − r/ρ)² r dr = πρ²/6, so Var f = πρ² / (4a²)
    (π/36 ≈ 0.0873 at ρ = 2, a = 6).
    """
    if name == "plane":
        return RADIUS**2 / 150.0
    return BUMP_RADIUS**2 * math.pi / (4.0 * RADIUS**2)


def surface_ceiling(name: str, noise: float) -> float:
    """Noise-ceiling R² = 1 − noise² / Var(y) with Var(y) = Var f + noise² (E[y | x] = f(x))."""
    var_f = surface_variance(name)
    return float(var_f / (var_f + noise**2))


@ceilings.computed_once
def surface_r2_range(name: str, noise: float, n: int, level: float) -> tuple[float, float]:
    """The central ``level`` range of the R² of f itself on ``n`` test points (by Monte Carlo, once per
    machine): ``spread.N_SETS`` test sets drawn as the loader draws them, scored as ``spread`` scores them."""
    spread.check_range_args(n, level)
    if n < 2:
        return (-math.inf, 1.0)  # one point has no variance to explain
    rng = np.random.default_rng(ceilings.MC_SEED)
    f = SURFACES[name]
    rows = max(1, _CHUNK // n)  # sets per block: the inputs and the bumps' (rows, n, 6) distances stay small
    best = np.concatenate([f(rng.uniform(-RADIUS, RADIUS, size=(min(rows, spread.N_SETS - i), n, 2)))
                           for i in range(0, spread.N_SETS, rows)])  # (R, n)
    y = best + noise * rng.standard_normal(best.shape)
    return spread.r2_quantiles(y, best, level)


def _surface_task(name: str, n_samples: int, noise: float, seed: int, val_fraction: float,
                  test_fraction: float) -> Task:
    """x ~ U(-6, 6)², y = f(x) + N(0, noise²)."""
    params: dict[str, Any] = {"n_samples": check_int("n_samples", n_samples, minimum=MIN_SAMPLES,
                                                          limit=limits.SAMPLES),
                              "noise": check_float("noise", noise, minimum=0.0), "seed": check_seed(seed),
                              "val_fraction": val_fraction, "test_fraction": test_fraction}
    rng = np.random.default_rng(params["seed"])
    X = rng.uniform(-RADIUS, RADIUS, size=(params["n_samples"], 2))
    f = SURFACES[name]
    y = f(X) + params["noise"] * rng.standard_normal(params["n_samples"])
    return build(name, "regression", X, y, params, feature_names=FEATURES, truth=f,
                 ceiling=surface_ceiling(name, params["noise"]),
                 ceiling_spread=partial(surface_r2_range, name, params["noise"]))


@register("plane", kind="regression",
          description="y = (x1 + x2)/10 + noise, x uniform in [-6, 6]² (TensorFlow Playground's plane)")
def load_plane(*, n_samples: int = 400, noise: float = 0.1, seed: int = 0, val_fraction: float = 0.2,
               test_fraction: float = 0.2) -> Task:
    """A tilted plane: one linear neuron on x1 and x2 fits it exactly, whatever the noise."""
    return _surface_task("plane", n_samples, noise, seed, val_fraction, test_fraction)


@register("gauss_bumps", kind="regression",
          description="six signed bumps (+ − + over − + −) + noise, x uniform in [-6, 6]² "
                      "(TensorFlow Playground's Gaussian)")
def load_gauss_bumps(*, n_samples: int = 400, noise: float = 0.05, seed: int = 0, val_fraction: float = 0.2,
                     test_fraction: float = 0.2) -> Task:
    """Six local bumps and flat ground between them: a hidden layer has to place each one."""
    return _surface_task("gauss_bumps", n_samples, noise, seed, val_fraction, test_fraction)
