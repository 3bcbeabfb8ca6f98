"""How well a model did: the practicals' confusion matrix, accuracy, precision, recall, F1, R², MSE, MAE.

All numbers come from ``sklearn.metrics``; this module only chooses which ones a task needs and returns
them as plain JSON-ready dicts (Python floats and lists), so the store, the CLI and the web app print the
same values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import metrics

from neuronlab.errors import ConfigError, DataError, valid_names
from neuronlab.tasks.base import Task

SPLITS = ("train", "val", "test", "dev")


def classification_report(y_true: Any, y_pred: Any, labels: Any = None) -> dict[str, Any]:
    """Confusion matrix, accuracy, precision, recall and F1.

    With two labels precision/recall/F1 are those of the positive class, the larger label (1 in a 0/1
    task), as in the practical's TP/(TP+FP); with more they are macro averages, so a rare class counts
    as much as a common one.  The confusion matrix is scikit-learn's: rows are the true class, columns
    the predicted one (the slides draw it transposed).  Undefined ratios (no predicted positives) are 0.
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise DataError(
            f"y_true and y_pred must be 1-d and equally long, got {y_true.shape} and {y_pred.shape}"
        )
    if y_true.size == 0:
        raise DataError("no samples to score; pass non-empty y_true and y_pred")
    labels = np.unique(np.concatenate([y_true, y_pred])) if labels is None else np.asarray(labels)
    binary = len(labels) == 2
    average = "binary" if binary else "macro"
    pos_label = labels[-1].item() if binary else 1
    prf: dict[str, Any] = {"labels": labels, "average": average, "zero_division": 0}
    if binary:
        prf["pos_label"] = pos_label
    report: dict[str, Any] = {
        "n": int(y_true.size),
        "labels": labels.tolist(),
        "confusion_matrix": metrics.confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "accuracy": float(metrics.accuracy_score(y_true, y_pred)),
        "precision": float(metrics.precision_score(y_true, y_pred, **prf)),
        "recall": float(metrics.recall_score(y_true, y_pred, **prf)),
        "f1": float(metrics.f1_score(y_true, y_pred, **prf)),
        "average": average,
    }
    if binary:
        report["positive_label"] = pos_label
    return report


def regression_report(y_true: Any, y_pred: Any) -> dict[str, Any]:
    """R² (the practicals' headline number), MSE and MAE (the two regression losses of the loss table)."""
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    if y_true.shape != y_pred.shape:
        raise DataError(f"y_true and y_pred must be equally long, got {y_true.shape} and {y_pred.shape}")
    if y_true.size < 2:
        raise DataError(f"R² needs at least 2 samples, got {y_true.size}; score a larger split")
    return {
        "n": int(y_true.size),
        "r2": float(metrics.r2_score(y_true, y_pred)),
        "mse": float(metrics.mean_squared_error(y_true, y_pred)),
        "mae": float(metrics.mean_absolute_error(y_true, y_pred)),
    }


def split_arrays(task: Task, split: str) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of one split of ``task``: train, val, test, or dev (train + val)."""
    if split not in SPLITS:
        raise ConfigError(f"unknown split {split!r}; use one of {valid_names(SPLITS)}")
    X, y = getattr(task, f"X_{split}"), getattr(task, f"y_{split}")
    if len(y) == 0:
        raise DataError(f"task {task.name!r} has no samples in its {split!r} split; score another split")
    return X, y


def score_task(estimator: Any, task: Task, split: str = "test") -> dict[str, Any]:
    """Score a fitted ``estimator`` on one split of ``task`` with the report its kind calls for."""
    X, y = split_arrays(task, split)
    y_pred = estimator.predict(X)
    if task.kind == "regression":
        return regression_report(y, y_pred)
    labels = np.arange(task.n_classes) if task.n_classes else None
    return classification_report(y, y_pred, labels=labels)
