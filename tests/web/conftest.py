"""Shared by the web tests: the app on a fresh SQLite or PostgreSQL store (``db_url``, ``client``); for the
browser tests, the lab on a free 127.0.0.1 port with a fresh store, and Debian's chromium.

Never a browser download: chromium is the system's (/usr/bin/chromium), driven by Playwright.
Screenshots go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsing import new_page
from fastapi.testclient import TestClient
from lab_process import serving

from neuronlab.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The lab served by uvicorn in a thread, on its own SQLite store: (its URL, the store's path)."""
    from neuronlab.web import create_app

    db = tmp_path_factory.mktemp("lab") / "lab.db"
    with serving(create_app(db)) as url:
        yield url, str(db)


@pytest.fixture(scope="module")
def lab_url(lab_server: tuple[str, str]) -> str:
    return lab_server[0]


@pytest.fixture(scope="module")
def lab_db(lab_server: tuple[str, str]) -> str:
    """The running lab's store, for tests that set up a class beside the page (through the library)."""
    return lab_server[1]


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing (/usr/bin/chromium); run ./test.sh or scripts/apt-deps.sh",
                    pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page (own context, so own localStorage); any uncaught page error fails the test."""
    context, pg, errors = new_page(browser, {"width": 1300, "height": 950})
    yield pg
    context.close()
    assert not errors, errors


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store's URL, once on SQLite and once on a real PostgreSQL."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_db_url"))
    return f"sqlite:///{tmp_path / 'lab.db'}"


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    """The whole app on that store, through its lifespan."""
    app = create_app(db_url)
    with TestClient(app) as c:
        yield c
    app.state.store.close()
