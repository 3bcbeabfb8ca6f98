"""One experiment as a typed spec: the task, the model, how it trains and how it is evaluated.

Every value is checked when the spec is built, and the task is dry-run loaded (see
:mod:`~neuronlab.experiments.task_spec`) so a bad task or a model too big for it fails at load time
with its key.  ``canonical()`` / ``spec_hash()`` give an experiment its identity: every default filled
in, name, notes and seeds left out, so renaming a run or adding notes does not make it a new experiment.

Code that re-reads a stored spec without its data (a CSV that has moved) can skip the task dry-run:
``ExperimentSpec.model_validate(data, context={"check_task": False})``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from neuronlab import config, limits
from neuronlab.errors import valid_names
from neuronlab.experiments.canonical import canonical_hash, canonical_params, sort_keys
from neuronlab.experiments.spec_errors import short
from neuronlab.experiments.spec_types import STRICT, Feature, ModelKind, Optimizer, Seed, Width
from neuronlab.experiments.task_spec import TaskSpec, TaskSummary, task_label, task_summary
from neuronlab.nn.activations import ACTIVATIONS

if TYPE_CHECKING:
    from neuronlab.tasks.base import Task

_K = config.KNOBS


class ModelSpec(BaseModel):
    """What learns: the model kind and its construction."""

    model_config = STRICT

    kind: ModelKind = "mlp"
    hidden: tuple[Width, ...] = Field(default=(40,), min_length=1, strict=False)  # mlp: hidden-layer widths
    activation: str | None = None  # None: the model's default (mlp relu; neuron sigmoid, regression identity)
    bias: bool = True
    n_neurons: Width = 1  # neuron: neurons side by side, each fitting a part of the function
    backend: Literal["numpy", "torch"] = "numpy"  # neuron: the hand-made NumPy neuron or its torch twin
    scale: bool = True  # StandardScaler fitted on the training data only
    feature: Feature = "none"  # a hand-made map of the raw inputs, applied first (Hall–Petch: inv_sqrt)

    @field_validator("activation")
    @classmethod
    def _known_activation(cls, v: str | None) -> str | None:
        if v is not None and v not in ACTIVATIONS:
            raise ValueError(f"must be one of {valid_names(ACTIVATIONS)}, got {v!r}")
        return v

    @field_validator("hidden")
    @classmethod
    def _bounded_hidden(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        limits.DEPTH.check(len(v), "has {} layers")
        for width in v:
            limits.WIDTH.check(width, "has a layer of {} units")
        return v

    @field_validator("n_neurons")
    @classmethod
    def _bounded_neurons(cls, v: int) -> int:
        return limits.WIDTH.check(v, "= {}")


class TrainSpec(BaseModel):
    """How it learns (neural models only; linear models and GPs ignore this table).  Every field's
    default, bound and meaning come from its one declaration in ``neuronlab.config``."""

    model_config = STRICT

    eta: float = _K["eta"].field("spec")
    alpha: float = _K["alpha"].field("spec")
    optimizer: Optimizer = _K["optimizer"].default_for("spec")  # mlp only: the neuron follows the seed's plain GD
    momentum: float = _K["momentum"].field("spec")
    batch_size: int = _K["batch_size"].field("spec", ge=0)  # 0: the full batch
    max_epochs: int = _K["max_epochs"].field("spec")
    early_stopping: bool = _K["early_stopping"].default_for("spec")
    n_iter_no_change: int = _K["n_iter_no_change"].field("spec")
    validation_fraction: float = _K["validation_fraction"].field("spec")
    tol: float = _K["tol"].field("spec")

    @field_validator("max_epochs", "n_iter_no_change")
    @classmethod
    def _bounded_epochs(cls, v: int) -> int:
        return limits.EPOCHS.check(v, "= {}")

    @field_validator("batch_size")
    @classmethod
    def _bounded_batch(cls, v: int) -> int:
        return limits.SAMPLES.check(v, "= {}")


class EvaluateSpec(BaseModel):
    """How well it learned: one holdout split, or cross-validation on train + val."""

    model_config = STRICT

    method: Literal["holdout", "cv"] = "holdout"
    cv: Literal["kfold", "group"] = "kfold"  # group: whole specimens per fold (needs a task with groups)
    n_splits: int = Field(default=5, ge=2)

    @field_validator("n_splits")
    @classmethod
    def _bounded_folds(cls, v: int) -> int:
        return limits.FOLDS.check(v, "= {}")


class ExperimentSpec(BaseModel):
    """One experiment: a task, a model, how to train and evaluate it, and the seeds to repeat it with."""

    model_config = STRICT
    more_keys: ClassVar[tuple[str, ...]] = ("sweep",)  # a file's [sweep] table, taken off before validation

    name: str = Field(min_length=1)
    notes: str = ""  # what I expect and why: the lab notebook entry
    seeds: tuple[Seed, ...] = Field(default=(0,), min_length=1, strict=False)
    task: TaskSpec
    model: ModelSpec = ModelSpec()  # frozen, so one shared default instance is safe
    train: TrainSpec = TrainSpec()
    evaluate: EvaluateSpec = EvaluateSpec()

    @field_validator("seeds")
    @classmethod
    def _distinct_seeds(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        limits.RUNS.check(len(v), "has {} seeds")
        if len(set(v)) != len(v):
            raise ValueError(f"must be distinct, got {short(list(v))}")
        return v

    @model_validator(mode="after")
    def _task_loads(self, info: ValidationInfo) -> ExperimentSpec:
        """Dry-run load the task (cached), so bad task names and params fail now, with their key."""
        context = info.context or {}
        if not context.get("check_task", True):
            return self
        task = task_summary(self.task, str(context.get("base_dir") or ""))
        kind, has_groups = task.kind, task.has_groups
        if self.evaluate.method == "cv" and self.evaluate.cv == "group" and not has_groups:
            raise ValueError(f"evaluate.cv = 'group' needs a task with groups and task "
                             f"{task_label(self.task)} has none; use cv = 'kfold' (or a csv task with "
                             f"groups = '<column>')")
        if self.model.kind == "neuron" and kind == "multiclass":
            raise ValueError(f"model.kind = 'neuron' has one output and task {task_label(self.task)} is "
                             f"multiclass; use kind = 'mlp'")
        self._check_size(task)
        return self

    def _check_size(self, task: TaskSummary) -> None:
        """The model on this task within the limits (weights, a batch's activations, a GP's kernel),
        known from the dry-run task before any run allocates them."""
        m, rows = self.model, task.n_dev
        if m.kind == "gp":
            limits.GP_SAMPLES.check(rows, f"model.kind = 'gp' on {{}} rows of task {task_label(self.task)}")
        if m.kind not in ("mlp", "neuron"):
            return
        hidden = m.hidden if m.kind == "mlp" else (m.n_neurons,) if m.n_neurons > 1 else ()
        batch = min(self.train.batch_size or rows, rows)
        limits.check_network((task.n_features, *hidden, task.n_outputs), batch_rows=batch, bias=m.bias,
                             what=f"the model on task {task_label(self.task)}")

    def canonical(self) -> dict[str, Any]:
        """The experiment's identity: a JSON-able dict, every default filled in, keys sorted, without
        name, notes and seeds (renaming or annotating a run does not change what was run).  Every
        table stays in, even one the model kind ignores ([train] for a GP): simple beats clever here."""
        return sort_keys(self.model_dump(mode="json", exclude={"name", "notes", "seeds"}))

    def spec_hash(self) -> str:
        """sha256 of the canonical JSON (sorted keys, no whitespace, floats by their shortest repr)."""
        return canonical_hash(self.canonical())

    def model_params(self) -> dict[str, Any]:
        """Keyword arguments for ``fit_and_score(task, self.model.kind, **params)``: only the keys
        that mean something for this model kind (linear models and GPs take no training settings)."""
        m, t = self.model, self.train
        params: dict[str, Any] = {"scale": m.scale}
        if m.feature != "none":
            params["feature"] = m.feature
        if m.kind in ("linear", "gp"):
            return params
        if m.activation is not None:
            params["activation"] = m.activation
        params.update(
            eta=t.eta, alpha=t.alpha, batch_size=t.batch_size or None, max_epochs=t.max_epochs,
            early_stopping=t.early_stopping, n_iter_no_change=t.n_iter_no_change,
            validation_fraction=t.validation_fraction, tol=t.tol, bias=m.bias,
        )
        if m.kind == "mlp":
            params.update(hidden=tuple(m.hidden), optimizer=t.optimizer, momentum=t.momentum)
        else:
            params.update(n_neurons=m.n_neurons, backend=m.backend)
        return params

    def flat_params(self) -> dict[str, Any]:
        """Dotted keys → values of the canonical dict (lists as tuples, so values compare and hash);
        what "compare: only the parameters that differ" reads."""
        return canonical_params(self.canonical())

    def load_task(self, seed: int | None = None, *, base_dir: str | Path | None = None) -> Task:
        """The experiment's Task for ``seed`` (csv paths relative to ``base_dir``, the spec file's folder)."""
        return self.task.load(seed, base_dir=base_dir)
