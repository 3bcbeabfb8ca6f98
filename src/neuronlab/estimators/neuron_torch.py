"""The practical's neuron rebuilt in torch (``backend="torch"``): the same weights, loss and batches as
the hand-made NumPy neuron, so the two backends agree to rounding.  Imported only for that backend.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from neuronlab.nn import mlp
from neuronlab.nn.activations import get_activation
from neuronlab.nn.neuron import Neuron as NumpyNeuron
from neuronlab.nn.side_by_side import SideBySide
from neuronlab.train.loop import LossFn, fit_module
from neuronlab.train.torch_engine import tensor


def _neuron_loss(loss_name: str, output: str) -> LossFn:
    """The NumPy neuron's summed loss, as a function of the logits a (N, 1) and targets t (N, 1)."""
    if loss_name == "cross_entropy":
        return lambda a, t: F.binary_cross_entropy_with_logits(a, t, reduction="sum")
    if loss_name == "perceptron":  # Σ (y − t) a with y = step(a) a constant: its gradient is (y − t) x
        return lambda a, t: (((a > 0).to(a.dtype) - t) * a).sum()
    sigma = get_activation(output).torch
    return lambda a, t: 0.5 * ((sigma(a) - t) ** 2).sum()


def _torch_twin(model: NumpyNeuron | SideBySide) -> nn.Module:
    """The NumPy model rebuilt in torch (float64) with the same weights."""
    with torch.random.fork_rng(devices=[]), torch.no_grad():  # the init is overwritten: global RNG untouched
        if isinstance(model, NumpyNeuron):
            neuron = mlp.Neuron(model.n_inputs, model.activation, bias=model.bias).double()
            neuron.linear.weight.copy_(torch.from_numpy(model.w)[None, :])  # (1, n_inputs)
            if model.bias:
                neuron.linear.bias.fill_(model.b)
            return neuron
        net = mlp.MLP((model.n_inputs, model.n_neurons, 1), model.activation, bias=model.bias).double()
        hidden, out = _linears(net)
        hidden.weight.copy_(torch.from_numpy(model.W1.T))  # (K, n_inputs)
        out.weight.copy_(torch.from_numpy(model.w2)[None, :])  # (1, K)
        if model.bias:
            hidden.bias.copy_(torch.from_numpy(model.b1))
            out.bias.fill_(model.b2)
        return net


def _linears(module: nn.Module) -> list[nn.Linear]:
    """The Linear layers of a module, typed (``ModuleList`` indexing gives plain Modules)."""
    return [m for m in module.modules() if isinstance(m, nn.Linear)]




class TorchNeuron:
    """A NumPy neuron's torch twin and its optimiser (plain SGD: the seed's rule)."""

    def __init__(self, model: NumpyNeuron | SideBySide, eta: float, loss_name: str, output: str) -> None:
        self.module = _torch_twin(model)
        self.optimizer = torch.optim.SGD(self.module.parameters(), lr=eta)
        self.loss_name, self.output = loss_name, output  # names, not functions: lambdas do not pickle

    def logit_module(self) -> nn.Module:
        """The part of ``module`` that outputs a (N, 1): what the loss takes."""
        return self.module.linear if isinstance(self.module, mlp.Neuron) else self.module

    def train(self, X: np.ndarray, t: np.ndarray, X_val: np.ndarray | None, t_val: np.ndarray | None, *,
              metric: Any, **common: Any) -> None:
        sigma = get_activation(self.output).torch

        def metric_fn(a: Tensor, target: Tensor) -> float:
            return float(metric(sigma(a).numpy()[:, 0], target.numpy()[:, 0]))

        def col(v: np.ndarray) -> Tensor:
            return tensor(v, torch.float64)[:, None]  # (N, 1)

        fit_module(self.logit_module(), tensor(X, torch.float64), col(t),
                   loss_fn=_neuron_loss(self.loss_name, self.output),
                   optimizer=self.optimizer, X_val=None if X_val is None else tensor(X_val, torch.float64),
                   y_val=None if t_val is None else col(t_val), metric_fn=metric_fn, reduction="sum", **common)

    def output_values(self, X: np.ndarray) -> np.ndarray:
        sigma = get_activation(self.output).torch
        with torch.no_grad():
            return sigma(self.logit_module()(tensor(X, torch.float64))).numpy()[:, 0]

    def single(self) -> tuple[np.ndarray, float]:
        """(w, b) of a single neuron."""
        (linear,) = _linears(self.module)
        b = float(linear.bias.detach()[0]) if linear.bias is not None else 0.0
        return linear.weight.detach().numpy()[0].copy(), b
