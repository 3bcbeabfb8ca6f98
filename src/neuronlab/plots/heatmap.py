"""A sweep as a heatmap: η across, α down, the metric in each cell, its value written in it.

Sweeps space η and α geometrically (1e-3, 1e-2, 1e-1 …), so the cells are drawn one per swept value,
evenly spaced: for a geometric grid that *is* a log-scale axis, and it still has room for α = 0 (no
weight decay), which a true log axis cannot show.  Several rows for one (η, α) — repeated seeds —
are averaged, and ``counts`` says how many went into each cell; a cell nobody ran stays NaN (blank).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from neuronlab.errors import DataError
from neuronlab.plots.boundary import new_figure


@dataclass(frozen=True)
class HeatmapData:
    """``grid[i, j]`` is the mean metric at ``y_values[i]``, ``x_values[j]`` (NaN where nothing ran)."""

    x_name: str
    y_name: str
    value_name: str
    x_values: np.ndarray  # (nx,) sorted
    y_values: np.ndarray  # (ny,) sorted
    grid: np.ndarray  # (ny, nx)
    counts: np.ndarray  # (ny, nx) rows averaged into each cell

    def best(self, *, maximize: bool = True) -> tuple[float, float, float]:
        """(x, y, value) of the best cell."""
        if np.isnan(self.grid).all():
            raise DataError("the heatmap has no values")
        flat = np.nanargmax(self.grid) if maximize else np.nanargmin(self.grid)
        i, j = np.unravel_index(flat, self.grid.shape)
        return float(self.x_values[j]), float(self.y_values[i]), float(self.grid[i, j])


def _frame(table: Any, columns: Sequence[str]) -> pd.DataFrame:
    """A DataFrame from a DataFrame, a dict of columns, a list of dicts, or a list of (x, y, value) rows."""
    if isinstance(table, pd.DataFrame):
        return table
    if isinstance(table, Mapping):
        return pd.DataFrame(dict(table))
    rows = list(table)
    if rows and not isinstance(rows[0], Mapping):
        return pd.DataFrame([tuple(r) for r in rows], columns=list(columns))
    return pd.DataFrame(rows)


def sweep_grid_data(table: Any, *, x: str = "eta", y: str = "alpha", value: str = "metric") -> HeatmapData:
    """Pivot a sweep's rows of (x, y, value) into a grid; rows sharing (x, y) are averaged."""
    df = _frame(table, (x, y, value))
    missing = [c for c in (x, y, value) if c not in df.columns]
    if missing:
        raise DataError(f"the sweep table has no column {missing[0]!r}; it has "
                        f"{sorted(map(str, df.columns))} (name the columns with x=, y=, value=)")
    if df.empty:
        raise DataError("the sweep table is empty; run the sweep first")
    try:
        df = df[[x, y, value]].astype(float)
    except (TypeError, ValueError):
        raise DataError(f"columns {x!r}, {y!r}, {value!r} must hold numbers") from None
    if not np.isfinite(df[[x, y]].to_numpy()).all():
        raise DataError(f"{x!r} and {y!r} must be finite numbers; drop the rows with NaN or inf")
    groups = df.groupby([y, x])[value]
    mean = groups.mean().unstack(x).sort_index().sort_index(axis=1)
    count = groups.count().unstack(x).reindex_like(mean).fillna(0)
    return HeatmapData(x, y, value, mean.columns.to_numpy(float), mean.index.to_numpy(float),
                       mean.to_numpy(float), count.to_numpy(int))


def plot_sweep_heatmap(table: Any, *, x: str = "eta", y: str = "alpha", value: str = "metric",
                       ax: Axes | None = None, title: str | None = None, cmap: str = "viridis",
                       fmt: str = ".3f") -> Figure:
    """The grid as coloured cells with each value written in; the best cell is outlined."""
    d = sweep_grid_data(table, x=x, y=y, value=value)
    fig, ax = new_figure(ax)
    image = ax.imshow(np.ma.masked_invalid(d.grid), cmap=cmap, origin="lower", aspect="auto")
    fig.colorbar(image, ax=ax, label=value)
    lo, hi = np.nanmin(d.grid), np.nanmax(d.grid)
    for (i, j), v in np.ndenumerate(d.grid):
        if np.isfinite(v):
            light = hi > lo and (v - lo) / (hi - lo) > 0.6  # dark text on the bright end of viridis
            ax.text(j, i, format(v, fmt), ha="center", va="center", fontsize=8,
                    color="black" if light else "white")
    bx, by, _ = d.best()
    j, i = int(np.flatnonzero(d.x_values == bx)[0]), int(np.flatnonzero(d.y_values == by)[0])
    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", lw=2))
    ax.set_xticks(range(len(d.x_values)), [f"{v:g}" for v in d.x_values])
    ax.set_yticks(range(len(d.y_values)), [f"{v:g}" for v in d.y_values])
    ax.set_xlabel(f"{x} (one column per swept value)")
    ax.set_ylabel(f"{y} (one row per swept value)")
    ax.set_title(title or f"{value} over {x} × {y}")
    return fig

