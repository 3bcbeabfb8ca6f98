"""Claims kept alive: one thread per process renews every run this process has claimed.

Why: a claim on another host is taken over once its heartbeat is older than the stale window
(:mod:`neuronlab.store.owners`).  A run that trains longer than that, or a chunk that waits its turn
in a queue (ensemble ``--jobs N``, Dask: every chunk is claimed before the first one is computed),
would otherwise be trained twice.  So every claim is *held* from ``claim_many`` to ``finish_many``
(the store calls :func:`hold` and :func:`drop`), and while the runner or an executor is inside
:func:`renewing`, a daemon thread renews all held claims of every store in one
``UPDATE … WHERE id IN (…)`` per store, every ``NEURONLAB_HEARTBEAT_S`` seconds (default 30; the
stale window ``NEURONLAB_STALE_AFTER_S`` defaults to 300, ten missed beats).  A failed renewal
(database briefly unreachable, locked) is logged and retried at the next beat; the thread is a
daemon and stops when the last ``renewing`` block ends, so it never keeps a process alive.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from neuronlab.errors import ConfigError

PERIOD_ENV = "NEURONLAB_HEARTBEAT_S"
STALE_ENV = "NEURONLAB_STALE_AFTER_S"
DEFAULT_PERIOD_S = 30.0
DEFAULT_STALE_AFTER_S = 300.0  # ten renewal periods: a slow beat or two never looks like death

log = logging.getLogger(__name__)


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(f"{name} must be a positive number of seconds, got {raw!r}; "
                          f"unset it for the default {default:g}")
    return value


def period_s() -> float:
    """Seconds between two renewals: ``$NEURONLAB_HEARTBEAT_S``, else 30."""
    return _seconds(PERIOD_ENV, DEFAULT_PERIOD_S)


def stale_after_s() -> float:
    """Silence after which another host's claim may be taken: ``$NEURONLAB_STALE_AFTER_S``, else 300."""
    return _seconds(STALE_ENV, DEFAULT_STALE_AFTER_S)


class Renewable(Protocol):
    """What the thread needs of a store (a ``RunStore``): renew these of its runs, say how many."""

    def renew(self, ids: Sequence[int]) -> int: ...


class Releasable(Protocol):
    """A store that can give claims back (``RunStore.release``)."""

    def release(self, ids: Sequence[int]) -> None: ...


class _Registry:
    """The process's held claims and its one renewal thread (reset in a forked child)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.held: dict[Renewable, set[int]] = {}
        self.users = 0  # open ``renewing`` blocks
        self.stop: threading.Event | None = None
        self.kept: list[AbstractContextManager[None]] = []  # blocks open until the process exits


_registry = _Registry()


def _after_fork() -> None:
    global _registry
    _registry = _Registry()  # the parent's thread did not come along, nor do its claims


os.register_at_fork(after_in_child=_after_fork)


def hold(store: Renewable, ids: Sequence[int]) -> None:
    """Renew ``ids`` of ``store`` from now on (called by the store when it claims them)."""
    if ids:
        with _registry.lock:
            _registry.held.setdefault(store, set()).update(ids)


def drop(store: Renewable, ids: Sequence[int]) -> None:
    """Stop renewing ``ids`` of ``store`` (finished or given back)."""
    with _registry.lock:
        held = _registry.held.get(store)
        if held is None:
            return
        held.difference_update(ids)
        if not held:
            del _registry.held[store]


def held(store: Renewable) -> set[int]:
    """The ids of ``store`` this process holds (claimed, not yet finished)."""
    with _registry.lock:
        return set(_registry.held.get(store, ()))


def beat() -> int:
    """Renew every held claim now, one UPDATE per store: how many runs were renewed.

    A store that fails (database unreachable or locked past its timeout) is logged and skipped;
    the next beat tries again, well inside the stale window.
    """
    with _registry.lock:
        work = [(store, sorted(ids)) for store, ids in _registry.held.items()]
    renewed = 0
    for store, ids in work:
        try:
            renewed += store.renew(ids)
        except Exception as exc:
            log.warning("could not renew %d claimed run(s) in %r (%s); retrying at the next heartbeat",
                        len(ids), store, exc)
    return renewed


def _run(stop: threading.Event, period: float) -> None:
    while not stop.wait(period):
        beat()


@contextmanager
def renewing(period: float | None = None) -> Iterator[None]:
    """Keep this process's claims alive while inside (nested blocks share one thread).

    ``period`` defaults to :func:`period_s`; it is read when the thread starts, by the outermost block.
    """
    registry = _registry
    with registry.lock:
        if registry.users == 0:
            seconds = period_s() if period is None else period
            registry.stop = threading.Event()
            threading.Thread(target=_run, args=(registry.stop, seconds), name="neuronlab-heartbeat",
                             daemon=True).start()
        registry.users += 1
    try:
        yield
    finally:
        if registry is _registry:  # not a block entered by our parent before it forked us
            with registry.lock:
                registry.users -= 1
                if registry.users == 0 and registry.stop is not None:
                    registry.stop.set()  # wakes the thread, which ends without another beat
                    registry.stop = None


def keep_renewing() -> None:
    """Renew this process's claims until it exits (a pool worker that claims runs of its own)."""
    block = renewing()
    block.__enter__()
    _registry.kept.append(block)  # referenced, or the collector would close it and stop the thread


@contextmanager
def released_on_abort(store: Releasable | None, ids: Collection[int]) -> Iterator[None]:
    """Give back the claims in ``ids`` if the block ends by an exception (Ctrl-C, a store error, a
    generator closed early); ``ids`` is read then, so a set the block shrinks as it records works.

    Why: on this host a claim is only taken from a dead process, and one that lives on (a notebook's
    kernel, the web lab) would otherwise block those runs until it exits.
    """
    try:
        yield
    except BaseException:
        if store is not None and ids:
            try:
                store.release(sorted(ids))
            except Exception as exc:  # the first error is the one to report
                log.warning("could not give back %d claimed run(s) (%s)", len(ids), exc)
        raise
