"""``check(name, fn)``: the student's code against the library's reference, on several seeds, in a time budget.

Why not one exact value: a neural-network exercise has many right answers that differ in the last bits
(the order of a sum, float32 against float64), so each check compares with the reference within a
tolerance, on inputs drawn from several seeds, and looks for the classic slips (a flipped sign, a mean
for a sum, an exp that overflows) to say *what* is wrong.  The inputs and expected values stay hidden:
a message names the kind of case ("large negative a") and where to look, never its numbers nor the
code, so a student fixes the exercise rather than fitting the check.

Each exercise is checked on its own: while it runs, the reference solution stands in for every other
exercise of the same practical in the student's namespace (``neuron`` calls the reference ``sigmoid``,
``train`` the reference ``neuron``), so one wrong function gives exactly one ✗, not a cascade that
blames code that is right.

The exercises themselves live by practical in ``numpy_neuron``, ``pytorch_mlp`` and ``honest_cv``.
"""

from __future__ import annotations

import functools
import signal
import threading
import time
import types
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any, Literal

import numpy as np

from neuronlab.errors import ConfigError, valid_names

Status = Literal["passed", "failed", "todo"]
DEFAULT_SEEDS = (0, 1, 2)


class Failure(Exception):
    """The student's code is wrong; the message is what the student reads (no hidden values in it)."""


class Todo(Exception):
    """The student's code still raises the placeholder's NotImplementedError."""


class OverBudget(BaseException):
    """The time budget ran out.  A BaseException, so a student's ``except Exception`` cannot swallow it."""


@dataclass(frozen=True)
class Exercise:
    """One exercise: the name the notebook defines (``symbol``), the placeholder's hint, and its check.

    ``run(obj, seeds)`` raises :class:`Failure` or returns the success message; ``prepare`` warms up
    what must not count against the student's time (torch's first autograd call takes seconds);
    ``reference`` builds the reference solution that stands in for this exercise while the others are
    checked (built on demand: §3.3's references need torch).
    """

    name: str
    symbol: str
    practical: str
    hint: str
    signature: str
    run: Callable[[Any, Sequence[int]], str]
    time_budget_s: float
    speed_hint: str = "vectorise with NumPy instead of looping over samples in Python"
    prepare: Callable[[], None] = field(default=lambda: None)
    reference: Callable[[], Any] | None = None


@dataclass(frozen=True)
class CheckResult:
    """What ``check`` found: passed or not, the message the student reads, and how long it took."""

    exercise: str
    passed: bool
    message: str
    status: Status
    seconds: float = 0.0
    printed: bool = field(default=False, repr=False, compare=False)

    def _ipython_display_(self) -> None:
        # A notebook cell ending in check(...) would show this object under the line check printed.
        if not self.printed:
            print(self.line())

    def line(self) -> str:
        return f"{'✓' if self.passed else '✗'} {self.exercise}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"exercise": self.exercise, "passed": self.passed, "message": self.message, "status": self.status,
                "seconds": self.seconds}


@functools.cache
def exercises() -> dict[str, Exercise]:
    """Every exercise by name (imported on first use, so ``import neuronlab.practicals`` stays light)."""
    from neuronlab.practicals import honest_cv, numpy_neuron, pytorch_mlp

    table: dict[str, Exercise] = {}
    for module in (numpy_neuron, pytorch_mlp, honest_cv):
        for ex in module.EXERCISES:
            table[ex.name] = ex
    return table


def get_exercise(name: str) -> Exercise:
    table = exercises()
    if name not in table:
        raise ConfigError(f"no exercise {name!r}; checks exist for {valid_names(table)}")
    return table[name]


def check(name: str, fn_or_obj: Any, *, seeds: Sequence[int] = DEFAULT_SEEDS, time_budget_s: float | None = None,
          quiet: bool = False, namespace: MutableMapping[str, Any] | None = None) -> CheckResult:
    """Check exercise ``name`` (e.g. ``check("sigmoid", sigmoid)``), print a ✓/✗ line and return the result.

    The check never raises for wrong student code: a wrong answer, an exception inside the student's
    code, the placeholder's NotImplementedError and running past ``time_budget_s`` (default: the
    exercise's own) all come back as a failed :class:`CheckResult` with a message that says what to fix.
    ``namespace`` is where the student's code looks its other functions up (default: the globals of
    ``fn_or_obj``); the other exercises' names there are the references while the check runs.
    """
    ex = get_exercise(name)
    seeds = _check_seeds(seeds)
    budget = ex.time_budget_s if time_budget_s is None else _check_budget(time_budget_s)
    ex.prepare()
    start = time.perf_counter()
    status: Status = "failed"
    try:
        if fn_or_obj is None or not callable(fn_or_obj):
            raise Failure(f"expected the function or class {ex.symbol} ({ex.signature}); got "
                          f"{type(fn_or_obj).__name__}")
        with references_standing_in(ex, namespace_of(fn_or_obj) if namespace is None else namespace), \
                time_budget(budget):
            message = ex.run(fn_or_obj, seeds)
        status = "passed"
    except Failure as err:
        message = str(err)
    except Todo as err:
        status, message = "todo", str(err)
    except OverBudget:
        message = f"took longer than its time budget of {budget:g} s; {ex.speed_hint}"
    except Exception as err:  # the student's object broke the check itself (a float64 module, …): say so, not crash
        message = (f"checking {ex.symbol} failed with {type(err).__name__}: {first_line(err)}; does it follow "
                   f"{ex.signature}?")
    result = CheckResult(name, status == "passed", message, status, time.perf_counter() - start, printed=not quiet)
    if not quiet:
        print(result.line())
    return result


def namespace_of(obj: Any) -> MutableMapping[str, Any] | None:
    """The globals the student's function (or class's methods) read names from; None for other objects."""
    if isinstance(obj, functools.partial):
        obj = obj.func
    if isinstance(obj, type):
        for member in vars(obj).values():
            member = getattr(member, "__func__", member)  # staticmethod / classmethod
            if isinstance(member, types.FunctionType):
                return member.__globals__
        return None
    found = getattr(obj, "__globals__", None)
    return found if isinstance(found, dict) else None


@contextmanager
def references_standing_in(ex: Exercise, namespace: MutableMapping[str, Any] | None) -> Iterator[None]:
    """Within the block, every other exercise of ``ex``'s practical defined in ``namespace`` is its reference.

    Only names already defined are replaced (a missing function stays missing: the grader reports it),
    and each is put back afterwards, even when the check fails or runs out of time.
    """
    saved: dict[str, Any] = {}
    if namespace is not None:
        for other in exercises().values():
            if other is ex or other.practical != ex.practical or other.reference is None:
                continue
            if other.symbol in namespace and other.symbol != ex.symbol:
                saved[other.symbol] = namespace[other.symbol]
                namespace[other.symbol] = other.reference()
    try:
        yield
    finally:
        if namespace is not None:
            namespace.update(saved)


def student_call(fn: Callable[..., Any], *args: Any, what: str, signature: str = "", **kwargs: Any) -> Any:
    """Call the student's code, turning its exceptions into messages (first line only: no hidden data)."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise Todo(f"not done yet: {what} still raises NotImplementedError; replace the placeholder in the "
                   "exercise cell with your code and run that cell again") from None
    except Exception as err:
        hint = f"; the exercise's signature is {signature}" if isinstance(err, TypeError) and signature else ""
        raise Failure(f"{what} raised {type(err).__name__}: {first_line(err)}{hint}") from None


def first_line(err: BaseException, limit: int = 160) -> str:
    text = str(err).strip().splitlines()
    line = text[0] if text else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def as_array(value: Any, what: str) -> np.ndarray:
    """The student's result as a float array (a torch tensor is detached first)."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if value is None:
        raise Failure(f"{what} returned None; return the result")
    try:
        out = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise Failure(f"{what} must return an array of numbers; got {type(value).__name__}") from None
    return out


def close(a: np.ndarray, b: np.ndarray, *, rtol: float, atol: float = 0.0) -> bool:
    return a.shape == b.shape and bool(np.all(np.isfinite(a))) and bool(np.allclose(a, b, rtol=rtol, atol=atol))


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise OverBudget once ``seconds`` have passed (SIGALRM, so a loop that never ends is stopped too).

    Off the main thread, or where there is no SIGALRM, the budget is checked when the block ends instead.
    """
    start = time.perf_counter()
    use_alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if use_alarm:
        def on_alarm(signum: int, frame: Any) -> None:
            raise OverBudget

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    if time.perf_counter() - start > seconds:
        raise OverBudget


def _check_seeds(seeds: Sequence[int]) -> tuple[int, ...]:
    values = list(seeds) if isinstance(seeds, Iterable) else []
    if not values or not all(isinstance(s, Integral) and not isinstance(s, bool) and s >= 0 for s in values):
        raise ConfigError(f"seeds must be one or more whole numbers >= 0, e.g. (0, 1, 2); got {seeds!r}")
    return tuple(int(s) for s in values)


def _check_budget(seconds: float) -> float:
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 < seconds < float("inf"):
        raise ConfigError(f"time_budget_s must be a number of seconds > 0; got {seconds!r}")
    return float(seconds)
