"""The batched ensemble trains the same models the estimator trains alone (oracle: the estimator)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.datasets import make_classification, make_moons, make_regression
from sklearn.model_selection import train_test_split

from neuronlab.errors import ConfigError, DivergedError, NeuronlabError
from neuronlab.estimators import MLPClassifier, MLPRegressor
from neuronlab.estimators.batch import fit_ensemble, fit_mlps
from neuronlab.estimators.registry import make_model
from neuronlab.experiments.fit import build_model

X_MOONS, Y_MOONS = make_moons(120, noise=0.25, random_state=0)
X_3C, Y_3C = make_classification(90, n_features=4, n_informative=3, n_redundant=0, n_classes=3, random_state=1)
X_REG, Y_REG = make_regression(80, n_features=3, n_targets=2, noise=1.0, random_state=2)
Y_REG = Y_REG / 100.0


def params_of(est: Any) -> torch.Tensor:
    return torch.cat([p.detach().double().ravel() for p in est.module_.parameters()])


def rel_diff(a: Any, b: Any) -> float:
    pa, pb = params_of(a), params_of(b)
    return float((pa - pb).abs().max() / pa.abs().max())


ENGINES = ["fused", "torch", "numpy"]  # the batched kernel against each engine of a single fit


def assert_same_as_alone(ests: list[Any], data: list[tuple[Any, Any]], engine: str,
                         tol: float = 1e-6) -> list[Any]:
    alone = [clone(e).set_params(engine=engine).fit(X, y) for e, (X, y) in zip(ests, data, strict=True)]
    batched = [clone(e) for e in ests]
    errors = fit_mlps(batched, data)
    assert errors == [None] * len(ests)
    for a, b in zip(alone, batched, strict=True):
        assert rel_diff(a, b) < tol
        assert b.n_iter_ == a.n_iter_ and b.best_epoch_ == a.best_epoch_
        np.testing.assert_allclose(b.history_.train_loss, a.history_.train_loss, rtol=1e-6)
        np.testing.assert_allclose(b.history_.val_metric, a.history_.val_metric, rtol=1e-7)
        assert b.history_.metric_name == a.history_.metric_name
    return batched


config = st.fixed_dictionaries({
    "hidden": st.lists(st.integers(1, 12), min_size=1, max_size=3).map(tuple),
    "activation": st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu", "identity"]),
    "eta": st.floats(1e-3, 0.2),
    "alpha": st.sampled_from([0.0, 1e-4, 1e-2]),
    "optimizer": st.sampled_from(["sgd", "momentum", "adam"]),
    "momentum": st.sampled_from([0.5, 0.9]),
    "batch_size": st.sampled_from([None, 16, 50]),
    "early_stopping": st.booleans(),
    "n_iter_no_change": st.integers(2, 6),
    "random_state": st.integers(0, 2**31 - 2),
    "task": st.sampled_from(["binary", "multiclass", "regression"]),
    "loss": st.sampled_from(["mse", "mae"]),  # regressors only
})


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs=st.lists(config, min_size=1, max_size=4))
def test_float64_ensemble_equals_each_estimator_alone(configs: list[dict[str, Any]], engine: str) -> None:
    """Any mix of configurations, trained together, ends within 1e-6 of each one trained alone."""
    ests, data = [], []
    for c in configs:
        c = dict(c)
        task, loss = c.pop("task"), c.pop("loss")
        if task == "regression":
            # targets as given (Y_REG / 100 keeps every drawn η stable); scale_target has its own tests
            ests.append(MLPRegressor(**c, loss=loss, max_epochs=15, dtype="float64", scale_target=False))
        else:
            ests.append(MLPClassifier(**c, max_epochs=15, dtype="float64"))
        data.append({"binary": (X_MOONS, Y_MOONS), "multiclass": (X_3C, Y_3C), "regression": (X_REG, Y_REG)}[task])
    assert_same_as_alone(ests, data, engine)


X_1D = X_MOONS[:, :1]  # one input: the 1-D tasks' first layer
X_2D_REG, Y_2D_REG = X_MOONS, X_MOONS[:, 0] - 0.5 * X_MOONS[:, 1]  # two inputs, one output: a 2-D surface
SHAPES = [  # the kernel's special passes for small first layers, each against each engine alone
    ("relu, one hidden layer, single logit (δ and first-layer gradient in one pass)", "binary", (16,), "relu", True),
    ("the same without biases", "binary", (16,), "relu", False),
    ("the same, a 2-D regression", "surface", (7,), "relu", True),
    ("the same, one input", "1d", (5,), "relu", True),
    ("tanh first layer on two inputs (its own gradient pass)", "binary", (6,), "tanh", True),
    ("tanh, two hidden layers", "binary", (4, 3), "tanh", False),
    ("relu, two hidden layers (the general passes)", "binary", (5, 4), "relu", True),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("what", "data", "hidden", "activation", "bias"), SHAPES, ids=[s[0] for s in SHAPES])
def test_small_first_layers_equal_each_engine_alone(what: str, data: str, hidden: tuple[int, ...], activation: str,
                                                    bias: bool, engine: str) -> None:
    """The shapes the kernel trains with passes of their own (the practicals' 2-D tasks with one hidden
    layer): batched, each ends within 1e-6 of its estimator trained alone on every engine."""
    kw = dict(activation=activation, bias=bias, eta=0.05, alpha=1e-3, max_epochs=25, dtype="float64")
    if data == "binary":
        ests = [MLPClassifier(hidden, **kw, random_state=i) for i in range(3)]
        xy = (X_MOONS, Y_MOONS)
    else:
        X = X_1D if data == "1d" else X_2D_REG
        y = np.sin(2 * X[:, 0]) if data == "1d" else Y_2D_REG
        ests = [MLPRegressor(hidden, **kw, random_state=i) for i in range(3)]
        xy = (X, y)
    assert_same_as_alone(ests, [xy] * len(ests), engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_heterogeneous_widths_share_a_group_and_stop_at_their_own_epochs(engine: str) -> None:
    ests = [MLPClassifier(w, "tanh", eta=eta, max_epochs=80, early_stopping=True, n_iter_no_change=5,
                          dtype="float64", random_state=i)
            for i, (w, eta) in enumerate([((3,), 0.01), ((17,), 0.1), ((8,), 0.03), ((40,), 0.003)])]
    batched = assert_same_as_alone(ests, [(X_MOONS, Y_MOONS)] * len(ests), engine)
    assert len({e.n_iter_ for e in batched}) > 1  # they really stopped at different epochs


@pytest.mark.parametrize("engine", ENGINES)
def test_interleaved_shapes_and_biases_in_one_call_each_equal_alone(engine: str) -> None:
    """One kernel call packs models of several shapes (depth, widths, which layers have a bias) laid
    out one shape at a time: interleaved in the batch, each ends as trained alone, in its own place."""
    shapes = [((5,), True), ((5,), False), ((4, 3), True), ((5,), True), ((4, 3), False), ((6, 2, 3), True)]
    ests = [MLPClassifier(hidden, "tanh", bias=bias, eta=0.05, max_epochs=30, early_stopping=i % 2 == 0,
                          n_iter_no_change=4, dtype="float64", random_state=i)
            for i, (hidden, bias) in enumerate(shapes)]
    batched = assert_same_as_alone(ests, [(X_MOONS, Y_MOONS)] * len(ests), engine)
    for est, (hidden, bias) in zip(batched, shapes, strict=True):
        assert [W.shape for W in est.coefs_] == [(h, i) for i, h in zip((2, *hidden), (*hidden, 1), strict=True)]
        assert all((b is None) == (not bias) for b in est.intercepts_)
    # each model owns its weights: changing one leaves the others' predictions alone
    before = [e.predict_proba(X_MOONS) for e in batched]
    batched[0].coefs_[0][...] = 0.0
    batched[3].coefs_[0][...] = 0.0
    for i in (1, 2, 4, 5):
        np.testing.assert_array_equal(batched[i].predict_proba(X_MOONS), before[i])


@pytest.mark.parametrize("engine", ENGINES)
def test_float32_first_ten_updates_and_final_accuracy_agree(engine: str) -> None:
    X_train, X_test, y_train, y_test = train_test_split(*make_moons(300, noise=0.2, random_state=3),
                                                        test_size=0.3, random_state=0)
    assert len(X_train) == 210
    for seed, (optimizer, batch_size) in enumerate([("adam", None), ("sgd", 21), ("momentum", None)]):
        # ten updates: ten full-batch epochs, or one epoch of ten batches of 21
        est = MLPClassifier((40,), "relu", eta=0.01, optimizer=optimizer, batch_size=batch_size,
                            max_epochs=10 if batch_size is None else 1, random_state=seed)
        alone, batched = clone(est).set_params(engine=engine).fit(X_train, y_train), clone(est)
        fit_ensemble([batched], X_train, y_train)
        assert rel_diff(alone, batched) < 1e-5
        # a full training: the same test accuracy within half a percentage point
        est.set_params(max_epochs=300)
        alone, batched = clone(est).set_params(engine=engine).fit(X_train, y_train), clone(est)
        fit_ensemble([batched], X_train, y_train)
        assert abs(alone.score(X_test, y_test) - batched.score(X_test, y_test)) <= 0.005


@pytest.mark.parametrize("engine", ENGINES)
def test_one_model_diverging_leaves_the_others_training(engine: str) -> None:
    Xr, yr = X_REG, Y_REG[:, 0] * 100  # unscaled targets, sgd with a huge eta: overflow within epochs
    ests = [MLPRegressor((8,), "identity", eta=eta, optimizer="sgd", max_epochs=200, dtype="float64", random_state=0)
            for eta in (1e-4, 5.0, 1e-3)]
    with pytest.raises(DivergedError) as alone_err:
        clone(ests[1]).set_params(engine=engine).fit(Xr, yr)
    batched = [clone(e) for e in ests]
    errors = fit_ensemble(batched, Xr, yr)
    assert isinstance(errors[1], DivergedError) and errors[1].epoch == alone_err.value.epoch
    assert not hasattr(batched[1], "coefs_")  # left unfitted, as fit leaves it
    for i in (0, 2):
        assert errors[i] is None and rel_diff(clone(ests[i]).set_params(engine=engine).fit(Xr, yr), batched[i]) < 1e-6


def test_chunking_does_not_change_the_models() -> None:
    ests = [MLPClassifier((6, 5), "sigmoid", eta=0.05, max_epochs=20, batch_size=30, dtype="float64",
                          random_state=i) for i in range(5)]
    together, one_by_one = [clone(e) for e in ests], [clone(e) for e in ests]
    fit_ensemble(together, X_MOONS, Y_MOONS)
    fit_ensemble(one_by_one, X_MOONS, Y_MOONS, chunk_size=1)
    for a, b in zip(together, one_by_one, strict=True):
        assert rel_diff(a, b) < 1e-12


@pytest.mark.parametrize("engine", ENGINES)
def test_build_model_wrappers_are_fitted_as_their_own_fit_would(engine: str) -> None:
    """Pipeline(StandardScaler → MLP) and the target scaler of neural regressors: same predictions."""
    rng = np.random.default_rng(0)
    X = rng.normal(5.0, 3.0, (60, 2))  # far from standardised: the scaler matters
    for kind, y in (("regression", X[:, 0] * 40 + 200), ("binary", (X[:, 0] > 5).astype(int))):
        task: Any = SimpleNamespace(kind=kind)  # build_model reads only the task's kind
        model = build_model("mlp", task, scale=True, seed=3, hidden=(7,), max_epochs=25, dtype="float64",
                            engine=engine)
        alone, batched = clone(model).fit(X, y), clone(model)
        assert fit_mlps([batched], [(X, y)]) == [None]
        np.testing.assert_allclose(batched.predict(X), alone.predict(X), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("bad", [
    {"eta": -1.0}, {"eta": 0}, {"max_epochs": True}, {"max_epochs": 2.0}, {"alpha": float("nan")},
    {"hidden": (0,)}, {"hidden": [4, 0]}, {"hidden": (4, 10**9)}, {"activation": "nope"}, {"activation": ["relu"]},
    {"batch_size": 0}, {"tol": -1e-4}, {"momentum": 1.5}, {"dtype": "float16"},
])
def test_a_batch_checks_each_value_it_has_not_seen(bad: dict[str, Any]) -> None:
    """A batch remembers the values it has checked (most are shared), by type and value: a bad value
    after good ones — even one equal to a good one but of another type (True for 1, 2.0 for 2) — fails
    exactly as the model's own fit fails, and the good models around it train."""
    good: dict[str, Any] = dict(hidden=(4,), activation="relu", eta=0.05, max_epochs=2, alpha=1e-4, batch_size=None)
    ests = [MLPClassifier(**good, random_state=0), MLPClassifier(**{**good, **bad}, random_state=1),
            MLPClassifier(**good, random_state=2)]
    with pytest.raises(NeuronlabError) as alone:  # a ConfigError, or a LimitError for a layer too wide
        clone(ests[1]).fit(X_MOONS, Y_MOONS)
    errors = fit_ensemble(ests, X_MOONS, Y_MOONS)
    assert errors[0] is None and errors[2] is None
    assert type(errors[1]) is type(alone.value) and str(errors[1]) == str(alone.value)


def test_bad_input_is_reported_per_model() -> None:
    ok = MLPClassifier((4,), max_epochs=3, random_state=0)
    errors = fit_ensemble([make_model("linear", "binary"), MLPClassifier((4,), "step", max_epochs=3), ok,
                           MLPClassifier((4,), eta=-1.0)], X_MOONS, Y_MOONS)
    assert isinstance(errors[0], ConfigError) and "local executor" in str(errors[0])
    assert isinstance(errors[1], ConfigError) and "step" in str(errors[1])
    assert errors[2] is None and ok.n_iter_ == 3
    assert isinstance(errors[3], ConfigError) and "eta" in str(errors[3])
    with pytest.raises(ConfigError, match="one per estimator"):
        fit_mlps([ok], [])
