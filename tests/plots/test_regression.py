"""Regression panels: the GP band, the models' curves and the grid are the numbers they claim to be."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score

from neuronlab.errors import ConfigError
from neuronlab.estimators import NeuronRegressor
from neuronlab.plots.regression import (
    gp_band,
    plot_regression_band,
    plot_regression_grid,
    regression_band_data,
    regression_grid_data,
)
from neuronlab.tasks import load_task


def test_gp_band_follows_the_truth_and_contains_it() -> None:
    task = load_task("sin", n_samples=60, seed=2)
    band = gp_band(task, resolution=80)
    truth = task.truth(band.x)  # type: ignore[misc]
    assert band.coverage(truth) >= 0.9
    assert np.sqrt(np.mean((band.mean - truth) ** 2)) < 0.15  # noise is 0.1: the mean tracks sin x
    assert (band.std > 0).all() and band.r2_test > 0.9
    assert band.coverage(truth + 10.0) == 0.0  # coverage measures something


def test_band_data_holds_the_models_predictions_and_test_scores() -> None:
    task = load_task("identity", n_samples=40, seed=0)
    model = LinearRegression().fit(task.X_train, task.y_train)
    d = regression_band_data(task, {"linear": model}, resolution=50, gp=False)
    assert d.gp is None
    np.testing.assert_allclose(d.predictions["linear"], model.predict(d.x[:, None]))
    np.testing.assert_allclose(d.truth, d.x)  # y = x
    assert d.r2_test["linear"] == pytest.approx(r2_score(task.y_test, model.predict(task.X_test)))
    X = np.concatenate([task.X_train, task.X_val, task.X_test])[:, 0]
    assert d.x[0] == X.min() and d.x[-1] == X.max()
    fig = plot_regression_band(task, {"linear": model}, gp=True, resolution=50)
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert any(lab.startswith("GP") for lab in labels) and any(lab.startswith("linear") for lab in labels)


def test_grid_shares_one_gp_per_row_and_has_a_panel_per_model() -> None:
    tasks = [load_task(name, n_samples=40, seed=0) for name in ("square", "sinh")]
    models = {"linear": LinearRegression,
              "2 neurons": partial(NeuronRegressor, "tanh", n_neurons=2, eta=1e-3, max_epochs=200,
                                   random_state=0)}
    grid = regression_grid_data(tasks, models, resolution=40)
    assert list(grid.rows) == ["square", "sinh"]
    for row in grid.rows.values():
        assert list(row) == ["linear", "2 neurons"]
        assert row["linear"].gp is row["2 neurons"].gp
    # two tanh neurons bend; a line cannot follow x²
    square = grid.rows["square"]
    assert square["2 neurons"].r2_test["2 neurons"] > square["linear"].r2_test["linear"]
    assert len(plot_regression_grid(grid).axes) == 4


def test_two_feature_tasks_are_refused() -> None:
    with pytest.raises(ConfigError, match="1-D regression"):
        gp_band(load_task("moons"))
    with pytest.raises(ConfigError, match="at least one"):
        regression_grid_data([], {"linear": LinearRegression})
