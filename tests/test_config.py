"""Every training knob is declared once (``neuronlab.config``) and every surface agrees with it: the
estimators, experiment specs, the playground's two pages and the CLI have the declared default (or
the surface default the knob declares, with its reason) and refuse what the declaration refuses."""

from __future__ import annotations

import inspect
import math
import typing
from typing import Any

import numpy as np
import pydantic
import pytest
from sklearn.datasets import make_moons

from neuronlab import cli, config
from neuronlab.errors import ConfigError, NeuronlabError
from neuronlab.estimators import MLPClassifier, MLPRegressor, NeuronClassifier, NeuronRegressor
from neuronlab.experiments.spec import Optimizer, TrainSpec
from neuronlab.nn.activations import ACTIVATIONS
from neuronlab.playground.config import NeuronConfig, PlaygroundConfig

X, Y = make_moons(40, noise=0.2, random_state=0)


def _estimator_defaults(cls: type) -> dict[str, Any]:
    return {k: p.default for k, p in inspect.signature(cls.__init__).parameters.items()
            if p.default is not inspect.Parameter.empty}


def _pydantic_defaults(model: type[pydantic.BaseModel]) -> dict[str, Any]:
    return {k: f.default for k, f in model.model_fields.items()}


CLI_NAMES = {"eta": "eta", "alpha": "alpha", "optimizer": "optimizer", "max_epochs": "epochs",
             "batch_size": "batch_size", "early_stopping": "early_stopping", "tol": "tol", "engine": "engine"}


def _cli_defaults() -> dict[str, Any]:
    params = inspect.signature(inspect.unwrap(cli.train_cmd)).parameters
    return {knob: params[name].default for knob, name in CLI_NAMES.items()}


SURFACES: dict[str, Any] = {
    "mlp": lambda: _estimator_defaults(MLPClassifier),
    "neuron": lambda: _estimator_defaults(NeuronClassifier),
    "neuron_regressor": lambda: {"activation": _estimator_defaults(NeuronRegressor)["activation"]},
    "spec": lambda: _pydantic_defaults(TrainSpec),
    "cli": _cli_defaults,
    "playground": lambda: _pydantic_defaults(PlaygroundConfig),
    "neuron_page": lambda: _pydantic_defaults(NeuronConfig),
}


@pytest.mark.parametrize("surface", config.SURFACES)
def test_every_surface_has_the_declared_defaults(surface: str) -> None:
    defaults = SURFACES[surface]()
    other_meaning = {("playground", "loss")}  # the page's loss picks any head's loss ("auto"), not only regression's
    shown = {name: value for name, value in defaults.items()
             if name in config.KNOBS and (surface, name) not in other_meaning}
    assert shown, f"{surface} exposes no knob"
    for name, value in shown.items():
        assert value == config.default(name, surface), f"{surface}.{name}"
    # a surface default that differs from the knob's says why
    for knob in config.KNOBS.values():
        for why in (reason for _, reason in knob.surfaces.values()):
            assert len(why) > 20


def test_the_estimators_expose_every_training_knob_with_its_default() -> None:
    mlp = _estimator_defaults(MLPRegressor)
    for name in (*config.MLP_TRAINING, "activation", "loss"):
        assert mlp[name] == config.default(name, "mlp"), name
    assert set(config.TRAINING) <= set(_estimator_defaults(NeuronRegressor))
    assert config.default("tol") == 1e-4  # scikit-learn's default: comparisons are like for like


def _just_outside(knob: config.Knob) -> list[Any]:
    """Values the declaration refuses: past each bound, and things that are no number at all."""
    # an int too large for a float (a spec may hold one) and NaN as a NumPy scalar, beside plain Python types
    bad: list[Any] = ([math.nan, np.float32("nan"), math.inf, 10**400, "0.1", True] if knob.kind in (int, float)
                      else ["nope"])
    if knob.gt is not None:
        bad.append(knob.gt)
    if knob.ge is not None:
        bad.append(knob.ge - (1 if knob.kind is int else 1e-9))
    if knob.lt is not None:
        bad.append(knob.lt)
    if knob.kind is int:
        bad += [1.5, 2.0, np.float64(2.0)]  # integral floats are not integers either
    return bad


NUMERIC = [k for k in config.KNOBS.values() if k.kind in (int, float)]


@pytest.mark.parametrize("knob", NUMERIC, ids=lambda k: k.name)
def test_estimators_refuse_what_the_declaration_refuses_in_one_line(knob: config.Knob) -> None:
    for value in _just_outside(knob):
        assert not knob.ok(value)
        est = MLPClassifier((3,), **{"max_epochs": 2, "early_stopping": True, knob.name: value})
        with pytest.raises(ConfigError) as err:
            est.fit(X, Y)
        assert knob.name in str(err.value) and "\n" not in str(err.value)
    # the edges the declaration allows are allowed
    for edge in (knob.ge,):
        if edge is not None:
            MLPClassifier((3,), **{"max_epochs": 2, knob.name: knob.kind(edge) if knob.name != "batch_size" else 1}
                          ).fit(X, Y)


@pytest.mark.parametrize("knob", [k for k in NUMERIC if k.name in TrainSpec.model_fields], ids=lambda k: k.name)
def test_specs_and_the_playground_refuse_past_the_declared_bounds(knob: config.Knob) -> None:
    models: list[type[pydantic.BaseModel]] = [TrainSpec]
    models += [m for m in (PlaygroundConfig, NeuronConfig) if knob.name in m.model_fields]
    for model in models:
        for value in (knob.gt, knob.lt):
            if value is not None:
                with pytest.raises(pydantic.ValidationError, match=knob.name):
                    model(**{knob.name: value})
        if knob.ge is not None and knob.name != "batch_size":  # a form's 0 is the full batch
            with pytest.raises(pydantic.ValidationError, match=knob.name):
                model(**{knob.name: knob.ge - 1e-9 if knob.kind is float else int(knob.ge) - 1})


def test_choices_are_the_code_s_own_tables() -> None:
    assert set(config.KNOBS["activation"].choices) == set(ACTIVATIONS)
    assert set(config.KNOBS["optimizer"].choices) == set(typing.get_args(Optimizer))
    assert set(typing.get_args(PlaygroundConfig.model_fields["optimizer"].annotation)) == set(config.OPTIMIZERS)


def test_a_limit_in_force_is_named_in_the_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEURONLAB_MAX_EPOCHS", "50")
    with pytest.raises(NeuronlabError, match="NEURONLAB_MAX_EPOCHS"):
        MLPClassifier((3,), max_epochs=51).fit(X, Y)
    assert config.KNOBS["max_epochs"].describe().endswith("<= 50")
    np.testing.assert_equal(MLPClassifier((3,), max_epochs=50).fit(X, Y).n_iter_, 50)
