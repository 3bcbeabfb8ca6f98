"""Activation curves come from the shared table, and their derivatives are the slopes of the curves."""

from __future__ import annotations

import numpy as np
import pytest

from neuronlab.errors import ConfigError
from neuronlab.nn.activations import ACTIVATIONS
from neuronlab.plots.activations import FIVE, activation_data, plot_activations, plot_derivatives


def test_curves_are_the_tables_and_derivatives_match_finite_differences() -> None:
    d = activation_data(FIVE, n=2001)
    assert list(d.values) == ["step", "sigmoid", "tanh", "relu", "leaky_relu"]
    smooth = np.abs(d.a) > 0.01  # away from the kinks of step, relu and leaky_relu at 0
    for name in FIVE:
        np.testing.assert_array_equal(d.values[name], ACTIVATIONS[name].f(d.a))
        slope = np.gradient(d.values[name], d.a)  # central differences: an independent oracle
        np.testing.assert_allclose(d.derivatives[name][smooth], slope[smooth], atol=1e-4)


def test_sigmoid_saturates_at_a_quarter_while_relu_passes_one() -> None:
    d = activation_data(("sigmoid", "relu"))
    assert d.max_derivative("sigmoid") == pytest.approx(0.25)
    assert d.a[np.argmax(d.derivatives["sigmoid"])] == pytest.approx(0.0)
    assert (d.derivatives["relu"][d.a > 0] == 1.0).all() and (d.derivatives["relu"][d.a < 0] == 0.0).all()


def test_plots_draw_the_data() -> None:
    d = activation_data(FIVE)
    fig = plot_activations(FIVE, data=d)
    assert len(fig.axes) == 5
    for ax, name in zip(fig.axes, FIVE, strict=True):
        solid, dashed = ax.get_lines()[2:]  # after the two axis lines
        np.testing.assert_array_equal(solid.get_ydata(), d.values[name])
        np.testing.assert_array_equal(dashed.get_ydata(), d.derivatives[name])
    ax = plot_derivatives().axes[0]
    assert "max 0.25" in ax.get_lines()[0].get_label()


def test_unknown_activation_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown activation 'swish'"):
        activation_data(("sigmoid", "swish"))
