"""The comparison study's protocol and findings as data: what :func:`~neuronlab.studies.compare.compare_arrays`
returns, and what the store, the report and the CLI read (each with a ``to_dict`` for the recorded run).

Plain records, no fitting: the protocol checks its own numbers once, everything else only holds and
reports what the study measured."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neuronlab import limits
from neuronlab.errors import ConfigError
from neuronlab.studies.compare_checks import NoiseCeiling
from neuronlab.studies.compare_folds import Split
from neuronlab.studies.compare_holdout import HoldoutVerdict
from neuronlab.studies.compare_models import ModelSpec
from neuronlab.studies.stats import Posterior, TTest
from neuronlab.tasks.registry import check_seed

MAX_REPEATS = 100


@dataclass(frozen=True)
class Protocol:
    """How the study splits and judges: checked once, stored with every recorded run."""

    folds: int = 5
    repeats: int = 10
    rope: float = 0.01
    seed: int = 0

    def __post_init__(self) -> None:
        for name, value, low in (("folds", self.folds, 2), ("repeats", self.repeats, 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(f"{name} must be a whole number >= {low}, got {value!r}")
        limits.FOLDS.check(self.folds, "folds = {}")
        if self.repeats > MAX_REPEATS:
            raise ConfigError(f"repeats = {self.repeats}, over the limit of {MAX_REPEATS}; "
                              "10 repeats already pin the mean difference down")
        if isinstance(self.rope, bool) or not isinstance(self.rope, int | float) or not (
                math.isfinite(self.rope) and 0 <= self.rope < 1e6):
            raise ConfigError(f"rope must be a finite number >= 0 (in units of the score), got {self.rope!r}")
        check_seed(self.seed)

    def to_dict(self) -> dict[str, Any]:
        return {"folds": self.folds, "repeats": self.repeats, "rope": self.rope, "seed": self.seed}


@dataclass
class CurvePoint:
    """One training size of the learning curve: its mean number of training rows and every model's mean
    score (NaN where every fit at that size failed, e.g. a class missing from a tiny subsample)."""

    fraction: float
    n_train: float
    scores: dict[str, float]


@dataclass
class Leak:
    """Ungrouped KFold against the grouped folds for one model: the gap and the fold spread it must beat."""

    kfold_mean: float
    grouped_mean: float
    spread: float

    @property
    def gap(self) -> float:
        return self.kfold_mean - self.grouped_mean

    @property
    def leaks(self) -> bool:
        return self.gap > self.spread

    def to_dict(self) -> dict[str, Any]:
        return {"kfold_mean": self.kfold_mean, "grouped_mean": self.grouped_mean, "gap": self.gap,
                "spread": self.spread, "leaks": self.leaks}


@dataclass
class ModelResult:
    """One model's scores, ``scores[r, k]`` on fold k of repeat r, and its leakage check."""

    spec: ModelSpec
    scores: np.ndarray
    leak: Leak | None = None

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def mean(self) -> float:
        return float(np.mean(self.scores))

    @property
    def std(self) -> float:
        return float(np.std(self.scores, ddof=1)) if self.scores.size > 1 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "kind": self.spec.kind, "features": list(self.spec.feature_texts),
                "mean": self.mean, "std": self.std, "scores": self.scores.tolist(),
                "leak": None if self.leak is None else self.leak.to_dict()}


@dataclass
class PairResult:
    """``a − b`` fold by fold on the same folds, both tests, the crossover and the verdict sentence."""

    a: str
    b: str
    diffs: np.ndarray
    corrected: TTest
    naive: TTest
    posterior: Posterior
    crossover: float | None
    verdict: str
    curve_sentence: str

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "diffs": self.diffs.tolist(), "corrected_ttest": self.corrected.to_dict(),
                "naive_ttest": self.naive.to_dict(), "bayesian": self.posterior.to_dict(),
                "crossover_n_train": self.crossover, "verdict": self.verdict, "learning_curve": self.curve_sentence}


@dataclass
class CompareResult:
    """Everything the study found: per model, per pair, the learning curve, the ceiling, the protocol."""

    name: str
    target: str
    groups: str | None
    kind: str
    metric: str
    n_rows: int
    n_groups: int | None
    protocol: Protocol
    n_train: float  # mean rows per training fold
    n_test: float  # mean rows per test fold
    models: list[ModelResult]
    pairs: list[PairResult]
    curve: list[CurvePoint]
    ceiling: NoiseCeiling | None
    splits: list[Split] = field(default_factory=list, repr=False)
    data_sha256: str = ""
    holdout: list[HoldoutVerdict] = field(default_factory=list)  # per pair, when a test split is held out

    def model(self, label: str) -> ModelResult:
        for m in self.models:
            if m.label == label:
                return m
        raise KeyError(f"no model {label!r}; models are {[m.label for m in self.models]}")

    def pair(self, a: str, b: str) -> PairResult:
        for p in self.pairs:
            if (p.a, p.b) == (a, b):
                return p
        raise KeyError(f"no pair {a!r} vs {b!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"study": "compare", "name": self.name, "target": self.target, "groups": self.groups,
                "kind": self.kind, "metric": self.metric, "n_rows": self.n_rows, "n_groups": self.n_groups,
                "protocol": self.protocol.to_dict(), "n_train": self.n_train, "n_test": self.n_test,
                "data_sha256": self.data_sha256, "models": [m.to_dict() for m in self.models],
                "pairs": [p.to_dict() for p in self.pairs],
                "learning_curve": [{"fraction": c.fraction, "n_train": c.n_train, "scores": c.scores}
                                   for c in self.curve],
                "noise_ceiling": None if self.ceiling is None else self.ceiling.to_dict(),
                "holdout": [h.to_dict() for h in self.holdout]}
