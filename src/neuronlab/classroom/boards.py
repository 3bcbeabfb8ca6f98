"""The public board and the private ranking of a task, and the instructor's export, from its submissions.

The board ranks each student's last published value (the Ladder's, never an exact public score);
the final ranking takes each student's submission with the best public score (the earliest on ties)
and ranks its private score: choosing on public, judging on private, as Kaggle does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

from neuronlab.classroom import submissions
from neuronlab.classroom.submissions import Sub
from neuronlab.classroom.views import BoardRow, RankRow


def rank(subs: Sequence[Sub], eta: float, *, closed: bool) -> tuple[tuple[BoardRow, ...], tuple[RankRow, ...] | None]:
    """``(board rows, final ranking)``; the final ranking is None until the task is ``closed``."""
    published = submissions.published(subs, eta)
    per_student: dict[str, list[Sub]] = {}
    for s in subs:
        per_student.setdefault(s.student, []).append(s)
    rows: list[tuple[float, datetime, str, int]] = []
    chosen: list[tuple[float, str, float | None, int]] = []
    for student, mine in per_student.items():
        scored = [s for s in mine if s.status == "scored"]
        if not scored:
            continue
        last = published[scored[-1].id]
        assert last[0] is not None and last[1] is not None  # a scored submission always publishes once
        rows.append((last[0], last[1], student, len(mine)))
        best = max(scored, key=lambda s: (s.public_score, -s.id))
        assert best.private_score is not None
        chosen.append((best.private_score, student, last[0], best.id))
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    board = tuple(BoardRow(rank=i + 1, student=student, published=value, submissions=n, updated_at=when)
                  for i, (value, when, student, n) in enumerate(rows))
    final = None
    if closed:
        chosen.sort(key=lambda c: (-c[0], c[3]))
        final = tuple(RankRow(rank=i + 1, student=student, private_score=score, published=pub, submission_id=sid)
                      for i, (score, student, pub, sid) in enumerate(chosen))
    return board, final


def export_csv(subs: Sequence[Sub], eta: float) -> str:
    """Every submission with its exact public and private scores and the value the Ladder published."""
    published = submissions.published(subs, eta)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["submission_id", "student", "created_at", "status", "error", "source", "public_score",
                     "private_score", "published"])
    for s in subs:
        writer.writerow([s.id, s.student, s.created_at.isoformat(), s.status, s.error or "", s.source,
                         _cell(s.public_score), _cell(s.private_score), _cell(published[s.id][0])])
    return out.getvalue()


def _cell(value: float | None) -> str:
    return "" if value is None else repr(float(value))
