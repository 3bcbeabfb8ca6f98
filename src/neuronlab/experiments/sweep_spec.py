"""A sweep as a typed spec: a base experiment, the axes that vary it, and the distributions they draw from.

The ``[sweep]`` table holds grid axes (a cartesian product) and random axes (``count`` draws, each axis
from ``uniform``, ``log-uniform`` or ``choice``); :mod:`neuronlab.experiments.sweep` expands and applies
them on plain dicts, and every point comes back here to be validated as a full ExperimentSpec.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from neuronlab import limits
from neuronlab.experiments import sweep as sweeps
from neuronlab.experiments.canonical import flatten
from neuronlab.experiments.experiment_spec import ExperimentSpec
from neuronlab.experiments.spec_errors import SpecError, validate
from neuronlab.experiments.spec_types import STRICT, Seed


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


class RandomAxes(BaseModel):
    """``count`` points, each axis (any other key: a dotted path) drawn from its distribution."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)
    __pydantic_extra__: dict[str, Distribution] = Field(init=False)
    # For spec_errors: the free keys are axes, and their tables are named by their `dist` tag.
    more_keys: ClassVar[tuple[str, ...]] = ("'<dotted.axis>' = { dist = ... }",)
    tagged: ClassVar[Mapping[str, type[BaseModel]]] = {
        "uniform": Uniform, "log-uniform": LogUniform, "choice": Choice}

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
                out.update(flatten(value, f"{key}.", stop=_is_distribution_or_leaf))
            else:
                out[key] = value
        return out

    @property
    def axes(self) -> dict[str, Uniform | LogUniform | Choice]:
        return dict(self.model_extra or {})


def _is_distribution_or_leaf(value: Any) -> bool:
    """A value, or a table that is not a further level of dotted keys (a distribution, or a broken one)."""
    return not isinstance(value, Mapping) or "dist" in value or not any(
        isinstance(v, Mapping) for v in value.values())


class SweepAxes(BaseModel):
    """The ``[sweep]`` table: grid axes (cartesian product) and/or random axes, and the sampling seed."""

    model_config = STRICT

    seed: Seed = 0  # of the Generator that draws the random points
    grid: dict[str, list[Any]] = Field(default_factory=dict)
    random: RandomAxes | None = None

    @field_validator("grid", mode="before")
    @classmethod
    def _flatten_grid(cls, v: Any) -> Any:
        if not isinstance(v, Mapping):
            return v
        return dict(flatten(v))

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

    model_config = STRICT
    inline_table: ClassVar[str] = "base"  # for spec_errors: its keys are the file's top level

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
        """Every point as a full, validated ExperimentSpec named ``"<base name> [axis=value, ...]"``;
        a spec the loader read was expanded there, and that expansion is returned (the points are
        drawn, copied and validated once per process: 0.3 s of a 1,024-point sweep)."""
        base, sweep, specs = self.__dict__.get(_EXPANDED, (None, None, None))
        if base is self.base and sweep is self.sweep:  # not a model_copy(update=...) of the expanded spec
            return list(specs)
        return self.expand_from(f"sweep {self.base.name!r}")

    def expand_from(self, source: str, base_dir: str | Path | None = None) -> list[ExperimentSpec]:
        """:meth:`expand` for a spec read from ``source`` (errors name it; csv paths are relative to
        ``base_dir``): the loader expands each sweep once, so a bad point fails at load time."""
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
            specs.append(validate(ExperimentSpec, values, where, base_dir=base_dir))
        # kept beside the fields, as functools.cached_property keeps its value: pydantic's ==,
        # model_dump and hash look at the fields only, and the specs are frozen, so sharing them is safe
        self.__dict__[_EXPANDED] = (self.base, self.sweep, tuple(specs))
        return specs


_EXPANDED = "expanded points"  # not an identifier: never a field's name
