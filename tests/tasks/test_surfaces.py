"""The 2-D regression surfaces of TensorFlow Playground: their maths, their seeding, their ceilings.

The oracles are written here, not imported: the plane's formula, a line-by-line port of dataset.ts's
``regressGaussian`` label loop, and the Bayes-optimal predictor (the surface itself) scored on tasks
drawn again with fresh seeds.
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score

from neuronlab.errors import TaskError
from neuronlab.tasks import load_task

NAMES = ("plane", "gauss_bumps")
# dataset.ts: gaussians = [[cx, cy, sign], ...]
TS_GAUSSIANS = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]


def all_data(task: object) -> tuple[np.ndarray, np.ndarray]:
    X = np.concatenate([getattr(task, f"X_{s}") for s in ("train", "val", "test")])
    y = np.concatenate([getattr(task, f"y_{s}") for s in ("train", "val", "test")])
    return X, y


def ts_regress_gaussian_label(x: float, y: float) -> float:
    """dataset.ts's getLabel, transcribed: labelScale maps distance [0, 2] onto [1, 0], clamped; keep the
    signed value largest in absolute value (a later one only if strictly larger)."""
    label = 0.0
    for cx, cy, sign in TS_GAUSSIANS:
        scaled = min(max(1.0 - math.hypot(x - cx, y - cy) / 2.0, 0.0), 1.0)
        new = sign * scaled
        if abs(new) > abs(label):
            label = new
    return label


def test_the_plane_is_x1_plus_x2_over_ten_on_the_square() -> None:
    task = load_task("plane", n_samples=2000, noise=0.0, seed=5)
    X, y = all_data(task)
    assert task.feature_names == ("x1", "x2") and X.shape == (2000, 2)
    assert X.min() >= -6.0 and X.max() <= 6.0 and X.min() < -5.9 and X.max() > 5.9
    np.testing.assert_allclose(y, (X[:, 0] + X[:, 1]) / 10.0, rtol=0, atol=1e-15)
    assert task.truth is not None
    np.testing.assert_allclose(task.truth(np.array([[6.0, 4.0], [-1.0, -2.0]])), [1.0, -0.3])


def test_the_noise_is_gaussian_on_the_target_with_the_requested_size() -> None:
    for name in NAMES:
        task = load_task(name, n_samples=20_000, noise=0.3, seed=1)
        assert task.truth is not None
        X, y = all_data(task)
        residual = y - task.truth(X)
        assert abs(residual.mean()) < 0.01 and residual.std() == pytest.approx(0.3, rel=0.03)


def test_the_bumps_follow_dataset_ts_label_for_label() -> None:
    task = load_task("gauss_bumps", n_samples=3000, noise=0.0, seed=2)
    X, y = all_data(task)
    expected = np.array([ts_regress_gaussian_label(a, b) for a, b in X])
    np.testing.assert_allclose(y, expected, rtol=0, atol=1e-12)
    assert (y > 0).any() and (y < 0).any() and (y == 0).any()  # both signs and the flat ground between


def test_the_bumps_sign_pattern_is_plus_minus_plus_over_minus_plus_minus() -> None:
    truth = load_task("gauss_bumps").truth
    assert truth is not None
    centres = np.array([[-4, 2.5], [0, 2.5], [4, 2.5], [-4, -2.5], [0, -2.5], [4, -2.5]], dtype=float)
    np.testing.assert_array_equal(truth(centres), [1, -1, 1, -1, 1, -1])
    # halfway down each cone (distance 1 of radius 2) the height is ½ with the cone's sign
    np.testing.assert_allclose(truth(centres + np.array([1.0, 0.0])), [0.5, -0.5, 0.5, -0.5, 0.5, -0.5])
    # between the cones, on the x1 axis and in the corners: flat zero
    flat = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 0.0], [6.0, 6.0], [-6.0, -6.0], [2.0, 2.5]])
    np.testing.assert_array_equal(truth(flat), np.zeros(len(flat)))
    # batched like the tests' (sets, points, 2) Monte Carlo: the last axis holds the inputs
    np.testing.assert_array_equal(truth(centres[None]), truth(centres)[None])


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_data_other_seed_other_data(name: str) -> None:
    a, b, c = load_task(name, seed=11), load_task(name, seed=11), load_task(name, seed=12)
    for split in ("train", "val", "test"):
        for arr in ("X", "y"):
            np.testing.assert_array_equal(getattr(a, f"{arr}_{split}"), getattr(b, f"{arr}_{split}"))
    assert not np.array_equal(a.X_train, c.X_train) and not np.array_equal(a.y_test, c.y_test)
    again = pickle.loads(pickle.dumps(a))  # runs ship tasks to worker processes: the truth pickles too
    assert again.truth is not None and a.truth is not None
    np.testing.assert_array_equal(again.truth(a.X_test), a.truth(a.X_test))


def test_the_ceilings_have_their_closed_forms() -> None:
    """Var f: plane 2·(12²/12)/10² = 0.24, bumps 6·(2π/3)/12² = π/36; R² = Var f / (Var f + σ²)."""
    assert load_task("plane", noise=0.5).ceiling == pytest.approx(0.24 / (0.24 + 0.25), rel=1e-12)
    bumps = math.pi / 36
    assert load_task("gauss_bumps", noise=0.2).ceiling == pytest.approx(bumps / (bumps + 0.04), rel=1e-12)
    assert load_task("plane", noise=0.0).ceiling == 1.0


@pytest.mark.parametrize(("name", "noise"), [("plane", 0.4), ("gauss_bumps", 0.2)])
def test_the_ceiling_is_the_r2_of_the_truth_on_a_large_noisy_sample(name: str, noise: float) -> None:
    task = load_task(name, n_samples=100_000, noise=noise, seed=3)
    X, y = all_data(task)
    assert task.truth is not None and task.ceiling is not None and task.ceiling < 0.8
    assert r2_score(y, task.truth(X)) == pytest.approx(task.ceiling, abs=0.005)


@pytest.mark.parametrize(("name", "noise"), [("plane", 0.4), ("gauss_bumps", 0.1)])
def test_the_range_holds_95_percent_of_the_true_surface_s_test_r2(name: str, noise: float) -> None:
    spread = load_task(name, noise=noise).ceiling_range()
    assert spread is not None and spread.n == 80 and spread.low < spread.ceiling < spread.high
    scores = []
    for seed in range(1, 301):
        task = load_task(name, noise=noise, seed=seed)
        assert task.truth is not None
        scores.append(r2_score(task.y_test, task.truth(task.X_test)))
    inside = np.mean([spread.contains(s) for s in scores])
    assert 0.91 <= inside <= 0.99, inside
    assert abs(np.median(scores) - spread.ceiling) < (spread.high - spread.low) / 4


def test_a_fitted_plane_lands_in_the_range_as_a_model_of_the_right_family_should() -> None:
    """Linear regression on (x1, x2) can represent the plane exactly: its test R² falls inside the
    range on the great majority of seeds, and no further outside than the estimation error allows."""
    inside = []
    for seed in range(20):
        task = load_task("plane", noise=0.3, seed=seed)
        spread = task.ceiling_range()
        assert spread is not None
        model = LinearRegression().fit(task.X_train, task.y_train)
        np.testing.assert_allclose(model.coef_, [0.1, 0.1], atol=0.02)
        inside.append(spread.contains(model.score(task.X_test, task.y_test)))
    assert sum(inside) >= 17, inside


def test_the_range_narrows_with_more_test_points() -> None:
    task = load_task("gauss_bumps")
    small, large = task.ceiling_range(40), task.ceiling_range(2000)
    assert small is not None and large is not None
    assert large.high - large.low < (small.high - small.low) / 4 and large.contains(task.ceiling or 0.0)
    one = task.ceiling_range(1)
    assert one is not None and one.low == -math.inf


@pytest.mark.parametrize(("params", "needle"), [({"noise": -0.1}, "noise"), ({"noise": float("nan")}, "noise"),
                                                ({"n_samples": 5}, "n_samples"), ({"seed": -1}, "seed"),
                                                ({"radius": 3}, "radius")])
def test_bad_parameters_are_one_line_naming_the_parameter(params: dict[str, float], needle: str) -> None:
    for name in NAMES:
        with pytest.raises(TaskError) as err:
            load_task(name, **params)
        assert needle in str(err.value) and name in str(err.value) and "\n" not in str(err.value)
