"""Each seed figure's data — the numbers behind the picture — says what the slide says (or honestly not)."""

from __future__ import annotations

import itertools
import json
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from neuronlab.errors import ConfigError
from neuronlab.figures import FIGURES, figure_summary, make_figure, regenerate_all, to_jsonable
from neuronlab.figures.gradients import grad_1d, loss_1d
from neuronlab.figures.graph import B_EXAMPLE, T_EXAMPLE, W_EXAMPLE, X_EXAMPLE
from neuronlab.nn.mlp import MLP


@cache
def data(name: str) -> dict[str, Any]:
    fig, d = make_figure(name, fast=True)
    plt.close(fig)
    return d


def test_registry_holds_the_fourteen_figures_in_slide_order() -> None:
    assert list(FIGURES) == [
        "perceptron_diagram", "and_vs_xor", "mlp_diagram", "xor_mlp", "activations", "vanishing_gradients",
        "gradient_descent", "early_stopping",
        "hall_petch", "neuron_boundaries", "moons_mlp", "confusion_matrix", "neurons_vs_gp",
        "computational_graph",
    ]
    with pytest.raises(ConfigError, match="unknown figure 'xkcd'"):
        make_figure("xkcd")


def test_regenerate_writes_png_and_the_same_numbers_as_json(tmp_path: Path) -> None:
    names = ["gradient_descent", "computational_graph"]
    paths = regenerate_all(tmp_path, fast=True, names=names)
    assert list(paths) == names
    for name, path in paths.items():
        assert path == tmp_path / f"{name}.png" and path.read_bytes()[:4] == b"\x89PNG"
        assert json.loads((tmp_path / f"{name}.json").read_text()) == to_jsonable(data(name))
    assert torch.get_num_threads() >= 1  # the thread limit is undone afterwards
    with pytest.raises(ConfigError, match="unknown figure 'nope'"):
        regenerate_all(tmp_path / "other", names=["activations", "nope"])
    assert not (tmp_path / "other").exists()  # names are checked before any figure is drawn


def test_to_jsonable_turns_arrays_and_nan_into_json() -> None:
    out = to_jsonable({1: np.array([1.0, np.nan]), "x": (np.float32(0.5), np.int64(3))})
    assert out == {"1": [1.0, None], "x": [0.5, 3]}
    json.dumps(out, allow_nan=False)


def test_1_a_line_separates_and_but_not_xor() -> None:
    d = data("and_vs_xor")
    assert d["and"]["linear_accuracy"] >= 0.95
    assert d["xor"]["linear_accuracy"] <= 0.8  # three of four clusters at best


def test_2_two_hidden_layers_solve_xor_with_a_curved_boundary() -> None:
    d = data("xor_mlp")
    assert d["test_accuracy"] >= 0.95
    q = d["quadrant_p1"]  # P(class 1) high exactly where the signs differ
    assert min(q["(-,+)"], q["(+,-)"]) > 0.9 and max(q["(+,+)"], q["(-,-)"]) < 0.1


def test_3_five_activations_from_step_to_leaky_relu() -> None:
    d = data("activations")
    assert list(d["values"]) == ["step", "sigmoid", "tanh", "relu", "leaky_relu"]
    assert d["max_derivative"]["sigmoid"] == pytest.approx(0.25)
    a, relu_d = np.array(d["a"]), np.array(d["derivatives"]["relu"])
    assert (relu_d[a > 0] == 1.0).all()


def test_4_sigmoid_gradient_vanishes_with_depth() -> None:
    d = data("vanishing_gradients")
    assert d["sigmoid_max_derivative"] == pytest.approx(0.25)
    assert d["relu_derivative_a_positive"] == [1.0]
    default = d["default"]
    assert len(default["layer"]) == 9 and len(default["sigmoid"]["mean_abs_grad"]) == 9
    assert default["sigmoid"]["orders"] > 4 > default["relu"]["orders"]
    g = default["sigmoid"]["mean_abs_grad"]
    assert default["sigmoid"]["ratio_first_last"] == pytest.approx(g[0] / g[-1])
    assert abs(d["kaiming"]["relu"]["orders"]) < 1


def test_4_both_inits_side_by_side_and_which_one_the_slide_matches() -> None:
    """Issue 13.3: at PyTorch's default init ReLU loses orders too; at Kaiming's it keeps the gradient."""
    fig, d = make_figure("vanishing_gradients", fast=True)
    titles = [ax.get_title() for ax in fig.axes]
    plt.close(fig)
    assert any("default init" in t for t in titles) and any("Kaiming" in t for t in titles)
    for init in ("default", "kaiming"):
        assert set(d[init]["orders"]) == {"sigmoid", "tanh", "relu"}
        assert len(d[init]["tanh"]["mean_abs_grad"]) == d["depth"] + 1 == 9
    default, kaiming = d["default"]["orders"], d["kaiming"]["orders"]
    assert kaiming["relu"] < 1 and default["relu"] > 1.5  # "full strength" needs He's init
    assert kaiming["tanh"] < 1 < default["tanh"]
    assert min(default["sigmoid"], kaiming["sigmoid"]) > d["sigmoid_derivative_bound_orders"] > 4  # ~4 is a bound
    assert d["sigmoid_derivative_bound_orders"] == pytest.approx(8 * np.log10(4))
    assert d["slide_matches"] == ["kaiming"]
    summary = d["summary"]
    assert "matches Kaiming (He) init" in summary
    assert f"relu {default['relu']:.1f}" in summary and f"relu {kaiming['relu']:.1f}" in summary


def test_figures_command_prints_the_gradient_verdict(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from neuronlab.cli import app

    result = CliRunner().invoke(app, ["figures", "--out", str(tmp_path), "--fast", "--only", "vanishing_gradients"])
    assert result.exit_code == 0, result.output
    assert "vanishing_gradients" in result.output
    assert "matches Kaiming (He) init" in " ".join(result.output.split())
    assert figure_summary(tmp_path / "vanishing_gradients.png") == data("vanishing_gradients")["summary"]
    assert figure_summary(tmp_path / "nothing.png") is None


def test_0_the_perceptron_diagram_is_a_step_neuron_computing_and() -> None:
    d = data("perceptron_diagram")
    table = d["truth_table"]
    assert table["y"] == [0.0, 0.0, 0.0, 1.0] and d["computes_and"]
    w, b = d["w"], d["b"]
    for x1, x2, a in zip(table["x1"], table["x2"], table["a"], strict=True):
        assert a == pytest.approx(w[0] * x1 + w[1] * x2 + b)  # a = w·x + b, worked by hand
    assert (d["n_weights"], d["n_biases"]) == (2, 1)


def test_1b_every_edge_of_the_mlp_diagram_is_one_weight_of_the_module() -> None:
    fig, d = make_figure("mlp_diagram", fast=True)
    n_lines = len(fig.axes[0].get_lines())
    plt.close(fig)
    widths = d["widths"]
    assert widths == [2, 8, 8, 1]
    assert d["edges_per_layer"] == [a * b for a, b in itertools.pairwise(widths)]
    module = MLP(widths, d["activation"])
    assert d["n_weights"] == n_lines == sum(layer.weight.numel() for layer in module.layers)
    assert d["n_parameters"] == sum(p.numel() for p in module.parameters()) == d["n_weights"] + d["n_biases"]


def test_5_descent_ends_in_a_local_minimum_from_one_start_and_the_global_from_another() -> None:
    d = data("gradient_descent")
    ends = np.array(list(d["ends"].values()))
    assert abs(ends[0] - ends[1]) > 1.0
    assert np.abs(grad_1d(ends)).max() < 1e-6  # both are stationary points
    assert min(ends, key=lambda w: loss_1d(w)) == pytest.approx(d["global_minimum"])
    grid = np.linspace(-3, 3, 60001)
    assert d["global_minimum"] == pytest.approx(grid[np.argmin(loss_1d(grid))], abs=1e-3)
    path = np.array(next(iter(d["paths"].values())))
    np.testing.assert_allclose(path[1:], path[:-1] - d["eta"] * grad_1d(path[:-1]))  # w ← w − η ∇L


def test_6_validation_r2_peaks_and_training_stops_patience_epochs_later() -> None:
    d = data("early_stopping")
    h = d["history"]
    assert d["best_epoch"] == h["epoch"][int(np.argmax(h["val_metric"]))]
    # scikit-learn's rule: an epoch short of the best so far plus tol (1e-4) counts as no improvement;
    # training stops more than the patience of 30 epochs after the last one that counted
    best, counted = -np.inf, 0
    for epoch, metric in zip(h["epoch"], h["val_metric"], strict=True):
        if metric >= best + 1e-4:
            counted = epoch
        best = max(best, metric)
    assert d["stopped_epoch"] == counted + 31 and counted <= d["best_epoch"]
    assert d["best_val_r2"] >= d["last_val_r2"]
    assert h["train_loss"][-1] < h["train_loss"][0] / 2
    assert d["test_r2"] <= d["ceiling"]


def test_7_hall_petch_shows_the_cross_validated_comparison_and_the_learning_curve() -> None:
    d = data("hall_petch")
    assert d["scenario"] == "slide" and d["ceiling"] == pytest.approx(0.91)
    cv = d["cv_mean"]
    assert cv["linear(inv_sqrt(d))"] > cv["linear(d)"] + 0.3  # the physics' feature, cross-validated by specimen
    assert d["pair"]["a"] == "mlp(d)" and d["pair"]["b"] == "linear(inv_sqrt(d))" and len(d["pair"]["diffs"]) == 5
    sizes = [s["n_train"] for s in d["curve"]]
    assert sizes == sorted(sizes) and sizes[0] == 30 and sizes[-1] == 225  # the fast curve stops at the slide's
    assert all(set(s["mean"]) == {"linear(inv_sqrt(d))", "mlp(d)"} for s in d["curve"])
    assert d["crossover"]["max_n_train"] == 225 and "test split" in d["test_split"]["sentence"]


def test_8_the_neuron_is_near_the_ceiling_on_gaussians_and_below_it_on_moons() -> None:
    d = data("neuron_boundaries")
    assert d["gaussians"]["test_accuracy"] >= d["gaussians"]["ceiling"] - 0.1
    assert d["moons"]["test_accuracy"] < d["moons"]["ceiling"]


def test_9_and_10_moons_mlp_and_its_confusion_matrix_agree() -> None:
    mlp, cm = data("moons_mlp"), data("confusion_matrix")
    assert mlp["test_accuracy"] >= 0.9
    (tn, fp), (fn, tp) = cm["matrix"]
    assert tn + fp + fn + tp == cm["n_test"]
    assert cm["accuracy"] == pytest.approx((tp + tn) / cm["n_test"]) == pytest.approx(mlp["test_accuracy"])
    assert cm["precision"] == pytest.approx(tp / (tp + fp))


def test_11_more_neurons_fit_better_and_the_gp_band_holds_the_truth() -> None:
    d = data("neurons_vs_gp")
    assert list(d) == ["sin", "identity", "square", "sinh"]
    for name, row in d.items():
        assert row["gp_truth_coverage"] >= 0.9, name
        r2 = row["r2_test"]
        assert r2["8 neurons"] > r2["1 neuron"], name
    assert d["square"]["r2_test"]["1 neuron"] < 0  # one monotone tanh cannot bend into a parabola


def test_12_graph_gradients_equal_torch_autograd() -> None:
    d = data("computational_graph")
    x = torch.tensor(X_EXAMPLE, dtype=torch.float64, requires_grad=True)
    w = torch.tensor(W_EXAMPLE, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(B_EXAMPLE, dtype=torch.float64, requires_grad=True)
    a = x @ w + b
    y = torch.sigmoid(a)
    a.retain_grad()
    y.retain_grad()
    loss = -(T_EXAMPLE * torch.log(y) + (1 - T_EXAMPLE) * torch.log(1 - y))
    loss.backward()
    f, g = d["forward"], d["backward"]
    assert (f["a"], f["y"], f["L"]) == pytest.approx((a.item(), y.item(), loss.item()), rel=1e-12)
    expected = {"dL_dy": y.grad, "dL_da": a.grad, "dL_db": b.grad, "dL_dw1": w.grad[0], "dL_dw2": w.grad[1],
                "dL_dx1": x.grad[0], "dL_dx2": x.grad[1]}
    for key, value in expected.items():
        assert g[key] == pytest.approx(float(value), rel=1e-10), key


def test_figures_are_deterministic() -> None:
    fig, again = make_figure("neuron_boundaries", fast=True)
    plt.close(fig)
    assert again == data("neuron_boundaries")
