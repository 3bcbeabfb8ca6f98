"""Sessions shared by worker processes through the store: two apps on one store stand for two workers
(each its own memory), on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from neuronlab.playground import NeuronConfig, NeuronStepper, PlaygroundConfig, Session, WeightEdit
from neuronlab.web import create_app

CONFIG = {"task": "moons", "hidden": [4, 3], "batch_size": 16, "optimizer": "adam", "seed": 3}


@pytest.fixture(params=["sqlite", "postgres"])
def two(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    url = (str(request.getfixturevalue("postgres_db_url")) if request.param == "postgres"
           else f"sqlite:///{tmp_path / 'lab.db'}")
    apps = [create_app(url), create_app(url)]
    with TestClient(apps[0]) as a, TestClient(apps[1]) as b:
        yield a, b
    for app in apps:
        app.state.store.close()
        app.state.states.close()


def _without_curve(answer: dict[str, Any]) -> dict[str, Any]:
    answer["state"].pop("curve", None)
    return answer


def test_replay_after_training_in_chunks_gives_exactly_the_same_weights() -> None:
    trained = Session(PlaygroundConfig(**CONFIG))
    for epochs in (1, 2, 3):
        trained.train(epochs)
    trained.set_weight(1, 2, 0, -0.5)
    for epochs in (5, 1):
        trained.train(epochs)
    replayed = Session(PlaygroundConfig(**CONFIG))
    replayed.replay(trained.epoch, [WeightEdit(**e) for e in trained.state()["edits"]])
    assert replayed.epoch == trained.epoch == 12
    assert np.array_equal(trained.model.theta, replayed.model.theta)  # every weight and bias, bit for bit


def test_a_session_moves_between_workers(two: tuple[TestClient, TestClient]) -> None:
    a, b = two
    made = a.post("/api/playground", json={"config": CONFIG})
    assert made.status_code == 201, made.text
    url = f"/api/playground/{made.json()['id']}"
    assert b.post(f"{url}/step", json={"epochs": 3}).status_code == 200
    assert a.post(f"{url}/weights", json={"layer": 0, "row": 1, "col": 0, "value": 0.25}).status_code == 200
    assert b.post(f"{url}/step", json={"epochs": 2}).status_code == 200
    seen_a, seen_b = _without_curve(a.get(url).json()), _without_curve(b.get(url).json())
    assert seen_a == seen_b and seen_a["state"]["epoch"] == 5 and len(seen_a["state"]["edits"]) == 1
    with b.stream("GET", f"{url}/stream?max_frames=2&fps=60") as r:
        assert sum(line.startswith("event: frame") for line in r.iter_lines()) == 2
    assert a.get(url).json()["state"]["epoch"] == 7  # the stream's end was stored
    assert a.post(f"{url}/reset").status_code == 200
    assert _without_curve(b.get(url).json())["state"] == {"epoch": 0, "edits": []}
    assert a.delete(url).status_code == 204
    gone = b.get(url)
    assert gone.status_code == 404 and "no playground session" in gone.json()["detail"]


def test_a_request_on_a_current_copy_costs_one_read(two: tuple[TestClient, TestClient]) -> None:
    a, _ = two
    url = f"/api/playground/{a.post('/api/playground', json={'config': CONFIG}).json()['id']}"
    a.get(url)
    statements: list[str] = []
    engine = a.app.state.states.engine  # type: ignore[attr-defined]
    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    assert a.get(url).status_code == 200
    assert a.post(f"{url}/step").status_code == 200  # a change: the read, then one compare-and-set write
    event.remove(engine, "before_cursor_execute", record)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    writes = [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
    assert len(reads) == 2 and all("shared_sessions.version" in s for s in reads) and len(writes) == 1


def test_two_workers_changing_one_version_cannot_overwrite_each_other(two: tuple[TestClient, TestClient]) -> None:
    a, b = two
    sid = a.post("/api/playground", json={"config": CONFIG}).json()["id"]
    sessions_a = a.app.state.lab.sessions  # type: ignore[attr-defined]
    sessions_b = b.app.state.lab.sessions  # type: ignore[attr-defined]
    mine, theirs = sessions_a.checkout(sid), sessions_b.checkout(sid)
    mine.item.train(2)
    theirs.item.train(1)
    assert sessions_a.sync(sid, mine) is True
    assert sessions_b.sync(sid, theirs) is False  # b's change came from the same version: refused
    assert b.get(f"/api/playground/{sid}").json()["state"]["epoch"] == 2  # b rebuilt the stored one


def test_uploaded_tables_and_neurons_are_shared(two: tuple[TestClient, TestClient]) -> None:
    a, b = two
    text = "a,b,y\n" + "".join(f"{i},{(i * 7) % 5},{i % 2}\n" for i in range(30))
    task = a.post("/api/datasets", json={"text": text, "target": "y"}).json()["task"]
    made = b.post("/api/playground", json={"config": {"task": task, "hidden": [2]}})
    assert made.status_code == 201, made.text
    nid = a.post("/api/neuron", json={"config": {"task": "and", "eta": 0.5}}).json()["id"]
    assert a.post(f"/api/neuron/{nid}/step").json()["step"] == 1
    second = b.post(f"/api/neuron/{nid}/step").json()
    here = NeuronStepper(NeuronConfig(task="and", eta=0.5))
    here.step()
    assert second["step"] == 2 and second["w_new"] == here.step()["w_new"]


def test_an_exclusive_lab_plays_without_round_trips_and_still_backs_sessions_up(tmp_path: Path) -> None:
    """One worker (the default lab) trusts its own copies: a played frame reads nothing and writes at
    most once per WRITE_BEHIND_S; a hand-set weight is stored at once, and a session dropped from
    memory comes back from the store at its stored state."""
    from neuronlab.web import shared

    app = create_app(tmp_path / "lab.db", exclusive=True)
    with TestClient(app) as a:
        sid = a.post("/api/playground", json={"config": CONFIG}).json()["id"]
        url = f"/api/playground/{sid}"
        statements: list[str] = []
        engine = app.state.states.engine

        def record(*args: Any) -> None:
            statements.append(args[2])

        event.listen(engine, "before_cursor_execute", record)
        for _ in range(5):  # well inside WRITE_BEHIND_S: five frames, no database statement at all
            assert a.post(f"{url}/step", json={"epochs": 1, "curve": False}).status_code == 200
        assert statements == []
        edit = {"layer": 0, "row": 0, "col": 1, "value": 0.5}
        assert a.post(f"{url}/weights", json=edit).status_code == 200  # not just play: stored at once
        assert [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
        event.remove(engine, "before_cursor_execute", record)
        stored = app.state.states.get(sid)
        assert stored is not None and stored.state["epoch"] == 5 and len(stored.state["edits"]) == 1

        app.state.lab.sessions.local.pop(sid)  # evicted from memory: rebuilt from the store by replay
        again = a.get(url).json()
        assert again["state"]["epoch"] == 5 and again["state"]["edits"][0]["value"] == 0.5
        assert shared.WRITE_BEHIND_S > 0
    app.state.store.close()
    app.state.states.close()
