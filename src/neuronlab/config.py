"""Every training knob, declared once: its type, bound, default and meaning.

scikit-learn declares each estimator's parameters once (``_parameter_constraints``) and validates
them in ``fit``; here the same knob (η, α, the optimiser, early stopping's rule …) appears on five
surfaces — the MLP and neuron estimators, experiment specs (TOML), the playground's pages and the
CLI — so it is declared here and every surface derives its default, bound and help text from the
declaration.  Where a surface needs another default, the knob says so, with the reason, in
``surfaces``; ``tests/test_config.py`` checks that every surface agrees with this table.

It sits at the bottom of the package with ``limits`` and ``errors`` (it imports nothing else of
ours and neither torch nor scikit-learn): the hand-made NumPy neuron checks η and α with it too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any

from neuronlab import limits
from neuronlab.errors import ConfigError, valid_names

SURFACES = ("mlp", "neuron", "neuron_regressor", "spec", "cli", "playground", "neuron_page")


@dataclass(frozen=True)
class Knob:
    """One training knob: ``kind`` is float, int, bool or str (then ``choices``); bounds are
    ``gt``/``ge``/``lt``/``le``; ``none`` says what None means when None is allowed."""

    name: str
    doc: str
    kind: type
    default: Any
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    choices: tuple[str, ...] = ()
    none: str = ""  # what None means ("" = None is not allowed)
    limit: limits.Limit | None = None
    hint: str = ""  # what to try instead, for the error line
    surfaces: Mapping[str, tuple[Any, str]] = field(default_factory=dict)  # surface → (default, why)

    def default_for(self, surface: str) -> Any:
        """The default on ``surface`` (one of ``SURFACES``): the knob's own unless declared otherwise."""
        if surface not in SURFACES:
            raise ValueError(f"unknown surface {surface!r}")
        return self.surfaces[surface][0] if surface in self.surfaces else self.default

    def describe(self) -> str:
        """The allowed values in words, e.g. "a number > 0", "an integer >= 1 or None (full batch)"."""
        if self.choices:
            text = f"one of {valid_names(self.choices)}"
        elif self.kind is bool:
            text = "True or False"
        else:
            text = "an integer" if self.kind is int else "a number"
            bounds = [f"{op} {_num(v)}" for op, v in ((">", self.gt), (">=", self.ge), ("<", self.lt),
                                                        ("<=", self.le)) if v is not None]
            if self.limit is not None:
                bounds.append(f"<= {self.limit.value():,}")
            text += " " + " and ".join(bounds) if bounds else ""
        return text + (f" or None ({self.none})" if self.none else "")

    def ok(self, value: Any) -> bool:
        """Whether ``value`` is allowed (booleans are not numbers here, NaN and inf never are)."""
        if value is None:
            return bool(self.none)
        if type(value) is float or type(value) is int:  # the usual case, without the ABC checks below
            return self._within(value) if self.kind is float or (self.kind is int and type(value) is int) \
                else False
        if self.choices:
            return isinstance(value, str) and value in self.choices
        if self.kind is bool:
            return isinstance(value, bool)
        if isinstance(value, bool):
            return False
        if self.kind is int and not isinstance(value, Integral):
            return False
        if not isinstance(value, Real):
            return False
        try:
            return self._within(float(value))
        except OverflowError:  # an integer type too large for a float
            return False

    def _within(self, value: float) -> bool:
        """A finite number within the knob's bounds (a Python int too large for a float is not)."""
        try:
            if not math.isfinite(value):
                return False
        except OverflowError:
            return False
        return ((self.gt is None or value > self.gt) and (self.ge is None or value >= self.ge)
                and (self.lt is None or value < self.lt) and (self.le is None or value <= self.le))

    def check(self, value: Any) -> Any:
        """``value`` if allowed, else a ConfigError in one line that names the knob and what to do;
        a number within the bounds but beyond the machine limit gets the limit's own message."""
        if not self.ok(value):
            hint = f"; {self.hint}" if self.hint else ""
            raise ConfigError(f"{self.name} must be {self.describe()} ({self.doc}), got {value!r}{hint}")
        if self.limit is not None and value is not None:
            self.limit.check(int(value), f"{self.name} = {{}}")
        return value

    def field(self, surface: str, **bounds: Any) -> Any:
        """A pydantic ``Field`` for ``surface``: its default, the knob's bounds (``bounds`` may tighten
        them, e.g. the playground's ``le=10``) and the doc as description."""
        from pydantic import Field

        kw = {k: getattr(self, k) for k in ("gt", "ge", "lt", "le") if getattr(self, k) is not None}
        kw.update(bounds)
        return Field(default=self.default_for(surface), description=self.doc, **kw)


def _num(v: float) -> str:
    return f"{v:g}"


def _knobs(*knobs: Knob) -> dict[str, Knob]:
    return {k.name: k for k in knobs}


OPTIMIZERS = ("sgd", "momentum", "adam")
ENGINES = ("fused", "torch", "numpy")
DTYPES = ("float32", "float64")
REGRESSION_LOSSES = ("mse", "mae")

KNOBS: dict[str, Knob] = _knobs(
    Knob("eta", "the learning rate η", float, 0.01, gt=0, hint="try 0.01",
         surfaces={"playground": (0.3, "full-batch SGD on a tiny net needs a bigger step than Adam for the "
                                       "boundary to move within seconds of frames"),
                   "neuron_page": (0.05, "the seed's summed (not averaged) gradient over a handful of points")}),
    Knob("alpha", "the weight decay α, an L2 penalty on the weights", float, 1e-4, ge=0, hint="use 0 for none",
         surfaces={"neuron": (0.0, "the seed's neuron starts without weight decay; α is its own exercise"),
                   "playground": (0.0, "TensorFlow Playground starts without regularisation"),
                   "neuron_page": (0.0, "the seed's neuron starts without weight decay")}),
    Knob("optimizer", "how the gradient becomes a step", str, "adam", choices=OPTIMIZERS,
         surfaces={"playground": ("sgd", "the seed's plain gradient descent, as TensorFlow Playground")}),
    Knob("momentum", "the heavy-ball momentum of optimizer='momentum'", float, 0.9, ge=0, lt=1, hint="try 0.9"),
    Knob("batch_size", "samples per gradient step", int, None, ge=1, none="the full batch",
         limit=limits.SAMPLES, hint="None (or 0 in a spec) for the full batch",
         surfaces={s: (0, "TOML, forms and URLs have no None: 0 means the full batch")
                   for s in ("spec", "cli", "playground")}),
    Knob("max_epochs", "the most passes over the training data", int, 500, ge=1, limit=limits.EPOCHS,
         surfaces={"neuron": (200, "one neuron converges in far fewer epochs than an MLP")}),
    Knob("early_stopping", "hold out validation_fraction and stop when its score stalls", bool, False),
    Knob("validation_fraction", "the share of the training split held out for early stopping", float, 0.1,
         gt=0, lt=1),
    Knob("n_iter_no_change", "epochs without improvement before early stopping", int, 30, ge=1,
         limit=limits.EPOCHS),
    Knob("tol", "the least gain of the validation score that counts as improvement", float, 1e-4, ge=0,
         hint="scikit-learn's default is 1e-4; 0 counts any tie as improvement"),
    Knob("activation", "the hidden units' nonlinearity", str, "relu",
         choices=("identity", "step", "sigmoid", "tanh", "relu", "leaky_relu"),
         surfaces={"neuron": ("sigmoid", "the seed's neuron classifies with y = σ(a)"),
                   "neuron_page": ("sigmoid", "the seed's neuron classifies with y = σ(a)"),
                   "neuron_regressor": ("identity", "the seed's linear neuron fits a function"),
                   "playground": ("tanh", "TensorFlow Playground's default")}),
    Knob("bias", "whether each unit has a bias b", bool, True),
    Knob("loss", "the regression loss", str, "mse", choices=REGRESSION_LOSSES),
    # an identity output starts near 0 and moves by η-sized steps: a target in MPa is thousands of epochs away
    Knob("scale_target", "train a regressor on the standardised target (mean 0, SD 1; predictions come back "
         "in the target's units)", bool, True),
    Knob("dtype", "the floating-point type of training", str, "float32", choices=DTYPES),
    Knob("engine", "what trains an MLP: the compiled kernel, torch (the PyTorch practical's loop) or NumPy", str,
         "fused", choices=ENGINES,
         surfaces={"cli": ("numpy", "a fresh process fitting one model: loading Numba and the compiled kernel "
                                    "(~0.7 s) costs more than a small fit takes in NumPy")}),
)

TRAINING = ("eta", "alpha", "batch_size", "max_epochs", "early_stopping", "validation_fraction",
            "n_iter_no_change", "tol")  # the knobs every neural estimator checks
MLP_TRAINING = (*TRAINING, "optimizer", "momentum", "bias", "dtype", "engine")  # and those the MLPs add
MLP_REGRESSION = ("loss", "scale_target")  # and those MLPRegressor adds


def check(name: str, value: Any) -> Any:
    """Check one knob's value (the declaration's bound and the machine limit): the value, or a ConfigError."""
    return KNOBS[name].check(value)


def check_values(**values: Any) -> None:
    """Check knobs given by name (an engine's keyword arguments) against their declarations."""
    for name, value in values.items():
        KNOBS[name].check(value)


def check_all(obj: Any, names: tuple[str, ...] = TRAINING, *, seen: set[Any] | None = None) -> None:
    """Check the knobs ``names`` as attributes of ``obj`` (an estimator's parameters).

    ``seen``: one set for a batch of estimators checked together (a sweep's, a search's), which share
    most of their values: a value already checked for a knob (same type, equal) passes without a second
    check — 12 of a model's 15 µs of checks — since neither bounds nor machine limits change within one
    call."""
    for name in names:
        value = getattr(obj, name)
        if seen is None:
            KNOBS[name].check(value)
            continue
        key = (name, type(value), value)
        try:
            done = key in seen
        except TypeError:  # an unhashable value (a list): checked, not remembered
            KNOBS[name].check(value)
            continue
        if not done:
            KNOBS[name].check(value)
            seen.add(key)


def default(name: str, surface: str = "mlp") -> Any:
    """The default of knob ``name`` on ``surface``."""
    return KNOBS[name].default_for(surface)


def doc(name: str) -> str:
    """The knob's one-line meaning, capitalised, for help texts."""
    text = KNOBS[name].doc
    return text[:1].upper() + text[1:] + "."
