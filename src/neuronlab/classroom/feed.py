"""A class that shares its progress: runs saved in a class, the class feed, each student's progress.

    feed = ClassFeed(room)                                   # on the Classroom's database
    entry = feed.save(token=student, record=session.run_record(), note="relu beats tanh here")
    feed.entries(class_id=cls.id, token=student, task="moons")   # newest first, this class only
    feed.hide(run_id=entry.run_id, token=instructor)         # off the students' feed

Who sees what: a run saved in a class is seen only with a token of that class (its students and its
instructor); the instructor also sees the entries they hid, a student sees their own hidden ones on
their own progress only.  What an entry shows is the run's own record: its score on its own task's
test split (public data the student trained on) against that task's ceiling, never anything of the
class's withheld test labels, nor the run's artifacts (a run's test predictions are not its classmates').
The author is never taken from the request: it is the member the token belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from neuronlab.classroom.errors import ForbiddenError, NotFoundError
from neuronlab.classroom.service import Classroom
from neuronlab.classroom.views import Identity
from neuronlab.errors import ConfigError
from neuronlab.store import Author, ClassRun, RunStore, StoreError

MAX_NOTE = 1000
MAX_ENTRIES = 500


@dataclass(frozen=True)
class FeedEntry:
    """One run of the class feed: who saved what, the note, its score against the ceiling."""

    run_id: int
    class_id: int
    member_id: int | None
    author: str
    created_at: datetime
    experiment: str
    task: str
    model: str
    seed: int
    status: str
    metric: str | None  # accuracy or r2: the run's headline on its own test split
    score: float | None
    ceiling: float | None  # the best score possible on the run's task, when known
    note: str | None
    playground: dict[str, Any] | None  # {"config", "epoch", "edits"}: opens it in a playground, same state
    hidden: bool
    mine: bool  # saved by the token's own member


class ClassFeed:
    """Runs saved in a class, on the classroom's database (the run store's own)."""

    def __init__(self, room: Classroom, runs: RunStore | None = None) -> None:
        self.room = room
        self.runs = runs if runs is not None else RunStore(room.url)

    def close(self) -> None:
        self.runs.close()

    # -- saving --------------------------------------------------------------------------------------

    def save(self, *, token: str | None, record: Mapping[str, Any], note: str | None = None) -> FeedEntry:
        """Record a new finished run (``RunStore.record``'s arguments) in the token's class, by its student."""
        who = self._student(token)
        text = clean_note(note)
        run_id = self.runs.record(**record, author=_author(who), note=text)
        return self._entry(who, run_id)

    def share(self, *, token: str | None, run_id: int, note: str | None = None) -> FeedEntry:
        """Put a run already in the store (``neuronlab run``, a notebook) in the token's class."""
        who = self._student(token)
        text = clean_note(note)
        try:
            self.runs.share(_run_id(run_id), author=_author(who), note=text)
        except StoreError as exc:
            raise NotFoundError(str(exc)) from None
        return self._entry(who, run_id)

    # -- reading -------------------------------------------------------------------------------------

    def entries(self, *, class_id: int, token: str | None, task: str | None = None,
                member_id: int | None = None, limit: int = MAX_ENTRIES) -> tuple[FeedEntry, ...]:
        """The class's runs newest first (of ``task``; of member ``member_id``: a progress page).

        Hidden entries are the instructor's to see, and a student's own on their own progress.
        """
        who = self._member_of(class_id, token)
        if not 1 <= limit <= MAX_ENTRIES:
            raise ConfigError(f"limit must be from 1 to {MAX_ENTRIES}, got {limit}")
        own = who.role == "student" and member_id is not None and member_id == who.member_id
        rows = self.runs.class_runs(class_id=class_id, task=task, member_id=member_id,
                                    with_hidden=who.role == "instructor" or own, limit=limit)
        return tuple(_entry(row, who) for row in rows)

    def hide(self, *, run_id: int, token: str | None, hidden: bool = True) -> FeedEntry:
        """Hide a run from the class feed (or show it again): the class's instructor only."""
        who = self.room.whoami(token=token)
        if who.role != "instructor":
            raise ForbiddenError("only the class's instructor may hide a feed entry; use the instructor token")
        try:
            self.runs.set_hidden(_run_id(run_id), class_id=who.class_id, hidden=hidden)
        except StoreError:
            raise NotFoundError(f"no run {run_id} in the feed of class {who.class_id}; check the run id") from None
        return self._entry(who, run_id)

    def export(self, *, class_id: int, token: str | None, format: Literal["csv", "json"] = "csv") -> str:
        """Every run of the class with author, note, hidden flag, parameters and metrics (instructor)."""
        who = self._member_of(class_id, token)
        if who.role != "instructor":
            raise ForbiddenError(f"only the instructor of class {class_id} may export its runs; "
                                 "use the instructor token")
        return self.runs.export(format=format, class_id=class_id)

    # -- helpers -------------------------------------------------------------------------------------

    def _student(self, token: str | None) -> Identity:
        who = self.room.whoami(token=token)
        if who.role != "student":
            raise ForbiddenError("runs are saved in a class by its students; use your student token")
        return who

    def _member_of(self, class_id: int, token: str | None) -> Identity:
        who = self.room.whoami(token=token)
        self.room.class_info(class_id=class_id)  # a NotFoundError for no such class
        if who.class_id != class_id:
            raise ForbiddenError(f"you are not in class {class_id}; use a token of that class")
        return who

    def _entry(self, who: Identity, run_id: int) -> FeedEntry:
        rows = self.runs.class_runs(class_id=who.class_id, with_hidden=True, limit=None, run_id=run_id)
        if not rows:
            raise NotFoundError(f"no run {run_id} in class {who.class_id}")
        return _entry(rows[0], who)


def clean_note(note: str | None) -> str | None:
    """A note on one line (whitespace collapsed), at most MAX_NOTE printable characters; None stays None."""
    if note is None:
        return None
    text = " ".join(str(note).split())
    if not text:
        return None
    if len(text) > MAX_NOTE or not text.isprintable():
        raise ConfigError(f"a note must be at most {MAX_NOTE} printable characters, got {len(text)}")
    return text


def _author(who: Identity) -> Author:
    assert who.member_id is not None and who.name is not None  # a student's identity has both
    return Author(class_id=who.class_id, member_id=who.member_id, name=who.name)


def _run_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**62:
        raise NotFoundError(f"no run {value!r}; a run id is a positive integer")
    return value


def _headline(metrics: Mapping[str, Any]) -> tuple[str | None, float | None]:
    test = metrics.get("test")
    if not isinstance(test, Mapping):
        return None, None
    for metric in ("accuracy", "r2"):
        value = test.get(metric)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return metric, float(value)
    return None, None


def _playground(spec: Mapping[str, Any]) -> dict[str, Any] | None:
    """The state a playground replays (config, epoch, hand-set weights), when the run came from one."""
    config = spec.get("playground")
    if not isinstance(config, Mapping):
        return None
    return {"config": dict(config), "epoch": int(spec.get("epoch") or 0), "edits": list(spec.get("edits") or [])}


def _entry(row: ClassRun, who: Identity) -> FeedEntry:
    metric, score = _headline(row.metrics)
    ceiling = row.metrics.get("ceiling")
    return FeedEntry(
        run_id=row.id, class_id=int(row.class_id or 0), member_id=row.member_id, author=row.author or "?",
        created_at=row.created_at, experiment=row.experiment, task=row.task, model=row.model, seed=row.seed,
        status=row.status, metric=metric, score=score,
        ceiling=float(ceiling) if isinstance(ceiling, int | float) and not isinstance(ceiling, bool) else None,
        note=row.notes, playground=_playground(row.spec), hidden=row.hidden,
        mine=who.role == "student" and row.member_id == who.member_id)
