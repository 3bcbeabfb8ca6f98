"""K neurons side by side, summed by one output neuron: backpropagation written out by hand.

    A = X @ W1 + b1,  h = σ(A)              K hidden neurons, each free to fit a different part
    a = h @ w2 + b2,  y = σ_out(a)          the output neuron of neuron.py, fed by h instead of x

The output's error signal δ = ∂L/∂a is the single neuron's (y - t for the matched pairs); the chain
rule carries it back through w2 and σ' to each hidden neuron: δ_k = δ w2_k σ'(A_k).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neuronlab import limits
from neuronlab.errors import ConfigError, valid_names
from neuronlab.nn.activations import get_activation
from neuronlab.nn.neuron import (
    check_count,
    check_rate,
    check_t,
    check_X,
    data_loss,
    error_signal,
    resolve_loss,
)

OUTPUTS = ("identity", "sigmoid")


@dataclass(frozen=True)
class SideBySideTrace:
    """One update's quantities: forward values, both error signals, and the changes applied."""

    h: np.ndarray  # (N, K) hidden outputs
    a: np.ndarray  # (N,) output activation
    y: np.ndarray  # (N,) output
    e: np.ndarray  # (N,) t - y
    delta: np.ndarray  # (N,) ∂L/∂a at the output
    delta_hidden: np.ndarray  # (N, K) ∂L/∂A at the hidden neurons
    changes: dict[str, np.ndarray]  # Δ for "W1", "b1", "w2", "b2"
    loss_before: float


class SideBySide:
    """One hidden layer of K neurons and an output neuron (identity for regression, sigmoid for classes).

    Initial weights follow LeCun (std 1/sqrt(fan-in)) so σ starts unsaturated; the hidden biases are
    N(0, 1) so, for unit-scale inputs, the K neurons start centred on different parts of the input.
    """

    def __init__(self, n_inputs: int, n_neurons: int, activation: str = "sigmoid", *, bias: bool = True,
                 output: str = "identity", loss: str = "auto", seed: int | None = 0) -> None:
        self.n_inputs = check_count(n_inputs, "n_inputs", limits.FEATURES)
        self.n_neurons = check_count(n_neurons, "n_neurons", limits.WIDTH)
        self.sigma = get_activation(activation)
        if activation == "step":
            raise ConfigError("step has zero derivative, so no error reaches the hidden neurons; "
                              "choose 'sigmoid', 'tanh', 'relu', 'leaky_relu' or 'identity'")
        if output not in OUTPUTS:
            raise ConfigError(f"unknown output {output!r}; choose one of {valid_names(OUTPUTS)}")
        self.activation, self.output, self.bias = activation, output, bias
        self.sigma_out = get_activation(output)
        self.loss_name = resolve_loss(output, loss)
        rng = np.random.default_rng(seed)
        self.W1 = rng.normal(0.0, 1.0 / np.sqrt(self.n_inputs), (self.n_inputs, self.n_neurons))
        self.b1 = rng.normal(0.0, 1.0, self.n_neurons) if bias else np.zeros(self.n_neurons)
        self.w2 = rng.normal(0.0, 1.0 / np.sqrt(self.n_neurons), self.n_neurons)
        self.b2 = 0.0

    def _forward(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        A = check_X(X, self.n_inputs) @ self.W1 + self.b1  # (N, K)
        h = self.sigma(A)
        a = h @ self.w2 + self.b2  # (N,)
        return A, h, a, self.sigma_out(a)

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        _, h, _, y = self._forward(X)
        return h, y

    def predict_output(self, X: np.ndarray) -> np.ndarray:
        return self._forward(X)[3]

    def _decay(self, alpha: float) -> float:
        return 0.5 * alpha * float(np.sum(self.W1**2) + self.w2 @ self.w2)  # ½ α ||w||², biases excluded

    def loss(self, X: np.ndarray, t: np.ndarray, alpha: float = 0.0) -> float:
        check_rate(1.0, alpha)
        _, _, a, y = self._forward(X)
        return data_loss(self.loss_name, a, y, check_t(t, len(a), self.loss_name)) + self._decay(alpha)

    def gradients(self, X: np.ndarray, t: np.ndarray, alpha: float = 0.0) -> dict[str, np.ndarray]:
        tr = self._trace(X, t, check_rate(1.0, alpha), alpha)  # with η = 1, -Δ is the gradient
        return {k: -v for k, v in tr.changes.items()}

    def step(self, X: np.ndarray, t: np.ndarray, eta: float, alpha: float = 0.0) -> SideBySideTrace:
        tr = self._trace(X, t, check_rate(eta, alpha), alpha)
        self.W1 = self.W1 + tr.changes["W1"]
        self.b1 = self.b1 + tr.changes["b1"]
        self.w2 = self.w2 + tr.changes["w2"]
        self.b2 = self.b2 + float(tr.changes["b2"])
        return tr

    def _trace(self, X: np.ndarray, t: np.ndarray, eta: float, alpha: float) -> SideBySideTrace:
        X = check_X(X, self.n_inputs)
        A, h, a, y = self._forward(X)
        t = check_t(t, len(a), self.loss_name)
        delta = error_signal(self.loss_name, self.sigma_out, a, y, t)  # (N,)
        delta_hidden = delta[:, None] * self.w2 * self.sigma.df(A)  # (N, K): chain rule through w2 and σ'
        on = 1.0 if self.bias else 0.0  # without a bias, b1 and b2 stay 0
        changes = {
            "W1": -eta * (X.T @ delta_hidden) - eta * alpha * self.W1,  # (n_inputs, K)
            "b1": -eta * on * delta_hidden.sum(axis=0),  # (K,)
            "w2": -eta * (h.T @ delta) - eta * alpha * self.w2,  # (K,)
            "b2": np.asarray(-eta * on * delta.sum()),  # ()
        }
        loss_before = data_loss(self.loss_name, a, y, t) + self._decay(alpha)
        return SideBySideTrace(h, a, y, t - y, delta, delta_hidden, changes, loss_before)

    def set_weights(self, W1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: float = 0.0) -> None:
        """Set every weight by hand, checked for shape (biases must be 0 when bias=False)."""
        K, n = self.n_neurons, self.n_inputs
        W1, b1, w2 = (np.asarray(v, dtype=float) for v in (W1, b1, w2))
        if W1.shape != (n, K) or b1.shape != (K,) or w2.shape != (K,):
            raise ConfigError(f"expected shapes W1 {(n, K)}, b1 {(K,)}, w2 {(K,)}; "
                              f"got {W1.shape}, {b1.shape}, {w2.shape}")
        if not all(np.all(np.isfinite(v)) for v in (W1, b1, w2, b2)):
            raise ConfigError("weights must be finite numbers (no NaN or inf)")
        if not self.bias and (np.any(b1 != 0) or b2 != 0):
            raise ConfigError("this model has no biases (bias=False); pass zeros or build it with bias=True")
        self.W1, self.b1, self.w2, self.b2 = W1.copy(), b1.copy(), w2.copy(), float(b2)

    def get_params_vector(self) -> np.ndarray:
        biases = [self.b1, np.array([self.b2])] if self.bias else []
        return np.concatenate([self.W1.ravel(), self.w2, *biases])

    def set_params_vector(self, theta: np.ndarray) -> None:
        theta = np.asarray(theta, dtype=float)
        n, K = self.n_inputs, self.n_neurons
        W1, w2 = theta[: n * K].reshape(n, K), theta[n * K: n * K + K]
        b1, b2 = (theta[n * K + K: n * K + 2 * K], float(theta[-1])) if self.bias else (np.zeros(K), 0.0)
        self.set_weights(W1, b1, w2, b2)
