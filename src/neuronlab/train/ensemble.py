"""K configurations trained as one batched computation: the fast path for sweeps.

A 2→40→1 network on 200 points is ~10⁵ FLOP per epoch, so training one at a time is all per-call
overhead.  ``fit_mlps`` trains many at once, each *the same model* its estimator would train alone:
the estimator's own hooks validate the data, encode the targets, build the module from the seed (so
the initial weights are torch's ``nn.Linear`` init from that seed) and split off the validation set
(``prepare``); the shuffles come from a per-model generator seeded as ``fit`` seeds it; the loss,
α's ½α‖W‖²/n_batch, the optimiser formulas (torch.optim's, bias correction and eps placement
included) and the early-stopping rule are the estimator's.  A model that diverges (non-finite
training loss) is reported as ``fit`` would raise it; the others go on.

Two backends compute it:

- ``"fused"`` (default, ``ensemble_fused`` + ``fused``): one compiled (Numba) loop per model, models
  in parallel over cores, each model's weights and activations in cache for all its epochs.  Models
  of one call may differ in depth, widths, activation and optimiser.
- ``"torch"`` (``ensemble_torch``): stacked (K, in, out) tensors and batched matmuls per group of
  equal depth/activation/optimiser, widths padded; optionally its full-batch epoch under
  ``torch.compile``.  Kept as an independent second implementation (tests check both against the
  estimator) and for ``compile=True``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from neuronlab.errors import ConfigError, DataError, valid_names
from neuronlab.train.loop import torch_threads
from neuronlab.train.prepare import Memo, Prepared, prepare, unwrap

BACKENDS = ("fused", "torch")
MEMORY_BUDGET = 4 * 2**20  # torch: bytes of activations per chunk; near the L2 cache size ran fastest (K≈32 for W1)
COMPILED_MEMORY_BUDGET = 8 * 2**20  # torch compiled: the fused passes ran fastest at K≈64 for W1
FUSED_CHUNK = 4096  # fused: models per kernel call (memory: their data, weights and Adam moments)
COMPILE_ENV = "NEURONLAB_COMPILE"  # "1": fit_mlps compiles the torch path's epoch step unless told otherwise


def fit_mlps(estimators: Sequence[Any], data: Sequence[tuple[Any, Any]], *, chunk_size: int | None = None,
             threads: int | None = None, compile: bool | None = None,
             backend: str | None = None) -> list[Exception | None]:
    """Fit every estimator on its own (X, y) as ``estimator.fit(X, y)`` would, batched.

    ``estimators`` may be MLPClassifier/MLPRegressor or ``build_model``'s wrappers around them
    (fitted in place, see ``unwrap``).  Returns, per estimator, None when fitted, else the error that
    ``fit`` would have raised (DivergedError with its epoch, ConfigError, DataError); one model's error
    never stops the others.  ``chunk_size`` caps models per computation; ``threads``: the fused
    backend's parallel threads (None: all cores) or the torch backend's intra-op threads (None:
    torch's setting).

    ``compile`` (None: the ``NEURONLAB_COMPILE`` environment variable, off unless "1") selects the
    torch backend with each full-batch epoch step under ``torch.compile`` (inductor).  The first group
    of each signature pays the compile (seconds to tens of seconds; inductor caches it on disk).
    """
    if len(estimators) != len(data):
        raise ConfigError(f"got {len(estimators)} estimators but {len(data)} (X, y) pairs; pass one per estimator")
    if compile is None:
        compile = os.environ.get(COMPILE_ENV, "") == "1"
    backend = backend or ("torch" if compile else "fused")
    if backend not in BACKENDS:
        raise ConfigError(f"unknown backend {backend!r}; choose one of {valid_names(BACKENDS)}")
    if compile and backend != "torch":
        raise ConfigError("compile=True compiles the torch backend; pass backend='torch' or drop compile")
    from neuronlab.train import ensemble_fused, ensemble_torch

    errors: list[Exception | None] = [None] * len(estimators)
    groups: dict[tuple[Any, ...], list[tuple[int, Prepared]]] = {}
    memo: Memo = {}
    for i, (estimator, (X, y)) in enumerate(zip(estimators, data, strict=True)):
        try:
            mlp, Xm, ym = unwrap(estimator, X, y)
            prepared = prepare(mlp, Xm, ym, memo)
            # what the backend cannot train fails here, alone
            if backend == "fused":
                ensemble_fused.check_supported(prepared)
                key = ensemble_fused.fused_key(prepared)
            else:
                ensemble_torch.check_supported(prepared)
                key = prepared.key()
        except (ConfigError, DataError, ValueError) as exc:
            errors[i] = exc
            continue
        groups.setdefault(key, []).append((i, prepared))
    for members in groups.values():
        if backend == "fused":
            size = chunk_size or FUSED_CHUNK
            chunked = [members[start:start + size] for start in range(0, len(members), size)]
            for chunk in chunked:
                for (i, _), error in zip(chunk, ensemble_fused.train_fused([p for _, p in chunk], threads),
                                         strict=True):
                    errors[i] = error
            continue
        # torch: neighbours in width share a chunk, so padding wastes little
        members.sort(key=lambda m: m[1].est._hidden())
        budget = COMPILED_MEMORY_BUDGET if compile else MEMORY_BUDGET
        size = chunk_size or _chunk_size(members[0][1], max(max(m[1].est._hidden()) for m in members), budget)
        with torch_threads(threads):
            for start in range(0, len(members), size):
                chunk = members[start:start + size]
                group = ensemble_torch._Group([p for _, p in chunk], compile=compile)
                for (i, _), error in zip(chunk, group.train(), strict=True):
                    errors[i] = error
    return errors


def fit_ensemble(estimators: Sequence[Any], X: Any, y: Any, **kwargs: Any) -> list[Exception | None]:
    """``fit_mlps`` with one (X, y) for all: K configurations on the same data."""
    return fit_mlps(estimators, [(X, y)] * len(estimators), **kwargs)


def _chunk_size(p: Prepared, width: int, budget: int = MEMORY_BUDGET) -> int:
    """Models per chunk so that one chunk's activations stay within ``budget`` bytes."""
    n = len(p.X) if p.X_val is None else len(p.X) + len(p.X_val)
    per_model = 4 * n * (width * len(p.est._hidden()) + p.est._n_outputs()) * (8 if p.est.dtype == "float64" else 4)
    return max(1, budget // max(per_model, 1))


