"""1-D regression tasks: targets are the function plus noise, and the noise ceiling is the truth's R²."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.metrics import r2_score

from neuronlab.tasks import load_task
from neuronlab.tasks.ceilings import regression_ceiling

FUNCTIONS = {"sin": np.sin, "identity": lambda x: x, "square": np.square, "sinh": np.sinh}


def all_data(task: object) -> tuple[np.ndarray, np.ndarray]:
    X = np.concatenate([getattr(task, f"X_{s}") for s in ("train", "val", "test")])
    y = np.concatenate([getattr(task, f"y_{s}") for s in ("train", "val", "test")])
    return X, y


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_targets_are_the_function_plus_noise_of_the_requested_size_over_the_range(name: str) -> None:
    task = load_task(name, n_samples=4000, x_min=-2.0, x_max=1.0, noise=0.3)
    X, y = all_data(task)
    assert task.feature_names == ("x",) and X.shape == (4000, 1)
    assert X.min() >= -2.0 and X.max() <= 1.0 and X.max() - X.min() > 2.9
    residual = y - FUNCTIONS[name](X[:, 0])
    assert abs(residual.mean()) < 0.03 and residual.std() == pytest.approx(0.3, rel=0.05)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_truth_is_the_noise_free_function_on_1d_and_column_inputs(name: str) -> None:
    truth = load_task(name).truth
    assert truth is not None
    x = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(truth(x), FUNCTIONS[name](x))
    np.testing.assert_allclose(truth(x[:, None]), FUNCTIONS[name](x))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_the_ceiling_is_the_r2_of_the_truth_on_a_large_noisy_sample(name: str) -> None:
    noise = {"sin": 0.5, "identity": 1.5, "square": 2.0, "sinh": 3.0}[name]  # ceilings well below 1
    task = load_task(name, n_samples=100_000, noise=noise, seed=1)
    X, y = all_data(task)
    assert task.truth is not None and task.ceiling is not None
    assert task.ceiling < 0.9
    assert r2_score(y, task.truth(X)) == pytest.approx(task.ceiling, abs=0.006)


def test_the_identity_ceiling_has_its_closed_form() -> None:
    """Var of U(a, b) is (b − a)²/12, so R² = Var / (Var + σ²)."""
    var = (2.0 - -4.0) ** 2 / 12
    task = load_task("identity", x_min=-4.0, x_max=2.0, noise=0.7)
    assert task.ceiling == pytest.approx(var / (var + 0.49))
    assert regression_ceiling(np.sin, 0.0, 1.0, 0.0) == 1.0


def test_the_ceiling_falls_with_noise() -> None:
    values = [load_task("sin", noise=nz).ceiling for nz in (0.0, 0.1, 0.5, 1.0)]
    assert values[0] == 1.0 and all(a > b for a, b in itertools.pairwise(values))
