"""Two small ASGI wrappers around the lab: which worker answered, and quiet when a client has left.

``WorkerHeader`` puts the worker process's id on every response (``X-Neuronlab-Worker``): with
``--workers N`` it tells an instructor, a load test or a test which process served a request.

``ClientGone`` keeps a closed streaming tab out of the error log.  When a client goes away while a
Server-Sent-Events frame is waiting to be written, FastAPI closes the stream's consumer end before it
cancels its keep-alive task, which may then fail with ``anyio.BrokenResourceError`` (fastapi discussion
#15725); uvicorn logged that as "Exception in ASGI application" with a traceback.  Nobody is left to
answer, so once the client has disconnected those two errors are the expected end of the request.
"""

from __future__ import annotations

import os

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class WorkerHeader:
    """Add ``X-Neuronlab-Worker: <pid>`` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        pid = str(os.getpid()).encode()

        async def send_with_pid(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), (b"x-neuronlab-worker", pid)]}
            await send(message)

        await self.app(scope, receive, send_with_pid)


class ClientGone:
    """Swallow ``BrokenResourceError``/``ClosedResourceError`` of a request whose client disconnected."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        gone = False

        async def watched() -> Message:
            nonlocal gone
            message = await receive()
            gone = gone or message["type"] == "http.disconnect"
            return message

        try:
            await self.app(scope, watched, send)
        except* (anyio.BrokenResourceError, anyio.ClosedResourceError):
            if not gone:
                raise
