"""A small multilayer perceptron trained in NumPy: forward beside backward, the losses of logits with their
derivatives, L1 or L2 penalties, and the optimisers of :mod:`neuronlab.train.optimizers`.

Why a third engine: the playground trains a tiny network a few epochs per frame for each of thirty
students at once.  Through torch an epoch of 2→4→4→1 on 100 rows costs ~0.7 ms, nearly all of it
per-op dispatch (~10 µs an op); the same arithmetic in NumPy costs a tenth of that, and the compiled
kernel, made for hundreds of models at once, has neither the playground's L1 penalty nor its squared
error of probabilities nor weights set by hand between epochs.  ``tests/train/test_numpy_mlp.py``
checks every loss, penalty, activation and optimiser here against torch's autograd and ``torch.optim``.

Shapes: X (N, F) rows; W_l (n_out, n_in) as ``nn.Linear``; logits z (N, C); targets t (N, 1) floats for
the one-output losses, (N,) class indices for ``cross_entropy`` and ``mse_softmax``.  Every loss is a
mean over the batch (torch's ``reduction="mean"``), so the objective of a batch of n_b rows is
loss + ½ α Σ‖W‖² / n_b (``l2``, ``fit_module``'s) or loss + α Σ|W| / n_b (``l1``); biases are never
penalised.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from neuronlab.errors import ConfigError, valid_names
from neuronlab.nn.activations import Activation, get_activation
from neuronlab.train import optimizers

Penalty = Literal["l1", "l2"]
LossGrad = Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]  # (z, t) → (loss, dL/dz)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = ½ (1 + tanh(z/2)): no overflow for any z, in z's float type (NumPy vectorises float32's tanh)."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def softmax(z: np.ndarray) -> np.ndarray:
    """Each row's softmax (N, C), shifted by its maximum so that exp never overflows."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward(layers: Sequence[tuple[np.ndarray, np.ndarray | None]], sigma: Activation, X: np.ndarray
            ) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """An MLP's forward pass in X's float type (the weights cast to it): (each layer's input h_l, the hidden
    layers' pre-activations a_l, the logits z).  The training step keeps all three for backpropagation; the
    playground's frames read the hidden outputs h_1 … and the logits."""
    h = X
    hs: list[np.ndarray] = []
    pre: list[np.ndarray] = []
    last = len(layers) - 1
    for i, (W, b) in enumerate(layers):
        hs.append(h)
        a = h @ W.T.astype(h.dtype, copy=False)  # (N, n_out)
        if b is not None:
            a += b.astype(h.dtype, copy=False)
        if i == last:
            return hs, pre, a
        pre.append(a)
        h = sigma.f(a)  # the table's function keeps the float type (Activation.__call__ makes float64)
    raise AssertionError("an MLP has at least one layer")


def _onehot(t: np.ndarray, c: int, dtype: np.dtype) -> np.ndarray:
    return np.eye(c, dtype=dtype)[np.asarray(t, dtype=np.intp).ravel()]


def _bce(z: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    # L = mean(log(1 + e^z) − t z), fused so that it never overflows;  dL/dz = (σ(z) − t) / N
    loss = np.logaddexp(0.0, z) - t * z
    return float(loss.mean()), (sigmoid(z) - t) / z.size


def _cross_entropy(z: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    # L = mean(log Σ_c e^{z_c} − z_t);  dL/dz = (softmax(z) − onehot(t)) / N
    m = z.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
    y = _onehot(t, z.shape[1], z.dtype)
    return float((lse - (z * y).sum(axis=1)).mean()), (softmax(z) - y) / len(z)


def _mse(z: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    e = z - t  # L = mean(e²);  dL/dz = 2 e / N
    return float((e * e).mean()), 2.0 * e / e.size


def _mae(z: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    e = z - t  # L = mean|e|;  dL/dz = sign(e) / N (0 at e = 0, as torch)
    return float(np.abs(e).mean()), np.sign(e) / e.size


def _mse_sigmoid(z: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    # the seed's e = t − y on a sigmoid output: L = mean((σ(z) − t)²);  dL/dz = 2 (y − t) y (1 − y) / N
    y = sigmoid(z)
    e = y - t
    return float((e * e).mean()), 2.0 * e * y * (1.0 - y) / e.size


def _mse_softmax(z: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    # L = mean over N·C of (p − onehot)²;  with g = dL/dp = 2 (p − onehot) / (N C):  dL/dz = p ⊙ (g − Σ_c g p)
    p = softmax(z)
    g = 2.0 * (p - _onehot(t, z.shape[1], z.dtype)) / p.size
    return float(((p - _onehot(t, z.shape[1], z.dtype)) ** 2).mean()), p * (g - (g * p).sum(axis=1, keepdims=True))


LOSSES: dict[str, LossGrad] = {
    "binary_cross_entropy": _bce, "cross_entropy": _cross_entropy, "mse": _mse, "mae": _mae,
    "mse_sigmoid": _mse_sigmoid, "mse_softmax": _mse_softmax,
}


def get_loss(name: str) -> LossGrad:
    """A loss of logits with its gradient; an unknown name is a ConfigError listing the valid ones."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ConfigError(f"unknown loss {name!r}; choose one of {valid_names(LOSSES)}") from None


@dataclass(frozen=True)
class Trace:
    """What one step reports (``fit_numpy`` logs ``loss_before``: the batch objective before the update)."""

    loss_before: float


class NumpyMLP:
    """An MLP whose parameters live in one flat vector θ; ``weights``/``biases`` are views into it, so a
    weight set by hand, the optimiser's update and a snapshot all see the same numbers."""

    def __init__(self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray | None], activation: str,
                 loss: str, *, optimizer: str = "adam", momentum: float = 0.9, penalty: Penalty = "l2",
                 dtype: str = "float64") -> None:
        self.sigma = get_activation(activation)
        self.loss_grad = get_loss(loss)
        if optimizer not in ("sgd", "momentum", "adam"):
            raise ConfigError(f"unknown optimizer {optimizer!r}; choose one of 'adam', 'momentum', 'sgd'")
        self.optimizer, self.momentum, self.penalty = optimizer, float(momentum), penalty
        self.shapes = [(W.shape, None if b is None else b.shape) for W, b in zip(weights, biases, strict=True)]
        self.dtype = np.dtype(dtype)  # float32: the playground's (NumPy vectorises its tanh and exp, ~10×)
        size = sum(W.size + (0 if b is None else b.size) for W, b in zip(weights, biases, strict=True))
        self.theta = np.empty(size, dtype=self.dtype)
        self.weights, self.biases = self._views(self.theta)
        for view, value in zip([*self.weights, *self.biases], [*weights, *biases], strict=True):
            if view is not None:
                view[...] = value
        self.state = optimizers.init_state(self.theta)

    # -- forward and backward, side by side ---------------------------------------------------------------

    def forward(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
        """(inputs of each layer h_l, pre-activations a_l of the hidden layers, logits z): :func:`forward`."""
        return forward(list(zip(self.weights, self.biases, strict=True)), self.sigma, np.asarray(X, dtype=self.dtype))

    def gradient(self, X: np.ndarray, t: np.ndarray, alpha: float = 0.0) -> tuple[float, np.ndarray]:
        """(the batch objective, its gradient dθ) by backpropagation."""
        hs, pre, z = self.forward(X)
        loss, d = self.loss_grad(z, t if t.dtype.kind != "f" else t.astype(self.dtype, copy=False))  # dL/dz (N, C)
        g = np.zeros_like(self.theta)
        gw, gb = self._views(g)
        for i in range(len(self.weights) - 1, -1, -1):
            gw[i][...] = d.T @ hs[i]  # (n_out, n_in)
            if gb[i] is not None:
                gb[i][...] = d.sum(axis=0)  # type: ignore[index]
            if i:
                d = (d @ self.weights[i]) * self.sigma.df(pre[i - 1])  # dL/da of the layer below
        penalty = self._penalise(gw, alpha, len(X))
        return loss + penalty, g

    def _penalise(self, gw: list[np.ndarray], alpha: float, n_b: int) -> float:
        """Add the penalty's gradient to ``gw`` and return its value (0 when α = 0)."""
        if not alpha:
            return 0.0
        if self.penalty == "l1":  # α Σ|W| / n_b;  d/dW = α sign(W) / n_b
            for g, W in zip(gw, self.weights, strict=True):
                g += alpha / n_b * np.sign(W)
            return alpha / n_b * float(sum(np.abs(W).sum() for W in self.weights))
        for g, W in zip(gw, self.weights, strict=True):  # ½ α Σ W² / n_b;  d/dW = α W / n_b
            g += alpha / n_b * W
        return 0.5 * alpha / n_b * float(sum((W * W).sum() for W in self.weights))

    def _views(self, flat: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        """Each layer's W and b as views into a flat vector laid out as θ (layer by layer, W then b)."""
        ws: list[np.ndarray] = []
        bs: list[np.ndarray | None] = []
        at = 0
        for w_shape, b_shape in self.shapes:
            size = int(np.prod(w_shape))
            ws.append(flat[at:at + size].reshape(w_shape))
            at += size
            bs.append(None if b_shape is None else flat[at:at + b_shape[0]])
            at += 0 if b_shape is None else b_shape[0]
        return ws, bs

    # -- what fit_numpy needs (train.numpy_loop.NumpyModel) -----------------------------------------------

    def step(self, X: np.ndarray, t: np.ndarray, eta: float, alpha: float = 0.0) -> Trace:
        """One optimiser step on a batch; the trace carries the objective before it."""
        objective, g = self.gradient(X, t, alpha)
        self.theta[...] = optimizers.step(self.optimizer, self.theta, g, self.state, eta=eta, mu=self.momentum)
        return Trace(objective)

    def loss(self, X: np.ndarray, t: np.ndarray, alpha: float = 0.0) -> float:
        """The data loss (plus the penalty when α > 0) on (X, t)."""
        if alpha:
            return self.gradient(X, t, alpha)[0]
        return self.loss_grad(self.forward(X)[2], t)[0]

    def predict_output(self, X: np.ndarray) -> np.ndarray:
        """The logits (N, C)."""
        return self.forward(X)[2]

    def get_params_vector(self) -> np.ndarray:
        return self.theta

    def set_params_vector(self, theta: np.ndarray) -> None:
        self.theta[...] = theta

    @property
    def layers(self) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """(W, b) per layer as copies: what a reader may keep while training goes on."""
        return [(W.copy(), None if b is None else b.copy()) for W, b in zip(self.weights, self.biases, strict=True)]
