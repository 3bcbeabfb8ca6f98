"""Matplotlib figures (Agg backend: files, never windows)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from neuronlab.plots.boundary import (  # noqa: E402  (the backend must be chosen first)
    decision_grid,
    plot_decision_boundary,
    plot_regression_fit,
    plot_task_fit,
    save_figure,
)

__all__ = ["decision_grid", "plot_decision_boundary", "plot_regression_fit", "plot_task_fit", "save_figure"]
