"""The multilayer perceptron as scikit-learn estimators: MLPClassifier and MLPRegressor.

``fit`` is ``prepare_fit`` (validate, encode, draw the initial weights from the seed, split off early
stopping's validation set: a ``train.problem.Problem``), one engine, and ``finish_fit``.  The engine is
the compiled kernel by default (``engine="fused"``: no torch is imported), NumPy (``engine="numpy"``:
neither Numba nor torch, what a fresh process fitting one small model wants) or the torch loop
(``engine="torch"``, the PyTorch practical's path); from one seed all three train the same network to
rounding.  A batched sweep (``estimators.batch.fit_mlps``) calls the same two public methods around
one kernel call for all its models, so each model equals its estimator trained alone.

``MLPRegressor`` trains on the standardised target by default (``scale_target``, declared in
``neuronlab.config``): an identity output starts near 0 and moves by η-sized steps, so a target in MPa
(Hall–Petch) would need thousands of epochs to be reached and scored R² ≈ −3 meanwhile.  The scaler is
fitted in ``prepare_fit`` on the training targets only, so cross-validation stays honest, and
``predict`` answers in the target's units.  ``history_`` and ``loss_`` are in standardised units.

Conventions are scikit-learn's: the loss is a batch mean, α adds ½ α ‖W‖² / n_batch (weights, not
biases), early stopping stops after ``n_iter_no_change`` epochs short of the best score plus ``tol``.
Learned: ``coefs_`` and ``intercepts_`` (as in scikit-learn, but W_l as (out, in) rows, ``nn.Linear``'s
layout), ``history_``, ``n_iter_``, ``loss_``, ``best_epoch_``; ``module_`` is the same network as a torch
module, built on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import Any, Self

import numpy as np
from scipy.special import expit, softmax
from sklearn.base import ClassifierMixin, RegressorMixin, is_regressor
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from neuronlab import config, limits
from neuronlab.errors import ConfigError, DataError
from neuronlab.estimators.base import ClassifierTargets, Net, fit_seed, needs_classes, print_epoch, row_chunks
from neuronlab.estimators.weights import check_kind_params, check_layers, output_classes, target_scaler, weight_params
from neuronlab.nn.activations import get_activation
from neuronlab.nn.init import uniform_init
from neuronlab.train.engines import train_one
from neuronlab.train.history import History
from neuronlab.train.numpy_mlp import forward
from neuronlab.train.problem import Problem, Trained

Memo = dict[tuple[Any, ...], Any]  # per batch: validated data and learnt attributes, validation splits
_D = config.default


class MLPBase(Net):
    hidden: int | Sequence[int]
    activation: str
    optimizer: str
    momentum: float
    bias: bool
    dtype: str
    engine: str
    verbose: bool
    coefs_: list[np.ndarray]
    intercepts_: list[np.ndarray | None]
    _kind: str

    def _check_params(self, seen: set[Any] | None = None) -> None:
        """Check every knob; ``seen`` (one set per batch, see ``config.check_all``): what is already
        checked, the network's shape and activation included, passes at once."""
        config.check_all(self, config.MLP_TRAINING, seen=seen)
        shape = ("hidden and activation", type(self.hidden), repr(self.hidden), type(self.activation),
                 repr(self.activation))
        if seen is None or shape not in seen:
            limits.check_hidden(self._hidden())
            get_activation(self.activation)
            if seen is not None:
                seen.add(shape)

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

    def _head(self) -> str:
        return self._kind if self._kind != "regression" else str(getattr(self, "loss", "mse"))

    # --- the two public halves of fit, shared with the batched trainer
    def prepare_fit(self, X: Any, y: Any, memo: Memo | None = None) -> Problem:
        """``fit`` up to the training call: check, validate, encode, draw the initial weights, split.

        ``memo`` (one dict per batch of estimators, while their X and y are alive): estimators of one
        class given the very same X and y objects validate and encode them once; the others take the
        checked arrays and the attributes validation learnt (``n_features_in_``, ``classes_``, …),
        since those depend on nothing but the data.
        """
        self._check_params(None if memo is None else memo.setdefault(("checked",), set()))
        key = (id(X), id(y), type(self))
        if memo is not None and key in memo:
            X, t, learnt = memo[key]
            self.__dict__.update(learnt)
        else:
            before = dict(vars(self))
            X, y = self.validated(X, y, reset=True)
            t = self._encode(y, first=True, classes=None)
            if memo is not None:
                memo[key] = (X, t, {k: v for k, v in vars(self).items() if k not in before or before[k] is not v})
        t = self._training_targets(t, first=True, memo=memo)
        return self._first_problem(X, t, split=True, memo=memo)

    def _training_targets(self, t: np.ndarray, *, first: bool, memo: Memo | None = None) -> np.ndarray:
        """The encoded targets as the network trains on them (the regressor may standardise them)."""
        return t

    def _first_problem(self, X: np.ndarray, t: np.ndarray, *, split: bool, memo: Memo | None = None) -> Problem:
        layers = self._layers(X.shape[1])
        size = ("size", layers, X.shape[0], self.batch_size, bool(self.bias))  # all the size check depends on
        if memo is None or size not in memo:
            self._check_size(*X.shape)
            if memo is not None:
                memo[size] = True
        self._seed = fit_seed(self.random_state)
        weights, biases = uniform_init(layers, self.bias, self._seed, self.dtype)
        if not (split and self.early_stopping):
            return self._problem(weights, biases, X, t, dtype=self.dtype, max_epochs=int(self.max_epochs))
        # the validation split depends only on the data, the seed and the fraction: drawn once per batch
        key = ("split", id(X), id(t), self._seed, float(self.validation_fraction), self._stratify)
        if memo is not None and key in memo:
            X, t, X_val, t_val = memo[key]
        else:
            parts = self._split(X, t)
            if memo is not None:
                memo[key] = parts
            X, t, X_val, t_val = parts
        return self._problem(weights, biases, X, t, X_val, t_val, dtype=self.dtype, max_epochs=int(self.max_epochs))

    def _problem(self, weights: list[np.ndarray], biases: list[np.ndarray | None], X: np.ndarray, t: np.ndarray,
                 X_val: np.ndarray | None = None, t_val: np.ndarray | None = None, *, dtype: str,
                 max_epochs: int) -> Problem:
        return Problem(self._head(), self.activation, self.optimizer, float(self.eta), float(self.alpha),
                       float(self.momentum), self.batch_size, max_epochs, int(self.n_iter_no_change),
                       float(self.tol), dtype, self._seed, weights, biases, X, t, X_val, t_val)

    def finish_fit(self, result: Trained | Exception, module: Any = None) -> Exception | None:
        """Leave what ``fit`` leaves: the trained weights and history, or nothing (unfitted) when
        training failed; returns the error ``fit`` would raise, else None.  ``module``: the torch
        module the weights are views of, when the torch engine trained them."""
        if isinstance(result, Exception):
            self.unfit()
            return result
        self.coefs_, self.intercepts_, self.history_ = result.weights, result.biases, result.history
        self._activation = self.activation  # what was fitted, whatever set_params does later
        self._fitted_dtype = str(result.weights[0].dtype)
        self.__dict__.pop("_module", None)
        if module is not None:
            self._module = module
        else:  # trained by the kernel: a torch optimiser of an earlier fit has nothing to continue
            self.__dict__.pop("_optimizer_state", None)
        self._fitted()
        return None

    # --- fit, partial_fit
    def fit(self, X: Any, y: Any) -> Self:
        """Train from scratch for up to ``max_epochs`` epochs (fewer with early stopping)."""
        problem = self.prepare_fit(X, y)
        result, run = train_one(problem, self.engine, on_epoch_end=self._printer())
        module = None
        if run is not None:  # the torch engine: partial_fit continues its optimiser
            self._optimizer_state, module = run, run.module
        error = self.finish_fit(result, module)
        if error is not None:
            raise error
        if self.verbose and self.engine == "fused":
            for i in range(len(self.history_)):
                print_epoch(self.history_, i)
        return self

    def _printer(self) -> Any:
        return (lambda h: print_epoch(h)) if self.verbose else None

    def _partial(self, X: Any, y: Any, classes: Any = None) -> Self:
        """One epoch with the torch engine, continuing its weights and optimiser state (a model the
        kernel fitted, or an unpickled one, continues from its weights with fresh optimiser moments)."""
        from neuronlab.errors import DivergedError
        from neuronlab.train.torch_engine import TorchMLP

        self._check_params()
        first = not hasattr(self, "history_")
        X, y = self.validated(X, y, reset=first)
        t = self._training_targets(self._encode(y, first=first, classes=classes), first=first)
        if first:
            problem = self._first_problem(X, t, split=False)
            problem.max_epochs, history = 1, History()
        else:
            problem = self._problem(self.coefs_, self.intercepts_, X, t, dtype=self._fitted_dtype, max_epochs=1)
            history = self.history_
        run = self.__dict__.get("_optimizer_state") if not first else None
        if run is None:
            run = TorchMLP(problem)
        try:
            result: Trained | Exception = run.train(problem, history, on_epoch_end=self._printer())
        except DivergedError as exc:
            if not first:
                raise
            result = exc
        error = self.finish_fit(result, run.module)
        if error is not None:
            raise error
        self._optimizer_state = run
        return self

    # --- the learned network
    @classmethod
    def from_weights(cls, coefs: Sequence[Any], intercepts: Sequence[Any] | None = None, *, classes: Any = None,
                     target_mean: Any = None, target_scale: Any = None, **params: Any) -> Self:
        """A fitted estimator from weights, no training (checks: :mod:`neuronlab.estimators.weights`).

        W_l as (out, in) rows and b_l, as in ``coefs_``/``intercepts_`` (``intercepts`` None: no biases),
        stored as ``dtype`` (``dtype="float64"`` keeps float64 weights exact); ``hidden`` and ``bias`` follow
        from them, ``params`` are ``__init__``'s (``activation`` above all).  A classifier takes ``classes``
        (default 0, 1, …), a regressor ``target_mean``/``target_scale``: the standardisation its outputs
        were trained in, undone by ``predict``.  ``history_`` is empty: nothing was trained here."""
        W, b = check_layers(coefs, intercepts, dtype=config.check("dtype", params.get("dtype", _D("dtype"))))
        est = cls(**weight_params(list(cls().get_params()), W, b, params))
        est._check_params()
        n_out, regression = W[-1].shape[0], is_regressor(est)
        check_kind_params(regression, classes=classes, target_mean=target_mean, target_scale=target_scale)
        if regression:
            est.n_outputs_, est.target_scaler_ = n_out, target_scaler(target_mean, target_scale, n_out)
        else:
            est.classes_, est._kind = output_classes(n_out, classes)
        est.n_features_in_, est.coefs_, est.intercepts_, est.history_, est.n_iter_ = W[0].shape[1], W, b, History(), 0
        est._activation, est._fitted_dtype, est._seed = est.activation, str(W[0].dtype), fit_seed(est.random_state)
        return est

    @property
    def module_(self) -> Any:
        """The fitted network as a torch ``nn.mlp.MLP`` (logits out), built on first use."""
        check_is_fitted(self)
        if "_module" not in self.__dict__:
            from neuronlab.train.torch_engine import module_from

            self._module = module_from(self.coefs_, self.intercepts_, self._activation, self._fitted_dtype,
                                       share=True)
        return self.__dict__["_module"]

    def _logits(self, X: Any) -> np.ndarray:
        """Logits (N, n_out) in float64 whatever the training dtype: a float32 matmul rounds differently
        for different batch sizes, and a prediction must not depend on which rows came with it."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        sigma = get_activation(self._activation)
        layers = list(zip(self.coefs_, self.intercepts_, strict=True))  # cast to X's float64 by forward
        widest = max(W.shape[0] for W, _ in layers)
        return np.concatenate([forward(layers, sigma, rows)[2] for rows in row_chunks(X, widest)])  # (N, n_out)


def _init_params(est: Any, hidden: Any, activation: str, eta: float, alpha: float, optimizer: str, momentum: float,
                 batch_size: int | None, max_epochs: int, early_stopping: bool, validation_fraction: float,
                 n_iter_no_change: int, tol: float, bias: bool, dtype: str, engine: str, random_state: Any,
                 verbose: bool) -> None:
    """Store the parameters as given (scikit-learn: __init__ does nothing else)."""
    est.hidden, est.activation, est.eta, est.alpha = hidden, activation, eta, alpha
    est.optimizer, est.momentum, est.batch_size, est.max_epochs = optimizer, momentum, batch_size, max_epochs
    est.early_stopping, est.validation_fraction = early_stopping, validation_fraction
    est.n_iter_no_change, est.tol, est.bias, est.dtype = n_iter_no_change, tol, bias, dtype
    est.engine, est.random_state, est.verbose = engine, random_state, verbose


class MLPClassifier(ClassifierMixin, ClassifierTargets, MLPBase):
    """Multilayer perceptron classifier: one sigmoid output for two classes, softmax for more.

    Learned: ``coefs_``, ``intercepts_``, ``classes_``, ``history_``, ``n_iter_``, ``loss_`` (last epoch's
    train loss), ``best_epoch_`` (with early stopping); ``module_`` on demand.
    """

    _stratify = True

    def __init__(self, hidden: int | Sequence[int] = (40,), activation: str = _D("activation"), *,
                 eta: float = _D("eta"), alpha: float = _D("alpha"), optimizer: str = _D("optimizer"),
                 momentum: float = _D("momentum"), batch_size: int | None = _D("batch_size"),
                 max_epochs: int = _D("max_epochs"), early_stopping: bool = _D("early_stopping"),
                 validation_fraction: float = _D("validation_fraction"),
                 n_iter_no_change: int = _D("n_iter_no_change"), tol: float = _D("tol"), bias: bool = _D("bias"),
                 dtype: str = _D("dtype"), engine: str = _D("engine"), random_state: Any = None,
                 verbose: bool = False) -> None:
        _init_params(self, hidden, activation, eta, alpha, optimizer, momentum, batch_size, max_epochs,
                     early_stopping, validation_fraction, n_iter_no_change, tol, bias, dtype, engine, random_state,
                     verbose)

    def _validate_arrays(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        return validate_data(self, X, y, reset=reset, dtype=np.float64)

    def _encode(self, y: np.ndarray, *, first: bool, classes: Any) -> np.ndarray:
        t = self._labels(y, first=first, classes=classes)
        if first:
            self._kind = "binary" if len(self.classes_) == 2 else "multiclass"
        return t

    def _n_outputs(self) -> int:
        return 1 if self._kind == "binary" else len(self.classes_)

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> Self:
        """One epoch over (X, y); the first call needs ``classes`` (all labels), as in scikit-learn."""
        needs_classes(self, classes)
        return self._partial(X, y, classes)

    def predict_proba(self, X: Any) -> np.ndarray:
        """(N, n_classes) probabilities; rows sum to 1."""
        logits = self._logits(X)
        if self._kind == "binary":
            return self._proba_from_p(expit(logits[:, 0]))
        return np.asarray(softmax(logits, axis=1))

    def predict(self, X: Any) -> np.ndarray:
        return self.predict_from_logits(self._logits(X))

    def predict_from_logits(self, logits: np.ndarray) -> np.ndarray:
        """The classes ``predict`` gives for these logits (N, n_out): a scorer that ran the forward pass
        itself (``evaluate.one_pass``: every split in one pass) maps them as ``predict`` does."""
        if self._kind == "binary":
            return self.classes_[(logits[:, 0] > 0).astype(int)]
        return self.classes_[np.argmax(logits, axis=1)]


class MLPRegressor(RegressorMixin, MLPBase):
    """Multilayer perceptron regressor: identity output, MSE (or MAE) loss; y may have k columns.

    Learned: ``coefs_``, ``intercepts_``, ``n_outputs_``, ``target_scaler_`` (None with
    ``scale_target=False``), ``history_``, ``n_iter_``, ``loss_``, ``best_epoch_``; ``module_`` on demand
    (its outputs are standardised targets when ``target_scaler_`` is set).
    """

    _kind = "regression"

    def __init__(self, hidden: int | Sequence[int] = (40,), activation: str = _D("activation"), *,
                 eta: float = _D("eta"), alpha: float = _D("alpha"), optimizer: str = _D("optimizer"),
                 momentum: float = _D("momentum"), batch_size: int | None = _D("batch_size"),
                 max_epochs: int = _D("max_epochs"), early_stopping: bool = _D("early_stopping"),
                 validation_fraction: float = _D("validation_fraction"),
                 n_iter_no_change: int = _D("n_iter_no_change"), tol: float = _D("tol"), bias: bool = _D("bias"),
                 dtype: str = _D("dtype"), engine: str = _D("engine"), random_state: Any = None,
                 verbose: bool = False, loss: str = _D("loss"), scale_target: bool = _D("scale_target")) -> None:
        _init_params(self, hidden, activation, eta, alpha, optimizer, momentum, batch_size, max_epochs,
                     early_stopping, validation_fraction, n_iter_no_change, tol, bias, dtype, engine, random_state,
                     verbose)
        self.loss = loss
        self.scale_target = scale_target

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _check_params(self, seen: set[Any] | None = None) -> None:
        super()._check_params(seen)
        config.check_all(self, config.MLP_REGRESSION, seen=seen)

    def _training_targets(self, t: np.ndarray, *, first: bool, memo: Memo | None = None) -> np.ndarray:
        """Standardise t (N, k) with ``scale_target``: on the first fit learn ``target_scaler_`` (None
        without scaling), later (``partial_fit``) reuse it.  It is scikit-learn's StandardScaler, so the
        numbers equal a ``TransformedTargetRegressor(transformer=StandardScaler())`` around the model.
        ``memo``: estimators of a batch given the same targets share one scaler and its output."""
        if not first:
            scaler = getattr(self, "target_scaler_", None)  # absent in a model pickled before the knob existed
            return t if scaler is None else scaler.transform(t)
        if not self.scale_target:
            self.target_scaler_ = None
            return t
        key = ("target", id(t))
        if memo is not None and key in memo:
            scaler, scaled = memo[key][:2]
        else:
            scaler = StandardScaler().fit(t)
            scaled = scaler.transform(t)
            if memo is not None:
                memo[key] = (scaler, scaled, t)  # t stays alive while its id is a key
        self.target_scaler_ = scaler
        return np.asarray(scaled)

    def _validate_arrays(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        return validate_data(self, X, y, reset=reset, dtype=np.float64, multi_output=True, y_numeric=True)

    def _encode(self, y: np.ndarray, *, first: bool, classes: Any) -> np.ndarray:
        t = np.asarray(y, dtype=np.float64).reshape(len(y), -1)  # (N, k)
        if first:
            self.n_outputs_ = t.shape[1]
        elif t.shape[1] != self.n_outputs_:
            raise DataError(f"y has {t.shape[1]} outputs but the model was fitted with {self.n_outputs_}")
        return t

    def _n_outputs(self) -> int:
        return self.n_outputs_

    def partial_fit(self, X: Any, y: Any) -> Self:
        """One epoch over (X, y), continuing from the current weights and optimiser state."""
        return self._partial(X, y)

    def predict(self, X: Any) -> np.ndarray:
        """Predictions in the target's units (un-standardised when trained with ``scale_target``)."""
        return self.predict_from_logits(self._logits(X))

    def predict_from_logits(self, logits: np.ndarray) -> np.ndarray:
        """What ``predict`` gives for these network outputs (N, n_out): the targets in their units."""
        out = logits
        scaler = getattr(self, "target_scaler_", None)  # absent in a model pickled before the knob existed
        if scaler is not None:
            out = scaler.inverse_transform(out)
        return out.ravel() if self.n_outputs_ == 1 else out
