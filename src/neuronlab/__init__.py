"""neuronlab: neural-network experiments from a single neuron to the multilayer perceptron.

The public face.  Names are loaded lazily (PEP 562) so that ``import neuronlab.store`` or the CLI's
``--help`` never pay for importing torch.

    import neuronlab as nl
    task = nl.load_task("moons", n_samples=400, noise=0.2, seed=0)
    clf = nl.MLPClassifier(hidden=(40,), random_state=0).fit(task.X_train, task.y_train)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    # tasks
    "Task": "neuronlab.tasks",
    "TaskInfo": "neuronlab.tasks",
    "list_tasks": "neuronlab.tasks",
    "load_task": "neuronlab.tasks",
    "load_csv": "neuronlab.tasks",
    # models
    "ACTIVATIONS": "neuronlab.nn.activations",
    "get_activation": "neuronlab.nn.activations",
    "Neuron": "neuronlab.nn.neuron",
    "SideBySide": "neuronlab.nn.side_by_side",
    "MLPClassifier": "neuronlab.estimators",
    "MLPRegressor": "neuronlab.estimators",
    "NeuronClassifier": "neuronlab.estimators",
    "NeuronRegressor": "neuronlab.estimators",
    "BayesianNeuronClassifier": "neuronlab.estimators.bayes_neuron",
    "compare": "neuronlab.studies.compare",
    "HandFeature": "neuronlab.nn.baselines",
    "make_model": "neuronlab.estimators.registry",
    # evaluation
    "classification_report": "neuronlab.evaluate",
    "regression_report": "neuronlab.evaluate",
    "score_task": "neuronlab.evaluate",
    "honest_pipeline": "neuronlab.evaluate",
    "cross_validate_task": "neuronlab.evaluate",
    "leakage_report": "neuronlab.evaluate",
    # searches that train every candidate × fold at once
    "GridSearchCV": "neuronlab.model_selection",
    "RandomizedSearchCV": "neuronlab.model_selection",
    # practicals
    "check": "neuronlab.practicals",
    # errors
    "NeuronlabError": "neuronlab.errors",
    "ConfigError": "neuronlab.errors",
    "TaskError": "neuronlab.errors",
    "DataError": "neuronlab.errors",
    "DivergedError": "neuronlab.errors",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'neuronlab' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # let type checkers and IDEs see the real names
    from neuronlab.errors import ConfigError, DataError, DivergedError, NeuronlabError, TaskError
    from neuronlab.estimators import MLPClassifier, MLPRegressor, NeuronClassifier, NeuronRegressor
    from neuronlab.estimators.bayes_neuron import BayesianNeuronClassifier
    from neuronlab.estimators.registry import make_model
    from neuronlab.evaluate import (
        classification_report,
        cross_validate_task,
        honest_pipeline,
        leakage_report,
        regression_report,
        score_task,
    )
    from neuronlab.model_selection import GridSearchCV, RandomizedSearchCV
    from neuronlab.nn.activations import ACTIVATIONS, get_activation
    from neuronlab.nn.baselines import HandFeature
    from neuronlab.nn.neuron import Neuron
    from neuronlab.nn.side_by_side import SideBySide
    from neuronlab.practicals import check
    from neuronlab.studies.compare import compare
    from neuronlab.tasks import Task, TaskInfo, list_tasks, load_csv, load_task
