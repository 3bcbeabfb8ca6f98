"""What the four estimators learn, that the two neuron backends are one model, and how they fail."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import norm
from sklearn.datasets import make_blobs, make_moons
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split

from neuronlab.errors import ConfigError, DataError, DivergedError
from neuronlab.estimators import MLPClassifier, MLPRegressor, NeuronClassifier, NeuronRegressor
from neuronlab.nn.mlp import MLP

# ------------------------------------------------------------------------------------------ data


def quadrant_xor(n: int, seed: int, gap: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Points in the four quadrants of [-1, 1]² (kept ``gap`` off the axes); class = x1·x2 > 0."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(gap, 1.0, size=(n, 2)) * rng.choice([-1.0, 1.0], size=(n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def separable(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two classes either side of the line x1 + x2 = 0.5, with a margin."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(4 * n, 2))
    s = X.sum(axis=1) - 0.5
    X, s = X[np.abs(s) > 0.3][:n], s[np.abs(s) > 0.3][:n]
    return X, (s > 0).astype(int)


def gaussians(n: int, delta: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Equal priors, means ±Δ/2 on x1, σ = 1 in both coordinates: Bayes accuracy is Φ(Δ/2)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 2))
    X[:, 0] += np.where(y == 1, delta / 2, -delta / 2)
    return X, y


def sin_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, size=(n, 1))
    return x, np.sin(x[:, 0])


# --------------------------------------------------------------------------------- what they learn


def test_mlp_with_two_hidden_layers_solves_xor() -> None:
    X, y = quadrant_xor(400, seed=0)
    X_test, y_test = quadrant_xor(400, seed=1)
    clf = MLPClassifier(hidden=(16, 16), max_epochs=300, random_state=0).fit(X, y)
    assert clf.score(X_test, y_test) >= 0.98


def test_mlp_2_40_1_on_moons() -> None:
    X, y = make_moons(400, noise=0.2, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)
    clf = MLPClassifier(hidden=(40,), activation="relu", random_state=0).fit(X_train, y_train)
    assert clf.module_.widths == (2, 40, 1)  # one sigmoid output for two classes
    assert clf.score(X_test, y_test) >= 0.95


def test_mlp_reaches_the_bayes_accuracy_of_two_gaussians() -> None:
    delta = 2.0
    X, y = gaussians(1000, delta, seed=0)
    X_test, y_test = gaussians(20_000, delta, seed=1)  # standard error of the accuracy ≈ 0.003
    clf = MLPClassifier(hidden=(16,), max_epochs=200, random_state=0).fit(X, y)
    bayes = norm.cdf(delta / 2)
    assert abs(clf.score(X_test, y_test) - bayes) <= 0.03


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_single_neuron_cannot_solve_xor_but_separates_a_line(backend: str) -> None:
    X, y = quadrant_xor(400, seed=0)
    assert NeuronClassifier(backend=backend, random_state=0).fit(X, y).score(X, y) <= 0.75
    X, y = separable(300, seed=0)
    assert NeuronClassifier(backend=backend, random_state=0).fit(X, y).score(X, y) >= 0.99


def test_softmax_on_three_blobs_with_string_labels() -> None:
    X, y = make_blobs(450, centers=3, random_state=1)  # separable: logistic regression scores 0.99
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    X_train, X_test, y_train, y_test = train_test_split(X, labels, test_size=1 / 3, random_state=0)
    clf = MLPClassifier(hidden=(16,), max_epochs=200, random_state=0).fit(X_train, y_train)
    assert clf.module_.widths[-1] == 3
    proba = clf.predict_proba(X_test)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    assert set(clf.predict(X_test)) <= set(labels)
    assert accuracy_score(y_test, clf.predict(X_test)) >= 0.95


def test_mlp_regression_on_sin_single_and_multi_output() -> None:
    x, y = sin_data(200, seed=0)
    x_test = np.linspace(-2.9, 2.9, 101)[:, None]
    reg = MLPRegressor(hidden=(40, 40), max_epochs=300, random_state=0).fit(x, y)
    assert reg.predict(x_test).shape == (101,)
    assert reg.score(x_test, np.sin(x_test[:, 0])) >= 0.98

    Y = np.column_stack([y, np.cos(x[:, 0])])
    multi = MLPRegressor(hidden=(40, 40), max_epochs=300, random_state=0).fit(x, Y)
    pred = multi.predict(x_test)
    assert pred.shape == (101, 2) and multi.n_outputs_ == 2
    assert r2_score(np.column_stack([np.sin(x_test), np.cos(x_test)]), pred) >= 0.95


def test_mae_loss_trains_too() -> None:
    x, y = sin_data(200, seed=0)
    reg = MLPRegressor(hidden=(32,), max_epochs=300, loss="mae", random_state=0).fit(x, y)
    assert reg.score(x, y) >= 0.9


def test_neurons_side_by_side_fit_sin_where_one_neuron_cannot() -> None:
    x, y = sin_data(200, seed=0)
    one = NeuronRegressor(eta=1e-3, max_epochs=300, random_state=0).fit(x, y).score(x, y)
    five = NeuronRegressor("tanh", n_neurons=5, eta=1e-3, max_epochs=1500, random_state=0).fit(x, y)
    assert five.neuron_.n_neurons == 5
    assert one < 0.7 < 0.98 <= five.score(x, y)


def test_neuron_classifier_reads_non_sigmoid_outputs_as_clipped_probabilities() -> None:
    X, y = separable(200, seed=0)
    clf = NeuronClassifier("identity", eta=1e-3, random_state=0).fit(X, y)
    out = X @ clf.coef_ + clf.intercept_
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba[:, 1], np.clip(out, 0, 1))
    np.testing.assert_array_equal(clf.predict(X), (out > 0.5).astype(int))
    assert out.min() < 0 or out.max() > 1  # the clip did something
    assert clf.score(X, y) >= 0.97


# ------------------------------------------------------------------- numpy and torch are one neuron

EQUIVALENT = [
    (NeuronClassifier, {"activation": "sigmoid", "alpha": 0.1, "batch_size": 7}),
    (NeuronClassifier, {"activation": "tanh", "bias": False, "alpha": 0.05}),
    (NeuronClassifier, {"activation": "step", "batch_size": 5}),
    (NeuronClassifier, {"activation": "relu", "n_neurons": 4, "alpha": 0.1, "batch_size": 9}),
    (NeuronClassifier, {"activation": "sigmoid", "early_stopping": True, "validation_fraction": 0.25,
                        "n_iter_no_change": 5, "batch_size": 10}),
    (NeuronRegressor, {"activation": "identity", "alpha": 0.1, "batch_size": 7}),
    (NeuronRegressor, {"activation": "tanh", "n_neurons": 5, "bias": False, "alpha": 0.01, "batch_size": 11}),
    (NeuronRegressor, {"activation": "sigmoid", "n_neurons": 3, "alpha": 0.2}),
]


@pytest.mark.parametrize(("cls", "params"), EQUIVALENT)
def test_numpy_and_torch_backends_agree_to_rounding(cls: type, params: dict[str, object]) -> None:
    """Same initial weights, same batches, same summed loss and decay: the same trajectory."""
    if cls is NeuronClassifier:
        X, y = gaussians(60, 1.5, seed=2)
    else:
        X, y = sin_data(60, seed=2)
    fits = [cls(backend=b, eta=0.01, max_epochs=40, random_state=3, **params).fit(X, y)
            for b in ("numpy", "torch")]
    np.testing.assert_allclose(fits[0].history_.train_loss, fits[1].history_.train_loss, rtol=0, atol=1e-10)
    assert fits[0].history_.epoch == fits[1].history_.epoch
    assert fits[0].best_epoch_ == fits[1].best_epoch_
    np.testing.assert_allclose(_weights_numpy(fits[0]), _weights_torch(fits[1]), rtol=0, atol=1e-10)
    out = "predict_proba" if cls is NeuronClassifier else "predict"
    np.testing.assert_allclose(getattr(fits[0], out)(X), getattr(fits[1], out)(X), rtol=0, atol=1e-10)
    assert fits[0].history_.train_loss[-1] != fits[0].history_.train_loss[0]  # it did train


def _weights_numpy(est: NeuronClassifier | NeuronRegressor) -> np.ndarray:
    return est.neuron_.get_params_vector()


def _weights_torch(est: NeuronClassifier | NeuronRegressor) -> np.ndarray:
    """Torch weights in the NumPy model's order: W1 (n, K) row-major, w2, then b1, b2."""
    if est.n_neurons == 1:
        return np.append(est.coef_, est.intercept_) if est.bias else est.coef_
    assert isinstance(est.module_, MLP)
    hidden, out = est.module_.layers
    parts = [hidden.weight.detach().numpy().T.ravel(), out.weight.detach().numpy()[0]]
    if est.bias:
        parts += [hidden.bias.detach().numpy(), out.bias.detach().numpy()]
    return np.concatenate(parts)


# ------------------------------------------------------------------------------ seeds and histories


@pytest.mark.parametrize("make", [
    lambda: MLPClassifier(hidden=(8,), max_epochs=30, batch_size=16, early_stopping=True, n_iter_no_change=5,
                          random_state=1),
    lambda: MLPClassifier(hidden=(8,), max_epochs=30, batch_size=16, dtype="float64", random_state=1),
    lambda: NeuronClassifier(backend="numpy", batch_size=16, early_stopping=True, random_state=1),
    lambda: NeuronClassifier(backend="torch", n_neurons=3, batch_size=16, random_state=1),
])
def test_same_random_state_same_history_and_predictions(make) -> None:  # type: ignore[no-untyped-def]
    X, y = make_moons(120, noise=0.3, random_state=0)
    a, b = make().fit(X, y), make().fit(X, y)
    assert a.history_.to_dict() == b.history_.to_dict()
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = make().set_params(random_state=2).fit(X, y)
    assert c.history_.train_loss != a.history_.train_loss


def test_random_state_none_draws_from_numpy_global_rng() -> None:
    X, y = make_moons(100, noise=0.3, random_state=0)
    runs = []
    for seed in (5, 5, 6):
        np.random.seed(seed)
        runs.append(MLPClassifier(hidden=(8,), max_epochs=5).fit(X, y).history_.train_loss)
    assert runs[0] == runs[1] != runs[2]


def test_fit_leaves_torch_global_rng_alone() -> None:
    X, y = make_moons(60, random_state=0)
    state = torch.random.get_rng_state()
    MLPClassifier(hidden=(8,), max_epochs=3, random_state=0).fit(X, y)
    NeuronClassifier(backend="torch", n_neurons=2, max_epochs=3, random_state=0).fit(X, y)
    assert torch.equal(state, torch.random.get_rng_state())


def test_early_stopping_restores_the_best_weights() -> None:
    X, y = make_moons(300, noise=0.35, random_state=0)
    clf = MLPClassifier(hidden=(64, 64), eta=0.02, max_epochs=1000, early_stopping=True, n_iter_no_change=15,
                        validation_fraction=0.2, random_state=0).fit(X, y)
    h = clf.history_
    assert h.metric_name == "accuracy" and clf.n_iter_ == len(h) < 1000
    assert clf.best_epoch_ == h.val_metric.index(max(h.val_metric)) + 1
    # the same stratified split the estimator drew, from its seed
    _, X_val, _, y_val = train_test_split(X, y, test_size=0.2, random_state=clf._seed, stratify=y)
    assert clf.score(X_val, y_val) == pytest.approx(max(h.val_metric), abs=1e-12)
    assert not np.isnan(h.val_loss).any()


def test_without_early_stopping_trains_exactly_max_epochs_with_nan_val_columns() -> None:
    X, y = make_moons(60, random_state=0)
    clf = MLPClassifier(hidden=(4,), max_epochs=17, random_state=0).fit(X, y)
    assert clf.n_iter_ == 17 == len(clf.history_) and clf.best_epoch_ is None
    assert np.isnan(clf.history_.val_metric).all()
    assert clf.loss_ == clf.history_.train_loss[-1]


def test_partial_fit_runs_one_epoch_per_call() -> None:
    X, y = make_moons(60, random_state=0)
    clf = MLPClassifier(hidden=(4,), random_state=0)
    with pytest.raises(ConfigError, match="classes must be passed on the first call to partial_fit"):
        clf.partial_fit(X, y)
    clf.partial_fit(X, y, classes=[0, 1]).partial_fit(X, y)
    assert clf.n_iter_ == 2 and clf.history_.epoch == [1, 2]
    with pytest.raises(ValueError, match="X has 3 features"):
        clf.partial_fit(np.c_[X, X[:, :1]], y)
    with pytest.raises(DataError, match=r"labels \[7\] not in classes_"):
        clf.partial_fit(X, np.full(len(y), 7))
    reg = NeuronRegressor(random_state=0).partial_fit(X, y.astype(float))
    assert reg.n_iter_ == 1


def test_verbose_prints_one_line_per_epoch(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = make_moons(40, random_state=0)
    MLPClassifier(hidden=(4,), max_epochs=3, verbose=True, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["epoch 1", "epoch 2", "epoch 3"]


# ------------------------------------------------------------------------------------- failures


def test_huge_eta_raises_diverged_error_with_its_epoch() -> None:
    x, y = sin_data(100, seed=0)
    message = r"loss became NaN at epoch \d+ \(eta=10.0\); try a smaller eta"
    with pytest.raises(DivergedError, match=message) as e:
        MLPRegressor(optimizer="sgd", eta=10.0, max_epochs=200, random_state=0).fit(10 * x, y)
    assert 1 <= e.value.epoch <= 200
    with pytest.raises(DivergedError, match=r"e\.g\. 0\.1") as e:
        NeuronRegressor(eta=1.0, random_state=0).fit(10 * x, y)
    est = NeuronRegressor(eta=1.0, random_state=0)
    with pytest.raises(DivergedError):
        est.fit(10 * x, y)
    assert not hasattr(est, "history_")  # a diverged fit leaves the estimator unfitted


@pytest.mark.parametrize(("est", "message"), [
    (MLPClassifier(activation="swish"), "unknown activation 'swish'; choose one of 'identity', 'leaky_relu'"),
    (MLPClassifier(optimizer="rmsprop"), "optimizer must be one of 'adam', 'momentum', 'sgd' .*, got 'rmsprop'"),
    (MLPClassifier(eta=0), "eta must be a number > 0"),
    (MLPClassifier(alpha=-1), "alpha must be a number >= 0"),
    (MLPClassifier(hidden=(8, 0)), "hidden must be layer widths >= 1"),
    (MLPClassifier(dtype="float16"), "dtype must be one of 'float32', 'float64' .*, got 'float16'"),
    (MLPClassifier(early_stopping=True, validation_fraction=1.0), "validation_fraction must be a number > 0 and < 1"),
    (MLPRegressor(loss="huber"), "loss must be one of 'mae', 'mse' .*, got 'huber'"),
    (NeuronClassifier(backend="jax"), "unknown backend 'jax'; choose one of 'numpy', 'torch'"),
    (NeuronClassifier(n_neurons=0), "n_neurons must be an integer >= 1"),
    (NeuronRegressor(activation="step"), "cannot fit a function"),
])
def test_bad_parameters_raise_config_error_at_fit(est: object, message: str) -> None:
    X, y = make_moons(20, random_state=0)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        est.fit(X, y)  # type: ignore[attr-defined]


def test_neuron_classifier_refuses_three_classes_and_suggests_mlp() -> None:
    X, y = make_blobs(60, centers=3, random_state=0)
    with pytest.raises(ConfigError, match=r"Only binary classification is supported.*use MLPClassifier"):
        NeuronClassifier().fit(X, y)


def test_one_class_is_a_data_error() -> None:
    X, _ = make_moons(20, random_state=0)
    with pytest.raises(DataError, match="y has 1 class"):
        MLPClassifier().fit(X, np.zeros(20))


def test_wrong_feature_count_at_predict_gets_sklearns_message() -> None:
    X, y = make_moons(40, random_state=0)
    for est in (MLPClassifier(hidden=(4,), max_epochs=2), NeuronClassifier(max_epochs=2)):
        est.fit(X, y)
        message = f"X has 3 features, but {type(est).__name__} is expecting 2 features"
        with pytest.raises(ValueError, match=message):
            est.predict(np.c_[X, X[:, :1]])


def test_coef_only_for_a_single_neuron() -> None:
    X, y = make_moons(40, random_state=0)
    one = NeuronClassifier(max_epochs=2, random_state=0).fit(X, y)
    assert one.coef_.shape == (2,) and isinstance(one.intercept_, float)
    many = NeuronClassifier(n_neurons=3, max_epochs=2, random_state=0).fit(X, y)
    assert not hasattr(many, "coef_")


def test_refit_with_another_backend_drops_the_old_model() -> None:
    X, y = make_moons(40, random_state=0)
    est = NeuronClassifier(max_epochs=2, random_state=0).fit(X, y)
    assert hasattr(est, "neuron_") and not hasattr(est, "module_")
    est.set_params(backend="torch").fit(X, y)
    assert hasattr(est, "module_") and not hasattr(est, "neuron_")
    est.set_params(backend="numpy")  # a parameter change alone does not change the fitted model
    assert est.predict(X).shape == (40,) and est.coef_.shape == (2,)


def test_fit_seed_is_scikit_learns_draw_from_random_state() -> None:
    """The derived seed equals ``check_random_state(rs).randint(2**31 - 1)`` (what fit used to call),
    for ints (fast path), a RandomState (its next number) and None (fresh)."""
    from sklearn.utils import check_random_state

    from neuronlab.estimators import fit_seed

    top = np.iinfo(np.int32).max
    for rs in [0, 1, 7, 12345, 2**31, 2**32 - 1, np.int64(42)]:
        assert fit_seed(rs) == int(check_random_state(int(rs)).randint(top))
    assert fit_seed(np.random.RandomState(3)) == int(np.random.RandomState(3).randint(top))
    assert 0 <= fit_seed(None) < top
    with pytest.raises(ValueError):
        fit_seed(2**32)  # out of RandomState's range, as check_random_state says
