"""The playground's compute budget, declared once: what a piece of work will cost, the caps, and the
token that stops it while it runs.

Why estimate before running: one request (1,000 epochs of batch size 1 on 2,000 samples, six layers of
64) is ~1 M optimiser steps, minutes of a core.  Refusing it before it starts costs nothing;
stopping it halfway wastes what was done.  The estimate is in seconds of one core of the lab's 2-core
reference machine *while it is busy* (measured with other work running beside, rounded up): an optimiser
step of the NumPy engine (``train.numpy_mlp``, float32) costs a fixed overhead (Python and NumPy calls), a
little per layer and a little per row × parameter; drawing a frame costs a forward pass over both splits
and the drawing grids.  Measured (2 cores, busy): 30 µs a step + 12 µs a layer; 0.33–0.6 ns a row ×
parameter training, 0.15–0.37 ns drawing; a frame of the default 4,4 network 0.57 ms.

The estimate can be wrong (a busier machine, a slower one), so the wall-time cap is enforced while the
work runs: training checks a :class:`Work` token after every epoch, and the per-frame cap bounds one
epoch, so a cancelled request, a client that went away or a server shutting down waits at most one
epoch.  Every cap can be changed with an environment variable ``NEURONLAB_PLAYGROUND_<FIELD>``
(e.g. ``NEURONLAB_PLAYGROUND_SESSIONS_PER_CLIENT=20``), which every worker process reads.
"""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass, fields
from itertools import pairwise
from typing import Any

from neuronlab.errors import ConfigError, NeuronlabError

# The cost model (seconds of one loaded core of the reference machine; see the module docstring).
STEP_SECONDS = 40e-6  # an optimiser step's fixed cost: forward, backward and the update's NumPy calls
LAYER_SECONDS = 15e-6  # each layer's calls, per step
ROW_PARAM_SECONDS = 0.7e-9  # per training row × parameter: forward, backward and the update, in float32
EPOCH_SECONDS = 60e-6  # per epoch: the shuffle, the history, the stop check
FRAME_SECONDS = 0.8e-3  # per frame: the metrics and encodings, whatever the size
EVAL_ROW_PARAM_SECONDS = 0.4e-9  # per evaluated row × parameter of a frame (NumPy, float32)


class OverBudget(ConfigError):
    """A piece of work would cost more than its cap; the message names the cap and what to change."""


class Stopped(NeuronlabError):
    """Work stopped before it finished (the client went away, the time limit, the server shutting down)."""


@dataclass(frozen=True)
class Shape:
    """What the cost of a session's work depends on."""

    rows: int  # training rows
    batch_size: int  # rows per optimiser step (0: the full batch)
    widths: tuple[int, ...]  # inputs, hidden layers, outputs
    eval_rows: int  # rows a frame evaluates: both splits and the drawing grids

    @property
    def params(self) -> int:
        return sum((n_in + 1) * n_out for n_in, n_out in pairwise(self.widths))  # weights and biases

    @property
    def steps_per_epoch(self) -> int:
        return -(-self.rows // min(self.batch_size or self.rows, self.rows))

    def epoch_seconds(self) -> float:
        """One epoch: every step's overhead plus the arithmetic, which depends on rows, not on batches."""
        per_step = STEP_SECONDS + LAYER_SECONDS * (len(self.widths) - 1)
        return self.steps_per_epoch * per_step + self.rows * self.params * ROW_PARAM_SECONDS + EPOCH_SECONDS

    def frame_seconds(self) -> float:
        """Drawing one frame: the forward passes over both splits and the grids."""
        return FRAME_SECONDS + self.eval_rows * self.params * EVAL_ROW_PARAM_SECONDS

    def describe(self, epochs: int) -> str:
        """``1,000 epochs are 1,000,000 optimiser steps of a 21,377-parameter network``."""
        unit = "epoch is" if epochs == 1 else "epochs are"
        return (f"{epochs:,} {unit} {epochs * self.steps_per_epoch:,} optimiser steps of a {self.params:,}-parameter "
                f"network (batch size {self.batch_size or 'full'}, {self.rows:,} training rows)")


@dataclass(frozen=True)
class Budget:
    """The caps, each declared once (defaults sized for a class of 30 on two cores)."""

    request_seconds: float = 5.0  # estimated compute of one request (a step)
    replay_seconds: float = 15.0  # estimated compute of opening a URL (a replay: rarer than steps)
    frame_seconds: float = 1.0  # estimated compute of one streamed frame, and of one epoch (what a stop waits for)
    wall_seconds: float = 20.0  # wall time one request or frame may run, enforced while it runs
    sessions_per_client: int = 8  # sessions one address may have training at once (a class behind NAT shares one)
    threads: int = 2  # training threads of the whole server: NumPy on tiny arrays holds the GIL, more add nothing

    def __post_init__(self) -> None:
        for f in fields(self):
            if not getattr(self, f.name) > 0:
                raise ConfigError(f"the playground's {f.name} must be > 0, got {getattr(self, f.name)!r}")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Budget:
        """The defaults, with any ``NEURONLAB_PLAYGROUND_<FIELD>`` set in the environment."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f"NEURONLAB_PLAYGROUND_{f.name.upper()}"
            if (text := env.get(name)) is not None:
                kind = int if f.type in (int, "int") else float
                try:
                    values[f.name] = kind(text)
                except ValueError:
                    raise ConfigError(f"{name} must be a number, got {text!r}") from None
        return cls(**values)

    def check_epoch(self, shape: Shape) -> None:
        """One epoch plus its frame must fit in a frame: it is what a stop has to wait for."""
        one = shape.epoch_seconds() + shape.frame_seconds()
        if one > self.frame_seconds:
            raise OverBudget(f"here {shape.describe(1)}, about {one:.2g} s of server time, more than the "
                             f"{self.frame_seconds:g} s one frame may take; use a bigger batch or a smaller network")

    def check_step(self, shape: Shape, epochs: int) -> float:
        """A step of ``epochs`` epochs (and its frame) within the per-request cap; its estimated seconds."""
        return self._check(shape, epochs, self.request_seconds, "one request", "ask for fewer epochs")

    def check_frame(self, shape: Shape, epochs: int) -> float:
        """One streamed frame of ``epochs`` epochs within the per-frame cap; its estimated seconds."""
        return self._check(shape, epochs, self.frame_seconds, "one frame", "ask for fewer epochs per frame")

    def check_replay(self, shape: Shape, epochs: int, frames: int) -> None:
        """A URL replay: ``epochs`` epochs with ``frames`` loss-curve points evaluated on the way."""
        if epochs:
            self.check_epoch(shape)
        cost = epochs * shape.epoch_seconds() + frames * shape.frame_seconds()
        if cost > self.replay_seconds:
            raise OverBudget(f"replaying this URL: {shape.describe(epochs)}, about {cost:.3g} s of server time, more "
                             f"than the {self.replay_seconds:g} s a URL may ask for; save the session as a run "
                             "instead, or open the URL without its epoch")

    def _check(self, shape: Shape, epochs: int, cap: float, what: str, fewer: str) -> float:
        self.check_epoch(shape)
        cost = epochs * shape.epoch_seconds() + shape.frame_seconds()
        if cost > cap:
            most = max(1, math.floor((cap - shape.frame_seconds()) / shape.epoch_seconds()))
            raise OverBudget(f"here {shape.describe(epochs)}, about {cost:.3g} s of server time, more than the "
                             f"{cap:g} s {what} may take; {fewer} (at most {most:,} here), a bigger batch or a "
                             "smaller network")
        return cost


class Work:
    """One request's (or one frame's) training: why it must stop now, if it must.

    Training calls it after every epoch; it answers with a reason when the work was cancelled (the client
    went away), its wall time is up, or the server is shutting down (the shared ``shutdown`` event).
    """

    def __init__(self, wall_seconds: float, shutdown: threading.Event | None = None) -> None:
        self.wall_seconds = wall_seconds
        self.deadline = time.monotonic() + wall_seconds
        self.shutdown = shutdown if shutdown is not None else threading.Event()
        self._cancelled: str | None = None

    def cancel(self, reason: str) -> None:
        """Stop at the next check (the first reason given is kept)."""
        if self._cancelled is None:
            self._cancelled = reason

    def __call__(self) -> str | None:
        """The reason to stop now, or None to go on."""
        if self.shutdown.is_set():
            return "the lab is shutting down"
        if self._cancelled is not None:
            return self._cancelled
        if time.monotonic() >= self.deadline:
            return f"the {self.wall_seconds:g} s time limit of one request"
        return None
