"""Per-layer gradient magnitudes: equal to the chain rule by hand, seeded, vanishing for sigmoid."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from neuronlab.errors import ConfigError
from neuronlab.nn.mlp import MLP
from neuronlab.plots.gradients import gradient_depth_data, layer_gradient_magnitudes, plot_gradient_depth


def test_magnitudes_equal_backpropagation_written_out_in_numpy() -> None:
    torch.manual_seed(3)
    module = MLP((2, 3, 1), "sigmoid").double()
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 2)), rng.integers(0, 2, (16, 1)).astype(float)
    got = layer_gradient_magnitudes(module, torch.from_numpy(X), torch.from_numpy(y))

    (W1, b1), (W2, b2) = [(layer.weight.detach().numpy(), layer.bias.detach().numpy())
                          for layer in module.layers]
    h = 1 / (1 + np.exp(-(X @ W1.T + b1)))  # (16, 3)
    p = 1 / (1 + np.exp(-(h @ W2.T + b2)))  # (16, 1)
    delta_out = (p - y) / len(X)  # mean binary cross-entropy with a sigmoid output: ∂L/∂z = (p − y) / N
    dW2 = delta_out.T @ h
    delta_h = (delta_out @ W2) * h * (1 - h)  # back through W2 and σ'
    dW1 = delta_h.T @ X
    np.testing.assert_allclose(got, [np.abs(dW1).mean(), np.abs(dW2).mean()], rtol=1e-10)


def test_depth_eight_sigmoid_vanishes_and_relu_with_kaiming_init_keeps_its_gradient() -> None:
    d = gradient_depth_data(("sigmoid", "relu"), depth=8, width=32, init="default", seed=0)
    assert d.layer.tolist() == list(range(1, 10))  # 8 hidden layers + the output layer
    sig = d.mean_abs["sigmoid"]
    assert (np.diff(np.log10(sig)) > 0).all()  # sigmoid: smaller at every step towards the input
    assert d.orders("sigmoid") > 4  # at least the slide's four orders of magnitude
    assert d.ratio("sigmoid") < d.ratio("relu")
    assert d.ratio("sigmoid") == pytest.approx(sig[0] / sig[-1])
    kaiming = gradient_depth_data(("relu",), init="kaiming", seed=0)
    assert abs(kaiming.orders("relu")) < 1  # He init is built to keep the signal's scale


def test_seeded_same_numbers_other_seed_other_numbers() -> None:
    a = gradient_depth_data(("tanh",), depth=3, width=8, n_samples=32, seed=5)
    b = gradient_depth_data(("tanh",), depth=3, width=8, n_samples=32, seed=5)
    c = gradient_depth_data(("tanh",), depth=3, width=8, n_samples=32, seed=6)
    np.testing.assert_array_equal(a.mean_abs["tanh"], b.mean_abs["tanh"])
    assert not np.allclose(a.mean_abs["tanh"], c.mean_abs["tanh"])


def test_plot_is_log_scale_with_one_line_per_activation() -> None:
    d = gradient_depth_data(("sigmoid", "relu"), depth=4, width=8, n_samples=32)
    ax = plot_gradient_depth(d).axes[0]
    assert ax.get_yscale() == "log"
    lines = ax.get_lines()
    np.testing.assert_array_equal(lines[0].get_ydata(), d.mean_abs["sigmoid"])
    assert "first/last" in lines[1].get_label()


def test_bad_arguments_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="unknown init"):
        gradient_depth_data(init="xavier")
    with pytest.raises(ConfigError, match="depth"):
        gradient_depth_data(depth=0)
    with pytest.raises(ConfigError, match="unknown activation"):
        gradient_depth_data(("gelu",))
