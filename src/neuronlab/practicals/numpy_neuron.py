"""§3.2's exercises — the sigmoid, the neuron, the training loop — checked against ``nn/neuron.py``.

The reference is the library's own neuron (MacKay's e = t − y, g = −e x, Δw = −η Σ_n g − η α w), so a
student's loop that follows the slide's e = y − t with the same g and Δw climbs the loss and fails:
the sign slip the practical's slides make is exactly what this check is there to catch.

Messages and hints point to the notebook's section (2 the sigmoid, 3 the neuron, 4 the training loop)
and to the part of the formula to look at, not to the code that would pass.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from neuronlab.nn.activations import get_activation
from neuronlab.nn.neuron import Neuron
from neuronlab.practicals.checks import Exercise, Failure, as_array, close, student_call

RTOL = 1e-6
TINY = 1e-300  # below this, float64 is subnormal: compare relative to the reference, not bit for bit
LARGE = (100.0, 1000.0)  # |a| range of the "large |a|" cases (np.exp overflows past 709.78)
LEARN_ACCURACY = 0.95  # on the separable `linear` task

sigma = get_activation("sigmoid")
Fn = Callable[..., Any]


# -- sigmoid -----------------------------------------------------------------------------------------------


def _sigmoid_at(fn: Fn, a: np.ndarray, case: str) -> np.ndarray:
    """Call sigmoid(a) with warnings recorded: an overflow warning fails even when the value is right."""
    before = a.copy()
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn", invalid="warn", divide="warn",
                                                                     under="ignore"):
        warnings.simplefilter("always")
        y = as_array(student_call(fn, a, what="sigmoid(a)", signature="sigmoid(a)"), "sigmoid(a)")
    if not np.array_equal(a, before):
        raise Failure("sigmoid(a) changed its input a in place; compute the result in a new array")
    if any(issubclass(w.category, RuntimeWarning) for w in caught):
        raise Failure(f"sigmoid(a) overflows for {case} (NumPy warns: exp of a large number is too big for a "
                      "float); rewrite it so exp only ever sees a number <= 0, e.g. treat a >= 0 and a < 0 apart")
    if y.shape != a.shape:
        raise Failure("sigmoid(a) must work elementwise and return the same shape as a (a vector, a matrix, …)")
    if not np.all(np.isfinite(y)):
        raise Failure(f"sigmoid(a) returns NaN or inf for {case}; σ(a) always lies in [0, 1]")
    return y


def reference_sigmoid(a: np.ndarray) -> np.ndarray:
    """σ(a), the library's (stands in for the student's while the other exercises are checked)."""
    return np.asarray(sigma(np.asarray(a, dtype=float)))


def reference_neuron(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """y = σ(X w), one output per row of X."""
    return reference_sigmoid(np.asarray(X) @ np.asarray(w))


def check_sigmoid(fn: Fn, seeds: Sequence[int]) -> str:
    for seed in seeds:
        rng = np.random.default_rng(seed)
        a = rng.normal(0.0, 4.0, 64)
        y = _sigmoid_at(fn, a, "moderate a")
        if close(y, sigma(-a), rtol=RTOL, atol=TINY):
            raise Failure("sigmoid(a) falls as a grows, but σ rises from 0 to 1: look at the sign of the exponent "
                          "in section 2's formula")
        if not close(y, sigma(a), rtol=RTOL, atol=TINY):
            raise Failure("sigmoid(a) is wrong for moderate a (|a| < 10): compare your formula with section 2's, "
                          "term by term")
        m = rng.normal(0.0, 3.0, (5, 4))
        if not close(_sigmoid_at(fn, m, "a matrix"), sigma(m), rtol=RTOL, atol=TINY):
            raise Failure("sigmoid(a) is wrong for a matrix a: apply σ to every element")
        for sign, case in ((-1.0, "large negative a"), (1.0, "large positive a")):
            big = sign * rng.uniform(*LARGE, 32)
            if not close(_sigmoid_at(fn, big, case), sigma(big), rtol=RTOL, atol=TINY):
                raise Failure(f"sigmoid(a) is wrong for {case}: look for an overflow, and for a difference of "
                              "two nearly equal numbers that loses every digit")
    return f"matches the reference on {len(seeds)} seeds, large |a| included, without overflow"


# -- neuron ------------------------------------------------------------------------------------------------


def check_neuron(fn: Fn, seeds: Sequence[int]) -> str:
    for seed in seeds:
        rng = np.random.default_rng(seed)
        for n_inputs in (2, 3):
            X = rng.normal(0.0, 1.5, (40, n_inputs))
            w = rng.normal(0.0, 1.0, n_inputs)
            y = as_array(student_call(fn, X.copy(), w.copy(), what="neuron(X, w)", signature="neuron(X, w)"),
                         "neuron(X, w)")
            a = X @ w
            if y.shape in ((len(X), 1), (1, len(X))):
                raise Failure("neuron(X, w) returns a column or a row; return a flat array of shape (N,), "
                              "one output per sample")
            if y.shape != a.shape:
                raise Failure("neuron(X, w) must return one output per sample: shape (N,) for X of shape "
                              "(N, n_inputs)")
            if close(y, a, rtol=RTOL):
                raise Failure("neuron(X, w) returns the activation itself; section 3: the output is the "
                              "activation passed through the sigmoid")
            if not close(y, sigma(a), rtol=RTOL, atol=TINY):
                raise Failure("neuron(X, w) is wrong: section 3 — each sample's activation weighs that sample's "
                              "own inputs (its row of X) by w")
    return f"matches the reference on {len(seeds)} seeds and 2 and 3 inputs"


# -- training loop -----------------------------------------------------------------------------------------

TRAIN_SIGNATURE = "train(X, t, w, eta, alpha=0.0, epochs=1) -> w"


def reference_train(X: np.ndarray, t: np.ndarray, w: np.ndarray, eta: float, alpha: float = 0.0,
                    epochs: int = 1) -> np.ndarray:
    """The seed's full-batch loop on the library's neuron (sigmoid, no bias, summed cross-entropy)."""
    neuron = Neuron(X.shape[1], "sigmoid", bias=False)
    neuron.set_weights(w)
    for _ in range(epochs):
        neuron.step(X, t, eta, alpha)
    return neuron.w


def loss(X: np.ndarray, t: np.ndarray, w: np.ndarray, alpha: float = 0.0) -> float:
    neuron = Neuron(X.shape[1], "sigmoid", bias=False)
    neuron.set_weights(w)
    return neuron.loss(X, t, alpha)


def _student_train(fn: Fn, X: np.ndarray, t: np.ndarray, w: np.ndarray, *, eta: float, alpha: float,
                   epochs: int) -> np.ndarray:
    out = student_call(fn, X.copy(), t.copy(), w.copy(), eta=eta, alpha=alpha, epochs=epochs, what="train(...)",
                       signature=TRAIN_SIGNATURE)
    if isinstance(out, tuple | list) and not np.isscalar(out[0]):
        raise Failure("train must return only the new weights w (shape (n_inputs,)), not a tuple")
    w_new = as_array(out, "train(...)")
    if w_new.shape != w.shape:
        raise Failure("train must return the new weights w, shape (n_inputs,) like the w it was given")
    return w_new


def _diagnose_update(w1: np.ndarray, w0: np.ndarray, X: np.ndarray, t: np.ndarray, eta: float,
                     alpha: float) -> str:
    """Name the slip one update shows: flipped sign, missing or flipped decay, a mean instead of the sum."""
    e = t - sigma(X @ w0)  # MacKay's error
    descent = eta * (e @ X)  # −η Σ_n g with g = −e x
    decay = -eta * alpha * w0
    slips = [
        ((-descent + decay, -descent - decay), "one update moves w uphill (the loss goes up): compare the sign "
         "of your error e with section 4's rule (the slide's sign climbs; MacKay's descends)"),
        ((descent,), "the update has no weight decay: section 4's Δw has a second term, in α"),
        ((descent - decay,), "the weight decay has the wrong sign: it must pull w towards 0, not push it away"),
        ((descent / len(X) + decay, descent / len(X)), "the update averages over the samples; section 4's rule "
         "sums them"),
    ]
    for candidates, message in slips:
        if any(close(w1, w0 + dw, rtol=RTOL, atol=1e-12) for dw in candidates):
            return message
    return ("one update differs from the reference: compare y, e, g and Δw one by one with section 4's rule "
            "(all samples in one step)")


def check_training_loop(fn: Fn, seeds: Sequence[int]) -> str:
    from neuronlab.tasks import load_task

    eta, alpha = 0.02, 0.5
    for seed in seeds:
        rng = np.random.default_rng(seed)
        X = rng.normal(0.0, 1.0, (30, 2))
        t = (rng.random(30) < sigma(X @ rng.normal(0.0, 2.0, 2))).astype(float)
        w0 = rng.normal(0.0, 0.5, 2)
        w1 = _student_train(fn, X, t, w0, eta=eta, alpha=alpha, epochs=1)
        if not close(w1, reference_train(X, t, w0, eta, alpha, 1), rtol=RTOL, atol=1e-12):
            raise Failure(_diagnose_update(w1, w0, X, t, eta, alpha))
        w7 = _student_train(fn, X, t, w0, eta=eta, alpha=alpha, epochs=7)
        if not close(w7, reference_train(X, t, w0, eta, alpha, 7), rtol=1e-5, atol=1e-10):
            raise Failure("one epoch matches the reference but several do not: run the update exactly `epochs` "
                          "times, recomputing y from the current w each time")

        task = load_task("linear", seed=seed)
        X, t = task.X_train, task.y_train.astype(float)
        w0 = np.zeros(X.shape[1])
        w = _student_train(fn, X, t, w0, eta=0.1, alpha=0.001, epochs=100)
        if not loss(X, t, w, 0.001) < loss(X, t, w0, 0.001):
            raise Failure("training made the loss go up on a separable task: check the signs of e, g and Δw")
        accuracy = float(np.mean((X @ w > 0) == (t > 0.5)))
        if accuracy < LEARN_ACCURACY:
            raise Failure(f"after training on a separable task the accuracy is only {accuracy:.2f} (expected at "
                          f"least {LEARN_ACCURACY}); check the update rule")
    return f"one update, several epochs and learning the `linear` task match the reference on {len(seeds)} seeds"


EXERCISES = (
    Exercise("sigmoid", "sigmoid", "imperial_3_2",
             "write section 2's σ, elementwise and without overflow for large |a|",
             "sigmoid(a) -> array", check_sigmoid, time_budget_s=5.0, reference=lambda: reference_sigmoid),
    Exercise("neuron", "neuron", "imperial_3_2",
             "section 3: one weighted sum per sample (a row of X), then the sigmoid",
             "neuron(X, w) -> y", check_neuron, time_budget_s=5.0, reference=lambda: reference_neuron),
    Exercise("training_loop", "train", "imperial_3_2",
             "apply section 4's update rule `epochs` times, using your neuron, and return w",
             TRAIN_SIGNATURE, check_training_loop, time_budget_s=10.0, reference=lambda: reference_train),
)
