"""What route functions receive: the store and the lab's in-memory sessions, as ``Annotated`` aliases.

Both live on ``app.state`` (set by :func:`neuronlab.web.app.create_app`): ``app.state.store`` is the
:class:`~neuronlab.store.RunStore`, ``app.state.db_url`` its resolved URL (the scoreboard opens its own
engine from it), ``app.state.lab`` the :class:`LabState`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from neuronlab.playground import Datasets, NeuronStepper, Registry, Session
from neuronlab.store import RunStore


@dataclass
class LabState:
    """The running playgrounds, neuron step-throughs and uploaded tables of this server process."""

    sessions: Registry[Session] = field(default_factory=lambda: Registry(capacity=500))
    neurons: Registry[NeuronStepper] = field(default_factory=lambda: Registry(capacity=500))
    datasets: Datasets = field(default_factory=Datasets)


def get_store(request: Request) -> RunStore:
    store: RunStore = request.app.state.store
    return store


def get_lab(request: Request) -> LabState:
    lab: LabState = request.app.state.lab
    return lab


StoreDep = Annotated[RunStore, Depends(get_store)]
LabDep = Annotated[LabState, Depends(get_lab)]


def get_session(sid: str, lab: LabDep) -> Session:
    session = lab.sessions.get(sid)
    if session is None:
        raise HTTPException(404, f"no playground session {sid!r} (it expired or the server restarted); "
                                 "reload the page to start a new one")
    return session


def get_stepper(nid: str, lab: LabDep) -> NeuronStepper:
    stepper = lab.neurons.get(nid)
    if stepper is None:
        raise HTTPException(404, f"no neuron session {nid!r} (it expired or the server restarted); "
                                 "reload the page to start a new one")
    return stepper


SessionDep = Annotated[Session, Depends(get_session)]
StepperDep = Annotated[NeuronStepper, Depends(get_stepper)]
