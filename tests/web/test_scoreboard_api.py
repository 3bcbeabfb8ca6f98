"""The scoreboard's JSON API and pages end to end, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from scoreboard_world import World, scoreboard_app

from neuronlab.store import RunStore, hash_spec
from neuronlab.tasks import load_task
from neuronlab.web.routes.scoreboard import LARGE_BODY, SMALL_BODY

SEED = 5
N = 300  # the class's moons task: its test set grown to 150 public rows


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    url = (f"sqlite:///{tmp_path / 'lab.db'}" if request.param == "sqlite"
           else str(request.getfixturevalue("postgres_db_url")))
    app = scoreboard_app(url)
    with TestClient(app) as client:
        room = app.state.classroom
        cls, instructor = room.create_class(name="NN")
        auth = {"Authorization": f"Bearer {instructor}"}
        made = client.post(f"/api/class/classes/{cls.id}/tasks", headers=auth,
                           json={"task": "moons", "params": {"seed": SEED}, "quota_total": 4})
        assert made.status_code == 201, made.text
        codes = client.post(f"/api/class/classes/{cls.id}/codes", headers=auth, json={"n": 2}).json()["codes"]
        tokens = [client.post("/api/class/join", json={"code": c, "name": n}).json()["token"]
                  for c, n in zip(codes, ("Ada", "Bob"), strict=True)]
        yield World(client, room, cls.id, made.json()["id"], instructor, *tokens)
        room.close()


def _labels(world: World) -> list[int]:
    """The task's test labels, rebuilt as the instructor can (seed known, loader parameters public)."""
    params = world.room.task_info(task_id=world.task_id).source["params"]
    return [int(v) for v in load_task("moons", seed=SEED, **params).y_test]


def _csv(values: list[object]) -> str:
    return "id,prediction\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values))


def test_student_flow_inputs_submit_board_close_export(world: World) -> None:
    c, ada = world.client, world.auth(world.ada)
    y = _labels(world)
    inputs = c.get(f"/api/class/tasks/{world.task_id}/inputs").json()
    assert inputs["feature_names"] == ["x1", "x2"] and len(inputs["rows"]) == len(y) == inputs["ids"][-1] + 1
    assert c.get(f"/api/class/tasks/{world.task_id}/inputs?format=csv").text.startswith("id,x1,x2\n0,")
    train = c.get(f"/api/class/tasks/{world.task_id}/train").json()
    assert len(train["rows"]) == len(train["targets"]) == 320 and set(train["targets"]) == {"0", "1"}

    sent = c.post(f"/api/class/tasks/{world.task_id}/submissions", headers={**ada, "Content-Type": "text/csv"},
                  content=_csv(y))
    assert sent.status_code == 201, sent.text
    assert sent.json()["published"] == 1.0 and sent.json()["private_score"] is None
    flipped = [1 - v for v in y]
    sent = c.post(f"/api/class/tasks/{world.task_id}/submissions", headers=world.auth(world.bob),
                  json={"predictions": flipped})
    assert sent.status_code == 201 and sent.json()["published"] == 0.0

    board = c.get(f"/api/class/tasks/{world.task_id}/board").json()
    assert [(r["rank"], r["student"], r["published"]) for r in board["rows"]] == [(1, "Ada", 1.0), (2, "Bob", 0.0)]
    assert board["final"] is None
    mine = c.get(f"/api/class/tasks/{world.task_id}/submissions", headers=ada).json()
    assert [s["student"] for s in mine] == ["Ada"]
    assert c.get("/api/class/me", headers=ada).json() == {"role": "student", "class_id": world.class_id,
                                                          "member_id": 1, "name": "Ada"}

    final = c.post(f"/api/class/tasks/{world.task_id}/close", headers=world.auth(world.instructor))
    assert final.status_code == 200
    assert [(r["student"], r["private_score"]) for r in final.json()] == [("Ada", 1.0), ("Bob", 0.0)]
    page = c.get(f"/class/tasks/{world.task_id}")
    assert page.status_code == 200 and "Final ranking" in page.text and "Ada" in page.text
    exported = c.get(f"/api/class/tasks/{world.task_id}/export.csv", headers=world.auth(world.instructor))
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["student"], r["public_score"]) for r in rows] == [("Ada", "1.0"), ("Bob", "0.0")]


BAD = [
    ("id,prediction\n0,1\n", "text/csv", 400, f"expected {N} predictions"),
    (_csv([1] * (N - 1)) + f"{N + 19},1\n", "text/csv", 400, f"unknown test id {N + 19}"),
    (_csv(["x"] * N), "text/csv", 400, "not a class"),
    (_csv([7] * N), "text/csv", 400, "not a class"),
    ('{"predictions": [1, 2', "application/json", 400, "not valid JSON"),
    ('{"run_id": 424242}', "application/json", 400, "run 424242 has no predictions.csv"),
    ("1,2,3", "application/xml", 415, "text/csv or application/json"),
]


def test_bad_submissions_answer_one_clear_line(world: World) -> None:
    for body, media, status, message in BAD:
        answer = world.client.post(f"/api/class/tasks/{world.task_id}/submissions",
                                   headers={**world.auth(world.bob), "Content-Type": media}, content=body)
        if answer.status_code == 429:  # the quota (4) is used up by the rejected ones: the rest on Ada's
            answer = world.client.post(f"/api/class/tasks/{world.task_id}/submissions",
                                       headers={**world.auth(world.ada), "Content-Type": media}, content=body)
        assert answer.status_code == status, (body, answer.text)
        detail = answer.json()["detail"]
        assert message in detail and "\n" not in detail


def test_quota_counts_failed_submissions_then_answers_429(world: World) -> None:
    c, url = world.client, f"/api/class/tasks/{world.task_id}/submissions"
    statuses = [c.post(url, headers=world.auth(world.ada), json={"predictions": [1] * (N if i % 2 else 3)}).status_code
                for i in range(6)]
    assert statuses == [400, 201, 400, 201, 429, 429]  # quota_total=4, the two rejected ones included
    assert "all 4 submissions" in c.post(url, headers=world.auth(world.ada), json={"predictions": [1] * N}).json()[
        "detail"]
    assert c.post(url, headers=world.auth(world.bob), json={"predictions": [1] * N}).status_code == 201  # Bob's own


def test_saved_run_is_submitted_by_id(world: World) -> None:
    y = _labels(world)
    runs = RunStore(world.room.url)
    run_id = runs.record(spec={}, spec_hash=hash_spec({}), seed=0, experiment="e", task="moons", model="mlp",
                         params={}, status="done", metrics={}, artifacts={"predictions.csv": _csv(y).encode()})
    runs.close()
    sent = world.client.post(f"/api/class/tasks/{world.task_id}/submissions", headers=world.auth(world.ada),
                             json={"run_id": run_id})
    assert sent.status_code == 201 and sent.json()["source"] == f"run:{run_id}" and sent.json()["published"] == 1.0


def test_auth_errors_have_their_codes(world: World) -> None:
    c, t = world.client, world.task_id
    ones = {"predictions": [1] * N}
    assert c.post(f"/api/class/tasks/{t}/submissions", json=ones).status_code == 401
    no = c.post(f"/api/class/tasks/{t}/submissions", json=ones, headers=world.auth("nls_forged"))
    assert no.status_code == 401 and no.headers["www-authenticate"] == "Bearer"
    assert c.post(f"/api/class/tasks/{t}/submissions", json=ones,
                  headers=world.auth(world.instructor)).status_code == 403
    assert c.post(f"/api/class/tasks/{t}/close", headers=world.auth(world.ada)).status_code == 403
    assert c.get(f"/api/class/tasks/{t}/export.csv", headers=world.auth(world.bob)).status_code == 403
    assert c.post(f"/api/class/classes/{world.class_id}/codes", json={"n": 1},
                  headers=world.auth(world.ada)).status_code == 403
    assert c.get("/api/class/tasks/999/board").status_code == 404
    assert c.get("/api/class/tasks/0/board").status_code == 422
    assert c.post("/api/class/join", json={"code": "join-nope", "name": "Eve"}).status_code == 401
    c.post(f"/api/class/tasks/{t}/close", headers=world.auth(world.instructor))
    closed = c.post(f"/api/class/tasks/{t}/submissions", json=ones, headers=world.auth(world.ada))
    assert closed.status_code == 409 and "closed" in closed.json()["detail"]


def test_bodies_over_the_limit_are_refused_before_reading(world: World) -> None:
    c = world.client
    big = c.post("/api/class/join", content=b"x" * (SMALL_BODY + 1), headers={"Content-Type": "application/json"})
    assert big.status_code == 413 and str(SMALL_BODY) in big.json()["detail"]
    huge = c.post(f"/api/class/tasks/{world.task_id}/submissions", content=b"0" * (LARGE_BODY + 1),
                  headers={**world.auth(world.ada), "Content-Type": "text/csv"})
    assert huge.status_code == 413
    # Refused bodies are not submissions: nothing counted.
    assert c.get(f"/api/class/tasks/{world.task_id}/submissions", headers=world.auth(world.ada)).json() == []


def test_instructor_adds_a_csv_task_and_pages_render(world: World) -> None:
    table = "a,b,y\n" + "".join(f"{i},{i % 7},{'yes' if i % 2 else 'no'}\n" for i in range(50))
    made = world.client.post(f"/api/class/classes/{world.class_id}/tasks", headers=world.auth(world.instructor),
                             json={"name": "parity", "csv": table, "target": "y", "quota_per_day": 3})
    assert made.status_code == 201, made.text
    assert made.json()["labels"] == ["no", "yes"] and made.json()["n_test"] == 15
    bad = world.client.post(f"/api/class/classes/{world.class_id}/tasks", headers=world.auth(world.instructor),
                            json={"csv": table, "target": "nope"})
    assert bad.status_code == 400 and "no target column 'nope'" in bad.json()["detail"]
    page = world.client.get(f"/class/{world.class_id}")
    assert page.status_code == 200 and "parity" in page.text and "moons" in page.text
    assert "Join code" in world.client.get("/class/join").text


def test_the_lab_app_includes_the_scoreboard(tmp_path: Path) -> None:
    from neuronlab.web.app import create_app

    app = create_app(tmp_path / "lab.db")
    assert app.state.scoreboard
    with TestClient(app) as client:
        assert client.get("/api/class/tasks/1/board").status_code == 404


def test_task_rules_default_to_the_derived_step_and_a_daily_quota(world: World) -> None:
    auth = world.auth(world.instructor)
    url = f"/api/class/classes/{world.class_id}/tasks"
    made = world.client.post(url, headers=auth, json={"task": "moons", "name": "plain"})
    assert made.status_code == 201, made.text
    rules = {k: made.json()[k] for k in ("n_test", "n_public", "ladder_step", "quota_per_day", "quota_total",
                                         "warning")}
    assert rules == {"n_test": N, "n_public": 150, "ladder_step": 0.05, "quota_per_day": 5, "quota_total": None,
                     "warning": None}
    opened = world.client.post(url, headers=auth, json={"task": "moons", "name": "open", "ladder_step": 0.01,
                                                        "quota_per_day": None})
    assert (opened.json()["ladder_step"], opened.json()["quota_per_day"]) == (0.01, None)  # null: no limit


def test_a_small_public_part_comes_back_with_a_warning(world: World) -> None:
    auth, url = world.auth(world.instructor), f"/api/class/classes/{world.class_id}/tasks"
    made = world.client.post(url, headers=auth, json={"task": "breast_cancer"})  # a fixed size: 57 public rows
    assert made.status_code == 201, made.text
    warning = made.json()["warning"]
    assert warning.startswith("the public part has 57 rows: a probing student may get up to") and "\n" not in warning
    assert "use more test rows" in warning
    assert "warning" not in world.client.get(f"/api/class/tasks/{made.json()['id']}").json()  # said once, to its maker


def test_json_sent_as_csv_is_one_short_line(world: World) -> None:
    body = '{"predictions": [' + ", ".join(["1"] * N) + "]}"
    sent = world.client.post(f"/api/class/tasks/{world.task_id}/submissions",
                             headers={**world.auth(world.ada), "Content-Type": "text/csv"}, content=body)
    detail = sent.json()["detail"]
    assert sent.status_code == 400 and "look like JSON" in detail and "application/json" in detail
    assert len(detail) < 120 and "\n" not in detail and '"predictions"' not in detail  # the body is not echoed
