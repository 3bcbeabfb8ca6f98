"""Initial weights of a multilayer perceptron, drawn with NumPy from a seed.

The distribution is PyTorch's default for ``nn.Linear`` (Kaiming-uniform with a = √5): every weight
and bias of a layer with ``n_in`` inputs uniform on [−1/√n_in, 1/√n_in].  Drawn here, not by torch,
so that every engine — the torch loop, the compiled kernel — starts one seed from the same weights
and the compiled path never imports torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np


def init_rng(seed: int) -> np.random.Generator:
    """The generator of a fit's initial weights (a stream apart from its shuffles'): the one
    ``default_rng([seed, 0])`` gives.  A seed that fits in 32 bits — every seed a fit draws — is handed
    to SeedSequence as the uint32 words it would coerce the list to (NumPy's coercion of a list is
    Python code: 4 of the 14 µs a model's seeding cost, paid once per model of a sweep)."""
    if 0 <= seed < 2**32:
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(np.array([seed, 0], dtype=np.uint32))))
    return np.random.default_rng([seed, 0])


def uniform_init(widths: Sequence[int], bias: bool, seed: int, dtype: str = "float32"
                 ) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    """(weights, biases) of layers ``widths[0] → … → widths[-1]``: W_l as (out, in) — ``nn.Linear``'s
    layout — and b_l as (out,) or None without bias; each layer's weights drawn before its bias."""
    rng = init_rng(seed)
    weights: list[np.ndarray] = []
    biases: list[np.ndarray | None] = []
    for n_in, n_out in pairwise(int(w) for w in widths):
        bound = 1.0 / np.sqrt(n_in)
        weights.append(rng.uniform(-bound, bound, size=(n_out, n_in)).astype(dtype))
        biases.append(rng.uniform(-bound, bound, size=n_out).astype(dtype) if bias else None)
    return weights, biases
