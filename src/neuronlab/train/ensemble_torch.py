"""The torch path of the batched trainer: K models of one group as stacked tensors.

K networks of one *group* (same depth, activation, head, batch size, data size, optimiser, dtype)
live in stacked tensors ``W_l: (K, in, out)`` and every epoch is a handful of ``baddbmm``/``bmm``
calls over all of them, with gradients written out by hand (no autograd graph) and SGD, momentum and
Adam vectorised over K with per-model η, α and momentum.  Narrower models in a group are padded to the
widest and their padded units masked to zero, so they neither compute nor learn anything.  A model
that stops early, hits its ``max_epochs`` or diverges leaves the stacked tensors at once; the rest go
on, and a group where all have left stops.  The default path is ``ensemble_fused`` (one compiled
loop per model, several times faster); this one remains for ``backend="torch"`` and ``compile=True``
(``torch.compile`` of the full-batch epoch).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from neuronlab.errors import ConfigError
from neuronlab.nn.activations import LEAKY_SLOPE, get_activation
from neuronlab.nn.estimators import _tensor
from neuronlab.train.loop import History, diverged
from neuronlab.train.prepare import Prepared, finish, linears, metric_name, unfit

ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8  # torch.optim.Adam's defaults, which the estimator uses
SMALL_INNER = 4  # compiled: a product over at most this many inputs is unrolled into element-wise passes
RECOMPILE_LIMIT = 64  # graphs per compiled step: one per group signature (activation, depth, head, …) and K


def check_supported(p: Prepared) -> None:
    """An activation without a gradient fails before training, alone."""
    _backprop_sigma(p.est.activation, torch.zeros(0), torch.zeros(0))


def _backprop_sigma(activation: str, delta: Tensor, h: Tensor) -> Tensor:
    """δ·σ'(a) from the layer's output h = σ(a), with the kernels autograd itself calls (fused, and
    the same convention at a kink: ReLU's and leaky ReLU's a > 0, i.e. h > 0)."""
    if activation == "sigmoid":
        return torch.ops.aten.sigmoid_backward(delta, h)  # δ h (1 − h)
    if activation == "tanh":
        return torch.ops.aten.tanh_backward(delta, h)  # δ (1 − h²)
    if activation == "relu":
        return torch.ops.aten.threshold_backward(delta, h, 0)  # δ where h > 0
    if activation == "leaky_relu":
        return torch.ops.aten.leaky_relu_backward(delta, h, LEAKY_SLOPE, False)  # δ or slope·δ
    if activation == "identity":
        return delta
    raise ConfigError(f"activation {activation!r} has no gradient to train with; use sigmoid, tanh, relu, "
                      "leaky_relu or identity")


def _mm(A: Tensor, B: Tensor) -> Tensor:
    """Batched A (K, n, i) @ B (K, i, o).  With o = 1 (a single output) bmm degenerates to K tiny
    matrix-vector products, several times slower than a broadcast multiply and a sum."""
    if B.shape[2] == 1:
        return (A * B.transpose(1, 2)).sum(dim=2, keepdim=True)  # (K, n, i) · (K, 1, i) → (K, n, 1)
    return torch.bmm(A, B)  # (K, n, o)


def _mm_t(A: Tensor, B: Tensor) -> Tensor:
    """Batched A (K, n, o) @ B (K, i, o)ᵀ: with o = 1 an outer product, a broadcast multiply."""
    if A.shape[2] == 1:
        return A * B.transpose(1, 2)  # (K, n, 1) · (K, 1, i) → (K, n, i)
    return torch.bmm(A, B.transpose(1, 2))  # (K, n, i)


def _tmm(A: Tensor, B: Tensor) -> Tensor:
    """Batched A (K, n, i)ᵀ @ B (K, n, o), the weight gradient.  With o = 1 computed as (Bᵀ A)ᵀ: a
    (1 × n)(n × i) product runs as a real gemm, while (i × n)(n × 1) falls to a slow matrix-vector path."""
    if B.shape[2] == 1:
        return torch.bmm(B.transpose(1, 2), A).transpose(1, 2)  # (K, 1, n) @ (K, n, i) → (K, 1, i) → (K, i, 1)
    return torch.bmm(A.transpose(1, 2), B)  # (K, i, o)


class _Group:
    """K models that share one computation; every per-model tensor has K as its first dimension."""

    def __init__(self, members: list[Prepared], compile: bool = False) -> None:
        first = members[0].est
        self.members = members
        self.activation = first.activation
        self.sigma = get_activation(first.activation).torch  # the shared table's forward, as nn.mlp.MLP uses
        self.kind = first._kind
        self.loss = getattr(first, "loss", "mse") if self.kind == "regression" else ""
        self.optimizer = first.optimizer
        self.dtype = first._dtype
        self.bias = first.bias
        n = len(members[0].X)
        self.batch_size = first.batch_size if first.batch_size and first.batch_size < n else None
        # only the full-batch step is compiled: mini-batches would add a shuffle and a ragged last batch
        self.compiled = _compiled_step() if compile and self.batch_size is None else None
        dtype = self.dtype

        # --- data: one copy per model (each has its own validation split and scaler)
        self.X = torch.stack([_tensor(p.X, dtype) for p in members])  # (K, N, F)
        self.T = torch.stack([self._targets(p.t) for p in members])  # (K, N, O) or (K, N) class indices
        self.validate = members[0].X_val is not None
        if self.validate:
            self.X_val = torch.stack([_tensor(p.X_val, dtype) for p in members])  # type: ignore[arg-type]  # (K, Nv, F)
            self.T_val = torch.stack([self._targets(p.t_val) for p in members])  # type: ignore[arg-type]

        # --- weights, padded to the widest model: W_l (K, in, out), b_l (K, 1, out)
        widths = [tuple(p.est.module_.widths) for p in members]
        self.widths = [max(w[i] for w in widths) for i in range(len(widths[0]))]
        K = len(members)
        self.W: list[Tensor] = []
        self.b: list[Tensor | None] = []
        for layer, (n_in, n_out) in enumerate(zip(self.widths[:-1], self.widths[1:], strict=True)):
            W = torch.zeros(K, n_in, n_out, dtype=dtype)  # (K, in, out)
            b = torch.zeros(K, 1, n_out, dtype=dtype) if self.bias else None  # (K, 1, out)
            for k, p in enumerate(members):
                linear = linears(p.est)[layer]
                w = linear.weight.detach()  # (out_k, in_k)
                W[k, : w.shape[1], : w.shape[0]] = w.T
                if b is not None:
                    b[k, 0, : w.shape[0]] = linear.bias.detach()
            self.W.append(W)
            self.b.append(b)
        # masks (K, 1, H) zero a narrower model's padded hidden units; None where no model is padded
        self.mask: list[Tensor | None] = []
        for layer, width in enumerate(self.widths[1:-1], start=1):
            own = torch.tensor([w[layer] for w in widths])  # (K,)
            self.mask.append(None if bool((own == width).all()) else
                             (torch.arange(width)[None, :] < own[:, None]).to(dtype)[:, None, :])  # (K, 1, H)

        # --- per-model hyper-parameters, shaped to broadcast over (K, in, out)
        def column(values: list[float]) -> Tensor:
            return torch.tensor(values, dtype=dtype)[:, None, None]  # (K, 1, 1)

        self.eta = column([p.est.eta for p in members])
        self.alpha = column([p.est.alpha for p in members])
        self.momentum = column([p.est.momentum for p in members])
        self.decays = any(p.est.alpha > 0 for p in members)
        self.max_epochs = torch.tensor([p.est.max_epochs for p in members])  # (K,)
        self.patience = torch.tensor([p.est.n_iter_no_change for p in members])  # (K,)
        self.tol = torch.tensor([float(p.est.tol) for p in members], dtype=torch.float64)  # (K,)
        self.generators = [torch.Generator().manual_seed(p.seed) for p in members]  # as fit seeds them
        self.ids = torch.arange(K)  # which member each row of the stacked tensors is

        # --- optimiser state: Adam's moments, momentum's velocity (torch allocates it on the first step)
        params = self._params()
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params] if self.optimizer == "adam" else []
        self.step_count = 0

        # --- early stopping: best metric, its epoch and weights, epochs without gain
        self.best = torch.full((K,), -math.inf, dtype=torch.float64)
        self.best_epoch = torch.zeros(K, dtype=torch.long)
        self.count = torch.zeros(K, dtype=torch.long)
        self.best_params = [p.clone() for p in params] if self.validate else []

    def _targets(self, t: np.ndarray) -> Tensor:
        if self.kind == "multiclass":
            return torch.as_tensor(t, dtype=torch.long)  # (N,)
        return _tensor(np.asarray(t, dtype=np.float64).reshape(len(t), -1), self.dtype)  # (N, O)

    def _params(self) -> list[Tensor]:
        return [*self.W, *(b for b in self.b if b is not None)]

    def _set_params(self, params: list[Tensor]) -> None:
        n = len(self.W)
        self.W = params[:n]
        rest = iter(params[n:])
        self.b = [next(rest) if b is not None else None for b in self.b]

    # --- forward and backward by hand: the same numbers autograd would give, without the graph
    def _forward(self, X: Tensor) -> tuple[Tensor, list[Tensor]]:
        """Logits (K, B, O) and the hidden outputs [X, h_1, …] backward needs."""
        hs = [X]  # (K, B, F)
        for layer, (W, b) in enumerate(zip(self.W, self.b, strict=True)):
            if self.compiled is not None and W.shape[1] <= SMALL_INNER:
                # compiled, few inputs: products as broadcast multiply-adds that inductor fuses with σ
                a = hs[-1][:, :, :1] * W[:, :1, :]  # (K, B, 1) · (K, 1, out) → (K, B, out)
                for i in range(1, W.shape[1]):
                    a = a + hs[-1][:, :, i:i + 1] * W[:, i:i + 1, :]  # (K, B, out)
                a = a if b is None else a + b  # (K, B, out)
            elif b is not None and W.shape[2] > 1:
                a = torch.baddbmm(b, hs[-1], W)  # (K, B, out): bias and product in one pass
            else:
                a = _mm(hs[-1], W) if b is None else _mm(hs[-1], W) + b  # (K, B, out)
            if layer == len(self.W) - 1:
                return a, hs
            h = self.sigma(a)  # (K, B, H)
            mask = self.mask[layer]
            hs.append(h if mask is None else h * mask)  # (K, B, H), padded units 0
        raise AssertionError("unreachable: an MLP has at least one layer")

    def _loss(self, z: Tensor, T: Tensor) -> Tensor:
        """Mean data loss per model (K,), as the estimator's loss function reduces it."""
        if self.kind == "binary":
            return F.binary_cross_entropy_with_logits(z, T, reduction="none").mean(dim=(1, 2))  # (K,)
        if self.kind == "multiclass":
            return F.cross_entropy(z.transpose(1, 2), T, reduction="none").mean(dim=1)  # (K, C, B) → (K,)
        if self.loss == "mae":
            return (z - T).abs().mean(dim=(1, 2))  # (K,)
        return ((z - T) ** 2).mean(dim=(1, 2))  # (K,)

    def _dloss(self, z: Tensor, T: Tensor) -> Tensor:
        """d(mean loss)/dz (K, B, O).  For sigmoid + BCE and softmax + CE it is (p − t)/n: the
        output's own derivative cancels against the log's, as for identity + squared error."""
        n = z.shape[1] * z.shape[2] if self.kind != "multiclass" else z.shape[1]
        if self.kind == "binary":
            return (torch.sigmoid(z) - T) / n  # (K, B, 1)
        if self.kind == "multiclass":
            p = torch.softmax(z, dim=2)  # (K, B, C)
            return (p - F.one_hot(T, z.shape[2]).to(z.dtype)) / n  # (K, B, C)
        if self.loss == "mae":
            return torch.sign(z - T) / n  # (K, B, O)
        return 2.0 * (z - T) / n  # (K, B, O)

    def _loss_and_grads(self, X: Tensor, T: Tensor) -> tuple[Tensor, list[Tensor]]:
        """Objective (K,) = data loss + ½α/n_b Σ‖W‖², and its gradients in ``_params()`` order."""
        n_b = X.shape[1]
        z, hs = self._forward(X)  # (K, B, O)
        decay = self.alpha / n_b  # (K, 1, 1)
        loss = self._loss(z, T)  # (K,)
        if self.decays:
            loss = loss + 0.5 * decay[:, 0, 0] * sum((W * W).sum(dim=(1, 2)) for W in self.W)  # (K,)
        delta = self._dloss(z, T)  # (K, B, out)
        gW: list[Tensor] = [torch.empty(0)] * len(self.W)
        gb: list[Tensor] = [torch.empty(0)] * len(self.W)
        for layer in range(len(self.W) - 1, -1, -1):
            W, h = self.W[layer], hs[layer]
            if self.compiled is not None and W.shape[1] <= SMALL_INNER:  # (K, in, out), fused as in _forward
                gW[layer] = torch.cat([(h[:, :, i:i + 1] * delta).sum(dim=1, keepdim=True)
                                       for i in range(W.shape[1])], dim=1) + decay * W
            else:
                gW[layer] = _tmm(h, delta) + decay * W  # (K, in, out)
            gb[layer] = delta.sum(dim=1, keepdim=True)  # (K, 1, out)
            if layer:
                delta = _backprop_sigma(self.activation, _mm_t(delta, W), h)  # (K, B, in)
        return loss, [*gW, *(g for g, b in zip(gb, self.b, strict=True) if b is not None)]

    def _step(self, grads: list[Tensor]) -> None:
        """One optimiser step for every model, torch.optim's formulas with per-model η (and momentum)."""
        self.step_count += 1
        params = self._params()
        if self.optimizer == "adam":
            beta1, beta2 = ADAM_BETAS
            bc1 = 1.0 - beta1 ** self.step_count
            bc2_sqrt = math.sqrt(1.0 - beta2 ** self.step_count)
            step_size = self.eta / bc1  # (K, 1, 1)
            # one foreach call per formula for all parameters: fewer, larger ops on tiny tensors
            torch._foreach_lerp_(self.m, grads, 1.0 - beta1)  # m ← β1 m + (1 − β1) g
            torch._foreach_mul_(self.v, beta2)
            torch._foreach_addcmul_(self.v, grads, grads, value=1.0 - beta2)  # v ← β2 v + (1 − β2) g²
            denom = torch._foreach_sqrt(self.v)
            torch._foreach_div_(denom, bc2_sqrt)
            torch._foreach_add_(denom, ADAM_EPS)  # eps outside the bias-corrected sqrt, as torch
            update = torch._foreach_div(self.m, denom)  # (K, in, out) each
            for p, u in zip(params, update, strict=True):
                p.sub_(step_size * u)  # per-model η: (K, 1, 1) · (K, in, out)
        elif self.optimizer == "momentum":
            for p, g, buf in zip(params, grads, self.m, strict=True):
                if self.step_count == 1:
                    buf.copy_(g)  # torch starts the velocity at the first gradient
                else:
                    buf.mul_(self.momentum).add_(g)  # (K, in, out): b ← μ b + g
                p.sub_(self.eta * buf)
        else:
            for p, g in zip(params, grads, strict=True):
                p.sub_(self.eta * g)  # (K, in, out)

    def _validate(self) -> tuple[Tensor, Tensor]:
        """Validation loss and metric (K,) in float64, the metric the estimator's head maximises."""
        with torch.no_grad():
            z, _ = self._forward(self.X_val)  # (K, Nv, O)
            val_loss = self._loss(z, self.T_val).double()  # (K,)
            if self.kind == "binary":
                metric = ((z > 0).to(z.dtype) == self.T_val).double().mean(dim=(1, 2))  # (K,)
            elif self.kind == "multiclass":
                metric = (z.argmax(dim=2) == self.T_val).double().mean(dim=1)  # (K,)
            else:
                pred, t = z.double(), self.T_val.double()
                ss_res = ((t - pred) ** 2).sum(dim=1)  # (K, O)
                ss_tot = ((t - t.mean(dim=1, keepdim=True)) ** 2).sum(dim=1)  # (K, O)
                exact = (ss_res == 0).double()
                r2 = torch.where(ss_tot > 0, 1.0 - ss_res / ss_tot.clamp_min(torch.finfo(torch.float64).tiny),
                                 exact)
                metric = r2.mean(dim=1)  # (K,)
        return val_loss, metric

    # --- the epoch loop: batches, step, evaluate, log, stop (fit_module's stanzas, over K)
    def train(self) -> list[Exception | None]:
        K0 = len(self.members)
        n = self.X.shape[1]
        errors: list[Exception | None] = [None] * K0
        log = torch.full((K0, int(self.max_epochs.max()), 3), math.nan, dtype=torch.float64)  # (K0, E, 3)
        epochs = torch.zeros(K0, dtype=torch.long)
        best_epochs: list[int | None] = [None] * K0
        final: list[list[Tensor]] = [[] for _ in range(K0)]  # per member: its parameters at the end

        # many group signatures in one sweep: more graphs than dynamo keeps by default before falling back
        recompiles = torch._dynamo.config.patch(recompile_limit=RECOMPILE_LIMIT) if self.compiled else nullcontext()
        with torch.no_grad(), recompiles:
            for epoch in range(1, int(self.max_epochs.max()) + 1):
                if self.compiled is not None and not self.validate:
                    # nothing to validate: the bookkeeping is fused too, and who stops is looked at only when someone
                    # does (one flag an epoch instead of a dozen small eager ops)
                    train_loss, stop = self._compiled_epoch(epoch)  # (K,), ()
                    log[self.ids, epoch - 1, 0] = train_loss  # val_loss and metric stay NaN
                    if not bool(stop):
                        continue
                    finite = torch.isfinite(train_loss)  # (K,)
                    epochs[self.ids] = torch.where(finite, epoch, epoch - 1)
                    done = ~finite | (self.max_epochs <= epoch)  # (K,)
                else:
                    # --- prepare batches: each model's own shuffle from its own seeded generator
                    if self.batch_size is None:
                        parts = [(self.X, self.T)]
                    else:
                        perm = torch.stack([torch.randperm(n, generator=g) for g in self.generators])  # (K, N)
                        parts = [(_rows(self.X, idx), _rows(self.T, idx)) for idx in perm.split(self.batch_size, dim=1)]

                    # --- step: objective and gradients per batch, update; train loss as fit_module logs it
                    total = torch.zeros(len(self.ids), dtype=self.dtype)  # (K,)
                    if self.compiled is not None:
                        total = self._compiled_epoch(epoch)[0]  # (K,)
                        parts = []
                    for Xb, Tb in parts:
                        loss, grads = self._loss_and_grads(Xb, Tb)
                        self._step(grads)
                        total += loss * (Xb.shape[1] / n)

                    # --- evaluate
                    train_loss = total.double()  # (K,)
                    if self.validate:
                        val_loss, metric = self._validate()
                    else:
                        val_loss = metric = torch.full_like(train_loss, math.nan)

                    # --- log: a non-finite train loss marks that model diverged; the others go on
                    finite = torch.isfinite(train_loss)  # (K,)
                    log[self.ids, epoch - 1] = torch.stack([train_loss, val_loss, metric], dim=1)  # (K, 3)
                    epochs[self.ids] = torch.where(finite, epoch, epoch - 1)
                    done = ~finite | (self.max_epochs <= epoch)  # (K,)

                    # --- stop: scikit-learn's rule per model; keep each model's best weights
                    if self.validate:
                        short = metric < self.best + self.tol  # (K,): no improvement (a tie is one at tol = 0)
                        self.count = torch.where(short, self.count + 1, 0)
                        better = (metric > self.best) & finite  # (K,)
                        self.best = torch.where(better, metric, self.best)
                        self.best_epoch = torch.where(better, epoch, self.best_epoch)
                        for best, p in zip(self.best_params, self._params(), strict=True):
                            best.copy_(torch.where(better[:, None, None], p, best))  # (K, in, out)
                        done |= self.count > self.patience

                if bool(done.any()):
                    for row in done.nonzero()[:, 0].tolist():
                        member = int(self.ids[row])
                        if not finite[row]:
                            errors[member] = diverged(epoch, self.members[member].est.eta)
                            continue
                        # fit_module restores the best epoch's weights, if any epoch was ever best
                        restore = self.validate and int(self.best_epoch[row]) > 0
                        final[member] = [p[row].clone() for p in (self.best_params if restore else self._params())]
                        best_epochs[member] = int(self.best_epoch[row]) if restore else None
                    self._keep(~done)
                    if not len(self.ids):
                        break

        for member, prepared in enumerate(self.members):
            if errors[member] is not None:
                unfit(prepared.est)
                continue
            history = History(metric_name=metric_name(prepared.est))
            rows = log[member, : int(epochs[member])].tolist()
            for e, (tl, vl, vm) in enumerate(rows, start=1):
                history.append(e, tl, vl, vm)
            history.best_epoch = best_epochs[member]
            n_layers = len(self.W)
            weights = final[member][:n_layers]
            biases: list[Tensor | None] = list(final[member][n_layers:]) if self.bias else [None] * n_layers
            shapes = [layer.weight.shape for layer in linears(prepared.est)]  # (out, in) each
            finish(prepared.est, [W[:i, :o].T for W, (o, i) in zip(weights, shapes, strict=True)],
                   [None if b is None else b[0, :o] for b, (o, _) in zip(biases, shapes, strict=True)], history)
        return errors

    # --- the compiled path: one full-batch epoch as a pure function of the state, for torch.compile
    def _compiled_epoch(self, epoch: int) -> tuple[Tensor, Tensor]:
        """``_loss_and_grads`` + ``_step`` on the full batch through the compiled step: the train loss
        (K,) in float64 and whether any model stops after this epoch (diverged or at its max_epochs)."""
        self.step_count += 1
        beta1, beta2 = ADAM_BETAS
        # bias corrections and epoch as tensors: a Python number would be baked into the graph, one per epoch
        bc = torch.tensor([1.0 - beta1 ** self.step_count, math.sqrt(1.0 - beta2 ** self.step_count), epoch],
                          dtype=torch.float64)  # (3,)
        assert self.compiled is not None
        loss, stop, params, self.m, self.v = self.compiled(self, bc, self.step_count == 1)
        self._set_params(params)
        return loss, stop

    def _pure_epoch(self, bc: Tensor, first: bool) -> tuple[Tensor, Tensor, list[Tensor], list[Tensor], list[Tensor]]:
        """One full-batch epoch without in-place updates (what inductor fuses best): ``_step``'s formulas,
        term by term in the same order.  ``bc`` = (1 − β1ᵗ, √(1 − β2ᵗ), epoch); ``first``: momentum's first step.
        Returns the loss (K,) in float64, whether any model stops (), and the new parameters and state."""
        params, m, v = self._params(), self.m, self.v
        loss, grads = self._loss_and_grads(self.X, self.T)
        if self.optimizer == "adam":
            beta1, beta2 = ADAM_BETAS
            step_size = self.eta / bc[0]  # (K, 1, 1)
            m = [torch.lerp(mi, g, 1.0 - beta1) for mi, g in zip(m, grads, strict=True)]  # m ← β1 m + (1 − β1) g
            v = [torch.addcmul(vi * beta2, g, g, value=1.0 - beta2) for vi, g in zip(v, grads, strict=True)]
            params = [p - step_size * (mi / (torch.sqrt(vi) / bc[1] + ADAM_EPS))  # (K, in, out)
                      for p, mi, vi in zip(params, m, v, strict=True)]
        elif self.optimizer == "momentum":
            m = [g if first else buf * self.momentum + g for buf, g in zip(m, grads, strict=True)]  # b ← μ b + g
            params = [p - self.eta * buf for p, buf in zip(params, m, strict=True)]
        else:
            params = [p - self.eta * g for p, g in zip(params, grads, strict=True)]  # (K, in, out)
        train_loss = loss.double()  # (K,)
        stop = (~torch.isfinite(train_loss) | (self.max_epochs <= bc[2])).any()  # ()
        return train_loss, stop, params, m, v

    def _keep(self, keep: Tensor) -> None:
        """Drop the rows of finished models from every per-model tensor."""
        rows = keep.nonzero()[:, 0]  # (K',)
        self.ids = self.ids[rows]
        self.generators = [g for g, k in zip(self.generators, keep.tolist(), strict=True) if k]
        self.X, self.T = self.X[rows], self.T[rows]
        if self.validate:
            self.X_val, self.T_val = self.X_val[rows], self.T_val[rows]
            self.best_params = [p[rows] for p in self.best_params]
        self._set_params([p[rows] for p in self._params()])
        self.m = [m[rows] for m in self.m]
        self.v = [v[rows] for v in self.v]
        self.mask = [None if m is None else m[rows] for m in self.mask]
        for name in ("eta", "alpha", "momentum", "max_epochs", "patience", "tol", "best", "best_epoch", "count"):
            setattr(self, name, getattr(self, name)[rows])



_COMPILED: list[Callable[..., Any]] = []


def _compiled_step() -> Callable[..., Any]:
    """``_Group._pure_epoch`` under ``torch.compile`` (inductor), made once per process: every group
    shares its cache of graphs, one per group signature; a K that changes (models leaving) makes a
    shape-generic graph rather than one per K."""
    if not _COMPILED:
        _COMPILED.append(torch.compile(_Group._pure_epoch, backend="inductor"))
    return _COMPILED[0]


def _rows(A: Tensor, idx: Tensor) -> Tensor:
    """Per-model rows: A (K, N, …), idx (K, B) → (K, B, …)."""
    if A.ndim == 2:
        return torch.gather(A, 1, idx)  # (K, B) class indices
    return torch.gather(A, 1, idx[:, :, None].expand(-1, -1, A.shape[2]))  # (K, B, D)




__all__ = ["ADAM_BETAS", "ADAM_EPS", "check_supported"]
