"""Claims across processes: stale takeover, resuming after SIGKILL, many writers at once."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from neuronlab.store import RunStore
from neuronlab.store.engine import make_engine
from neuronlab.store.models import History, Run
from neuronlab.store.owners import this_owner

RunArgs = Callable[..., dict[str, Any]]

# A tiny sweep: claim each spec, finish it with a 300-epoch history.  Run as its own process.
SWEEP = """
import json, sys, time
from neuronlab.store import RunStore, hash_spec
url, mode, keys = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
store = RunStore(url)
print("ready", flush=True)
if mode.startswith("wait:"):  # start together with the others
    while not __import__("os").path.exists(mode[5:]):
        time.sleep(0.01)
claimed = []
for key in keys:
    spec = {"key": key}
    run_id = store.claim(spec=spec, spec_hash=hash_spec(spec), seed=0, experiment="sweep", task="xor",
                         model="mlp", params={"key": key}, sweep="s")
    if run_id is None:
        continue
    claimed.append(key)
    if mode == "hang" and len(claimed) == 2:
        print("claimed", run_id, flush=True)
        time.sleep(120)
    store.finish(run_id, status="done", metrics={"val": {"accuracy": 1.0}},
                 history={"loss": [1.0 / (e + 1) for e in range(300)], "acc": [0.5] * 300})
print(json.dumps(claimed), flush=True)
"""


def _sweep(url: str, mode: str, keys: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", SWEEP, url, mode, json.dumps(keys)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()  # reaped: a zombie would still answer kill(pid, 0)
    return proc.pid


def _set_owner(url: str, run_id: int, owner: str, age_s: float = 0) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(update(Run).where(Run.id == run_id).values(
            owner=owner, heartbeat_at=datetime.now(UTC) - timedelta(seconds=age_s)))
    engine.dispose()


def test_takeover_of_dead_or_silent_owners_only(store: RunStore, run_args: RunArgs) -> None:
    host = socket.gethostname()
    run_id = store.claim(**run_args())
    assert run_id is not None

    _set_owner(store.url, run_id, f"{host}:{os.getppid()}")  # alive, on this host
    assert store.claim(**run_args()) is None
    _set_owner(store.url, run_id, f"elsewhere:{_dead_pid()}")  # other host: cannot tell, heartbeat fresh
    assert store.claim(**run_args()) is None
    _set_owner(store.url, run_id, f"{host}:{_dead_pid()}")  # dead, on this host
    assert store.claim(**run_args()) == run_id
    assert store.get(run_id).owner == this_owner()

    _set_owner(store.url, run_id, "elsewhere:1", age_s=3600)  # silent for an hour
    store.heartbeat(run_id)  # ... but this beat makes it fresh again
    assert store.claim(**run_args(), stale_after_s=600) is None
    _set_owner(store.url, run_id, "elsewhere:1", age_s=3600)
    assert store.claim(**run_args(), stale_after_s=7200) is None
    assert store.claim(**run_args(), stale_after_s=600) == run_id
    store.finish(run_id, status="done", metrics={})
    assert len(store.list_runs()) == 1


@pytest.mark.slow
def test_sweep_killed_with_sigkill_resumes_recording_each_run_once(store_url: str) -> None:
    keys = ["a", "b", "c"]
    proc = _sweep(store_url, "hang", keys)
    assert proc.stdout is not None
    line = ""
    while not line.startswith("claimed"):
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else "sweep died"
    killed_id = int(line.split()[1])
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    store = RunStore(store_url)
    assert [r.status for r in store.list_runs()] == ["running", "done"]

    resumed = subprocess.run([sys.executable, "-c", SWEEP, store_url, "run", json.dumps(keys)],
                             capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout.splitlines()[-1]) == ["b", "c"]  # "a" was done, "b" taken over
    runs = store.list_runs()
    assert sorted(r.params["key"] for r in runs) == keys and {r.status for r in runs} == {"done"}
    assert killed_id in {r.id for r in runs}
    assert len(store.get(killed_id).history["loss"]) == 300  # type: ignore[index]
    store.close()


@pytest.mark.slow
def test_four_processes_write_at_once_and_lose_nothing(store_url: str, tmp_path: Path) -> None:
    """4 writers on a store none of them has created yet: 50 own runs each plus 20 they all race for."""
    go = tmp_path / "go"
    shared = [f"shared{i}" for i in range(20)]
    procs = [_sweep(store_url, f"wait:{go}",
                    [f"w{w}-{i}" for i in range(50)] + shared[5 * w:] + shared[:5 * w])
             for w in range(4)]
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
    go.touch()
    outputs = [proc.communicate(timeout=120) for proc in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err
    claimed = [json.loads(out.splitlines()[-1]) for out, _ in outputs]
    for w, keys in enumerate(claimed):
        assert {k for k in keys if not k.startswith("shared")} == {f"w{w}-{i}" for i in range(50)}
    won = sorted(k for keys in claimed for k in keys if k.startswith("shared"))
    assert won == sorted(shared)  # each shared run claimed by exactly one process

    engine = make_engine(store_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Run).where(Run.status == "done")).scalar() == 220
        assert conn.execute(select(func.count()).select_from(Run)).scalar() == 220
        assert conn.execute(select(func.count()).select_from(History)).scalar() == 220
        assert conn.execute(select(func.min(History.n_epochs))).scalar() == 300
    engine.dispose()
