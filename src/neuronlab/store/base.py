"""An opened run store: its URL, engine and schema, and the two transactions every part of it uses.

:class:`~neuronlab.store.runs.RunStore` is built in layers, one job a file: this base opens the database
(creating or migrating it) and hands out read and write connections; :mod:`~neuronlab.store.queries`
reads runs on top of it; :mod:`~neuronlab.store.runs` records them.  ``_read``/``_write`` stay
protected: they are for the store's own classes, never for its callers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from neuronlab.store.engine import WRITE, db_errors, describe, make_engine, resolve_url
from neuronlab.store.schema import ensure_schema


class StoreBase:
    """The database behind a store (see :class:`~neuronlab.store.runs.RunStore` for how to open one)."""

    def __init__(self, url: str | os.PathLike[str] | None = None, *, upgrade: bool = True) -> None:
        self.url = resolve_url(url)
        self._engine = make_engine(self.url)
        self._pid = os.getpid()
        parsed = make_url(self.url)
        # only another process can take a claim away, and none sees a private in-memory database
        self._shared = parsed.get_backend_name() != "sqlite" or parsed.database not in (None, "", ":memory:")
        try:
            self.revision = ensure_schema(self._engine, self.url, upgrade=upgrade)
        except BaseException:
            self._engine.dispose()
            raise

    def __repr__(self) -> str:
        return f"{type(self).__name__}({describe(self.url)!r})"

    def close(self) -> None:
        """Release pooled connections (the store can still be used; it reconnects)."""
        self._engine.dispose()

    # -- transactions ------------------------------------------------------------------------------------

    def _fork_check(self) -> None:
        # A forked child must not share the parent's pooled sockets/file handles.
        if os.getpid() != self._pid:
            self._engine.dispose(close=False)
            self._pid = os.getpid()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        self._fork_check()
        with db_errors(self.url), self._engine.connect() as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        self._fork_check()
        with db_errors(self.url), self._engine.execution_options(**WRITE).begin() as conn:
            yield conn
