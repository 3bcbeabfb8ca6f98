"""Each engine's optimiser against the formulas of ``train/optimizers.py``: from the same initial weights,
a few full-batch steps of the compiled kernel and of the torch engine land where the reference formulas,
fed autograd's gradients, say they must."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import make_moons
from torch.nn import functional as F

from neuronlab.nn.init import uniform_init
from neuronlab.train import optimizers
from neuronlab.train.ensemble_fused import train_fused
from neuronlab.train.history import History
from neuronlab.train.problem import Problem, Trained
from neuronlab.train.torch_engine import TorchMLP

X, Y = make_moons(60, noise=0.2, random_state=0)
WIDTHS, ALPHA, STEPS = (2, 5, 1), 0.05, 4


def _problem(name: str, eta: float) -> Problem:
    weights, biases = uniform_init(WIDTHS, True, seed=3, dtype="float64")
    return Problem("binary", "tanh", name, eta, ALPHA, 0.8, None, STEPS, 30, 1e-4, "float64", 3, weights, biases,
                   X, Y.astype(np.float64))


def _flat(weights: list[np.ndarray], biases: list[np.ndarray | None]) -> np.ndarray:
    return np.concatenate([a.ravel() for W, b in zip(weights, biases, strict=True) for a in (W, b) if a is not None])


def _gradient(theta: np.ndarray) -> np.ndarray:
    """Autograd's gradient of the batch objective: mean BCE + ½ α Σ‖W‖² / n (weights, not biases)."""
    t = torch.tensor(theta, requires_grad=True)
    (W1, b1, W2, b2) = (t[:10].view(5, 2), t[10:15], t[15:20].view(1, 5), t[20:21])
    Xt, yt = torch.as_tensor(X), torch.as_tensor(Y, dtype=torch.float64)[:, None]
    logits = torch.tanh(Xt @ W1.T + b1) @ W2.T + b2
    loss = F.binary_cross_entropy_with_logits(logits, yt) + 0.5 * ALPHA / len(X) * ((W1**2).sum() + (W2**2).sum())
    loss.backward()
    assert t.grad is not None
    return t.grad.numpy().copy()


def _reference(name: str, eta: float) -> np.ndarray:
    p = _problem(name, eta)
    theta = _flat(p.weights, p.biases)
    state = optimizers.init_state(theta)
    for _ in range(STEPS):
        theta = optimizers.step(name, theta, _gradient(theta), state, eta=eta, mu=p.momentum)
    return theta


@pytest.mark.parametrize(("name", "eta"), [("sgd", 0.5), ("momentum", 0.3), ("adam", 0.05)])
def test_each_engine_takes_the_reference_steps(name: str, eta: float) -> None:
    expected = _reference(name, eta)
    start = _flat(_problem(name, eta).weights, _problem(name, eta).biases)
    assert np.abs(expected - start).max() > 1e-2  # the steps move the weights: the comparison can fail
    (fused,) = train_fused([_problem(name, eta)], threads=1)
    assert isinstance(fused, Trained)
    problem = _problem(name, eta)
    torch_run = TorchMLP(problem).train(problem, History())
    for trained in (fused, torch_run):
        np.testing.assert_allclose(_flat(trained.weights, trained.biases), expected, rtol=1e-9, atol=1e-12)


def test_the_reference_refuses_an_unknown_optimizer() -> None:
    theta = np.zeros(3)
    with pytest.raises(ValueError, match="rmsprop"):
        optimizers.step("rmsprop", theta, theta, optimizers.init_state(theta), eta=0.1)
