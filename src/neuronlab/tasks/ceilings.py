"""Ceilings: the best possible model's expected score, computed from the true generator.

A score means little without its ceiling: 0.88 accuracy on overlapping Gaussians is perfect, on
moons it is poor.  For classification the ceiling is the Bayes-optimal accuracy E_x[max_c P(c | x)],
the accuracy of the classifier that knows the true class densities.  We estimate it with that
expectation (not with 0/1 hits), which has less Monte Carlo variance: max_c P(c | x) lies in
[1/C, 1], so 40 000 samples keep the standard error below 0.0025 for any C.  Where the
expectation reduces to a low-dimensional integral (gates, circles) we integrate on a grid, where it
has a closed form (two Gaussians) we use it.

For regression the ceiling is the noise-ceiling R²: the R² of the best predictor E[y | x] on noisy
targets, 1 − E[Var(y | x)] / Var(y), in expectation over the generator.

A ceiling is an expectation, not a bound: on a finite test set the best possible model's score
scatters around it, and a test split of 80 points beats it about half the time.  ``tasks.spread``
says by how much.
"""

from __future__ import annotations

import functools
import json
import math
import os
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import numpy as np
from scipy import integrate
from scipy.special import expit, logsumexp, ndtr, softmax
from scipy.stats import rice

N_MC = 40_000  # Monte Carlo samples: standard error < 0.25 / sqrt(N_MC) = 0.00125 for two classes

P = ParamSpec("P")
V = TypeVar("V", float, tuple[float, ...])  # a cached value: one number, or a few (a range)


CACHE_VERSION = 1  # bump when a ceiling's formula or its Monte Carlo settings change


def cache_path() -> Path:
    """The file that keeps computed ceilings between processes: ``$NEURONLAB_CACHE/ceilings.json``
    (``NEURONLAB_CACHE`` defaults to ``$XDG_CACHE_HOME/neuronlab``, that to ``~/.cache``)."""
    root = os.environ.get("NEURONLAB_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "neuronlab")
    return Path(root) / "ceilings.json"


def _finite(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _read_cache(path: Path) -> dict[str, float | tuple[float, ...]]:
    """The cached values (numbers, or lists of numbers for ranges); an unreadable, foreign or damaged
    file counts as empty, and so does a damaged entry (values are recomputed)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION or not isinstance(data.get("values"), dict):
        return {}
    values: dict[str, float | tuple[float, ...]] = {}
    for k, v in data["values"].items():
        if _finite(v):
            values[k] = float(v)
        elif isinstance(v, list) and v and all(_finite(x) for x in v):
            values[k] = tuple(float(x) for x in v)
    return values


def _write_cache(path: Path, key: str, value: float | tuple[float, ...]) -> None:
    """Add one value: read, merge, write a temporary file and rename it over the old one, so a reader never
    sees half a file.  A lost race drops another process's value (it is recomputed), never corrupts."""
    try:
        values = _read_cache(path)
        values[key] = value
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps({"version": CACHE_VERSION, "values": values}))
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home: the value is simply recomputed next time


def computed_once(func: Callable[P, V]) -> Callable[P, V]:
    """Cache a ceiling in this process and on disk, computing each argument tuple once even when many
    threads ask at once.

    A Monte Carlo ceiling takes about a second: as much as the whole batched training of a 256-model
    sweep, and every fresh ``neuronlab`` process would pay it again.  On disk (``cache_path``) it is
    paid once per machine.  In the process, thirty students opening the playground at the same moment
    would otherwise each start the same estimate (the cache fills only when one finishes) and keep both
    cores busy for half a minute: one lock serialises the computations; the others wait and read.
    """
    lock = threading.Lock()
    memo: dict[str, Any] = {}

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> V:
        key = f"{func.__module__}.{func.__qualname__}{args!r}{sorted(kwargs.items())!r}"
        with lock:
            if key not in memo:
                path = cache_path()
                stored = _read_cache(path).get(key)
                if stored is None:
                    value = func(*args, **kwargs)
                    stored = tuple(float(v) for v in value) if isinstance(value, tuple) else float(value)
                    _write_cache(path, key, stored)
                memo[key] = stored
            result: V = memo[key]
            return result

    return wrapper


MC_SEED = 12345  # ceilings are facts about a generator, not about a task's seed
_CHUNK = 2_000  # rows per block when a (rows × curve points) distance matrix is built

Curve = Callable[[np.ndarray], np.ndarray]  # u in [0, 1) of shape (n,) -> points (n, 2)


def bayes_accuracy_mc(
    sample: Callable[[np.random.Generator, int], np.ndarray],
    posterior: Callable[[np.ndarray], np.ndarray],
    *,
    n: int = N_MC,
    seed: int = MC_SEED,
) -> tuple[float, float]:
    """(estimate, standard error) of E_x[max_c P(c | x)] with x drawn by ``sample(rng, n)``."""
    X = sample(np.random.default_rng(seed), n)
    best = posterior(X).max(axis=1)  # (n,)
    return float(best.mean()), float(best.std(ddof=1) / np.sqrt(n))


# -- two Gaussians, Gaussian mixtures --------------------------------------------------------------


def gaussians_accuracy(separation: float) -> float:
    """Two isotropic Gaussians, unit σ, equal priors, means ``separation`` apart: Φ(Δ / 2σ).

    The Bayes boundary is the perpendicular bisector of the means; each class spills over it with
    probability 1 − Φ(Δ / 2σ) (the distance to the bisector along the line of means).
    """
    return float(ndtr(separation / 2.0))


def gaussian_mixture_posterior(X: np.ndarray, centers: np.ndarray, std: float) -> np.ndarray:
    """P(c | x) for isotropic Gaussian classes with equal priors: a softmax of −|x − μ_c|² / 2σ²."""
    d2 = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)  # (n, C)
    return np.asarray(softmax(-d2 / (2.0 * std**2), axis=1))


def gaussian_mixture_mc(centers: np.ndarray, std: float, *, n: int = N_MC, seed: int = MC_SEED
                        ) -> tuple[float, float]:
    """(estimate, standard error) of the Bayes accuracy of equal-prior isotropic Gaussian classes."""
    C, dim = centers.shape

    def sample(rng: np.random.Generator, m: int) -> np.ndarray:
        return centers[rng.integers(C, size=m)] + std * rng.standard_normal((m, dim))

    return bayes_accuracy_mc(sample, lambda X: gaussian_mixture_posterior(X, centers, std), n=n, seed=seed)


@lru_cache(maxsize=128)
def gaussian_mixture_accuracy(centers: tuple[tuple[float, ...], ...], std: float) -> float:
    """Cached Bayes accuracy of isotropic Gaussian classes (blobs); ``centers`` as nested tuples."""
    if std == 0.0:
        return 1.0
    return gaussian_mixture_mc(np.array(centers, dtype=float), std)[0]


# -- logic gates: four corners with Gaussian jitter ------------------------------------------------


@lru_cache(maxsize=128)
def gate_accuracy(table: tuple[int, int, int, int], noise_ratio: float) -> float:
    """Bayes accuracy of a gate: corners (0,0), (0,1), (1,0), (1,1) with labels ``table``.

    ``noise_ratio`` is σ over the side of the square.  The corner's two bits are independent and
    each coordinate sees only its own bit, so P(bit_i | x_i) is a logistic in x_i and the 2-D
    expectation is an outer product of two 1-D grids (each a standard-normal grid around 0 and 1,
    so its resolution follows σ).
    """
    if noise_ratio == 0.0:
        return 1.0
    s = noise_ratio
    u = np.linspace(-8.0, 8.0, 801)
    w_u = np.exp(-0.5 * u**2)
    w_u /= w_u.sum()
    x = np.concatenate([0.0 + s * u, 1.0 + s * u])  # nodes of one coordinate (K,)
    w = np.concatenate([w_u, w_u]) / 2.0  # each bit has prior 1/2
    p1 = expit((x - 0.5) / s**2)  # P(bit = 1 | x): log N(x; 1, σ²) − log N(x; 0, σ²) = (x − ½)/σ²
    q = np.stack([1.0 - p1, p1], axis=1)  # (K, 2)
    p_pos = np.zeros((len(x), len(x)))  # P(label = 1 | x1, x2)
    for (b1, b2), label in zip(((0, 0), (0, 1), (1, 0), (1, 1)), table, strict=True):
        if label:
            p_pos += np.outer(q[:, b1], q[:, b2])
    best = np.maximum(p_pos, 1.0 - p_pos)
    return float(w @ best @ w)


# -- curves with Gaussian jitter: moons, spirals ---------------------------------------------------


def curve_posterior(X: np.ndarray, points: Sequence[np.ndarray], noise: float) -> np.ndarray:
    """P(c | x) when class c is a uniform mixture of N(p, σ²I) over the points of its curve."""
    out = np.empty((len(X), len(points)))
    for start in range(0, len(X), _CHUNK):
        x = X[start:start + _CHUNK]  # (b, 2)
        logs = []
        for P in points:  # (M, 2)
            d2 = (x**2).sum(1)[:, None] - 2.0 * x @ P.T + (P**2).sum(1)[None, :]  # (b, M)
            logs.append(logsumexp(-d2 / (2.0 * noise**2), axis=1) - np.log(len(P)))
        out[start:start + _CHUNK] = softmax(np.stack(logs, axis=1), axis=1)
    return out


def curve_mixture_mc(
    curves: Sequence[Curve], noise: float, *, n_points: int | None = None, n: int = N_MC, seed: int = MC_SEED
) -> tuple[float, float]:
    """(estimate, standard error) of the Bayes accuracy of equal-prior classes x = curve_c(u) + N(0, σ²I).

    Each curve maps u ~ U(0, 1) to a point, exactly as the generator does.  The class density is the
    noise kernel averaged along the curve; we approximate that integral by the curve at the
    midpoints of ``n_points`` equal-probability bins, spaced below σ.
    """
    if n_points is None:  # spacing σ/2: the kernel sum then differs from the integral by ~exp(-8π²)
        fine = [np.asarray(curve(np.linspace(0.0, 1.0, 10_001))) for curve in curves]
        length = max(float(np.linalg.norm(np.diff(f, axis=0), axis=1).sum()) for f in fine)
        n_points = int(np.clip(np.ceil(2.0 * length / noise), 200, 4000))
    u = (np.arange(n_points) + 0.5) / n_points
    points = [np.asarray(curve(u), dtype=float) for curve in curves]

    def sample(rng: np.random.Generator, m: int) -> np.ndarray:
        c = rng.integers(len(curves), size=m)
        x = np.empty((m, 2))
        for k, curve in enumerate(curves):
            x[c == k] = curve(rng.uniform(size=int((c == k).sum())))
        return x + noise * rng.standard_normal((m, 2))

    return bayes_accuracy_mc(sample, lambda X: curve_posterior(X, points, noise), n=n, seed=seed)


# -- circles: the radius of a noisy circle point is Rice-distributed -------------------------------


@lru_cache(maxsize=128)
def circles_accuracy(noise: float, factor: float) -> float:
    """Bayes accuracy of make_circles: radius 1 (class 0) vs radius ``factor`` (class 1), equal priors.

    Both classes are uniform in angle, so P(c | x) depends on r = |x| only, and r of a point on a
    circle of radius R with isotropic noise σ follows Rice(R/σ, σ).  Accuracy = ½ ∫ max(f_0, f_1) dr.
    """
    if noise == 0.0:
        return 1.0
    r = np.linspace(0.0, 1.0 + 12.0 * noise, int(min(2e6, max(20_001, 20 * (1.0 + 12 * noise) / noise))))
    f0 = rice.pdf(r, 1.0 / noise, scale=noise)
    f1 = rice.pdf(r, factor / noise, scale=noise)
    return float(0.5 * integrate.trapezoid(np.maximum(f0, f1), r))


# -- regression ------------------------------------------------------------------------------------


def regression_ceiling(f: Callable[[float], float], x_min: float, x_max: float, noise: float) -> float:
    """Noise-ceiling R² of y = f(x) + N(0, σ²), x ~ U(x_min, x_max): Var f / (Var f + σ²).

    E[y | x] = f(x), so the best predictor leaves exactly σ² of Var(y) = Var_x f(x) + σ² unexplained.
    """
    width = x_max - x_min
    mean = integrate.quad(f, x_min, x_max, limit=200)[0] / width
    mean_sq = integrate.quad(lambda x: f(x) ** 2, x_min, x_max, limit=200)[0] / width
    var_f = max(mean_sq - mean**2, 0.0)
    if var_f + noise**2 == 0.0:
        return 1.0
    return float(var_f / (var_f + noise**2))


@lru_cache(maxsize=128)
def hall_petch_ceiling(
    d_min: float, d_max: float, k: float, specimen_scatter: float, crop_noise: float, d_error: float
) -> float:
    """Noise-ceiling R² of σ_y = σ_0 + δ_specimen + k/√d + ε_crop seen through a measured grain size.

    A model sees one crop's measured d_m = d·exp(N(0, d_error²)), never the specimen's offset δ, so
    three things are noise to it: the specimen scatter δ (a new specimen's offset cannot be learned),
    the crop noise ε, and the spread of k/√d among the true grain sizes compatible with d_m.  With
    L = ln d ~ U(a, b), L given L_m is N(L_m, τ²) truncated to [a, b], whose moment generating
    function gives E[e^{tL} | L_m] in closed form; the rest is a 1-D integral over L_m.
    """
    a, b, tau = np.log(d_min), np.log(d_max), d_error
    width = b - a
    # moments of g = k·d^(-1/2) = k·e^(−L/2) under the log-uniform prior
    mean_g = k * 2.0 * (np.exp(-a / 2) - np.exp(-b / 2)) / width
    mean_g2 = k**2 * (np.exp(-a) - np.exp(-b)) / width
    var_g = mean_g2 - mean_g**2
    noise = specimen_scatter**2 + crop_noise**2
    if tau == 0.0:
        unexplained_g = 0.0
    else:
        Lm = np.linspace(a - 8 * tau, b + 8 * tau, 20_001)
        alpha, beta = (a - Lm) / tau, (b - Lm) / tau
        p = (ndtr(beta) - ndtr(alpha)) / width  # density of L_m
        t = -0.5  # p(L_m)·E[g | L_m] = k·p(L_m)·E[e^{tL} | L_m], the truncated-normal MGF at t = −½
        p_mean = k * np.exp(t * Lm + t**2 * tau**2 / 2) * (ndtr(beta - t * tau) - ndtr(alpha - t * tau))
        p_mean /= width
        ok = p > 1e-300
        # E[Var(g | L_m)] = E[g²] − E_{L_m}[E[g | L_m]²]
        unexplained_g = mean_g2 - integrate.trapezoid(np.where(ok, p_mean**2 / np.where(ok, p, 1.0), 0.0), Lm)
        unexplained_g = max(float(unexplained_g), 0.0)
    return float(1.0 - (noise + unexplained_g) / (var_g + noise))
