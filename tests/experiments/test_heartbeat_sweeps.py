"""Sweeps never take a run from a live owner, and still take it from a dead one (real processes).

The owner is a sweep on "another host": a process in its own UTS namespace (``unshare --uts``, as
root) whose ``socket.gethostname()`` is ``other-host``, so this host cannot look at its pid and only
its heartbeats say it is alive.  The owner is held at a point where it owns claims it has not
recorded (a run between its claim and its training; chunks claimed up front behind a slow first
result) for many windows while a concurrent sweep on this host tries to take them, then let go: it
trains and records.  The windows are shortened by the environment: renew every 0.1 s, stale after
1 s.  The owner warms its engine up first: a cold start imports and loads compiled kernels for
seconds, partly holding the GIL, which a 300 s window never notices but a 1 s one would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import timedelta
from pathlib import Path

import pytest

from neuronlab.experiments.executors import evaluate_chunk, run_chunked
from neuronlab.experiments.runner import expand, run_sweep
from neuronlab.experiments.spec import loads_spec
from neuronlab.store import RunStore
from neuronlab.store.heartbeat import PERIOD_ENV, STALE_ENV
from neuronlab.store.owners import this_owner

PERIOD, STALE = 0.1, 1.0
ENV = {PERIOD_ENV: str(PERIOD), STALE_ENV: str(STALE), "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}

SPEC = """
name = "held"
seeds = [0]

[task]
name = "moons"
params = { n_samples = 100 }

[model]
kind = "mlp"
hidden = [4]

[train]
max_epochs = 20
"""
CHUNKS = SPEC + '\n[sweep.grid]\n"model.hidden.0" = [2, 3, 4, 5]\n'

# A sweep that stops, owning claims it has not recorded, until the file GO exists.  "local": the run
# waits between its claim and its training (its real training follows); otherwise every chunk is
# claimed up front and the first result waits, so the others sit claimed and unrecorded behind it.
OWNER = """
import json, pathlib, sys, time
from neuronlab.experiments import runner
from neuronlab.experiments.spec import loads_spec
from neuronlab.store import RunStore
db, spec, go, executor, jobs = sys.argv[1:6]

def wait_for_go():
    print("holding", flush=True)
    while not pathlib.Path(go).exists():
        time.sleep(0.02)

on_result, seen = None, []
if executor == "local":
    train = runner.evaluate_spec
    train(runner.expand(loads_spec(spec))[0][0], seed=0, figures=False)  # warm up: imports, kernels
    def held(*args, **kwargs):
        wait_for_go()
        return train(*args, **kwargs)
    runner.evaluate_spec = held
else:
    def on_result(outcome):
        if not seen:
            seen.append(outcome)
            wait_for_go()
outcomes = runner.run_sweep(loads_spec(spec), store=RunStore(db), executor=executor, jobs=int(jobs),
                            chunk_size=1, on_result=on_result)
print(json.dumps(sorted(o.status for o in outcomes)), flush=True)
"""

# A concurrent sweep of the same spec on this host, again and again until the file STOP exists.
CONTENDER = """
import json, pathlib, sys, time
from neuronlab.experiments.runner import run_sweep
from neuronlab.experiments.spec import loads_spec
from neuronlab.store import RunStore
db, spec, stop = sys.argv[1], loads_spec(sys.argv[2]), pathlib.Path(sys.argv[3])
store, statuses = RunStore(db), []
while not stop.exists():
    statuses += [o.status for o in run_sweep(spec, store=store)]
    print("tried", time.time(), flush=True)
    time.sleep(0.02)
print(json.dumps(statuses), flush=True)
"""


def _other_host(args: list[str]) -> list[str]:
    """``args`` run with ``socket.gethostname() == 'other-host'`` (a new UTS namespace)."""
    return ["unshare", "--uts", "sh", "-c", 'hostname other-host && exec "$0" "$@"', *args]


@pytest.fixture(scope="module", autouse=True)
def _needs_unshare() -> None:
    try:
        probe = subprocess.run(_other_host(["hostname"]), capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        pytest.skip("needs unshare (util-linux) to run a process under another host name")
    if probe.returncode or probe.stdout.strip() != "other-host":
        pytest.skip(f"unshare --uts needs root here ({probe.stderr.strip()})")


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'runs.db'}"
    return str(request.getfixturevalue("postgres_db_url"))


def _start(args: list[str], **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, **ENV, **env))


def _line(proc: subprocess.Popen[str], startswith: str) -> str:
    assert proc.stdout is not None
    while True:
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else "the process died"
        if line.startswith(startswith):
            return line


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts; any still running at its end is killed by its pid."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def _hold_against_a_contender(db: str, spec: str, executor: str, jobs: int, tmp_path: Path,
                              procs: list[subprocess.Popen[str]]) -> tuple[list[str], list[str]]:
    """Run OWNER on other-host and CONTENDER here; hold the owner for 5 windows of the contender's
    attempts: (owner's statuses, contender's statuses)."""
    go, stop = tmp_path / "go", tmp_path / "stop"
    owner = _start(_other_host([sys.executable, "-c", OWNER, db, spec, str(go), executor, str(jobs)]))
    procs.append(owner)
    _line(owner, "holding")
    contender = _start([sys.executable, "-c", CONTENDER, db, spec, str(stop)])
    procs.append(contender)
    first = float(_line(contender, "tried").split()[1])
    while float(_line(contender, "tried").split()[1]) < first + 5 * STALE:
        pass
    go.touch()
    out, err = owner.communicate(timeout=300)
    assert owner.returncode == 0, err
    stop.touch()
    tail, err = contender.communicate(timeout=120)
    assert contender.returncode == 0, err
    return json.loads(out.splitlines()[-1]), json.loads(tail.splitlines()[-1])


@pytest.mark.slow
def test_a_run_held_past_the_window_by_another_host_is_not_taken(db: str, tmp_path: Path,
                                                                  procs: list[subprocess.Popen[str]]) -> None:
    owner, contender = _hold_against_a_contender(db, SPEC, "local", 1, tmp_path, procs)
    assert owner == ["done"]
    assert contender and set(contender) == {"skipped"}  # never taken over, never trained twice
    (run,) = RunStore(db).list_runs()
    record = RunStore(db).get(run.id)
    assert record.status == "done" and record.owner.startswith("other-host:") and record.history
    # it was claimed 5 windows before it finished, and kept alive all along
    assert record.started_at is not None and record.heartbeat_at - record.started_at > timedelta(seconds=4 * STALE)


@pytest.mark.slow
def test_chunks_queued_past_the_window_are_not_taken(db: str, tmp_path: Path,
                                                     procs: list[subprocess.Popen[str]]) -> None:
    """Ensemble --jobs 2: four chunks claimed up front; three wait behind the first result."""
    owner, contender = _hold_against_a_contender(db, CHUNKS, "ensemble", 2, tmp_path, procs)
    assert owner == ["done"] * 4
    assert contender and set(contender) == {"skipped"}
    store = RunStore(db)
    runs = [store.get(r.id) for r in store.list_runs()]
    assert len(runs) == 4 and len({(r.spec_hash, r.seed) for r in runs}) == 4
    assert all(r.status == "done" and r.owner.startswith("other-host:") and r.history for r in runs)
    waited = [r for r in runs if r.finished_at and r.started_at
              and r.finished_at - r.started_at > timedelta(seconds=4 * STALE)]
    assert len(waited) >= 3  # queued for many windows, and still recorded by their owner


def _killed_owner(args: list[str], procs: list[subprocess.Popen[str]]) -> None:
    """Start OWNER (``args``), let it claim, and SIGKILL it while it holds the run."""
    owner = _start(args)
    procs.append(owner)
    _line(owner, "holding")
    owner.send_signal(signal.SIGKILL)
    owner.wait(timeout=30)


@pytest.mark.slow
def test_a_killed_owner_is_taken_at_once_here_and_after_the_window_elsewhere(
        tmp_path: Path, procs: list[subprocess.Popen[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite only: the takeover rule is the same code on PostgreSQL (tests/store runs it there)."""
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    store, never = RunStore(db), str(tmp_path / "never")  # the owners wait for "never" until killed

    # on this host: its pid is gone, so the claim is free at once, however fresh its last heartbeat
    _killed_owner([sys.executable, "-c", OWNER, db, SPEC, never, "local", "1"], procs)
    monkeypatch.setenv(STALE_ENV, "3600")
    (taken,) = run_sweep(loads_spec(SPEC), store=store)
    assert taken.status == "done" and taken.run_id is not None and store.get(taken.run_id).owner == this_owner()

    # on another host: free only once it has been silent for the window (3 s here)
    other = SPEC.replace("max_epochs = 20", "max_epochs = 21")  # another run
    _killed_owner(_other_host([sys.executable, "-c", OWNER, db, other, never, "local", "1"]), procs)
    monkeypatch.setenv(STALE_ENV, "3")
    (run,) = store.list_runs(status="running")
    last_beat = store.get(run.id).heartbeat_at
    assert [o.status for o in run_sweep(loads_spec(other), store=store)] == ["skipped"]  # silent < 3 s
    deadline = time.monotonic() + 60
    while (outcome := run_sweep(loads_spec(other), store=store)[0]).status == "skipped":
        assert time.monotonic() < deadline, "the dead owner's claim was never taken"
        time.sleep(0.1)
    record = store.get(run.id)
    assert outcome.status == "done" and outcome.run_id == run.id and record.owner == this_owner()
    assert record.started_at is not None and record.started_at - last_beat > timedelta(seconds=3)
    assert len(store.list_runs()) == 2 and {r.status for r in store.list_runs()} == {"done"}


def test_a_sweep_stopped_early_gives_its_claims_back(tmp_path: Path) -> None:
    """A notebook interrupts a sweep and runs it again in the same process: nothing is blocked."""
    items = expand(loads_spec(CHUNKS))
    store = RunStore(tmp_path / "runs.db")
    with ThreadPoolExecutor(1) as pool:
        sweep = run_chunked(items, store=store, sweep="s", base_dir=None, chunk_size=1, figures=False,
                            submit=lambda payload: pool.submit(evaluate_chunk, payload, None, 1, False),
                            wait=as_completed)
        first = next(sweep)  # every chunk claimed up front, the first one recorded ...
        sweep.close()  # ... when the consumer stops: the three claimed and unrecorded are given back
    assert first.status == "done" and len(store.list_runs(status="running")) == 3
    again = run_sweep(loads_spec(CHUNKS), store=store)
    assert sorted(o.status for o in again) == ["done"] * 3 + ["skipped"]
    assert len(store.list_runs()) == 4 and {r.status for r in store.list_runs()} == {"done"}
