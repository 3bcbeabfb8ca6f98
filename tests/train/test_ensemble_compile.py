"""The compiled epoch step (opt-in ``compile``) trains the same models as the uncompiled torch backend.

Oracle: the uncompiled ensemble, itself tested equal to the estimator trained alone (test_ensemble.py).
The fast tests run the compiled path's pure epoch function uncompiled (same formulas, no inductor);
the slow one compiles it with inductor and skips when this machine cannot (no C++ compiler, …).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import make_classification, make_moons, make_regression
from test_ensemble import rel_diff  # the same oracle helpers as the uncompiled tests

from neuronlab.errors import DivergedError
from neuronlab.nn.estimators import MLPClassifier, MLPRegressor
from neuronlab.train import ensemble_torch
from neuronlab.train.ensemble import COMPILE_ENV, fit_ensemble, fit_mlps

X_MOONS, Y_MOONS = make_moons(80, noise=0.25, random_state=0)
X_3C, Y_3C = make_classification(60, n_features=3, n_informative=3, n_redundant=0, n_classes=3, random_state=1)
X_REG, Y_REG = make_regression(60, n_features=3, n_targets=2, noise=1.0, random_state=2)
Y_REG = Y_REG / 100.0


def assert_compiled_same(ests: list[Any], data: list[tuple[Any, Any]], tol: float = 1e-6, **kwargs: Any) -> None:
    plain = [clone(e) for e in ests]
    compiled = [clone(e) for e in ests]
    assert fit_mlps(plain, data, backend="torch") == [None] * len(ests)
    assert fit_mlps(compiled, data, compile=True, **kwargs) == [None] * len(ests)
    for a, b in zip(plain, compiled, strict=True):
        assert rel_diff(a, b) < tol
        assert b.n_iter_ == a.n_iter_ and b.best_epoch_ == a.best_epoch_
        np.testing.assert_allclose(b.history_.train_loss, a.history_.train_loss, rtol=tol)
        np.testing.assert_allclose(b.history_.val_metric, a.history_.val_metric, rtol=tol)


def mixed_configs() -> tuple[list[Any], list[tuple[Any, Any]]]:
    """Three group signatures (binary Adam with padded widths, early stopping and models leaving at
    different epochs; multiclass momentum; two-output regression SGD, one model leaving early), all
    full batch, float64."""
    ests: list[Any] = [
        MLPClassifier((w,), "relu", eta=eta, alpha=alpha, max_epochs=e, early_stopping=True, n_iter_no_change=5,
                      dtype="float64", random_state=i)
        for i, (w, eta, alpha, e) in enumerate([(6, 0.05, 1e-3, 40), (9, 0.01, 0.0, 25), (9, 0.2, 1e-2, 40),
                                                (3, 0.03, 1e-4, 12)])]
    ests += [MLPClassifier((5, 4), "tanh", eta=eta, optimizer="momentum", momentum=0.9, alpha=1e-3,
                           max_epochs=20, dtype="float64", random_state=10 + i) for i, eta in enumerate([0.02, 0.1])]
    ests += [MLPRegressor((7,), "sigmoid", eta=eta, optimizer="sgd", max_epochs=e, dtype="float64",
                          random_state=20 + i) for i, (eta, e) in enumerate([(0.05, 20), (0.3, 9)])]
    data = [(X_MOONS, Y_MOONS)] * 4 + [(X_3C, Y_3C)] * 2 + [(X_REG, Y_REG)] * 2
    return ests, data


@pytest.fixture
def eager_step(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Stand the uncompiled pure epoch in for the compiled one; counts the groups that asked for it."""
    calls: list[int] = []

    def step() -> Any:
        calls.append(1)
        return ensemble_torch._Group._pure_epoch

    monkeypatch.setattr(ensemble_torch, "_compiled_step", step)
    return calls


def test_pure_epoch_matches_the_in_place_step(eager_step: list[int]) -> None:
    ests, data = mixed_configs()
    assert_compiled_same(ests, data, tol=1e-12)
    assert len(eager_step) == 3  # one group per signature took the compiled path


def test_environment_variable_opts_in_and_argument_wins(eager_step: list[int],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    est = MLPClassifier((4,), max_epochs=3, random_state=0)
    fit_ensemble([clone(est)], X_MOONS, Y_MOONS)
    assert eager_step == []  # off by default
    monkeypatch.setenv(COMPILE_ENV, "1")
    fit_ensemble([clone(est)], X_MOONS, Y_MOONS)
    assert len(eager_step) == 1
    fit_ensemble([clone(est)], X_MOONS, Y_MOONS, compile=False)
    assert len(eager_step) == 1


def test_a_diverging_model_fails_alone_as_uncompiled(eager_step: list[int]) -> None:
    ests = [MLPRegressor((5,), "relu", eta=eta, optimizer="sgd", max_epochs=30, dtype="float64", random_state=0)
            for eta in (0.01, 1e4)]
    plain, compiled = [clone(e) for e in ests], [clone(e) for e in ests]
    errors_plain = fit_ensemble(plain, X_REG, Y_REG, backend="torch")
    errors_compiled = fit_ensemble(compiled, X_REG, Y_REG, compile=True)
    assert errors_plain[0] is None and errors_compiled[0] is None
    assert isinstance(errors_plain[1], DivergedError) and isinstance(errors_compiled[1], DivergedError)
    assert errors_compiled[1].epoch == errors_plain[1].epoch
    assert rel_diff(plain[0], compiled[0]) < 1e-12 and eager_step == [1]


def test_mini_batches_stay_uncompiled(eager_step: list[int]) -> None:
    est = MLPClassifier((4,), batch_size=16, max_epochs=3, dtype="float64", random_state=0)
    assert_compiled_same([est, clone(est).set_params(random_state=1)], [(X_MOONS, Y_MOONS)] * 2, tol=1e-12)
    assert eager_step == []


def inductor_works() -> str | None:
    """None when inductor compiles and runs a tiny function here, else why not."""
    try:
        f = torch.compile(lambda x: torch.relu(x) * 2.0 + 1.0, backend="inductor")
        x = torch.randn(8, dtype=torch.float64)
        if not torch.allclose(f(x), torch.relu(x) * 2.0 + 1.0):
            return "inductor compiled a wrong result"
    except Exception as exc:  # any failure to build means: compile cannot be tested here
        return f"torch.compile (inductor, CPU) does not work here: {type(exc).__name__}: {str(exc)[:200]}"
    return None


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:.*torch.jit.script_method.*:DeprecationWarning")  # raised inside inductor
def test_inductor_compiled_ensemble_matches_uncompiled_float64() -> None:
    reason = inductor_works()
    if reason is not None:
        pytest.skip(reason)
    ests, data = mixed_configs()
    # binary Adam (validated, K shrinks 4 → 1 as models stop) and regression SGD (unvalidated, its stop
    # check compiled, K fixed): each new shape is a graph to build (~5 s with a cold inductor cache)
    binary = ests[:4]
    regression = [clone(e).set_params(max_epochs=15) for e in ests[6:]]
    assert_compiled_same(binary + regression, data[:4] + data[6:], tol=1e-6)
