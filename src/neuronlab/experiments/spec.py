"""Experiments and sweeps as data: typed Pydantic models read from TOML and stored with every run.

The Imperial practical asks students to "experiment with model construction, task, learning
parameters — document as you go!".  An experiment is therefore a file, not a notebook cell: one
typed spec with commented defaults (nanoGPT's config), unknown keys refused, every value checked
before anything runs, and the task dry-run loaded so a misspelt task parameter fails at load time
with the file and the key, not twenty minutes into a sweep.

``canonical()`` / ``spec_hash()`` give an experiment its identity: every default filled in, name,
notes and seeds left out, so renaming a run or adding notes does not make it a new experiment.

Code that re-reads a stored spec without its data (a CSV that has moved) can skip the task dry-run:
``ExperimentSpec.model_validate(data, context={"check_task": False})``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NamedTuple, TypeVar

import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from neuronlab import config, limits
from neuronlab.errors import DataError, NeuronlabError, TaskError, valid_names
from neuronlab.experiments import sweep as sweeps
from neuronlab.nn.activations import ACTIVATIONS

if TYPE_CHECKING:
    from neuronlab.tasks.base import Task


class SpecError(NeuronlabError, ValueError):
    """An experiment or sweep file cannot be used; the one-line message names the file and the key."""


# Kept literal (not imported from nn/train) so reading a spec never imports torch; tests check that
# these match neuronlab.estimators.registry.MODELS and neuronlab.config.OPTIMIZERS.
ModelKind = Literal["neuron", "mlp", "linear", "gp", "bayes_neuron"]
Optimizer = Literal["sgd", "momentum", "adam"]  # config.OPTIMIZERS (a Literal needs them spelled out)
_K = config.KNOBS
Feature = Literal["none", "inv_sqrt", "sqrt", "log", "square"]
CSV_PARAMS = ("kind", "test_fraction", "val_fraction")  # load_csv's keywords a spec may set

_STRICT = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
Width = Annotated[int, Field(ge=1)]
Seed = Annotated[int, Field(ge=0, lt=2**32)]


class TaskSpec(BaseModel):
    """What to learn: a built-in task by ``name`` with loader ``params``, or a CSV file."""

    model_config = _STRICT

    name: str | None = None  # a built-in task: neuronlab.tasks.list_tasks()
    csv: str | None = None  # or a CSV file (relative paths: from the spec file's folder) ...
    target: str | None = None  # ... with its target column
    groups: str | None = None  # ... and optionally a group column (specimens), for grouped splits and cv
    params: dict[str, Any] = Field(default_factory=dict)  # the loader's keywords (n_samples, noise, ...)

    @model_validator(mode="after")
    def _one_source(self) -> TaskSpec:
        if (self.name is None) == (self.csv is None):
            raise ValueError("needs exactly one of name = '<built-in task>' or csv = '<file.csv>'")
        if self.csv is not None and self.target is None:
            raise ValueError("csv needs target = '<column to predict>'")
        if self.name is not None and (self.target is not None or self.groups is not None):
            raise ValueError("target and groups are for csv tasks; a built-in task knows its own")
        if self.csv is not None and (bad := sorted(set(self.params) - set(CSV_PARAMS))):
            raise ValueError(f"has params key {bad[0]!r}, which a csv task does not take; valid: "
                             f"{valid_names(CSV_PARAMS)}")
        return self

    @field_validator("params")
    @classmethod
    def _no_seed(cls, v: dict[str, Any]) -> dict[str, Any]:
        if "seed" in v:
            raise ValueError("must not set seed: each run's seed comes from the top-level seeds list")
        return v

    def load(self, seed: int | None = None, *, base_dir: str | Path | None = None) -> Task:
        """Build the :class:`~neuronlab.tasks.Task` (``seed`` None: the loader's default)."""
        from neuronlab.tasks import load_csv, load_task

        params = dict(self.params) if seed is None else {**self.params, "seed": seed}
        if self.name is not None:
            return load_task(self.name, **params)
        path = Path(self.csv or "")
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        return load_csv(path, str(self.target), groups=self.groups, **params)


class ModelSpec(BaseModel):
    """What learns: the model kind and its construction."""

    model_config = _STRICT

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

    model_config = _STRICT

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

    model_config = _STRICT

    method: Literal["holdout", "cv"] = "holdout"
    cv: Literal["kfold", "group"] = "kfold"  # group: whole specimens per fold (needs a task with groups)
    n_splits: int = Field(default=5, ge=2)

    @field_validator("n_splits")
    @classmethod
    def _bounded_folds(cls, v: int) -> int:
        return limits.FOLDS.check(v, "= {}")


class ExperimentSpec(BaseModel):
    """One experiment: a task, a model, how to train and evaluate it, and the seeds to repeat it with."""

    model_config = _STRICT

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
            raise ValueError(f"must be distinct, got {_short(list(v))}")
        return v

    @model_validator(mode="after")
    def _task_loads(self, info: ValidationInfo) -> ExperimentSpec:
        """Dry-run load the task (cached), so bad task names and params fail now, with their key."""
        context = info.context or {}
        if not context.get("check_task", True):
            return self
        task = _task_summary(self.task, str(context.get("base_dir") or ""))
        kind, has_groups = task.kind, task.has_groups
        if self.evaluate.method == "cv" and self.evaluate.cv == "group" and not has_groups:
            raise ValueError(f"evaluate.cv = 'group' needs a task with groups and task "
                             f"{_task_label(self.task)} has none; use cv = 'kfold' (or a csv task with "
                             f"groups = '<column>')")
        if self.model.kind == "neuron" and kind == "multiclass":
            raise ValueError(f"model.kind = 'neuron' has one output and task {_task_label(self.task)} is "
                             f"multiclass; use kind = 'mlp'")
        self._check_size(task)
        return self

    def _check_size(self, task: TaskSummary) -> None:
        """The model on this task within the limits (weights, a batch's activations, a GP's kernel),
        known from the dry-run task before any run allocates them."""
        m, rows = self.model, task.n_dev
        if m.kind == "gp":
            limits.GP_SAMPLES.check(rows, f"model.kind = 'gp' on {{}} rows of task {_task_label(self.task)}")
        if m.kind not in ("mlp", "neuron"):
            return
        hidden = m.hidden if m.kind == "mlp" else (m.n_neurons,) if m.n_neurons > 1 else ()
        batch = min(self.train.batch_size or rows, rows)
        limits.check_network((task.n_features, *hidden, task.n_outputs), batch_rows=batch, bias=m.bias,
                             what=f"the model on task {_task_label(self.task)}")

    def canonical(self) -> dict[str, Any]:
        """The experiment's identity: a JSON-able dict, every default filled in, keys sorted, without
        name, notes and seeds (renaming or annotating a run does not change what was run).  Every
        table stays in, even one the model kind ignores ([train] for a GP): simple beats clever here."""
        return _sort_keys(self.model_dump(mode="json", exclude={"name", "notes", "seeds"}))

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


def canonical_hash(canonical: dict[str, Any]) -> str:
    """``spec_hash`` of a spec whose ``canonical()`` is given (a sweep's claims build it once per run)."""
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def canonical_params(canonical: dict[str, Any]) -> dict[str, Any]:
    """``flat_params`` of a spec whose ``canonical()`` is given."""
    return {k: _freeze(v) for k, v in sorted(_flatten(canonical))}


# --------------------------------------------------------------------------------------------------
# Sweeps


class _Range(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, allow_inf_nan=False, populate_by_name=True
    )

    low: float
    high: float
    integer: bool = Field(default=False, alias="int")  # integer axis (a width, a count): both ends included

    @model_validator(mode="after")
    def _ordered(self) -> _Range:
        if self.low >= self.high:
            raise ValueError(f"needs low < high, got low = {self.low:g}, high = {self.high:g}")
        if self.integer and not (self.low.is_integer() and self.high.is_integer()):
            raise ValueError(f"int = true needs integer low and high, got {self.low:g} and {self.high:g}")
        return self


class Uniform(_Range):
    dist: Literal["uniform"]


class LogUniform(_Range):
    """Every decade equally likely: the right prior for eta and alpha, which span orders of magnitude."""

    dist: Literal["log-uniform"]

    @model_validator(mode="after")
    def _positive(self) -> LogUniform:
        if self.low <= 0:
            raise ValueError(f"log-uniform needs low > 0, got low = {self.low:g}")
        return self


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    dist: Literal["choice"]
    values: list[Any] = Field(min_length=1)


Distribution = Annotated[Uniform | LogUniform | Choice, Field(discriminator="dist")]
_DIST_TAGS = ("uniform", "log-uniform", "choice")


class RandomAxes(BaseModel):
    """``count`` points, each axis (any other key: a dotted path) drawn from its distribution."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)
    __pydantic_extra__: dict[str, Distribution] = Field(init=False)

    count: int = Field(ge=1)

    @field_validator("count")
    @classmethod
    def _bounded_count(cls, v: int) -> int:
        return limits.RUNS.check(v, "= {}")

    @model_validator(mode="before")
    @classmethod
    def _flatten_tables(cls, data: Any) -> Any:
        # `train.eta = {...}` without quotes is a nested TOML table; a distribution is the dict with "dist".
        if not isinstance(data, Mapping):
            return data
        out: dict[str, Any] = {}
        for key, value in data.items():
            if key != "count" and not _is_distribution_or_leaf(value):
                out.update(_flatten(value, f"{key}.", stop=_is_distribution_or_leaf))
            else:
                out[key] = value
        return out

    @property
    def axes(self) -> dict[str, Uniform | LogUniform | Choice]:
        return dict(self.model_extra or {})


class SweepAxes(BaseModel):
    """The ``[sweep]`` table: grid axes (cartesian product) and/or random axes, and the sampling seed."""

    model_config = _STRICT

    seed: Seed = 0  # of the Generator that draws the random points
    grid: dict[str, list[Any]] = Field(default_factory=dict)
    random: RandomAxes | None = None

    @field_validator("grid", mode="before")
    @classmethod
    def _flatten_grid(cls, v: Any) -> Any:
        if not isinstance(v, Mapping):
            return v
        return dict(_flatten(v))

    @field_validator("grid")
    @classmethod
    def _no_empty_axis(cls, v: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for path, values in v.items():
            if not values:
                raise ValueError(f"axis {path!r} has no values, so the sweep has zero points; "
                                 f"give at least one value")
        return v

    @model_validator(mode="after")
    def _has_points(self) -> SweepAxes:
        if not self.grid and self.random is None:
            raise ValueError("has no axes; add [sweep.grid] or [sweep.random], or drop [sweep]")
        both = sorted(set(self.grid) & set(self.random.axes if self.random else {}))
        if both:
            raise ValueError(f"axis {both[0]!r} is both a grid and a random axis; keep one")
        return self

    def paths(self) -> list[str]:
        return [*self.grid, *(self.random.axes if self.random else {})]

    def n_points(self) -> int:
        """How many points the sweep expands to, counted without expanding it."""
        return math.prod(len(v) for v in self.grid.values()) * (self.random.count if self.random else 1)


class SweepSpec(BaseModel):
    """A base experiment (the file's top-level keys) and the ``[sweep]`` that varies it."""

    model_config = _STRICT

    base: ExperimentSpec
    sweep: SweepAxes

    @model_validator(mode="after")
    def _bounded_runs(self) -> SweepSpec:
        """Points × seeds within limits.RUNS, counted before anything is expanded (a grid of 10⁸
        points grew past 3 GB before it said anything)."""
        runs = self.sweep.n_points() * len(self.base.seeds)
        limits.RUNS.check(runs, "the sweep has {} runs (grid points × random count × seeds)")
        return self

    @model_validator(mode="after")
    def _axes_exist(self) -> SweepSpec:
        data = self.base.model_dump(mode="json")
        paths = self.sweep.paths()
        for path in paths:
            # Below another axis (model.hidden.* under model.hidden) the shape is that axis's to set.
            parent = next((p for p in paths if path.startswith(p + ".")), None)
            sweeps.check_axis(data, parent or path, free=("task.params",))
        return self

    def points(self) -> list[dict[str, Any]]:
        """Axis path → value for every point, in expansion order (grid as written, first axis
        slowest; each grid point with the same ``count`` random draws)."""
        limits.RUNS.check(self.sweep.n_points() * len(self.base.seeds), "the sweep has {} runs")  # limit may change
        grid = sweeps.grid_points(self.sweep.grid)
        random = self.sweep.random
        drawn = [] if random is None else sweeps.random_points(
            {k: d.model_dump(by_alias=True) for k, d in random.axes.items()}, random.count, self.sweep.seed
        )
        return sweeps.combine(grid, drawn)

    def expand(self) -> list[ExperimentSpec]:
        """Every point as a full, validated ExperimentSpec named ``"<base name> [axis=value, ...]"``."""
        return self._expand(f"sweep {self.base.name!r}")

    def _expand(self, source: str, base_dir: str | Path | None = None) -> list[ExperimentSpec]:
        data = self.base.model_dump(mode="json")
        specs = []
        for i, point in enumerate(self.points()):
            label = sweeps.point_label(point)
            where = f"{source}: sweep point {i} [{label}]"
            try:
                values = sweeps.apply_point(data, point)
            except ValueError as err:
                raise SpecError(f"{where}: {err}") from None  # e.g. an index beyond a chosen depth
            values["name"] = f"{self.base.name} [{label}]"
            specs.append(_validate(ExperimentSpec, values, where, base_dir=base_dir))
        return specs


# --------------------------------------------------------------------------------------------------
# Reading and writing


def load_spec(path: str | Path) -> ExperimentSpec | SweepSpec:
    """Read an experiment (or, when it has a ``[sweep]`` table, a sweep) from a TOML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file; check the path") from None
    except (OSError, UnicodeDecodeError) as err:
        raise SpecError(f"{path}: cannot read the file ({err})") from None
    return loads_spec(text, source=str(path), base_dir=path.parent)


def loads_spec(
    text: str, *, source: str = "<string>", base_dir: str | Path | None = None
) -> ExperimentSpec | SweepSpec:
    """Parse and validate a spec from TOML text; every error is one SpecError line naming ``source``.

    A sweep is expanded once here, so a bad point (eta = -1 in a grid) fails at load time too.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"{source}: invalid TOML: {err}; fix the syntax there") from None
    if "sweep" not in data:
        return _validate(ExperimentSpec, data, source, base_dir=base_dir)
    sweep_data = data.pop("sweep")
    spec = _validate(SweepSpec, {"base": data, "sweep": sweep_data}, source, base_dir=base_dir)
    spec._expand(source, base_dir)
    return spec


def spec_from_dict(data: dict[str, Any], *, source: str, base_dir: str | Path | None = None) -> ExperimentSpec:
    """An experiment from a plain dict (e.g. the CLI's flags), with the same one-line errors as a file."""
    return _validate(ExperimentSpec, data, source, base_dir=base_dir)


def dump_spec(spec: ExperimentSpec | SweepSpec) -> str:
    """TOML text with every default written out (the full record of what ran); loads back equal."""
    if isinstance(spec, SweepSpec):
        axes = _toml_data(spec.sweep)
        if "random" in axes:  # write each distribution's `dist` first, as a person would
            axes["random"] = {k: {"dist": v.pop("dist"), **v} if isinstance(v, dict) else v
                              for k, v in axes["random"].items()}
        data = {**_toml_data(spec.base), "sweep": axes}
    else:
        data = _toml_data(spec)
    return tomli_w.dumps(data, multiline_strings=True)


def _toml_data(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)  # TOML has no null


# --------------------------------------------------------------------------------------------------
# Helpers: task dry-run, pydantic errors as one line, dict flattening


class TaskSummary(NamedTuple):
    """What validation needs to know of a task: its kind, groups and sizes (at the default seed)."""

    kind: str
    has_groups: bool
    n_dev: int  # train + val rows: the most a model is fitted on (holdout or cross-validation)
    n_features: int
    n_outputs: int  # the network's output units: one, or one per class


@functools.lru_cache(maxsize=512)
def _task_summary_cached(task_json: str, base_dir: str) -> TaskSummary:
    task = TaskSpec.model_validate_json(task_json).load(base_dir=base_dir or None)
    outputs = task.n_classes if task.kind == "multiclass" else 1
    return TaskSummary(str(task.kind), task.groups_train is not None, len(task.y_train) + len(task.y_val),
                       task.n_features, outputs or 1)


def _task_summary(task: TaskSpec, base_dir: str) -> TaskSummary:
    """The task's summary at its default seed; TaskError/DataError/LimitError become the key's error."""
    try:
        return _task_summary_cached(task.model_dump_json(), base_dir)
    except limits.LimitError as err:
        raise ValueError(f"{'task.params' if task.name is not None else 'task.csv'}: {err}") from None
    except TaskError as err:
        if task.name is not None and task.name not in _task_names():
            raise ValueError(f"task.name {task.name!r} is not a built-in task; use one of "
                             f"{valid_names(_task_names())}, or csv = '<file.csv>'") from None
        raise ValueError(f"task.params: {err}") from None
    except DataError as err:
        raise ValueError(f"task.csv: {err}") from None


def _task_names() -> list[str]:
    from neuronlab.tasks import task_names

    return task_names()


def _task_label(task: TaskSpec) -> str:
    return repr(task.name) if task.name is not None else f"csv {task.csv!r}"


M = TypeVar("M", bound=BaseModel)


def _validate(cls: type[M], data: Any, source: str, *, base_dir: str | Path | None = None) -> M:
    try:
        return cls.model_validate(data, context={"base_dir": str(base_dir or "")})
    except ValidationError as err:
        errors = err.errors(include_url=False)
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        raise SpecError(f"{source}: {_describe(cls, errors[0])}{more}") from None


_TYPE_WORDS = {
    "float_type": "a number", "int_type": "an integer", "bool_type": "true or false",
    "string_type": "a string",
    "list_type": "a list", "tuple_type": "a list", "dict_type": "a table", "model_type": "a table",
    "model_attributes_type": "a table", "finite_number": "a finite number",
}
_COMPARE = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}


def _describe(root: type[BaseModel], error: Any) -> str:
    """One pydantic error as ``<dotted key> <what is wrong and what is allowed>``."""
    loc, kind, ctx = tuple(error["loc"]), error["type"], error.get("ctx") or {}
    if root is SweepSpec and loc[:1] == ("base",):
        loc, root = loc[1:], ExperimentSpec
    shown = [seg for seg in loc if seg not in _DIST_TAGS or "random" not in loc]
    key = _format_loc(shown)
    got = _short(error.get("input"))
    if kind == "extra_forbidden":
        table, allowed = _allowed_keys(root, loc[:-1])
        return f"unknown key {key!r} in {table}; allowed keys: {', '.join(allowed)}"
    if kind == "missing":
        return f"{key} is required"
    if kind in _TYPE_WORDS:
        return f"{key} must be {_TYPE_WORDS[kind]}, got {got}"
    if kind in _COMPARE:
        bound = next(iter(ctx.values()))
        return f"{key} must be {_COMPARE[kind]} {bound:g}, got {got}"
    if kind == "literal_error":
        return f"{key} must be one of {ctx['expected']}, got {got}"
    if kind == "too_short":
        return f"{key} must have at least {ctx['min_length']} item(s), got {got}"
    if kind == "union_tag_invalid":
        return f"{key}.dist must be one of {ctx['expected_tags']}, got {ctx['tag']!r}"
    if kind == "union_tag_not_found":
        return f"{key} needs dist = 'uniform', 'log-uniform' or 'choice'"
    if kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
        return f"{key} {message}" if key else message
    return f"{key}: {error['msg']}" if key else str(error["msg"])


def _format_loc(loc: list[Any] | tuple[Any, ...]) -> str:
    out = ""
    for seg in loc:
        if isinstance(seg, int):
            out += f"[{seg}]"
        else:
            seg = f'"{seg}"' if "." in seg else seg
            out += f".{seg}" if out else seg
    return out


def _allowed_keys(root: type[BaseModel], loc: tuple[Any, ...]) -> tuple[str, list[str]]:
    """The table a key was found in and the keys that table allows (by walking the models)."""
    cls: Any = root
    for seg in loc:
        if cls is RandomAxes and seg not in cls.model_fields:
            continue  # an axis path; its distribution table follows by tag
        if seg in _DIST_TAGS:
            cls = {"uniform": Uniform, "log-uniform": LogUniform, "choice": Choice}[seg]
            continue
        field = cls.model_fields.get(seg)
        cls = next(_models_in(getattr(field, "annotation", None)), None)
        if cls is None:
            return "this table", []
    shown = [s for s in loc if s not in _DIST_TAGS]
    table = f"[{_format_loc(shown)}]" if shown else "the top level"
    keys = [f.alias or name for name, f in cls.model_fields.items()]
    if cls is ExperimentSpec:
        keys.append("sweep")
    if cls is RandomAxes:
        keys.append("'<dotted.axis>' = { dist = ... }")
    return table, sorted(keys)


def _is_distribution_or_leaf(value: Any) -> bool:
    """A value, or a table that is not a further level of dotted keys (a distribution, or a broken one)."""
    return not isinstance(value, Mapping) or "dist" in value or not any(
        isinstance(v, Mapping) for v in value.values())


def _models_in(ann: Any) -> Iterator[type[BaseModel]]:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        yield ann
    for arg in getattr(ann, "__args__", ()):
        yield from _models_in(arg)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _sort_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sort_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sort_keys(v) for v in value]
    return value


def _flatten(
    value: Mapping[str, Any], prefix: str = "", stop: Any = lambda v: not isinstance(v, Mapping)
) -> Iterator[tuple[str, Any]]:
    """(dotted key, leaf) pairs; a leaf is whatever ``stop`` accepts (or an empty table)."""
    for key, v in value.items():
        if stop(v) or not v:
            yield prefix + key, v
        else:
            yield from _flatten(v, f"{prefix}{key}.", stop)


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value
