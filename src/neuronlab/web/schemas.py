"""Request and response models of the JSON API (separate from the store's records and the sessions).

Frames and step traces travel as plain JSON objects (``dict``): they are built by the library
(:meth:`neuronlab.playground.Session.frame`), and re-validating 10–20 of them a second per student
would cost more than computing them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from neuronlab.playground import NeuronConfig, PlaygroundConfig
from neuronlab.playground.registry import MAX_CSV_BYTES
from neuronlab.playground.session import MAX_EPOCHS

_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)


class WeightIn(BaseModel):
    """One weight (``col`` = input index) or bias (``col`` null) of ``layer`` (0 = first hidden layer)."""

    model_config = _STRICT
    layer: int = Field(ge=0, le=10)
    row: int = Field(ge=0, le=1000)
    col: int | None = Field(default=None, ge=0, le=1000)
    value: float = Field(ge=-1000, le=1000)


class EditIn(WeightIn):
    epoch: int = Field(ge=0, le=MAX_EPOCHS)


class PlaygroundIn(BaseModel):
    """A session to start: the config, and the state to replay (the page's URL holds all three)."""

    model_config = _STRICT
    config: PlaygroundConfig = PlaygroundConfig()
    epoch: int = Field(default=0, ge=0, le=MAX_EPOCHS)
    edits: list[EditIn] = Field(default_factory=list, max_length=200)


class StepIn(BaseModel):
    """Epochs to train (the compute budget may refuse fewer: it names the most it allows); ``curve``
    false leaves the loss curve out of the answer (the page's play loop draws each frame's losses)."""

    model_config = _STRICT
    epochs: int = Field(default=1, ge=1, le=1000)
    curve: bool = True


class CsvIn(BaseModel):
    """A user's table as text (at most 1 MB) and the column to predict."""

    model_config = _STRICT
    text: str = Field(min_length=1, max_length=MAX_CSV_BYTES)
    target: str = Field(min_length=1, max_length=200)


class PredictIn(BaseModel):
    model_config = _STRICT
    X: list[list[float]] = Field(min_length=1, max_length=20_000)


class NoteIn(BaseModel):
    model_config = _STRICT
    text: str = Field(min_length=1, max_length=5000)


class NeuronIn(BaseModel):
    model_config = _STRICT
    config: NeuronConfig = NeuronConfig()


class SessionOut(BaseModel):
    id: str
    config: dict[str, Any]
    info: dict[str, Any]
    state: dict[str, Any]
    frame: dict[str, Any]


class FrameOut(BaseModel):
    state: dict[str, Any]
    frame: dict[str, Any]
    stopped: str | None = None  # why a step trained fewer epochs than asked (time limit, shutdown, divergence …)


class NeuronOut(BaseModel):
    id: str
    config: dict[str, Any]
    info: dict[str, Any]
    state: dict[str, Any]


class DatasetOut(BaseModel):
    task: str  # "csv:<key>", for PlaygroundConfig.task


class SavedOut(BaseModel):
    run_id: int
    url: str


class PredictOut(BaseModel):
    y: list[float]


class TaskOut(BaseModel):
    name: str
    kind: str
    n_features: int
    ceiling: float | None
    description: str
    params: dict[str, Any]


class RunOut(BaseModel):
    """A run as listed: what ``neuronlab runs list --json`` prints."""

    id: int
    experiment: str
    task: str
    model: str
    seed: int
    status: str
    sweep: str | None
    spec_hash: str
    oneoff: bool
    created_at: datetime
    finished_at: datetime | None
    duration_s: float | None
    diverged_epoch: int | None
    metrics: dict[str, Any]
    params: dict[str, Any]


class RunDetailOut(RunOut):
    spec: dict[str, Any]
    versions: dict[str, Any]
    error: str | None
    notes: str | None
    history: dict[str, list[float | None]] | None
    artifacts: list[str]


class CompareOut(BaseModel):
    run_ids: list[int]
    differing: dict[str, list[Any]]
    same: dict[str, Any]
    metrics: dict[str, list[Any]]
    histories: dict[str, dict[str, list[float | None]] | None]
    artifacts: dict[str, list[str]]
