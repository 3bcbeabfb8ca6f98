"""The sweep heatmap's grid holds exactly the table's values."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from neuronlab.errors import DataError
from neuronlab.plots.heatmap import plot_sweep_heatmap, sweep_grid_data


def _table(seed: int = 0) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    return [{"eta": eta, "alpha": alpha, "metric": float(rng.random())}
            for eta, alpha in itertools.product([1e-3, 1e-2, 1e-1, 1.0], [0.0, 1e-4, 1e-2])]


def test_grid_values_equal_the_table_and_axes_are_sorted() -> None:
    rows = _table()
    d = sweep_grid_data(list(reversed(rows)))  # the order of the rows does not matter
    np.testing.assert_array_equal(d.x_values, [1e-3, 1e-2, 1e-1, 1.0])
    np.testing.assert_array_equal(d.y_values, [0.0, 1e-4, 1e-2])  # α = 0 has its own row
    for r in rows:
        i, j = list(d.y_values).index(r["alpha"]), list(d.x_values).index(r["eta"])
        assert d.grid[i, j] == r["metric"]
    assert (d.counts == 1).all()
    best = max(rows, key=lambda r: r["metric"])
    assert d.best() == (best["eta"], best["alpha"], best["metric"])


def test_repeats_are_averaged_missing_cells_stay_nan_and_formats_agree() -> None:
    tuples = [(0.1, 0.0, 0.5), (0.1, 0.0, 0.7), (0.01, 0.0, 0.9), (0.1, 1e-3, 0.2)]
    d = sweep_grid_data(tuples)
    assert d.grid[0, 1] == pytest.approx(0.6) and d.counts[0, 1] == 2
    assert np.isnan(d.grid[1, 0]) and d.counts[1, 0] == 0
    frame = pd.DataFrame(tuples, columns=["train.eta", "train.alpha", "acc"])
    d2 = sweep_grid_data(frame, x="train.eta", y="train.alpha", value="acc")
    np.testing.assert_array_equal(d2.grid, d.grid)


def test_plot_writes_every_value_in_its_cell() -> None:
    rows = _table(1)
    fig = plot_sweep_heatmap(rows, fmt=".2f")
    ax = fig.axes[0]
    written = sorted(float(t.get_text()) for t in ax.texts)
    np.testing.assert_allclose(written, sorted(round(r["metric"], 2) for r in rows), atol=1e-9)
    np.testing.assert_array_equal(ax.images[0].get_array(), sweep_grid_data(rows).grid)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.001", "0.01", "0.1", "1"]


@pytest.mark.parametrize(("table", "match"), [
    ([{"eta": 0.1, "metric": 0.5}], "no column 'alpha'"),
    ([], "no column"),
    ([{"eta": "fast", "alpha": 0.0, "metric": 0.5}], "must hold numbers"),
    ([{"eta": float("nan"), "alpha": 0.0, "metric": 0.5}], "finite"),
])
def test_bad_tables_are_data_errors(table: list[dict[str, object]], match: str) -> None:
    with pytest.raises(DataError, match=match):
        sweep_grid_data(table)
