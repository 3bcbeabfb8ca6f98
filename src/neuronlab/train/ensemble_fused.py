"""The compiled engine's driver: pack K problems into arrays, train them with the compiled loop of
``fused``, unpack each one's weights and History.

Models of one call share the head (binary, multiclass, squared or absolute error), the dtype and the
shape of their data; they may differ in everything else (depth, widths, activation, optimiser, η, α,
momentum, batch size, epochs, early stopping), since each model runs its own loop.  Mini-batch shuffles
are drawn here, from each problem's own generator (``history.shuffle_rng``), a block of epochs at a
time, so the kernel sees exactly the torch loop's batches.
"""

from __future__ import annotations

import functools
import math
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import pairwise
from typing import Any, NamedTuple

import numpy as np
from threadpoolctl import ThreadpoolController

from neuronlab.errors import ConfigError, DivergedError
from neuronlab.train.fused import ACTIVATION_CODES, DIVERGED, HEAD_CODES, OPTIMIZER_CODES, RUNNING, train_block
from neuronlab.train.history import History, diverged, shuffle_rng
from neuronlab.train.problem import Problem, Trained

PERM_BUDGET = 32 * 2**20  # bytes of pre-drawn mini-batch orders per block of epochs


def fused_key(p: Problem) -> tuple[Any, ...]:
    """What models must share to be trained by one kernel call: everything else is per model."""
    return (p.head, p.dtype, p.X.shape, None if p.X_val is None else p.X_val.shape, p.widths[-1])


def check_supported(p: Problem) -> None:
    """A clear error, before any training, for what the kernel cannot train."""
    if p.activation not in ACTIVATION_CODES:
        raise ConfigError(f"activation {p.activation!r} has no gradient to train with; use "
                          f"{', '.join(ACTIVATION_CODES)}")
    if p.optimizer not in OPTIMIZER_CODES:
        raise ConfigError(f"unknown optimizer {p.optimizer!r}; use {', '.join(OPTIMIZER_CODES)}")
    if p.head not in HEAD_CODES:
        raise ConfigError(f"loss {p.head!r} is not trainable here; use mse or mae")


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
        with _blas().limit(limits=1, user_api="blas"):  # the kernel's wide layers call BLAS from each thread
            yield n
    finally:
        numba.set_parallel_chunksize(chunk)
        numba.set_num_threads(before)


@functools.cache
def _blas() -> ThreadpoolController:
    """The BLAS libraries loaded, found once (1.4 ms a call, as long as a small model's kernel call): the
    kernel's ``np.dot`` calls SciPy's, loaded by the import below before the libraries are listed."""
    import scipy.linalg.cython_blas  # noqa: F401

    return ThreadpoolController()


def train_fused(members: Sequence[Problem], threads: int | None = None, *,
                timings: dict[str, float] | None = None) -> list[Trained | DivergedError]:
    """Train the problems (one ``fused_key``): per problem its ``Trained`` or the DivergedError a fit
    raises.  ``timings``, when given, gets ``"kernel"``: the seconds spent in the compiled loop itself
    (the rest is packing and unpacking), which ``benchmarks/bench_sweeps.py`` sets against the sgemm peak."""
    first = members[0]
    dtype = np.dtype(first.dtype)
    K = len(members)

    # --- shapes and the packed layout: W_l (out, in) rows then b_l, layer after layer, per model;
    # worked out once per architecture (a sweep's models mostly share one), not once per model
    archs = _architectures(members)
    L = max(len(a.widths) - 1 for a, _ in archs)
    depth = np.zeros(K, dtype=np.int64)  # (K,)
    widths = np.zeros((K, L + 1), dtype=np.int64)  # (K, L+1): F, h_1, …, O
    w_off = np.zeros((K, L), dtype=np.int64)
    b_off = np.full((K, L), -1, dtype=np.int64)  # −1: no bias
    n_params = np.zeros(K, dtype=np.int64)
    for arch, rows in archs:
        n = len(arch.widths) - 1
        depth[rows], widths[rows, :n + 1], n_params[rows] = n, arch.widths, arch.n_params
        w_off[rows, :n], b_off[rows, :n] = arch.w_off, arch.b_off
    params = np.zeros((K, int(n_params.max())), dtype=dtype)  # (K, P)
    for arch, rows in archs:  # the problems' initial weights, a layer of every model of the shape at once
        group = [members[k] for k in rows.tolist()]
        for layer, (i, o) in enumerate(pairwise(arch.widths)):  # n_in, n_out
            w = arch.w_off[layer]
            params[rows, w:w + o * i] = np.stack([p.weights[layer] for p in group]).reshape(len(group), o * i)
            if arch.b_off[layer] >= 0:
                b = arch.b_off[layer]
                params[rows, b:b + o] = np.stack([p.biases[layer] for p in group])

    # --- data, samples innermost: X (K, F, N), T (K, O, N); one copy per model (own split and scaler)
    n_out = int(widths[0, depth[0]])  # the head's width, shared by the group
    X = np.ascontiguousarray(np.stack([p.X.T for p in members]), dtype=dtype)
    T = np.stack([_targets(p.t, n_out, p.head, dtype) for p in members])
    if first.X_val is not None:
        X_val = np.ascontiguousarray(np.stack([p.X_val.T for p in members]), dtype=dtype)  # type: ignore[union-attr]
        T_val = np.stack([_targets(p.t_val, n_out, p.head, dtype) for p in members])  # type: ignore[arg-type]
    else:
        X_val = np.zeros((K, X.shape[1], 0), dtype=dtype)
        T_val = np.zeros((K, n_out, 0), dtype=dtype)
    N = X.shape[2]

    # --- per-model settings and state
    act = np.array([ACTIVATION_CODES[p.activation] for p in members], dtype=np.int64)
    opt = np.array([OPTIMIZER_CODES[p.optimizer] for p in members], dtype=np.int64)
    eta = np.array([p.eta for p in members], dtype=np.float64)
    alpha = np.array([p.alpha for p in members], dtype=np.float64)
    mu = np.array([p.momentum for p in members], dtype=np.float64)
    batch = np.array([p.batch_size if p.batch_size and p.batch_size < N else 0 for p in members], dtype=np.int64)
    max_epochs = np.array([p.max_epochs for p in members], dtype=np.int64)
    patience = np.array([p.n_iter_no_change for p in members], dtype=np.int64)
    tol = np.array([float(p.tol) for p in members], dtype=np.float64)
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
    rngs = [shuffle_rng(p.seed) if batch[k] else None for k, p in enumerate(members)]
    shuffled = np.flatnonzero(batch)
    block = E if not len(shuffled) else max(1, PERM_BUDGET // (8 * N * len(shuffled)))
    with kernel_threads(threads):
        for start in range(1, E + 1, block):
            stop = min(start + block, E + 1)
            perms = np.zeros((K, stop - start, N) if len(shuffled) else (K, 0, 0), dtype=np.int64)  # (K, E_b, N)
            for r in shuffled.tolist():
                if status[r] != RUNNING:
                    continue
                rng = rngs[r]
                assert rng is not None
                for e in range(start, min(stop, int(max_epochs[r]) + 1)):  # epoch_orders' draws, epoch by epoch
                    perms[r, e - start] = rng.permutation(N)
            began = time.perf_counter()
            train_block(HEAD_CODES[first.head], depth, widths, w_off, b_off, n_params, act, opt, eta, alpha,
                        mu, batch, max_epochs, patience, tol, params, m, v, best_params, X, T, X_val, T_val, perms,
                        steps, status, epochs, best, best_epoch, count, log, start, stop, 0, K)
            if timings is not None:
                timings["kernel"] = timings.get("kernel", 0.0) + time.perf_counter() - began
            if not (status == RUNNING).any():
                break

    # --- results: the best epoch's weights when early stopping saw one, else the last
    validate = first.X_val is not None
    restore = (best_epoch > 0) if validate else np.zeros(K, dtype=bool)
    theta = np.where(restore[:, None], best_params, params)  # (K, P)
    train_losses = log[:, :, 0].tolist()  # K × E floats in one C call
    val_losses, val_metrics = (log[:, :, 1].tolist(), log[:, :, 2].tolist()) if validate else ([], [])
    out: list[Trained | DivergedError] = [None] * K  # type: ignore[list-item]
    for arch, rows in archs:
        layers = []  # per layer: every model's W (n, o, i) and b (n, o), one fresh array of the group each
        for layer, (i, o) in enumerate(pairwise(arch.widths)):  # n_in, n_out
            w, b = arch.w_off[layer], arch.b_off[layer]
            layers.append((theta[rows, w:w + o * i].reshape(len(rows), o, i),
                           None if b < 0 else theta[rows, b:b + o]))
        for j, k in enumerate(rows.tolist()):
            p = members[k]
            if status[k] == DIVERGED:
                out[k] = diverged(int(epochs[k]) + 1, p.eta)
                continue
            E_k = int(epochs[k])
            val_loss, val_metric = ((_first(val_losses[k], E_k), _first(val_metrics[k], E_k)) if validate
                                    else ([math.nan] * E_k, [math.nan] * E_k))  # the loop's own NaN, as fit logs it
            history = History(epoch=list(range(1, E_k + 1)), train_loss=_first(train_losses[k], E_k), val_loss=val_loss,
                              val_metric=val_metric, metric_name=p.metric, stopped_epoch=E_k,
                              best_epoch=int(best_epoch[k]) if restore[k] else None)
            out[k] = Trained([W[j] for W, _ in layers], [None if B is None else B[j] for _, B in layers], history)
    return out


def _first(values: list[float], n: int) -> list[float]:
    """The first ``n`` of a fresh list: itself when that is all of it (no copy of a whole history)."""
    return values if len(values) == n else values[:n]


class _Arch(NamedTuple):
    """One network shape's packed layout: where each layer's W and b start in a model's parameters."""

    widths: tuple[int, ...]  # (F, h_1, …, O)
    w_off: tuple[int, ...]
    b_off: tuple[int, ...]  # −1: no bias
    n_params: int


def _architectures(members: Sequence[Problem]) -> list[tuple[_Arch, np.ndarray]]:
    """The distinct network shapes among ``members`` (widths and which layers have a bias), each with
    its layout and the indices of its models."""
    rows: dict[tuple[Any, ...], list[int]] = {}
    for k, p in enumerate(members):
        rows.setdefault((tuple(W.shape for W in p.weights), tuple(b is None for b in p.biases)), []).append(k)
    archs = []
    for (shapes, no_bias), ks in rows.items():
        w_off, b_off, pos = [], [], 0
        for (o, i), none in zip(shapes, no_bias, strict=True):
            w_off.append(pos)
            pos += o * i
            b_off.append(-1 if none else pos)
            pos += 0 if none else o
        arch = _Arch((shapes[0][1], *(o for o, _ in shapes)), tuple(w_off), tuple(b_off), pos)
        archs.append((arch, np.array(ks, dtype=np.int64)))
    return archs


def warm_up(dtype: str = "float32") -> None:
    """Compile the kernel for ``dtype`` now (~40 s the first time; afterwards Numba loads it from its
    disk cache in about a second), so that the first sweep does not wait: ``scripts/setup.sh`` calls it."""
    from neuronlab.nn.init import uniform_init

    weights, biases = uniform_init((2, 2, 1), True, 0, dtype)
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    problem = Problem("binary", "relu", "adam", 0.01, 0.0, 0.9, None, 1, 30, 0.0, dtype, 0, weights, biases,
                      X, np.array([0.0, 1.0, 0.0, 1.0]))
    train_fused([problem], threads=1)


def _targets(t: np.ndarray, n_out: int, head: str, dtype: np.dtype[Any]) -> np.ndarray:
    """Targets (O, N): 0/1 for binary, one-hot for multiclass, the values for regression."""
    if head == "multiclass":
        return np.ascontiguousarray(np.eye(n_out, dtype=dtype)[np.asarray(t, dtype=np.int64)].T)  # (C, N)
    return np.ascontiguousarray(np.asarray(t, dtype=np.float64).reshape(len(t), -1).T, dtype=dtype)  # (O, N)


__all__ = ["check_supported", "default_threads", "fused_key", "kernel_threads", "train_fused", "warm_up"]
