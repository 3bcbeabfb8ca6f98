"""One student's running playground: a task, a feature map and an MLP trained a few epochs at a time.

Training is the library's NumPy engine (``train.numpy_mlp.NumpyMLP`` trained by ``train.numpy_loop.fit_numpy``:
a tiny network's epoch costs a tenth of torch's there, see that module); the session only keeps what the page
needs between requests: the optimiser's state (Adam's moments survive between frames), the seeded shuffle
generator, the per-epoch loss, and the weights set by hand.

Readers never wait for training: every change publishes a :class:`Snapshot` (the weights as NumPy
copies, the epoch, the edits), at its end and every ``PUBLISH_EVERY`` seconds while it trains, and
frames, predictions and the state are computed from the last one.  Changes run one at a time (the
``_mutating`` lock); the web's "one piece of work per session" is :meth:`Session.try_claim`, a flag a
request holds for its whole life (a stream across many frames), so a second one is refused, not queued.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sklearn.preprocessing import StandardScaler

from neuronlab import config as knobs
from neuronlab.errors import ConfigError, DivergedError
from neuronlab.nn.init import uniform_init
from neuronlab.playground import frames, view
from neuronlab.playground.budget import Budget, Shape, Stopped
from neuronlab.playground.config import FEATURES, PlaygroundConfig, check_features, load_data
from neuronlab.tasks import Task
from neuronlab.train.history import History, shuffle_rng
from neuronlab.train.numpy_loop import fit_numpy
from neuronlab.train.numpy_mlp import NumpyMLP

MAX_EPOCHS = 20_000  # a session trains at most this long
REPLAY_POINTS = 100  # loss-curve points a replay logs (as the page would have drawn them)
PUBLISH_EVERY = 0.05  # seconds between snapshots while training (a GET sees progress at least this often)
CsvLoader = Callable[[str, int, float], Task]
Layers = list[tuple[np.ndarray, np.ndarray | None]]
Stop = Callable[[], str | None]  # the reason to stop now, or None (a playground.budget.Work)


@dataclass(frozen=True)
class WeightEdit:
    """A weight (``col`` an input index) or bias (``col`` None) of ``layer`` set by hand at ``epoch``."""

    epoch: int
    layer: int
    row: int
    col: int | None
    value: float


@dataclass(frozen=True)
class Snapshot:
    """What readers see: the weights (NumPy copies), epoch, edits and error after the last published change."""

    epoch: int
    layers: Layers
    edits: tuple[WeightEdit, ...]
    error: str | None
    history: History  # per-epoch training loss: the first ``n_epochs`` entries are this snapshot's
    n_epochs: int
    generation: int  # bumped by reset: a frame of an older generation adds nothing to the loss curve


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
        self.lock = threading.RLock()  # guards the snapshot and the loss curve; held briefly
        self._mutating = threading.RLock()  # one change at a time; training holds it for a whole call
        self._claim = threading.Lock()  # the web's "busy" flag (see try_claim)
        self._generation = 0
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
        # a frame's two forward passes (both splits; the drawing grids), all in float32 as the network trains:
        # NumPy vectorises float32's tanh and exp (~10× float64's), and predictions, live metrics and "save as
        # run" go through the same arithmetic, so they agree exactly
        self._split_Z = np.vstack([self.Z_train, self.Z_test])
        self._draw_Z = np.vstack([self._grid_Z, self._neuron_Z])
        self.n_out = 1 if task.kind != "multiclass" else int(task.n_classes or 2)
        self.widths = (len(config.features), *config.hidden, self.n_out)
        self.loss_name = self._loss_name()
        self.reset()

    # -- data ------------------------------------------------------------------------------------------

    def features(self, X: np.ndarray) -> np.ndarray:
        """Raw inputs → standardised → the chosen feature columns (N, n_features), in the network's float32."""
        S = self.scaler.transform(np.asarray(X, dtype=float))
        return np.column_stack([FEATURES[f](S) for f in self.config.features]).astype(np.float32)

    def _targets(self, y: np.ndarray) -> np.ndarray:
        """Class indices (N,) for multiclass; otherwise (N, 1) floats (regression standardised)."""
        if self.kind == "multiclass":
            return np.asarray(y, dtype=np.intp)
        t = (y - self.y_mean) / self.y_std if self.kind == "regression" else y
        return np.asarray(t, dtype=np.float32)[:, None]

    def _loss_name(self) -> str:
        """The data loss of the logits (``train.numpy_mlp.LOSSES``): the head's own, or squared error of the
        head's output (the seed's e = t − y on sigmoid or softmax outputs)."""
        loss, kind = self.config.loss, self.kind
        if kind == "regression":
            return "mse" if loss == "auto" else loss
        if loss in ("auto", "cross_entropy"):
            return "binary_cross_entropy" if kind == "binary" else "cross_entropy"
        return "mse_sigmoid" if kind == "binary" else "mse_softmax"

    # -- training --------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to epoch 0 with the seed's initial weights (same seed ⇒ same weights), edits dropped."""
        cfg = self.config
        with self._mutating:
            weights, biases = uniform_init(self.widths, cfg.bias, cfg.seed, dtype="float64")
            self.model = NumpyMLP(weights, biases, cfg.activation, self.loss_name, optimizer=cfg.optimizer,
                                  momentum=knobs.default("momentum", "playground"),
                                  penalty="l1" if cfg.regularization == "l1" else "l2", dtype="float32")
            self.rng = shuffle_rng(cfg.seed)
            self.history = History()
            self.edits: list[WeightEdit] = []
            self.error: str | None = None
            with self.lock:
                self._generation += 1
                self.curve: list[tuple[int, float, float]] = []  # (epoch, train loss, test loss) per frame
                self._publish()

    def _publish(self) -> None:
        """Make the current weights, epoch and edits what readers see (called by the changing thread)."""
        snap = Snapshot(self._live_epoch(), self._layers(), tuple(self.edits), self.error, self.history,
                        len(self.history), self._generation)
        with self.lock:
            self._snap = snap

    def snapshot(self) -> Snapshot:
        """The last published state: never waits for training."""
        with self.lock:
            return self._snap

    @property
    def epoch(self) -> int:
        """The published epoch (a training call moves it as it goes)."""
        return self.snapshot().epoch

    def _live_epoch(self) -> int:
        return self.history.epoch[-1] if self.history.epoch else 0

    def shape(self) -> Shape:
        """What the cost of this session's work depends on (see :mod:`neuronlab.playground.budget`)."""
        eval_rows = len(self.Z_train) + len(self.Z_test) + len(self._grid_Z) + len(self._neuron_Z)
        return Shape(len(self.Z_train), self.config.batch_size, self.widths, eval_rows)

    def try_claim(self) -> bool:
        """Take the session for one piece of work (True), or False when another one holds it; ``release``
        gives it back (from any thread: a stream's frames run in different threads)."""
        return self._claim.acquire(blocking=False)

    def release(self) -> None:
        self._claim.release()

    def train(self, epochs: int, *, stop: Stop | None = None) -> int:
        """Train up to ``epochs`` more epochs and return how many ran: fewer when MAX_EPOCHS is reached, a
        NaN loss stops the session, or ``stop()`` gives a reason (asked after every epoch, so a cancelled
        request waits one epoch at most; the budget keeps an epoch small)."""
        with self._mutating:
            start = self._live_epoch()
            epochs = min(int(epochs), MAX_EPOCHS - start)
            if epochs < 1 or self.error is not None or (stop is not None and stop() is not None):
                return 0
            cfg = self.config
            published = time.monotonic()

            def after_epoch(history: History) -> bool:
                nonlocal published
                if time.monotonic() - published >= PUBLISH_EVERY:  # readers see progress, not just the end
                    self._publish()
                    published = time.monotonic()
                return stop is not None and stop() is not None

            try:  # the objective: data loss + α Σ|W| / n_b (l1) or ½ α Σ W² / n_b (l2)
                fit_numpy(self.model, self.Z_train, self.t_train, eta=cfg.eta,
                          alpha=0.0 if cfg.regularization == "none" else cfg.alpha,
                          batch_size=cfg.batch_size or None, max_epochs=epochs, rng=self.rng,
                          history=self.history, on_epoch_end=after_epoch, reduction="mean")
            except DivergedError as exc:
                self.error = str(exc)
            finally:
                self._publish()
            return self._live_epoch() - start

    def set_weight(self, layer: int, row: int, col: int | None, value: float) -> WeightEdit:
        """Set one weight (or, with ``col`` None, one bias) by hand; remembered for the URL replay."""
        if not math.isfinite(value) or abs(value) > 1e3:
            raise ConfigError(f"a weight must be a finite number within ±1000, got {value!r}")
        with self._mutating:
            n_layers = len(self.model.weights)
            if not 0 <= layer < n_layers:
                raise ConfigError(f"layer must be 0..{n_layers - 1}, got {layer}")
            W, b = self.model.weights[layer], self.model.biases[layer]
            n_out, n_in = W.shape
            if not 0 <= row < n_out or (col is not None and not 0 <= col < n_in):
                raise ConfigError(f"layer {layer} has {n_out} neurons with {n_in} inputs each; "
                                  f"got neuron {row}, input {col}")
            if col is None and b is None:
                raise ConfigError("this network has no biases (bias is off); switch bias on to set one")
            if col is None:
                b[row] = value  # type: ignore[index]
            else:
                W[row, col] = value
            edit = WeightEdit(self._live_epoch(), layer, row, col, float(value))
            self.edits.append(edit)
            self._publish()
            return edit

    def replay(self, epoch: int, edits: list[WeightEdit], *, budget: Budget | None = None,
               stop: Stop | None = None) -> None:
        """From the initial weights, train to ``epoch`` applying ``edits`` at their epochs (URL → state).

        A URL must not buy minutes of server time: the replay is checked against ``budget`` (the
        defaults when None) before it starts, and ``stop`` can end it (raising :class:`Stopped`)."""
        if not 0 <= epoch <= MAX_EPOCHS:
            raise ConfigError(f"epoch must be 0..{MAX_EPOCHS}, got {epoch}")
        if any(edit.epoch > epoch for edit in edits):
            late = max(edit.epoch for edit in edits)
            raise ConfigError(f"a weight edit at epoch {late} lies after epoch {epoch}")
        (budget or Budget()).check_replay(self.shape(), epoch, REPLAY_POINTS + len(edits))
        with self._mutating:
            self.reset()
            for edit in sorted(edits, key=lambda e: e.epoch):
                self._train_logged(edit.epoch - self._live_epoch(), stop)
                self.set_weight(edit.layer, edit.row, edit.col, edit.value)
            self._train_logged(epoch - self._live_epoch(), stop)
            reason = None if stop is None else stop()
            if self._live_epoch() < epoch and self.error is None and reason is not None:
                raise Stopped(f"replaying this URL stopped at epoch {self._live_epoch()} of {epoch}: {reason}; "
                              "reload to try again, or open the URL without its epoch")

    def _train_logged(self, epochs: int, stop: Stop | None, points: int = REPLAY_POINTS) -> None:
        """Train in about ``points`` chunks, logging the loss curve as the page would have drawn it."""
        chunk = max(1, -(-epochs // points))
        while epochs > 0 and self.error is None:
            want = min(chunk, epochs)
            ran = self.train(want, stop=stop)
            epochs -= want
            self._log_curve(self._live_epoch(), self._generation)
            if ran < want:  # stopped
                return

    def _log_curve(self, epoch: int, generation: int, train_logits: np.ndarray | None = None,
                   test_logits: np.ndarray | None = None) -> tuple[float, float]:
        """Losses of both splits at ``epoch``, appended to the curve once per epoch (and not at all for a
        frame of weights from before a reset); ``logits`` when the frame already computed them."""
        train_loss = self._loss(self.Z_train, self.t_train, train_logits)
        test_loss = self._loss(self.Z_test, self.t_test, test_logits)
        with self.lock:
            if generation == self._generation and (not self.curve or self.curve[-1][0] < epoch):
                self.curve.append((epoch, train_loss, test_loss))
        return train_loss, test_loss

    # -- what the page shows ---------------------------------------------------------------------------

    def _layers(self) -> Layers:
        """The live weights as NumPy copies (the changing thread's view; readers use the snapshot)."""
        return self.model.layers

    def _outputs(self, logits: np.ndarray) -> np.ndarray:
        """Head output in the task's units (regression values un-standardised)."""
        out = frames.head(self.kind, logits)
        return out * self.y_std + self.y_mean if self.kind == "regression" else out

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Labels (classification) or values (regression) for raw inputs X."""
        _, logits = frames.forward(self.snapshot().layers, self.config.activation, self.features(X))
        return frames.predict(self.kind, self._outputs(logits))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities (N, C): what the boundary plot of "save as run" shades."""
        _, logits = frames.forward(self.snapshot().layers, self.config.activation, self.features(X))
        out = frames.head(self.kind, logits)
        return np.column_stack([1 - out, out]) if self.kind == "binary" else out

    def _loss(self, Z: np.ndarray, t: np.ndarray, logits: np.ndarray | None = None) -> float:
        """The data loss (no penalty) on one split; ``logits`` when the frame already computed them."""
        if len(Z) == 0:
            return math.nan
        with np.errstate(all="ignore"):  # a diverged net's loss is NaN or inf, drawn as a gap
            return self.model.loss_grad(self.model.predict_output(Z) if logits is None else logits, t)[0]

    def frame(self, snap: Snapshot | None = None) -> dict[str, Any]:
        """Everything that changes while training, of ``snap`` (default: the last published state; see
        :func:`neuronlab.playground.view.frame`)."""
        return view.frame(self, snap or self.snapshot())

    def info(self) -> dict[str, Any]:
        """What does not change while training (see :func:`neuronlab.playground.view.info`)."""
        return view.info(self)

    def state(self, *, curve: bool = True, snap: Snapshot | None = None) -> dict[str, Any]:
        """What the URL holds besides the config: the epoch and the hand-set weights of ``snap`` (default:
        the last published); with ``curve`` the last 500 (epoch, train loss, test loss) points for the
        loss chart (frames while playing leave it out: the page appends each frame's losses itself)."""
        snap = snap or self.snapshot()
        out: dict[str, Any] = {"epoch": snap.epoch, "edits": [asdict(e) for e in snap.edits]}
        if curve:
            with self.lock:
                points = self.curve[-500:]
            out["curve"] = [[e, frames.finite(a), frames.finite(b)] for e, a, b in points]
        return out

    # -- save as run -----------------------------------------------------------------------------------

    def run_record(self) -> dict[str, Any]:
        """Keyword arguments for ``RunStore.record`` (see :func:`neuronlab.playground.record.run_record`)."""
        from neuronlab.playground.record import run_record

        return run_record(self)


