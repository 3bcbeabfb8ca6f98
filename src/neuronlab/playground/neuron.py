"""The single-neuron step-through: the seed's equations, one full-batch update at a time.

The numbers are :meth:`neuronlab.nn.neuron.Neuron.step`'s StepTrace (a, y, e, δ, g, Δw, Δb) on the
task's standardised training inputs; the page lists the first few samples row by row and the sums
that make the update, so a student can check Δw = −η Σ_n g − η α w with a calculator.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from sklearn.preprocessing import StandardScaler

from neuronlab.errors import ConfigError
from neuronlab.nn.neuron import Neuron
from neuronlab.playground import frames
from neuronlab.playground.config import NeuronConfig, load_data
from neuronlab.playground.session import CsvLoader

MAX_STEPS = 10_000


def neuron_inputs(config: NeuronConfig, csv_loader: CsvLoader | None = None) -> tuple[np.ndarray, np.ndarray, Any]:
    """(X, t, task): the standardised training inputs and targets the stepper's neuron learns from."""
    task = load_data(config, csv_loader)
    if task.kind == "multiclass":
        raise ConfigError(f"one neuron has one output and {task.name!r} is multiclass; pick a binary or "
                          "regression task")
    X = StandardScaler().fit_transform(task.X_train)
    return X, np.asarray(task.y_train, dtype=float), task


class NeuronStepper:
    """A :class:`~neuronlab.nn.neuron.Neuron` and its data; ``step()`` applies one update and reports it."""

    def __init__(self, config: NeuronConfig, *, csv_loader: CsvLoader | None = None) -> None:
        self.config = config
        self.X, self.t, self.task = neuron_inputs(config, csv_loader)
        self.lock = threading.Lock()
        self.neuron = Neuron(self.X.shape[1], config.activation, bias=config.bias, seed=config.seed)
        self.steps = 0
        self.extent = frames.Extent.of(self.task.X_train)
        self.scaler = StandardScaler().fit(self.task.X_train)
        n = frames.GRID if self.X.shape[1] == 2 else frames.CURVE
        self._grid_X = self.extent.points(n, self.X.shape[1])
        self._grid = self.scaler.transform(self._grid_X)

    def step(self) -> dict[str, Any]:
        """One full-batch update, with every quantity of the seed's equations."""
        cfg = self.config
        with self.lock:
            if self.steps >= MAX_STEPS:
                raise ConfigError(f"this neuron has taken {MAX_STEPS} steps; reset it to start again")
            w, b = self.neuron.w.copy(), self.neuron.b
            with np.errstate(over="ignore", invalid="ignore"):
                trace = self.neuron.step(self.X, self.t, cfg.eta, cfg.alpha)
            self.steps += 1
            k = cfg.show
            return {
                "step": self.steps,
                "w": _r(w), "b": float(b),
                "rows": [{"x": _r(self.X[i]), "t": float(self.t[i]), "a": float(trace.a[i]), "y": float(trace.y[i]),
                          "e": float(trace.e[i]), "delta": float(trace.delta[i]), "g": _r(trace.g[i])}
                         for i in range(min(k, len(self.t)))],
                "n": len(self.t),
                "sum_g": _r(trace.g.sum(axis=0)),
                "sum_delta": float(trace.delta.sum()),
                "dw": _r(trace.dw), "db": float(trace.db),
                "w_new": _r(self.neuron.w), "b_new": float(self.neuron.b),
                "loss_before": float(trace.loss_before),
                "loss": self.neuron.loss_name,
                "boundary": self._boundary(),
            }

    def state(self) -> dict[str, Any]:
        """The neuron before any (further) step: weights, loss, picture."""
        with self.lock:
            return {"step": self.steps, "w": _r(self.neuron.w), "b": float(self.neuron.b), "n": len(self.t),
                    "loss": self.neuron.loss_name, "boundary": self._boundary()}

    def _boundary(self) -> dict[str, Any]:
        with np.errstate(over="ignore", invalid="ignore"):
            y = self.neuron.predict_output(self._grid)
        if self.X.shape[1] == 1:
            return {"kind": "curve", "x": _r(self._grid_X[:, 0]),
                    "y": [float(v) if np.isfinite(v) else None for v in y]}
        lo, hi = (0.0, 1.0) if self.task.kind == "binary" else (float(np.nanmin(y)), float(np.nanmax(y)))
        return {"kind": "prob", "shape": [frames.GRID, frames.GRID], "data": frames.encode(np.nan_to_num(y), lo, hi)}

    def info(self) -> dict[str, Any]:
        task = self.task
        return {"task": task.name, "kind": task.kind, "n_inputs": self.X.shape[1], "extent": self.extent.to_dict(),
                "train": {"x": np.round(task.X_train, 5).tolist(), "y": np.round(task.y_train, 5).tolist()},
                "feature_names": list(task.feature_names), "activation": self.config.activation,
                "eta": self.config.eta, "alpha": self.config.alpha, "loss": self.neuron.loss_name}


def _r(values: np.ndarray) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=float).ravel()]
