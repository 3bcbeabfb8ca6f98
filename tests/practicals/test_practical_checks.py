"""``check``: right answers pass, each classic slip fails with its own message, hidden cases stay hidden."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy.special
import torch
from sklearn.model_selection import GroupKFold, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

from neuronlab.errors import ConfigError
from neuronlab.practicals import CheckResult, check, exercises
from neuronlab.practicals.numpy_neuron import LARGE

# -- student code, right and wrong -----------------------------------------------------------------------------


def sigmoid(a: Any) -> Any:
    a = np.asarray(a, dtype=float)
    ea = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + ea), ea / (1 + ea))


def neuron(X: Any, w: Any) -> Any:
    return sigmoid(X @ w)


def make_train(*, sign: float = 1.0, decay: float = 1.0, reduce: str = "sum", loops: int | None = None) -> Callable:
    """The seed's loop, or one slip away from it (sign=-1 is the slide's e = y - t with g = -e x)."""

    def train(X: Any, t: Any, w: Any, eta: float, alpha: float = 0.0, epochs: int = 1) -> Any:
        for _ in range(epochs if loops is None else loops):
            e = sign * (t - neuron(X, w))
            g = -e[:, None] * X
            total = g.sum(axis=0) if reduce == "sum" else g.mean(axis=0)
            w = w - eta * total - decay * eta * alpha * w
        return w

    return train


class TorchNeuron(nn.Module):
    def __init__(self, n_inputs: int, *, bias: bool = True, squash: bool = True) -> None:
        super().__init__()
        self.linear = nn.Linear(n_inputs, 1, bias=bias)
        self.squash = squash

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        a = self.linear(X)
        return torch.sigmoid(a) if self.squash else a


class DoubleNeuron(TorchNeuron):
    """Right maths in float64: the check's float32 training breaks on it, which must be a message, not a crash."""

    def __init__(self, n_inputs: int) -> None:
        super().__init__(n_inputs)
        self.double()

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return super().forward(X.double())


class MLP(nn.Module):
    def __init__(self, n_inputs: int, n_hidden: int = 40, *, relu: bool = True) -> None:
        super().__init__()
        self.hidden, self.output, self.relu = nn.Linear(n_inputs, n_hidden), nn.Linear(n_hidden, 1), relu

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        h = self.hidden(X)
        return torch.sigmoid(self.output(torch.relu(h) if self.relu else h))


def honest_cv(model: Any, X: Any, y: Any, groups: Any, n_splits: int = 5) -> Any:
    return cross_val_score(make_pipeline(StandardScaler(), model), X, y, groups=groups, cv=GroupKFold(n_splits))


def todo(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError("exercise: write it")


RIGHT: dict[str, Any] = {
    "sigmoid": sigmoid,
    "neuron": neuron,
    "training_loop": make_train(),
    "torch_neuron": TorchNeuron,
    "loss": nn.BCELoss(),
    "accuracy": lambda y, t: ((y > 0.5).float() == t).float().mean().item(),
    "mlp": MLP,
    "honest_cv": honest_cv,
}

# (exercise, wrong code, a phrase the message must contain)
WRONG: list[tuple[str, Any, str]] = [
    ("sigmoid", lambda a: 1 / (1 + np.exp(-a)), "overflows for large negative a"),
    ("sigmoid", lambda a: 0.5 * (1 + np.tanh(a / 2)), "wrong for large negative a"),
    ("sigmoid", lambda a: 1 / (1 + np.exp(a)), "the sign of the exponent"),
    ("sigmoid", lambda a: 1 / (2 + np.exp(-np.clip(a, -50, 50))), "wrong for moderate a"),
    ("sigmoid", lambda a: np.ravel(sigmoid(a)), "same shape as a"),
    ("neuron", lambda X, w: X @ w, "passed through the sigmoid"),
    ("neuron", lambda X, w: sigmoid(X @ w)[:, None], "flat array of shape (N,)"),
    ("neuron", lambda X, w: sigmoid(X.sum(axis=1)), "weighs that sample's own inputs"),
    ("training_loop", make_train(sign=-1.0), "moves w uphill"),
    ("training_loop", make_train(reduce="mean"), "averages over the samples"),
    ("training_loop", make_train(decay=0.0), "no weight decay"),
    ("training_loop", make_train(decay=-1.0), "weight decay has the wrong sign"),
    ("training_loop", make_train(loops=1), "exactly `epochs` times"),
    ("training_loop", lambda X, t, w, eta, alpha=0.0, epochs=1: (w, []), "not a tuple"),
    ("training_loop", lambda X, t, w, eta: w, "signature is train(X, t, w, eta, alpha=0.0, epochs=1)"),
    ("torch_neuron", lambda n: TorchNeuron(n, bias=False), "one bias"),
    ("torch_neuron", lambda n: TorchNeuron(n, squash=False), "passes it through the sigmoid"),
    ("torch_neuron", lambda n: object(), "subclass of torch.nn.Module"),
    ("torch_neuron", DoubleNeuron, "checking TorchNeuron failed with RuntimeError"),
    ("loss", nn.BCELoss(reduction="sum"), "take the mean"),
    ("loss", lambda y, t: nn.functional.binary_cross_entropy(t, y), "swapped its arguments"),
    ("loss", nn.MSELoss(), "squared error"),
    ("loss", lambda y, t: nn.functional.binary_cross_entropy(y, t).item(), "one-number torch tensor"),
    ("accuracy", lambda y, t: 100 * ((y > 0.5).float() == t).float().mean(), "not a percentage"),
    ("accuracy", lambda y, t: ((y > 0.5).float() != t).float().mean(), "counts the wrong predictions"),
    ("accuracy", lambda y, t: ((y > 0.5).float() == t).float().sum(), "does not divide by the total"),
    ("accuracy", lambda y, t: (((y > 0.5).float() == 1) & (t == 1)).float().mean(), "only the true positives"),
    ("accuracy", lambda y, t: ((y > 0.5) & (t == 1)).float().sum() / (y > 0.5).float().sum(), "the precision"),
    ("accuracy", lambda y, t: ((y > 0.5).float() == t).float().mean() * 0.9, "where is the threshold"),
    ("mlp", lambda n, h: MLP(n, h, relu=False), "cannot separate XOR"),
    ("mlp", lambda n, h: MLP(n, 40), "(n_inputs + 1)·n_hidden + n_hidden + 1"),
    ("honest_cv", lambda m, X, y, g, n_splits=5: cross_val_score(m, StandardScaler().fit_transform(X), y, groups=g,
                                                                 cv=GroupKFold(n_splits)), "scaler saw the validation"),
    ("honest_cv", lambda m, X, y, g, n_splits=5: cross_val_score(make_pipeline(StandardScaler(), m), X, y,
                                                                 cv=KFold(n_splits)), "keeps a specimen's crops"),
    ("honest_cv", lambda m, X, y, g, n_splits=5: cross_val_score(m, X, y, groups=g, cv=GroupKFold(n_splits)),
     "no scaler at all"),
]


def test_every_exercise_has_a_right_answer_here() -> None:
    assert set(RIGHT) == set(exercises())


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_the_reference_solution_passes(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = check(name, RIGHT[name])
    assert result.passed and result.status == "passed", result.message
    assert capsys.readouterr().out.startswith(f"✓ {name}: ")


@pytest.mark.parametrize(("name", "wrong", "phrase"), WRONG, ids=[f"{n}-{p[:24]}" for n, _, p in WRONG])
def test_a_slip_fails_with_its_message(name: str, wrong: Any, phrase: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = check(name, wrong)
    assert not result.passed and result.status == "failed"
    assert phrase in result.message, result.message
    assert capsys.readouterr().out.startswith(f"✗ {name}: ")
    _assert_reveals_nothing(result.message)


def _assert_reveals_nothing(message: str) -> None:
    """No arrays, no long decimals, no hidden ranges: a message names the kind of case, not its values."""
    assert not re.search(r"\[\s*-?\d", message) and "array(" not in message, message
    assert not re.search(r"\d\.\d{3,}", message), message
    assert not re.search(rf"\b({int(LARGE[0])}|{int(LARGE[1])})\b", message), message


def test_the_placeholder_is_reported_as_todo() -> None:
    result = check("sigmoid", todo, quiet=True)
    assert result.status == "todo" and not result.passed
    assert "still raises NotImplementedError" in result.message


def test_expit_passes_and_checks_are_deterministic() -> None:
    first = check("sigmoid", scipy.special.expit, quiet=True)
    assert first.passed
    wrong = make_train(sign=-1.0)
    assert check("training_loop", wrong, quiet=True).message == check("training_loop", wrong, quiet=True).message


def test_an_endless_loop_is_stopped_by_the_time_budget() -> None:
    def forever(a: Any) -> Any:
        while True:
            pass

    start = time.perf_counter()
    result = check("sigmoid", forever, time_budget_s=0.3, quiet=True)
    assert not result.passed and "time budget of 0.3 s" in result.message
    assert time.perf_counter() - start < 5  # stopped, not waited out


def test_a_student_except_cannot_swallow_the_budget() -> None:
    def stubborn(a: Any) -> Any:
        while True:
            with contextlib.suppress(Exception):  # the budget must still win
                time.sleep(0.05)

    assert "time budget" in check("sigmoid", stubborn, time_budget_s=0.2, quiet=True).message


def test_checks_leave_the_students_random_streams_alone() -> None:
    torch.manual_seed(5)
    np.random.seed(5)
    expected = (torch.rand(1).item(), np.random.rand())
    torch.manual_seed(5)
    np.random.seed(5)
    check("mlp", MLP, seeds=(0,), quiet=True)
    check("neuron", neuron, quiet=True)
    assert (torch.rand(1).item(), np.random.rand()) == expected


def test_more_seeds_catch_what_one_might_not() -> None:
    calls: list[int] = []

    def counting(a: Any) -> Any:
        calls.append(1)
        return sigmoid(a)

    check("sigmoid", counting, seeds=(0,), quiet=True)
    one = len(calls)
    check("sigmoid", counting, seeds=(0, 1, 2, 3), quiet=True)
    assert len(calls) - one == 4 * one


def test_not_a_function_is_a_failed_check_not_a_crash() -> None:
    result = check("neuron", None, quiet=True)
    assert not result.passed and "expected the function or class neuron" in result.message


@pytest.mark.parametrize(("kwargs", "phrase"), [({"seeds": ()}, "seeds"), ({"seeds": (-1,)}, "seeds"),
                                                 ({"time_budget_s": 0}, "time_budget_s")])
def test_bad_arguments_are_config_errors(kwargs: dict[str, Any], phrase: str) -> None:
    with pytest.raises(ConfigError, match=phrase):
        check("sigmoid", sigmoid, **kwargs)


def test_an_unknown_exercise_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="'sigmoid'"):
        check("sigmoidd", sigmoid)


def test_a_result_shows_once_in_a_notebook(capsys: pytest.CaptureFixture[str]) -> None:
    printed = check("sigmoid", sigmoid)
    silent = check("sigmoid", sigmoid, quiet=True)
    capsys.readouterr()
    printed._ipython_display_()
    silent._ipython_display_()
    assert capsys.readouterr().out.count("✓ sigmoid") == 1
    assert isinstance(printed, CheckResult) and printed.to_dict()["status"] == "passed"
