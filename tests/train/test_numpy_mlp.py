"""The playground's NumPy engine against torch: every loss, penalty, activation and optimiser.

Objective and gradient against autograd (float64, to 1e-10), one case against finite differences, and
whole training runs against ``fit_module`` with ``torch.optim`` from the same weights and batches.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from neuronlab.errors import ConfigError
from neuronlab.nn.init import uniform_init
from neuronlab.train.history import shuffle_rng
from neuronlab.train.loop import fit_module
from neuronlab.train.numpy_loop import fit_numpy
from neuronlab.train.numpy_mlp import LOSSES, NumpyMLP

WIDTHS = (3, 5, 4, 2)  # two hidden layers, two outputs (one output for the one-column losses)
ONE_OUTPUT = {"binary_cross_entropy", "mse", "mae", "mse_sigmoid"}


def data(loss: str, n: int = 17, seed: int = 0) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, WIDTHS[0]))
    widths = WIDTHS[:-1] + ((1,) if loss in ONE_OUTPUT else (WIDTHS[-1],))
    t: np.ndarray
    if loss in ("cross_entropy", "mse_softmax"):
        t = rng.integers(0, widths[-1], size=n)
    elif loss in ("binary_cross_entropy", "mse_sigmoid"):
        t = rng.integers(0, 2, size=(n, 1)).astype(float)
    else:
        t = rng.normal(size=(n, 1))
    return X, t, widths


def torch_loss(loss: str, z: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The same objectives written with torch's own functions (what the playground trained before)."""
    if loss == "binary_cross_entropy":
        return F.binary_cross_entropy_with_logits(z, t)
    if loss == "cross_entropy":
        return F.cross_entropy(z, t)
    if loss == "mse":
        return F.mse_loss(z, t)
    if loss == "mae":
        return F.l1_loss(z, t)
    if loss == "mse_sigmoid":
        return F.mse_loss(torch.sigmoid(z), t)
    return F.mse_loss(torch.softmax(z, dim=-1), F.one_hot(t, z.shape[1]).to(z.dtype))


def torch_objective(params: list[torch.Tensor], bias: bool, activation: str, loss: str, X: np.ndarray,
                    t: np.ndarray, alpha: float, penalty: str) -> torch.Tensor:
    acts = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu, "identity": lambda a: a,
            "leaky_relu": lambda a: F.leaky_relu(a, 0.01)}
    h = torch.as_tensor(X)
    Ws = params[0::2] if bias else params
    bs = params[1::2] if bias else [None] * len(Ws)
    for i, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        h = F.linear(h, W, b)
        if i < len(Ws) - 1:
            h = acts[activation](h)
    tt = torch.as_tensor(t)
    value = torch_loss(loss, h, tt)
    if alpha:
        n = X.shape[0]
        value = value + (alpha / n * sum(W.abs().sum() for W in Ws) if penalty == "l1"
                         else 0.5 * alpha / n * sum((W * W).sum() for W in Ws))
    return value


def twin(widths: tuple[int, ...], bias: bool, seed: int = 1) -> tuple[list[np.ndarray], list[np.ndarray | None],
                                                                       list[torch.Tensor]]:
    weights, biases = uniform_init(widths, bias, seed, dtype="float64")
    params: list[torch.Tensor] = []
    for W, b in zip(weights, biases, strict=True):
        params.append(torch.tensor(W, requires_grad=True))
        if b is not None:
            params.append(torch.tensor(b, requires_grad=True))
    return weights, biases, params


@pytest.mark.parametrize(("loss", "activation", "bias", "penalty", "alpha"), [
    *[(loss, "tanh", True, "l2", 0.3) for loss in LOSSES],
    *[("binary_cross_entropy", act, bias, penalty, 0.7) for act, bias, penalty in itertools.product(
        ("sigmoid", "relu", "leaky_relu", "identity"), (True, False), ("l1", "l2"))],
    ("cross_entropy", "relu", False, "l1", 0.0),
])
def test_objective_and_gradient_equal_autograd(loss: str, activation: str, bias: bool, penalty: str,
                                               alpha: float) -> None:
    X, t, widths = data(loss)
    weights, biases, params = twin(widths, bias)
    net = NumpyMLP(weights, biases, activation, loss, penalty=penalty)  # type: ignore[arg-type]
    value, g = net.gradient(X, t, alpha)
    expected = torch_objective(params, bias, activation, loss, X, t, alpha, penalty)
    expected.backward()
    assert value == pytest.approx(float(expected.detach()), rel=1e-12, abs=1e-12)
    flat = np.concatenate([p.grad.numpy().ravel() for p in params])  # type: ignore[union-attr]
    np.testing.assert_allclose(g, flat, rtol=1e-10, atol=1e-12)
    assert net.loss(X, t, alpha) == pytest.approx(value, rel=1e-12)


def test_gradient_equals_finite_differences() -> None:
    X, t, widths = data("mse_softmax")
    weights, biases, _ = twin(widths, True)
    net = NumpyMLP(weights, biases, "tanh", "mse_softmax")
    _, g = net.gradient(X, t, 0.2)
    h = 1e-6
    numeric = np.empty_like(g)
    for i in range(len(net.theta)):
        keep = net.theta[i]
        net.theta[i] = keep + h
        up = net.gradient(X, t, 0.2)[0]
        net.theta[i] = keep - h
        down = net.gradient(X, t, 0.2)[0]
        net.theta[i] = keep
        numeric[i] = (up - down) / (2 * h)
    np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(("optimizer", "batch_size", "loss"), [
    ("sgd", None, "binary_cross_entropy"), ("momentum", 5, "mse"), ("adam", 4, "cross_entropy"),
    ("adam", None, "mae"),
])
def test_training_follows_torch_optim_step_by_step(optimizer: str, batch_size: int | None, loss: str) -> None:
    X, t, widths = data(loss, n=23)
    weights, biases, params = twin(widths, True, seed=5)
    net = NumpyMLP(weights, biases, "tanh", loss, optimizer=optimizer, momentum=0.9)
    ours = fit_numpy(net, X, t, eta=0.05, alpha=0.1, batch_size=batch_size, max_epochs=12, rng=shuffle_rng(3),
                     reduction="mean")

    module = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4), torch.nn.Tanh(),
                                 torch.nn.Linear(4, widths[-1])).double()
    with torch.no_grad():
        for p, q in zip(module.parameters(), params, strict=True):
            p.copy_(q)
    target = torch.as_tensor(t)
    theirs = fit_module(module, torch.as_tensor(X), target, loss_fn=lambda z, y: torch_loss(loss, z, y), eta=0.05,
                        alpha=0.1, optimizer=optimizer, momentum=0.9, batch_size=batch_size, max_epochs=12,
                        generator=shuffle_rng(3))
    np.testing.assert_allclose(ours.train_loss, theirs.train_loss, rtol=1e-9)
    flat = np.concatenate([p.detach().numpy().ravel() for p in module.parameters()])
    np.testing.assert_allclose(net.theta, flat, rtol=1e-8, atol=1e-10)


def test_float32_keeps_its_type_and_unknown_names_are_refused() -> None:
    X, t, widths = data("binary_cross_entropy")
    weights, biases, _ = twin(widths, True)
    net = NumpyMLP(weights, biases, "tanh", "binary_cross_entropy", dtype="float32")
    net.step(X, t, eta=0.1)
    assert net.theta.dtype == np.float32 and net.predict_output(X).dtype == np.float32
    assert all(W.base is net.theta or W.base is net.theta.base for W in net.weights)  # views, not copies
    with pytest.raises(ConfigError, match="unknown loss 'hinge'"):
        NumpyMLP(weights, biases, "tanh", "hinge")
    with pytest.raises(ConfigError, match="unknown optimizer 'rmsprop'"):
        NumpyMLP(weights, biases, "tanh", "mse", optimizer="rmsprop")
