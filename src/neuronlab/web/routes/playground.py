"""The playground's API: start a session, step, reset, set a weight, stream frames, save as run.

Training is CPU work, so every call into a session runs in a worker thread (``anyio.to_thread``):
the event loop keeps serving the other students meanwhile.  Training goes through
:mod:`neuronlab.web.training`: its cost is checked against the budget before it starts
(:mod:`neuronlab.playground.budget`, a 400 naming the limit), it runs on the small training pool, one
piece per session (409 when busy) and a few per client address (429), and it stops within an epoch
when the client leaves, its time is up or the lab shuts down.

The page plays by pulling: it asks for the next frame (a ``step`` without the loss curve) once it has
drawn the last, so it never falls behind and the server never trains for a tab that is not looking.
The Server-Sent-Events ``stream`` is for scripts: ``epochs_per_frame`` epochs a frame, at most ``fps``
frames a second, until ``max_frames`` or the client leaves.
"""

from __future__ import annotations

import contextlib
import functools
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
import numpy as np
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from neuronlab.playground import NeuronStepper, Session, WeightEdit
from neuronlab.playground.budget import Work
from neuronlab.playground.session import MAX_EPOCHS, Snapshot
from neuronlab.tasks import list_tasks, task_params
from neuronlab.web.deps import LabDep, SessionDep, StepperDep, StoreDep
from neuronlab.web.schemas import (
    CsvIn,
    DatasetOut,
    FrameOut,
    NeuronIn,
    NeuronOut,
    PlaygroundIn,
    PredictIn,
    PredictOut,
    SavedOut,
    SessionOut,
    StepIn,
    TaskOut,
    WeightIn,
)
from neuronlab.web.training import Trainers, stop_all, trainers


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At shutdown, stop every piece of playground work (see :func:`neuronlab.web.training.stop_all`)."""
    yield
    stop_all(app)


router = APIRouter(prefix="/api", tags=["playground"], lifespan=_lifespan)


@functools.cache
def _tasks() -> list[TaskOut]:
    return [TaskOut(name=t.name, kind=t.kind, n_features=t.n_features, ceiling=t.ceiling, description=t.description,
                    params={k: v for k, v in task_params(t.name).items() if k in ("noise", "n_samples")})
            for t in list_tasks()]


@router.get("/tasks", response_model=list[TaskOut])
def tasks() -> list[TaskOut]:
    """Every built-in task; the playground draws those with one or two inputs."""
    return _tasks()


def _session_out(sid: str, session: Session) -> SessionOut:
    snap = session.snapshot()  # frame and state of one epoch, even while another request trains
    return SessionOut(id=sid, config=session.config.model_dump(mode="json"), info=session.info(),
                      state=session.state(snap=snap), frame=session.frame(snap))


def _frame_out(session: Session, *, curve: bool = True, stopped: str | None = None) -> FrameOut:
    snap: Snapshot = session.snapshot()
    return FrameOut(state=session.state(curve=curve, snap=snap), frame=session.frame(snap), stopped=stopped)


@router.post("/playground", response_model=SessionOut, status_code=201)
async def create_session(body: PlaygroundIn, lab: LabDep, request: Request) -> SessionOut:
    """Start a session from a config, replayed to ``epoch`` with the hand-set ``edits`` (the URL's state);
    the replay is training like any other (budget, pool, stops when the client leaves)."""
    pool = trainers(request.app)
    edits = [WeightEdit(**e.model_dump()) for e in body.edits]
    session = await anyio.to_thread.run_sync(functools.partial(Session, body.config, csv_loader=lab.datasets.load))
    if body.epoch or edits:
        async with pool.hold(request, None):
            await pool.run(request, lambda work: session.replay(body.epoch, edits, budget=pool.budget, stop=work))
    sid = await anyio.to_thread.run_sync(lab.sessions.add, session)
    return await anyio.to_thread.run_sync(_session_out, sid, session)


@router.get("/playground/{sid}", response_model=SessionOut)
async def get_session(sid: str, session: SessionDep) -> SessionOut:
    return await anyio.to_thread.run_sync(_session_out, sid, session)


@router.delete("/playground/{sid}", status_code=204)
def delete_session(sid: str, lab: LabDep) -> None:
    lab.sessions.pop(sid)


def _why_short(session: Session, work: Work, ran: int, asked: int) -> str | None:
    """Why a step trained fewer epochs than asked (None when it did them all)."""
    if ran >= asked:
        return None
    snap = session.snapshot()
    if snap.error is not None:
        return "the loss diverged"
    if snap.epoch >= MAX_EPOCHS:
        return f"the session reached its {MAX_EPOCHS:,} epochs"
    return f"stopped after {ran} of {asked} epochs: {work() or 'stopped'}"


@router.post("/playground/{sid}/step", response_model=FrameOut)
async def step(session: SessionDep, request: Request, body: StepIn | None = None) -> FrameOut:
    """Train ``epochs`` more epochs (default one) and return the new frame (``curve: false`` leaves the
    loss curve out, as the page's play loop asks: it draws each frame's losses itself)."""
    body = body or StepIn()
    pool = trainers(request.app)
    cost = pool.budget.check_step(session.shape(), body.epochs)

    def work(token: Work) -> FrameOut:
        ran = session.train(body.epochs, stop=token)
        return _frame_out(session, curve=body.curve, stopped=_why_short(session, token, ran, body.epochs))

    async with pool.hold(request, session):
        return await pool.run(request, work, estimate=cost)


@router.post("/playground/{sid}/reset", response_model=FrameOut)
async def reset(session: SessionDep, request: Request) -> FrameOut:
    """Back to epoch 0 with the same initial weights."""

    def work() -> FrameOut:
        session.reset()
        return _frame_out(session)

    async with trainers(request.app).hold(request, session):
        return await anyio.to_thread.run_sync(work)


@router.post("/playground/{sid}/weights", response_model=FrameOut)
async def set_weight(session: SessionDep, body: WeightIn, request: Request) -> FrameOut:
    """Set one weight or bias by hand (remembered in the state, so the URL reproduces it)."""

    def work() -> FrameOut:
        session.set_weight(body.layer, body.row, body.col, body.value)
        return _frame_out(session)

    async with trainers(request.app).hold(request, session):
        return await anyio.to_thread.run_sync(work)


async def _streaming(request: Request, sid: str, lab: LabDep,
                     epochs_per_frame: Annotated[int, Query(ge=1, le=100)] = 1) -> AsyncIterator[Trainers]:
    """A stream's budget check and its hold on the session (and on a slot of its client's) for as long as
    it runs, taken before the response starts, so a refusal is a plain 4xx rather than a broken stream."""
    session = await anyio.to_thread.run_sync(lab.sessions.get, sid)
    if session is None:
        raise HTTPException(404, f"no playground session {sid!r}; reload the page to start a new one")
    pool = trainers(request.app)
    pool.budget.check_frame(session.shape(), epochs_per_frame)
    async with pool.hold(request, session):
        yield pool


@router.get("/playground/{sid}/stream", response_class=EventSourceResponse)
async def stream(
    request: Request,
    session: SessionDep,
    pool: Annotated[Trainers, Depends(_streaming)],
    epochs_per_frame: Annotated[int, Query(ge=1, le=100)] = 1,
    fps: Annotated[float, Query(gt=0, le=60)] = 20,
    max_frames: Annotated[int, Query(ge=0, le=100_000, description="0: until the client leaves")] = 0,
) -> AsyncIterator[ServerSentEvent]:
    """Frames while training (Server-Sent Events, ``event: frame``) for scripts (the page pulls frames
    with ``step`` instead); ends (``event: end``) at an error, at MAX_EPOCHS or when the lab stops it
    (``stopped`` says why).  The session is this stream's until it ends; each frame is checked against
    the per-frame budget and trains on the shared pool."""

    def work(token: Work) -> tuple[str, str | None]:
        ran = session.train(epochs_per_frame, stop=token)
        snap = session.snapshot()  # frame and state of the same epoch
        data = json.dumps({"state": session.state(curve=False, snap=snap), "frame": session.frame(snap)})
        return data, _why_short(session, token, ran, epochs_per_frame)

    estimate = pool.budget.check_frame(session.shape(), epochs_per_frame)  # checked by _streaming already
    sent = 0
    while max_frames == 0 or sent < max_frames:
        start = time.perf_counter()
        data, stopped = await pool.run(request, work, estimate=estimate)
        sent += 1
        yield ServerSentEvent(raw_data=data, event="frame", id=str(sent))
        if stopped is not None or pool.stopping.is_set():
            snap = session.snapshot()
            yield ServerSentEvent(raw_data=json.dumps({"error": snap.error, "epoch": snap.epoch,
                                                       "stopped": stopped or "the lab is shutting down"}),
                                  event="end")
            return
        if await request.is_disconnected():
            return
        await anyio.sleep(max(0.0, 1.0 / fps - (time.perf_counter() - start)))


@router.post("/playground/{sid}/save", response_model=SavedOut, status_code=201)
async def save(session: SessionDep, store: StoreDep, request: Request) -> SavedOut:
    """Record the session as a one-off run (spec = config + epoch + hand-set weights) in the store."""
    async with trainers(request.app).hold(request, session):  # no training moves it while it is recorded
        record = await anyio.to_thread.run_sync(session.run_record)
    run_id = await anyio.to_thread.run_sync(functools.partial(store.record, **record))
    return SavedOut(run_id=run_id, url=f"/runs/{run_id}")


@router.post("/playground/{sid}/predict", response_model=PredictOut)
async def predict(session: SessionDep, body: PredictIn) -> PredictOut:
    """The session's predictions for raw inputs (what "Submit" sends to the scoreboard)."""
    if session.error is not None:
        raise HTTPException(409, f"this session diverged ({session.error}); reset it or change eta, then predict")
    n_inputs = session.task.n_features
    bad = next((i for i, row in enumerate(body.X) if len(row) != n_inputs), None)
    if bad is not None:
        raise HTTPException(400, f"X must be rows of {n_inputs} number(s), one per input; row {bad} has "
                                 f"{len(body.X[bad])}")
    X = np.asarray(body.X, dtype=float)
    y = await anyio.to_thread.run_sync(session.predict, X)
    return PredictOut(y=[float(v) for v in y])


@router.post("/datasets", response_model=DatasetOut, status_code=201)
async def upload_csv(body: CsvIn, lab: LabDep) -> DatasetOut:
    """Upload a CSV (text) with a target column; use the returned task name in a playground config."""
    key = await anyio.to_thread.run_sync(lab.datasets.add, body.text, body.target)
    return DatasetOut(task=f"csv:{key}")


# -- the single neuron ----------------------------------------------------------------------------------


def _neuron_out(nid: str, stepper: NeuronStepper) -> NeuronOut:
    return NeuronOut(id=nid, config=stepper.config.model_dump(mode="json"), info=stepper.info(),
                     state=stepper.state())


@router.post("/neuron", response_model=NeuronOut, status_code=201, tags=["neuron"])
async def create_neuron(body: NeuronIn, lab: LabDep) -> NeuronOut:
    """Start a single-neuron step-through on a binary or regression task."""

    def build() -> NeuronOut:
        stepper = NeuronStepper(body.config, csv_loader=lab.datasets.load)
        return _neuron_out(lab.neurons.add(stepper), stepper)

    return await anyio.to_thread.run_sync(build)


@router.post("/neuron/{nid}/step", tags=["neuron"])
async def neuron_step(stepper: StepperDep) -> dict[str, Any]:
    """One update Δw = −η Σ g − η α w, with a, y, e, δ, g of the first samples and the sums."""
    return await anyio.to_thread.run_sync(stepper.step)


@router.post("/neuron/{nid}/reset", response_model=NeuronOut, tags=["neuron"])
async def neuron_reset(nid: str, stepper: StepperDep, lab: LabDep) -> NeuronOut:
    """Back to the seed's initial weights (the same session id)."""

    def build() -> NeuronOut:
        fresh = NeuronStepper(stepper.config, csv_loader=lab.datasets.load)
        with stepper.lock:
            stepper.neuron, stepper.steps = fresh.neuron, 0
        return _neuron_out(nid, stepper)

    if lab.neurons.get(nid) is None:
        raise HTTPException(404, f"no neuron session {nid!r}")
    return await anyio.to_thread.run_sync(build)
