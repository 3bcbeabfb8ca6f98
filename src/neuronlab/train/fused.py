"""K small MLPs trained side by side, each one whole inside one compiled loop (Numba).

Why: a 2→40→1 network on 200 points is ~1.4×10⁵ FLOP an epoch.  Done as a dozen tensor ops over a
stack of K models (the torch backend this kernel replaced), every op streams (K, N, H) activations through memory
and pays a dispatch; the work itself is a few microseconds.  Here one call trains every model of a
group for a whole block of epochs: each model's weights, Adam moments and activations stay in the
core's cache for all its epochs, the data is laid out samples-innermost (``X: (F, N)``) so every inner
loop is a contiguous SIMD loop over samples, and models run in parallel over the cores (``prange``).

The numbers are the estimator's: the same forward (``a = W h + b``, σ per hidden layer), loss (BCE
with logits, softmax cross-entropy, squared or absolute error, averaged over the batch), weight decay
(½ α/n_b Σ‖W‖² on weights, not biases), optimiser formulas (torch.optim's SGD, momentum, Adam with
bias correction and eps outside the square root), per-epoch train loss (batch-size-weighted mean of
batch objectives), validation loss and metric, and scikit-learn's early-stopping rule with the best
epoch's weights kept.  They differ from torch's only in summation order and in ``fused_math.fast_exp``, a
vectorisable exp accurate to a few ulp (libm's ``exp`` is a scalar call, 8× slower here).

Layout, per model k (models differ in depth, widths, activation, optimiser, η, α, batch size, …):
``params[k]`` packs, layer by layer, W_l as (out, in) rows (``nn.Linear``'s layout) at ``w_off[k, l]``
and b_l at ``b_off[k, l]``; ``widths[k]`` = (F, h_1, …, O); ``m``, ``v`` and ``best`` mirror ``params``.
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

import numpy as np
from numba import njit, prange
from numba.core.errors import NumbaPerformanceWarning

from neuronlab.train.fused_math import (
    ACTIVATION_CODES,
    BETA1,
    BETA2,
    FASTMATH,
    RELU,
    activate,
    as_type,
    backprop_sigma,
    consts,
    fast_exp,
    inline,
    log1p01,
)

# Numba's OpenMP threads spin-wait after each parallel loop, and torch's ops ran 15× slower meanwhile
# (a float64 tanh 54 → 780 µs); passive waiting keeps OpenMP, which ran the kernel 25 % faster than the
# work-queue layer.  Read by the OpenMP runtime Numba loads at its first parallel loop, after this.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# np.dot on a slice Numba cannot prove contiguous (it is, when a whole batch fills the rows): no copy
# happens at run time, so the compile-time hint is noise
warnings.filterwarnings("ignore", message=".*np.dot.*contiguous.*", category=NumbaPerformanceWarning)

HEAD_CODES = {"binary": 0, "multiclass": 1, "mse": 2, "mae": 3}
BINARY, MULTICLASS, MSE, MAE = range(4)
OPTIMIZER_CODES = {"sgd": 0, "momentum": 1, "adam": 2}
SGD, MOMENTUM, ADAM = range(3)
RUNNING, DONE, DIVERGED = 0, 1, 2  # status of a model
BLAS_MIN = 16  # layers at least this wide in and out go through BLAS (np.dot); smaller ones through our passes


# Activations live in one array per model, A (layers + 1, width, samples): A[0] the input batch,
# A[l] layer l's output, A[depth] the logits; deltas in G (2, width, samples), the two halves taking
# turns as "this layer" and "the layer below".  Everything is indexed in place: an array view per row
# would cost a reference count each, more than the row's arithmetic.


@inline
def _combine(p: Any, first: int, stride: int, count: int, src: Any, si: int, dst: Any, di: int, j: int,
             init: Any, n: int) -> None:
    """dst[di, j] ← init + Σ_q p[first + q·stride] · src[si, q] over q < count, four source rows a pass
    (a short block repeats a row with weight 0): with n ≈ 200 samples a pass's fixed cost is as large
    as one row's arithmetic, so fewer, fuller passes win."""
    zero = consts(p.dtype).zero
    for q in range(0, count, 4):
        k = min(4, count - q)
        w0 = p[first + q * stride]
        w1 = p[first + (q + 1) * stride] if k > 1 else zero
        w2 = p[first + (q + 2) * stride] if k > 2 else zero
        w3 = p[first + (q + 3) * stride] if k > 3 else zero
        q1, q2, q3 = (q + 1 if k > 1 else q), (q + 2 if k > 2 else q), (q + 3 if k > 3 else q)
        if q == 0:
            for s in range(n):
                dst[di, j, s] = init + w0 * src[si, q, s] + w1 * src[si, q1, s] + w2 * src[si, q2, s] \
                    + w3 * src[si, q3, s]
        else:
            for s in range(n):
                dst[di, j, s] += w0 * src[si, q, s] + w1 * src[si, q1, s] + w2 * src[si, q2, s] \
                    + w3 * src[si, q3, s]


@inline
def _forward(p: Any, k: int, depth: int, widths: Any, w_off: Any, b_off: Any, code: int, A: Any, n: int) -> None:
    """A[l + 1] = σ(W_l A[l] + b_l) layer by layer (no σ on the logits A[depth])."""
    zero = consts(p.dtype).zero
    for layer in range(depth):
        n_in, n_out = widths[k, layer], widths[k, layer + 1]
        w, b = w_off[k, layer], b_off[k, layer]
        if layer < depth - 1 and n_in <= 2 and code == RELU:
            # the 2-D tasks' first layer: product, bias and ReLU in one pass per unit
            for j in range(n_out):
                w0 = p[w + j * n_in]
                w1 = p[w + j * n_in + 1] if n_in > 1 else zero
                bj = p[b + j] if b >= 0 else zero
                for s in range(n):
                    a = bj + w0 * A[layer, 0, s] + w1 * A[layer, n_in - 1, s]
                    A[layer + 1, j, s] = a if a > zero else zero
            continue
        if n_in >= BLAS_MIN and n_out >= BLAS_MIN and n == A.shape[2]:
            # a wide layer: one BLAS product (register-blocked, ~3× our passes), then bias and σ
            Z = np.dot(p[w:w + n_out * n_in].reshape((n_out, n_in)), A[layer, :n_in, :])  # (n_out, n)
            for j in range(n_out):
                bj = p[b + j] if b >= 0 else zero
                for s in range(n):
                    A[layer + 1, j, s] = Z[j, s] + bj
                if layer < depth - 1:
                    activate(code, A, layer + 1, j, n)
            continue
        for j in range(n_out):
            _combine(p, w + j * n_in, 1, n_in, A, layer, A, layer + 1, j, p[b + j] if b >= 0 else zero, n)
            if layer < depth - 1:
                activate(code, A, layer + 1, j, n)


@inline
def _head(head: int, A: Any, depth: int, T: Any, G: Any, n_out: int, n: int, grad: bool) -> float:
    """Mean data loss of the logits z = A[depth] (O, n) against T (O, n); with ``grad``, G[0] ← ∂loss/∂z.
    Sigmoid + BCE and softmax + CE both give (p − t)/n: the output's derivative cancels the log's."""
    c = consts(A.dtype)
    total = 0.0
    if head == BINARY:
        inv_n = c.one / as_type(c.one, n)
        for s in range(n):
            zs = A[depth, 0, s]
            e = fast_exp(-abs(zs))  # exp(−|z|) ∈ (0, 1]: softplus(z) = max(z, 0) + log1p(e)
            total += (zs if zs > c.zero else c.zero) - T[0, s] * zs + log1p01(e)
            if grad:
                prob = c.one / (c.one + e) if zs >= c.zero else e / (c.one + e)
                G[0, 0, s] = (prob - T[0, s]) * inv_n
        return total / n
    if head == MULTICLASS:
        inv_n = c.one / as_type(c.one, n)
        for s in range(n):
            zmax = A[depth, 0, s]
            for j in range(1, n_out):
                zmax = max(zmax, A[depth, j, s])
            norm = c.zero
            for j in range(n_out):
                norm += fast_exp(A[depth, j, s] - zmax)
            for j in range(n_out):
                total += T[j, s] * (zmax + math.log(norm) - A[depth, j, s])  # −log softmax of the true class
                if grad:
                    G[0, j, s] = (fast_exp(A[depth, j, s] - zmax) / norm - T[j, s]) * inv_n
        return total / n
    inv = c.one / as_type(c.one, n * n_out)
    for j in range(n_out):
        for s in range(n):
            r = A[depth, j, s] - T[j, s]
            if head == MSE:
                total += r * r
                if grad:
                    G[0, j, s] = c.two * r * inv
            else:
                total += abs(r)
                if grad:
                    G[0, j, s] = (c.one if r > c.zero else (-c.one if r < c.zero else c.zero)) * inv
    return total / (n * n_out)


@inline
def _metric(head: int, A: Any, depth: int, T: Any, n_out: int, n: int) -> float:
    """The validation metric the estimator maximises: accuracy, or R² averaged over outputs."""
    if head == BINARY:
        hits = 0
        for s in range(n):
            hits += (A[depth, 0, s] > 0) == (T[0, s] > 0.5)
        return hits / n
    if head == MULTICLASS:
        hits = 0
        for s in range(n):
            guess, true = 0, 0
            for j in range(1, n_out):
                if A[depth, j, s] > A[depth, guess, s]:
                    guess = j
                if T[j, s] > T[true, s]:
                    true = j
            hits += guess == true
        return hits / n
    r2 = 0.0
    for j in range(n_out):
        mean = 0.0
        for s in range(n):
            mean += float(T[j, s])
        mean /= n
        ss_res, ss_tot = 0.0, 0.0
        for s in range(n):
            t = float(T[j, s])
            ss_res += (t - float(A[depth, j, s])) ** 2
            ss_tot += (t - mean) ** 2
        r2 += 1.0 - ss_res / ss_tot if ss_tot > 0 else (1.0 if ss_res == 0 else 0.0)
    return r2 / n_out


@inline
def _backward(p: Any, g: Any, k: int, depth: int, widths: Any, w_off: Any, b_off: Any, code: int,
              A: Any, G: Any, n: int, decay: Any) -> None:
    """g ← ∂(loss + ½ decay Σ‖W‖²)/∂params from G[0] = ∂loss/∂z and the stored outputs A; layer by
    layer: weight gradients δ_j · h_iᵀ (dot products over samples, four a pass), then the layer
    below's δ = σ'(h) ⊙ Wᵀ δ."""
    zero = consts(p.dtype).zero
    half = 0  # G[half] holds this layer's δ
    for layer in range(depth - 1, -1, -1):
        n_in, n_out = widths[k, layer], widths[k, layer + 1]
        w, b = w_off[k, layer], b_off[k, layer]
        if n_in >= BLAS_MIN and n_out >= BLAS_MIN and n == A.shape[2]:
            # a wide layer: its weight gradient and the δ below as two BLAS products
            W = p[w:w + n_out * n_in].reshape((n_out, n_in))
            gW = np.dot(G[half, :n_out, :], A[layer, :n_in, :].T)  # (n_out, n_in) = δ hᵀ
            for j in range(n_out):
                for i in range(n_in):
                    g[w + j * n_in + i] = gW[j, i] + decay * W[j, i]
                if b >= 0:
                    gb = zero
                    for s in range(n):
                        gb += G[half, j, s]
                    g[b + j] = gb
            if layer:
                below = np.dot(W.T, G[half, :n_out, :])  # (n_in, n) = Wᵀ δ
                for i in range(n_in):
                    for s in range(n):
                        G[1 - half, i, s] = below[i, s]
                    backprop_sigma(code, G, 1 - half, i, A, layer, n)
                half = 1 - half
            continue
        for j in range(n_out):
            row = w + j * n_in
            if n_in <= 2:  # the 2-D tasks' first layer: two weights and the bias, no padded rows
                g0, g1, gb = zero, zero, zero
                for s in range(n):
                    d = G[half, j, s]
                    g0 += d * A[layer, 0, s]
                    g1 += d * A[layer, n_in - 1, s]
                    gb += d
                g[row] = g0 + decay * p[row]
                if n_in == 2:
                    g[row + 1] = g1 + decay * p[row + 1]
                if b >= 0:
                    g[b + j] = gb
                continue
            if b >= 0:  # the bias's gradient Σ_s δ_j, once (not in every pass below)
                gb = zero
                for s in range(n):
                    gb += G[half, j, s]
                g[b + j] = gb
            for q in range(0, n_in, 4):
                q1, q2, q3 = min(q + 1, n_in - 1), min(q + 2, n_in - 1), min(q + 3, n_in - 1)
                g0, g1, g2, g3 = zero, zero, zero, zero
                for s in range(n):
                    d = G[half, j, s]
                    g0 += d * A[layer, q, s]
                    g1 += d * A[layer, q1, s]
                    g2 += d * A[layer, q2, s]
                    g3 += d * A[layer, q3, s]
                g[row + q] = g0 + decay * p[row + q]
                if q + 1 < n_in:
                    g[row + q1] = g1 + decay * p[row + q1]
                if q + 2 < n_in:
                    g[row + q2] = g2 + decay * p[row + q2]
                if q + 3 < n_in:
                    g[row + q3] = g3 + decay * p[row + q3]
        if layer == 1 and n_out == 1 and code == RELU and widths[k, 0] <= 2:
            # the 2-D tasks' one hidden ReLU layer: each unit's δ made and its first-layer gradient (two
            # weights, the bias) summed in the same pass, the δ never stored
            f, w0, b0 = widths[k, 0], w_off[k, 0], b_off[k, 0]
            for i in range(n_in):
                wi = p[w + i]
                g0, g1, gb = zero, zero, zero
                for s in range(n):
                    d = wi * G[half, 0, s] if A[1, i, s] > zero else zero
                    g0 += d * A[0, 0, s]
                    g1 += d * A[0, f - 1, s]
                    gb += d
                g[w0 + i * f] = g0 + decay * p[w0 + i * f]
                if f == 2:
                    g[w0 + i * f + 1] = g1 + decay * p[w0 + i * f + 1]
                if b0 >= 0:
                    g[b0 + i] = gb
            return
        if layer:
            for i in range(n_in):  # δ_i = σ'(a_i) Σ_j W[j, i] δ_j
                if n_out == 1 and code == RELU:  # a single output's δ, scaled and masked in one pass
                    wi = p[w + i]
                    for s in range(n):
                        G[1 - half, i, s] = wi * G[half, 0, s] if A[layer, i, s] > zero else zero
                    continue
                _combine(p, w + i, n_in, n_out, G, half, G, 1 - half, i, zero, n)
                backprop_sigma(code, G, 1 - half, i, A, layer, n)
            half = 1 - half


@inline
def _update(opt: int, p: Any, g: Any, m: Any, v: Any, count: int, eta: float, mu: float, step: int) -> None:
    """torch.optim's step over the model's parameters p[:count] (step = 1, 2, … for this model)."""
    c = consts(p.dtype)
    lr = as_type(c.one, eta)
    if opt == ADAM:
        step_size = as_type(c.one, eta / (1.0 - BETA1 ** step))  # bias corrections in float64, as torch
        bc2_sqrt = as_type(c.one, math.sqrt(1.0 - BETA2 ** step))
        for q in range(count):
            mq = m[q] + c.one_b1 * (g[q] - m[q])  # m ← lerp(m, g, 1 − β1)
            vq = v[q] * c.beta2 + c.one_b2 * g[q] * g[q]  # v ← β2 v + (1 − β2) g²
            m[q] = mq
            v[q] = vq
            p[q] -= step_size * (mq / (np.sqrt(vq) / bc2_sqrt + c.eps))
    elif opt == MOMENTUM:
        momentum = as_type(c.one, mu)
        for q in range(count):
            buf = g[q] if step == 1 else m[q] * momentum + g[q]  # torch starts from the first gradient
            m[q] = buf
            p[q] -= lr * buf
    else:
        for q in range(count):
            p[q] -= lr * g[q]


@njit(fastmath=FASTMATH, cache=True, nogil=True, parallel=True)
def train_block(head: int, depth: Any, widths: Any, w_off: Any, b_off: Any, n_params: Any, act: Any, opt: Any,
                eta: Any, alpha: Any, mu: Any, batch: Any, max_epochs: Any, patience: Any, tol: Any,
                params: Any, m: Any, v: Any, best_params: Any,
                X: Any, T: Any, X_val: Any, T_val: Any, perms: Any,
                steps: Any, status: Any, epochs: Any, best: Any, best_epoch: Any, count: Any,
                log: Any, first: int, last: int, k_lo: int, k_hi: int) -> None:
    """Train every running model k_lo ≤ k < k_hi for epochs first … last−1 (fit_module's loop, per model):
    batches (``perms[k, epoch − first]`` when ``batch[k]`` > 0, else the full batch), step, log
    (train loss, val loss, val metric), divergence, early stopping, max_epochs.  Models are spread
    over Numba's threads (``prange``), each model computed by one thread alone, so the thread count
    never changes a number; the GIL is released."""
    K, F, N = X.shape
    n_out = T.shape[1]
    Nv = X_val.shape[2]
    validate = Nv > 0
    L = widths.shape[1] - 1
    width = 0
    for k in range(K):
        for layer in range(L + 1):
            width = max(width, widths[k, layer])
    for k in prange(k_lo, k_hi):
        if status[k] != RUNNING:
            continue
        n_b = batch[k] if batch[k] > 0 else N
        rows = max(n_b, Nv)
        A = np.empty((L + 1, width, rows), dtype=X.dtype)  # every layer's output; A[0] the input
        G = np.empty((2, width, rows), dtype=X.dtype)  # δ of a layer and of the one below
        Tb = np.empty((n_out, rows), dtype=X.dtype)
        g = np.zeros(params.shape[1], dtype=X.dtype)
        p = params[k]
        L_k = depth[k]
        for epoch in range(first, last):
            # --- step: every batch's objective, gradient and update
            total = 0.0
            for start in range(0, N, n_b):
                nb = min(n_b, N - start)
                shuffled = batch[k] > 0
                for c in range(F):
                    for s in range(nb):
                        A[0, c, s] = X[k, c, perms[k, epoch - first, start + s] if shuffled else start + s]
                for c in range(n_out):
                    for s in range(nb):
                        Tb[c, s] = T[k, c, perms[k, epoch - first, start + s] if shuffled else start + s]
                _forward(p, k, L_k, widths, w_off, b_off, act[k], A, nb)
                loss = _head(head, A, L_k, Tb, G, n_out, nb, True)
                if alpha[k] > 0:
                    sq = 0.0
                    for layer in range(L_k):
                        w = w_off[k, layer]
                        for q in range(w, w + widths[k, layer] * widths[k, layer + 1]):
                            sq += p[q] * p[q]
                    loss += 0.5 * (alpha[k] / nb) * sq
                _backward(p, g, k, L_k, widths, w_off, b_off, act[k], A, G, nb, as_type(p.dtype, alpha[k] / nb))
                steps[k] += 1
                _update(opt[k], p, g, m[k], v[k], n_params[k], eta[k], mu[k], steps[k])
                total += loss * (nb / N)

            # --- evaluate and log; a non-finite train loss: diverged, the others go on
            log[k, epoch - 1, 0] = total
            if not math.isfinite(total):
                status[k] = DIVERGED
                epochs[k] = epoch - 1
                break
            epochs[k] = epoch
            if validate:
                for c in range(F):
                    for s in range(Nv):
                        A[0, c, s] = X_val[k, c, s]
                _forward(p, k, L_k, widths, w_off, b_off, act[k], A, Nv)
                val_loss = _head(head, A, L_k, T_val[k], G, n_out, Nv, False)
                metric = _metric(head, A, L_k, T_val[k], n_out, Nv)
                log[k, epoch - 1, 1] = val_loss
                log[k, epoch - 1, 2] = metric
                # --- stop: scikit-learn's rule; keep the best epoch's weights
                count[k] = count[k] + 1 if metric < best[k] + tol[k] else 0  # a tie resets it at tol = 0
                if metric > best[k]:
                    best[k] = metric
                    best_epoch[k] = epoch
                    for q in range(n_params[k]):
                        best_params[k, q] = p[q]
                if count[k] > patience[k]:
                    status[k] = DONE
            if epoch >= max_epochs[k]:
                status[k] = DONE
            if status[k] != RUNNING:
                break


__all__ = ["ACTIVATION_CODES", "DIVERGED", "DONE", "HEAD_CODES", "OPTIMIZER_CODES", "RUNNING", "train_block"]
