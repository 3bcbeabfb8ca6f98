"""The dask executor against a real cluster: a `dask scheduler` and two `dask worker` processes.

One worker is SIGKILLed while it trains a chunk; Dask runs that chunk again on a worker that is
alive, and the client, which alone writes to the store, records every run exactly once.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from neuronlab.experiments.runner import RunOutcome, expand, run_sweep
from neuronlab.experiments.spec import loads_spec
from neuronlab.store import RunStore

distributed = pytest.importorskip("distributed")

SWEEP = """
name = "dask sweep"
seeds = [0, 1]

[task]
name = "moons"
params = { n_samples = 1000 }

[model]
kind = "mlp"
hidden = [16]

[train]
# each run trains its full 2,000 epochs (~0.1-0.3 s): chunks must still be training when the first result
# is back, or there is no busy worker to kill (with 7 ms runs every chunk was done before the first callback)
max_epochs = 2000
tol = 0.0

[sweep.grid]
"model.hidden.0" = [64, 96, 128, 160]

[sweep.random]
count = 1
"model.activation" = { dist = "choice", values = ["tanh"] }
"""

NEURON = """
name = "dask neuron"
seeds = [0]

[task]
name = "linear"

[model]
kind = "neuron"

[train]
max_epochs = 30
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _dask_cli() -> list[str]:
    exe = Path(sys.executable).with_name("dask")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "dask"]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """End a process we started, and its children (its own session), by its id."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """tcp://127.0.0.1:PORT of a scheduler with two single-threaded workers; torn down afterwards."""
    tmp_path = tmp_path_factory.mktemp("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, MPLBACKEND="Agg", OMP_NUM_THREADS="1")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with open(tmp_path / "scheduler.log", "wb") as log:
            procs.append(subprocess.Popen(
                [*_dask_cli(), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True))
        for i in range(2):
            with open(tmp_path / f"worker{i}.log", "wb") as log:
                procs.append(subprocess.Popen(
                    [*_dask_cli(), "worker", address, "--nworkers", "1", "--nthreads", "1",
                     "--dashboard-address", ":0", "--local-directory", str(tmp_path / f"w{i}")],
                    stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True))
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for proc in reversed(procs):
            _stop(proc)


def _metrics(outcomes: list[RunOutcome]) -> dict[tuple[str, int], Any]:
    return {(o.spec.spec_hash(), o.seed): (o.status, o.metrics) for o in outcomes}


@pytest.mark.slow
def test_dask_sweep_survives_a_killed_worker_and_records_each_run_once(cluster: str, tmp_path: Path) -> None:
    spec = loads_spec(SWEEP)
    total = len(expand(spec))
    store = RunStore(tmp_path / "dask.db")
    killed: dict[str, Any] = {}

    with distributed.Client(cluster, timeout=60) as client:
        def kill_a_busy_worker(outcome: RunOutcome) -> None:
            """After the first result, SIGKILL a worker (by its own pid) that is training a chunk."""
            if killed:
                return
            busy = {addr: keys for addr, keys in client.processing().items() if keys}
            if not busy:
                return
            addr = sorted(busy)[0]
            pid = client.run(os.getpid, workers=[addr])[addr]
            os.kill(pid, signal.SIGKILL)
            killed.update(addr=addr, pid=pid, tasks=len(busy[addr]))

        outcomes = run_sweep(spec, store=store, executor="dask", scheduler=cluster, chunk_size=1,
                             on_result=kill_a_busy_worker)
    assert killed and killed["tasks"] >= 1, "no worker was busy when the first result came back"

    # every run recorded exactly once, all of them done
    runs = store.list_runs()
    assert len(runs) == total and len({(r.spec_hash, r.seed) for r in runs}) == total
    assert {r.status for r in runs} == {"done"} and sorted(o.status for o in outcomes) == ["done"] * total

    # the same numbers as this process computes with the same chunks, and a re-run skips everything
    here = run_sweep(spec, store=RunStore(tmp_path / "here.db"), executor="ensemble", chunk_size=1)
    assert _metrics(outcomes) == _metrics(here)
    again = run_sweep(spec, store=store, executor="dask", scheduler=cluster, chunk_size=1)
    assert [o.status for o in again] == ["skipped"] * total


@pytest.mark.slow
def test_models_the_ensemble_cannot_batch_give_the_local_numbers_on_dask(cluster: str, tmp_path: Path) -> None:
    spec = loads_spec(NEURON)
    on_dask = run_sweep(spec, store=RunStore(tmp_path / "a.db"), executor="dask", scheduler=cluster)
    local = run_sweep(spec, store=RunStore(tmp_path / "b.db"), executor="local")
    assert [o.status for o in on_dask] == ["done"] and _metrics(on_dask) == _metrics(local)
