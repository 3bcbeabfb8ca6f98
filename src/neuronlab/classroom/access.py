"""Who a token belongs to, and whether it may act: the instructor of a class, or a student.

Only digests of tokens are stored (:mod:`neuronlab.classroom.tokens`).  The errors tell apart "no
token or not ours" (AuthError, HTTP 401) from "a real token that may not do this" (ForbiddenError,
HTTP 403), and each says which token to use instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from neuronlab.classroom.errors import AuthError, ForbiddenError, NotFoundError
from neuronlab.classroom.inputs import row_id
from neuronlab.classroom.models import Member, SchoolClass
from neuronlab.classroom.tokens import digest, kind_of, matches
from neuronlab.classroom.views import Identity

BEARER = "pass it as Authorization: Bearer <token>"


def check_instructor(conn: Connection, class_id: int, token: str | None) -> None:
    """Refuse unless ``token`` is the instructor token of class ``class_id`` (which must exist)."""
    row = conn.execute(select(SchoolClass.id, SchoolClass.instructor_digest)
                       .where(SchoolClass.id == row_id(class_id))).one_or_none()
    if row is None:
        raise NotFoundError(f"no class {class_id}; check the class id")
    if not token:
        raise AuthError(f"this needs the class's instructor token; {BEARER}")
    if matches(token, row.instructor_digest):
        return
    if kind_of(token) in ("instructor", "student"):
        raise ForbiddenError(f"only the instructor of class {class_id} may do this; use that class's "
                             "instructor token")
    raise AuthError(f"unknown token; this needs the class's instructor token ({BEARER})")


def student(conn: Connection, token: str | None, known: dict[str, Any]) -> Any:
    """The member row (id, class_id, name, token_digest) of a student token.

    ``known`` maps token digests to member rows already read: a member never changes once written, so
    a process reads each one once.
    """
    if not token:
        raise AuthError(f"this needs your student token (from joining the class); {BEARER}")
    key = digest(token)
    row = known.get(key)
    if row is None:
        row = conn.execute(select(Member.id, Member.class_id, Member.name, Member.token_digest)
                           .where(Member.token_digest == key)).one_or_none()
    if row is None or not matches(token, row.token_digest):
        if kind_of(token) == "instructor":
            raise ForbiddenError("this is for students; join the class with a join code to get a student token")
        raise AuthError(f"unknown student token; use the token you got when joining ({BEARER})")
    known[key] = row
    return row


def identify(conn: Connection, token: str | None, known: dict[str, Any]) -> Identity:
    """The instructor of a class or a student (``known`` as in :func:`student`)."""
    if token and kind_of(token) == "instructor":
        row = conn.execute(select(SchoolClass.id, SchoolClass.instructor_digest)
                           .where(SchoolClass.instructor_digest == digest(token))).one_or_none()
        if row is not None and matches(token, row.instructor_digest):
            return Identity(role="instructor", class_id=int(row.id))
        raise AuthError(f"unknown token; use the instructor token `neuronlab class create` printed ({BEARER})")
    member = student(conn, token, known)
    return Identity(role="student", class_id=member.class_id, member_id=member.id, name=member.name)
