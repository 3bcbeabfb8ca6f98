"""The compiled kernel's own parts: its vectorisable exp and log1p, and that how the work is split
(threads, blocks of epochs, chunks) never changes a model.  Equality with the estimator trained alone
is tested for both backends in test_ensemble.py."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from numba import njit
from sklearn.base import clone
from sklearn.datasets import make_moons

from neuronlab.estimators import MLPClassifier, MLPRegressor
from neuronlab.estimators.batch import fit_ensemble
from neuronlab.train import ensemble_fused
from neuronlab.train.fused_math import fast_exp as _exp
from neuronlab.train.fused_math import log1p01 as _log1p01

X_MOONS, Y_MOONS = make_moons(150, noise=0.25, random_state=4)


@njit
def _apply(x: Any, u: Any) -> tuple[Any, Any]:
    """exp(x) and log1p(u) elementwise, u in [0, 1], through the kernel's own functions."""
    e, l1p = np.empty_like(x), np.empty_like(u)
    for i in range(x.size):
        e[i] = _exp(x[i])
    for i in range(u.size):
        l1p[i] = _log1p01(u[i])
    return e, l1p


@pytest.mark.parametrize(("dtype", "ulps"), [(np.float32, 4), (np.float64, 8)])
def test_exp_and_log1p_are_accurate_to_a_few_ulp(dtype: Any, ulps: int) -> None:
    x = np.concatenate([np.linspace(-80, 80, 20001), [0.0, -1e-30, 1e-7, -0.5, 0.5]]).astype(dtype)
    u = np.concatenate([np.linspace(0, 1, 20001), [1e-30, 1e-9, 0.9999]]).astype(dtype)
    e, l1p = _apply(x, u)
    assert e.dtype == dtype and l1p.dtype == dtype  # float32 stays float32
    eps = np.finfo(dtype).eps
    assert np.max(np.abs(e / np.exp(x.astype(np.float64)) - 1)) < ulps * eps
    ok = u > 0
    assert np.max(np.abs(l1p[ok] / np.log1p(u[ok].astype(np.float64)) - 1)) < ulps * eps
    assert np.all(l1p[~ok] == 0)


def test_exp_saturates_without_overflow_or_nan() -> None:
    e, _ = _apply(np.array([-1e4, -745.0, 710.0, 1e4], dtype=np.float64), np.zeros(1))
    assert np.all(np.isfinite(e)) and e[0] >= 0 and e[0] < 1e-300 and e[-1] > 1e300


def mixed() -> list[Any]:
    return [MLPClassifier(h, act, eta=eta, optimizer=opt, batch_size=bs, max_epochs=40, early_stopping=es,
                          n_iter_no_change=4, random_state=i)
            for i, (h, act, eta, opt, bs, es) in enumerate([
                ((7,), "relu", 0.01, "adam", None, False), ((5, 3), "tanh", 0.05, "sgd", 16, True),
                ((12,), "sigmoid", 0.1, "momentum", 32, False), ((4, 4, 4), "leaky_relu", 0.02, "adam", 25, True),
                ((9,), "identity", 0.003, "adam", None, True)] * 3)]


def params(est: Any) -> np.ndarray:
    return torch.cat([p.detach().ravel() for p in est.module_.parameters()]).numpy()


def test_thread_count_blocks_and_chunks_do_not_change_a_single_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    reference = mixed()
    assert fit_ensemble(reference, X_MOONS, Y_MOONS, threads=1) == [None] * len(reference)
    two = mixed()
    fit_ensemble(two, X_MOONS, Y_MOONS, threads=2)
    chunked = mixed()
    fit_ensemble(chunked, X_MOONS, Y_MOONS, threads=2, chunk_size=4)
    monkeypatch.setattr(ensemble_fused, "PERM_BUDGET", 1)  # one epoch of shuffles per kernel call
    blocks = mixed()
    fit_ensemble(blocks, X_MOONS, Y_MOONS, threads=2)
    for ref, *others in zip(reference, two, chunked, blocks, strict=True):
        for other in others:
            np.testing.assert_array_equal(params(ref), params(other))
            assert other.history_.train_loss == ref.history_.train_loss and other.n_iter_ == ref.n_iter_


def test_float32_models_are_trained_in_float32() -> None:
    """A float64 literal in the kernel would silently promote float32 training to float64: then the
    float32 result would equal the float64 one rounded, not the estimator's float32 training."""
    X = X_MOONS.astype(np.float64)
    y = X[:, 0] * 3 - X[:, 1]
    est32 = MLPRegressor((16,), "tanh", eta=0.05, optimizer="sgd", max_epochs=50, random_state=0)
    est64 = clone(est32).set_params(dtype="float64")
    fit_ensemble([est32], X, y)
    fit_ensemble([est64], X, y)
    alone32 = clone(est32).fit(X, y)
    p32, p64, a32 = params(est32).astype(np.float64), params(est64), params(alone32).astype(np.float64)
    assert np.max(np.abs(p32 - a32)) < np.max(np.abs(p32 - p64))  # nearer torch's float32 than float64
    assert np.max(np.abs(p32 - p64)) > 1e-7  # and float32 rounding is really there


@pytest.mark.parametrize("batch_size", [None, 40])
def test_wide_layers_through_blas_equal_the_estimator_alone(batch_size: int | None) -> None:
    """Layers ≥ BLAS_MIN wide go through np.dot when a whole batch fills the rows (full batch; the
    last, shorter mini-batch and the validation pass take the loops): same model either way."""
    from neuronlab.train.fused import BLAS_MIN

    hidden = (BLAS_MIN + 4, BLAS_MIN + 9, 3)
    ests = [MLPClassifier(hidden, act, eta=0.01, batch_size=batch_size, max_epochs=25, early_stopping=True,
                          n_iter_no_change=5, dtype="float64", random_state=i)
            for i, act in enumerate(["tanh", "relu", "sigmoid", "leaky_relu"])]
    batched = [clone(e) for e in ests]
    assert fit_ensemble(batched, X_MOONS, Y_MOONS) == [None] * len(ests)
    for est, b in zip(ests, batched, strict=True):
        alone = clone(est).fit(X_MOONS, Y_MOONS)
        pa, pb = params(alone), params(b)
        assert np.max(np.abs(pa - pb)) / np.max(np.abs(pa)) < 1e-9
        assert b.history_.train_loss == pytest.approx(alone.history_.train_loss, rel=1e-9)
