"""A class on one server: members and tokens, tasks with withheld test labels, submissions, quotas,
scoring, the Ladder rule for the public board and the private final ranking (no web code here).

    from neuronlab.classroom import Classroom
    room = Classroom("class.db")          # the run store's database (SQLite path or PostgreSQL URL)
"""

from __future__ import annotations

from neuronlab.classroom.errors import AuthError, ClosedError, ForbiddenError, NotFoundError, QuotaError
from neuronlab.classroom.feed import ClassFeed, FeedEntry
from neuronlab.classroom.ladder import derived_step, ladder, ladder_update, round_to_step
from neuronlab.classroom.service import Classroom
from neuronlab.classroom.views import (
    Board,
    BoardRow,
    ClassInfo,
    Identity,
    MemberInfo,
    RankRow,
    SubmissionView,
    TaskInfo,
    TestInputs,
    TrainData,
)

__all__ = ["AuthError", "Board", "BoardRow", "ClassFeed", "ClassInfo", "Classroom", "ClosedError", "FeedEntry",
           "ForbiddenError", "Identity", "MemberInfo", "NotFoundError", "QuotaError", "RankRow", "SubmissionView",
           "TaskInfo", "TestInputs", "TrainData", "derived_step", "ladder", "ladder_update", "round_to_step"]
