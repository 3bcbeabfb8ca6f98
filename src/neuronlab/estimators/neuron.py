"""The practical's single neuron as scikit-learn estimators: NeuronClassifier and NeuronRegressor.

They follow the practical, not scikit-learn's MLP: a summed loss and Δw = −η Σ g − η α w, either with
the hand-made NumPy model (``backend="numpy"``, no torch imported) or the same model in torch
(``backend="torch"``), started from the same weights and fed the same batches, so the two backends
agree to rounding.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from neuronlab import config, limits
from neuronlab.errors import ConfigError, valid_names
from neuronlab.estimators.base import ClassifierTargets, Net, needs_classes, row_chunks
from neuronlab.nn.activations import get_activation
from neuronlab.nn.neuron import Neuron as NumpyNeuron
from neuronlab.nn.side_by_side import SideBySide
from neuronlab.train.history import shuffle_rng
from neuronlab.train.numpy_loop import fit_numpy

BACKENDS = ("numpy", "torch")
_N = "neuron"


def _D(name: str) -> Any:
    return config.default(name, _N)


class NeuronBase(Net):
    activation: str
    bias: bool
    backend: str
    n_neurons: int
    neuron_: NumpyNeuron | SideBySide
    _classifier = False

    def _check_params(self) -> None:
        super()._check_params()
        get_activation(self.activation)
        if self.backend not in BACKENDS:
            raise ConfigError(f"unknown backend {self.backend!r}; choose one of {valid_names(BACKENDS)}")
        if isinstance(self.n_neurons, bool) or not isinstance(self.n_neurons, int | np.integer) or self.n_neurons < 1:
            raise ConfigError(f"n_neurons must be an integer >= 1, got {self.n_neurons!r}")
        limits.WIDTH.check(self.n_neurons, "n_neurons = {}")

    def _layers(self, n_features: int) -> tuple[int, ...]:
        return (n_features, 1) if self.n_neurons == 1 else (n_features, int(self.n_neurons), 1)

    def _build(self, n_features: int, seed: int) -> None:
        # Classifiers: sigmoid output with cross-entropy (the seed's rule); other activations regress
        # the 0/1 label with squared error ("auto").  Regressors always use squared error.
        loss = "auto" if self._classifier else "mse"
        model: NumpyNeuron | SideBySide
        if self.n_neurons == 1:
            model = NumpyNeuron(n_features, self.activation, bias=self.bias, loss=loss, seed=seed)
            self._output = self.activation
        else:
            output = "sigmoid" if self._classifier else "identity"
            model = SideBySide(n_features, int(self.n_neurons), self.activation, bias=self.bias,
                               output=output, loss=loss, seed=seed)
            self._output = output
        self._loss_name = model.loss_name
        self._backend = self.backend  # what was fitted, whatever set_params does to backend later
        for stale in ("neuron_", "_twin"):
            self.__dict__.pop(stale, None)
        if self._backend == "numpy":
            self.neuron_ = model
        else:
            from neuronlab.estimators.neuron_torch import TorchNeuron

            self._twin = TorchNeuron(model, self.eta, self._loss_name, self._output)

    @property
    def module_(self) -> Any:
        """The torch twin (``backend="torch"``)."""
        check_is_fitted(self)
        if "_twin" not in self.__dict__:
            raise AttributeError("module_ exists for backend='torch'; this neuron was fitted with NumPy: read neuron_")
        return self._twin.module

    def _metric(self, y: np.ndarray, t: np.ndarray) -> float:
        raise NotImplementedError

    def _train(self, X: np.ndarray, t: np.ndarray, X_val: np.ndarray | None, t_val: np.ndarray | None, *,
               max_epochs: int) -> None:
        metric_name = "accuracy" if self._classifier else "r2"
        common: dict[str, Any] = dict(
            eta=self.eta, alpha=self.alpha, batch_size=self.batch_size, max_epochs=max_epochs,
            metric_name=metric_name, n_iter_no_change=self.n_iter_no_change, tol=self.tol,
            history=self.history_)
        rng = shuffle_rng(self._seed, len(self.history_))  # partial_fit continues where the last call stopped
        if self._backend == "numpy":
            fit_numpy(self.neuron_, X, t, X_val=X_val, t_val=t_val, metric_fn=self._metric, rng=rng, **common)
            return
        self._twin.train(X, t, X_val, t_val, metric=self._metric, generator=rng, **common)

    def _output_values(self, X: Any) -> np.ndarray:
        """The neuron's output y (N,) for new X, from whichever backend was trained."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        width = int(self.n_neurons) if self._layers(X.shape[1])[1:-1] else 1
        if self._backend == "numpy":
            with np.errstate(over="ignore"):  # saturating outputs are fine; exp overflow is not news
                return np.concatenate([self.neuron_.predict_output(rows) for rows in row_chunks(X, width)])
        return np.concatenate([self._twin.output_values(rows) for rows in row_chunks(X, width)])

    def _single(self) -> tuple[np.ndarray, float]:
        check_is_fitted(self)
        if self._backend == "numpy":
            if not isinstance(self.neuron_, NumpyNeuron):
                raise AttributeError("coef_ and intercept_ exist for n_neurons=1; read neuron_ or module_")
            return self.neuron_.w.copy(), float(self.neuron_.b)
        if self.n_neurons != 1:
            raise AttributeError("coef_ and intercept_ exist for n_neurons=1; read neuron_ or module_")
        return self._twin.single()

    @property
    def coef_(self) -> np.ndarray:
        """The seed's w (n_features,) of a single neuron."""
        return self._single()[0]

    @property
    def intercept_(self) -> float:
        """The seed's bias b of a single neuron (0.0 without a bias)."""
        return self._single()[1]


def _init_params(est: Any, activation: str, bias: bool, backend: str, eta: float, alpha: float,
                 batch_size: int | None, max_epochs: int, early_stopping: bool, validation_fraction: float,
                 n_iter_no_change: int, tol: float, n_neurons: int, random_state: Any) -> None:
    """Store the parameters as given (scikit-learn: __init__ does nothing else; the two neurons'
    signatures differ only in their activation's default)."""
    est.activation, est.bias, est.backend, est.eta, est.alpha = activation, bias, backend, eta, alpha
    est.batch_size, est.max_epochs, est.early_stopping = batch_size, max_epochs, early_stopping
    est.validation_fraction, est.n_iter_no_change, est.tol = validation_fraction, n_iter_no_change, tol
    est.n_neurons, est.random_state = n_neurons, random_state


class NeuronClassifier(ClassifierMixin, ClassifierTargets, NeuronBase):
    """The practical's single neuron as a binary classifier (or K neurons side by side, sigmoid out).

    P(class 1) is read off the output y: for sigmoid it is a probability already; other activations
    regress the 0/1 label with squared error, and their output is clipped to [0, 1] (so a tanh or
    identity neuron's y is its estimate of P(class 1)).  The predicted class is class 1 when
    y > 0.5 — for sigmoid exactly when a > 0, the step's own threshold.
    """

    _stratify = True
    _classifier = True

    def __init__(self, activation: str = _D("activation"), *, bias: bool = _D("bias"), backend: str = "numpy",
                 eta: float = _D("eta"), alpha: float = _D("alpha"), batch_size: int | None = _D("batch_size"),
                 max_epochs: int = _D("max_epochs"), early_stopping: bool = _D("early_stopping"),
                 validation_fraction: float = _D("validation_fraction"), n_iter_no_change: int = _D("n_iter_no_change"),
                 tol: float = _D("tol"), n_neurons: int = 1, random_state: Any = None) -> None:
        _init_params(self, activation, bias, backend, eta, alpha, batch_size, max_epochs, early_stopping,
                     validation_fraction, n_iter_no_change, tol, n_neurons, random_state)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def _validate_arrays(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        return validate_data(self, X, y, reset=reset, dtype=np.float64)

    def _encode(self, y: np.ndarray, *, first: bool, classes: Any) -> np.ndarray:
        if first:
            check_classification_targets(y)
            n_classes = len(np.unique(y if classes is None else np.asarray(classes)))
            if n_classes > 2:
                raise ConfigError(f"Only binary classification is supported: one output neuron, and y has "
                                  f"{n_classes} classes; use MLPClassifier for multi-class")
        return self._labels(y, first=first, classes=classes).astype(np.float64)

    def _metric(self, y: np.ndarray, t: np.ndarray) -> float:
        return float(np.mean((y > 0.5) == (t > 0.5)))

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> Self:
        """One epoch over (X, y); the first call needs ``classes`` (both labels), as in scikit-learn."""
        needs_classes(self, classes)
        return self._fit(X, y, partial=True, classes=classes)

    def predict_proba(self, X: Any) -> np.ndarray:
        """(N, 2): [1 − p, p] with p = clip(y, 0, 1), the output read as P(class 1)."""
        return self._proba_from_p(np.clip(self._output_values(X), 0.0, 1.0))

    def predict(self, X: Any) -> np.ndarray:
        y = self._output_values(X)
        return self.classes_[(y > 0.5).astype(int)]


class NeuronRegressor(RegressorMixin, NeuronBase):
    """The practical's neuron fitted to a function: identity output by default, summed squared error.

    ``n_neurons > 1`` puts K neurons side by side under an identity output neuron, each free to fit
    a different part of the function (the practical's exercise).
    """

    def __init__(self, activation: str = config.default("activation", "neuron_regressor"), *,
                 bias: bool = _D("bias"), backend: str = "numpy",
                 eta: float = _D("eta"), alpha: float = _D("alpha"), batch_size: int | None = _D("batch_size"),
                 max_epochs: int = _D("max_epochs"), early_stopping: bool = _D("early_stopping"),
                 validation_fraction: float = _D("validation_fraction"), n_iter_no_change: int = _D("n_iter_no_change"),
                 tol: float = _D("tol"), n_neurons: int = 1, random_state: Any = None) -> None:
        _init_params(self, activation, bias, backend, eta, alpha, batch_size, max_epochs, early_stopping,
                     validation_fraction, n_iter_no_change, tol, n_neurons, random_state)

    def _check_params(self) -> None:
        super()._check_params()
        if self.activation == "step":
            raise ConfigError("activation='step' outputs only 0 or 1 and cannot fit a function; "
                              "use 'identity', 'tanh', 'sigmoid', 'relu' or 'leaky_relu'")

    def _validate_arrays(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        return validate_data(self, X, y, reset=reset, dtype=np.float64,
                             y_numeric=True)

    def _encode(self, y: np.ndarray, *, first: bool, classes: Any) -> np.ndarray:
        return np.asarray(y, dtype=np.float64)

    def _metric(self, y: np.ndarray, t: np.ndarray) -> float:
        return float(r2_score(t, y)) if np.all(np.isfinite(y)) else -np.inf

    def partial_fit(self, X: Any, y: Any) -> Self:
        """One epoch over (X, y), continuing from the current weights."""
        return self._fit(X, y, partial=True)

    def predict(self, X: Any) -> np.ndarray:
        return self._output_values(X)

