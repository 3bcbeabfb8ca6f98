"""§3.3's exercises — the neuron in PyTorch, its loss, the accuracy function, the MLP — against the reference.

A module is checked by what it computes, not by how its attributes are named: its parameters are
counted against the seed's architecture, its forward pass against σ(X w + b) from its own weights, and
then it must learn (AND for the neuron; XOR, which no straight line separates, for the MLP).  torch is
imported inside the checks only, so building and grading the NumPy practical never pays for it.
Messages point to the notebook's section (1 the neuron, 2 the loss and the accuracy, 6 the MLP).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from neuronlab.practicals.checks import Exercise, Failure, as_array, close, student_call

if TYPE_CHECKING:
    import torch
    from torch import nn

RTOL = 1e-5  # float32
NEURON_ACCURACY = 0.9  # on AND's validation split
MLP_ACCURACY = 0.9  # on XOR's validation split; one straight line scores about 0.5
Fn = Callable[..., Any]


@contextmanager
def _torch_seed(seed: int) -> Iterator[None]:
    """Seed torch inside the block only: a check must not change the student's random stream."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def one_thread(check: Callable[[Any, Sequence[int]], str]) -> Callable[[Any, Sequence[int]], str]:
    """Run a check on one torch thread: for models this small, threads only wait for each other, and on
    a busy machine they made the MLP check fifteen times slower."""

    @functools.wraps(check)
    def run(obj: Any, seeds: Sequence[int]) -> str:
        from neuronlab.studies.hall_petch import one_thread as single

        with single():
            return check(obj, seeds)

    return run


@functools.cache
def warm_up() -> None:
    """torch's first backward pass and optimiser step take seconds; pay them before the budget starts."""
    import torch

    p = torch.zeros(2, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.1)
    torch.nn.functional.binary_cross_entropy(torch.sigmoid(p), torch.ones(2)).backward()
    opt.step()


def _tensor(a: np.ndarray) -> torch.Tensor:
    import torch

    return torch.as_tensor(a, dtype=torch.float32)


def _module(cls: Fn, *args: int, name: str, signature: str) -> nn.Module:
    from torch import nn

    model = student_call(cls, *args, what=f"{name}({', '.join(map(str, args))})", signature=signature)
    if not isinstance(model, nn.Module):
        raise Failure(f"{name} must be a subclass of torch.nn.Module (class {name}(nn.Module): …)")
    return model


def _forward(model: nn.Module, X: np.ndarray, name: str) -> torch.Tensor:
    import torch

    y = student_call(model, _tensor(X), what=f"{name}.forward(X)")
    if not isinstance(y, torch.Tensor):
        raise Failure(f"{name}.forward(X) must return a torch tensor; got {type(y).__name__}")
    if tuple(y.shape) != (len(X), 1):
        raise Failure(f"{name}.forward(X) must return shape (N, 1), one output per sample, for X of shape "
                      f"(N, n_inputs)")
    return y


def _n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _check_gradients(model: nn.Module, y: torch.Tensor, name: str) -> None:
    if not y.requires_grad:
        raise Failure(f"{name}'s output carries no gradient: keep forward in torch (no .detach(), .item(), NumPy)")
    y.sum().backward()
    if any(p.grad is None or not bool(p.grad.abs().sum() > 0) for p in model.parameters()):
        raise Failure(f"gradients do not reach every parameter of {name}: use every layer in forward, in torch")


def _fit_accuracy(model: nn.Module, task_name: str, seed: int, *, lr: float, epochs: int, name: str) -> float:
    """Train with Adam on the reference binary cross-entropy; accuracy on the validation split."""
    import torch
    from torch.nn import functional as F

    from neuronlab.tasks import load_task

    task = load_task(task_name, seed=seed)
    X, t = _tensor(task.X_train), _tensor(task.y_train.astype(float))[:, None]
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        optimizer.zero_grad()
        y = student_call(model, X, what=f"{name}.forward(X)")
        F.binary_cross_entropy(y.clamp(1e-7, 1 - 1e-7), t).backward()
        optimizer.step()
    with torch.no_grad():
        y_val = student_call(model, _tensor(task.X_val), what=f"{name}.forward(X)")
    return float(np.mean((as_array(y_val, name)[:, 0] > 0.5) == (task.y_val == 1)))


# -- the neuron ----------------------------------------------------------------------------------------------


def check_torch_neuron(cls: Fn, seeds: Sequence[int]) -> str:
    signature = "TorchNeuron(n_inputs)"
    for seed in seeds:
        rng = np.random.default_rng(seed)
        for n_inputs in (2, 3):
            with _torch_seed(seed):
                model = _module(cls, n_inputs, name="TorchNeuron", signature=signature)
            if _n_params(model) != n_inputs + 1:
                raise Failure(f"TorchNeuron(n_inputs) has {_n_params(model)} parameters; one neuron has "
                              "n_inputs weights and one bias: one nn.Linear(n_inputs, 1)")
            X = rng.normal(0.0, 1.5, (30, n_inputs))
            y = _forward(model, X, "TorchNeuron")
            params = sorted((p.detach().double().numpy().ravel() for p in model.parameters()), key=len)
            if len(params) != 2:
                raise Failure("TorchNeuron should hold its weights and its bias in one nn.Linear(n_inputs, 1)")
            b, w = params
            a = X @ w + b[0]
            if close(as_array(y, "forward")[:, 0], a, rtol=RTOL, atol=1e-6):
                raise Failure("TorchNeuron.forward returns the activation itself; section 1: the output passes "
                              "it through the sigmoid")
            if not close(as_array(y, "forward")[:, 0], 1.0 / (1.0 + np.exp(-a)), rtol=RTOL, atol=1e-6):
                raise Failure("TorchNeuron.forward(X) differs from one neuron's output computed from its own "
                              "layer's weights and bias (section 1)")
            _check_gradients(model, y, "TorchNeuron")
        with _torch_seed(seed):
            model = _module(cls, 2, name="TorchNeuron", signature=signature)
            accuracy = _fit_accuracy(model, "and", seed, lr=0.1, epochs=200, name="TorchNeuron")
        if accuracy < NEURON_ACCURACY:
            raise Failure(f"TorchNeuron does not learn AND: {accuracy:.2f} accuracy after training (expected at "
                          f"least {NEURON_ACCURACY}); does the layer have a bias?")
    return f"forward, gradients and learning AND match the reference on {len(seeds)} seeds"


# -- the loss --------------------------------------------------------------------------------------------------


def _bce(y: np.ndarray, t: np.ndarray) -> float:
    """Mean binary cross-entropy, each log clamped at −100 as torch's BCELoss does."""
    with np.errstate(divide="ignore"):
        return float(-np.mean(t * np.maximum(np.log(y), -100) + (1 - t) * np.maximum(np.log(1 - y), -100)))


def check_loss(fn: Fn, seeds: Sequence[int]) -> str:
    import torch

    for seed in seeds:
        rng = np.random.default_rng(seed)
        for shape in ((40, 1), (40,)):
            y_np = rng.uniform(0.02, 0.98, shape)
            t_np = (rng.random(shape) < 0.5).astype(float)
            y = _tensor(y_np).requires_grad_(True)
            value = student_call(fn, y, _tensor(t_np), what="loss_fn(y, t)", signature="loss_fn(y, t)")
            if not isinstance(value, torch.Tensor) or value.numel() != 1:
                raise Failure("loss_fn(y, t) must return a one-number torch tensor (use torch operations, not "
                              "NumPy or .item(), so the gradient can flow back)")
            got, ref = float(value.detach()), _bce(y_np, t_np)
            if not np.isfinite(got):
                raise Failure("loss_fn(y, t) is not finite: is the prediction y the first argument, inside (0, 1)?")
            slips = [(len(y_np) * ref, "loss_fn sums over the samples; take the mean, as torch's losses do"),
                     (_bce(t_np, y_np),
                      "loss_fn swapped its arguments: loss_fn(y, t) takes the prediction first"),
                     (-ref, "loss_fn has the wrong sign: a cross-entropy is never negative (section 2)"),
                     (float(np.mean((y_np - t_np) ** 2)), "that is the squared error; section 2: a sigmoid output "
                      "is trained with the binary cross-entropy")]
            if not np.isclose(got, ref, rtol=RTOL):
                for value_if_slip, message in slips:
                    if np.isclose(got, value_if_slip, rtol=1e-4):
                        raise Failure(message)
                raise Failure("loss_fn(y, t) differs from section 2's binary cross-entropy: compare it term by term")
            if not value.requires_grad:
                raise Failure("loss_fn(y, t) carries no gradient: keep it in torch operations")
            value.backward()
            grad = as_array(y.grad, "the gradient") if y.grad is not None else np.full(shape, np.nan)
            if not close(grad, (y_np - t_np) / (y_np * (1 - y_np)) / len(y_np), rtol=1e-4, atol=1e-7):
                raise Failure("loss_fn's gradient with respect to y is wrong: build it from torch operations on y")
    return f"matches the binary cross-entropy and its gradient on {len(seeds)} seeds"


# -- accuracy --------------------------------------------------------------------------------------------------


def check_accuracy(fn: Fn, seeds: Sequence[int]) -> str:
    for seed in seeds:
        rng = np.random.default_rng(seed)
        for shape in ((50, 1), (50,)):
            y = rng.uniform(0.0, 1.0, shape)
            y[np.isclose(y, 0.5, atol=1e-3)] = 0.25  # no ties at the threshold
            t = (rng.random(shape) < 0.5).astype(float)
            value = student_call(fn, _tensor(y), _tensor(t), what="accuracy(y, t)", signature="accuracy(y, t)")
            got = as_array(value, "accuracy(y, t)")
            if got.size != 1:
                raise Failure("accuracy(y, t) must return one number, the fraction of correct predictions")
            got_value = float(got.ravel()[0])
            predicted, actual = y > 0.5, t > 0.5
            correct = int(np.sum(predicted == actual))
            tp = int(np.sum(predicted & actual))
            ref = correct / t.size
            if np.isclose(got_value, ref, rtol=0, atol=1e-6):
                continue
            slips = [(100 * ref, "accuracy should be a fraction between 0 and 1, not a percentage"),
                     (1 - ref, "accuracy counts the wrong predictions; the slide's accuracy counts the right ones"),
                     (correct, "accuracy counts the right predictions but does not divide by the total"),
                     (tp / t.size, "accuracy counts only the true positives; section 2's accuracy counts every "
                      "right answer, the true negatives too"),
                     (tp / max(int(predicted.sum()), 1), "that is the precision (right among those predicted "
                      "positive); section 2's accuracy counts every right answer over all samples"),
                     (tp / max(int(actual.sum()), 1), "that is the recall (right among the actual positives); "
                      "section 2's accuracy counts every right answer over all samples")]
            for value_if_slip, message in slips:
                if np.isclose(got_value, value_if_slip, rtol=0, atol=1e-6):
                    raise Failure(message)
            raise Failure("accuracy(y, t) is wrong: section 2 — which predictions count as right (where is the "
                          "threshold?), and what do you divide by?")
    return f"matches (TP + TN) / total on {len(seeds)} seeds, for (N, 1) and (N,) shapes"


# -- the multilayer perceptron --------------------------------------------------------------------------------


def check_mlp(cls: Fn, seeds: Sequence[int]) -> str:
    signature = "MLP(n_inputs, n_hidden)"
    for seed in seeds:
        rng = np.random.default_rng(seed)
        for n_inputs, n_hidden in ((2, 40), (3, 8)):
            with _torch_seed(seed):
                model = _module(cls, n_inputs, n_hidden, name="MLP", signature=signature)
            expected = (n_inputs + 1) * n_hidden + n_hidden + 1
            if _n_params(model) != expected:
                raise Failure(f"MLP(n_inputs, n_hidden) has {_n_params(model)} parameters; the architecture "
                              "n_inputs → n_hidden (ReLU) → 1 (sigmoid) has (n_inputs + 1)·n_hidden + n_hidden + 1")
            y = _forward(model, rng.normal(0.0, 1.5, (30, n_inputs)), "MLP")
            values = as_array(y, "MLP")
            if not np.all((values >= 0) & (values <= 1)):
                raise Failure("MLP.forward(X) must return probabilities: end with a sigmoid")
            _check_gradients(model, y, "MLP")
        with _torch_seed(seed):
            model = _module(cls, 2, 40, name="MLP", signature=signature)
            accuracy = _fit_accuracy(model, "xor", seed, lr=0.05, epochs=200, name="MLP")
        if accuracy < MLP_ACCURACY:
            raise Failure(f"MLP does not learn XOR: {accuracy:.2f} accuracy after training (expected at least "
                          f"{MLP_ACCURACY}); a straight line cannot separate XOR, so check the hidden layer's "
                          "activation (ReLU) between the two layers")
    return f"architecture, probabilities, gradients and learning XOR check out on {len(seeds)} seeds"


# -- the references, standing in for an exercise while the others are checked ------------------------------


@functools.cache
def references() -> dict[str, Any]:
    """The reference solution of each exercise, by the name the notebook gives it (torch loaded here)."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    class TorchNeuron(nn.Module):
        def __init__(self, n_inputs: int) -> None:
            super().__init__()
            self.linear = nn.Linear(n_inputs, 1)

        def forward(self, X: torch.Tensor) -> torch.Tensor:
            return torch.sigmoid(self.linear(X))  # (N, 1)

    class MLP(nn.Module):
        def __init__(self, n_inputs: int, n_hidden: int = 40) -> None:
            super().__init__()
            self.hidden, self.output = nn.Linear(n_inputs, n_hidden), nn.Linear(n_hidden, 1)

        def forward(self, X: torch.Tensor) -> torch.Tensor:
            return torch.sigmoid(self.output(torch.relu(self.hidden(X))))  # (N, 1)

    def loss_fn(y: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy(y, t)

    def accuracy(y: torch.Tensor, t: torch.Tensor) -> float:
        return float(((y > 0.5).float() == t).float().mean())

    return {"TorchNeuron": TorchNeuron, "loss_fn": loss_fn, "accuracy": accuracy, "MLP": MLP}


EXERCISES = (
    Exercise("torch_neuron", "TorchNeuron", "imperial_3_3",
             "section 1: one layer holding w and b in __init__, the neuron's output σ(a) in forward",
             "TorchNeuron(n_inputs)", one_thread(check_torch_neuron), time_budget_s=15.0,
             speed_hint="train on whole tensors, not sample by sample", prepare=warm_up,
             reference=lambda: references()["TorchNeuron"]),
    Exercise("loss", "loss_fn", "imperial_3_3",
             "return section 2's binary cross-entropy, averaged over the batch, as a torch tensor",
             "loss_fn(y, t) -> tensor", one_thread(check_loss), time_budget_s=5.0,
             speed_hint="use torch operations on whole tensors", prepare=warm_up,
             reference=lambda: references()["loss_fn"]),
    Exercise("accuracy", "accuracy", "imperial_3_3",
             "section 2: the fraction of samples classified right, as a float in [0, 1]",
             "accuracy(y, t) -> float", one_thread(check_accuracy), time_budget_s=5.0,
             speed_hint="compare whole tensors at once", prepare=warm_up,
             reference=lambda: references()["accuracy"]),
    Exercise("mlp", "MLP", "imperial_3_3",
             "section 6: the layers n_inputs → n_hidden (ReLU) → 1 (sigmoid) and their forward pass",
             "MLP(n_inputs, n_hidden)", one_thread(check_mlp), time_budget_s=20.0,
             speed_hint="train on whole tensors, not sample by sample", prepare=warm_up,
             reference=lambda: references()["MLP"]),
)
