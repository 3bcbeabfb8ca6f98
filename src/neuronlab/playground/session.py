"""One student's running playground: a task, a feature map and an MLP trained a few epochs at a time.

Training is the library's own engine (``nn.mlp.MLP`` trained by ``train.loop.fit_module``); the
session only keeps what the page needs between requests: the optimiser (Adam's moments survive
between frames), the seeded batch generator, the per-epoch loss, and the weights set by hand.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, cast

import numpy as np
import torch
from sklearn.preprocessing import StandardScaler
from torch import Tensor, nn
from torch.nn import functional as F

from neuronlab.errors import ConfigError, DivergedError
from neuronlab.nn.mlp import MLP, head_loss
from neuronlab.playground import frames, view
from neuronlab.playground.config import FEATURES, PlaygroundConfig, check_features, load_data
from neuronlab.tasks import Task
from neuronlab.train.loop import History, fit_module, make_optimizer

MAX_EPOCHS = 20_000  # a session trains at most this long
MAX_REPLAY_STEPS = 20_000  # optimiser steps a URL replay may take (≈ 10 s on a busy 2-core machine)
CsvLoader = Callable[[str, int, float], Task]


@dataclass(frozen=True)
class WeightEdit:
    """A weight (``col`` an input index) or bias (``col`` None) of ``layer`` set by hand at ``epoch``."""

    epoch: int
    layer: int
    row: int
    col: int | None
    value: float


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Seed torch's global RNG inside the block only: the same seed gives the same initial weights."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


class Session:
    """A playground session; every public method is safe to call from several threads."""

    def __init__(self, config: PlaygroundConfig, *, csv_loader: CsvLoader | None = None) -> None:
        self.config = config
        self.task = task = load_data(config, csv_loader)
        check_features(config.features, task.n_features)
        self.kind = task.kind
        self.n_classes = task.n_classes
        if task.kind == "regression" and config.loss == "cross_entropy":
            raise ConfigError("cross-entropy is for classification; use loss 'mse' or 'mae' for regression")
        if task.kind != "regression" and config.loss == "mae":
            raise ConfigError("mae is a regression loss; use 'cross_entropy' or 'mse' for classification")
        self.lock = threading.RLock()
        # Inputs are standardised on the training split (so sin x1 and x1² see a unit scale), then mapped.
        self.scaler = StandardScaler().fit(task.X_train)
        self.y_mean, self.y_std = 0.0, 1.0
        if task.kind == "regression":  # train on standardised targets; report in the task's units
            self.y_mean, self.y_std = float(task.y_train.mean()), float(task.y_train.std() or 1.0)
        self.Z_train, self.Z_test = self.features(task.X_train), self.features(task.X_test)
        self.t_train, self.t_test = self._targets(task.y_train), self._targets(task.y_test)
        self.extent = frames.Extent.of(np.concatenate([task.X_train, task.X_test]))
        two_d = task.n_features == 2
        self._grid_X = self.extent.points(frames.GRID if two_d else frames.CURVE, task.n_features)
        self._grid_Z = self.features(self._grid_X)
        self._neuron_Z = self.features(self.extent.points(frames.NEURON_GRID if two_d else frames.NEURON_CURVE,
                                                          task.n_features))
        self.n_out = 1 if task.kind != "multiclass" else int(task.n_classes or 2)
        self.widths = (len(config.features), *config.hidden, self.n_out)
        self.base_loss = self._base_loss()
        self.reset()

    # -- data ------------------------------------------------------------------------------------------

    def features(self, X: np.ndarray) -> np.ndarray:
        """Raw inputs → standardised → the chosen feature columns (N, n_features)."""
        S = self.scaler.transform(np.asarray(X, dtype=float))
        return np.column_stack([FEATURES[f](S) for f in self.config.features])

    def _targets(self, y: np.ndarray) -> Tensor:
        if self.kind == "multiclass":
            return torch.as_tensor(y, dtype=torch.long)
        t = (y - self.y_mean) / self.y_std if self.kind == "regression" else y
        return torch.as_tensor(np.asarray(t, dtype=np.float32)[:, None])

    def _base_loss(self) -> Callable[[Tensor, Tensor], Tensor]:
        """The data loss of (logits, targets): the head's own, or MSE on the head's output."""
        loss = self.config.loss
        if loss in ("auto", "cross_entropy") or self.kind == "regression":
            return head_loss(self.kind, None if loss in ("auto", "cross_entropy") else loss)
        if self.kind == "binary":  # squared error of the probability, the seed's e = t - y on sigmoid outputs
            return lambda logits, t: F.mse_loss(torch.sigmoid(logits), t)
        n_out = self.n_out
        return lambda logits, t: F.mse_loss(torch.softmax(logits, dim=-1), F.one_hot(t, n_out).to(logits.dtype))

    # -- training --------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to epoch 0 with the seed's initial weights (same seed ⇒ same weights), edits dropped."""
        with self.lock, _seeded(self.config.seed):
            self.model = MLP(self.widths, activation=self.config.activation, bias=self.config.bias)
            self.optimizer = make_optimizer(self.config.optimizer, self.model.parameters(), eta=self.config.eta)
            self.generator = torch.Generator().manual_seed(self.config.seed)
            self.history = History()
            self.edits: list[WeightEdit] = []
            self.curve: list[tuple[int, float, float]] = []  # (epoch, train loss, test loss) per frame
            self.error: str | None = None
            self.model.eval()

    @property
    def epoch(self) -> int:
        return self.history.epoch[-1] if self.history.epoch else 0

    def _train_loss(self) -> Callable[[Tensor, Tensor], Tensor]:
        """The objective: data loss plus the L1 penalty α Σ|W| / n (L2 is fit_module's own ½ α Σ W² / n)."""
        if self.config.regularization != "l1" or not self.config.alpha:
            return self.base_loss
        weights = [p for p in self.model.parameters() if p.ndim > 1]
        alpha, base = self.config.alpha, self.base_loss
        return lambda out, t: base(out, t) + alpha / out.shape[0] * sum(W.abs().sum() for W in weights)

    def train(self, epochs: int) -> None:
        """Train ``epochs`` more epochs (fewer when MAX_EPOCHS is reached); a NaN loss stops the session."""
        with self.lock:
            epochs = min(int(epochs), MAX_EPOCHS - self.epoch)
            if epochs < 1 or self.error is not None:
                return
            cfg = self.config
            try:
                fit_module(self.model, torch.as_tensor(self.Z_train, dtype=torch.float32), self.t_train,
                           loss_fn=self._train_loss(), eta=cfg.eta,
                           alpha=cfg.alpha if cfg.regularization == "l2" else 0.0, optimizer=self.optimizer,
                           batch_size=cfg.batch_size or None, max_epochs=epochs, generator=self.generator,
                           history=self.history, threads=None)
            except DivergedError as exc:
                self.error = str(exc)

    def set_weight(self, layer: int, row: int, col: int | None, value: float) -> WeightEdit:
        """Set one weight (or, with ``col`` None, one bias) by hand; remembered for the URL replay."""
        if not math.isfinite(value) or abs(value) > 1e3:
            raise ConfigError(f"a weight must be a finite number within ±1000, got {value!r}")
        with self.lock:
            if not 0 <= layer < len(self.model.layers):
                raise ConfigError(f"layer must be 0..{len(self.model.layers) - 1}, got {layer}")
            linear = self._linears()[layer]
            n_out, n_in = linear.weight.shape
            if not 0 <= row < n_out or (col is not None and not 0 <= col < n_in):
                raise ConfigError(f"layer {layer} has {n_out} neurons with {n_in} inputs each; "
                                  f"got neuron {row}, input {col}")
            if col is None and linear.bias is None:
                raise ConfigError("this network has no biases (bias is off); switch bias on to set one")
            with torch.no_grad():
                if col is None:
                    cast(Tensor, linear.bias)[row] = value
                else:
                    linear.weight[row, col] = value
            edit = WeightEdit(self.epoch, layer, row, col, float(value))
            self.edits.append(edit)
            return edit

    def replay(self, epoch: int, edits: list[WeightEdit]) -> None:
        """From the initial weights, train to ``epoch`` applying ``edits`` at their epochs (URL → state)."""
        if not 0 <= epoch <= MAX_EPOCHS:
            raise ConfigError(f"epoch must be 0..{MAX_EPOCHS}, got {epoch}")
        batches = -(-len(self.Z_train) // (self.config.batch_size or len(self.Z_train)))
        if epoch * batches > MAX_REPLAY_STEPS:  # a URL must not buy minutes of server time
            raise ConfigError(f"replaying {epoch} epochs of {batches} batches is {epoch * batches} steps, more "
                              f"than the {MAX_REPLAY_STEPS} a URL may ask for; save the session as a run instead")
        with self.lock:
            self.reset()
            for edit in sorted(edits, key=lambda e: e.epoch):
                if edit.epoch > epoch:
                    raise ConfigError(f"a weight edit at epoch {edit.epoch} lies after epoch {epoch}")
                self._train_logged(edit.epoch - self.epoch)
                self.set_weight(edit.layer, edit.row, edit.col, edit.value)
            self._train_logged(epoch - self.epoch)

    def _train_logged(self, epochs: int, points: int = 100) -> None:
        """Train in about ``points`` chunks, logging the loss curve as the page would have drawn it."""
        chunk = max(1, -(-epochs // points))
        while epochs > 0 and self.error is None:
            self.train(min(chunk, epochs))
            epochs -= chunk
            self._log_curve()

    def _log_curve(self, train_logits: np.ndarray | None = None,
                   test_logits: np.ndarray | None = None) -> tuple[float, float]:
        train_loss = self._loss(self.Z_train, self.t_train, train_logits)
        test_loss = self._loss(self.Z_test, self.t_test, test_logits)
        if not self.curve or self.curve[-1][0] != self.epoch:
            self.curve.append((self.epoch, train_loss, test_loss))
        return train_loss, test_loss

    # -- what the page shows ---------------------------------------------------------------------------

    def _layers(self) -> list[tuple[np.ndarray, np.ndarray | None]]:
        return [(lin.weight.detach().numpy().astype(float),
                 None if lin.bias is None else lin.bias.detach().numpy().astype(float))
                for lin in self._linears()]

    def _linears(self) -> list[nn.Linear]:
        return [cast(nn.Linear, m) for m in self.model.layers]

    def _outputs(self, logits: np.ndarray) -> np.ndarray:
        """Head output in the task's units (regression values un-standardised)."""
        out = frames.head(self.kind, logits)
        return out * self.y_std + self.y_mean if self.kind == "regression" else out

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Labels (classification) or values (regression) for raw inputs X."""
        with self.lock:
            _, logits = frames.forward(self._layers(), self.config.activation, self.features(X))
        return frames.predict(self.kind, self._outputs(logits))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities (N, C): what the boundary plot of "save as run" shades."""
        with self.lock:
            _, logits = frames.forward(self._layers(), self.config.activation, self.features(X))
        out = frames.head(self.kind, logits)
        return np.column_stack([1 - out, out]) if self.kind == "binary" else out

    def _loss(self, Z: np.ndarray, t: Tensor, logits: np.ndarray | None = None) -> float:
        """The data loss (no penalty) on one split; ``logits`` when the frame already computed them."""
        if len(Z) == 0:
            return math.nan
        with torch.no_grad():
            out = self.model(torch.as_tensor(Z, dtype=torch.float32)) if logits is None else \
                torch.as_tensor(logits, dtype=torch.float32)
            return float(self.base_loss(out, t))

    def frame(self) -> dict[str, Any]:
        """Everything that changes while training (see :func:`neuronlab.playground.view.frame`)."""
        return view.frame(self)

    def info(self) -> dict[str, Any]:
        """What does not change while training (see :func:`neuronlab.playground.view.info`)."""
        return view.info(self)

    def state(self, *, curve: bool = True) -> dict[str, Any]:
        """What the URL holds besides the config: the epoch and the hand-set weights; with ``curve``
        the last 500 (epoch, train loss, test loss) points for the loss chart (streamed frames leave it
        out: the page appends each frame's losses itself)."""
        with self.lock:
            out: dict[str, Any] = {"epoch": self.epoch, "edits": [asdict(e) for e in self.edits]}
            if curve:
                out["curve"] = [[e, frames.finite(a), frames.finite(b)] for e, a, b in self.curve[-500:]]
            return out

    # -- save as run -----------------------------------------------------------------------------------

    def run_record(self) -> dict[str, Any]:
        """Keyword arguments for ``RunStore.record`` (see :func:`neuronlab.playground.record.run_record`)."""
        from neuronlab.playground.record import run_record

        return run_record(self)


