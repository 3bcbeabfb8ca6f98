"""One MLP estimator made ready for batched training, and written back after it.

The batched trainers (``ensemble_torch``, ``ensemble_fused``) train a model exactly as its estimator's
``fit`` would: these helpers run ``fit`` up to the training call (validate, encode, build from the seed,
split off the validation set) and, afterwards, leave behind what ``fit`` leaves (weights, history,
``n_iter_``, ``loss_``, ``best_epoch_``), or nothing when the model diverged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from torch import nn

from neuronlab.errors import ConfigError, DataError
from neuronlab.nn.estimators import MLPClassifier, MLPRegressor, fit_seed
from neuronlab.train.loop import History

MLPEstimator = MLPClassifier | MLPRegressor


@dataclass
class Prepared:
    """One estimator made ready to train: its data as the estimator's ``_train`` would receive it."""

    est: MLPEstimator
    X: np.ndarray  # (N, F) training rows, after the validation split
    t: np.ndarray  # encoded targets: (N,) class indices or (N, k) values
    X_val: np.ndarray | None
    t_val: np.ndarray | None
    seed: int

    def key(self) -> tuple[Any, ...]:
        """The torch backend's group: what models must share to live in one stacked computation
        (widths are padded, the rest is not; the fused backend groups by ``ensemble_fused.fused_key``)."""
        est = self.est
        return (len(est._hidden()), est.activation, est._kind, getattr(est, "loss", ""), est.optimizer,
                est.batch_size if est.batch_size and est.batch_size < len(self.X) else None,
                self.X.shape, None if self.X_val is None else self.X_val.shape, est._n_outputs(),
                est.dtype, est.bias)


def unwrap(estimator: Any, X: Any, y: Any) -> tuple[MLPEstimator, Any, Any]:
    """Fit the wrappers ``build_model`` puts around an MLP (target scaler, pipeline steps) exactly as
    their own ``fit`` would, and return the MLP with the data it would be fitted on.

    After the MLP is trained (``fit_mlps``), ``estimator`` is fitted: predictions go through the
    same scalers as if ``estimator.fit(X, y)`` had been called.
    """
    if isinstance(estimator, TransformedTargetRegressor):
        # TransformedTargetRegressor.fit: scale y as a column, fit a clone of the regressor on it
        y = np.asarray(y, dtype=np.float64)
        estimator._training_dim = y.ndim
        y_2d = y.reshape(-1, 1) if y.ndim == 1 else y
        transformer = estimator.transformer if estimator.transformer is not None else None
        if transformer is None:
            raise ConfigError("the ensemble needs a TransformedTargetRegressor with a transformer")
        estimator.transformer_ = clone(transformer).fit(y_2d)
        y_t = estimator.transformer_.transform(y_2d)
        if y_t.ndim == 2 and y_t.shape[1] == 1 and y.ndim == 1:
            y_t = y_t.squeeze(axis=1)
        estimator.regressor_ = clone(estimator.regressor)
        return unwrap(estimator.regressor_, X, y_t)
    if isinstance(estimator, Pipeline):
        # Pipeline.fit: fit_transform every step but the last, in order, on the training data
        for _, step in estimator.steps[:-1]:
            if step is not None and step != "passthrough":
                X = step.fit_transform(X, y)
        return unwrap(estimator.steps[-1][1], X, y)
    if isinstance(estimator, MLPClassifier | MLPRegressor):
        return estimator, X, y
    raise ConfigError(f"the ensemble trains MLPs only, got {type(estimator).__name__}; use the local executor")


Memo = dict[tuple[int, int, type], tuple[np.ndarray, np.ndarray, dict[str, Any]]]


def prepare(est: MLPEstimator, X: Any, y: Any, memo: Memo | None = None) -> Prepared:
    """``_Net._fit`` up to the training call: validate, encode, build from the seed, split.

    ``memo`` (one dict per batch of estimators, while their X and y are alive): estimators of one
    class given the very same X and y objects validate and encode them once; the others take the
    checked arrays and the attributes that validation learnt (``n_features_in_``, ``classes_``, …),
    since those depend on nothing but the data.  Saves ~0.8 ms of scikit-learn checks per model.
    """
    est._check_params()
    key = (id(X), id(y), type(est))
    if memo is not None and key in memo:
        X, t, learnt = memo[key]
        est.__dict__.update(learnt)
    else:
        before = dict(vars(est))
        X, y = est._validate_xy(X, y, reset=True)
        t = est._encode(y, first=True, classes=None)
        if memo is not None:
            memo[key] = (X, t, {k: v for k, v in vars(est).items() if k not in before or before[k] is not v})
    seed = fit_seed(est.random_state)
    est._seed = seed
    est._build(X.shape[1], seed)  # module_ with torch's init drawn from the seed: the same initial weights
    est.history_ = History()
    X_val = t_val = None
    if est.early_stopping:
        try:
            X, X_val, t, t_val = train_test_split(X, t, test_size=est.validation_fraction, random_state=seed,
                                                  stratify=t if est._stratify else None)
        except ValueError as err:
            raise DataError(f"early_stopping cannot split off a validation set ({err}); "
                            "raise validation_fraction, add data or set early_stopping=False") from None
    return Prepared(est, X, t, X_val, t_val, seed)


def finish(est: MLPEstimator, weights: list[Any], biases: list[Any | None], history: History) -> None:
    """Write trained weights and history into the estimator: what ``fit`` leaves behind.

    ``weights[l]`` is layer l's (out, in) matrix as ``nn.Linear`` keeps it, ``biases[l]`` its (out,)
    vector (None without bias); arrays or tensors, exactly the layer's shape."""
    with torch.no_grad():
        for layer, W, b in zip(linears(est), weights, biases, strict=True):
            layer.weight.copy_(torch.as_tensor(W))
            if b is not None and layer.bias is not None:
                layer.bias.copy_(torch.as_tensor(b))
    est.module_.eval()
    est.history_ = history
    est.n_iter_ = len(history)
    est.loss_ = history.train_loss[-1]
    est.best_epoch_ = history.best_epoch


def unfit(est: MLPEstimator) -> None:
    """A diverged fit leaves the estimator unfitted, as ``fit`` does."""
    for name in [k for k in vars(est) if k.endswith("_") and not k.startswith("__")]:
        delattr(est, name)


def linears(est: MLPEstimator) -> list[nn.Linear]:
    return [m for m in est.module_.layers if isinstance(m, nn.Linear)]


def metric_name(est: MLPEstimator) -> str:
    from neuronlab.nn.mlp import get_head

    return get_head(est._kind).metric


__all__ = ["MLPEstimator", "Prepared", "finish", "linears", "metric_name", "prepare", "unfit", "unwrap"]
