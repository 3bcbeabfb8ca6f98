"""Bringing a store's schema up to date, safely when many processes open it at once.

The revision is read first without any lock (the common case: already current, nothing to do).
Otherwise one write transaction takes the migration lock (``BEGIN IMMEDIATE`` on SQLite, an advisory
lock on PostgreSQL), reads the revision again and migrates inside that same transaction, so a crash
leaves the old schema and a second process waits and then finds nothing to do.  A store whose revision
this code does not know was written by a newer neuronlab: we refuse it and write nothing.

Only an older store goes through Alembic.  A brand-new one replays the migrations' own DDL, frozen in
``head_schema.py`` by :mod:`neuronlab.store.snapshot`, and a current one needs nothing: so the common
CLI process (a sweep into a new or current store) never imports Alembic (~160 ms).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from neuronlab.store import head_schema
from neuronlab.store.engine import WRITE, db_errors, describe, make_engine, resolve_url
from neuronlab.store.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration.  A constant, so that opening a store reads no migration file; a test checks it
# against Alembic's ScriptDirectory, so a new migration without this update fails.
HEAD_REVISION = "0004"
DIALECTS = ("sqlite", "postgresql")  # the backends resolve_url accepts, each with its frozen DDL
_PG_LOCK_KEY = 0x6E6C_5354  # "nlST": any constant both processes agree on


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic Config built in code (no alembic.ini), pointing at the shipped migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    """Alembic's view of the shipped migrations (imports Alembic: only for migrating and checks)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


@functools.cache
def known_revisions() -> tuple[str, ...]:
    """The revisions this code can migrate to, oldest first.

    Read from the file names (``0001_what.py`` is revision ``0001``, each revising the one before)
    rather than through Alembic, whose import would double the time to open a current store; a test
    checks the two agree.
    """
    return tuple(sorted(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py")))


def head_revision() -> str:
    """The newest schema revision this code knows."""
    return HEAD_REVISION


def _known() -> set[str]:
    return set(known_revisions())


def current_revision(conn: Connection) -> str | None:
    """The store's revision, or None for an empty store."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    revisions = sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    return ",".join(revisions) or None


def _check_known(url: str, revision: str | None) -> None:
    if revision is not None and revision not in _known():
        raise StoreError(f"the store at {describe(url)} is at schema {revision}, newer than this neuronlab "
                         f"(knows up to {head_revision()}); upgrade neuronlab")


def ensure_schema(engine: Engine, url: str, *, upgrade: bool = True) -> str:
    """Check (and with ``upgrade``, create or migrate) the store's schema; returns its revision."""
    with db_errors(url):
        with engine.connect() as conn:
            revision = current_revision(conn)
        if revision == HEAD_REVISION:
            return HEAD_REVISION
        _check_known(url, revision)
        if not upgrade:
            raise StoreError(f"the store at {describe(url)} is at schema {revision or 'none'}, this "
                             f"neuronlab needs {HEAD_REVISION}; run `neuronlab db upgrade`")
        with engine.execution_options(**WRITE).begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
            revision = current_revision(conn)  # again, under the lock: another process may have migrated
            _check_known(url, revision)
            if revision != HEAD_REVISION and not _create_head(conn):
                from alembic import command

                command.upgrade(alembic_config(conn), "head")
    return HEAD_REVISION


def _create_head(conn: Connection) -> bool:
    """On a brand-new store (no ``alembic_version`` table yet), create the head schema by replaying the
    migrations' frozen DDL and record the head revision; False when Alembic must do it instead (an older
    store, or a frozen DDL not matching ``HEAD_REVISION``, which a test forbids)."""
    ddl = head_schema.DDL.get(conn.dialect.name)
    if ddl is None or head_schema.REVISION != HEAD_REVISION or inspect(conn).has_table("alembic_version"):
        return False
    for statement in ddl:
        conn.exec_driver_sql(statement)
    conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": HEAD_REVISION})
    return True


def upgrade(url: str | None = None) -> str:
    """Create or migrate the store at ``url`` (see :func:`resolve_url`) to the newest schema; returns it.

    Idempotent: ``neuronlab db upgrade`` on a current store does nothing.
    """
    resolved = resolve_url(url)
    engine = make_engine(resolved)
    try:
        return ensure_schema(engine, resolved, upgrade=True)
    finally:
        engine.dispose()
