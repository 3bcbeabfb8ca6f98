"""The scoreboard's dependencies: the app's Classroom, the bearer token, and the typed path and query
parameters (``RoomDep``, ``TokenDep``, ``ClassId``, ``TaskId``, ``Format``) its routes and the class feed's
declare, as the FastAPI template's ``deps.py`` does."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from neuronlab.classroom import Classroom

_bearer = HTTPBearer(auto_error=False, description="The instructor token or a student's token.")


def get_classroom(request: Request) -> Classroom:
    """The app's Classroom, opened once on the store's URL (``app.state.db_url``, set by create_app)."""
    state = request.app.state
    room = getattr(state, "classroom", None)
    if room is None:
        room = state.classroom = Classroom(state.db_url)
    assert isinstance(room, Classroom)
    return room


async def get_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str | None:
    """The bearer token, if any (async: a plain ``def`` would cost a thread hand-off per request)."""
    return None if credentials is None else credentials.credentials


async def open_classroom(request: Request) -> Classroom:
    """The dependency behind ``RoomDep``: the open Classroom straight from the event loop (a plain ``def``
    would be a thread hand-off each way on every request, which under a class playing on the same server
    waits behind every queued frame); only the first call, which opens it and checks the schema, goes to a
    thread."""
    room = getattr(request.app.state, "classroom", None)
    if isinstance(room, Classroom):
        return room
    return await run_in_threadpool(get_classroom, request)


RoomDep = Annotated[Classroom, Depends(open_classroom)]
TokenDep = Annotated[str | None, Depends(get_token)]
ClassId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The class id.")]
TaskId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The task id.")]
Format = Annotated[Literal["json", "csv"], Query(description="json, or csv to download")]
