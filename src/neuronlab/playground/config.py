"""What a playground session is made of, as data: the knobs of the page, checked once.

A config is the whole recipe: the task (and its noise, size, train:test ratio and seed), the input
features, the network and how it learns.  It round-trips through the page's URL, so it is strict:
unknown keys and out-of-range values are refused with the field's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from neuronlab import config
from neuronlab.errors import ConfigError, TaskError, valid_names
from neuronlab.nn.activations import ACTIVATIONS
from neuronlab.tasks import Task, load_task, task_params

# The input features of TensorFlow Playground, on standardised inputs (so sin x1 sees about one period).
FEATURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1^2": lambda X: X[:, 0] ** 2,
    "x2^2": lambda X: X[:, 1] ** 2,
    "x1*x2": lambda X: X[:, 0] * X[:, 1],
    "sin(x1)": lambda X: np.sin(X[:, 0]),
    "sin(x2)": lambda X: np.sin(X[:, 1]),
}
MAX_LAYERS, MAX_WIDTH = 6, 64
MAX_SAMPLES = 2000
_K, _PG, _NP = config.KNOBS, "playground", "neuron_page"  # every knob's default and bound: neuronlab.config

_STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
Width = Annotated[int, Field(ge=1, le=MAX_WIDTH)]
Seed = Annotated[int, Field(ge=0, lt=2**32)]


class DataConfig(BaseModel):
    """Which data: a built-in task (or ``csv:<key>`` of an uploaded table), its noise, size, split, seed."""

    model_config = _STRICT

    task: str = Field(default="moons", min_length=1, max_length=80)
    noise: float | None = Field(default=None, ge=0, le=5)  # None: the task's default
    n_samples: int | None = Field(default=None, ge=20, le=MAX_SAMPLES)
    train_ratio: float = Field(default=0.5, ge=0.1, le=0.9)  # train : test, as the playground's slider
    seed: Seed = 0


class PlaygroundConfig(DataConfig):
    """Data plus network plus training: everything that decides the session's numbers."""

    features: tuple[str, ...] = Field(default=("x1", "x2"), min_length=1, max_length=len(FEATURES))
    hidden: tuple[Width, ...] = Field(default=(4, 4), max_length=MAX_LAYERS)
    activation: str = _K["activation"].default_for(_PG)
    bias: bool = _K["bias"].default_for(_PG)
    eta: float = _K["eta"].field(_PG, le=10)  # a slider's end
    regularization: Literal["none", "l1", "l2"] = "none"
    alpha: float = _K["alpha"].field(_PG, le=10)
    batch_size: int = _K["batch_size"].field(_PG, ge=0, le=MAX_SAMPLES)  # 0: full batch, the seed's Σ_n
    optimizer: Literal["sgd", "momentum", "adam"] = _K["optimizer"].default_for(_PG)
    loss: Literal["auto", "mse", "mae", "cross_entropy"] = "auto"  # auto: the task kind's head

    @field_validator("features")
    @classmethod
    def _known_features(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [f for f in v if f not in FEATURES]
        if bad:
            raise ValueError(f"unknown feature {bad[0]!r}; choose from {valid_names(FEATURES)}")
        if len(set(v)) != len(v):
            raise ValueError("each feature may appear once")
        return tuple(f for f in FEATURES if f in v)  # canonical order: the same state has one URL

    @field_validator("activation")
    @classmethod
    def _known_activation(cls, v: str) -> str:
        if v not in ACTIVATIONS:
            raise ValueError(f"unknown activation {v!r}; choose one of {valid_names(ACTIVATIONS)}")
        return v


class NeuronConfig(DataConfig):
    """The single-neuron step-through: the seed's neuron on a binary or 1-D regression task."""

    task: str = Field(default="and", min_length=1, max_length=80)
    activation: str = _K["activation"].default_for(_NP)
    bias: bool = _K["bias"].default_for(_NP)
    eta: float = _K["eta"].field(_NP, le=10)
    alpha: float = _K["alpha"].field(_NP, le=10)
    show: int = Field(default=5, ge=1, le=20)  # samples listed row by row

    @field_validator("activation")
    @classmethod
    def _known_activation(cls, v: str) -> str:
        if v not in ACTIVATIONS:
            raise ValueError(f"unknown activation {v!r}; choose one of {valid_names(ACTIVATIONS)}")
        return v


def load_data(config: DataConfig, csv_loader: Callable[[str, int, float], Task] | None = None) -> Task:
    """The config's task with no validation split (the playground shows train and test only).

    Only tasks with one or two inputs can be drawn; others are refused with a pointer to the CLI.
    """
    test_fraction = round(1.0 - config.train_ratio, 6)
    if config.task.startswith("csv:"):
        if csv_loader is None:
            raise TaskError("uploaded tables are not available here; upload the CSV again")
        task = csv_loader(config.task[4:], config.seed, test_fraction)
    else:
        params: dict[str, object] = {"seed": config.seed, "val_fraction": 0.0, "test_fraction": test_fraction}
        valid = task_params(config.task)  # raises TaskError for an unknown task
        for key in ("noise", "n_samples"):
            value = getattr(config, key)
            if value is not None:
                if key not in valid:
                    raise TaskError(f"task {config.task!r} has no {key}; leave it empty")
                params[key] = value
        task = load_task(config.task, **params)
    if task.n_features > 2:
        command = ("neuronlab train FILE.csv --target COLUMN" if config.task.startswith("csv:")
                   else f"neuronlab train {config.task}")
        raise TaskError(f"the playground draws tasks with 1 or 2 inputs; {config.task!r} has {task.n_features}: "
                        f"train it from a terminal with `{command}`")
    return task


def check_features(features: tuple[str, ...], n_inputs: int) -> None:
    """A 1-D task has no x2: refuse features that need it."""
    if n_inputs == 1 and (bad := [f for f in features if "x2" in f]):
        raise ConfigError(f"this task has one input (x1); remove feature {bad[0]!r}")
