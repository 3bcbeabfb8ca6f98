"""What a frame shows, computed in NumPy from the model's weights: heatmaps, curves and live metrics.

A frame is drawn 10–20 times a second for each of a class of students, so everything here is sized
for that: the grids are small (40×40 boundary, 16×16 per neuron), heatmaps travel as base64 bytes
(one byte per cell, 0–255), and the live confusion matrix comes from one ``np.bincount`` (≈30 µs)
instead of scikit-learn's report (≈7 ms); a test checks both give the same numbers.  "Save as run"
uses :mod:`neuronlab.evaluate` itself.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from neuronlab.nn.activations import get_activation
from neuronlab.train import numpy_mlp

GRID = 40  # boundary heatmap, cells per side (2-D tasks)
NEURON_GRID = 16  # per-neuron heatmaps
CURVE = 100  # points of a 1-D task's fitted curve
NEURON_CURVE = 40


@dataclass(frozen=True)
class Extent:
    """The drawn window of the raw inputs: the data's range padded by 10 %."""

    x_min: float
    x_max: float
    y_min: float
    y_max: float

    @classmethod
    def of(cls, X: np.ndarray) -> Extent:
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.1 * np.maximum(hi - lo, 1e-9)
        lo, hi = lo - pad, hi + pad
        if X.shape[1] == 1:
            return cls(float(lo[0]), float(hi[0]), 0.0, 0.0)
        return cls(float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))

    def points(self, n: int, n_inputs: int) -> np.ndarray:
        """Grid points in raw input units: (n*n, 2) row by row from the top (y max) for 2-D; (n, 1) for 1-D."""
        xs = np.linspace(self.x_min, self.x_max, n)
        if n_inputs == 1:
            return xs[:, None]
        ys = np.linspace(self.y_max, self.y_min, n)  # image rows run downwards
        gx, gy = np.meshgrid(xs, ys)
        return np.column_stack([gx.ravel(), gy.ravel()])  # (n*n, 2)

    def to_dict(self) -> dict[str, float]:
        return {"x_min": self.x_min, "x_max": self.x_max, "y_min": self.y_min, "y_max": self.y_max}


def quantise(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``values`` mapped from [lo, hi] to bytes 0–255 (NaN, from a diverged net, to the middle grey)."""
    span = hi - lo if hi > lo else 1.0
    v = np.asarray(values)
    if v.dtype.kind != "f" or not np.isfinite(v).all():  # the rare case pays for the clean-up
        v = np.nan_to_num(v.astype(float), nan=lo + span / 2, posinf=hi, neginf=lo)
    q = (v - lo) * (255.0 / span)  # in the values' float type (float32 for the drawing grids)
    np.clip(q, 0.0, 255.0, out=q)
    return np.rint(q, out=q).astype(np.uint8)


def encode(values: np.ndarray, lo: float, hi: float) -> str:
    """:func:`quantise`, as base64 text (the page turns the bytes into pixels)."""
    return base64.b64encode(quantise(values, lo, hi).tobytes()).decode("ascii")


def finite(value: float) -> float | None:
    """JSON has no NaN or infinity: a diverged loss is sent as null."""
    return float(value) if math.isfinite(value) else None


def decode(text: str) -> np.ndarray:
    """Inverse of :func:`encode`'s packing (bytes 0–255), for tests and the load benchmark."""
    return np.frombuffer(base64.b64decode(text), dtype=np.uint8)


def forward(layers: list[tuple[np.ndarray, np.ndarray | None]], activation: str,
            X: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The MLP's forward pass in X's float type (float32 here): (hidden outputs per layer, logits), the
    training engine's own (``train.numpy_mlp.forward``)."""
    inputs, _, logits = numpy_mlp.forward(layers, get_activation(activation), X)
    return inputs[1:], logits  # each hidden layer's output is the next layer's input


def head(kind: str, logits: np.ndarray) -> np.ndarray:
    """Probabilities of class 1 (binary, (N,)), class probabilities (multiclass, (N, C)), or values."""
    if kind == "binary":
        return numpy_mlp.sigmoid(logits[:, 0])
    if kind == "multiclass":
        return numpy_mlp.softmax(logits)
    return logits[:, 0]


def predict(kind: str, out: np.ndarray) -> np.ndarray:
    """Labels from :func:`head`'s output (regression: the values)."""
    if kind == "binary":
        return (out > 0.5).astype(int)
    if kind == "multiclass":
        return out.argmax(axis=1)
    return out


def live_metrics(kind: str, y_true: np.ndarray, y_pred: np.ndarray, n_classes: int | None) -> dict[str, Any]:
    """The numbers of :func:`neuronlab.evaluate.classification_report` / ``regression_report``, fast.

    Same conventions: confusion rows are the true class; binary precision/recall are the positive
    class's (label 1); multiclass ones are macro averages; undefined ratios are 0.
    """
    if len(y_true) == 0:
        return {}
    if kind == "regression":
        if not np.all(np.isfinite(y_pred)):  # a diverged net: no score, not NaN (which JSON cannot carry)
            return {"n": len(y_true), "r2": None, "mse": None, "mae": None}
        resid = y_true - y_pred
        ss_tot = float(((y_true - y_true.mean()) ** 2).sum())
        ss_res = float((resid ** 2).sum())
        r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else float(ss_res == 0)
        return {"n": len(y_true), "r2": r2, "mse": ss_res / len(y_true), "mae": float(np.abs(resid).mean())}
    c = int(n_classes or 2)
    cm = np.bincount(y_true.astype(int) * c + y_pred.astype(int), minlength=c * c).reshape(c, c)
    tp = np.diag(cm).astype(float)
    predicted, actual = cm.sum(axis=0), cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros(c), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros(c), where=actual > 0)
    binary = c == 2
    return {
        "n": len(y_true),
        "confusion_matrix": cm.tolist(),
        "accuracy": float(tp.sum() / cm.sum()),
        "precision": float(precision[-1] if binary else precision.mean()),
        "recall": float(recall[-1] if binary else recall.mean()),
    }
