"""How fast the run store records and lists runs (SQLite, and PostgreSQL when a URL is given).

    .venv/bin/python benchmarks/bench_store.py [--pg postgresql+psycopg://user@host:port/postgres]

Writes: runs/s for claim + finish with a 300-epoch, 4-column history and one small PNG, one process.
Reads: list / filter / compare / export over 10,000 bulk-inserted runs.  With --pg the benchmark makes
its own scratch database on that server and drops it afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from neuronlab.store import RunStore, canonical_json, hash_spec
from neuronlab.store.codec import HISTORY_FORMAT, encode_history
from neuronlab.store.engine import WRITE, make_engine
from neuronlab.store.models import History, Run

TASKS = ("xor", "moons", "circles", "spirals", "iris")


def _spec(i: int) -> dict[str, Any]:
    return {"task": TASKS[i % len(TASKS)], "model": "mlp", "hidden": [8 * (1 + i % 4)],
            "eta": 10 ** -(1 + i % 3), "alpha": [0, 1e-4, 1e-3][i % 3], "epochs": 300, "batch": 32,
            "activation": "tanh", "i": i}


def _history(epochs: int, i: int) -> dict[str, list[float]]:
    return {"train_loss": [math.exp(-e / 50) + i * 1e-6 for e in range(epochs)],
            "val_loss": [math.exp(-e / 60) for e in range(epochs)],
            "val_accuracy": [1 - math.exp(-e / 40) for e in range(epochs)],
            "lr": [0.1] * epochs}


def _best(fn: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_writes(store: RunStore, n: int, epochs: int) -> float:
    png = bytes(range(256)) * 40  # a 10 kB "figure"
    start = time.perf_counter()
    for i in range(n):
        spec = _spec(i)
        run_id = store.claim(spec=spec, spec_hash=hash_spec(spec), seed=0, experiment="bench",
                             task=spec["task"], model="mlp", params=spec, sweep="write")
        assert run_id is not None
        store.finish(run_id, status="done", metrics={"val": {"accuracy": 0.9, "loss": 0.1}},
                     history=_history(epochs, i), artifacts={"boundary.png": png})
    return n / (time.perf_counter() - start)


def bulk_insert(store: RunStore, n: int, epochs: int) -> None:
    """n finished runs with histories in a few big statements (setup for the read timings)."""
    now = datetime.now(UTC)
    blob, n_epochs = encode_history(_history(epochs, 0))
    engine = make_engine(store.url)
    with engine.execution_options(**WRITE).begin() as conn:
        for chunk in range(0, n, 2000):
            rows = []
            for i in range(chunk, min(n, chunk + 2000)):
                spec = _spec(10_000_000 + i)
                metrics = {"val": {"accuracy": (i % 100) / 100, "loss": 0.1}, "test": {"f1": 0.5}}
                rows.append(dict(created_at=now, started_at=now, finished_at=now, duration_s=1.0,
                                 experiment="bench", task=spec["task"], model="mlp",
                                 spec=canonical_json(spec), spec_hash=hash_spec(spec), seed=0, status="done",
                                 sweep="bulk", metrics=metrics, params=spec, versions={"python": "3.11"},
                                 owner="bench:0", heartbeat_at=now))
            ids = conn.execute(insert(Run).returning(Run.id), rows).scalars().all()
            conn.execute(insert(History), [{"run_id": run_id, "format": HISTORY_FORMAT, "n_epochs": n_epochs,
                                            "data": blob} for run_id in ids])
    engine.dispose()


def bench_reads(store: RunStore) -> dict[str, float]:
    ids = [r.id for r in store.list_runs(limit=100)]
    return {
        "list all 10k (s)": _best(lambda: store.list_runs()),
        "list task=xor (s)": _best(lambda: store.list_runs(task="xor")),
        "list newest 50 (s)": _best(lambda: store.list_runs(limit=50)),
        "compare 100 runs (s)": _best(lambda: store.compare(ids)),
        "get 1 run w/ history (s)": _best(lambda: store.get(ids[0])),
        "done_keys 10k (s)": _best(lambda: store.done_keys()),
        "export csv 10k (s)": _best(lambda: store.export(format="csv"), repeat=1),
    }


@contextlib.contextmanager
def scratch_pg(url: str) -> Iterator[str]:
    import psycopg
    from psycopg import sql

    admin = url.replace("postgresql+psycopg://", "postgresql://")
    name = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def run(label: str, url: str, *, writes: int, epochs: int, n_list: int) -> dict[str, float]:
    store = RunStore(url)
    results = {"write runs/s": bench_writes(store, writes, epochs)}
    start = time.perf_counter()
    bulk_insert(store, n_list - writes, epochs)
    results["bulk insert (s)"] = time.perf_counter() - start
    results.update(bench_reads(store))
    store.close()
    print(f"\n{label}: {url}")
    for key, value in results.items():
        print(f"  {key:28s} {value:10.4f}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="a PostgreSQL server URL (a scratch database is made on it)")
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--runs", type=int, default=10_000, help="runs in the store for the read timings")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = run("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", writes=args.writes, epochs=args.epochs,
                     n_list=args.runs)
    if args.pg:
        with scratch_pg(args.pg) as url:
            pg = run("PostgreSQL", url, writes=args.writes, epochs=args.epochs, n_list=args.runs)
        print("\nPostgreSQL / SQLite time ratio (writes: SQLite / PostgreSQL runs/s)")
        for key in sqlite:
            ratio = sqlite[key] / pg[key] if key.endswith("runs/s") else pg[key] / sqlite[key]
            print(f"  {key:28s} {ratio:10.2f}")


if __name__ == "__main__":
    main()
