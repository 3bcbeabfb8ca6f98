"""scikit-learn estimators: the multilayer perceptron over torch, and the practical's single neuron.

``MLPClassifier``/``MLPRegressor`` train ``nn.mlp.MLP`` with ``train.loop.fit_module`` under
scikit-learn's conventions (mean loss, α as in ``sklearn.neural_network``).  ``NeuronClassifier``/
``NeuronRegressor`` follow the practical instead: a summed loss and Δw = −η Σ g − η α w, either with
the hand-made NumPy model (``backend="numpy"``) or the same model in torch (``backend="torch"``),
started from the same weights and fed the same batches, so the two backends agree to rounding.

All four follow scikit-learn's contract (``__init__`` only stores, validation in ``fit``, learned
state ends in ``_``), so Pipeline, GridSearchCV, cross_validate and clone work unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from numbers import Integral, Real
from typing import Any, Self

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import Tensor, nn
from torch.nn import functional as F

from neuronlab import limits
from neuronlab.errors import ConfigError, DataError, DivergedError, valid_names
from neuronlab.nn import mlp
from neuronlab.nn.activations import get_activation
from neuronlab.nn.neuron import Neuron as NumpyNeuron
from neuronlab.nn.side_by_side import SideBySide
from neuronlab.train.loop import (
    OPTIMIZERS,
    History,
    LossFn,
    check_training_params,
    fit_module,
    fit_numpy,
    make_optimizer,
)

DTYPES = {"float32": torch.float32, "float64": torch.float64}
PREDICT_VALUES = 1 << 22  # values a prediction holds per layer at once (32 MB in float64); see _row_chunks
BACKENDS = ("numpy", "torch")


def _tensor(a: np.ndarray, dtype: torch.dtype) -> Tensor:
    """A tensor from an array; read-only input (a memmap, a broadcast view) is copied, not shared."""
    return torch.as_tensor(np.require(a, requirements="W"), dtype=dtype)


def fit_seed(random_state: Any) -> int:
    """The seed a fit draws from ``random_state`` (scikit-learn semantics: an int gives the same run
    every time, None a fresh one from NumPy's global RNG, a RandomState its next number)."""
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        return _int_seed(int(random_state))
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


_RESEEDED = np.random.RandomState(0)
_RESEEDED_LOCK = threading.Lock()


def _int_seed(random_state: int) -> int:
    """``RandomState(random_state).randint(2³¹ − 1)`` by re-seeding one RandomState: the same number
    (the legacy seeding is the constructor's), 5 µs instead of 126 µs — as much as a hundred epochs
    of a batched model."""
    with _RESEEDED_LOCK:
        _RESEEDED.seed(random_state)
        return int(_RESEEDED.randint(np.iinfo(np.int32).max))


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Seed torch's global (CPU) RNG inside the block only, so module init is reproducible and leaks
    nothing.  What ``torch.random.fork_rng(devices=[])`` + ``manual_seed`` do, without their per-call
    overhead (~1 ms, as much as building the module): batched sweeps build thousands."""
    generator = torch.default_generator
    state = generator.get_state()
    generator.manual_seed(seed)
    try:
        yield
    finally:
        generator.set_state(state)


class _Net(BaseEstimator):
    """fit / partial_fit plumbing shared by the four estimators; subclasses fill in the hooks."""

    _stratify = False  # classifiers split off their validation set stratified by class
    # hyper-parameters every subclass has (declared for the type checker; set by subclass __init__)
    eta: float
    alpha: float
    batch_size: int | None
    max_epochs: int
    early_stopping: bool
    validation_fraction: float
    n_iter_no_change: int
    tol: float
    random_state: Any
    history_: History

    # --- hooks
    def _check_params(self) -> None:
        raise NotImplementedError

    def _validate_arrays(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _layers(self, n_features: int) -> tuple[int, ...]:
        """Layer sizes of the network to train, input first (known once y is encoded)."""
        raise NotImplementedError

    def _encode(self, y: np.ndarray, *, first: bool, classes: Any) -> np.ndarray:
        """Targets as the model trains on them; on the first call also learn ``classes_`` etc."""
        raise NotImplementedError

    def _build(self, n_features: int, seed: int) -> None:
        raise NotImplementedError

    def _train(self, X: np.ndarray, t: np.ndarray, X_val: np.ndarray | None, t_val: np.ndarray | None, *,
               max_epochs: int, generator: torch.Generator) -> None:
        raise NotImplementedError

    # --- shared
    def _check_common(self) -> None:
        check_training_params(eta=self.eta, alpha=self.alpha, max_epochs=self.max_epochs,
                              batch_size=self.batch_size, n_iter_no_change=self.n_iter_no_change,
                              tol=self.tol)
        fraction = self.validation_fraction
        if not isinstance(fraction, Real) or not 0.0 < fraction < 1.0:
            raise ConfigError(f"validation_fraction must be in (0, 1), got {fraction!r}; try 0.1")
        limits.EPOCHS.check(self.max_epochs, "max_epochs = {}")

    def _validate_xy(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        """Checked arrays, and their size within the limits (X is the caller's already; nothing of
        ours has been allocated for it yet)."""
        X, y = self._validate_arrays(X, y, reset)
        limits.check_data(X.shape[0], X.shape[1], where="X")
        return X, y

    def _check_size(self, n_rows: int, n_features: int) -> None:
        """The network and one batch of it within the limits, before any weight is allocated."""
        batch = min(self.batch_size or n_rows, n_rows)
        limits.check_network(self._layers(n_features), batch_rows=batch, bias=bool(getattr(self, "bias", True)),
                             what=f"this {type(self).__name__}")

    def _fit(self, X: Any, y: Any, *, partial: bool, classes: Any = None) -> Self:
        self._check_params()
        first = not partial or not hasattr(self, "history_")
        X, y = self._validate_xy(X, y, reset=first)
        t = self._encode(y, first=first, classes=classes)
        self._check_size(*X.shape)
        if first:
            seed = fit_seed(self.random_state)
            self._seed = seed
            self._build(X.shape[1], seed)
            self.history_ = History()

        X_val = t_val = None
        if self.early_stopping and not partial:
            try:
                X, X_val, t, t_val = train_test_split(
                    X, t, test_size=self.validation_fraction, random_state=self._seed,
                    stratify=t if self._stratify else None)
            except ValueError as err:
                raise DataError(f"early_stopping cannot split off a validation set ({err}); "
                                "raise validation_fraction, add data or set early_stopping=False") from None

        # partial_fit continues the shuffles where the last call stopped, reproducibly
        generator = torch.Generator().manual_seed(self._seed + len(self.history_))
        try:
            self._train(X, t, X_val, t_val, max_epochs=1 if partial else self.max_epochs, generator=generator)
        except DivergedError:
            if first:  # a diverged fit leaves the estimator unfitted, not half-fitted
                for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
                    delattr(self, name)
            raise
        self.n_iter_ = len(self.history_)
        self.loss_ = self.history_.train_loss[-1]
        self.best_epoch_ = self.history_.best_epoch
        return self

    def fit(self, X: Any, y: Any) -> Self:
        """Train from scratch for up to ``max_epochs`` epochs (fewer with early stopping)."""
        return self._fit(X, y, partial=False)


class _ClassifierTargets:
    """Label bookkeeping shared by the two classifiers: any labels in, class indices out."""

    classes_: np.ndarray

    def _labels(self, y: np.ndarray, *, first: bool, classes: Any) -> np.ndarray:
        check_classification_targets(y)
        if first:
            classes_ = np.unique(y if classes is None else np.asarray(classes))
            limits.CLASSES.check(len(classes_), "y has {} classes")
            if len(classes_) < 2:
                raise DataError(f"y has 1 class ({_label(classes_[0])}); a classifier needs 2 or more classes")
            self.classes_ = classes_
        unseen = np.setdiff1d(y, self.classes_)
        if unseen.size:
            raise DataError(f"y has labels {unseen.tolist()} not in classes_ {self.classes_.tolist()}; "
                            "pass every label in classes= on the first partial_fit")
        return np.searchsorted(self.classes_, y)

    def _proba_from_p(self, p: np.ndarray) -> np.ndarray:
        """Two-column probabilities from P(class 1), the single output's reading."""
        return np.column_stack([1.0 - p, p])


# ----------------------------------------------------------------------------------------------- MLP


class _MLPBase(_Net):
    hidden: int | Sequence[int]
    activation: str
    optimizer: str
    momentum: float
    bias: bool
    dtype: str
    verbose: bool
    module_: mlp.MLP
    _kind: str

    def _check_params(self) -> None:
        self._check_common()
        limits.check_hidden(self._hidden())
        get_activation(self.activation)
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(f"unknown optimizer {self.optimizer!r}; use one of {valid_names(OPTIMIZERS)}")
        if not isinstance(self.momentum, Real) or not 0.0 <= self.momentum < 1.0:
            raise ConfigError(f"momentum must be in [0, 1), got {self.momentum!r}; try 0.9")
        if self.dtype not in DTYPES:
            raise ConfigError(f"unknown dtype {self.dtype!r}; choose one of {valid_names(DTYPES)}")

    def _hidden(self) -> tuple[int, ...]:
        hidden: Any = self.hidden
        widths: list[Any] = [None]  # anything but an int or a sequence of ints is refused below
        if isinstance(hidden, Integral):
            widths = [hidden]
        elif isinstance(hidden, Sequence):
            widths = list(hidden)
        if not all(isinstance(w, Integral) and not isinstance(w, bool) and int(w) >= 1 for w in widths):
            raise ConfigError(f"hidden must be layer widths >= 1, e.g. (40,) or (16, 16); got {hidden!r}")
        return tuple(int(w) for w in widths)

    def _n_outputs(self) -> int:
        raise NotImplementedError

    def _layers(self, n_features: int) -> tuple[int, ...]:
        return (n_features, *self._hidden(), self._n_outputs())

    def _loss_fn(self) -> LossFn:
        return mlp.head_loss(self._kind)

    def _build(self, n_features: int, seed: int) -> None:
        with _seeded(seed):
            module = mlp.MLP((n_features, *self._hidden(), self._n_outputs()), self.activation, self.bias)
        self._dtype = DTYPES[self.dtype]  # what was fitted, whatever set_params does to dtype later
        self.module_ = module if self._dtype == torch.get_default_dtype() else module.to(self._dtype)
        self._optimizer: torch.optim.Optimizer | None = None  # made on first training: the batched trainer needs none

    def _targets_tensor(self, t: np.ndarray) -> Tensor:
        raise NotImplementedError

    def _train(self, X: np.ndarray, t: np.ndarray, X_val: np.ndarray | None, t_val: np.ndarray | None, *,
               max_epochs: int, generator: torch.Generator) -> None:
        dtype = self._dtype
        if self._optimizer is None:  # kept across partial_fit calls, so Adam's moments carry on
            self._optimizer = make_optimizer(self.optimizer, self.module_.parameters(), eta=self.eta,
                                             momentum=self.momentum)
        fit_module(
            self.module_, _tensor(X, dtype), self._targets_tensor(t),
            loss_fn=self._loss_fn(), eta=self.eta, alpha=self.alpha, optimizer=self._optimizer,
            batch_size=self.batch_size, max_epochs=max_epochs,
            X_val=None if X_val is None else _tensor(X_val, dtype),
            y_val=None if t_val is None else self._targets_tensor(t_val),
            metric_fn=mlp.head_metric(self._kind), metric_name=mlp.get_head(self._kind).metric,
            n_iter_no_change=self.n_iter_no_change, tol=self.tol, generator=generator, reduction="mean",
            history=self.history_, on_epoch_end=_print_epoch if self.verbose else None,
        )

    def _logits(self, X: Any) -> Tensor:
        """Logits (N, n_out) in float64 whatever the training dtype: a float32 matmul rounds differently
        for different batch sizes, and a prediction must not depend on which rows came with it."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        module = self.module_
        sigma = get_activation(module.activation).torch
        layers: list[nn.Linear] = list(module.layers)  # type: ignore[arg-type]
        with torch.no_grad():  # module.forward's ops on float64 copies of the weights (functional_call costs ~1 ms)
            weights = [(layer.weight.double(), None if layer.bias is None else layer.bias.double())
                       for layer in layers]

            def forward(rows: np.ndarray) -> Tensor:
                h = _tensor(rows, torch.float64)  # (n, F)
                for i, (W, b) in enumerate(weights):
                    h = F.linear(h, W, b)
                    if i < len(weights) - 1:
                        h = sigma(h)  # (n, h_i)
                return h  # (n, n_out)

            widest = max(layer.out_features for layer in layers)
            return torch.cat([forward(rows) for rows in _row_chunks(X, widest)])  # (N, n_out)


def _row_chunks(X: np.ndarray, width: int) -> list[np.ndarray]:
    """X in blocks of rows whose widest layer holds at most PREDICT_VALUES values: a decision grid of
    40,000 points through a 4,000-unit layer was 1.3 GB at once.  Rows are independent in float64,
    so the predictions are the same as in one block."""
    rows = max(1, PREDICT_VALUES // max(width, 1))
    return [X[i:i + rows] for i in range(0, len(X), rows)] or [X]


def _label(value: object) -> str:
    """A label as the user wrote it: ``1`` or ``'cat'``, not ``np.int64(1)``."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _print_epoch(history: History) -> None:
    print(f"epoch {history.epoch[-1]}: train_loss={history.train_loss[-1]:.6g} "
          f"val_loss={history.val_loss[-1]:.6g} val_{history.metric_name}={history.val_metric[-1]:.4g}")


class MLPClassifier(ClassifierMixin, _ClassifierTargets, _MLPBase):
    """Multilayer perceptron classifier: one sigmoid output for two classes, softmax for more.

    Learned: ``module_`` (the torch MLP, logits out), ``classes_``, ``history_``, ``n_iter_``,
    ``loss_`` (last epoch's train loss), ``best_epoch_`` (with early stopping).
    """

    _stratify = True

    def __init__(self, hidden: int | Sequence[int] = (40,), activation: str = "relu", *, eta: float = 0.01,
                 alpha: float = 1e-4, optimizer: str = "adam", momentum: float = 0.9,
                 batch_size: int | None = None, max_epochs: int = 500, early_stopping: bool = False,
                 validation_fraction: float = 0.1, n_iter_no_change: int = 30, tol: float = 0.0,
                 bias: bool = True, dtype: str = "float32", random_state: Any = None,
                 verbose: bool = False) -> None:
        self.hidden = hidden
        self.activation = activation
        self.eta = eta
        self.alpha = alpha
        self.optimizer = optimizer
        self.momentum = momentum
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.bias = bias
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose

    def _validate_arrays(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        return validate_data(self, X, y, reset=reset, dtype=np.float64)

    def _encode(self, y: np.ndarray, *, first: bool, classes: Any) -> np.ndarray:
        t = self._labels(y, first=first, classes=classes)
        if first:
            self._kind = "binary" if len(self.classes_) == 2 else "multiclass"
        return t

    def _n_outputs(self) -> int:
        return 1 if self._kind == "binary" else len(self.classes_)

    def _targets_tensor(self, t: np.ndarray) -> Tensor:
        if self._kind == "binary":
            return _tensor(t, self._dtype)[:, None]  # (N, 1) 0/1 for BCE
        return _tensor(t, torch.long)  # (N,) class indices for cross-entropy

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> Self:
        """One epoch over (X, y); the first call needs ``classes`` (all labels), as in scikit-learn."""
        if not hasattr(self, "history_") and classes is None:
            raise ConfigError("classes must be passed on the first call to partial_fit, "
                              "e.g. partial_fit(X, y, classes=np.unique(y_all))")
        return self._fit(X, y, partial=True, classes=classes)

    def predict_proba(self, X: Any) -> np.ndarray:
        """(N, n_classes) probabilities; rows sum to 1."""
        logits = self._logits(X)
        proba = mlp.head_output(self._kind, logits).numpy()
        if self._kind == "binary":
            return self._proba_from_p(proba[:, 0])
        return proba

    def predict(self, X: Any) -> np.ndarray:
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class MLPRegressor(RegressorMixin, _MLPBase):
    """Multilayer perceptron regressor: identity output, MSE (or MAE) loss; y may have k columns.

    Learned: ``module_``, ``n_outputs_``, ``history_``, ``n_iter_``, ``loss_``, ``best_epoch_``.
    """

    _kind = "regression"

    def __init__(self, hidden: int | Sequence[int] = (40,), activation: str = "relu", *, eta: float = 0.01,
                 alpha: float = 1e-4, optimizer: str = "adam", momentum: float = 0.9,
                 batch_size: int | None = None, max_epochs: int = 500, early_stopping: bool = False,
                 validation_fraction: float = 0.1, n_iter_no_change: int = 30, tol: float = 0.0,
                 bias: bool = True, dtype: str = "float32", random_state: Any = None, verbose: bool = False,
                 loss: str = "mse") -> None:
        self.hidden = hidden
        self.activation = activation
        self.eta = eta
        self.alpha = alpha
        self.optimizer = optimizer
        self.momentum = momentum
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.bias = bias
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose
        self.loss = loss

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _check_params(self) -> None:
        super()._check_params()
        mlp.head_loss("regression", self.loss)

    def _loss_fn(self) -> LossFn:
        return mlp.head_loss("regression", self.loss)

    def _validate_arrays(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        return validate_data(self, X, y, reset=reset, dtype=np.float64,
                             multi_output=True, y_numeric=True)

    def _encode(self, y: np.ndarray, *, first: bool, classes: Any) -> np.ndarray:
        t = np.asarray(y, dtype=np.float64).reshape(len(y), -1)  # (N, k)
        if first:
            self.n_outputs_ = t.shape[1]
        elif t.shape[1] != self.n_outputs_:
            raise DataError(f"y has {t.shape[1]} outputs but the model was fitted with {self.n_outputs_}")
        return t

    def _n_outputs(self) -> int:
        return self.n_outputs_

    def _targets_tensor(self, t: np.ndarray) -> Tensor:
        return _tensor(t, self._dtype)

    def partial_fit(self, X: Any, y: Any) -> Self:
        """One epoch over (X, y), continuing from the current weights and optimiser state."""
        return self._fit(X, y, partial=True)

    def predict(self, X: Any) -> np.ndarray:
        out = self._logits(X).numpy()
        return out.ravel() if self.n_outputs_ == 1 else out


# ------------------------------------------------------------------------------------------- Neuron


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
    with _seeded(0), torch.no_grad():  # the init is overwritten; fork_rng keeps it from touching global state
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


class _NeuronBase(_Net):
    activation: str
    bias: bool
    backend: str
    n_neurons: int
    neuron_: NumpyNeuron | SideBySide
    module_: nn.Module
    _classifier = False

    def _check_params(self) -> None:
        self._check_common()
        get_activation(self.activation)
        if self.backend not in BACKENDS:
            raise ConfigError(f"unknown backend {self.backend!r}; choose one of {valid_names(BACKENDS)}")
        if isinstance(self.n_neurons, bool) or not isinstance(self.n_neurons, Integral) or self.n_neurons < 1:
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
        for stale in ("neuron_", "module_"):
            self.__dict__.pop(stale, None)
        if self._backend == "numpy":
            self.neuron_ = model
        else:
            self.module_ = _torch_twin(model)
            self._optimizer = torch.optim.SGD(self.module_.parameters(), lr=self.eta)

    def _logit_module(self) -> nn.Module:
        """The part of ``module_`` that outputs a (N, 1): what the loss takes."""
        return self.module_.linear if isinstance(self.module_, mlp.Neuron) else self.module_

    def _metric(self, y: np.ndarray, t: np.ndarray) -> float:
        raise NotImplementedError

    def _train(self, X: np.ndarray, t: np.ndarray, X_val: np.ndarray | None, t_val: np.ndarray | None, *,
               max_epochs: int, generator: torch.Generator) -> None:
        metric_name = "accuracy" if self._classifier else "r2"
        common: dict[str, Any] = dict(
            eta=self.eta, alpha=self.alpha, batch_size=self.batch_size, max_epochs=max_epochs,
            metric_name=metric_name, n_iter_no_change=self.n_iter_no_change, tol=self.tol,
            generator=generator, history=self.history_)
        if self._backend == "numpy":
            fit_numpy(self.neuron_, X, t, X_val=X_val, t_val=t_val, metric_fn=self._metric, **common)
            return
        sigma = get_activation(self._output).torch

        def metric(a: Tensor, target: Tensor) -> float:
            return self._metric(sigma(a).numpy()[:, 0], target.numpy()[:, 0])

        def col(v: np.ndarray) -> Tensor:
            return _tensor(v, torch.float64)[:, None]  # (N, 1)

        fit_module(
            self._logit_module(), _tensor(X, torch.float64), col(t),
            loss_fn=_neuron_loss(self._loss_name, self._output), optimizer=self._optimizer,
            X_val=None if X_val is None else _tensor(X_val, torch.float64),
            y_val=None if t_val is None else col(t_val), metric_fn=metric, reduction="sum", **common)

    def _output_values(self, X: Any) -> np.ndarray:
        """The neuron's output y (N,) for new X, from whichever backend was trained."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        width = int(self.n_neurons) if self._layers(X.shape[1])[1:-1] else 1
        if self._backend == "numpy":
            with np.errstate(over="ignore"):  # saturating outputs are fine; exp overflow is not news
                return np.concatenate([self.neuron_.predict_output(rows) for rows in _row_chunks(X, width)])
        sigma = get_activation(self._output).torch
        with torch.no_grad():
            return np.concatenate([sigma(self._logit_module()(_tensor(rows, torch.float64))).numpy()[:, 0]
                                   for rows in _row_chunks(X, width)])

    def _single(self) -> tuple[np.ndarray, float]:
        check_is_fitted(self)
        model = self.neuron_ if self._backend == "numpy" else self.module_
        if not isinstance(model, NumpyNeuron | mlp.Neuron):
            raise AttributeError("coef_ and intercept_ exist for n_neurons=1; read neuron_ or module_")
        if isinstance(model, NumpyNeuron):
            return model.w.copy(), float(model.b)
        (linear,) = _linears(model)
        b = float(linear.bias.detach()[0]) if linear.bias is not None else 0.0
        return linear.weight.detach().numpy()[0].copy(), b

    @property
    def coef_(self) -> np.ndarray:
        """The seed's w (n_features,) of a single neuron."""
        return self._single()[0]

    @property
    def intercept_(self) -> float:
        """The seed's bias b of a single neuron (0.0 without a bias)."""
        return self._single()[1]


class NeuronClassifier(ClassifierMixin, _ClassifierTargets, _NeuronBase):
    """The practical's single neuron as a binary classifier (or K neurons side by side, sigmoid out).

    P(class 1) is read off the output y: for sigmoid it is a probability already; other activations
    regress the 0/1 label with squared error, and their output is clipped to [0, 1] (so a tanh or
    identity neuron's y is its estimate of P(class 1)).  The predicted class is class 1 when
    y > 0.5 — for sigmoid exactly when a > 0, the step's own threshold.
    """

    _stratify = True
    _classifier = True

    def __init__(self, activation: str = "sigmoid", *, bias: bool = True, backend: str = "numpy",
                 eta: float = 0.01, alpha: float = 0.0, batch_size: int | None = None, max_epochs: int = 200,
                 early_stopping: bool = False, validation_fraction: float = 0.1, n_iter_no_change: int = 30,
                 tol: float = 0.0, n_neurons: int = 1, random_state: Any = None) -> None:
        self.activation = activation
        self.bias = bias
        self.backend = backend
        self.eta = eta
        self.alpha = alpha
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.n_neurons = n_neurons
        self.random_state = random_state

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
        if not hasattr(self, "history_") and classes is None:
            raise ConfigError("classes must be passed on the first call to partial_fit, "
                              "e.g. partial_fit(X, y, classes=np.unique(y_all))")
        return self._fit(X, y, partial=True, classes=classes)

    def predict_proba(self, X: Any) -> np.ndarray:
        """(N, 2): [1 − p, p] with p = clip(y, 0, 1), the output read as P(class 1)."""
        return self._proba_from_p(np.clip(self._output_values(X), 0.0, 1.0))

    def predict(self, X: Any) -> np.ndarray:
        y = self._output_values(X)
        return self.classes_[(y > 0.5).astype(int)]


class NeuronRegressor(RegressorMixin, _NeuronBase):
    """The practical's neuron fitted to a function: identity output by default, summed squared error.

    ``n_neurons > 1`` puts K neurons side by side under an identity output neuron, each free to fit
    a different part of the function (the practical's exercise).
    """

    def __init__(self, activation: str = "identity", *, bias: bool = True, backend: str = "numpy",
                 eta: float = 0.01, alpha: float = 0.0, batch_size: int | None = None, max_epochs: int = 200,
                 early_stopping: bool = False, validation_fraction: float = 0.1, n_iter_no_change: int = 30,
                 tol: float = 0.0, n_neurons: int = 1, random_state: Any = None) -> None:
        self.activation = activation
        self.bias = bias
        self.backend = backend
        self.eta = eta
        self.alpha = alpha
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.n_neurons = n_neurons
        self.random_state = random_state

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

