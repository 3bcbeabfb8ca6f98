"""Two-feature classification tasks whose generator we know, so each carries its Bayes ceiling.

From the practicals: the logic gates a single neuron can and cannot learn (``and``, ``or``,
``xor``), a separable line, overlapping Gaussians, moons; then circles, spirals and multiclass
blobs.  Thin wrappers over scikit-learn's generators where they exist; spirals are ours.  Every
loader draws with ``seed`` and splits with the same seed, so one number reproduces the task.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
from sklearn.datasets import make_blobs, make_circles, make_moons

from neuronlab import limits
from neuronlab.tasks import ceilings
from neuronlab.tasks.base import Task
from neuronlab.tasks.registry import build, check_float, check_int, check_seed, register

FEATURES = ("x1", "x2")
MIN_SAMPLES = 20
BINARY = ("0", "1")

# Labels of the corners (lo, lo), (lo, hi), (hi, lo), (hi, hi): the gates' truth tables.
GATES: dict[str, tuple[int, int, int, int]] = {"and": (0, 0, 0, 1), "or": (0, 1, 1, 1), "xor": (0, 1, 1, 0)}


def _common(n_samples: int, seed: int, val_fraction: float, test_fraction: float) -> dict[str, Any]:
    return {"n_samples": check_int("n_samples", n_samples, minimum=MIN_SAMPLES,
                                          limit=limits.SAMPLES), "seed": check_seed(seed),
            "val_fraction": val_fraction, "test_fraction": test_fraction}


# -- logic gates -----------------------------------------------------------------------------------


def _gate(name: str, lo: float, hi: float, n_samples: int, noise: float, seed: int, val_fraction: float,
          test_fraction: float) -> Task:
    """Equal numbers of points at each corner of {lo, hi}², jittered by N(0, noise²), labelled by the gate."""
    params = _common(n_samples, seed, val_fraction, test_fraction)
    params["noise"] = check_float("noise", noise, minimum=0.0)
    centers = np.array([[lo, lo], [lo, hi], [hi, lo], [hi, hi]])
    X, corner = make_blobs(n_samples=params["n_samples"], centers=centers, cluster_std=params["noise"],
                           random_state=params["seed"])
    y = np.asarray(GATES[name])[corner]
    ceiling = ceilings.gate_accuracy(GATES[name], params["noise"] / (hi - lo))
    return build(name, "binary", X, y, params, feature_names=FEATURES, ceiling=ceiling, class_names=BINARY)


@register("and", kind="binary", description="AND gate: jittered corners of the unit square, 1 only at (1, 1)")
def load_and(*, n_samples: int = 200, noise: float = 0.15, seed: int = 0, val_fraction: float = 0.2,
             test_fraction: float = 0.2) -> Task:
    """Linearly separable for small ``noise``: one neuron suffices."""
    return _gate("and", 0.0, 1.0, n_samples, noise, seed, val_fraction, test_fraction)


@register("or", kind="binary", description="OR gate: jittered corners of the unit square, 0 only at (0, 0)")
def load_or(*, n_samples: int = 200, noise: float = 0.15, seed: int = 0, val_fraction: float = 0.2,
            test_fraction: float = 0.2) -> Task:
    """Linearly separable for small ``noise``: one neuron suffices."""
    return _gate("or", 0.0, 1.0, n_samples, noise, seed, val_fraction, test_fraction)


@register("xor", kind="binary", description="XOR: jittered quadrant centres (±½, ±½), 1 where signs differ")
def load_xor(*, n_samples: int = 200, noise: float = 0.15, seed: int = 0, val_fraction: float = 0.2,
             test_fraction: float = 0.2) -> Task:
    """Points around the quadrant centres (±½, ±½), label 1 iff sign(c1) ≠ sign(c2) for the centre c.

    That is the XOR truth table with bit = (c > 0), i.e. the negation of sign(x1) == sign(x2) for
    the centre; a point jittered across an axis keeps its centre's label (hence a ceiling below 1
    for large ``noise``).  No single line separates it: the task a hidden layer exists for.  The
    side is 1 like the gates', so the same ``noise`` means the same difficulty.
    """
    return _gate("xor", -0.5, 0.5, n_samples, noise, seed, val_fraction, test_fraction)


# -- a separable line, two Gaussians ---------------------------------------------------------------


@register("linear", kind="binary", description="separable: uniform in [-1, 1]², empty margin around a line")
def load_linear(*, n_samples: int = 200, margin: float = 0.2, angle: float = 30.0, seed: int = 0,
                val_fraction: float = 0.2, test_fraction: float = 0.2) -> Task:
    """Uniform points in [-1, 1]² whose side of the line through 0 with normal at ``angle`` degrees is
    the label, none closer than ``margin``/2 to it: separable by construction, so the ceiling is 1."""
    params = _common(n_samples, seed, val_fraction, test_fraction)
    params["margin"] = check_float("margin", margin, minimum=0.0, maximum=1.0)
    params["angle"] = check_float("angle", angle)
    n, rng = params["n_samples"], np.random.default_rng(params["seed"])
    normal = np.array([np.cos(np.radians(params["angle"])), np.sin(np.radians(params["angle"]))])
    X = np.empty((0, 2))
    while len(X) < n:  # rejection sampling: keep the points outside the margin
        batch = rng.uniform(-1.0, 1.0, size=(2 * n, 2))
        X = np.concatenate([X, batch[np.abs(batch @ normal) >= params["margin"] / 2]])
    X = X[:n]
    y = (X @ normal > 0).astype(int)
    return build("linear", "binary", X, y, params, feature_names=FEATURES, ceiling=1.0, class_names=BINARY)


@register("gaussians", kind="binary", description="two overlapping isotropic Gaussians, `separation` σ apart")
def load_gaussians(*, n_samples: int = 400, separation: float = 2.5, seed: int = 0, val_fraction: float = 0.2,
                   test_fraction: float = 0.2) -> Task:
    """Two unit-σ Gaussians with equal priors, means ± separation/2 along the diagonal.

    The default separation 2.5 gives a Bayes accuracy Φ(1.25) ≈ 0.894: the best line misclassifies
    one point in ten, which is the practical's point about the single neuron on this task.
    """
    params = _common(n_samples, seed, val_fraction, test_fraction)
    params["separation"] = check_float("separation", separation, minimum=0.0)
    half = params["separation"] / 2 * np.array([1.0, 1.0]) / np.sqrt(2.0)
    X, y = make_blobs(n_samples=params["n_samples"], centers=np.stack([-half, half]), cluster_std=1.0,
                      random_state=params["seed"])
    ceiling = ceilings.gaussians_accuracy(params["separation"])
    return build("gaussians", "binary", X, y, params, feature_names=FEATURES, ceiling=ceiling,
                 class_names=BINARY)


# -- moons, circles, spirals -----------------------------------------------------------------------


def moon_upper(u: np.ndarray) -> np.ndarray:
    """make_moons' class 0: the upper half of the unit circle, t = πu."""
    t = np.pi * u
    return np.stack([np.cos(t), np.sin(t)], axis=1)


def moon_lower(u: np.ndarray) -> np.ndarray:
    """make_moons' class 1: the lower half circle centred at (1, 0.5)."""
    t = np.pi * u
    return np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)


@ceilings.computed_once
def moons_ceiling(noise: float) -> float:
    """Bayes accuracy of make_moons: the arcs are disjoint, so 1 without noise."""
    return 1.0 if noise == 0.0 else ceilings.curve_mixture_mc((moon_upper, moon_lower), noise)[0]


@register("moons", kind="binary", description="two interleaved half circles with Gaussian noise")
def load_moons(*, n_samples: int = 400, noise: float = 0.2, seed: int = 0, val_fraction: float = 0.2,
               test_fraction: float = 0.2) -> Task:
    """The practicals' scoreboard task: no line separates it, one hidden layer does."""
    params = _common(n_samples, seed, val_fraction, test_fraction)
    params["noise"] = check_float("noise", noise, minimum=0.0)
    X, y = make_moons(n_samples=params["n_samples"], noise=params["noise"], random_state=params["seed"])
    return build("moons", "binary", X, y, params, feature_names=FEATURES,
                 ceiling=moons_ceiling(params["noise"]), class_names=BINARY)


@register("circles", kind="binary", description="a circle inside a circle with Gaussian noise")
def load_circles(*, n_samples: int = 400, noise: float = 0.15, factor: float = 0.5, seed: int = 0,
                 val_fraction: float = 0.2, test_fraction: float = 0.2) -> Task:
    """Outer radius 1 (class 0), inner radius ``factor`` (class 1): separable by radius, not by a line."""
    params = _common(n_samples, seed, val_fraction, test_fraction)
    params["noise"] = check_float("noise", noise, minimum=0.0)
    params["factor"] = check_float("factor", factor, minimum=0.0, maximum=1.0, strict=True)
    X, y = make_circles(n_samples=params["n_samples"], noise=params["noise"], factor=params["factor"],
                        random_state=params["seed"])
    ceiling = ceilings.circles_accuracy(params["noise"], params["factor"])
    return build("circles", "binary", X, y, params, feature_names=FEATURES, ceiling=ceiling,
                 class_names=BINARY)


def spiral_arm(u: np.ndarray, *, turns: float, phase: float) -> np.ndarray:
    """An Archimedean arm r = θ / θ_max, θ = θ_max √u: √u spreads points evenly along the arm,
    whose length grows like θ²; θ_max = 2π·turns, so r runs from 0 to 1."""
    theta_max = 2.0 * np.pi * turns
    theta = theta_max * np.sqrt(u)
    r = theta / theta_max
    return np.stack([r * np.cos(theta + phase), r * np.sin(theta + phase)], axis=1)


def spiral_arms(turns: float) -> tuple[partial[np.ndarray], partial[np.ndarray]]:
    return partial(spiral_arm, turns=turns, phase=0.0), partial(spiral_arm, turns=turns, phase=np.pi)


def make_spirals(n_samples: int, *, noise: float, turns: float, random_state: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals (the second is the first turned by π), Gaussian jitter, shuffled."""
    rng = np.random.default_rng(random_state)
    y = np.arange(n_samples) % 2
    X = np.empty((n_samples, 2))
    for c, arm in enumerate(spiral_arms(turns)):
        X[y == c] = arm(rng.uniform(size=int((y == c).sum())))
    X += noise * rng.standard_normal(X.shape)
    order = rng.permutation(n_samples)
    return X[order], y[order]


@ceilings.computed_once
def spirals_ceiling(noise: float, turns: float) -> float:
    """Bayes accuracy of make_spirals; the arms touch only at the origin, so 1 without noise."""
    return 1.0 if noise == 0.0 else ceilings.curve_mixture_mc(spiral_arms(turns), noise)[0]


@register("spirals", kind="binary", description="two interleaved spirals with Gaussian noise")
def load_spirals(*, n_samples: int = 400, noise: float = 0.05, turns: float = 1.5, seed: int = 0,
                 val_fraction: float = 0.2, test_fraction: float = 0.2) -> Task:
    """Arms 1/(2·turns) apart in radius: more turns need more hidden units and more data."""
    params = _common(n_samples, seed, val_fraction, test_fraction)
    params["noise"] = check_float("noise", noise, minimum=0.0)
    params["turns"] = check_float("turns", turns, minimum=0.25, maximum=10.0)
    X, y = make_spirals(params["n_samples"], noise=params["noise"], turns=params["turns"],
                        random_state=params["seed"])
    return build("spirals", "binary", X, y, params, feature_names=FEATURES,
                 ceiling=spirals_ceiling(params["noise"], params["turns"]), class_names=BINARY)


# -- multiclass blobs ------------------------------------------------------------------------------

BLOB_SPACING = 4.0  # distance between neighbouring centres, so difficulty does not grow with n_classes


def blob_centers(n_classes: int) -> np.ndarray:
    """``n_classes`` centres evenly on a circle, neighbours ``BLOB_SPACING`` apart."""
    radius = BLOB_SPACING / (2.0 * np.sin(np.pi / n_classes))
    angle = 2.0 * np.pi * np.arange(n_classes) / n_classes
    return radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)


@register("blobs", kind="multiclass", description="isotropic Gaussian blobs on a circle, one per class")
def load_blobs(*, n_samples: int = 300, n_classes: int = 3, cluster_std: float = 1.0, seed: int = 0,
               val_fraction: float = 0.2, test_fraction: float = 0.2) -> Task:
    """Multiclass practice: softmax output, categorical cross-entropy."""
    params = _common(n_samples, seed, val_fraction, test_fraction)
    params["n_classes"] = check_int("n_classes", n_classes, minimum=2, maximum=20)
    params["cluster_std"] = check_float("cluster_std", cluster_std, minimum=0.0)
    centers = blob_centers(params["n_classes"])
    X, y = make_blobs(n_samples=params["n_samples"], centers=centers, cluster_std=params["cluster_std"],
                      random_state=params["seed"])
    key = tuple(tuple(float(v) for v in c) for c in centers)
    return build("blobs", "multiclass", X, y, params, feature_names=FEATURES,
                 ceiling=ceilings.gaussian_mixture_accuracy(key, params["cluster_std"]),
                 class_names=tuple(str(c) for c in range(params["n_classes"])))
