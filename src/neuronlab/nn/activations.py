"""One table of activation functions, each forward beside its derivative.

The NumPy neuron, the torch modules, the plots and (later) the web playground all read this table,
so ``activation="leaky_relu"`` means the same function everywhere.  ``df`` is the derivative with
respect to the activation's input ``a`` (what backpropagation multiplies by); at a kink (0 for
ReLU, step) we take the right-hand value's convention of ``a > 0``, as PyTorch does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from neuronlab.errors import ConfigError, valid_names

if TYPE_CHECKING:
    import torch

Array = np.ndarray
LEAKY_SLOPE = 0.01  # PyTorch's and scikit-learn's default negative slope


def _sigmoid(a: Array) -> Array:
    # Split by sign so exp never overflows: for a < 0 use e^a / (1 + e^a).
    out = np.empty_like(a, dtype=np.result_type(a, 0.0))  # float32 stays float32; integers become float64
    pos = a >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-a[pos]))
    ea = np.exp(a[~pos])
    out[~pos] = ea / (1.0 + ea)
    return out


def _dsigmoid(a: Array) -> Array:
    s = _sigmoid(a)
    return s * (1.0 - s)  # at most 0.25 (at a = 0): why deep sigmoid nets' gradients vanish


@dataclass(frozen=True)
class Activation:
    """An activation σ with its derivative σ' (NumPy) and its torch twin."""

    name: str
    f: Callable[[Array], Array]
    df: Callable[[Array], Array]
    formula: str

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        # Some table entries are lambdas, which pickle cannot name: pickle an Activation by its name,
        # so fitted NumPy neurons (and estimators holding them) pickle for joblib and GridSearchCV.
        return (get_activation, (self.name,))

    def __call__(self, a: Array) -> Array:
        return self.f(np.asarray(a, dtype=float))

    def torch(self, a: torch.Tensor) -> torch.Tensor:
        """The same function on a torch tensor (autograd supplies the derivative)."""
        import torch

        if self.name == "step":
            return (a > 0).to(a.dtype)
        if self.name == "sigmoid":
            return torch.sigmoid(a)
        if self.name == "tanh":
            return torch.tanh(a)
        if self.name == "relu":
            return torch.relu(a)
        if self.name == "leaky_relu":
            return torch.nn.functional.leaky_relu(a, LEAKY_SLOPE)
        return a  # identity


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation("step", lambda a: (a > 0).astype(float), lambda a: np.zeros_like(a, dtype=float),
                   "1 if a > 0 else 0"),
        Activation("sigmoid", _sigmoid, _dsigmoid, "1 / (1 + exp(-a))"),
        Activation("tanh", np.tanh, lambda a: 1.0 - np.tanh(a) ** 2, "tanh(a)"),
        Activation("relu", lambda a: np.maximum(a, 0.0), lambda a: (a > 0).astype(float), "max(0, a)"),
        Activation("leaky_relu", lambda a: np.where(a > 0, a, LEAKY_SLOPE * a),
                   lambda a: np.where(a > 0, 1.0, LEAKY_SLOPE), f"max({LEAKY_SLOPE} a, a)"),
        Activation("identity", lambda a: np.asarray(a, dtype=float), lambda a: np.ones_like(a, dtype=float),
                   "a"),
    ]
}


def get_activation(name: str) -> Activation:
    """Look an activation up by name; an unknown name is a ConfigError listing the valid ones."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ConfigError(
            f"unknown activation {name!r}; choose one of {valid_names(ACTIVATIONS)}"
        ) from None
