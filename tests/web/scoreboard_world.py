"""Shared by the scoreboard's web tests: an app holding only the scoreboard router."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.testclient import TestClient

from neuronlab.classroom import Classroom
from neuronlab.web.routes import scoreboard


def scoreboard_app(db_url: str) -> FastAPI:
    app = FastAPI()
    app.state.db_url = db_url
    app.state.classroom = Classroom(db_url)  # what get_classroom would open on first use
    app.include_router(scoreboard.router)
    return app


def class_lab_app(db_url: str) -> FastAPI:
    """The scoreboard with the class feed and the open run browser beside it (their store and sessions as
    ``create_app`` sets them), without the playground's training routes."""
    from neuronlab.store import RunStore
    from neuronlab.store.sessions import SessionStates
    from neuronlab.web.deps import LabState
    from neuronlab.web.routes import feed, runs

    app = scoreboard_app(db_url)
    app.state.store = RunStore(db_url)
    app.state.lab = LabState.on(SessionStates(db_url))
    app.include_router(feed.router)
    app.include_router(runs.router)
    return app


@dataclass
class World:
    """A class with one task, two students and the tokens of everyone (made through the library)."""

    client: TestClient
    room: Classroom
    class_id: int
    task_id: int
    instructor: str
    ada: str
    bob: str

    def auth(self, token: str | None) -> dict[str, str]:
        return {} if token is None else {"Authorization": f"Bearer {token}"}
