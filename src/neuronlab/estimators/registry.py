"""The registry behind ``neuronlab train --model ...`` and specs' ``model.kind``: a model name and a task
kind give an estimator (the baselines, the neurons, the MLPs, the Bayesian neuron)."""

from __future__ import annotations

from typing import Any

from sklearn.base import BaseEstimator
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline

from neuronlab.errors import ConfigError, valid_names
from neuronlab.nn.baselines import check_kind, gp_model, linear_model

MODELS = ("bayes_neuron", "gp", "linear", "mlp", "neuron")


def make_model(name: str, kind: str, **params: Any) -> BaseEstimator:
    """The estimator called ``name`` for a task of ``kind``, with ``params`` set on it.

    ``random_state`` is applied where the model has one (linear least squares has none), so callers can
    seed every model the same way.  Unknown names and parameters raise ConfigError listing valid ones.
    The neural models are imported lazily, so a baseline pays for none of them.  Scaling is
    the caller's job (``honest_pipeline``), so the scaler is fitted inside each training fold.
    """
    check_kind(kind)
    random_state = params.pop("random_state", None)
    regression = kind == "regression"
    est: BaseEstimator
    if name == "linear":
        est = linear_model(kind)
    elif name == "gp":
        est = gp_model(kind)
    elif name == "mlp":
        from neuronlab.estimators import MLPClassifier, MLPRegressor

        return _ours(name, MLPRegressor if regression else MLPClassifier, params, random_state)
    elif name == "neuron":
        from neuronlab.estimators import NeuronClassifier, NeuronRegressor

        return _ours(name, NeuronRegressor if regression else NeuronClassifier, params, random_state)
    elif name == "bayes_neuron":
        from neuronlab.estimators.bayes_neuron import BayesianNeuronClassifier

        if regression:
            raise ConfigError("model 'bayes_neuron' is a binary classifier; for regression use 'gp' or 'linear'")
        return _ours(name, BayesianNeuronClassifier, params, random_state)
    else:
        raise ConfigError(f"unknown model {name!r}; use one of {valid_names(MODELS)}")
    valid = est.get_params(deep=False)
    _check_names(name, params, valid)
    if random_state is not None and "random_state" in valid:
        params["random_state"] = random_state
    return est.set_params(**params)


def _ours(name: str, cls: type[BaseEstimator], params: dict[str, Any], random_state: Any) -> BaseEstimator:
    """One of our estimators built with ``params``: what ``cls().set_params(**params)`` gives (our
    constructors only store their arguments), without ``get_params``' signature inspection per model
    (0.2 ms, as long as a hundred epochs of a batched model)."""
    valid = parameter_names(cls)
    _check_names(name, params, valid)
    if random_state is not None and "random_state" in valid:
        params["random_state"] = random_state
    return cls(**params)


def parameter_names(cls: type[BaseEstimator]) -> tuple[str, ...]:
    """The constructor parameters of an estimator class (``get_params`` of a default instance), once."""
    if cls not in _PARAMETERS:
        _PARAMETERS[cls] = tuple(cls().get_params(deep=False))
    return _PARAMETERS[cls]


_PARAMETERS: dict[type[BaseEstimator], tuple[str, ...]] = {}


def _check_names(name: str, params: dict[str, Any], valid: Any) -> None:
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ConfigError(
            f"model {name!r} has no parameter {unknown[0]!r}; valid parameters: {valid_names(valid)}"
        )


def final_estimator(estimator: Any) -> Any:
    """The model inside the wrappers ``build_model`` adds (target scaling, pipelines)."""
    while True:
        if isinstance(estimator, TransformedTargetRegressor):
            estimator = getattr(estimator, "regressor_", estimator.regressor)
        elif isinstance(estimator, Pipeline):
            estimator = estimator.steps[-1][1]
        else:
            return estimator
