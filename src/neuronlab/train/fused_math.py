"""The compiled kernel's arithmetic: constants in the loop's float type, 2ⁿ from bits, and an eˣ and a
log(1 + e) made of plain arithmetic so that Numba vectorises them (libm's ``exp`` is a scalar call, 8×
slower here).  Accurate to a few ulp; tests/train/test_fused.py checks them against NumPy.

Numba's on-disk cache of ``fused.train_block`` is keyed on fused.py alone: after editing this file,
touch fused.py (or delete its ``__pycache__/*.nbi``) so the kernel is compiled again.
"""

from __future__ import annotations

import math
from collections import namedtuple
from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic, overload

from neuronlab.nn.activations import LEAKY_SLOPE
from neuronlab.train.optimizers import BETA1, BETA2, EPS

# reassociation (so reductions vectorise) and contraction (FMA), but NaN and inf keep their meaning:
# a diverged model must still read as non-finite
FASTMATH = {"reassoc", "contract", "arcp", "nsz"}
CACHED: Any = {"cache": True}  # overloads compiled into a cached kernel are cached with it


Consts = namedtuple("Consts", "zero one two half slope log2e ln2_hi ln2_lo x_min x_max beta2 one_b1 one_b2 eps "
                               "exp_c log_c")


def _float_type(like: Any) -> Any:
    return like.dtype if isinstance(like, types.DType) else like


def consts(like: Any) -> Any:
    """The constants in the float type of ``like`` (a float or a dtype): see the overload."""
    raise NotImplementedError("only callable from compiled code")


@overload(consts, jit_options=CACHED)
def consts_impl(like: Any) -> Any:
    """Every constant typed as ``like``: a Python float literal would promote a float32 loop to float64."""
    single = _float_type(like) == types.float32
    f = np.float32 if single else np.float64
    c = Consts(
        f(0.0), f(1.0), f(2.0), f(0.5), f(LEAKY_SLOPE), f(1.4426950408889634),
        # ln 2 split in two so that n·ln2_hi is exact: the reduced argument keeps its low bits
        f(0.693145751953125) if single else f(6.93147180369123816490e-01),
        f(1.428606765330187e-06) if single else f(1.90821492927058770002e-10),
        f(-87.0) if single else f(-708.0), f(88.0) if single else f(709.0),  # e^x stays a normal float
        f(BETA2), f(1.0 - BETA1), f(1.0 - BETA2), f(EPS),
        # exp(r) on |r| ≤ ln2/2 by Taylor, log1p by atanh's series, each to the term below the type's ulp
        tuple(f(1.0 / math.factorial(k)) for k in range(8 if single else 14)),
        tuple(f(1.0 / (2 * k + 1)) for k in range(9 if single else 18)))

    def impl(like: Any) -> Any:  # the implementation's signature must be the overload's, annotations too
        return c
    return impl


def as_type(like: Any, value: Any) -> Any:
    """``value`` in the float type of ``like``."""
    raise NotImplementedError("only callable from compiled code")


@overload(as_type, jit_options=CACHED)
def as_impl(like: Any, value: Any) -> Any:
    cast = np.float32 if _float_type(like) == types.float32 else np.float64

    def impl(like: Any, value: Any) -> Any:
        return cast(value)
    return impl


def _float_from_bits_typing(typingctx: Any, bits: Any) -> Any:
    """The float whose IEEE bits are ``bits``: int32 → float32, int64 → float64 (2ⁿ without libm)."""
    single = bits == types.int32

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.FloatType() if single else ir.DoubleType())
    return (types.float32(types.int32) if single else types.float64(types.int64)), codegen


_float_from_bits: Any = intrinsic(_float_from_bits_typing)


def pow2(n: Any) -> Any:
    """2ⁿ for an integral float n in the normal range, in n's float type."""
    raise NotImplementedError("only callable from compiled code")


@overload(pow2, jit_options=CACHED)
def pow2_impl(n: Any) -> Any:
    if n == types.float32:
        def impl32(n: Any) -> Any:
            return _float_from_bits(np.int32((np.int64(n) + 127) << 23))  # exponent bias 127; int32 arithmetic widens
        return impl32

    def impl64(n: Any) -> Any:
        return _float_from_bits((np.int64(n) + np.int64(1023)) << np.int64(52))  # exponent bias 1023
    return impl64


# A call from one compiled function to another is not inlined by LLVM here and costs a reference count
# per array argument (measured: 7.3 against 4.7 µs a model-epoch for W1 when the per-batch stages were
# calls), so everything below is inlined by Numba into ``train_block``, where the loops vectorise in place.
inline = njit(fastmath=FASTMATH, cache=True, inline="always")


@inline
def fast_exp(x: Any) -> Any:
    """eˣ = 2ⁿ · eʳ with n = round(x / ln 2), r = x − n ln 2; plain arithmetic, so it vectorises."""
    c = consts(x)
    x = min(max(x, c.x_min), c.x_max)
    n = np.floor(x * c.log2e + c.half)  # np.floor keeps the float type; math.floor gives an int64
    r = (x - n * c.ln2_hi) - n * c.ln2_lo
    p = c.exp_c[-1]
    for i in range(len(c.exp_c) - 2, -1, -1):
        p = p * r + c.exp_c[i]
    return p * pow2(n)


@inline
def log1p01(e: Any) -> Any:
    """log(1 + e) for 0 ≤ e ≤ 1 as 2 atanh(s), s = e/(2 + e) ≤ 1/3: full precision, no cancellation."""
    c = consts(e)
    s = e / (c.two + e)
    s2 = s * s
    p = c.log_c[-1]
    for i in range(len(c.log_c) - 2, -1, -1):
        p = p * s2 + c.log_c[i]
    return c.two * s * p


# Activations, each forward beside its derivative, over one unit's samples in place (fused.py's layers).
# A (layers + 1, width, samples) holds every layer's output, G (2, width, samples) the deltas.
ACTIVATION_CODES = {"identity": 0, "sigmoid": 1, "tanh": 2, "relu": 3, "leaky_relu": 4}
IDENTITY, SIGMOID, TANH, RELU, LEAKY_RELU = range(5)


@inline
def activate(code: int, A: Any, layer: int, j: int, n: int) -> None:
    """h = σ(a) in place over unit j's samples; one explicit loop per activation, so each vectorises."""
    c = consts(A.dtype)
    if code == SIGMOID:
        for s in range(n):
            A[layer, j, s] = c.one / (c.one + fast_exp(-A[layer, j, s]))
    elif code == TANH:
        for s in range(n):
            A[layer, j, s] = c.one - c.two / (fast_exp(c.two * A[layer, j, s]) + c.one)
    elif code == RELU:
        for s in range(n):
            a = A[layer, j, s]
            A[layer, j, s] = a if a > c.zero else c.zero
    elif code == LEAKY_RELU:
        for s in range(n):
            a = A[layer, j, s]
            A[layer, j, s] = a if a > c.zero else c.slope * a


@inline
def backprop_sigma(code: int, G: Any, half: int, i: int, A: Any, layer: int, n: int) -> None:
    """δ_i ← δ_i · σ'(a_i), σ' written from the output h = A[layer, i] = σ(a) (ReLU's kink: h > 0, as torch)."""
    c = consts(A.dtype)
    if code == SIGMOID:
        for s in range(n):
            h = A[layer, i, s]
            G[half, i, s] *= h * (c.one - h)
    elif code == TANH:
        for s in range(n):
            h = A[layer, i, s]
            G[half, i, s] *= c.one - h * h
    elif code == RELU:
        for s in range(n):
            G[half, i, s] = G[half, i, s] if A[layer, i, s] > c.zero else c.zero
    elif code == LEAKY_RELU:
        for s in range(n):
            G[half, i, s] = G[half, i, s] if A[layer, i, s] > c.zero else c.slope * G[half, i, s]
