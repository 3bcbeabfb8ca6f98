"""Where the store lives and how we connect to it.

The store is found, in order, at

1. the ``db`` argument (``--db`` on the command line);
2. the environment variable ``NEURONLAB_DB``;
3. ``$NEURONLAB_HOME/neuronlab.db``, where ``NEURONLAB_HOME`` defaults to ``$XDG_DATA_HOME/neuronlab``
   and ``XDG_DATA_HOME`` to ``~/.local/share``.

Each may be a bare file path (an SQLite store: an existing file, or a new ``*.db``/``*.sqlite``/
``*.sqlite3`` in an existing folder; any other text is refused rather than becoming a new empty
store), ``sqlite:///path`` or ``postgresql+psycopg://user@host/db`` (``postgresql://`` and
``postgres://`` mean the same, with psycopg 3).

SQLite is tuned for many processes recording at once: WAL journal (readers never wait for the writer),
``synchronous=NORMAL`` (safe in WAL: a crash loses at most the last commits, never corrupts),
``busy_timeout`` of 60 s, foreign keys on, and write transactions opened with ``BEGIN IMMEDIATE`` so
that concurrent writers queue on the busy timeout instead of failing with "database is locked" when a
read lock cannot be upgraded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from neuronlab.store.errors import StoreError

BUSY_TIMEOUT_MS = 60_000
WRITE = {"neuronlab_write": True}  # execution option: this transaction writes (BEGIN IMMEDIATE on SQLite)
_HINT = "use a file path, sqlite:///path or postgresql+psycopg://user@host/dbname"


def default_home() -> Path:
    """``$NEURONLAB_HOME``, else ``$XDG_DATA_HOME/neuronlab``, else ``~/.local/share/neuronlab``."""
    home = os.environ.get("NEURONLAB_HOME")
    if home:
        return Path(home).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data).expanduser() / "neuronlab"


def resolve_url(db: str | os.PathLike[str] | None = None) -> str:
    """The SQLAlchemy URL of the store: explicit ``db``, else ``$NEURONLAB_DB``, else the default file."""
    raw = os.fspath(db) if db is not None else os.environ.get("NEURONLAB_DB") or ""
    if not raw.strip():
        return f"sqlite:///{default_home() / 'neuronlab.db'}"
    raw = raw.strip()
    if raw == ":memory:":
        return "sqlite://"
    if "://" not in raw:  # a bare path is an SQLite file
        return f"sqlite:///{_sqlite_path(raw)}"
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        raise StoreError(f"cannot parse the store URL {raw!r}; {_HINT}") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(f"unsupported store URL scheme {url.drivername!r} in {describe(raw)}; {_HINT}")
    return url.render_as_string(hide_password=False)


SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def _sqlite_path(raw: str) -> Path:
    """A bare ``db`` argument as an SQLite file: an existing file, or a new ``*.db`` / ``*.sqlite`` in
    an existing folder.  Anything else (``'::::'``, a typo'd URL without ``://``, a missing folder)
    used to create a new empty store silently in the current folder, so it is refused instead."""
    path = Path(raw).expanduser().absolute()
    if path.is_file():
        return path
    if path.is_dir():
        raise StoreError(f"the store {raw!r} is a folder; name a store file in it, e.g. {path / 'runs.db'}")
    if path.suffix.lower() in SQLITE_SUFFIXES and path.parent.is_dir():
        return path
    why = (f"its folder {path.parent} does not exist" if path.suffix.lower() in SQLITE_SUFFIXES
           else "it is neither a URL nor an existing file")
    raise StoreError(f"cannot use the store {raw!r}: {why}; give a URL (sqlite:///path, "
                     "postgresql+psycopg://user@host/db), an existing store file, or a new file ending in "
                     f"{', '.join(SQLITE_SUFFIXES)} in an existing folder")


def describe(url: str | URL) -> str:
    """The URL safe to print (password hidden)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return str(url)


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (already resolved), with the SQLite pragmas and transaction recipe above."""
    parsed = make_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(parsed)
        return create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    except (NoSuchModuleError, ArgumentError, ImportError) as exc:
        raise StoreError(f"cannot use the store URL {describe(url)} ({exc}); {_HINT}") from None


def _sqlite_engine(url: URL) -> Engine:
    memory = url.database in (None, "", ":memory:")
    if memory:
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        path = Path(url.database or "")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store folder {path.parent} ({exc.strerror}); "
                             "pass another --db path or set NEURONLAB_HOME") from None
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from pysqlite (it would defer it to the first DML); we emit it in _on_begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")  # first: switching to WAL may wait
        if not memory:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A deferred transaction that later writes cannot wait for the lock (SQLITE_BUSY at once);
        # an immediate one takes the write lock up front and waits on busy_timeout.
        immediate = conn.get_execution_options().get("neuronlab_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def db_errors(url: str) -> Iterator[None]:
    """Turn driver errors (unreachable server, not a database, …) into a one-line StoreError."""
    try:
        yield
    except IntegrityError:
        raise
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        hint = ("check the path points to a neuronlab store (an SQLite file) or a new file"
                if url.startswith("sqlite") else "check the URL and that the PostgreSQL server is running")
        raise StoreError(f"cannot use the store at {describe(url)} ({reason}); {hint}") from None
    except SQLAlchemyError as exc:
        reason = str(exc).strip().splitlines()[0]
        raise StoreError(f"the store at {describe(url)} failed ({reason}); check the URL or run "
                         "`neuronlab db upgrade`") from None
