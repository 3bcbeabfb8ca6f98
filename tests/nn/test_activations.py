"""The shared activation table: NumPy forward and derivative against torch and finite differences."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from neuronlab.errors import ConfigError
from neuronlab.nn.activations import ACTIVATIONS, get_activation

SMOOTH = [name for name in ACTIVATIONS if name != "step"]
A = np.concatenate([np.linspace(-6.0, 6.0, 97), [0.0, -1e-3, 1e-3, -30.0, 30.0]])


@pytest.mark.parametrize("name", SMOOTH)
def test_numpy_matches_torch_autograd(name: str) -> None:
    act = get_activation(name)
    a = torch.tensor(A, dtype=torch.float64, requires_grad=True)
    y = act.torch(a)
    y.sum().backward()  # each output depends on its own input only, so the gradient is σ'(a)
    assert a.grad is not None
    np.testing.assert_allclose(act(A), y.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(act.df(A), a.grad.numpy(), rtol=1e-12, atol=1e-15)  # kinks included


@pytest.mark.parametrize("name", SMOOTH)
def test_derivative_matches_central_differences(name: str) -> None:
    act, h = get_activation(name), 1e-6
    a = A[np.abs(A) > 1e-2]  # away from the kinks of relu and leaky_relu
    fd = (act(a + h) - act(a - h)) / (2 * h)
    np.testing.assert_allclose(act.df(a), fd, rtol=1e-6, atol=1e-9)


def test_step_forward_matches_its_torch_twin_and_has_no_gradient() -> None:
    step = get_activation("step")
    np.testing.assert_array_equal(step(A), step.torch(torch.tensor(A)).numpy())
    assert set(np.unique(step(A))) == {0.0, 1.0}
    assert step(np.array([0.0]))[0] == 0.0  # a > 0, not a >= 0
    assert not np.any(step.df(A))


def test_sigmoid_derivative_is_at_most_a_quarter() -> None:
    a = np.linspace(-50, 50, 10001)
    ds = get_activation("sigmoid").df(a)
    assert ds.max() == pytest.approx(0.25, abs=1e-12)
    assert a[np.argmax(ds)] == pytest.approx(0.0)
    assert np.all(ds <= 0.25)


def test_sigmoid_does_not_overflow_for_large_inputs() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = get_activation("sigmoid")(np.array([-1000.0, 1000.0]))
    np.testing.assert_array_equal(y, [0.0, 1.0])


def test_unknown_activation_names_the_valid_ones() -> None:
    with pytest.raises(ConfigError) as info:
        get_activation("softmax")
    message = str(info.value)
    assert "'softmax'" in message and "\n" not in message
    assert all(repr(name) in message for name in ACTIVATIONS)
    assert isinstance(info.value, ValueError)
