"""The initial weights' generator: its fast seeding must give exactly ``default_rng([seed, 0])``'s
stream, or every stored run would start from other weights than before."""

from __future__ import annotations

import numpy as np
import pytest

from neuronlab.nn.init import init_rng, uniform_init


@pytest.mark.parametrize("seed", [0, 1, 7, 2**31 - 2, 2**31 - 1, 2**32 - 1, 2**32, 2**40 + 3])
def test_init_rng_is_default_rngs_stream(seed: int) -> None:
    ours, reference = init_rng(seed), np.random.default_rng([seed, 0])
    assert np.array_equal(ours.random(64), reference.random(64))
    assert np.array_equal(ours.integers(0, 2**62, 16), reference.integers(0, 2**62, 16))


@pytest.mark.parametrize("seed", [0, 123456789])
def test_uniform_init_draws_torchs_bounds_from_the_seed(seed: int) -> None:
    weights, biases = uniform_init((3, 5, 2), True, seed, "float64")
    rng = np.random.default_rng([seed, 0])
    for W, b, n_in in zip(weights, biases, (3, 5), strict=True):
        bound = 1 / np.sqrt(n_in)
        assert b is not None
        assert np.array_equal(W, rng.uniform(-bound, bound, size=W.shape))
        assert np.array_equal(b, rng.uniform(-bound, bound, size=b.shape))
        assert np.abs(W).max() <= bound
