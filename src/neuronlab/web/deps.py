"""What route functions receive: the store and the lab's sessions, as ``Annotated`` aliases.

Both live on ``app.state`` (set by :func:`neuronlab.web.app.create_app`): ``app.state.store`` is the
:class:`~neuronlab.store.RunStore`, ``app.state.db_url`` its resolved URL (the scoreboard opens its own
engine from it), ``app.state.lab`` the :class:`LabState`.

A session is shared by every worker process through the store (see :mod:`neuronlab.web.shared`).
``SessionDep`` and ``StepperDep`` hand a route the session at its newest version and store whatever the
route changed in it *before the response leaves* (a dependency with ``scope="function"``), so the
student's next request finds it on any worker; a stream's changes are stored when the stream ends (the
request-scoped dependency beneath).  A route therefore never saves a session itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from neuronlab.playground import NeuronStepper, Session
from neuronlab.store import RunStore
from neuronlab.store.sessions import SessionStates
from neuronlab.web.shared import Copy, SharedDatasets, SharedSessions, neuron_kind, playground_kind

CONFLICT = ("this session was changed by another request meanwhile (another tab, or the same tab on another "
            "server process); reload the page to continue from its newest state")


@dataclass
class LabState:
    """The running playgrounds, neuron step-throughs and uploaded tables, shared through the store."""

    sessions: SharedSessions[Session]
    neurons: SharedSessions[NeuronStepper]
    datasets: SharedDatasets

    @classmethod
    def on(cls, states: SessionStates, *, capacity: int = 500, exclusive: bool = False) -> LabState:
        """``exclusive``: this process is the only one serving these sessions (see :mod:`~neuronlab.web.shared`)."""
        datasets = SharedDatasets(states)
        return cls(SharedSessions(states, playground_kind(datasets), capacity=capacity, exclusive=exclusive),
                   SharedSessions(states, neuron_kind(datasets), capacity=capacity, exclusive=exclusive), datasets)


def get_store(request: Request) -> RunStore:
    store: RunStore = request.app.state.store
    return store


def get_lab(request: Request) -> LabState:
    lab: LabState = request.app.state.lab
    return lab


StoreDep = Annotated[RunStore, Depends(get_store)]
LabDep = Annotated[LabState, Depends(get_lab)]


def _checked_out(shared: SharedSessions[Any], sid: str, what: str) -> Iterator[Copy[Any]]:
    copy = shared.checkout(sid)
    if copy is None:
        raise HTTPException(404, f"no {what} session {sid!r} (it expired or was deleted); "
                                 "reload the page to start a new one")
    try:
        yield copy
    finally:
        shared.sync(sid, copy)  # after the response (a stream: after its last frame); a conflict drops the copy


def _synced(shared: SharedSessions[Any], sid: str, copy: Copy[Any], request: Request) -> Iterator[Any]:
    try:
        yield copy.item
    finally:
        stored = shared.sync(sid, copy)
    if not stored and request.method != "GET":  # a GET changes nothing but a stream, whose client is gone
        raise HTTPException(409, CONFLICT)


def session_copy(sid: str, lab: LabDep) -> Iterator[Copy[Session]]:
    yield from _checked_out(lab.sessions, sid, "playground")


def get_session(sid: str, lab: LabDep, copy: Annotated[Copy[Session], Depends(session_copy)],
                request: Request) -> Iterator[Session]:
    yield from _synced(lab.sessions, sid, copy, request)


def stepper_copy(nid: str, lab: LabDep) -> Iterator[Copy[NeuronStepper]]:
    yield from _checked_out(lab.neurons, nid, "neuron")


def get_stepper(nid: str, lab: LabDep, copy: Annotated[Copy[NeuronStepper], Depends(stepper_copy)],
                request: Request) -> Iterator[NeuronStepper]:
    yield from _synced(lab.neurons, nid, copy, request)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
StepperDep = Annotated[NeuronStepper, Depends(get_stepper, scope="function")]
