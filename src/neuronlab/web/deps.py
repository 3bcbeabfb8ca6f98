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

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
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


# Async, though they only read an attribute: FastAPI runs a plain ``def`` dependency in its thread pool,
# a hand-off each way on every request (a fifth of a playground frame's framework time under 30 students).
async def get_store(request: Request) -> RunStore:
    store: RunStore = request.app.state.store
    return store


async def get_lab(request: Request) -> LabState:
    lab: LabState = request.app.state.lab
    return lab


StoreDep = Annotated[RunStore, Depends(get_store)]
LabDep = Annotated[LabState, Depends(get_lab)]


# The dependencies are async so that the common case (an exclusive lab's own copy, nothing to store
# yet) runs on the event loop: a sync dependency is a thread hand-off each way, which under 30 playing
# students cost more server CPU than drawing the frame.  Store work and rebuilds still go to a thread.


async def _sync(shared: SharedSessions[Any], sid: str, copy: Copy[Any]) -> bool:
    if not shared.needs_write(copy):
        return True
    stored: bool = await anyio.to_thread.run_sync(shared.sync, sid, copy)
    return stored


async def _open(shared: SharedSessions[Any], sid: str, what: str) -> Copy[Any]:
    copy = shared.peek(sid)
    if copy is None:
        copy = await anyio.to_thread.run_sync(shared.checkout, sid)
    if copy is None:
        raise HTTPException(404, f"no {what} session {sid!r} (it expired or was deleted); "
                                 "reload the page to start a new one")
    return copy


# Each pair: the request-scoped copy (stored again after the response: a stream, after its last frame)
# and the function-scoped session (stored before the response leaves; 409 when another process won).


async def session_copy(sid: str, lab: LabDep) -> AsyncIterator[Copy[Session]]:
    copy = await _open(lab.sessions, sid, "playground")
    try:
        yield copy
    finally:
        await _sync(lab.sessions, sid, copy)


async def get_session(sid: str, lab: LabDep, copy: Annotated[Copy[Session], Depends(session_copy)],
                      request: Request) -> AsyncIterator[Session]:
    try:
        yield copy.item
    finally:
        stored = await _sync(lab.sessions, sid, copy)
    if not stored and request.method != "GET":  # a GET changes nothing but a stream, whose client is gone
        raise HTTPException(409, CONFLICT)


async def stepper_copy(nid: str, lab: LabDep) -> AsyncIterator[Copy[NeuronStepper]]:
    copy = await _open(lab.neurons, nid, "neuron")
    try:
        yield copy
    finally:
        await _sync(lab.neurons, nid, copy)


async def get_stepper(nid: str, lab: LabDep, copy: Annotated[Copy[NeuronStepper], Depends(stepper_copy)],
                      request: Request) -> AsyncIterator[NeuronStepper]:
    try:
        yield copy.item
    finally:
        stored = await _sync(lab.neurons, nid, copy)
    if not stored and request.method != "GET":
        raise HTTPException(409, CONFLICT)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
StepperDep = Annotated[NeuronStepper, Depends(get_stepper, scope="function")]
