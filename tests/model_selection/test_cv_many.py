"""Cross-validating many estimators at once equals cross-validating each alone (oracle:
``evaluate.cross_validate_task``, scikit-learn's ``cross_validate`` one fit at a time)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from neuronlab.errors import DivergedError
from neuronlab.evaluate import cross_validate_task
from neuronlab.experiments.fit import build_model
from neuronlab.model_selection.cv import cross_validate_many
from neuronlab.tasks import load_task


def _models(task: Any, configs: list[dict[str, Any]]) -> list[Any]:
    return [build_model(c.pop("kind", "mlp"), task, seed=3, **c) for c in configs]


@pytest.mark.parametrize(("name", "cv", "configs"), [
    # Hall–Petch: grouped folds (by specimen), target-standardised regressors, a feature map, no scaler
    ("hall_petch", "group", [{"hidden": (8,), "eta": 0.02, "max_epochs": 40},
                             {"hidden": (4, 4), "activation": "tanh", "eta": 0.01, "max_epochs": 30},
                             {"hidden": (6,), "feature": "inv_sqrt", "max_epochs": 25},
                             {"hidden": (6,), "scale": False, "eta": 0.001, "max_epochs": 20},
                             {"kind": "linear"}]),  # not an MLP: fitted alone, still equal
    # moons: shuffled KFold, classifiers with mini-batches and early stopping
    ("moons", "kfold", [{"hidden": (16,), "eta": 0.05, "max_epochs": 30, "batch_size": 32},
                        {"hidden": (8, 8), "activation": "sigmoid", "max_epochs": 40, "early_stopping": True},
                        {"hidden": (5,), "optimizer": "sgd", "eta": 0.1, "max_epochs": 20}]),
])
def test_many_at_once_equal_each_alone(name: str, cv: str, configs: list[dict[str, Any]]) -> None:
    task = load_task(name, seed=1)
    together = cross_validate_many(_models(task, [dict(c) for c in configs]), task, cv=cv, n_splits=4, seed=1)
    for model, result in zip(_models(task, [dict(c) for c in configs]), together, strict=True):
        alone = cross_validate_task(model, task, cv=cv, n_splits=4, seed=1)
        assert not isinstance(result, Exception)
        assert result.scores.tolist() == alone.scores.tolist()  # the same bits, fold by fold
        assert (result.splitter, result.scoring, result.mean, result.std) == (
            alone.splitter, alone.scoring, alone.mean, alone.std)
        assert [(a.tolist(), b.tolist()) for a, b in result.folds] == [(a.tolist(), b.tolist()) for a, b in alone.folds]
        assert np.array_equal(result.predictions, alone.predictions)


def test_a_model_that_diverges_gets_the_error_alone_raises_and_the_others_their_scores() -> None:
    task = load_task("hall_petch", seed=0)
    configs = [{"hidden": (8,), "max_epochs": 20}, {"hidden": (32, 32), "eta": 1e6, "max_epochs": 20, "scale": False}]
    together = cross_validate_many(_models(task, [dict(c) for c in configs]), task, n_splits=3, seed=0)
    with pytest.raises(DivergedError) as alone:
        cross_validate_task(_models(task, [dict(configs[1])])[0], task, n_splits=3, seed=0)
    assert isinstance(together[1], DivergedError) and str(together[1]) == str(alone.value)
    good = cross_validate_task(_models(task, [dict(configs[0])])[0], task, n_splits=3, seed=0)
    assert not isinstance(together[0], Exception) and together[0].scores.tolist() == good.scores.tolist()
