"""Sessions and uploaded tables that survive a request landing on another worker process.

``neuronlab lab --workers N`` serves a class from N processes, and the kernel hands each new connection
to any of them.  A session's network lives in one process's memory, but its state can move: the config
and what the page's URL carries besides (epoch and hand-set weights; a neuron's step count) replay it
exactly.  So the store (:class:`~neuronlab.store.sessions.SessionStates`) holds that state with a version,
and each process keeps its own copy as a cache:

- every request reads the session's version (one primary-key read); a copy that is missing or older is
  rebuilt by replay (a session evicted from memory is rebuilt the same way instead of being lost);
- after a request changed the session, :meth:`SharedSessions.sync` stores the new state, compare-and-set
  on the version the copy was built at, so a change made meanwhile by another process is never
  overwritten silently (the loser's copy is dropped and the request answers 409).

A lab served by one process (``neuronlab lab`` without ``--workers``) is *exclusive*: nobody else
changes its sessions, so its copy is the newest by construction.  It skips the version read and
stores a played session's state at most every ``WRITE_BEHIND_S`` seconds (a change of the hand-set
weights or a reset at once): the store then only backs the memory up (a session evicted or a lab
restarted loses at most those seconds of play), and a frame costs no database round trip — with 30
students playing, those round trips were a quarter of the server's CPU.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np

from neuronlab.errors import TaskError
from neuronlab.playground import Datasets, NeuronConfig, NeuronStepper, PlaygroundConfig, Registry, Session, WeightEdit
from neuronlab.store.sessions import SessionStates
from neuronlab.tasks import Task

T = TypeVar("T")
WRITE_BEHIND_S = 2.0  # exclusive lab: a played session's state reaches the store at most this often


@dataclass
class Copy(Generic[T]):
    """This process's copy of a session, the version it stands for and that version's state."""

    item: T
    version: int
    state: dict[str, Any]
    stored_at: float = field(default_factory=time.monotonic)  # when ``state`` was last written


@dataclass(frozen=True)
class Kind(Generic[T]):
    """How one kind of session is stored: its config and state as JSON, and the replay that rebuilds it."""

    name: str
    config: Callable[[T], dict[str, Any]]
    state: Callable[[T], dict[str, Any]]
    build: Callable[[dict[str, Any], dict[str, Any]], T]


class SharedSessions(Generic[T]):
    """Sessions of one kind: the store holds the truth, this process's memory a bounded cache.

    ``add``, ``get`` and ``pop`` are :class:`~neuronlab.playground.Registry`'s, so the routes do not
    change; ``sync`` is what the request's dependency calls once the request is done with the session.
    """

    def __init__(self, states: SessionStates, kind: Kind[T], *, capacity: int = 500, exclusive: bool = False) -> None:
        self.states, self.kind, self.exclusive = states, kind, exclusive
        self.local: Registry[Copy[T]] = Registry(capacity=capacity)
        self._lock = threading.Lock()  # one sync at a time in this process: read-compare-write of a copy

    def add(self, item: T) -> str:
        """Store a new session (version 1) and keep it here; returns its unguessable id."""
        sid = secrets.token_urlsafe(12)
        state = self.kind.state(item)
        version = self.states.create(sid, kind=self.kind.name, config=self.kind.config(item), state=state)
        self.local.put(sid, Copy(item, version, state))
        return sid

    def get(self, sid: str) -> T | None:
        """The session at its newest version (rebuilt by replay when this process lacks it), or None."""
        copy = self.checkout(sid)
        return None if copy is None else copy.item

    def checkout(self, sid: str) -> Copy[T] | None:
        """This process's copy at the stored version (rebuilt by replay when missing or older), or None;
        hand it back to :meth:`sync` when the request is done with it."""
        copy = self.local.get(sid)
        if copy is not None and self.exclusive:  # nobody else changes it: no round trip
            return copy
        version = self.states.version(sid)
        if version is None:
            self.local.pop(sid)
            return None
        if copy is not None and copy.version == version:
            return copy
        stored = self.states.get(sid)
        if stored is None or stored.kind != self.kind.name:
            return None
        copy = Copy(self.kind.build(stored.config, stored.state), stored.version, stored.state)
        self.local.put(sid, copy)
        return copy

    def pop(self, sid: str) -> T | None:
        self.states.delete(sid)
        copy = self.local.pop(sid)
        return None if copy is None else copy.item

    def peek(self, sid: str) -> Copy[T] | None:
        """The copy :meth:`checkout` would return when that needs no database (an exclusive lab's own
        copy), else None: the caller may then skip a thread hand-off."""
        return self.local.get(sid) if self.exclusive else None

    def needs_write(self, copy: Copy[T]) -> bool:
        """Would :meth:`sync` touch the store now (the state changed, and not only by play within the
        write-behind window)?  Cheap and lock-free; ``sync`` decides again under its lock."""
        return self._needs_write(copy, self.kind.state(copy.item))

    def _needs_write(self, copy: Copy[T], state: dict[str, Any]) -> bool:
        if state == copy.state:
            return False
        # write-behind: in an exclusive lab the next change after WRITE_BEHIND_S stores more play
        return not (self.exclusive and self._only_played(copy.state, state)
                    and time.monotonic() - copy.stored_at < WRITE_BEHIND_S)

    def sync(self, sid: str, copy: Copy[T]) -> bool:
        """Store the session's state if the request changed it; False when another process changed it
        first (this copy is then dropped, so the next request rebuilds the stored one)."""
        state = self.kind.state(copy.item)
        with self._lock:
            if not self._needs_write(copy, state):
                return True
            version = self.states.advance(sid, expected=copy.version, state=state)
            if version is None:
                if self.local.get(sid) is copy:
                    self.local.pop(sid)
                return False
            copy.version, copy.state, copy.stored_at = version, state, time.monotonic()
            if self.local.get(sid) is None:  # evicted meanwhile: keep the newest copy
                self.local.put(sid, copy)
            return True


    @staticmethod
    def _only_played(before: dict[str, Any], after: dict[str, Any]) -> bool:
        """The change is more training and nothing else (same hand-set weights, no reset, epoch forward)."""
        keys = set(before) | set(after)
        counter = "epoch" if "epoch" in keys else "steps"
        same = all(before.get(k) == after.get(k) for k in keys - {counter})
        return same and after.get(counter, 0) > before.get(counter, 0)


class SharedDatasets:
    """Uploaded CSV tables for every process: kept in the store by content key, loaded from this
    process's temporary files (:class:`~neuronlab.playground.Datasets`), fetched into them on first use."""

    def __init__(self, states: SessionStates, local: Datasets | None = None) -> None:
        self.states = states
        self.local = local if local is not None else Datasets()

    def add(self, text: str, target: str) -> str:
        key = self.local.add(text, target)  # checks the table (size, columns, values) first
        self.states.put_table(key, target=target, data=text.encode())
        return key

    def load(self, key: str, seed: int, test_fraction: float) -> Task:
        try:
            return self.local.load(key, seed, test_fraction)
        except TaskError:  # not uploaded through this process (or dropped from it): the store has it
            stored = self.states.get_table(key)
            if stored is None:
                raise
            target, data = stored
            self.local.add(data.decode(), target)
            return self.local.load(key, seed, test_fraction)


def playground_kind(datasets: SharedDatasets) -> Kind[Session]:
    """Playground sessions: the config, and the epoch and hand-set weights that :meth:`Session.replay` takes.

    The state is read from ``epoch`` and ``edits`` without the session's lock, so a request that only
    looks at a session never waits for another one's training.
    """

    def state(session: Session) -> dict[str, Any]:
        return {"epoch": session.epoch, "edits": [asdict(e) for e in list(session.edits)]}

    def build(config: dict[str, Any], state: dict[str, Any]) -> Session:
        session = Session(PlaygroundConfig.model_validate(config), csv_loader=datasets.load)
        if state["epoch"] or state["edits"]:
            session.replay(state["epoch"], [WeightEdit(**e) for e in state["edits"]])
        return session

    return Kind("playground", lambda s: s.config.model_dump(mode="json"), state, build)


def neuron_kind(datasets: SharedDatasets) -> Kind[NeuronStepper]:
    """Single-neuron step-throughs: the config and the number of full-batch updates taken."""

    def build(config: dict[str, Any], state: dict[str, Any]) -> NeuronStepper:
        stepper = NeuronStepper(NeuronConfig.model_validate(config), csv_loader=datasets.load)
        cfg = stepper.config
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(int(state["steps"])):  # the same updates step() made, without its report
                stepper.neuron.step(stepper.X, stepper.t, cfg.eta, cfg.alpha)
        stepper.steps = int(state["steps"])
        return stepper

    return Kind("neuron", lambda s: s.config.model_dump(mode="json"), lambda s: {"steps": s.steps}, build)
