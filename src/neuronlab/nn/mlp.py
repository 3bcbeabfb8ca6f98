"""Torch modules: a single neuron and the multilayer perceptron, and the output head per task kind.

The modules end in *logits*: the last Linear layer has no activation.  The head (``HEADS``) says
which output activation turns logits into predictions and which loss trains them; the losses take
logits because ``log(sigmoid(a))`` and ``log(softmax(a))`` computed in one fused step never
overflow, while composing them by hand does at |a| ≳ 90 in float32.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from neuronlab.errors import ConfigError, valid_names
from neuronlab.nn.activations import get_activation

LossFn = Callable[[Tensor, Tensor], Tensor]

# Loss name → loss of (logits, target) averaged over the batch; ``binary_cross_entropy`` and
# ``cross_entropy`` apply sigmoid / softmax themselves (fused with the log, see the module docstring).
LOSSES: dict[str, LossFn] = {
    "mse": F.mse_loss,
    "mae": F.l1_loss,
    "binary_cross_entropy": F.binary_cross_entropy_with_logits,
    "cross_entropy": F.cross_entropy,
}


@dataclass(frozen=True)
class Head:
    """What sits on top of the logits for one task kind: output activation, default loss, metric."""

    output: str  # "identity" | "sigmoid" | "softmax"
    loss: str  # default key in LOSSES
    losses: tuple[str, ...]  # the losses that make sense for this kind
    metric: str  # what early stopping and ``score`` maximise


# The FAU seed's table: task → output activation → loss.
HEADS: dict[str, Head] = {
    "regression": Head("identity", "mse", ("mse", "mae"), "r2"),
    "binary": Head("sigmoid", "binary_cross_entropy", ("binary_cross_entropy",), "accuracy"),
    "multiclass": Head("softmax", "cross_entropy", ("cross_entropy",), "accuracy"),
}


def get_head(kind: str) -> Head:
    """Look a head up by task kind; an unknown kind is a ConfigError listing the valid ones."""
    try:
        return HEADS[kind]
    except KeyError:
        raise ConfigError(f"unknown task kind {kind!r}; choose one of {valid_names(HEADS)}") from None


def head_loss(kind: str, loss: str | None = None) -> LossFn:
    """The (mean-reduced) loss of logits for a task kind; ``loss=None`` takes the head's default."""
    head = get_head(kind)
    name = head.loss if loss is None else loss
    if name not in head.losses:
        raise ConfigError(f"unknown loss {name!r} for {kind}; choose one of {valid_names(head.losses)}")
    return LOSSES[name]


def head_output(kind: str, logits: Tensor) -> Tensor:
    """Apply the head's output activation: probabilities for classifiers, values for regression."""
    output = get_head(kind).output
    if output == "sigmoid":
        return torch.sigmoid(logits)
    if output == "softmax":
        return torch.softmax(logits, dim=-1)
    return logits


def head_metric(kind: str) -> Callable[[Tensor, Tensor], Tensor]:
    """The head's metric of (logits, target) as a 0-d tensor, higher is better.

    Returned as a tensor, not a float, so the training loop can fetch it together with the loss in
    one ``.tolist()`` per epoch.
    """
    # float64 whatever the model's dtype: 28/30 must read 0.9333333333333333, as sklearn's score does
    if kind == "binary":
        return lambda logits, y: ((logits > 0).to(y.dtype) == y).double().mean()
    if kind == "multiclass":
        return lambda logits, y: (logits.argmax(dim=-1) == y).double().mean()
    get_head(kind)  # raises for an unknown kind
    return lambda pred, y: r2_score(pred.double(), y.double())


def r2_score(pred: Tensor, y: Tensor) -> Tensor:
    """Coefficient of determination, averaged uniformly over outputs as scikit-learn's ``r2_score``.

    A constant target has no variance to explain: like scikit-learn, score 1 if predicted exactly
    and 0 otherwise rather than dividing by zero.
    """
    ss_res = ((y - pred) ** 2).sum(dim=0)
    ss_tot = ((y - y.mean(dim=0)) ** 2).sum(dim=0)
    exact = (ss_res == 0).to(pred.dtype)
    r2 = torch.where(ss_tot > 0, 1.0 - ss_res / ss_tot.clamp_min(torch.finfo(pred.dtype).tiny), exact)
    return r2.mean()


class Neuron(nn.Module):
    """One neuron: ``a = X w (+ b)``, ``y = σ(a)`` with σ from the shared activation table."""

    def __init__(self, n_inputs: int, activation: str = "sigmoid", bias: bool = True) -> None:
        super().__init__()
        get_activation(activation)  # fail early on an unknown name
        self.activation = activation  # the name, not the function: lambdas do not pickle
        self.linear = nn.Linear(n_inputs, 1, bias=bias)
        self.layers = nn.ModuleList([self.linear])

    def logits(self, X: Tensor) -> Tensor:
        """The pre-activation ``a`` (N, 1): what fused losses such as BCE-with-logits take."""
        return self.linear(X)

    def forward(self, X: Tensor) -> Tensor:
        return get_activation(self.activation).torch(self.linear(X))  # (N, 1)


class MLP(nn.Module):
    """Linear layers ``widths[0] → … → widths[-1]`` with ``activation`` between them, logits out.

    ``layers`` holds the Linear modules in order so plots of per-layer gradients and the web
    playground can read weights without knowing the module's internals.
    """

    def __init__(self, widths: Sequence[int], activation: str = "relu", bias: bool = True) -> None:
        super().__init__()
        widths = [int(w) for w in widths]
        if len(widths) < 2 or min(widths) < 1:
            raise ConfigError(f"widths must be at least (n_in, n_out), each >= 1; got {tuple(widths)}")
        get_activation(activation)
        self.activation = activation
        self.widths = tuple(widths)
        self.layers = nn.ModuleList(
            nn.Linear(n_in, n_out, bias=bias) for n_in, n_out in pairwise(widths)
        )

    def forward(self, X: Tensor) -> Tensor:
        sigma = get_activation(self.activation).torch
        h = X
        for layer in self.layers[:-1]:
            h = sigma(layer(h))  # (N, h_i)
        return self.layers[-1](h)  # (N, n_out) logits: the head applies the output activation
