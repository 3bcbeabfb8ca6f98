"""Secrets of a class: instructor tokens, student tokens and join codes, stored only as digests.

Tokens carry 256 random bits (``secrets.token_urlsafe``), so a plain SHA-256 digest is enough to store
them: nobody can invert it or guess a token, and a stolen database holds no usable secret.  Digests
are looked up by equality in the database (indexed) and checked again with ``hmac.compare_digest``,
so the comparison never leaks how many characters matched.  A prefix tells the kind of a token
apart, which lets an error say "that is a student token" instead of just "no".
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Literal

Kind = Literal["instructor", "student", "code"]
PREFIX: dict[Kind, str] = {"instructor": "nli_", "student": "nls_", "code": "join-"}
_BYTES: dict[Kind, int] = {"instructor": 32, "student": 32, "code": 9}  # a join code is typed by hand


def new_token(kind: Kind) -> str:
    """A fresh random secret of ``kind`` (shown once, never stored in clear)."""
    return PREFIX[kind] + secrets.token_urlsafe(_BYTES[kind])


def digest(token: str) -> str:
    """The SHA-256 hex digest stored in place of ``token``."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def matches(token: str, stored: str) -> bool:
    """Whether ``token`` is the secret behind digest ``stored`` (constant-time)."""
    return hmac.compare_digest(digest(token), stored)


def kind_of(token: str) -> Kind | None:
    """Which kind of secret ``token`` looks like, from its prefix (None: none of ours)."""
    for kind, prefix in PREFIX.items():
        if token.startswith(prefix):
            return kind
    return None
