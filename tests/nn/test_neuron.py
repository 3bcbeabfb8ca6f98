"""The hand-made neuron against three oracles: torch autograd, finite differences, and the seed's
equations worked out by hand; then what one neuron can and cannot learn."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pytest
import torch
from sklearn.metrics import r2_score

from neuronlab.errors import ConfigError, DataError, DivergedError
from neuronlab.nn.activations import ACTIVATIONS
from neuronlab.nn.neuron import Neuron, train
from neuronlab.nn.side_by_side import SideBySide

SMOOTH = [name for name in ACTIVATIONS if name != "step"]
Model = Neuron | SideBySide


def _data(n_inputs: int, loss_name: str, n: int = 6, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_inputs))
    t = rng.integers(0, 2, n).astype(float) if loss_name == "cross_entropy" else rng.normal(size=n)
    return X, t


def _torch_loss(loss_name: str, a: torch.Tensor, y: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    if loss_name == "cross_entropy":
        return torch.nn.functional.binary_cross_entropy_with_logits(a, t, reduction="sum")
    return 0.5 * ((y - t) ** 2).sum()


def _torch_gradients(model: Model, X: np.ndarray, t: np.ndarray, alpha: float) -> dict[str, np.ndarray]:
    """The same summed loss + ½ α ||w||² written in torch; autograd supplies the gradient."""
    Xt, tt = torch.tensor(X), torch.tensor(t)
    if isinstance(model, Neuron):
        p = {"w": torch.tensor(model.w, requires_grad=True),
             "b": torch.tensor(model.b, dtype=torch.float64, requires_grad=True)}
        a = Xt @ p["w"] + (p["b"] if model.bias else 0.0)
        decay = p["w"] @ p["w"]
    else:
        names = ("W1", "b1", "w2", "b2")
        p = {k: torch.tensor(np.asarray(getattr(model, k), dtype=float), requires_grad=True) for k in names}
        h = model.sigma.torch(Xt @ p["W1"] + (p["b1"] if model.bias else 0.0))
        a = h @ p["w2"] + (p["b2"] if model.bias else 0.0)
        decay = (p["W1"] ** 2).sum() + p["w2"] @ p["w2"]
    sigma_out = model.sigma if isinstance(model, Neuron) else model.sigma_out
    loss = _torch_loss(model.loss_name, a, sigma_out.torch(a), tt) + 0.5 * alpha * decay
    loss.backward()
    return {k: np.zeros(v.shape) if v.grad is None else v.grad.numpy() for k, v in p.items()}


def _flat(model: Model, grads: dict[str, np.ndarray]) -> np.ndarray:
    """Gradients in the order of get_params_vector (weights, then biases when there are any)."""
    keys = ["w", "b"] if isinstance(model, Neuron) else ["W1", "w2", "b1", "b2"]
    if not model.bias:
        keys = [k for k in keys if not k.startswith("b")]
    return np.concatenate([np.ravel(grads[k]) for k in keys])


def _central_differences(model: Model, X: np.ndarray, t: np.ndarray, alpha: float,
                         h: float = 1e-6) -> np.ndarray:
    theta = model.get_params_vector()
    fd = np.empty_like(theta)
    for i in range(len(theta)):
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        model.set_params_vector(up)
        loss_up = model.loss(X, t, alpha)
        model.set_params_vector(down)
        fd[i] = (loss_up - model.loss(X, t, alpha)) / (2 * h)
    model.set_params_vector(theta)
    return fd


NEURON_CASES = [(act, loss, bias, alpha) for act in SMOOTH for loss in ("auto", "mse", "cross_entropy")
                for bias, alpha in itertools.product((True, False), (0.0, 0.3))
                if loss != "cross_entropy" or act == "sigmoid"]
SIDE_CASES = [(act, out, loss, bias, alpha) for act in SMOOTH
              for out, loss in [("identity", "auto"), ("sigmoid", "auto"), ("sigmoid", "mse")]
              for bias, alpha in itertools.product((True, False), (0.0, 0.3))]


def _check_gradients(model: Model, X: np.ndarray, t: np.ndarray, alpha: float) -> None:
    grads = model.gradients(X, t, alpha)
    oracle = _torch_gradients(model, X, t, alpha)
    assert grads.keys() == oracle.keys()
    for k in grads:
        np.testing.assert_allclose(grads[k], oracle[k], rtol=1e-8, atol=1e-10, err_msg=k)
    g, fd = _flat(model, grads), _central_differences(model, X, t, alpha)
    assert np.max(np.abs(fd - g)) <= 1e-6 * np.max(np.abs(g))


@pytest.mark.parametrize(("activation", "loss", "bias", "alpha"), NEURON_CASES)
def test_neuron_gradients_match_torch_and_finite_differences(activation: str, loss: str, bias: bool,
                                                             alpha: float) -> None:
    model = Neuron(3, activation, bias=bias, loss=loss, seed=1, scale=0.8)
    if bias:
        model.set_weights(model.w, b=0.4)
    X, t = _data(3, model.loss_name)
    _check_gradients(model, X, t, alpha)
    if not bias:
        assert model.gradients(X, t, alpha)["b"] == 0.0


@pytest.mark.parametrize(("activation", "output", "loss", "bias", "alpha"), SIDE_CASES)
def test_side_by_side_gradients_match_torch_and_finite_differences(activation: str, output: str, loss: str,
                                                                   bias: bool, alpha: float) -> None:
    model = SideBySide(2, 4, activation, bias=bias, output=output, loss=loss, seed=2)
    if bias:
        model.set_weights(model.W1, model.b1, model.w2, b2=-0.3)
    X, t = _data(2, model.loss_name)
    _check_gradients(model, X, t, alpha)


def test_one_update_by_hand_from_the_seed_equations() -> None:
    # w = (ln 3, -ln 3), b = 0, sigmoid, cross-entropy; eta = 0.1, alpha = 0.5.
    # x = (1, 0), (0, 1), (1, 1);  t = 1, 1, 0
    # a = X @ w + b   = ln 3, -ln 3, 0
    # y = σ(a)        = 3/4, 1/4, 1/2
    # e = t - y       = 1/4, 3/4, -1/2
    # g = -e x        = (-1/4, 0), (0, -3/4), (1/2, 1/2)       Σ_n g = (1/4, -1/4)
    # Δw = -η Σ g - η α w = (-0.025, 0.025) - 0.05 (ln 3, -ln 3)
    # Δb = -η Σ_n (-e) = -0.1 * (-1/2) = 0.05
    # loss = -Σ[t ln y + (1-t) ln(1-y)] + ½ α ||w||² = ln 4/3 + ln 4 + ln 2 + 0.25 * 2 (ln 3)²
    ln3 = math.log(3)
    neuron = Neuron(2, "sigmoid")
    neuron.set_weights(np.array([ln3, -ln3]), b=0.0)
    X, t = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1.0, 1.0, 0.0])

    trace = neuron.step(X, t, eta=0.1, alpha=0.5)

    np.testing.assert_allclose(trace.a, [ln3, -ln3, 0.0], atol=1e-15)
    np.testing.assert_allclose(trace.y, [0.75, 0.25, 0.5])
    np.testing.assert_allclose(trace.e, [0.25, 0.75, -0.5])
    np.testing.assert_allclose(trace.g, [[-0.25, 0.0], [0.0, -0.75], [0.5, 0.5]], atol=1e-15)
    np.testing.assert_allclose(trace.dw, [-0.025 - 0.05 * ln3, 0.025 + 0.05 * ln3])
    assert trace.db == pytest.approx(0.05)
    assert trace.loss_before == pytest.approx(math.log(4 / 3) + math.log(4) + math.log(2) + 0.5 * ln3**2)
    np.testing.assert_allclose(neuron.w, [ln3 - 0.025 - 0.05 * ln3, -ln3 + 0.025 + 0.05 * ln3])
    assert neuron.b == pytest.approx(0.05)
    assert neuron.loss(X, t, alpha=0.5) < trace.loss_before


def test_the_slides_sign_climbs_and_ours_descends() -> None:
    # The slide's e = y - t with g = -e x and Δw = -η Σ g is +η × gradient: the loss goes up.
    X, t = _data(2, "cross_entropy", n=20)
    neuron = Neuron(2, seed=4, scale=0.5)
    before, w0 = neuron.loss(X, t), neuron.w.copy()
    y = neuron.predict_output(X)
    g_slide = -(y - t)[:, None] * X
    neuron.set_weights(w0 - 0.01 * g_slide.sum(axis=0), neuron.b)
    assert neuron.loss(X, t) > before
    neuron.set_weights(w0, 0.0)
    neuron.step(X, t, eta=0.01)
    assert neuron.loss(X, t) < before


def test_step_neuron_learns_by_the_perceptron_rule() -> None:
    # w = (1, -1), x = (1, 2): a = -1, y = step(a) = 0, t = 1, e = 1; Δw = η e x = (0.5, 1.0), Δb = 0.5
    neuron = Neuron(2, "step")
    neuron.set_weights(np.array([1.0, -1.0]))
    trace = neuron.step(np.array([[1.0, 2.0]]), np.array([1.0]), eta=0.5)
    np.testing.assert_allclose(trace.dw, [0.5, 1.0])
    assert trace.db == 0.5
    assert trace.loss_before == 1.0  # perceptron criterion: |a| of the misclassified sample


def _separable(n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, 2))
    s = X @ np.array([1.5, -1.0]) + 0.3
    keep = np.abs(s) > 0.3  # a margin around the line
    return X[keep], (s[keep] > 0).astype(float)


@pytest.mark.parametrize(("activation", "eta"), [("sigmoid", 0.05), ("step", 0.1)])
def test_one_neuron_separates_a_linearly_separable_set(activation: str, eta: float) -> None:
    X, t = _separable()
    neuron = Neuron(2, activation)
    history = train(neuron, X, t, eta=eta, epochs=200)
    assert np.mean((neuron.predict_output(X) > 0.5) == t) >= 0.99
    assert history[-1] < history[0]


def test_one_neuron_cannot_solve_xor() -> None:
    rng = np.random.default_rng(2)
    corners = np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]])
    X = np.repeat(corners, 50, axis=0) + 0.3 * rng.normal(size=(200, 2))
    t = np.repeat([0.0, 0.0, 1.0, 1.0], 50)
    neuron = Neuron(2)
    train(neuron, X, t, eta=0.01, epochs=300)
    assert np.mean((neuron.predict_output(X) > 0.5) == t) <= 0.75


def test_neurons_side_by_side_fit_different_parts_of_sin() -> None:
    x = np.linspace(-3, 3, 60)[:, None]
    t = np.sin(x[:, 0])
    single, side = Neuron(1, "tanh"), SideBySide(1, 10, "tanh")
    train(single, x, t, eta=0.005, epochs=2000)
    train(side, x, t, eta=0.005, epochs=2000)
    r2_single, r2_side = r2_score(t, single.predict_output(x)), r2_score(t, side.predict_output(x))
    assert r2_single <= 0.9  # one tanh bends once; sin bends twice on [-3, 3]
    assert r2_side >= 0.99
    centres = -side.b1 / side.W1[0]  # where each hidden neuron switches (a = 0)
    inside = centres[np.abs(centres) <= 3]
    assert inside.max() - inside.min() >= 3  # they switch at different places along x


@pytest.mark.parametrize("make", [lambda: Neuron(2, "tanh"), lambda: SideBySide(2, 3, "relu")])
def test_mini_batch_training_is_deterministic_in_seed(make: Callable[[], Model]) -> None:
    X, t = _data(2, "mse", n=30)

    def run(seed: int, batch_size: int | None = 7) -> tuple[list[float], np.ndarray]:
        model = make()
        history = train(model, X, t, eta=0.01, epochs=15, batch_size=batch_size, seed=seed)
        return history, model.get_params_vector()

    (h0, p0), (h0b, p0b), (h1, _) = run(0), run(0), run(1)
    assert h0 == h0b
    np.testing.assert_array_equal(p0, p0b)
    assert h0 != h1  # another shuffle, another path
    assert run(0, None)[0] == run(5, None)[0]  # full batch has nothing to shuffle


def test_divergence_raises_with_the_epoch() -> None:
    X, t = _data(2, "mse", n=50)
    with pytest.raises(DivergedError, match=r"epoch \d+.*smaller eta") as info:
        train(Neuron(2, "identity"), X, t, eta=1.0, epochs=2000)
    epoch = info.value.epoch
    assert epoch > 1
    history = train(Neuron(2, "identity"), X, t, eta=1.0, epochs=epoch - 1)  # one epoch fewer still finite
    assert len(history) == epoch - 1 and np.all(np.isfinite(history))
    assert history[-1] > history[0]


X2, T2 = np.zeros((4, 2)), np.array([0.0, 1.0, 0.0, 1.0])
BAD: list[tuple[Callable[[], object], type[Exception], str]] = [
    (lambda: Neuron(2, "sigmoidd"), ConfigError, "unknown activation 'sigmoidd'"),
    (lambda: Neuron(0), ConfigError, "n_inputs must be a whole number >= 1"),
    (lambda: Neuron(2, loss="hinge"), ConfigError, "unknown loss 'hinge'"),
    (lambda: Neuron(2, "tanh", loss="cross_entropy"), ConfigError, "use activation='sigmoid' or loss='mse'"),
    (lambda: Neuron(2, "step", loss="mse"), ConfigError, "perceptron rule"),
    (lambda: Neuron(2, "relu", loss="perceptron"), ConfigError, "activation='step'"),
    (lambda: Neuron(2, scale=-1.0), ConfigError, "scale"),
    (lambda: SideBySide(2, 0), ConfigError, "n_neurons must be"),
    (lambda: SideBySide(2, 3, "step"), ConfigError, "zero derivative"),
    (lambda: SideBySide(2, 3, output="tanh"), ConfigError, "unknown output 'tanh'"),
    (lambda: Neuron(2).step(X2, T2, eta=0.0), ConfigError, "eta must be a number > 0 (the learning rate η), got 0.0"),
    (lambda: Neuron(2).step(X2, T2, eta=0.1, alpha=-1.0), ConfigError, "alpha must be a number >= 0 (the weight"),
    (lambda: Neuron(2).loss(X2, T2, alpha=float("nan")), ConfigError, "alpha"),
    (lambda: Neuron(3).forward(X2), DataError, "X must have shape (N >= 1, 3); got (4, 2)"),
    (lambda: Neuron(1).forward(np.zeros(4)), DataError, "X.reshape(-1, 1)"),
    (lambda: Neuron(2).forward(np.full((2, 2), np.nan)), DataError, "NaN"),
    (lambda: Neuron(2).loss(X2, T2[:3]), DataError, "one per row of X"),
    (lambda: Neuron(2).step(X2, 2 * T2, eta=0.1), DataError, "[0, 1]"),
    (lambda: Neuron(2, "step").step(X2, T2 / 2, eta=0.1), DataError, "0 or 1"),
    (lambda: Neuron(2).set_weights(np.zeros(3)), ConfigError, "w must be 2 finite numbers"),
    (lambda: Neuron(2, bias=False).set_weights(np.zeros(2), b=1.0), ConfigError, "no bias"),
    (lambda: SideBySide(2, 3).set_weights(np.zeros((3, 2)), np.zeros(3), np.zeros(3)), ConfigError,
     "W1 (2, 3)"),
    (lambda: SideBySide(2, 3, bias=False).set_weights(np.zeros((2, 3)), np.ones(3), np.zeros(3)), ConfigError,
     "no biases"),
    (lambda: train(Neuron(2), X2, T2, eta=0.1, epochs=0), ConfigError, "epochs"),
    (lambda: train(Neuron(2), X2, T2, eta=0.1, batch_size=0), ConfigError, "batch_size"),
    (lambda: train(Neuron(2), X2, T2, eta=-0.1), ConfigError, "eta"),
    (lambda: train(Neuron(2), X2[0], T2, eta=0.1), DataError, "X must be 2-D"),
]


@pytest.mark.parametrize(("call", "error", "message"), BAD)
def test_bad_input_raises_a_clear_one_line_error(call: Callable[[], object], error: type[Exception],
                                                  message: str) -> None:
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)
    assert "\n" not in str(info.value)
