"""The default path of the batched trainer: pack K prepared models into arrays, train them with the
compiled loop of ``fused``, write each back into its estimator.

Models of one call share the head (binary, multiclass, squared or absolute error), the dtype and the
shape of their data; they may differ in everything else (depth, widths, activation, optimiser, η, α,
momentum, batch size, epochs, early stopping), since each model runs its own loop.  Mini-batch shuffles
are drawn here, from each model's own generator seeded as ``fit`` seeds it, a block of epochs at a
time, so the kernel sees exactly the estimator's batches.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from neuronlab.errors import ConfigError
from neuronlab.train.fused import ACTIVATION_CODES, DIVERGED, HEAD_CODES, OPTIMIZER_CODES, RUNNING, train_block
from neuronlab.train.loop import History, diverged
from neuronlab.train.prepare import Prepared, finish, linears, metric_name, unfit

PERM_BUDGET = 32 * 2**20  # bytes of pre-drawn mini-batch orders per block of epochs


def fused_key(p: Prepared) -> tuple[Any, ...]:
    """What models must share to be trained by one kernel call: everything else is per model."""
    est = p.est
    return (head_name(p), est.dtype, p.X.shape, None if p.X_val is None else p.X_val.shape, est._n_outputs())


def head_name(p: Prepared) -> str:
    kind = p.est._kind
    return kind if kind != "regression" else getattr(p.est, "loss", "mse")


def check_supported(p: Prepared) -> None:
    """A clear error, before any training, for what the kernel cannot train."""
    est = p.est
    if est.activation not in ACTIVATION_CODES:
        raise ConfigError(f"activation {est.activation!r} has no gradient to train with; use "
                          f"{', '.join(ACTIVATION_CODES)}")
    if est.optimizer not in OPTIMIZER_CODES:
        raise ConfigError(f"unknown optimizer {est.optimizer!r}; use {', '.join(OPTIMIZER_CODES)}")
    if head_name(p) not in HEAD_CODES:
        raise ConfigError(f"loss {head_name(p)!r} is not trainable here; use mse or mae")


def default_threads() -> int:
    """Threads for the kernel: every core (models are independent, so they scale with cores)."""
    return max(1, os.cpu_count() or 1)


@contextmanager
def kernel_threads(threads: int | None) -> Iterator[int]:
    """Run the kernel's parallel loop over models on ``threads`` threads (None: every core), restored
    afterwards; yields the number used."""
    import numba

    limit = int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
    n = max(1, min(threads or default_threads(), limit))
    before = numba.get_num_threads()
    numba.set_num_threads(n)
    # models stop at different epochs: hand them out one at a time, not in equal static slices
    chunk = numba.set_parallel_chunksize(1)
    try:
        with threadpool_limits(limits=1, user_api="blas"):  # the kernel's wide layers call BLAS from each thread
            yield n
    finally:
        numba.set_parallel_chunksize(chunk)
        numba.set_num_threads(before)


def train_fused(members: Sequence[Prepared], threads: int | None = None) -> list[Exception | None]:
    """Train the models (one ``fused_key``) and leave each estimator fitted, as ``fit`` would;
    returns, per model, None or the DivergedError ``fit`` would have raised."""
    first = members[0]
    dtype = np.dtype(first.est.dtype)
    K = len(members)
    nets = [linears(p.est) for p in members]
    depth = np.array([len(layers) for layers in nets], dtype=np.int64)  # (K,)
    L = int(depth.max())

    # --- shapes and the packed layout: W_l (out, in) rows then b_l, layer after layer, per model
    widths = np.zeros((K, L + 1), dtype=np.int64)  # (K, L+1): F, h_1, …, O
    w_off = np.zeros((K, L), dtype=np.int64)
    b_off = np.full((K, L), -1, dtype=np.int64)  # −1: no bias
    n_params = np.zeros(K, dtype=np.int64)
    for k, layers in enumerate(nets):
        widths[k, 0] = layers[0].weight.shape[1]
        pos = 0
        for layer, linear in enumerate(layers):
            n_out, n_in = linear.weight.shape
            widths[k, layer + 1] = n_out
            w_off[k, layer], pos = pos, pos + n_out * n_in
            if linear.bias is not None:
                b_off[k, layer], pos = pos, pos + n_out
        n_params[k] = pos
    params = np.zeros((K, int(n_params.max())), dtype=dtype)  # (K, P)
    for k, layers in enumerate(nets):  # the estimator's own initial weights (torch's init from its seed)
        for layer, linear in enumerate(layers):
            W = linear.weight.detach().numpy().astype(dtype).ravel()  # (out·in,)
            params[k, w_off[k, layer]:w_off[k, layer] + W.size] = W
            if linear.bias is not None:
                b = linear.bias.detach().numpy().astype(dtype)
                params[k, b_off[k, layer]:b_off[k, layer] + b.size] = b

    # --- data, samples innermost: X (K, F, N), T (K, O, N); one copy per model (own split and scaler)
    n_out = int(widths[0, depth[0]])  # the head's width, shared by the group
    X = np.ascontiguousarray(np.stack([p.X.T for p in members]), dtype=dtype)
    T = np.stack([_targets(p.t, n_out, p.est._kind, dtype) for p in members])
    if first.X_val is not None:
        X_val = np.ascontiguousarray(np.stack([p.X_val.T for p in members]), dtype=dtype)  # type: ignore[union-attr]
        T_val = np.stack([_targets(p.t_val, n_out, p.est._kind, dtype) for p in members])  # type: ignore[arg-type]
    else:
        X_val = np.zeros((K, X.shape[1], 0), dtype=dtype)
        T_val = np.zeros((K, n_out, 0), dtype=dtype)
    N = X.shape[2]

    # --- per-model settings and state
    ests = [p.est for p in members]
    act = np.array([ACTIVATION_CODES[e.activation] for e in ests], dtype=np.int64)
    opt = np.array([OPTIMIZER_CODES[e.optimizer] for e in ests], dtype=np.int64)
    eta = np.array([e.eta for e in ests], dtype=np.float64)
    alpha = np.array([e.alpha for e in ests], dtype=np.float64)
    mu = np.array([e.momentum for e in ests], dtype=np.float64)
    batch = np.array([e.batch_size if e.batch_size and e.batch_size < N else 0 for e in ests], dtype=np.int64)
    max_epochs = np.array([e.max_epochs for e in ests], dtype=np.int64)
    patience = np.array([e.n_iter_no_change for e in ests], dtype=np.int64)
    tol = np.array([float(e.tol) for e in ests], dtype=np.float64)
    m, v, best_params = np.zeros_like(params), np.zeros_like(params), params.copy()
    steps = np.zeros(K, dtype=np.int64)
    status = np.full(K, RUNNING, dtype=np.int64)
    epochs = np.zeros(K, dtype=np.int64)
    best = np.full(K, -math.inf, dtype=np.float64)
    best_epoch = np.zeros(K, dtype=np.int64)
    count = np.zeros(K, dtype=np.int64)
    E = int(max_epochs.max())
    log = np.full((K, E, 3), math.nan, dtype=np.float64)  # (K, E, 3): train loss, val loss, val metric

    # --- train, a block of epochs per call (one call when nobody needs shuffles)
    generators = [torch.Generator().manual_seed(p.seed) if batch[k] else None for k, p in enumerate(members)]
    shuffled = np.flatnonzero(batch)
    block = E if not len(shuffled) else max(1, PERM_BUDGET // (8 * N * len(shuffled)))
    with kernel_threads(threads):
        for start in range(1, E + 1, block):
            stop = min(start + block, E + 1)
            perms = np.zeros((K, stop - start, N) if len(shuffled) else (K, 0, 0), dtype=np.int64)  # (K, E_b, N)
            for r in shuffled.tolist():
                if status[r] != RUNNING:
                    continue
                for e in range(start, min(stop, int(max_epochs[r]) + 1)):  # fit's batch_indices, epoch by epoch
                    perms[r, e - start] = torch.randperm(N, generator=generators[r]).numpy()
            train_block(HEAD_CODES[head_name(first)], depth, widths, w_off, b_off, n_params, act, opt, eta, alpha,
                        mu, batch, max_epochs, patience, tol, params, m, v, best_params, X, T, X_val, T_val, perms,
                        steps, status, epochs, best, best_epoch, count, log, start, stop, 0, K)
            if not (status == RUNNING).any():
                break

    # --- write back: the best epoch's weights when early stopping saw one, else the last
    errors: list[Exception | None] = [None] * K
    validate = first.X_val is not None
    for k, p in enumerate(members):
        if status[k] == DIVERGED:
            errors[k] = diverged(int(epochs[k]) + 1, p.est.eta)
            unfit(p.est)
            continue
        E_k = int(epochs[k])
        history = History(epoch=list(range(1, E_k + 1)), train_loss=log[k, :E_k, 0].tolist(),
                          val_loss=log[k, :E_k, 1].tolist(), val_metric=log[k, :E_k, 2].tolist(),
                          metric_name=metric_name(p.est), stopped_epoch=E_k)
        restore = validate and int(best_epoch[k]) > 0
        history.best_epoch = int(best_epoch[k]) if restore else None
        theta = best_params[k] if restore else params[k]
        weights, biases = [], []
        for layer in range(int(depth[k])):
            o, i = int(widths[k, layer + 1]), int(widths[k, layer])
            weights.append(theta[w_off[k, layer]:w_off[k, layer] + o * i].reshape(o, i))
            biases.append(None if b_off[k, layer] < 0 else theta[b_off[k, layer]:b_off[k, layer] + o])
        finish(p.est, weights, biases, history)
    return errors


def warm_up(dtype: str = "float32") -> None:
    """Compile the kernel for ``dtype`` now (~40 s the first time; afterwards Numba loads it from its
    disk cache in about a second), so that the first sweep does not wait: ``scripts/setup.sh`` calls it."""
    from neuronlab.nn.estimators import MLPClassifier
    from neuronlab.train.prepare import prepare

    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    train_fused([prepare(MLPClassifier((2,), max_epochs=1, dtype=dtype, random_state=0), X, np.array([0, 1, 0, 1]))],
                threads=1)


def _targets(t: np.ndarray, n_out: int, kind: str, dtype: np.dtype[Any]) -> np.ndarray:
    """Targets (O, N): 0/1 for binary, one-hot for multiclass, the values for regression."""
    if kind == "multiclass":
        return np.ascontiguousarray(np.eye(n_out, dtype=dtype)[np.asarray(t, dtype=np.int64)].T)  # (C, N)
    return np.ascontiguousarray(np.asarray(t, dtype=np.float64).reshape(len(t), -1).T, dtype=dtype)  # (O, N)


__all__ = ["check_supported", "default_threads", "fused_key", "kernel_threads", "train_fused", "warm_up"]
