"""How the lab runs playground training: on a small pool, one piece per session, a few per client, stoppable.

Training is CPU work that holds the GIL, so it runs in at most ``Budget.threads`` threads (a
``CapacityLimiter``, first come first served) and the default thread pool stays free for pages and clicks.
Each piece of work gets a :class:`~neuronlab.playground.budget.Work` token that training asks after every
epoch; the token is cancelled when the client disconnects (polled every ``WATCH_EVERY`` s), when the
request's task is cancelled (uvicorn does that to what is still running ``timeout_graceful_shutdown``
seconds after SIGTERM), and for everything at once by :func:`stop_all` (the app's shutdown), so the
threads end within an epoch instead of training on for nobody.

One object per app (``app.state.playground``, made on first use from ``Budget.from_env()``); a test or
``serve`` may set its own first.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio
from fastapi import FastAPI, HTTPException, Request

from neuronlab.playground import Session
from neuronlab.playground.budget import Budget, Work

T = TypeVar("T")
INLINE_SECONDS = 0.004  # work estimated under this runs on the event loop itself (see Trainers.run)
WATCH_EVERY = 0.1  # seconds between checks that the client is still there
CLAIM_WAIT = 2.0  # a request for a busy session waits this long (a tab's last frame finishing) before 409
BUSY = ("this session is busy with another request (a step, or another tab playing it); wait for it to "
        "finish or pause the other tab, then try again")


class Trainers:
    """This server process's playground work: the budget, the pool, who trains what, and the stop for all."""

    def __init__(self, budget: Budget | None = None, *, claim_wait: float = CLAIM_WAIT) -> None:
        self.budget = budget if budget is not None else Budget.from_env()
        self.claim_wait = claim_wait
        self.stopping = threading.Event()  # set at shutdown: every Work made here sees it
        self.active: Counter[str] = Counter()  # client address → pieces of work it has running
        self._limiter: anyio.CapacityLimiter | None = None

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        if self._limiter is None:  # made inside the event loop (anyio needs one)
            self._limiter = anyio.CapacityLimiter(self.budget.threads)
        return self._limiter

    @asynccontextmanager
    async def hold(self, request: Request, session: Session | None) -> AsyncIterator[None]:
        """Hold a slot of the client's and the session for one piece of work (a step, a stream, a replay).

        503 while shutting down, 429 when the client already runs ``sessions_per_client`` pieces, 409
        when the session stays busy for ``claim_wait`` seconds (a tab that just paused may still be
        finishing its last frame, so a short wait answers it instead of refusing).
        """
        if self.stopping.is_set():
            raise HTTPException(503, "the lab is shutting down; try again when it is back")
        client = request.client.host if request.client else "unknown"
        limit = self.budget.sessions_per_client
        if self.active[client] >= limit:
            raise HTTPException(429, f"your address already has {limit} sessions training at once, the most one "
                                     "address may (NEURONLAB_PLAYGROUND_SESSIONS_PER_CLIENT sets it); pause one "
                                     "and try again")
        self.active[client] += 1
        try:
            if session is not None:
                await _claim(session, self.claim_wait)
            try:
                yield
            finally:
                if session is not None:
                    session.release()
        finally:
            self.active[client] -= 1
            if not self.active[client]:
                del self.active[client]

    async def run(self, request: Request, fn: Callable[[Work], T], *, estimate: float | None = None) -> T:
        """``fn(work)`` in a training thread; ``work`` is cancelled if the client leaves or this task is
        cancelled, and ``fn`` is expected to stop soon after (training asks after every epoch).

        Work whose ``estimate`` (the budget's, in seconds, which errs high) is at most ``INLINE_SECONDS`` —
        a frame of a small network, what thirty playing students ask for all the time — runs on the event
        loop instead: it holds the GIL either way, and the hand-off to a thread and back plus the watcher
        cost about as much server CPU as the frame itself.  Nothing that short needs watching for a
        client that left."""
        work = Work(self.budget.wall_seconds, self.stopping)
        if estimate is not None and estimate <= INLINE_SECONDS:
            return fn(work)
        error: Exception | None = None
        async with anyio.create_task_group() as tg:
            tg.start_soon(_watch, request, work)
            try:
                # not abandoned on cancel: the thread ends within an epoch once the watcher cancels its work
                result = await anyio.to_thread.run_sync(fn, work, limiter=self.limiter)
            except Exception as exc:  # the work's own error, raised as itself (not in an ExceptionGroup)
                error = exc
            finally:
                tg.cancel_scope.cancel()
        if error is not None:
            raise error
        return result


async def _claim(session: Session, wait: float) -> None:
    with anyio.move_on_after(wait) as waited:
        while not session.try_claim():
            await anyio.sleep(0.02)
    if waited.cancelled_caught:
        raise HTTPException(409, BUSY)


async def _watch(request: Request, work: Work) -> None:
    try:
        while not await request.is_disconnected():
            await anyio.sleep(WATCH_EVERY)
        work.cancel("the client went away")
    finally:  # also when cancelled: by run() once the work is done, or with the request's task
        work.cancel("the request was cancelled")


def trainers(app: Any) -> Trainers:
    """The app's :class:`Trainers` (made on first use)."""
    found: Trainers | None = getattr(app.state, "playground", None)
    if found is None:
        found = app.state.playground = Trainers()
    return found


def stop_all(app: FastAPI) -> None:
    """Stop every piece of playground work of this app now and refuse new work (503): call at shutdown.

    Training threads end within an epoch; streams end with an ``end`` event.
    """
    trainers(app).stopping.set()
