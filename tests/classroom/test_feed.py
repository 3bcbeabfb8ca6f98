"""The class feed's rules on SQLite and a real PostgreSQL: who saves, who sees, hiding, the export.

Every rule is attacked: a student of another class, an instructor of another class, a student hiding,
a body naming someone else, sharing a classmate's run away, a formula in a name reaching a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

from neuronlab.classroom import AuthError, ClassFeed, Classroom, ForbiddenError, NotFoundError
from neuronlab.errors import ConfigError
from neuronlab.store import RunStore, hash_spec
from neuronlab.store.engine import make_engine
from neuronlab.store.models import Base


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'class.db'}"
    return str(request.getfixturevalue("postgres_db_url"))


@dataclass
class World:
    feed: ClassFeed
    runs: RunStore
    class_id: int
    other_class: int
    instructor: str
    other_instructor: str
    ada: str
    bob: str
    eve: str  # a student of the other class


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    room = Classroom(db_url)
    runs = RunStore(db_url)
    cls, instructor = room.create_class(name="NN 2026")
    other, other_instructor = room.create_class(name="another class")
    ada, bob = (room.join(code=c, name=n)[1] for c, n in
                zip(room.issue_join_codes(class_id=cls.id, instructor_token=instructor, n=2), ("Ada", "Bob"),
                    strict=True))
    eve = room.join(code=room.issue_join_codes(class_id=other.id, instructor_token=other_instructor)[0],
                    name="Eve")[1]
    yield World(ClassFeed(room, runs), runs, cls.id, other.id, instructor, other_instructor, ada, bob, eve)
    runs.close()
    room.close()


def record(i: int = 0, *, task: str = "moons", accuracy: float = 0.9, playground: bool = True) -> dict[str, Any]:
    """A finished run's record as the playground saves it (``playground=False``: as the runner does)."""
    spec: dict[str, Any] = ({"playground": {"task": task, "seed": i, "hidden": [4]}, "epoch": 30 + i,
                             "edits": [{"epoch": 3, "layer": 0, "row": 1, "col": None, "value": 0.5}]}
                            if playground else {"name": f"exp {i}", "task": {"name": task}})
    return dict(spec=spec, spec_hash=hash_spec(spec), seed=i, experiment="playground" if playground else f"exp {i}",
                task=task, model="mlp", params={"seed": i}, status="done",
                metrics={"test": {"accuracy": accuracy, "n": 100}, "ceiling": 0.97})


def test_migrated_schema_equals_the_models(db_url: str) -> None:
    """Migration 0004 creates exactly what store/models.py declares (columns, nullability, indexes)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import neuronlab.classroom.models  # noqa: F401  (its tables are on the same metadata)

    RunStore(db_url).close()
    engine = make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
        columns = {c["name"]: c for c in inspect(conn).get_columns("runs")}
    engine.dispose()
    assert diff == [], diff
    assert {"class_id", "member_id", "author", "hidden"} <= set(columns)
    assert not columns["hidden"]["nullable"] and columns["author"]["nullable"]


def test_a_saved_run_carries_its_author_and_note_and_shows_against_the_ceiling(world: World) -> None:
    entry = world.feed.save(token=world.ada, record=record(1, accuracy=0.93), note="  relu\n beats tanh  ")
    assert (entry.author, entry.class_id, entry.mine, entry.hidden) == ("Ada", world.class_id, True, False)
    assert entry.note is not None and entry.note.endswith("] relu beats tanh")  # one line, stamped
    assert (entry.metric, entry.score, entry.ceiling) == ("accuracy", 0.93, 0.97)
    assert entry.playground == {"config": {"task": "moons", "seed": 1, "hidden": [4]}, "epoch": 31,
                                "edits": [{"epoch": 3, "layer": 0, "row": 1, "col": None, "value": 0.5}]}
    stored = world.runs.get(entry.run_id)
    assert (stored.author, stored.class_id) == ("Ada", world.class_id)
    # The run is the class's, not the lab's: the open run browser's listing leaves it out.
    assert world.runs.list_runs(lab_only=True) == []
    assert [r.id for r in world.runs.list_runs(class_id=world.class_id)] == [entry.run_id]


def test_feed_is_newest_first_filtered_by_task_and_by_student(world: World) -> None:
    a1 = world.feed.save(token=world.ada, record=record(1, task="moons"), note="one")
    b1 = world.feed.save(token=world.bob, record=record(2, task="xor"), note="two")
    a2 = world.feed.save(token=world.ada, record=record(3, task="xor", playground=False))
    seen = world.feed.entries(class_id=world.class_id, token=world.bob)
    assert [e.run_id for e in seen] == [a2.run_id, b1.run_id, a1.run_id]
    assert [e.mine for e in seen] == [False, True, False]
    assert seen[0].playground is None and seen[0].note is None  # a runner's run opens in no playground
    xor = world.feed.entries(class_id=world.class_id, token=world.bob, task="xor")
    assert [e.run_id for e in xor] == [a2.run_id, b1.run_id]
    ada = seen[0].member_id
    assert [e.run_id for e in world.feed.entries(class_id=world.class_id, token=world.bob, member_id=ada)] == [
        a2.run_id, a1.run_id]


def test_students_see_only_their_class(world: World) -> None:
    world.feed.save(token=world.ada, record=record(1), note="ours")
    for token in (world.eve, world.other_instructor):
        with pytest.raises(ForbiddenError, match="not in class"):
            world.feed.entries(class_id=world.class_id, token=token)
    assert world.feed.entries(class_id=world.other_class, token=world.eve) == ()
    with pytest.raises(AuthError):
        world.feed.entries(class_id=world.class_id, token=None)
    with pytest.raises(AuthError):
        world.feed.entries(class_id=world.class_id, token="nls_" + "x" * 43)  # a made-up student token
    with pytest.raises(NotFoundError):
        world.feed.entries(class_id=999, token=world.ada)


def test_only_students_save_and_the_author_is_the_token_never_the_record(world: World) -> None:
    with pytest.raises(ForbiddenError, match="student"):
        world.feed.save(token=world.instructor, record=record(1))
    with pytest.raises(AuthError):
        world.feed.save(token=None, record=record(1))
    forged = {**record(1), "author": "Bob"}  # a record naming someone else is refused, not believed
    with pytest.raises(TypeError):
        world.feed.save(token=world.ada, record=forged)
    with pytest.raises(ConfigError, match="at most 1000"):
        world.feed.save(token=world.ada, record=record(1), note="x" * 1001)
    assert world.runs.list_runs() == []  # nothing half-saved


def test_instructor_hides_and_shows_again_and_nobody_else_can(world: World) -> None:
    entry = world.feed.save(token=world.ada, record=record(1), note="oops, wrong task")
    for token in (world.ada, world.bob, world.eve):
        with pytest.raises(ForbiddenError):
            world.feed.hide(run_id=entry.run_id, token=token)
    with pytest.raises(NotFoundError):  # another class's instructor: not their run
        world.feed.hide(run_id=entry.run_id, token=world.other_instructor)
    assert world.feed.hide(run_id=entry.run_id, token=world.instructor).hidden
    assert world.feed.entries(class_id=world.class_id, token=world.bob) == ()
    ada_member = entry.member_id
    mine = world.feed.entries(class_id=world.class_id, token=world.ada, member_id=ada_member)
    assert [(e.run_id, e.hidden) for e in mine] == [(entry.run_id, True)]  # the author still sees it, marked
    assert world.feed.entries(class_id=world.class_id, token=world.bob, member_id=ada_member) == ()
    assert [e.hidden for e in world.feed.entries(class_id=world.class_id, token=world.instructor)] == [True]
    world.feed.hide(run_id=entry.run_id, token=world.instructor, hidden=False)
    assert len(world.feed.entries(class_id=world.class_id, token=world.bob)) == 1


def test_sharing_a_recorded_run_puts_it_in_place_once(world: World) -> None:
    args = record(5, playground=False)
    run_id = world.runs.record(**args)
    assert [r.id for r in world.runs.list_runs(lab_only=True)] == [run_id]
    entry = world.feed.share(token=world.bob, run_id=run_id, note="from my notebook")
    assert (entry.run_id, entry.author) == (run_id, "Bob")
    assert world.runs.list_runs(lab_only=True) == []
    # A classmate cannot take it over, nor can someone of another class move it there.
    for token in (world.ada, world.eve):
        with pytest.raises(ConfigError, match="already saved in a class"):
            world.feed.share(token=token, run_id=run_id)
    assert world.runs.get(run_id).author == "Bob"
    with pytest.raises(NotFoundError):
        world.feed.share(token=world.bob, run_id=12345)


def test_instructor_export_has_authors_notes_and_hidden_and_runs_no_formula(world: World) -> None:
    room = world.feed.room
    code = room.issue_join_codes(class_id=world.class_id, instructor_token=world.instructor)[0]
    mallory = room.join(code=code, name='=HYPERLINK("http://evil.example","x")')[1]
    kept = world.feed.save(token=world.ada, record=record(1), note="kept")
    hidden = world.feed.save(token=mallory, record=record(2), note="@SUM(1)")
    world.feed.hide(run_id=hidden.run_id, token=world.instructor)
    world.feed.save(token=world.eve, record=record(3), note="the other class")
    rows = list(csv.DictReader(io.StringIO(world.feed.export(class_id=world.class_id, token=world.instructor))))
    assert [int(r["id"]) for r in rows] == [kept.run_id, hidden.run_id]  # oldest first, this class only
    assert rows[0]["author"] == "Ada" and rows[0]["notes"].endswith("kept") and rows[0]["hidden"] == "False"
    assert rows[1]["author"].startswith("'=HYPERLINK") and rows[1]["hidden"] == "True"
    assert rows[0]["metrics.test.accuracy"] == "0.9"
    data = json.loads(world.feed.export(class_id=world.class_id, token=world.instructor, format="json"))
    assert [d["author"] for d in data] == ["Ada", data[1]["author"]] and "spec" not in data[0]
    for token in (world.ada, world.other_instructor):
        with pytest.raises(ForbiddenError):
            world.feed.export(class_id=world.class_id, token=token)


def _share_at_once(world: World, run_id: int, tokens: tuple[str, ...]) -> list[str]:
    """Each token shares ``run_id`` from its own thread, all released together: the authors or the refusals."""
    import threading

    barrier, outcomes = threading.Barrier(len(tokens)), []

    def share(token: str) -> None:
        barrier.wait()
        try:
            outcomes.append(world.feed.share(token=token, run_id=run_id).author)
        except ConfigError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=share, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_two_students_sharing_one_run_at_once_one_wins(world: World) -> None:
    """The UPDATE decides: both may have read the run as lab-wide, only one moves it, the other hears so."""
    for attempt in range(5):
        run_id = world.runs.record(**record(10 + attempt, playground=False))
        outcomes = _share_at_once(world, run_id, (world.ada, world.eve))
        winners = [o for o in outcomes if o in ("Ada", "Eve")]
        assert len(winners) == 1 and sum("already saved" in o for o in outcomes) == 1, outcomes
        assert world.runs.get(run_id).author == winners[0]
