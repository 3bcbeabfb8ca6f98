"""Good configurations per task, for the playground's "Presets" picker: a curated table, and the best
runs saved from the playground.

Why a table that states numbers: a preset is a promise ("x1·x2 alone solves XOR in 30 epochs"), and a
promise on a teaching page must hold.  Each entry states the epochs and the test score (accuracy, R² for
regression) that its config reaches from its seed, trained by the same :class:`Session` the page
trains; ``tests/playground/test_presets.py`` trains every entry and checks the claim, so a change of
engine or task that breaks one fails there, not in front of a class.  The data knobs (noise, samples,
split, seed) stay at their defaults, so the page replays exactly the run that was measured.

The saved runs come from the store's lab-wide runs only (``lab_only``): a run saved in a class is its
class's, and never shown here (the open run browser does not show it either).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError

from neuronlab.playground.config import PlaygroundConfig
from neuronlab.playground.session import WeightEdit
from neuronlab.store import RunStore, RunSummary

MAX_SCANNED = 5000  # newest runs of a task looked through for the best saved ones
TOP = 3


@dataclass(frozen=True)
class Preset:
    """A curated configuration: trained ``epochs`` epochs from its seed, its test score is at least ``score``."""

    name: str  # what the picker lists
    why: str  # what it shows a student
    config: PlaygroundConfig
    epochs: int
    score: float  # test accuracy (classification) or R² (regression), measured and rounded down


@dataclass(frozen=True)
class SavedPreset:
    """A run saved from the playground ("Save as run"), as the picker offers it: replayable from its URL state."""

    run_id: int
    metric: Literal["accuracy", "r2"]
    score: float  # on the run's own test split
    config: PlaygroundConfig
    epoch: int
    edits: tuple[WeightEdit, ...]
    created_at: datetime


def _preset(name: str, why: str, epochs: int, score: float, **config: Any) -> Preset:
    return Preset(name, why, PlaygroundConfig(**config), epochs, score)


_X = ("x1", "x2")
_ADAM = {"optimizer": "adam", "eta": 0.03}
BUILTIN: tuple[Preset, ...] = (
    _preset("x1·x2 alone, no hidden layer", "the right feature makes XOR a straight line: one neuron suffices",
            30, 1.0, task="xor", features=("x1*x2",), hidden=(), eta=1.0),
    _preset("x1, x2 → 4 tanh", "no hand-made feature: four hidden neurons learn the x1·x2 pattern themselves",
            500, 1.0, task="xor", features=_X, hidden=(4,), **_ADAM),
    _preset("x1², x2² alone, no hidden layer", "a circle is a line in (x1², x2²): one neuron draws it",
            50, 0.95, task="circles", features=("x1^2", "x2^2"), hidden=(), eta=1.0),
    _preset("x1, x2 → 4 tanh", "four hidden lines bend into a closed boundary",
            500, 0.945, task="circles", features=_X, hidden=(4,), **_ADAM),
    _preset("sin features → 8, 8 tanh (Adam)", "sin x1 and sin x2 already wind like the spirals; two layers finish it",
            1500, 0.99, task="spirals", features=("x1", "x2", "sin(x1)", "sin(x2)"), hidden=(8, 8),
            optimizer="adam", eta=0.01),
    _preset("x1, x2 → 8 tanh (Adam)", "one hidden layer of eight bends the line around both moons",
            300, 0.96, task="moons", features=_X, hidden=(8,), **_ADAM),
    _preset("one neuron", "the classes overlap: a line is already the best possible boundary",
            100, 0.87, task="gaussians", features=_X, hidden=(), eta=1.0),
    _preset("one neuron", "AND is linearly separable: one neuron, a steep step",
            500, 0.99, task="and", features=_X, hidden=(), eta=3.0),
    _preset("one neuron", "OR is linearly separable: one neuron", 100, 1.0, task="or", features=_X, hidden=(), eta=1.0),
    _preset("one neuron", "separable with a margin: one neuron, a few epochs",
            50, 1.0, task="linear", features=_X, hidden=(), eta=1.0),
    _preset("three outputs, no hidden layer", "softmax over three lines separates the three blobs",
            100, 0.97, task="blobs", features=_X, hidden=(), eta=1.0),
    _preset("a linear neuron", "the target is a plane: no hidden layer needed",
            100, 0.96, task="plane", features=_X, hidden=(), eta=0.3),
    _preset("sin features → 8, 8 tanh (Adam)", "six cones from 200 points: R² 0.93 of a 0.97 ceiling — more "
            "samples close the gap", 2000, 0.93, task="gauss_bumps", features=("x1", "x2", "sin(x1)", "sin(x2)"),
            hidden=(8, 8), optimizer="adam", eta=0.01),
    _preset("x1 → 8 tanh (Adam)", "eight tanh neurons add up to one period of a sine",
            500, 0.977, task="sin", features=("x1",), hidden=(8,), **_ADAM),
    _preset("a linear neuron", "y = x: the output neuron alone", 100, 0.996, task="identity", features=("x1",),
            hidden=()),
    _preset("x1 and x1², no hidden layer", "with x1² given, a parabola is linear", 100, 0.998, task="square",
            features=("x1", "x1^2"), hidden=()),
    _preset("x1 → 8 tanh (Adam)", "sinh bends at both ends: eight tanh neurons follow it",
            500, 0.999, task="sinh", features=("x1",), hidden=(8,), **_ADAM),
    _preset("d → 4 tanh (Adam)", "yield stress falls as 1/√d: four neurons fit the curve",
            1000, 0.97, task="hall_petch", features=("x1",), hidden=(4,), **_ADAM),
)


def builtin(task: str) -> list[Preset]:
    """The curated presets of ``task`` (none for an uploaded table or a task without one)."""
    return [p for p in BUILTIN if p.config.task == task]


def _test_score(metrics: dict[str, Any] | None) -> tuple[Literal["accuracy", "r2"], float] | None:
    """("accuracy" or "r2", its finite value) on the run's test split, or None (a diverged net has none)."""
    test = (metrics or {}).get("test") or {}
    metric: Literal["accuracy", "r2"] = "accuracy" if "accuracy" in test else "r2"
    value = test.get(metric)
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return metric, float(value)
    return None


def _saved(run: RunSummary, spec: Any) -> SavedPreset | None:
    """The picker's entry for a stored run, or None when it is not a replayable playground state with a
    test score (an older spec, a diverged net)."""
    scored = _test_score(run.metrics)
    if scored is None or not isinstance(spec, dict):
        return None
    epoch = spec.get("epoch")
    try:
        config = PlaygroundConfig.model_validate(spec.get("playground"))
        edits = tuple(WeightEdit(**e) for e in spec.get("edits") or ())
    except (ValidationError, TypeError):
        return None
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
        return None
    if any(not isinstance(e.epoch, int) or not 0 <= e.epoch <= epoch for e in edits):  # the page could not replay it
        return None
    return SavedPreset(run.id, *scored, config, epoch, edits, run.created_at)


def best_saved(store: RunStore, task: str, *, limit: int = TOP) -> list[SavedPreset]:
    """The ``limit`` best lab-wide playground runs of ``task`` by test score (ties: the newest first).

    Reads the summaries of the task's newest ``MAX_SCANNED`` runs, then the specs of the best only."""
    scored = [(s[1], r) for r in store.list_runs(task=task, status="done", limit=MAX_SCANNED, lab_only=True)
              if r.experiment == "playground" and (s := _test_score(r.metrics)) is not None]
    scored.sort(key=lambda pair: pair[0], reverse=True)  # stable: equal scores keep the newest-first order
    out: list[SavedPreset] = []
    for _, run in scored:
        entry = _saved(run, store.get(run.id).spec)
        if entry is not None:
            out.append(entry)
            if len(out) == limit:
                break
    return out
