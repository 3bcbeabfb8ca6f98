"""One neuron by hand in NumPy, written as the practical's equations (MacKay, ITILA ch. 39).

    a = Σ_i w_i x_i + b      a = X @ w + b           activation
    y = σ(a)                                          output
    e = t - y                                         error (MacKay's sign)
    g_i = -e x_i                                      per-sample gradient of the loss
    Δw_i = -η Σ_n g_i - η α w_i                       descent with weight decay (not on b)

SIGN: the slide writes e = y - t beside g = -e x and Δw = -η Σ g; together those climb the loss.
We use MacKay's e = t - y, so g = -e x is the loss gradient and Δw = -η Σ g descends.

The rule is exact gradient descent on a matched loss, SUMMED over samples (the seed's Σ_n), plus
½ α ||w||².  With δ = ∂L/∂a per sample, g = δ x, and δ = y - t = -e for sigmoid with cross-entropy
and for identity with squared error, because σ' cancels against the loss's derivative.  Any other
activation with squared error keeps the factor: δ = -e σ'(a) ("think about the gradients").  The
step's derivative is 0 almost everywhere, so it learns by Rosenblatt's perceptron rule δ = y - t,
the gradient of the perceptron criterion Σ_n (y - t) a (= Σ |a| over misclassified samples).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from neuronlab import config, limits
from neuronlab.errors import ConfigError, DataError, DivergedError, valid_names
from neuronlab.nn.activations import Activation, get_activation

LOSSES = ("auto", "cross_entropy", "mse", "perceptron")


@dataclass(frozen=True)
class StepTrace:
    """The seed's quantities for one update, as the step-through view shows them."""

    a: np.ndarray  # (N,) activations
    y: np.ndarray  # (N,) outputs
    e: np.ndarray  # (N,) errors t - y
    delta: np.ndarray  # (N,) ∂L/∂a = -e σ'(a), or -e for the matched pairs
    g: np.ndarray  # (N, n_inputs) per-sample gradients δ x
    dw: np.ndarray  # (n_inputs,) Δw = -η Σ_n g - η α w
    db: float  # Δb = -η Σ_n δ (0.0 without a bias)
    loss_before: float


class Neuron:
    """One neuron: a = X @ w + b, y = σ(a); weights start at N(0, scale²), b at 0 (scale 0.1 keeps
    a sigmoid near its linear middle, where σ' is largest)."""

    def __init__(self, n_inputs: int, activation: str = "sigmoid", *, bias: bool = True, loss: str = "auto",
                 seed: int | None = 0, scale: float = 0.1) -> None:
        self.n_inputs = check_count(n_inputs, "n_inputs", limits.FEATURES)
        self.sigma = get_activation(activation)
        self.activation, self.bias = activation, bias
        self.loss_name = resolve_loss(activation, loss)
        if not (np.isfinite(scale) and scale >= 0):
            raise ConfigError(f"scale (spread of the initial weights) must be finite and >= 0; got {scale!r}")
        self.w = np.random.default_rng(seed).normal(0.0, scale, self.n_inputs)
        self.b = 0.0

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = check_X(X, self.n_inputs) @ self.w + self.b  # (N,)
        return a, self.sigma(a)

    def predict_output(self, X: np.ndarray) -> np.ndarray:
        return self.forward(X)[1]

    def loss(self, X: np.ndarray, t: np.ndarray, alpha: float = 0.0) -> float:
        check_rate(1.0, alpha)
        a, y = self.forward(X)
        t = check_t(t, len(a), self.loss_name)
        return data_loss(self.loss_name, a, y, t) + 0.5 * alpha * float(self.w @ self.w)

    def gradients(self, X: np.ndarray, t: np.ndarray, alpha: float = 0.0) -> dict[str, np.ndarray]:
        tr = self._trace(X, t, check_rate(1.0, alpha), alpha)  # with η = 1, -Δw is the gradient
        return {"w": -tr.dw, "b": np.asarray(-tr.db)}

    def step(self, X: np.ndarray, t: np.ndarray, eta: float, alpha: float = 0.0) -> StepTrace:
        tr = self._trace(X, t, check_rate(eta, alpha), alpha)
        self.w = self.w + tr.dw
        self.b = self.b + tr.db
        return tr

    def _trace(self, X: np.ndarray, t: np.ndarray, eta: float, alpha: float) -> StepTrace:
        X = check_X(X, self.n_inputs)
        a, y = self.forward(X)
        t = check_t(t, len(a), self.loss_name)
        e = t - y
        delta = error_signal(self.loss_name, self.sigma, a, y, t)
        g = delta[:, None] * X  # (N, n_inputs): g_i = -e x_i, times σ'(a) when the loss is not matched
        dw = -eta * g.sum(axis=0) - eta * alpha * self.w
        db = -eta * float(delta.sum()) if self.bias else 0.0
        loss_before = data_loss(self.loss_name, a, y, t) + 0.5 * alpha * float(self.w @ self.w)
        return StepTrace(a, y, e, delta, g, dw, db, loss_before)

    def set_weights(self, w: np.ndarray, b: float = 0.0) -> None:
        """Set the weights by hand (the practical's exercise), checked for shape."""
        w = np.asarray(w, dtype=float)
        if w.shape != (self.n_inputs,) or not np.all(np.isfinite(w)) or not np.isfinite(b):
            raise ConfigError(f"w must be {self.n_inputs} finite numbers, b finite; got {w.shape}, b={b!r}")
        if b != 0.0 and not self.bias:
            raise ConfigError("this neuron has no bias (bias=False); pass b=0.0 or build it with bias=True")
        self.w, self.b = w.copy(), float(b)

    def get_params_vector(self) -> np.ndarray:
        return np.append(self.w, self.b) if self.bias else self.w.copy()

    def set_params_vector(self, theta: np.ndarray) -> None:
        theta = np.asarray(theta, dtype=float)
        self.set_weights(theta[: self.n_inputs], float(theta[self.n_inputs]) if self.bias else 0.0)


def resolve_loss(activation: str, loss: str) -> str:
    """Pick the loss whose gradient the seed's rule follows; refuse pairs that give no useful gradient."""
    get_activation(activation)
    if loss not in LOSSES:
        raise ConfigError(f"unknown loss {loss!r}; choose one of {valid_names(LOSSES)}")
    if activation == "step":
        if loss not in ("auto", "perceptron"):
            raise ConfigError(f"step has zero derivative, so loss={loss!r} never learns; use loss='auto' "
                              "(Rosenblatt's perceptron rule)")
        return "perceptron"
    if loss == "perceptron":
        raise ConfigError("loss='perceptron' is for activation='step'; use 'auto', 'mse' or 'cross_entropy'")
    if loss == "auto":
        return "cross_entropy" if activation == "sigmoid" else "mse"
    if loss == "cross_entropy" and activation != "sigmoid":
        raise ConfigError(f"cross_entropy needs outputs in (0, 1), not {activation!r}; "
                          "use activation='sigmoid' or loss='mse'")
    return loss


def data_loss(loss_name: str, a: np.ndarray, y: np.ndarray, t: np.ndarray) -> float:
    """Loss summed over samples (no weight decay)."""
    if loss_name == "cross_entropy":
        # -Σ[t ln y + (1-t) ln(1-y)] with y = σ(a), written in a so it never takes ln 0.
        return float(np.sum(np.logaddexp(0.0, a) - t * a))
    if loss_name == "perceptron":
        return float(np.sum((y - t) * a))  # each misclassified sample adds |a|
    return float(0.5 * np.sum((y - t) ** 2))


def error_signal(loss_name: str, sigma: Activation, a: np.ndarray, y: np.ndarray,
                 t: np.ndarray) -> np.ndarray:
    """δ = ∂L/∂a per sample (N,)."""
    if loss_name == "mse":
        return (y - t) * sigma.df(a)  # σ' = 1 for identity, so δ = y - t = -e there too
    # Cross-entropy's 1/(y(1-y)) cancels sigmoid's σ' = y(1-y); the perceptron rule skips σ' = 0.
    return y - t


class Trainable(Protocol):
    def loss(self, X: np.ndarray, t: np.ndarray, alpha: float = 0.0) -> float: ...
    def step(self, X: np.ndarray, t: np.ndarray, eta: float, alpha: float = 0.0) -> object: ...


def train(model: Trainable, X: np.ndarray, t: np.ndarray, *, eta: float, alpha: float = 0.0,
          epochs: int = 100, batch_size: int | None = None, seed: int | None = 0) -> list[float]:
    """Gradient descent for `epochs` passes; returns the summed loss (with ½ α ||w||²) after each.

    Full batch when batch_size is None; otherwise shuffled mini-batches, each step applying the
    whole Δw = -η Σ_batch g - η α w.  Raises DivergedError once the loss stops being finite.
    """
    check_rate(eta, alpha)
    check_count(epochs, "epochs", limits.EPOCHS)
    X, t = np.asarray(X, dtype=float), np.asarray(t, dtype=float)
    if X.ndim != 2 or len(X) == 0 or t.shape != (len(X),):
        raise DataError(f"X must be 2-D (N, n_inputs) and t hold N targets; got shapes {X.shape}, {t.shape}")
    n = len(X)
    size = n if batch_size is None else check_count(batch_size, "batch_size", limits.SAMPLES)
    rng = np.random.default_rng(seed)
    history: list[float] = []
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported below, not warned about
        for epoch in range(1, epochs + 1):
            order = np.arange(n) if batch_size is None else rng.permutation(n)
            for start in range(0, n, size):
                batch = order[start:start + size]
                model.step(X[batch], t[batch], eta, alpha)
            history.append(model.loss(X, t, alpha))
            if not np.isfinite(history[-1]):
                raise DivergedError(f"training diverged at epoch {epoch} (loss became {history[-1]}); "
                                    f"try a smaller eta than {eta}", epoch=epoch)
    return history


def check_count(value: int, name: str, limit: limits.Limit) -> int:
    """A count of inputs or neurons: a whole number >= 1 within its ``limit`` (before w is drawn)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ConfigError(f"{name} must be a whole number >= 1; got {value!r}")
    return limit.check(int(value), name + " = {}")


def check_rate(eta: float, alpha: float) -> float:
    """η and α checked against their one declaration (``neuronlab.config``)."""
    config.check("eta", eta)
    config.check("alpha", alpha)
    return float(eta)


def check_X(X: np.ndarray, n_inputs: int) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != n_inputs or len(X) == 0:
        raise DataError(f"X must have shape (N >= 1, {n_inputs}); got {X.shape} (reshape a single feature "
                        "with X.reshape(-1, 1))")
    if not np.all(np.isfinite(X)):
        raise DataError("X contains NaN or infinite values; drop or impute them first")
    return X


def check_t(t: np.ndarray, n: int, loss_name: str) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    if t.shape != (n,) or not np.all(np.isfinite(t)):
        raise DataError(f"t must be {n} finite targets, one per row of X, shape ({n},); got shape {t.shape}")
    if loss_name == "cross_entropy" and np.any((t < 0) | (t > 1)):
        raise DataError("cross_entropy targets must lie in [0, 1] (labels 0/1); regression needs loss='mse'")
    if loss_name == "perceptron" and not np.all((t == 0) | (t == 1)):
        raise DataError("the step neuron's targets must be class labels 0 or 1")
    return t
