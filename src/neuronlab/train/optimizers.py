"""The optimisers' formulas, once, in NumPy: what "sgd", "momentum" and "adam" mean in neuronlab.

Every engine implements these steps its own way — the torch engine through ``torch.optim``
(``loop.make_optimizer``), the compiled kernel in its inner loop (``fused._update``), the hand-made
neuron as the seed's Δw = −η Σ g — and ``tests/train/test_optimizers.py`` checks each against this
module, step by step, from the same weights and gradients.  With g the gradient of the batch objective
(loss + ½ α ‖W‖² / n_b) and t = 1, 2, … the step count:

- sgd:       θ ← θ − η g
- momentum:  b ← g (t = 1), b ← μ b + g (t > 1);   θ ← θ − η b          (heavy ball, torch's form)
- adam:      m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
             θ ← θ − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)          (eps outside the root, as torch)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BETA1, BETA2, EPS = 0.9, 0.999, 1e-8  # torch.optim.Adam's defaults


@dataclass
class State:
    """An optimiser's memory for one parameter vector: m (momentum buffer or Adam's first moment),
    v (Adam's second moment), t (steps taken)."""

    m: np.ndarray
    v: np.ndarray
    t: int = 0


def init_state(theta: np.ndarray) -> State:
    return State(np.zeros_like(theta, dtype=np.float64), np.zeros_like(theta, dtype=np.float64))


def step(name: str, theta: np.ndarray, g: np.ndarray, state: State, *, eta: float, mu: float = 0.9) -> np.ndarray:
    """θ after one step of optimiser ``name`` with gradient ``g`` (``state`` is updated in place)."""
    state.t += 1
    if name == "sgd":
        return theta - eta * g
    if name == "momentum":
        state.m = g.copy() if state.t == 1 else mu * state.m + g
        return theta - eta * state.m
    if name == "adam":
        state.m = BETA1 * state.m + (1 - BETA1) * g
        state.v = BETA2 * state.v + (1 - BETA2) * g * g
        return theta - eta / (1 - BETA1 ** state.t) * state.m / (np.sqrt(state.v) / np.sqrt(1 - BETA2 ** state.t)
                                                                 + EPS)
    raise ValueError(f"unknown optimizer {name!r}")
