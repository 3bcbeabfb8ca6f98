"""``neuronlab lab --workers 2`` as a real process, on SQLite and on a real PostgreSQL: a student's
playground, uploaded table, class token and quota hold whichever worker answers each request.

Every request opens a new connection (``httpx.get``/``post`` without a client), so the kernel hands it
to either worker; the ``X-Neuronlab-Worker`` header says which one answered.
"""

from __future__ import annotations

import json
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from lab_process import LabProcess

from neuronlab.classroom import Classroom
from neuronlab.playground import PlaygroundConfig, Session

pytestmark = pytest.mark.slow  # two worker processes of the lab, each importing scikit-learn and SciPy

CONFIG = {"task": "xor", "hidden": [3], "seed": 4}


@pytest.fixture(params=["sqlite", "postgres"])
def lab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[LabProcess, str]]:
    url = (str(request.getfixturevalue("postgres_db_url")) if request.param == "postgres"
           else f"sqlite:///{tmp_path / 'lab.db'}")
    server = LabProcess("--workers", "2", "--db", url)
    try:
        yield server, url
    finally:
        server.stop()


def _pid(response: httpx.Response) -> int:
    return int(response.headers["x-neuronlab-worker"])


def _same_from_both(url: str, pids: set[int]) -> dict[str, Any]:
    """GET the session on new connections until both workers answered; every answer must be equal (but
    the loss chart's points: a rebuilt session samples its curve along the replay, as a URL replay does)."""
    answers: dict[int, dict[str, Any]] = {}
    for _ in range(60):
        got = httpx.get(url, timeout=120)
        assert got.status_code == 200, got.text
        answers[_pid(got)] = got.json()
        if set(answers) == pids:
            break
    assert set(answers) == pids, f"only {set(answers)} answered"
    for answer in answers.values():
        answer["state"].pop("curve", None)
    first, second = answers.values()
    assert first == second
    return first


def _drop_streams(base: str, sid: str) -> None:
    """Close a stream after two frames, and one that was never read (reset), as closing tabs do."""
    for reset in (False, True):
        with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1]))) as s:
            s.sendall(f"GET /api/playground/{sid}/stream?fps=60 HTTP/1.1\r\nHost: {base[7:]}\r\n\r\n".encode())
            got = b""
            while got.count(b"event: frame") < (0 if reset else 2):
                got += s.recv(65536)
            time.sleep(0.3)
            if reset:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_two_workers_share_playground_tables_tokens_and_quota(lab: tuple[LabProcess, str]) -> None:
    server, db_url = lab
    base = server.url
    pids = server.workers(2)
    served: set[int] = set()

    # The Host header is checked by the real server too.
    evil = httpx.get(f"{base}/api/runs", headers={"Host": "evil.example"})
    assert evil.status_code == 400 and "evil.example" in evil.json()["detail"]

    # A class made through the library; the student's token and quota are the store's, not a worker's.
    room = Classroom(db_url)
    cls, instructor = room.create_class(name="NN")
    task = room.add_task(class_id=cls.id, instructor_token=instructor, task="moons", params={"seed": 1},
                         quota_total=3, quota_per_day=None)
    code = room.issue_join_codes(class_id=cls.id, instructor_token=instructor, n=1)[0]
    room.close()
    joined = httpx.post(f"{base}/api/class/join", json={"code": code, "name": "Ada"})
    assert joined.status_code == 201, joined.text
    ada = {"Authorization": f"Bearer {joined.json()['token']}"}
    n_test = len(httpx.get(f"{base}/api/class/tasks/{task.id}/inputs").json()["rows"])
    submitted: list[int] = []

    # A playground session changed on one worker and read from both, checked against the same session
    # trained here in the same chunks (so replay after chunked training gives exactly the same state).
    made = httpx.post(f"{base}/api/playground", json={"config": CONFIG}, timeout=120)
    assert made.status_code == 201, made.text
    sid, session_url = made.json()["id"], f"{base}/api/playground/{made.json()['id']}"
    here = Session(PlaygroundConfig(**CONFIG))
    for i in range(6):
        step = httpx.post(f"{session_url}/step", json={"epochs": 2 + i}, timeout=120)
        assert step.status_code == 200, step.text
        here.train(2 + i)
        served.add(_pid(step))
        if i == 2:
            edit = httpx.post(f"{session_url}/weights", json={"layer": 0, "row": 1, "col": 0, "value": 0.75})
            assert edit.status_code == 200, edit.text
            here.set_weight(0, 1, 0, 0.75)
        both = _same_from_both(session_url, pids)
        assert both["state"]["epoch"] == here.epoch and both["state"]["edits"] == here.state()["edits"]
        assert both["frame"] == json.loads(json.dumps(here.frame()))
        sent = httpx.post(f"{base}/api/class/tasks/{task.id}/submissions", headers=ada,
                          json={"predictions": [i % 2] * n_test})
        submitted.append(sent.status_code)
        served.add(_pid(sent))
    assert served == pids  # both workers changed the session and took submissions
    assert submitted == [201, 201, 201, 429, 429, 429]  # the quota of 3 is exact across the two workers
    mine = httpx.get(f"{base}/api/class/tasks/{task.id}/submissions", headers=ada).json()
    assert sum(s["status"] == "scored" for s in mine) == 3

    # A stream's frames are stored when it ends: both workers continue from its last epoch.
    epoch = here.epoch
    with httpx.stream("GET", f"{session_url}/stream?max_frames=3&fps=60", timeout=120) as r:
        frames = [line for line in r.iter_lines() if line.startswith("event: frame")]
    assert len(frames) == 3
    assert _same_from_both(session_url, pids)["state"]["epoch"] == epoch + 3

    # An uploaded table is the store's: sessions on either worker can use it.
    up = httpx.post(f"{base}/api/datasets", json={"text": "a,b,y\n" + "".join(f"{i},{i % 3},{i % 2}\n"
                                                                              for i in range(40)), "target": "y"})
    assert up.status_code == 201, up.text
    used: set[int] = set()
    for _ in range(40):
        got = httpx.post(f"{base}/api/playground", json={"config": {"task": up.json()["task"], "hidden": [2]}},
                         timeout=120)
        assert got.status_code == 201, got.text
        used.add(_pid(got))
        if used == pids:
            break
    assert used == pids

    # Closing streaming tabs leaves no traceback in the server's log.
    _drop_streams(base, sid)
    assert httpx.get(session_url, timeout=120).status_code == 200
    err = server.stop()
    assert "Traceback" not in err and "BrokenResourceError" not in err, err[-3000:]
