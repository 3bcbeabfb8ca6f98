"""The playground's API: start a session, step, reset, set a weight, stream frames, save as run.

Training is CPU work, so every call into a session runs in a worker thread (``anyio.to_thread``):
the event loop keeps serving the other students' streams meanwhile.  A stream (Server-Sent Events)
trains ``epochs_per_frame`` epochs, sends one frame, and waits so it sends at most ``fps`` frames a
second; the page pauses by closing it.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
import numpy as np
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from neuronlab.playground import NeuronStepper, Session, WeightEdit
from neuronlab.playground.session import MAX_EPOCHS
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

router = APIRouter(prefix="/api", tags=["playground"])
STREAM_THREADS = 2


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
    return SessionOut(id=sid, config=session.config.model_dump(mode="json"), info=session.info(),
                      state=session.state(), frame=session.frame())


def _frame_out(session: Session) -> FrameOut:
    frame = session.frame()
    return FrameOut(state=session.state(), frame=frame)


@router.post("/playground", response_model=SessionOut, status_code=201)
async def create_session(body: PlaygroundIn, lab: LabDep) -> SessionOut:
    """Start a session from a config, replayed to ``epoch`` with the hand-set ``edits`` (the URL's state)."""

    def build() -> tuple[str, Session]:
        session = Session(body.config, csv_loader=lab.datasets.load)
        if body.epoch or body.edits:
            session.replay(body.epoch, [WeightEdit(**e.model_dump()) for e in body.edits])
        return lab.sessions.add(session), session

    sid, session = await anyio.to_thread.run_sync(build)
    return await anyio.to_thread.run_sync(_session_out, sid, session)


@router.get("/playground/{sid}", response_model=SessionOut)
async def get_session(sid: str, session: SessionDep) -> SessionOut:
    return await anyio.to_thread.run_sync(_session_out, sid, session)


@router.delete("/playground/{sid}", status_code=204)
def delete_session(sid: str, lab: LabDep) -> None:
    lab.sessions.pop(sid)


@router.post("/playground/{sid}/step", response_model=FrameOut)
async def step(session: SessionDep, body: StepIn | None = None) -> FrameOut:
    """Train ``epochs`` more epochs (default one) and return the new frame."""
    epochs = (body or StepIn()).epochs

    def work() -> FrameOut:
        session.train(epochs)
        return _frame_out(session)

    return await anyio.to_thread.run_sync(work)


@router.post("/playground/{sid}/reset", response_model=FrameOut)
async def reset(session: SessionDep) -> FrameOut:
    """Back to epoch 0 with the same initial weights."""

    def work() -> FrameOut:
        session.reset()
        return _frame_out(session)

    return await anyio.to_thread.run_sync(work)


@router.post("/playground/{sid}/weights", response_model=FrameOut)
async def set_weight(session: SessionDep, body: WeightIn) -> FrameOut:
    """Set one weight or bias by hand (remembered in the state, so the URL reproduces it)."""

    def work() -> FrameOut:
        session.set_weight(body.layer, body.row, body.col, body.value)
        return _frame_out(session)

    return await anyio.to_thread.run_sync(work)


def _stream_limiter(request: Request) -> anyio.CapacityLimiter:
    """Streams train in at most two threads at once: training holds the GIL, so more threads add no
    frames, and the default thread pool stays free for clicks (Step, Reset, set a weight)."""
    limiter: anyio.CapacityLimiter | None = getattr(request.app.state, "stream_limiter", None)
    if limiter is None:
        limiter = request.app.state.stream_limiter = anyio.CapacityLimiter(STREAM_THREADS)
    return limiter


@router.get("/playground/{sid}/stream", response_class=EventSourceResponse)
async def stream(
    request: Request,
    session: SessionDep,
    epochs_per_frame: Annotated[int, Query(ge=1, le=100)] = 1,
    fps: Annotated[float, Query(gt=0, le=60)] = 20,
    max_frames: Annotated[int, Query(ge=0, le=100_000, description="0: until the page closes the stream")] = 0,
) -> AsyncIterator[ServerSentEvent]:
    """Frames while training (Server-Sent Events, ``event: frame``); ends at an error or MAX_EPOCHS."""

    def work() -> str:
        session.train(epochs_per_frame)
        with session.lock:  # frame and state of the same epoch
            return json.dumps({"state": session.state(curve=False), "frame": session.frame()})

    limiter = _stream_limiter(request)
    sent = 0
    while max_frames == 0 or sent < max_frames:
        start = time.perf_counter()
        data = await anyio.to_thread.run_sync(work, limiter=limiter)
        sent += 1
        yield ServerSentEvent(raw_data=data, event="frame", id=str(sent))
        if session.error is not None or session.epoch >= MAX_EPOCHS:
            yield ServerSentEvent(raw_data=json.dumps({"error": session.error, "epoch": session.epoch}), event="end")
            return
        if await request.is_disconnected():
            return
        await anyio.sleep(max(0.0, 1.0 / fps - (time.perf_counter() - start)))


@router.post("/playground/{sid}/save", response_model=SavedOut, status_code=201)
async def save(session: SessionDep, store: StoreDep) -> SavedOut:
    """Record the session as a one-off run (spec = config + epoch + hand-set weights) in the store."""
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
