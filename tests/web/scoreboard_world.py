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
