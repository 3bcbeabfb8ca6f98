"""``GET /api/playground/presets`` on the whole lab (SQLite and PostgreSQL): curated presets and the best runs
saved from the playground, with page URLs that replay them; a class's runs never leak; bad names get one line.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from playground_links import start, state_of

from neuronlab.classroom import Classroom


def test_presets_list_curated_and_saved_runs_that_replay(client: TestClient, db_url: str) -> None:
    c = client
    edits = [{"epoch": 10, "layer": 0, "row": 1, "col": 0, "value": -1.5}]
    good = start(c, {"task": "moons", "hidden": [6], "optimizer": "adam", "eta": 0.03}, epoch=120, edits=edits)
    weak = start(c, {"task": "moons", "hidden": [2]}, epoch=3)
    ids = {name: c.post(f"/api/playground/{s['id']}/save").json()["run_id"] for name, s in
           (("good", good), ("weak", weak))}
    # The same good state saved in a class (newer, so first among equals if it leaked): never listed here.
    room = Classroom(db_url)
    cls, instructor = room.create_class(name="NN")
    token = room.join(code=room.issue_join_codes(class_id=cls.id, instructor_token=instructor)[0], name="Ada")[1]
    room.close()
    in_class = c.post(f"/api/class/playground/{good['id']}/save", headers={"Authorization": f"Bearer {token}"})
    assert in_class.status_code == 201, in_class.text

    answer = c.get("/api/playground/presets", params={"task": "moons"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["task"] == "moons" and body["builtin"] and all(p["metric"] == "accuracy" for p in body["builtin"])
    assert [s["run_id"] for s in body["saved"]] == [ids["good"], ids["weak"]]
    top = body["saved"][0]
    assert top["epoch"] == 120 and top["score"] > body["saved"][1]["score"]
    # The saved run's URL, read as the page reads it, replays the very same weights.
    config, epoch, replay_edits = state_of(top["url"])
    again = start(c, config, epoch, replay_edits)
    assert again["config"] == good["config"] and again["state"]["edits"] == good["state"]["edits"]
    assert again["frame"]["weights"] == good["frame"]["weights"]
    # A curated preset's URL starts exactly its config at epoch 0.
    preset_config, preset_epoch, _ = state_of(body["builtin"][0]["url"])
    assert preset_epoch == 0 and start(c, preset_config)["config"]["hidden"] == [8]

    regression = c.get("/api/playground/presets?task=sin").json()
    assert regression["builtin"][0]["metric"] == "r2" and regression["saved"] == []
    assert c.get("/api/playground/presets?task=csv:0123abcd").json() == {"task": "csv:0123abcd", "builtin": [],
                                                                          "saved": []}


@pytest.mark.parametrize(("query", "status", "words"), [
    ("?task=nope", 404, "no playground task 'nope'"),
    ("?task=iris", 404, "no playground task 'iris'"),  # four inputs: not drawn by the playground
    ("", 422, "task"),
    ("?task=" + "x" * 81, 422, "task"),
])
def test_a_bad_task_is_one_line(client: TestClient, query: str, status: int, words: str) -> None:
    answer = client.get("/api/playground/presets" + query)
    assert answer.status_code == status
    detail = answer.json()["detail"]
    assert words in detail and "\n" not in detail
