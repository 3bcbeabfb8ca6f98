"""The playground's compute budget, attacked over real HTTP on a real uvicorn on 127.0.0.1.

Each test is one way a student (or a script) could stall the lab: the issue's 1.8 M-step request, a
request abandoned halfway, two requests on one session, many sessions from one address, SIGTERM while
the heaviest allowed work runs, and a tab that draws slower than the server trains.  The deadlines
below are generous bounds on "stops promptly", not timings.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from lab_process import free_port, serving

from neuronlab.playground import PlaygroundConfig, Session
from neuronlab.playground.budget import Budget
from neuronlab.web import create_app
from neuronlab.web.training import Trainers, stop_all

BUDGET = Budget(sessions_per_client=2)  # the defaults, but two sessions per address: a small class behind NAT
ISSUE = {"n_samples": 2000, "train_ratio": 0.5, "batch_size": 1, "hidden": [64] * 6}  # 1,000 steps an epoch
SLOW = {"batch_size": 1}  # moons, 200 training rows: 200 optimiser steps an epoch, ~0.1 s


def most_epochs(config: dict[str, Any], cap: float = BUDGET.request_seconds) -> int:
    """The most epochs a step (or, with ``cap`` the frame's, a frame) may train on this config: the
    heaviest allowed work."""
    shape = Session(PlaygroundConfig.model_validate(config)).shape()
    return int((cap - shape.frame_seconds()) / shape.epoch_seconds())


def running(app: FastAPI) -> AbstractContextManager[str]:
    """``app`` served by a real uvicorn in a thread, with the lab's 3 s graceful shutdown."""
    return serving(app, timeout_graceful_shutdown=3)


def lab_app(tmp_path: Path, budget: Budget = BUDGET) -> FastAPI:
    app = create_app(tmp_path / "lab.db")
    app.state.playground = Trainers(budget, claim_wait=0.5)
    return app


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running(lab_app(tmp_path_factory.mktemp("limits"))) as url:
        yield url


def start(client: httpx.Client, config: dict[str, Any]) -> str:
    r = client.post("/api/playground", json={"config": config})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def epoch_of(client: httpx.Client, sid: str) -> int:
    r = client.get(f"/api/playground/{sid}", timeout=5)  # a GET must answer while the session trains
    assert r.status_code == 200, r.text
    return int(r.json()["state"]["epoch"])


def wait_for(condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def in_background(url: str, method: str, path: str, *, timeout: float = 60, **kw: Any) -> dict[str, Any]:
    """Send one request from a thread; the returned dict gets ``response`` or ``error`` when it ends."""
    out: dict[str, Any] = {}

    def send() -> None:
        try:
            with httpx.Client(base_url=url, timeout=timeout) as c:
                out["response"] = c.request(method, path, **kw)
        except httpx.HTTPError as exc:
            out["error"] = exc

    out["thread"] = threading.Thread(target=send, daemon=True)
    out["thread"].start()
    return out


def test_the_issues_request_is_refused_before_any_work(lab: str) -> None:
    with httpx.Client(base_url=lab, timeout=10) as c:
        sid = start(c, ISSUE)
        r = c.post(f"/api/playground/{sid}/step", json={"epochs": 1000})
        assert r.status_code == 400, r.text
        detail = r.json()["detail"]
        assert "1,000,000 optimiser steps" in detail and "5 s one request may take" in detail
        assert "ask for fewer epochs (at most" in detail and "\n" not in detail
        r = c.get(f"/api/playground/{sid}/stream?epochs_per_frame=100")
        assert r.status_code == 400 and "one frame may take; ask for fewer epochs per frame" in r.json()["detail"]
        r = c.post("/api/playground", json={"config": ISSUE, "epoch": 1000})  # a URL replay: the same budget
        assert r.status_code == 400 and "save the session as a run" in r.json()["detail"]
        assert epoch_of(c, sid) == 0  # nothing was trained


def test_an_abandoned_step_stops_and_frees_the_session(lab: str) -> None:
    epochs = most_epochs(SLOW)  # just under the budget: seconds of work
    with httpx.Client(base_url=lab, timeout=30) as c:
        sid = start(c, SLOW)
        with pytest.raises(httpx.ReadTimeout):  # the client gives up (and closes its connection) after 1 s
            c.post(f"/api/playground/{sid}/step", json={"epochs": epochs}, timeout=1.0)
        seen: list[int] = []

        def settled() -> bool:  # the same epoch twice, 1 s apart: nothing trains it any more
            seen.append(epoch_of(c, sid))
            time.sleep(1.0)
            return len(seen) > 1 and seen[-1] == seen[-2]

        wait_for(settled, 15)
        assert 0 < seen[-1] < epochs, seen
        r = c.post(f"/api/playground/{sid}/step", json={"epochs": 1})
        assert r.status_code == 200 and r.json()["frame"]["epoch"] == seen[-1] + 1


def test_one_piece_of_work_per_session_and_get_answers_meanwhile(lab: str) -> None:
    epochs = most_epochs(SLOW)
    with httpx.Client(base_url=lab, timeout=30) as c:
        sid = start(c, SLOW)
        first = in_background(lab, "POST", f"/api/playground/{sid}/step", json={"epochs": epochs})
        wait_for(lambda: epoch_of(c, sid) > 0)  # answered while training, and showing its progress
        for method, path, body in [("POST", f"/api/playground/{sid}/step", {"epochs": 1}),
                                   ("GET", f"/api/playground/{sid}/stream?max_frames=1", None),
                                   ("POST", f"/api/playground/{sid}/weights", {"layer": 0, "row": 0, "value": 1.0})]:
            r = c.request(method, path, json=body)
            assert r.status_code == 409 and "busy" in r.json()["detail"], (path, r.text)
        first["thread"].join(timeout=60)
        assert first["response"].status_code == 200, first
        assert first["response"].json()["frame"]["epoch"] == epochs  # the first one was not disturbed


def test_a_client_cannot_train_more_sessions_at_once_than_its_cap(lab: str) -> None:
    epochs = most_epochs(SLOW)
    with httpx.Client(base_url=lab, timeout=30) as c:
        busy, other = [start(c, SLOW) for _ in range(BUDGET.sessions_per_client)], start(c, SLOW)
        running_steps = [in_background(lab, "POST", f"/api/playground/{sid}/step", timeout=4,
                                       json={"epochs": epochs}) for sid in busy]
        wait_for(lambda: all(epoch_of(c, sid) > 0 for sid in busy))
        r = c.post(f"/api/playground/{other}/step", json={"epochs": 1})
        assert r.status_code == 429, r.text
        assert "2 sessions training at once" in r.json()["detail"] and "pause one" in r.json()["detail"]
        assert epoch_of(c, other) == 0  # reading is not limited
        for step in running_steps:  # they give up after 4 s; the lab stops them and the address is free again
            step["thread"].join(timeout=30)
        wait_for(lambda: c.post(f"/api/playground/{other}/step", json={"epochs": 1}).status_code == 200, 30)


def test_shutdown_stops_running_work_and_refuses_new(tmp_path: Path) -> None:
    app = lab_app(tmp_path)
    with running(app) as url, httpx.Client(base_url=url, timeout=30) as c:
        sid = start(c, SLOW)
        step = in_background(url, "POST", f"/api/playground/{sid}/step", json={"epochs": most_epochs(SLOW)})
        wait_for(lambda: epoch_of(c, sid) > 0)
        stop_all(app)  # what the lab's shutdown calls
        step["thread"].join(timeout=10)
        assert not step["thread"].is_alive()
        out = step["response"].json()
        assert "the lab is shutting down" in out["stopped"] and out["frame"]["epoch"] < most_epochs(SLOW)
        r = c.post(f"/api/playground/{sid}/step", json={"epochs": 1})
        assert r.status_code == 503 and "shutting down" in r.json()["detail"]


@pytest.mark.slow
def test_sigterm_stops_a_lab_busy_with_the_heaviest_allowed_work(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    neuronlab = Path(sys.executable).parent / "neuronlab"  # the CLI entry point, as a class runs it
    lab = subprocess.Popen([str(neuronlab), "lab", "--port", str(port), "--db", str(tmp_path / "lab.db")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"})
    try:
        with httpx.Client(base_url=url, timeout=10) as c:
            wait_for(lambda: lab.poll() is None and _answers(c), 60)
            heavy, streamed = start(c, ISSUE), start(c, SLOW)
            step = in_background(url, "POST", f"/api/playground/{heavy}/step", json={"epochs": most_epochs(ISSUE)})
            per_frame = most_epochs(SLOW, Budget().frame_seconds)
            stream = in_background(url, "GET", f"/api/playground/{streamed}/stream?epochs_per_frame={per_frame}")
            wait_for(lambda: epoch_of(c, heavy) > 0 and epoch_of(c, streamed) > 0, 60)
        lab.send_signal(signal.SIGTERM)
        lab.wait(timeout=15)  # a few seconds: uvicorn's grace period, then every training thread stops
        assert lab.returncode in (0, -signal.SIGTERM), lab.stderr.read() if lab.stderr else ""
        for request in (step, stream):
            request["thread"].join(timeout=10)
    finally:
        if lab.poll() is None:
            lab.kill()
            lab.wait()


def _answers(c: httpx.Client) -> bool:
    try:
        return c.get("/api/tasks").status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.slow
def test_a_slow_tab_never_falls_behind_the_server(page: Any, lab_url: str) -> None:
    """The page draws each frame in ≥ 0.4 s (a slow laptop); the server must not train ahead of it."""
    page.add_init_script("""
        const draw = CanvasRenderingContext2D.prototype.drawImage;
        CanvasRenderingContext2D.prototype.drawImage = function (...args) {
          if (this.canvas.id === "boundary") { const t = performance.now(); while (performance.now() - t < 400); }
          return draw.apply(this, args);
        };""")
    page.goto(f"{lab_url}/playground?epf=1")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    sid = page.evaluate("lab.session")
    page.click("#play")
    with httpx.Client(base_url=lab_url, timeout=10) as c:
        behind = []
        for _ in range(8):
            time.sleep(0.5)
            trained = epoch_of(c, sid)  # first: the page can only have drawn more since
            # a tab buried in frames it has not drawn cannot even answer this: a failure, not a hang
            drawn = page.wait_for_function("lab.frame.epoch + 1", timeout=10_000).json_value() - 1
            behind.append(trained - drawn)
    page.click("#play")
    assert max(behind) <= 1, behind  # at most the one frame asked for and not yet drawn
    assert page.evaluate("lab.frame.epoch") >= 3  # and it did play
