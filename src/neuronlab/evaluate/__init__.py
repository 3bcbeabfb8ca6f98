"""How well it learned: metrics by task kind, honest cross-validation and the leakage check."""

from __future__ import annotations

from neuronlab.evaluate.metrics import classification_report, regression_report, score_task
from neuronlab.evaluate.validation import (
    CVResult,
    LeakageReport,
    LeakageWarning,
    cross_validate_task,
    honest_pipeline,
    leakage_report,
)

__all__ = [
    "CVResult",
    "LeakageReport",
    "LeakageWarning",
    "classification_report",
    "cross_validate_task",
    "honest_pipeline",
    "leakage_report",
    "regression_report",
    "score_task",
]
