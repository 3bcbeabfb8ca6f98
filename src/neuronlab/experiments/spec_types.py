"""The vocabulary spec tables are written in: their strict config, field types and literal choices.

Shared by the experiment's tables (:mod:`~neuronlab.experiments.task_spec`,
:mod:`~neuronlab.experiments.experiment_spec`) and the sweep's (:mod:`~neuronlab.experiments.sweep_spec`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

# Kept literal (not imported from nn/train) so reading a spec never imports torch; tests check that
# these match neuronlab.estimators.registry.MODELS and neuronlab.config.OPTIMIZERS.
ModelKind = Literal["neuron", "mlp", "linear", "gp", "bayes_neuron"]
Optimizer = Literal["sgd", "momentum", "adam"]  # config.OPTIMIZERS (a Literal needs them spelled out)
Feature = Literal["none", "inv_sqrt", "sqrt", "log", "square"]

# Unknown keys refused, nothing coerced ("1" is not 1), no inf/nan, and frozen so defaults can be shared.
STRICT = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
Width = Annotated[int, Field(ge=1)]
Seed = Annotated[int, Field(ge=0, lt=2**32)]
