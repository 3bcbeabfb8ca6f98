"""The lab notebook: a static HTML report of the stored runs (per task: runs, best run, sweeps, baselines).

    from neuronlab.report import build_report
    from neuronlab.store import RunStore
    index = build_report(RunStore("runs.db"), "notebook/")   # open notebook/index.html, offline
"""

from __future__ import annotations

from neuronlab.report.build import DEFAULT_FIGURES_PER_TASK, build_report
from neuronlab.report.notebook import best_run, heatmap_table, score

__all__ = ["DEFAULT_FIGURES_PER_TASK", "best_run", "build_report", "heatmap_table", "score"]
