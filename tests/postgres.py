"""A real PostgreSQL server for tests (pytest plugin: ``pytest_plugins = ["postgres"]`` in tests/conftest.py).

``postgres_url`` (session) starts a throw-away server from Debian's binaries in a temp dir, on a free
port, and stops it at the end; under pytest-xdist each worker gets its own.  ``postgres_db_url``
(function) is a fresh empty database on it, dropped afterwards.  Missing binaries FAIL the tests:
run ./test.sh, which installs them.  As root the server runs as the ``postgres`` user (PostgreSQL
refuses root).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

USER = "neuronlab"


def find_bin() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl, if any."""
    found = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin") if Path(p, "initdb").exists()]
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, default=None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """``with PostgresServer() as url:`` — a scratch server for tests and benchmarks."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="nlpg-"))  # short: the socket path must fit 107 bytes
        self.data = self.dir / "data"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, user="postgres", group="postgres")
        self.port = 0

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    def start(self) -> str:
        done = self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", USER, "-E", "UTF8",
                         "--locale=C", "--no-sync")
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stderr.strip()}")
        for _attempt in range(5):  # the free port may be taken between probe and bind
            self.port = _free_port()
            options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
            done = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-t", "60",
                             "-o", options, "start")
            if done.returncode == 0:
                break
        else:
            logfile = self.dir / "log"
            log = logfile.read_text(errors="replace")[-2000:] if logfile.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip()}\n{log}")
        ready = self._run("pg_isready", "-h", "127.0.0.1", "-p", str(self.port), "-t", "30")
        if ready.returncode:
            raise RuntimeError(f"PostgreSQL not ready: {ready.stdout.strip()}")
        return self.url()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> str:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _admin(url: str, statement: str, database: str) -> None:
    """Run ``statement`` (with ``{}`` for the quoted database name) outside a transaction."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(sql.Identifier(database)))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a scratch PostgreSQL server (``postgres`` database) for this test session / xdist worker."""
    bindir = find_bin()
    if bindir is None:
        pytest.fail("PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin; run ./test.sh "
                    "(it installs them) or apt-get install postgresql", pytrace=False)
    with PostgresServer(bindir) as url:
        yield url


@pytest.fixture
def postgres_db_url(postgres_url: str) -> Iterator[str]:
    """A fresh, empty database on the scratch server, dropped after the test."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    _admin(postgres_url, "CREATE DATABASE {}", name)
    try:
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        _admin(postgres_url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)
