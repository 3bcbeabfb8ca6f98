"""``MLPClassifier.from_weights`` / ``MLPRegressor.from_weights``: a fitted estimator from weights alone.

The oracle is a fitted estimator: given its own ``coefs_``/``intercepts_`` (and a regressor its target
scaling), the rebuilt one predicts exactly what it does.  Every shape check is attacked with weights
that do not fit, each refused with one ConfigError line naming what is wrong.
"""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuronlab import MLPClassifier, MLPRegressor, load_task
from neuronlab.errors import ConfigError


def _fitted_classifier(task: str, **params: Any) -> tuple[MLPClassifier, np.ndarray, np.ndarray]:
    t = load_task(task, seed=0)
    est = MLPClassifier(max_epochs=40, random_state=0, **params).fit(t.X_train, t.y_train)
    return est, t.X_test, t.y_test


@pytest.mark.parametrize(("task", "params"), [
    ("moons", {"hidden": (5, 3), "activation": "tanh"}),
    ("blobs", {"hidden": (4,), "activation": "relu"}),  # three classes: softmax head
    ("xor", {"hidden": (6,), "activation": "leaky_relu", "bias": False}),
    ("circles", {"hidden": (), "activation": "sigmoid", "dtype": "float64"}),  # no hidden layer at all
])
def test_a_classifier_from_a_fitted_ones_weights_predicts_the_same(task: str, params: dict[str, Any]) -> None:
    est, X, y = _fitted_classifier(task, **params)
    rebuilt = MLPClassifier.from_weights(est.coefs_, est.intercepts_, classes=est.classes_,
                                         activation=est.activation, dtype=est.dtype)
    assert rebuilt.hidden == tuple(W.shape[0] for W in est.coefs_[:-1]) and rebuilt.bias == est.bias
    assert np.array_equal(rebuilt.predict(X), est.predict(X))
    assert np.array_equal(rebuilt.predict_proba(X), est.predict_proba(X))
    assert rebuilt.score(X, y) == est.score(X, y)
    assert rebuilt.n_features_in_ == X.shape[1] and len(rebuilt.history_) == 0 and rebuilt.n_iter_ == 0


def test_the_rebuilt_estimator_is_a_full_estimator() -> None:
    """Pickled, cloned, in a Pipeline, as a torch module, and trained on with partial_fit."""
    est, X, y = _fitted_classifier("moons", hidden=(4,), activation="tanh")
    rebuilt = MLPClassifier.from_weights(est.coefs_, est.intercepts_, activation="tanh")
    assert np.array_equal(pickle.loads(pickle.dumps(rebuilt)).predict_proba(X), rebuilt.predict_proba(X))
    assert clone(rebuilt).get_params() == rebuilt.get_params() and not hasattr(clone(rebuilt), "coefs_")
    pipe = make_pipeline(StandardScaler().fit(X), rebuilt)
    assert pipe.predict(X).shape == (len(X),)
    import torch

    with torch.no_grad():
        logits = rebuilt.module_(torch.as_tensor(X, dtype=torch.float32)).numpy()
    assert np.allclose(logits[:, 0], np.log(rebuilt.predict_proba(X)[:, 1] / rebuilt.predict_proba(X)[:, 0]),
                       atol=1e-4)
    rebuilt.partial_fit(X, y)  # continues from the given weights
    assert rebuilt.n_iter_ == 1 and not np.array_equal(rebuilt.coefs_[0], est.coefs_[0])


def test_classes_are_any_sorted_labels_and_default_to_indices() -> None:
    est, X, _ = _fitted_classifier("moons", hidden=(3,))
    named = MLPClassifier.from_weights(est.coefs_, est.intercepts_, classes=["a", "b"])
    assert set(named.predict(X)) <= {"a", "b"}
    assert list(MLPClassifier.from_weights(est.coefs_, est.intercepts_).classes_) == [0, 1]


@pytest.mark.parametrize("scale_target", [True, False])
def test_a_regressor_from_weights_and_target_scaling_predicts_the_same(scale_target: bool) -> None:
    t = load_task("hall_petch", seed=0)  # a target in MPa: the scaling matters
    est = MLPRegressor(hidden=(6,), max_epochs=40, random_state=0, scale_target=scale_target).fit(t.X_train, t.y_train)
    scaler = est.target_scaler_
    rebuilt = MLPRegressor.from_weights(est.coefs_, est.intercepts_,
                                        target_mean=None if scaler is None else scaler.mean_,
                                        target_scale=None if scaler is None else scaler.scale_)
    assert np.array_equal(rebuilt.predict(t.X_test), est.predict(t.X_test))


def test_a_two_output_regressor() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    Y = np.column_stack([X[:, 0] * 3 + 10, X[:, 1] - 5])
    est = MLPRegressor(hidden=(5,), max_epochs=20, random_state=0).fit(X, Y)
    rebuilt = MLPRegressor.from_weights(est.coefs_, est.intercepts_, target_mean=est.target_scaler_.mean_,
                                        target_scale=est.target_scaler_.scale_)
    assert rebuilt.predict(X).shape == (60, 2) and np.array_equal(rebuilt.predict(X), est.predict(X))


W2 = [np.ones((3, 2)), np.ones((1, 3))]
B2 = [np.zeros(3), np.zeros(1)]


@pytest.mark.parametrize(("call", "message"), [
    (lambda: MLPClassifier.from_weights([np.ones((3, 2)), np.ones((1, 4))]),
     "coefs[1] has shape (1, 4): it takes 4 inputs, but layer 0 gives 3 outputs"),
    (lambda: MLPClassifier.from_weights([np.ones(3)]), "coefs[0] must be a 2-D (out, in) matrix; got shape (3,)"),
    (lambda: MLPClassifier.from_weights([]), "coefs must be a list of weight matrices"),
    (lambda: MLPClassifier.from_weights(np.ones((2, 2))), "coefs must be a list of weight matrices"),
    (lambda: MLPClassifier.from_weights([[["a", "b"]]]), "coefs[0] must be numbers"),
    (lambda: MLPClassifier.from_weights([np.full((1, 2), np.nan)]), "coefs[0] holds NaN or infinity"),
    (lambda: MLPClassifier.from_weights(W2, B2[:1]), "intercepts has 1 entries for 2 layers"),
    (lambda: MLPClassifier.from_weights(W2, [np.zeros(2), np.zeros(1)]),
     "intercepts[0] has shape (2,); layer 0 has 3 neurons, so it needs (3,)"),
    (lambda: MLPClassifier.from_weights(W2, [None, np.zeros(1)]), "intercepts mixes None and arrays"),
    (lambda: MLPClassifier.from_weights(W2, B2, classes=[0, 1, 2]), "the last layer has 1 output(s) but 3 classes"),
    (lambda: MLPClassifier.from_weights(W2, B2, classes=[1, 0]), "classes must be sorted"),
    (lambda: MLPClassifier.from_weights(W2, B2, classes=[1, 1]), "classes must be distinct labels"),
    (lambda: MLPClassifier.from_weights(W2, B2, hidden=(4,)), "hidden=(4,) disagrees with the weights"),
    (lambda: MLPClassifier.from_weights(W2, None, bias=True), "bias=True disagrees with the weights"),
    (lambda: MLPClassifier.from_weights(W2, B2, colour="red"), "unknown parameter 'colour'"),
    (lambda: MLPClassifier.from_weights(W2, B2, activation="swish"), "unknown activation 'swish'"),
    (lambda: MLPClassifier.from_weights(W2, B2, dtype="float16"), "dtype must be one of"),
    (lambda: MLPClassifier.from_weights(W2, B2, target_mean=1.0), "target_mean= is not for a classifier"),
    (lambda: MLPRegressor.from_weights(W2, B2, classes=[0, 1]), "classes= is not for a regressor"),
    (lambda: MLPRegressor.from_weights(W2, B2, target_mean=[1.0, 2.0]),
     "target_mean must be one number or one per output (1); got 2"),
    (lambda: MLPRegressor.from_weights(W2, B2, target_scale=0.0), "target_scale must be > 0"),
])
def test_weights_that_do_not_fit_are_one_clear_line(call: Any, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        call()
    assert message in str(err.value) and "\n" not in str(err.value)


def test_the_estimator_owns_copies_of_the_weights() -> None:
    W = [np.ones((3, 2)), np.ones((1, 3))]
    est = MLPClassifier.from_weights(W, None, dtype="float64")
    W[0][:] = 5.0
    assert np.all(est.coefs_[0] == 1.0)
