"""Claims kept alive and taken only from the dead: the takeover rule and the heartbeat thread.

The rule is attacked with real processes on this host (alive, zombie, exited, a pid whose start time
does not match); the thread with a real store, a real child process that must exit while the thread
runs, and a PostgreSQL server that refuses connections for a while.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from test_store_claims import _dead_pid, _set_owner  # the single-claim tests' helpers

from neuronlab.errors import ConfigError
from neuronlab.store import RunStore
from neuronlab.store import heartbeat as hb
from neuronlab.store.engine import make_engine
from neuronlab.store.models import Run
from neuronlab.store.owners import RELEASED, process_start, this_owner

RunArgs = Callable[..., dict[str, Any]]
HOST = socket.gethostname()


def _claim(store: RunStore, args: dict[str, Any]) -> int:
    run_id = store.claim(**args)
    assert run_id is not None
    return run_id


def _age(url: str, run_id: int, seconds: float) -> None:
    """Make the run's heartbeat ``seconds`` old, its owner untouched."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(update(Run).where(Run.id == run_id)
                     .values(heartbeat_at=datetime.now(UTC) - timedelta(seconds=seconds)))
    engine.dispose()


def _until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Wait for ``condition`` (a generous bound: only a broken feature waits that long)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    """A live process on this host that is not us (ended afterwards, by its pid)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    yield proc
    proc.kill()
    proc.wait()


def _beat_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "neuronlab-heartbeat"]


# ------------------------------------------------------------------------------------ the takeover rule


def test_a_live_owner_on_this_host_is_never_taken_however_silent(store: RunStore, run_args: RunArgs,
                                                                   sleeper: subprocess.Popen[bytes]) -> None:
    """The old rule took any claim silent for stale_after_s; a live process's claim now stays its own."""
    start = process_start(sleeper.pid)
    run_id = _claim(store, run_args())
    for owner in (f"{HOST}:{sleeper.pid}:{start}", f"{HOST}:{sleeper.pid}"):  # new form, and the old one
        _set_owner(store.url, run_id, owner, age_s=7 * 24 * 3600)  # silent for a week
        assert store.claim(**run_args(), stale_after_s=1) is None, owner
    assert store.get(run_id).owner == f"{HOST}:{sleeper.pid}"


def test_a_dead_owner_on_this_host_is_taken_at_once_even_when_its_pid_lives_on(
        store: RunStore, run_args: RunArgs, sleeper: subprocess.Popen[bytes]) -> None:
    run_id = _claim(store, run_args())
    start = int(process_start(sleeper.pid) or 0)
    # the pid now belongs to a process started at another time: the kernel reused it
    _set_owner(store.url, run_id, f"{HOST}:{sleeper.pid}:{start + 1}")
    assert store.claim(**run_args(), stale_after_s=3600) == run_id
    assert store.get(run_id).owner == this_owner()

    # a zombie (killed, not yet reaped) still answers kill(pid, 0), but it will never finish a run
    zombie = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    zstart = process_start(zombie.pid)
    os.kill(zombie.pid, signal.SIGKILL)
    stat = Path(f"/proc/{zombie.pid}/stat")
    _until(lambda: stat.read_text().rpartition(")")[2].split()[0] == "Z", "a zombie")
    try:
        _set_owner(store.url, run_id, f"{HOST}:{zombie.pid}:{zstart}")
        assert store.claim(**run_args(), stale_after_s=3600) == run_id
    finally:
        zombie.wait()
    _set_owner(store.url, run_id, f"{HOST}:{_dead_pid()}:{zstart}")  # exited and reaped
    assert store.claim(**run_args(), stale_after_s=3600) == run_id


def test_another_hosts_owner_is_taken_only_after_the_window(store: RunStore, run_args: RunArgs,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    run_id = _claim(store, run_args())
    monkeypatch.setenv(hb.STALE_ENV, "50")
    for owner in ("other-host:1:123", "other-host:1", "not an owner string"):
        _set_owner(store.url, run_id, owner, age_s=40)
        assert store.claim(**run_args()) is None, owner  # 40 s silent < the 50 s window
        _set_owner(store.url, run_id, owner, age_s=60)
        assert store.claim(**run_args()) == run_id, owner
    assert store.get(run_id).owner == this_owner()


def test_bad_heartbeat_settings_are_one_line_errors(store: RunStore, run_args: RunArgs,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for value in ("abc", "0", "-1", "nan", "inf"):
        monkeypatch.setenv(hb.STALE_ENV, value)
        with pytest.raises(ConfigError, match=f"{hb.STALE_ENV} must be a positive number of seconds") as err:
            store.claim(**run_args())
        assert "\n" not in str(err.value)
        monkeypatch.delenv(hb.STALE_ENV)
        monkeypatch.setenv(hb.PERIOD_ENV, value)
        with pytest.raises(ConfigError, match=f"{hb.PERIOD_ENV} must be a positive"), hb.renewing():
            pass
        monkeypatch.delenv(hb.PERIOD_ENV)
    assert hb.period_s() == 30 and hb.stale_after_s() == 300  # the defaults: ten beats per window


# ------------------------------------------------------------------------------------ the heartbeat thread


def test_the_thread_renews_held_claims_that_are_still_ours_and_stops_after_the_block(
        store: RunStore, run_args: RunArgs) -> None:
    mine, finished, taken = (_claim(store, run_args(i)) for i in range(3))
    store.finish(finished, status="done", metrics={})
    assert hb.held(store) == {mine, taken}  # held from the claim, dropped at the finish
    _set_owner(store.url, taken, "other-host:1:1")  # someone took it from us meanwhile
    for run_id in (mine, finished, taken):
        _age(store.url, run_id, 3600)
    before = {run_id: store.get(run_id).heartbeat_at for run_id in (mine, finished, taken)}

    with hb.renewing(period=0.05):
        assert len(_beat_threads()) == 1
        with hb.renewing():  # nested blocks (run_sweep → run_experiment) share the one thread
            assert len(_beat_threads()) == 1
        _until(lambda: store.get(mine).heartbeat_at > before[mine] + timedelta(seconds=3000), "a renewal")
    _until(lambda: not _beat_threads(), "the thread to stop")
    assert store.get(finished).heartbeat_at == before[finished]  # finished: not renewed
    assert store.get(taken).heartbeat_at == before[taken]  # not ours any more: not kept alive for them
    assert store.renew([mine, finished, taken]) == 1


def test_a_process_holding_claims_exits_while_its_thread_runs(store_url: str) -> None:
    script = ("import sys, time; from neuronlab.store import RunStore, hash_spec, heartbeat\n"
              "heartbeat.keep_renewing()\n"
              "spec = {'k': 1}\n"
              "store = RunStore(sys.argv[1])\n"
              "run_id = store.claim(spec=spec, spec_hash=hash_spec(spec), seed=0, experiment='e', task='xor',\n"
              "                     model='mlp', params={})\n"
              "while store.get(run_id).heartbeat_at == store.get(run_id).started_at:  # until a renewal\n"
              "    time.sleep(0.01)\n"
              "print(run_id, flush=True)\n")
    done = subprocess.run([sys.executable, "-c", script, store_url], capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, NEURONLAB_HEARTBEAT_S="0.05"))
    # the thread renewed the claim, and the script ended while it ran: a daemon never holds a process open
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().isdigit()


def test_the_thread_survives_a_database_that_refuses_connections(postgres_url: str, postgres_db_url: str,
                                                                 run_args: RunArgs,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    import psycopg

    name = postgres_db_url.rsplit("/", 1)[1]
    store = RunStore(postgres_db_url)
    run_id = _claim(store, run_args())
    admin = psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    try:
        with caplog.at_level(logging.WARNING, logger=hb.__name__), hb.renewing(period=0.05):
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            _until(lambda: "could not renew 1 claimed run(s)" in caplog.text, "a failed renewal to be logged")
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            _age(postgres_db_url, run_id, 3600)
            _until(lambda: store.get(run_id).heartbeat_at > datetime.now(UTC) - timedelta(seconds=60),
                   "a renewal once the database is back")
    finally:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin.close()
        store.close()


def test_a_released_claim_is_free_at_once_on_this_host(store: RunStore, run_args: RunArgs) -> None:
    """An interrupted sweep in a process that lives on (a notebook) gives its claims back."""
    run_id = _claim(store, run_args())
    assert store.claim(**run_args(), stale_after_s=0) is None  # ours, and we are alive
    store.release([run_id])
    assert hb.held(store) == set() and store.get(run_id).owner == f"{RELEASED}:{this_owner()}"
    assert store.claim(**run_args(), stale_after_s=3600) == run_id
    assert hb.held(store) == {run_id}
    store.finish(run_id, status="done", metrics={})
    store.release([run_id])  # a finished run stays finished
    assert store.get(run_id).status == "done" and store.get(run_id).owner == this_owner()
