"""Nothing secret leaves the scoreboard: every endpoint and page, crawled as anonymous and as a student.

The withheld test labels (in every plain encoding, and their usual digests), the public/private split,
and other people's tokens must appear in no response; a student can neither read another's submissions
nor act as the instructor; schemathesis, driving the OpenAPI spec, finds no server error.  The class
feed and the open run browser are crawled too: a classmate's run saved with test predictions equal to
the labels serves them nowhere, and a student of another class sees nothing of this class's feed.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import schemathesis
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from scoreboard_world import class_lab_app
from sqlalchemy import text

from neuronlab.classroom import ClassFeed, Classroom
from neuronlab.errors import DataError
from neuronlab.store import hash_spec
from neuronlab.store.engine import make_engine
from neuronlab.tasks import load_task
from neuronlab.web.routes import feed, runs, scoreboard


@dataclass
class Secrets:
    client: TestClient
    class_id: int
    task_ids: list[int]
    instructor: str
    ada: str
    bob: str
    labels: dict[int, np.ndarray]  # task id → withheld labels
    public_rows: dict[int, list[int]]
    run_ids: list[int]  # runs saved in the class (Ada's, and Bob's carrying the labels as predictions)
    eve: str  # a student of another class
    notes: list[str]  # the class runs' notes: nothing for a stranger to read


def _saved_run(i: int, artifacts: dict[str, bytes]) -> dict[str, Any]:
    spec = {"playground": {"task": "moons", "seed": i}, "epoch": 10, "edits": []}
    return dict(spec=spec, spec_hash=hash_spec(spec), seed=i, experiment="playground", task="moons", model="mlp",
                params={}, status="done", metrics={"test": {"accuracy": 0.9}, "ceiling": 0.97}, artifacts=artifacts)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secrets]:
    url = f"sqlite:///{tmp_path_factory.mktemp('security') / 'lab.db'}"
    app = class_lab_app(url)
    room: Classroom = app.state.classroom
    cls, instructor = room.create_class(name="secure class")
    sin = room.add_task(class_id=cls.id, instructor_token=instructor, task="sin", params={"seed": 11})
    moons = room.add_task(class_id=cls.id, instructor_token=instructor, task="moons", params={"seed": 12})
    ada, bob = (room.join(code=code, name=name)[1] for code, name in
                zip(room.issue_join_codes(class_id=cls.id, instructor_token=instructor, n=2), ("Ada", "Bob"),
                    strict=True))
    labels = {task.id: load_task(task.source["task"], seed=seed, **task.source["params"]).y_test
              for task, seed in ((sin, 11), (moons, 12))}  # rebuilt as the instructor can: the seed is theirs
    rng = np.random.default_rng(0)
    for token in (ada, bob):
        for task_id, y in labels.items():
            noisy = y + rng.normal(0, 0.1, len(y)) if task_id == sin.id else np.where(rng.random(len(y)) < .8, y, 1 - y)
            room.submit(task_id=task_id, student_token=token, predictions=noisy.tolist())
            with pytest.raises(DataError):
                room.submit(task_id=task_id, student_token=token, predictions=[0] * 3)  # a rejected one
    room.close_task(task_id=sin.id, instructor_token=instructor)
    other, other_instructor = room.create_class(name="another class")
    eve = room.join(code=room.issue_join_codes(class_id=other.id, instructor_token=other_instructor)[0], name="Eve")[1]
    feed = ClassFeed(room, app.state.store)
    answers = "id,prediction\n" + "".join(f"{i},{int(v)}\n" for i, v in enumerate(labels[moons.id]))
    notes = ["ada-note-relu-beats-tanh", "bob-note-predictions-attached"]
    run_ids = [feed.save(token=ada, record=_saved_run(1, {}), note=notes[0]).run_id,
               feed.save(token=bob, record=_saved_run(2, {"predictions.csv": answers.encode()}), note=notes[1]).run_id]
    engine = make_engine(url)
    with engine.connect() as conn:
        public = {int(t): json.loads(r) if isinstance(r, str) else r
                  for t, r in conn.execute(text("SELECT task_id, public_rows FROM class_answers"))}
    engine.dispose()
    with TestClient(app) as client:
        yield Secrets(client, cls.id, [sin.id, moons.id], instructor, ada, bob, labels, public, run_ids, eve, notes)
    room.close()


def _forms(values: list[Any]) -> list[str]:
    """Plain encodings someone might serve a label vector in."""
    csvs = ["id,label\n", "id,prediction\n", "id,y\n", ""]
    return [json.dumps(values), json.dumps(values, separators=(",", ":")), ",".join(map(str, values)),
            "\n".join(map(str, values)), "".join(map(str, values)),
            *(head + "".join(f"{i},{v}\n" for i, v in enumerate(values)) for head in csvs)]


def _forbidden(lab: Secrets) -> list[str]:
    """Every string that must not appear in a response a student or anonymous user sees."""
    out: list[str] = []
    for task_id, y in lab.labels.items():
        values: list[Any] = y.astype(int).tolist() if y.dtype.kind in "iu" else y.tolist()
        forms = _forms(values) + _forms([str(v) for v in values]) + [json.dumps(lab.public_rows[task_id])]
        if y.dtype.kind == "f":
            out += [repr(float(v)) for v in values]  # each regression label on its own
        blobs = [f.encode() for f in forms] + [np.asarray(y).tobytes(), np.asarray(y, dtype=float).tobytes()]
        for blob in blobs:
            for algo in ("sha256", "sha1", "md5", "sha512", "blake2b"):
                out.append(hashlib.new(algo, blob).hexdigest())
        out += [f for f in forms if len(f) > 20]
    for token in (lab.instructor, lab.bob):
        out += [token, hashlib.sha256(token.encode()).hexdigest()]
    return out


def _crawl(lab: Secrets, token: str | None) -> dict[str, tuple[int, str]]:
    """GET every route of the app (every id we know, with and without format=csv) and POST the actions."""
    c = lab.client
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    seen: dict[str, tuple[int, str]] = {}
    routes = [r for r in c.app.routes if hasattr(r, "path")] + [  # type: ignore[attr-defined]
        *scoreboard.router.routes, *feed.router.routes, *runs.router.routes]
    for route in routes:
        path = getattr(route, "path", "")
        methods = getattr(route, "methods", None) or {"GET"}
        ids: dict[str, list[Any]] = {"class_id": [lab.class_id, 999], "task_id": [*lab.task_ids, 999],
                                     "run_id": [*lab.run_ids, 999], "sid": ["nosuch"],
                                     "name": ["predictions.csv", "fit.png"]}
        names = [n for n in ids if "{" + n + "}" in path]
        for combo in itertools.product(*(ids[n] for n in names)):
            url = path.format(**dict(zip(names, combo, strict=True)))
            for query in ("", "?format=csv", "?format=json", "?member_id=2&student=Bob"):
                if "GET" in methods:
                    answer = c.get(url + query, headers=headers)
                    seen[f"GET {url}{query}"] = (answer.status_code, answer.text + str(answer.headers))
            if "POST" in methods and isinstance(route, APIRoute):
                body = {"tasks": {"task": "xor"}, "codes": {"n": 1}, "join": {"code": "join-x", "name": "Mallory"},
                        "submissions": {"predictions": [1] * 40}}.get(url.rsplit("/", 1)[-1])
                answer = c.post(url, headers=headers, json=body)
                seen[f"POST {url}"] = (answer.status_code, answer.text + str(answer.headers))
    return seen


@pytest.mark.parametrize("who", ["anonymous", "student"])
def test_no_label_digest_or_foreign_token_appears_anywhere(lab: Secrets, who: str) -> None:
    seen = _crawl(lab, None if who == "anonymous" else lab.ada)
    assert len(seen) > 60 and any(status == 200 for status, _ in seen.values())
    forbidden = _forbidden(lab)
    assert len(forbidden) > 200
    for y in lab.labels.values():  # the detector itself sees a leak in a served JSON list or CSV
        assert any(secret in json.dumps({"y": y.tolist()}) for secret in forbidden)
        assert any(secret in "".join(f"{i},{v}\n" for i, v in enumerate(y.tolist())) for secret in forbidden)
    for where, (status, body) in seen.items():
        assert status < 500, where
        leaks = [secret[:30] for secret in forbidden if secret in body]
        assert not leaks, f"{where} leaks {leaks}"


@pytest.mark.parametrize("who", ["anonymous", "student"])
def test_nobody_but_the_instructor_acts_as_instructor(lab: Secrets, who: str) -> None:
    seen = _crawl(lab, None if who == "anonymous" else lab.ada)
    mine = 403 if who == "student" else 401
    for task_id in lab.task_ids:
        assert seen[f"POST /api/class/tasks/{task_id}/close"][0] == mine
        assert seen[f"GET /api/class/tasks/{task_id}/export.csv"][0] == mine
    assert seen[f"POST /api/class/classes/{lab.class_id}/codes"][0] == mine
    assert seen[f"POST /api/class/classes/{lab.class_id}/tasks"][0] == mine
    for run_id in lab.run_ids:
        assert seen[f"POST /api/class/runs/{run_id}/hide"][0] == mine
    assert seen[f"GET /api/class/classes/{lab.class_id}/runs/export"][0] == mine


def test_the_feed_serves_no_label_even_when_a_run_carries_them(lab: Secrets) -> None:
    """Bob's run holds the labels as its predictions.csv: his class sees his note, never that file (crawled as
    Bob: Ada's daily quota is the next test's, and the crawl submits)."""
    seen = _crawl(lab, lab.bob)
    feed = json.loads(seen[f"GET /api/class/classes/{lab.class_id}/feed"][1].split("Headers(")[0])
    assert [e["run_id"] for e in feed] == lab.run_ids[::-1] and lab.notes[1] in feed[0]["note"]
    assert all(set(e) & {"artifacts", "spec", "metrics"} == set() for e in feed)
    for run_id in lab.run_ids:  # the open run browser does not serve class runs at all
        for path in (f"/api/runs/{run_id}", f"/api/runs/{run_id}/artifacts/predictions.csv",
                     f"/api/runs/{run_id}/artifacts/fit.png"):
            assert seen[f"GET {path}"][0] == 404, path
    assert json.loads(seen["GET /api/runs"][1].split("Headers(")[0]) == []


def test_a_student_of_another_class_sees_nothing_of_this_one(lab: Secrets) -> None:
    seen = _crawl(lab, lab.eve)
    for path in (f"/api/class/classes/{lab.class_id}/feed", f"/api/class/classes/{lab.class_id}/runs/export"):
        assert seen[f"GET {path}"][0] == 403, path
    for where, (status, body) in seen.items():
        assert status < 500, where
        assert not [note for note in lab.notes if note in body], f"{where} shows this class's notes to Eve"


def test_a_student_sees_and_submits_only_as_themself(lab: Secrets) -> None:
    c, (sin, moons) = lab.client, lab.task_ids
    ada = {"Authorization": f"Bearer {lab.ada}"}
    for task_id in (sin, moons):
        mine = c.get(f"/api/class/tasks/{task_id}/submissions?student=Bob&member_id=2", headers=ada).json()
        assert mine and {s["student"] for s in mine} == {"Ada"}
    # Only the token decides who submits: a body naming someone else changes nothing.
    sent = c.post(f"/api/class/tasks/{moons}/submissions", headers=ada,
                  json={"predictions": [1] * len(lab.labels[moons]), "student": "Bob", "member_id": 2})
    assert sent.status_code == 201 and sent.json()["student"] == "Ada"
    # Before closing, a student sees Ladder values only: no exact public score, no private score.
    for s in c.get(f"/api/class/tasks/{moons}/submissions", headers=ada).json():
        assert s["private_score"] is None and "public_score" not in s
    assert c.get(f"/api/class/tasks/{sin}/submissions", headers=ada).json()[0]["private_score"] is not None  # closed


def _fuzz(operation: Any, token: str, ids: dict[str, int], calls: list[int]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=10, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def call(case: Any) -> None:
        if case.path_parameters and len(calls) % 4:  # mostly real ids, so the cases reach the service
            case.path_parameters = {k: ids.get(k, v) for k, v in case.path_parameters.items()}
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        calls.append(response.status_code)
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:300]}"

    call()


def test_openapi_fuzzing_finds_no_server_error(lab: Secrets) -> None:
    """Schemathesis cases for every operation of the spec (bounded, derandomized), as instructor and student."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", lab.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    calls: list[int] = []
    for operation in operations:
        # The student fuzzes the open task; the instructor the closed one (closing it again changes nothing).
        _fuzz(operation, lab.ada, {"class_id": lab.class_id, "task_id": lab.task_ids[1]}, calls)
        _fuzz(operation, lab.instructor, {"class_id": lab.class_id, "task_id": lab.task_ids[0]}, calls)
    counts = Counter(calls)
    assert len(calls) > 150 and counts[200] > 50 and counts[201] + counts[400] > 20, counts
