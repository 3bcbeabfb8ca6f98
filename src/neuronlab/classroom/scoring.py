"""Scoring one submission against a task's withheld labels, on the public and the private part.

Malformed predictions are not raised here but returned as the error line to record: a rejected
submission is stored (it counts toward the quotas) before the service raises it as a DataError.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from neuronlab.classroom import predictions as preds
from neuronlab.classroom.inputs import printable
from neuronlab.errors import DataError


@dataclass(frozen=True)
class Answers:
    """A task's withheld test labels (class indices into ``labels``, or targets) and its public rows."""

    kind: str
    labels: tuple[str, ...] | None
    y: np.ndarray
    public: np.ndarray  # bool mask over the test rows


Scores = tuple[float | None, float | None]  # (public, private); both None for a rejected submission


def score(answers: Answers, predictions: Any, format: str | None, run_id: int | None,
          run_predictions: Callable[[int], bytes]) -> tuple[str, str | None, Scores]:
    """``(source, error, (public, private))``: the error of malformed predictions instead of raising.

    ``run_predictions`` reads the predictions CSV a saved run carries (called only for a ``run_id``).
    """
    source = "json" if format == "json" or not isinstance(predictions, str | bytes) else "csv"
    try:
        if run_id is not None:
            if predictions is not None:
                raise DataError("submit either predictions or a run id, not both")
            source = f"run:{run_id}"
            ids, values = preds.read_csv(run_predictions(run_id))
        elif predictions is None:
            raise DataError(f"no predictions; {preds.FORMAT_HINT}")
        elif source == "json":
            ids, values = preds.read_json(predictions)
        else:
            ids, values = preds.read_csv(predictions)
        y_pred = preds.align(ids, values, n=len(answers.y), labels=answers.labels)
    except DataError as exc:
        return source, printable(str(exc)), (None, None)
    return source, None, (metric(answers, y_pred, answers.public), metric(answers, y_pred, ~answers.public))


def metric(answers: Answers, y_pred: np.ndarray, rows: np.ndarray) -> float:
    """Accuracy or R² of the predictions on some of the test rows (the public or the private part).

    Accuracy is the fraction of equal labels, computed in NumPy: scikit-learn's input checks cost ~25 ms
    a submission for the same number, which a class submitting at once would feel.  R² is scikit-learn's.
    """
    if answers.labels is None:
        from sklearn.metrics import r2_score

        return float(r2_score(answers.y[rows], y_pred[rows]))
    return float(np.mean(answers.y[rows] == y_pred[rows]))
