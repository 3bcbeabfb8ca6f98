"""The lab's FastAPI app: ``create_app(db_url)`` wires the store, the sessions, pages and API together.

Several processes may serve one store (``neuronlab lab --workers N``, :mod:`neuronlab.web.server`): the
sessions live in the store, each process keeps copies (:mod:`neuronlab.web.shared`).  With
``allowed_hosts`` the app answers only requests naming the address served (:mod:`neuronlab.web.hosts`);
``serve`` always passes them, an in-process app (tests, notebooks) may leave them out.

Errors a user can act on never become a 500: a :class:`~neuronlab.errors.NeuronlabError` from the
library is a 400 with its one-line message, a malformed request a 422 whose ``detail`` is one line
naming the field, an oversized body a 413.  Every error body is JSON ``{"detail": "..."}``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from neuronlab.errors import NeuronlabError
from neuronlab.store import RunStore
from neuronlab.store.sessions import SessionStates
from neuronlab.web.deps import LabState
from neuronlab.web.hosts import HostCheck
from neuronlab.web.middleware import ClientGone, WorkerHeader
from neuronlab.web.routes import (
    neuron_bayes,
    pages,
    playground,
    playground_export,
    playground_presets,
    playground_thumbs,
    runs,
)

HERE = Path(__file__).parent
MAX_BODY_BYTES = 2_000_000  # a 1 MB CSV as JSON text, with room for escapes


def _one_line(exc: RequestValidationError) -> str:
    """``body.config.eta: Input should be greater than 0`` — the first problem, with where it is."""
    errors = exc.errors()
    if not errors:
        return "the request is not valid"
    first = errors[0]
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "request"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first.get('msg', 'is not valid')}{more}"


class BodyLimit:
    """413 with a JSON ``{"detail": ...}`` for a request body over ``limit`` bytes.

    A declared Content-Length is refused before reading; a chunked body is counted as it is read and
    refused when it passes the limit.  (Starlette's own limit, ``FastAPI(max_body_size=...)``, answers in
    plain text; clients of a JSON API should get JSON like every other error.)
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = dict(scope.get("headers", ())).get(b"content-length", b"")
            if declared.isdigit() and int(declared) > self.limit:
                response = JSONResponse({"detail": f"the request body is {int(declared)} bytes; "
                                                   f"send at most {self.limit}"}, status_code=413)
                await response(scope, receive, send)
                return
            seen = 0

            async def counted() -> Message:
                nonlocal seen
                message = await receive()
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise StarletteHTTPException(413, f"the request body is over {self.limit} bytes; send less")
                return message

            await self.app(scope, counted, send)
            return
        await self.app(scope, receive, send)


def create_app(db_url: str | os.PathLike[str] | None = None, *, store: RunStore | None = None,
               allowed_hosts: Sequence[str] | None = None, exclusive: bool = False) -> FastAPI:
    """The lab on the store at ``db_url`` (see :func:`neuronlab.store.resolve_url`), or on ``store``;
    with ``allowed_hosts`` (see :func:`neuronlab.web.hosts.allowed_hosts`) only those Host values.
    ``exclusive``: this process alone serves its sessions (one worker), so it trusts its own copies
    instead of reading their versions from the store on every request."""
    # No /docs or /redoc: they load Swagger/ReDoc from a CDN, and the lab must work offline (the spec is
    # at /openapi.json).
    app = FastAPI(title="neuronlab lab", version="1", docs_url=None, redoc_url=None,
                  description="Playground, single-neuron step-through, run browser and class scoreboard.")
    app.state.store = store if store is not None else RunStore(db_url)
    app.state.db_url = app.state.store.url
    app.state.states = SessionStates(app.state.db_url)  # the sessions every worker process shares
    app.state.lab = LabState.on(app.state.states, exclusive=exclusive)
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.state.scoreboard = False  # the scoreboard's entry page (a path), when its router is installed

    @app.exception_handler(NeuronlabError)
    async def _user_error(request: Request, exc: NeuronlabError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors: list[dict[str, Any]] = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return JSONResponse({"detail": _one_line(exc), "errors": errors}, status_code=422)

    @app.get("/api/health", tags=["lab"])
    def health() -> dict[str, Any]:
        """Is this worker process up (and which one is it)."""
        return {"status": "ok", "pid": os.getpid()}

    app.include_router(runs.router)
    app.include_router(playground_presets.router)  # before playground's /api/playground/{sid}: presets per task
    app.include_router(playground.router)
    app.include_router(playground_export.router)  # the trained network as a Python script or JSON
    app.include_router(playground_thumbs.router)  # the data picker's thumbnails
    app.include_router(neuron_bayes.router)
    # The scoreboard is an optional part: the lab works without it.  A scoreboard that is there but
    # fails to import is a bug to see, not to hide, so only its absence is checked.
    if importlib.util.find_spec("neuronlab.web.routes.scoreboard") is not None:
        scoreboard = importlib.import_module("neuronlab.web.routes.scoreboard")
        app.include_router(scoreboard.router)
        app.include_router(importlib.import_module("neuronlab.web.routes.feed").router)  # the class feed
        paths = {getattr(route, "path", "") for route in scoreboard.router.routes}
        app.state.scoreboard = next((p for p in ("/scoreboard", "/class/join") if p in paths), False)
    app.include_router(pages.router)
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    app.add_middleware(ClientGone)
    app.add_middleware(WorkerHeader)
    if allowed_hosts is not None:
        app.add_middleware(HostCheck, allowed=allowed_hosts)  # added last: the outermost, checked first

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app
