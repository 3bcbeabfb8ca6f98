"""Matplotlib figures (Agg backend: files, never windows).

Each picture has a ``*_data`` function with the numbers behind it (what tests check) and a
``plot_*`` function that draws them and returns the Figure.
"""

from __future__ import annotations

import sys

import matplotlib


def _in_notebook() -> bool:
    ipython = sys.modules.get("IPython")
    return ipython is not None and getattr(ipython, "get_ipython", lambda: None)() is not None


# Files, never windows: Agg is thread-safe (the web lab draws in worker threads) and needs no display.
# Inside Jupyter the kernel's inline backend is kept, so figures show under their cells.
if not _in_notebook():
    matplotlib.use("Agg")

from neuronlab.plots.activations import activation_data, plot_activations, plot_derivatives
from neuronlab.plots.boundary import (
    decision_grid,
    new_figure,
    plot_decision_boundary,
    plot_regression_fit,
    plot_task_fit,
    save_figure,
)
from neuronlab.plots.confusion import confusion_data, plot_confusion_matrix
from neuronlab.plots.curves import learning_curve_data, plot_learning_curves
from neuronlab.plots.heatmap import plot_sweep_heatmap, sweep_grid_data
from neuronlab.plots.regression import (
    gp_band,
    plot_regression_band,
    plot_regression_grid,
    regression_band_data,
    regression_grid_data,
)


def __getattr__(name: str) -> object:
    """The gradient-flow plots need torch: imported on first use, so a figure without them does not pay."""
    if name in ("gradient_depth_data", "plot_gradient_depth"):
        from neuronlab.plots import gradients

        return getattr(gradients, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "activation_data",
    "confusion_data",
    "decision_grid",
    "gp_band",
    "gradient_depth_data",
    "learning_curve_data",
    "new_figure",
    "plot_activations",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_derivatives",
    "plot_gradient_depth",
    "plot_learning_curves",
    "plot_regression_band",
    "plot_regression_fit",
    "plot_regression_grid",
    "plot_sweep_heatmap",
    "plot_task_fit",
    "regression_band_data",
    "regression_grid_data",
    "save_figure",
    "sweep_grid_data",
]
