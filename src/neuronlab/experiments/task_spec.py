"""The ``[task]`` table: what to learn (a built-in task or a CSV file), and its dry run at load time.

Validation loads the task once at its default seed (cached) so a misspelt task name or parameter fails
when the spec is read, with its key, and so the model's size can be checked against the data's.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import BaseModel, Field, field_validator, model_validator

from neuronlab import limits
from neuronlab.errors import DataError, TaskError, valid_names
from neuronlab.experiments.spec_types import STRICT

if TYPE_CHECKING:
    from neuronlab.tasks.base import Task

CSV_PARAMS = ("kind", "test_fraction", "val_fraction")  # load_csv's keywords a spec may set


class TaskSpec(BaseModel):
    """What to learn: a built-in task by ``name`` with loader ``params``, or a CSV file."""

    model_config = STRICT

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


def task_summary(task: TaskSpec, base_dir: str) -> TaskSummary:
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


def task_label(task: TaskSpec) -> str:
    """The task as an error message names it: ``'moons'`` or ``csv 'steel.csv'``."""
    return repr(task.name) if task.name is not None else f"csv {task.csv!r}"
