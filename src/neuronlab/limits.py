"""Every size a user can type, bounded once, checked before the memory is allocated.

A hostile (or merely hopeful) input such as a grid of 10⁸ points, ``hidden = [10⁹]`` or
``n_samples = 2e9`` used to grow past 3 GB with no message.  Each size is therefore declared here,
once, as a :class:`Limit` (its default bound, what it protects, the environment variable that
raises it) and every layer that takes the size (specs, the CLI, the estimators at ``fit``, the task
generators, the CSV reader) calls the same check, so the numbers live in one place and a refusal
reads the same everywhere: one line naming the limit and how to raise it.

The defaults are generous for the lab's field (tiny data, small networks) and sized so that one
process stays within about a gigabyte on a laptop:

=================  ============  ===============================================================
limit              default       why this number
=================  ============  ===============================================================
runs               100,000       a sweep is expanded and validated in memory (~0.3 ms, ~3 kB per
                                 point: ~30 s and ~300 MB at the bound) and records one store row
                                 per run; a day of the ensemble's throughput on two cores
width              4,096         units per hidden layer: 64× the playground's widest layer; two
                                 such layers are 16.8 M weights
depth              32            hidden layers: far deeper than plain sigmoid/ReLU MLPs train well
                                 without residual connections
parameters         20,000,000    weights and biases: with gradients and Adam's two moments in
                                 float64, 4 × 8 B × 2·10⁷ = 640 MB
activations        50,000,000    batch rows × units (inputs, every hidden layer, outputs): what a
                                 forward/backward pass holds, ~0.4 GB per copy in float64
samples            1,000,000     rows of a task, a CSV file or a fit: 10⁴× the practicals' tasks
features           10,000        input columns (digits has 64)
data_values        50,000,000    rows × columns of one data set: 400 MB as float64
classes            1,000         distinct labels of a classifier (ImageNet has 1,000)
epochs             100,000       passes over the data: the practicals use at most a few thousand
folds              100           cross-validation folds: leave-one-out on 100 samples
gp_samples         5,000         training rows of a Gaussian process: it holds an n × n kernel
                                 (200 MB at the bound) and factorises it in O(n³)
posterior_samples  100,000       weight vectors a Bayesian neuron draws (and burn-in steps): each
                                 is kept and costs up to n_leapfrog passes over the data
csv_megabytes      200           a CSV file read whole into memory (pandas needs a few × its size)
processes          2 × cores     parallel processes (``--jobs``, ``--workers``): more than the
                   (at least 8)  cores only add memory (each imports torch) and contention
=================  ============  ===============================================================

Raise one with its environment variable (``NEURONLAB_MAX_<NAME>``, e.g. ``NEURONLAB_MAX_SAMPLES=
5000000``) when the machine has the memory; it is read at every check, so it applies to the CLI,
a running notebook and the web lab alike.  The playground has its own, tighter bounds (a public
page), declared in ``neuronlab.playground.config``.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass

from neuronlab.errors import NeuronlabError

# Not a size but a magnitude: the largest |value| a task parameter or a data value may have.  Its
# square summed over 10⁶ rows (a variance, a squared error) must still fit a float64 (1.8·10³⁰⁸).
MAX_DATA_MAGNITUDE = 1e150
# Task parameters (noise, separation, σ_0 …) are on the scale of the data they generate; beyond this
# nothing is learnable and the generators' arithmetic (Monte Carlo ceilings) overflows.
MAX_TASK_PARAMETER = 1e6


class LimitError(NeuronlabError, ValueError):
    """A size is over its limit; the one-line message names the limit and how to raise it."""


@dataclass(frozen=True)
class Limit:
    """One bound: ``name`` (``NEURONLAB_MAX_<NAME>`` raises it), its default, its unit, and why."""

    name: str
    default: int
    unit: str
    protects: str
    advice: str  # what to do instead of raising the limit

    @property
    def env(self) -> str:
        return f"NEURONLAB_MAX_{self.name.upper()}"

    def value(self) -> int:
        """The bound in force: the environment variable when set, else the default."""
        raw = os.environ.get(self.env, "").strip()
        if not raw:
            return self.default
        try:
            bound = int(raw.replace("_", ""))
        except ValueError:
            bound = 0
        if bound < 1:
            raise LimitError(f"{self.env} must be a whole number >= 1 (the most {self.unit} allowed), "
                             f"got {raw!r}; fix or unset it")
        return bound

    def check(self, value: int, what: str) -> int:
        """``value`` if within the bound, else a LimitError; ``what`` phrases it, with ``{}`` where the
        value goes: ``"n_samples = {}"``, ``"has a layer of {} units"``."""
        bound, value = self.value(), int(value)
        if value > bound:
            raise LimitError(self.message(value, what, bound))
        return value

    def message(self, value: int | str, what: str, bound: int | None = None) -> str:
        """The refusal; ``value`` may be a phrase (``"more than 1,000,000"``) when the exact size is
        unknown because counting it would cost what the limit protects."""
        bound = self.value() if bound is None else bound
        shown = f"{value:,}" if isinstance(value, int) else value
        subject = what.replace("{}", shown, 1) if "{}" in what else f"{what} {shown}".strip()
        return (f"{subject}, over the limit of {bound:,} {self.unit} ({self.protects}); {self.advice}, "
                f"or, if the machine can take it, raise the limit with {self.env}=N")


RUNS = Limit("runs", 100_000, "runs per sweep",
             "every point is expanded in memory before the first run",
             "use fewer grid values, a smaller random count or fewer seeds")
WIDTH = Limit("width", 4_096, "units per layer", "weights grow with the square of the width",
              "use narrower layers")
DEPTH = Limit("depth", 32, "hidden layers", "memory and time grow with every layer", "use fewer layers")
PARAMETERS = Limit("parameters", 20_000_000, "weights", "each weight is kept 4 times in training",
                   "use fewer or narrower layers")
ACTIVATIONS = Limit("activations", 50_000_000, "values per batch",
                    "a training step holds every unit's value for every row of its batch: rows × units",
                    "use a smaller batch_size or narrower layers")
SAMPLES = Limit("samples", 1_000_000, "samples", "the data and every pass over it grow with it",
                "use fewer samples")
FEATURES = Limit("features", 10_000, "features", "the data and the first layer grow with it",
                 "use fewer columns")
DATA_VALUES = Limit("data_values", 50_000_000, "values (rows × columns)",
                    "the data is held in memory as float64", "use fewer rows or columns")
CLASSES = Limit("classes", 1_000, "classes", "the output layer has one unit per class",
                "merge rare classes, or check that the target column is really a label")
EPOCHS = Limit("epochs", 100_000, "epochs", "training time grows with every epoch",
               "use fewer epochs or early stopping")
FOLDS = Limit("folds", 100, "folds", "each fold trains the model once more", "use fewer folds")
GP_SAMPLES = Limit("gp_samples", 5_000, "training samples for a Gaussian process",
                   "it holds an n × n kernel matrix and factorises it in O(n³)",
                   "use fewer samples or another model")
POSTERIOR_SAMPLES = Limit("posterior_samples", 100_000, "posterior samples",
                          "each is kept and costs up to n_leapfrog passes over the data",
                          "use fewer (a few thousand give Monte Carlo errors of a few % of a posterior s.d.)")
CSV_MEGABYTES = Limit("csv_megabytes", 200, "MB per CSV file", "the file is read whole into memory",
                      "use a smaller file")
PROCESSES = Limit("processes", max(8, 2 * (os.cpu_count() or 1)), "processes",
                  "each process imports torch and its own copy of the data",
                  "use at most a few per core")

ALL: tuple[Limit, ...] = (RUNS, WIDTH, DEPTH, PARAMETERS, ACTIVATIONS, SAMPLES, FEATURES, DATA_VALUES,
                          CLASSES, EPOCHS, FOLDS, GP_SAMPLES, POSTERIOR_SAMPLES, CSV_MEGABYTES, PROCESSES)


# -- checks that combine limits --------------------------------------------------------------------


def check_data(n_rows: int, n_features: int, *, where: str = "the data") -> None:
    """Rows, columns and their product of one data set."""
    SAMPLES.check(n_rows, where + " has {} rows")
    FEATURES.check(n_features, where + " has {} columns")
    DATA_VALUES.check(n_rows * n_features, where + " has {} values")


def check_hidden(hidden: Sequence[int], *, what: str = "hidden") -> None:
    """Depth and every width of the hidden layers (the network's shape without its data)."""
    DEPTH.check(len(hidden), what + " has {} layers")
    for width in hidden:
        WIDTH.check(int(width), what + " has a layer of {} units")


def n_parameters(layers: Sequence[int], *, bias: bool = True) -> int:
    """Weights (and biases) of a fully connected network with these layer sizes, input first."""
    return sum(a * b + (b if bias else 0) for a, b in itertools.pairwise(layers))


def check_network(layers: Sequence[int], *, batch_rows: int, bias: bool = True, what: str = "the network"
                  ) -> None:
    """A whole network (input, hidden…, output sizes) and one batch through it: weights and activations."""
    check_hidden(layers[1:-1], what=what)
    PARAMETERS.check(n_parameters(layers, bias=bias), what + " has {} weights")
    ACTIVATIONS.check(batch_rows * sum(layers), "a batch of " + what + " holds {} values")
