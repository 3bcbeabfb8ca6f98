"""The scoreboard's route class: per-route body limits, read before parsing, and the classroom's errors
mapped to their HTTP codes (401 no or unknown token, 403 not yours, 404 no such thing, 409 closed, 413 too
large, 429 over quota, 503 the store is down, 400 anything else the user can fix).

One class for every scoreboard and class-feed route, so no handler maps an error by hand and no body is
read past its limit."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from neuronlab.classroom import AuthError, ClosedError, ForbiddenError, NotFoundError, QuotaError
from neuronlab.errors import NeuronlabError
from neuronlab.store import StoreError

SMALL_BODY = 16_000  # names, codes, settings
LARGE_BODY = 2_000_000  # a CSV of predictions or of a new task
_LARGE_PATHS = ("/tasks", "/submissions")  # POST a new task (maybe a CSV) or predictions; the rest are small
_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (AuthError, 401), (ForbiddenError, 403), (NotFoundError, 404), (ClosedError, 409), (QuotaError, 429),
    (StoreError, 503), (NeuronlabError, 400))


class ClassroomRoute(APIRoute):
    """Per-route body limits (read before parsing) and the classroom's errors as their HTTP codes."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        limit = LARGE_BODY if self.path.endswith(_LARGE_PATHS) else SMALL_BODY

        async def limited(request: Request) -> Response:
            if request.method in ("POST", "PUT", "PATCH"):
                declared = request.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    return _too_large(limit)
                body = bytearray()
                async for chunk in request.stream():
                    body += chunk
                    if len(body) > limit:
                        return _too_large(limit)
                request._body = bytes(body)  # FastAPI reads the body from here (its documented route-class recipe)
            try:
                return await handler(request)
            except NeuronlabError as exc:
                status = next(code for kind, code in _STATUS if isinstance(exc, kind))
                headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
                return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)

        return limited


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse({"detail": f"the request body is over {limit} bytes; send less"}, status_code=413)
