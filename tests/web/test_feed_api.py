"""The class feed over HTTP on the whole lab (SQLite and PostgreSQL): save from the playground with a note,
list, filter, hide, export, upload from a student's machine; the open run browser keeps class runs out.

The playground link of an entry is checked the way the page reads it: its query, parsed as playground.js
parses it, starts a session that replays to the very same weights.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from playground_links import start, state_of

from neuronlab.classroom import Classroom
from neuronlab.web import create_app


@dataclass
class Lab:
    client: TestClient
    class_id: int
    instructor: str
    ada: str
    bob: str
    eve: str  # of another class

    def auth(self, token: str | None) -> dict[str, str]:
        return {} if token is None else {"Authorization": f"Bearer {token}"}


@pytest.fixture
def lab(db_url: str) -> Iterator[Lab]:
    app = create_app(db_url)
    room = Classroom(db_url)
    cls, instructor = room.create_class(name="NN")
    other, other_instructor = room.create_class(name="other")
    ada, bob = (room.join(code=c, name=n)[1] for c, n in
                zip(room.issue_join_codes(class_id=cls.id, instructor_token=instructor, n=2), ("Ada", "Bob"),
                    strict=True))
    eve = room.join(code=room.issue_join_codes(class_id=other.id, instructor_token=other_instructor)[0], name="Eve")[1]
    with TestClient(app) as client:
        yield Lab(client, cls.id, instructor, ada, bob, eve)
    room.close()
    app.state.store.close()


def test_save_from_the_playground_then_a_classmate_replays_the_same_state(lab: Lab) -> None:
    c = lab.client
    config = {"task": "xor", "hidden": [3], "activation": "relu", "eta": 0.2, "seed": 4, "noise": 0.1}
    edits = [{"epoch": 2, "layer": 0, "row": 1, "col": None, "value": -0.75}]
    ada_session = start(c, config, epoch=6, edits=edits)
    saved = c.post(f"/api/class/playground/{ada_session['id']}/save", json={"note": "relu on xor, bias set by hand"},
                   headers=lab.auth(lab.ada))
    assert saved.status_code == 201, saved.text
    entry = saved.json()
    assert (entry["author"], entry["mine"], entry["task"], entry["metric"]) == ("Ada", True, "xor", "accuracy")
    assert entry["note"].endswith("relu on xor, bias set by hand") and entry["ceiling"] > 0.9

    # Bob reads the feed and opens the link: his own new session, the same weights at the same epoch.
    (seen,) = c.get(f"/api/class/classes/{lab.class_id}/feed", headers=lab.auth(lab.bob)).json()
    assert seen["run_id"] == entry["run_id"] and seen["mine"] is False
    config_b, epoch_b, edits_b = state_of(seen["playground_url"])
    bob_session = start(c, config_b, epoch_b, edits_b)
    assert bob_session["id"] != ada_session["id"]
    assert bob_session["state"]["epoch"] == 6 and bob_session["state"]["edits"] == ada_session["state"]["edits"]
    assert bob_session["frame"]["weights"] == ada_session["frame"]["weights"]
    assert bob_session["frame"]["train_loss"] == ada_session["frame"]["train_loss"]
    assert bob_session["config"] == ada_session["config"]


def test_class_runs_stay_out_of_the_open_run_browser(lab: Lab) -> None:
    c = lab.client
    sid = start(c, {"task": "xor"}, epoch=2)["id"]
    lab_wide = c.post(f"/api/playground/{sid}/save").json()["run_id"]
    mine = c.post(f"/api/class/playground/{sid}/save", headers=lab.auth(lab.ada)).json()["run_id"]
    assert [r["id"] for r in c.get("/api/runs").json()] == [lab_wide]
    assert c.get(f"/api/runs/{lab_wide}").status_code == 200
    for path in (f"/api/runs/{mine}", f"/api/runs/{mine}/artifacts/fit.png", f"/runs/{mine}",
                 f"/api/runs/compare?ids={lab_wide},{mine}"):
        answer = c.get(path)
        assert answer.status_code == 404 and "\n" not in answer.json()["detail"], path
    assert c.post(f"/api/runs/{mine}/notes", json={"text": "vandal"}).status_code == 404
    assert str(mine) not in c.get("/api/runs/export?format=csv").text.splitlines()[-1].split(",")[0]


def test_feed_filters_hides_and_refuses_strangers(lab: Lab) -> None:
    c = lab.client
    ids = {}
    for who, task in (("ada", "xor"), ("bob", "moons"), ("ada", "moons")):
        sid = start(c, {"task": task})["id"]
        ids[(who, task)] = c.post(f"/api/class/playground/{sid}/save", json={"note": f"{who} on {task}"},
                                  headers=lab.auth(getattr(lab, who))).json()["run_id"]
    feed = f"/api/class/classes/{lab.class_id}/feed"
    assert [e["run_id"] for e in c.get(feed, headers=lab.auth(lab.bob)).json()] == [
        ids[("ada", "moons")], ids[("bob", "moons")], ids[("ada", "xor")]]
    assert [e["run_id"] for e in c.get(feed + "?task=xor", headers=lab.auth(lab.bob)).json()] == [ids[("ada", "xor")]]
    ada_id = c.get("/api/class/me", headers=lab.auth(lab.ada)).json()["member_id"]
    progress = c.get(f"{feed}?member_id={ada_id}", headers=lab.auth(lab.ada)).json()
    assert {e["author"] for e in progress} == {"Ada"} and len(progress) == 2

    assert c.post(f"/api/class/runs/{ids[('ada', 'xor')]}/hide", headers=lab.auth(lab.ada)).status_code == 403
    hidden = c.post(f"/api/class/runs/{ids[('ada', 'xor')]}/hide", headers=lab.auth(lab.instructor))
    assert hidden.status_code == 200 and hidden.json()["hidden"] is True
    assert ids[("ada", "xor")] not in [e["run_id"] for e in c.get(feed, headers=lab.auth(lab.bob)).json()]
    assert len(c.get(feed, headers=lab.auth(lab.instructor)).json()) == 3

    for token, status in ((None, 401), (lab.eve, 403), ("nls_forged", 401)):
        answer = c.get(feed, headers=lab.auth(token))
        assert answer.status_code == status and "\n" not in answer.json()["detail"], token
    export = c.get(f"/api/class/classes/{lab.class_id}/runs/export", headers=lab.auth(lab.instructor))
    assert export.status_code == 200 and export.text.count("\n") == 4 and "ada on xor" in export.text
    assert c.get(f"/api/class/classes/{lab.class_id}/runs/export", headers=lab.auth(lab.ada)).status_code == 403
    assert c.get(f"/class/{lab.class_id}/feed").status_code == 200  # the page is a shell: nothing of the class in it
    assert "ada on" not in c.get(f"/class/{lab.class_id}/progress?member={ada_id}").text


def test_upload_from_a_students_machine_is_signed_by_the_token_only(lab: Lab) -> None:
    c = lab.client
    run = {"experiment": "width sweep", "task": "moons", "model": "mlp", "seed": 0, "spec": {"name": "w"},
           "params": {"hidden": [8]}, "metrics": {"test": {"accuracy": 0.91}, "ceiling": 0.97}, "note": "from home"}
    sent = c.post("/api/class/runs", json=run, headers=lab.auth(lab.bob))
    assert sent.status_code == 201, sent.text
    assert (sent.json()["author"], sent.json()["playground_url"], sent.json()["score"]) == ("Bob", None, 0.91)
    forged = c.post("/api/class/runs", json={**run, "author": "Ada"}, headers=lab.auth(lab.bob))
    assert forged.status_code == 422 and "author" in forged.json()["detail"]
    assert c.post("/api/class/runs", json=run, headers=lab.auth(lab.instructor)).status_code == 403
    assert c.post("/api/class/runs", json=run).status_code == 401
    too_long = c.post("/api/class/runs", json={**run, "note": "x" * 1001}, headers=lab.auth(lab.bob))
    assert too_long.status_code == 422
    assert len(c.get(f"/api/class/classes/{lab.class_id}/feed", headers=lab.auth(lab.ada)).json()) == 1
