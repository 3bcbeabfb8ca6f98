"""Experiments and sweeps as data: typed Pydantic models read from TOML and stored with every run.

The Imperial practical asks students to "experiment with model construction, task, learning
parameters — document as you go!".  An experiment is therefore a file, not a notebook cell: one
typed spec with commented defaults (nanoGPT's config), unknown keys refused, every value checked
before anything runs, and the task dry-run loaded so a misspelt task parameter fails at load time
with the file and the key, not twenty minutes into a sweep.

This module reads and writes spec files and is the entry point other code imports the specs from.
The parts live in one module each: the experiment's tables (:mod:`.experiment_spec`, with the
``[task]`` table and its dry run in :mod:`.task_spec`), the sweep's (:mod:`.sweep_spec`), an
experiment's identity (:mod:`.canonical`) and the one-line errors (:mod:`.spec_errors`).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel

from neuronlab.experiments.canonical import canonical_hash, canonical_params
from neuronlab.experiments.experiment_spec import EvaluateSpec, ExperimentSpec, ModelSpec, TrainSpec
from neuronlab.experiments.spec_errors import SpecError, validate
from neuronlab.experiments.spec_types import Feature, ModelKind, Optimizer
from neuronlab.experiments.sweep_spec import (
    Choice,
    Distribution,
    LogUniform,
    RandomAxes,
    SweepAxes,
    SweepSpec,
    Uniform,
)
from neuronlab.experiments.task_spec import CSV_PARAMS, TaskSpec, TaskSummary

__all__ = [
    "CSV_PARAMS", "Choice", "Distribution", "EvaluateSpec", "ExperimentSpec", "Feature", "LogUniform",
    "ModelKind", "ModelSpec", "Optimizer", "RandomAxes", "SpecError", "SweepAxes", "SweepSpec", "TaskSpec",
    "TaskSummary", "TrainSpec", "Uniform", "canonical_hash", "canonical_params", "dump_spec", "load_spec",
    "loads_spec", "spec_from_dict",
]


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
        return validate(ExperimentSpec, data, source, base_dir=base_dir)
    sweep_data = data.pop("sweep")
    spec = validate(SweepSpec, {"base": data, "sweep": sweep_data}, source, base_dir=base_dir)
    spec.expand_from(source, base_dir)
    return spec


def spec_from_dict(data: dict[str, Any], *, source: str, base_dir: str | Path | None = None) -> ExperimentSpec:
    """An experiment from a plain dict (e.g. the CLI's flags), with the same one-line errors as a file."""
    return validate(ExperimentSpec, data, source, base_dir=base_dir)


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
