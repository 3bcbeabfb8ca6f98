"""The confusion matrix of the Imperial slide, with its precision and accuracy.

    Precision = TP / (TP + FP)        Accuracy = (TP + TN) / Total

The counts and ratios come from ``evaluate.metrics.classification_report`` (scikit-learn underneath),
so the picture shows the same numbers the CLI and the store record.  The matrix is scikit-learn's
orientation — rows the true class, columns the predicted one — the slide's transpose; the cells of
a binary matrix are named TP/FP/FN/TN so the two cannot be confused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from neuronlab.evaluate.metrics import classification_report
from neuronlab.plots.boundary import new_figure

# (true, predicted) → name, with class 1 the positive class as in the practical's 0/1 tasks
_BINARY_CELLS = {(0, 0): "TN", (0, 1): "FP", (1, 0): "FN", (1, 1): "TP"}


@dataclass(frozen=True)
class ConfusionData:
    """Counts (rows = true class, columns = predicted) and the slide's ratios."""

    matrix: np.ndarray  # (C, C) int
    labels: list[Any]
    class_names: list[str]
    accuracy: float
    precision: float  # of the positive class with two labels, macro average with more
    recall: float
    average: str  # "binary" | "macro"


def confusion_data(y_true: Any, y_pred: Any, *, labels: Any = None,
                   class_names: Sequence[str] | None = None) -> ConfusionData:
    """Confusion matrix, accuracy and precision of predictions ``y_pred`` against ``y_true``."""
    r = classification_report(y_true, y_pred, labels=labels)
    names = [str(n) for n in class_names] if class_names is not None else [str(lab) for lab in r["labels"]]
    return ConfusionData(np.asarray(r["confusion_matrix"], dtype=int), r["labels"], names, r["accuracy"],
                         r["precision"], r["recall"], r["average"])


def plot_confusion_matrix(y_true: Any, y_pred: Any, *, labels: Any = None,
                          class_names: Sequence[str] | None = None, ax: Axes | None = None,
                          title: str | None = None) -> Figure:
    """Counts in each cell (named TP/FP/FN/TN for two classes), accuracy and precision in the title."""
    d = confusion_data(y_true, y_pred, labels=labels, class_names=class_names)
    fig, ax = new_figure(ax)
    ax.imshow(d.matrix, cmap="Blues")
    n = len(d.labels)
    half = d.matrix.max() / 2 if d.matrix.size else 0
    for i in range(n):
        for j in range(n):
            name = f"{_BINARY_CELLS[(i, j)]}\n" if n == 2 else ""
            ax.text(j, i, f"{name}{d.matrix[i, j]}", ha="center", va="center", fontsize=11,
                    color="white" if d.matrix[i, j] > half else "black")
    ax.set_xticks(range(n), d.class_names)
    ax.set_yticks(range(n), d.class_names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true (observed) class")
    binary = d.average == "binary"
    acc, prec = ("(TP+TN)/total", "TP/(TP+FP)") if binary else ("correct/total", "(macro)")
    ax.set_title((f"{title}\n" if title else "")
                 + f"accuracy {acc} = {d.accuracy:.3f}, precision {prec} = {d.precision:.3f}", fontsize=9)
    return fig
