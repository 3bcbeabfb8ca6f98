"""The checks behind ``MLPClassifier.from_weights`` / ``MLPRegressor.from_weights``: a fitted MLP from weights.

Why: a network trained elsewhere (a playground session, its JSON export, a table in a paper) should become
our estimator, with ``predict``, ``predict_proba``, ``score``, ``module_`` and a place in a ``Pipeline``,
without training it again.  Weights from outside are the least trusted input an estimator gets, so the
shapes are checked layer by layer here, once, and a mismatch is one ConfigError line that names the layer
and both shapes (the NumPy error it would become later, ``matmul: Input operand 1 has a mismatch in its
core dimension 0``, names neither).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.preprocessing import StandardScaler

from neuronlab.errors import ConfigError

Layers = tuple[list[np.ndarray], list[np.ndarray | None]]


def _array(value: Any, what: str, dtype: str) -> np.ndarray:
    try:
        out = np.array(value, dtype=dtype)  # a copy: the estimator owns its weights
    except (TypeError, ValueError):
        raise ConfigError(f"{what} must be numbers (a nested list or array); got {type(value).__name__}") from None
    if not np.all(np.isfinite(out)):
        raise ConfigError(f"{what} holds NaN or infinity; a network's weights must be finite")
    return out


def check_layers(coefs: Sequence[Any], intercepts: Sequence[Any] | None, *, dtype: str) -> Layers:
    """``coefs`` (W_l as (out, in) rows, ``coefs_``'s layout) and ``intercepts`` (b_l of length out, all None
    or ``intercepts`` None for a network without biases) as arrays of ``dtype``, checked to chain."""
    if isinstance(coefs, np.ndarray | str) or not isinstance(coefs, Sequence) or len(coefs) == 0:
        raise ConfigError("coefs must be a list of weight matrices, one (out, in) array per layer")
    W = [_array(w, f"coefs[{i}]", dtype) for i, w in enumerate(coefs)]
    for i, w in enumerate(W):
        if w.ndim != 2 or 0 in w.shape:
            raise ConfigError(f"coefs[{i}] must be a 2-D (out, in) matrix; got shape {w.shape}")
        if i and w.shape[1] != W[i - 1].shape[0]:
            raise ConfigError(f"coefs[{i}] has shape {w.shape}: it takes {w.shape[1]} inputs, but layer {i - 1} "
                              f"gives {W[i - 1].shape[0]} outputs (coefs[{i - 1}] has shape {W[i - 1].shape})")
    given = [None] * len(W) if intercepts is None else list(intercepts)
    if len(given) != len(W):
        raise ConfigError(f"intercepts has {len(given)} entries for {len(W)} layers; give one per layer "
                          "(or None for a network without biases)")
    if any(b is None for b in given) and any(b is not None for b in given):
        raise ConfigError("intercepts mixes None and arrays; a network has biases in every layer or in none")
    b: list[np.ndarray | None] = []
    for i, (w, v) in enumerate(zip(W, given, strict=True)):
        arr = None if v is None else _array(v, f"intercepts[{i}]", dtype)
        if arr is not None and arr.shape != (w.shape[0],):
            raise ConfigError(f"intercepts[{i}] has shape {arr.shape}; layer {i} has {w.shape[0]} neurons, "
                              f"so it needs ({w.shape[0]},)")
        b.append(arr)
    return W, b


def check_kind_params(regression: bool, **given: Any) -> None:
    """``classes`` is a classifier's, ``target_mean``/``target_scale`` a regressor's: the other kind's is
    refused rather than ignored (a regressor given classes= was meant to be a classifier)."""
    theirs = ("target_mean", "target_scale") if not regression else ("classes",)
    wrong = next((name for name in theirs if given.get(name) is not None), None)
    if wrong is not None:
        kind = "a regressor" if regression else "a classifier"
        raise ConfigError(f"{wrong}= is not for {kind}: a classifier takes classes=, "
                          "a regressor target_mean= and target_scale=")


def output_classes(n_out: int, classes: Any) -> tuple[np.ndarray, str]:
    """``classes_`` and the head (binary: one sigmoid output; multiclass: one softmax output per class)
    of a classifier whose last layer has ``n_out`` outputs; ``classes`` None means 0, 1, …"""
    labels = np.arange(2 if n_out == 1 else n_out) if classes is None else np.asarray(classes)
    if labels.ndim != 1 or len(np.unique(labels)) != len(labels):
        raise ConfigError(f"classes must be distinct labels in a flat list; got {classes!r}")
    expected = 1 if len(labels) == 2 else len(labels)
    if len(labels) < 2 or n_out != expected:
        raise ConfigError(f"the last layer has {n_out} output(s) but {len(labels)} classes are given; "
                          "2 classes take 1 output (sigmoid), k > 2 classes take k outputs (softmax)")
    if np.any(labels[:-1] >= labels[1:]):  # predict maps output k to classes_[k]: they must stay in order
        raise ConfigError(f"classes must be sorted (output k is the k-th smallest label); got {labels.tolist()}")
    return labels, "binary" if n_out == 1 else "multiclass"


def target_scaler(mean: Any, scale: Any, n_outputs: int) -> StandardScaler | None:
    """The target standardisation a regressor was trained under (``target_scaler_``), from its mean and
    scale (scalars or one per output; None and None: targets taken as they are).  Set, not fitted: the
    training targets are not here, and a scaler fitted to stand-in data would round the mean."""
    if mean is None and scale is None:
        return None
    m = _per_output(0.0 if mean is None else mean, "target_mean", n_outputs)
    s = _per_output(1.0 if scale is None else scale, "target_scale", n_outputs)
    if np.any(s <= 0):
        raise ConfigError(f"target_scale must be > 0 (a standard deviation); got {s.tolist()}")
    scaler = StandardScaler()
    scaler.mean_, scaler.scale_, scaler.var_ = m, s, s ** 2
    scaler.n_features_in_, scaler.n_samples_seen_ = n_outputs, 0
    return scaler


def _per_output(value: Any, what: str, n_outputs: int) -> np.ndarray:
    arr = _array(value, what, "float64").ravel()
    if arr.size not in (1, n_outputs):
        raise ConfigError(f"{what} must be one number or one per output ({n_outputs}); got {arr.size}")
    return np.broadcast_to(arr, (n_outputs,)).copy()


def weight_params(valid: Sequence[str], W: list[np.ndarray], b: list[np.ndarray | None],
                  params: dict[str, Any]) -> dict[str, Any]:
    """The estimator's parameters: ``params`` with ``hidden`` and ``bias`` read off the weights (given
    ones must agree); an unknown name is refused as ``__init__`` would, in one line."""
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ConfigError(f"unknown parameter {unknown[0]!r}; from_weights takes {', '.join(sorted(valid))}")
    derived = {"hidden": tuple(int(w.shape[0]) for w in W[:-1]), "bias": b[0] is not None}
    for name, value in derived.items():
        given = params.get(name)
        if given is not None and (tuple(np.atleast_1d(given)) if name == "hidden" else bool(given)) != value:
            raise ConfigError(f"{name}={given!r} disagrees with the weights, which give {name}={value!r}; "
                              f"leave {name} out")
    return {**params, **derived}
