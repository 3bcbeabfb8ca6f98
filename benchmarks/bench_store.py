"""How fast the run store records and lists runs (SQLite, PostgreSQL), next to MLflow's own SQLite store.

    .venv/bin/python benchmarks/bench_store.py --pg auto --mlflow

Writes: runs/s for claim + finish with params, val/test metrics, a 300-epoch 4-column history and one
10 kB PNG, one process, into an empty store; ``--bulk`` adds the same runs written the way the batched
executors write them: ``claim_many`` then ``finish_many``, one transaction each per chunk of 256.
Reads: `runs list` of those N written runs, then list / filter / compare / export over 10,000 runs
(the rest bulk-inserted with the same shape).

``--pg URL`` makes a scratch database on that server (dropped afterwards); ``--pg auto`` starts a
throw-away server from Debian's binaries, the one the tests use (tests/postgres.py), and stops it.

``--mlflow`` (needs the ``bench`` extra: mlflow-skinny) logs the same runs the MLflow way into a
``sqlite:///`` tracking store with ``MlflowClient.log_batch`` (params, final metrics and every epoch as
a per-step Metric, in batches of MLflow's 1,000-entity limit) plus ``log_artifact`` for the PNG, then
lists them with ``search_runs`` (one page of up to 50,000: MLflow's fastest way).  Logging 10,000 runs
through MLflow takes long, so its write part uses ``--mlflow-runs`` runs; to list 10,000 the written
runs' rows (runs, params, tags, latest_metrics: all that ``search_runs`` reads) are then cloned in SQL,
as our own bulk insert does, without their per-step history rows, which listing never touches.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from neuronlab.store import Claim, Result, RunStore, canonical_json, hash_spec
from neuronlab.store.codec import HISTORY_FORMAT, encode_history
from neuronlab.store.engine import WRITE, make_engine
from neuronlab.store.models import History, Run

TASKS = ("xor", "moons", "circles", "spirals", "iris")
PNG = bytes(range(256)) * 40  # a 10 kB "figure"
WRITES = "write runs/s"
BULK = "bulk write runs/s"
CHUNK = 256  # as experiments.executors.CHUNK


def _spec(i: int) -> dict[str, Any]:
    return {"task": TASKS[i % len(TASKS)], "model": "mlp", "hidden": [8 * (1 + i % 4)],
            "eta": 10 ** -(1 + i % 3), "alpha": [0, 1e-4, 1e-3][i % 3], "epochs": 300, "batch": 32,
            "activation": "tanh", "i": i}


def _metrics(i: int) -> dict[str, dict[str, float]]:
    return {"val": {"accuracy": (i % 100) / 100, "loss": 0.1}, "test": {"accuracy": 0.88, "f1": 0.5}}


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


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- neuronlab --------------------------------------------------------------------------------------------

def bench_writes(store: RunStore, n: int, epochs: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        spec = _spec(i)
        run_id = store.claim(spec=spec, spec_hash=hash_spec(spec), seed=0, experiment="bench",
                             task=spec["task"], model="mlp", params=spec, sweep="write")
        assert run_id is not None
        store.finish(run_id, status="done", metrics=_metrics(i), history=_history(epochs, i),
                     artifacts={"boundary.png": PNG})
    return n / (time.perf_counter() - start)


def bench_bulk_writes(store: RunStore, n: int, epochs: int, offset: int = 5_000_000) -> float:
    """The runs of ``bench_writes`` (other specs), claimed and finished a chunk per transaction."""
    start = time.perf_counter()
    for first in range(offset, offset + n, CHUNK):
        chunk = range(first, min(offset + n, first + CHUNK))
        specs = [_spec(i) for i in chunk]
        ids = store.claim_many([Claim(spec=spec, spec_hash=hash_spec(spec), seed=0, experiment="bench",
                                      task=spec["task"], model="mlp", params=spec, sweep="bulk-write")
                                for spec in specs])
        store.finish_many([Result(run_id, "done", _metrics(i), history=_history(epochs, i),
                                  artifacts={"boundary.png": PNG})
                           for i, run_id in zip(chunk, ids, strict=True) if run_id is not None])
        assert None not in ids
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
                rows.append(dict(created_at=now, started_at=now, finished_at=now, duration_s=1.0,
                                 experiment="bench", task=spec["task"], model="mlp",
                                 spec=canonical_json(spec), spec_hash=hash_spec(spec), seed=0, status="done",
                                 sweep="bulk", metrics=_metrics(i), params=spec, versions={"python": "3.11"},
                                 owner="bench:0", heartbeat_at=now))
            ids = conn.execute(insert(Run).returning(Run.id), rows).scalars().all()
            conn.execute(insert(History), [{"run_id": run_id, "format": HISTORY_FORMAT, "n_epochs": n_epochs,
                                            "data": blob} for run_id in ids])
    engine.dispose()


def bench_reads(store: RunStore) -> dict[str, float]:
    ids = [r.id for r in store.list_runs(limit=100)]
    return {
        "list all (s)": _best(lambda: store.list_runs()),
        "list task=xor (s)": _best(lambda: store.list_runs(task="xor")),
        "list newest 50 (s)": _best(lambda: store.list_runs(limit=50)),
        "compare 100 runs (s)": _best(lambda: store.compare(ids)),
        "get 1 run w/ history (s)": _best(lambda: store.get(ids[0])),
        "done_keys (s)": _best(lambda: store.done_keys()),
        "export csv (s)": _best(lambda: store.export(format="csv"), repeat=1),
    }


def run(label: str, url: str, *, writes: int, epochs: int, n_list: int, bulk: bool = False) -> dict[str, float]:
    _say(f"{label}: writing {writes} runs ...")
    store = RunStore(url)
    results = {WRITES: bench_writes(store, writes, epochs)}
    results["list written (s)"] = _best(lambda: store.list_runs())
    if bulk:
        _say(f"{label}: writing {writes} runs in chunks of {CHUNK} ...")
        results[BULK] = bench_bulk_writes(store, writes, epochs)
    written = len(store.list_runs())
    _say(f"{label}: bulk-inserting {n_list - written} runs, then reading ...")
    start = time.perf_counter()
    bulk_insert(store, n_list - written, epochs)
    results["bulk insert (s)"] = time.perf_counter() - start
    results.update(bench_reads(store))
    store.close()
    return results


# -- PostgreSQL -------------------------------------------------------------------------------------------

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


@contextlib.contextmanager
def pg_server(arg: str) -> Iterator[str]:
    """``arg`` itself, or for ``auto`` the tests' throw-away server (so both use one recipe)."""
    if arg != "auto":
        yield arg
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from postgres import PostgresServer, find_bin  # tests/postgres.py

    bindir = find_bin()
    if bindir is None:
        raise SystemExit("--pg auto: no PostgreSQL server binaries in /usr/lib/postgresql/*/bin; "
                         "run ./test.sh (it installs them) or apt-get install postgresql")
    with PostgresServer(bindir) as url:
        yield url


# -- MLflow -----------------------------------------------------------------------------------------------

def _mlflow_client(tracking_uri: str) -> Any:
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")  # no network calls from a benchmark
    from mlflow.tracking import MlflowClient

    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return MlflowClient(tracking_uri=tracking_uri)


def mlflow_writes(client: Any, experiment: str, n: int, epochs: int, png: Path) -> float:
    """N runs logged the idiomatic fast way: create_run, log_batch (≤1,000 entities a call), artifact, end."""
    from mlflow.entities import Metric, Param

    batch = 1000  # MLflow's MAX_ENTITIES_PER_BATCH
    start = time.perf_counter()
    for i in range(n):
        spec = _spec(i)
        run_id = client.create_run(experiment, tags={"task": spec["task"], "model": "mlp", "sweep": "write"}
                                   ).info.run_id
        ts = int(time.time() * 1000)
        params = [Param(key, str(value)) for key, value in spec.items()]
        metrics = [Metric(f"{split}.{key}", value, ts, 0)
                   for split, values in _metrics(i).items() for key, value in values.items()]
        metrics += [Metric(key, value, ts, step)
                    for key, values in _history(epochs, i).items() for step, value in enumerate(values)]
        client.log_batch(run_id, params=params, metrics=metrics[:batch - len(params)])
        for offset in range(batch - len(params), len(metrics), batch):
            client.log_batch(run_id, metrics=metrics[offset:offset + batch])
        client.log_artifact(run_id, str(png))
        client.set_terminated(run_id, "FINISHED")
    return n / (time.perf_counter() - start)


def mlflow_search_all(client: Any, experiment: str, filter_string: str = "") -> list[Any]:
    """Every run, in pages of MLflow's largest allowed size (its paging is by offset: fewer pages is faster)."""
    from mlflow.store.tracking import SEARCH_MAX_RESULTS_THRESHOLD

    runs: list[Any] = []
    token = None
    while True:
        page = client.search_runs([experiment], filter_string, max_results=SEARCH_MAX_RESULTS_THRESHOLD,
                                  page_token=token)
        runs.extend(page)
        token = page.token
        if not token:
            return runs


def mlflow_clone(db: Path, total: int) -> None:
    """Copy the written runs' listing rows (runs, params, tags, latest_metrics) until ``total`` runs."""
    tables = ("params", "tags", "latest_metrics")
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        runs = [dict(row) for row in conn.execute("SELECT * FROM runs ORDER BY start_time")]
        rows: dict[str, dict[str, list[dict[str, Any]]]] = {t: {} for t in tables}
        for table in tables:
            for row in conn.execute(f"SELECT * FROM {table}"):
                rows[table].setdefault(row["run_uuid"], []).append(dict(row))
        new: dict[str, list[dict[str, Any]]] = {"runs": [], **{t: [] for t in tables}}
        for i in range(total - len(runs)):
            template = runs[i % len(runs)]
            run_uuid = uuid.uuid4().hex
            new["runs"].append({**template, "run_uuid": run_uuid, "name": f"clone-{i}",
                                "artifact_uri": template["artifact_uri"].replace(template["run_uuid"], run_uuid)})
            for table in tables:
                new[table] += [{**row, "run_uuid": run_uuid} for row in rows[table].get(template["run_uuid"], [])]
        for table, values in new.items():
            if values:
                columns = list(values[0])
                conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) "
                                 f"VALUES ({', '.join('?' * len(columns))})",
                                 [tuple(row[c] for c in columns) for row in values])


def run_mlflow(tmp: Path, *, writes: int, epochs: int, n_list: int) -> dict[str, float]:
    db = tmp / "mlflow.db"
    client = _mlflow_client(f"sqlite:///{db}")
    experiment = client.create_experiment("bench", artifact_location=(tmp / "mlartifacts").as_uri())
    png = tmp / "boundary.png"
    png.write_bytes(PNG)
    _say(f"MLflow: logging {writes} runs ...")
    results = {WRITES: mlflow_writes(client, experiment, writes, epochs, png)}
    results["list written (s)"] = _best(lambda: mlflow_search_all(client, experiment))
    _say(f"MLflow: cloning to {n_list} runs, then reading ...")
    start = time.perf_counter()
    mlflow_clone(db, n_list)
    results["bulk insert (s)"] = time.perf_counter() - start
    listed = mlflow_search_all(client, experiment)
    if len(listed) != n_list:
        raise RuntimeError(f"MLflow listed {len(listed)} runs, expected {n_list}")
    ids = [r.info.run_id for r in listed[:100]]
    by_id = "attributes.run_id IN ({})".format(", ".join(f"'{i}'" for i in ids))
    logged = next(r.info.run_id for r in listed if not r.info.run_name.startswith("clone-"))  # has a history
    history_keys = list(_history(1, 0))

    def get_one() -> None:
        client.get_run(logged)
        for key in history_keys:
            client.get_metric_history(logged, key)

    results.update({
        "list all (s)": _best(lambda: mlflow_search_all(client, experiment)),
        "list task=xor (s)": _best(lambda: mlflow_search_all(client, experiment, "tags.task = 'xor'")),
        "list newest 50 (s)": _best(lambda: client.search_runs([experiment], max_results=50)),
        "compare 100 runs (s)": _best(lambda: mlflow_search_all(client, experiment, by_id)),
        "get 1 run w/ history (s)": _best(get_one),
    })
    return results


def mlflow_problem() -> str | None:
    """Why MLflow cannot be benchmarked here, or None."""
    try:
        import mlflow  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError as exc:
        return f"{exc}; install the extra: .venv/bin/pip install -c constraints.txt -e '.[bench]'"
    return None


# -- the table --------------------------------------------------------------------------------------------

def table(columns: dict[str, dict[str, float]], *, writes: int, mlflow_writes: int, n_list: int,
          epochs: int) -> str:
    rows = {
        WRITES: f"write runs/s ({epochs} epochs; {writes} runs, MLflow {mlflow_writes})",
        BULK: f"write runs/s, claim_many + finish_many in chunks of {CHUNK} ({writes} runs)",
        "list written (s)": f"`runs list` of the {writes} written runs (MLflow: {mlflow_writes})",
        "list all (s)": f"`runs list` of {n_list:,} runs",
        "list task=xor (s)": f"list task=xor of {n_list:,}",
        "list newest 50 (s)": "list newest 50",
        "compare 100 runs (s)": "`runs compare` 100 runs (MLflow: fetch 100 by id)",
        "get 1 run w/ history (s)": f"get 1 run with its {epochs}-epoch history",
        "done_keys (s)": f"done_keys over {n_list:,} (resume a sweep)",
        "export csv (s)": f"export CSV of {n_list:,}",
        "bulk insert (s)": f"setup: bulk insert to {n_list:,} (not API)",
    }
    names = list(columns)
    ratio = "MLflow" in columns and "SQLite" in columns
    titles = {"SQLite": "neuronlab SQLite", "PostgreSQL": "neuronlab PostgreSQL", "MLflow": "MLflow SQLite"}
    head = ["measure", *(titles[n] for n in names)] + (["neuronlab SQLite vs MLflow"] if ratio else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, label in rows.items():
        cells = [label]
        for name in names:
            value = columns[name].get(key)
            cells.append("—" if value is None else f"{value:.1f}" if key in (WRITES, BULK) else f"{value:.4f}")
        if ratio:
            ours, theirs = columns["SQLite"].get(key), columns["MLflow"].get(key)
            same_n = key != "list written (s)" or writes == mlflow_writes
            if ours is None or theirs is None or key == "bulk insert (s)" or not same_n:
                cells.append("—")
            else:
                speedup = ours / theirs if key == WRITES else theirs / ours
                cells.append(f"{speedup:.1f}× {'faster' if speedup >= 1 else 'slower'}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="a PostgreSQL server URL (a scratch database is made on it), or 'auto' "
                                     "to start a throw-away server from /usr/lib/postgresql")
    parser.add_argument("--mlflow", action="store_true", help="also benchmark MLflow's SQLite tracking store")
    parser.add_argument("--writes", type=int, default=500, help="runs written through our API")
    parser.add_argument("--bulk", action="store_true", help="also write --writes runs in chunks (claim_many)")
    parser.add_argument("--mlflow-runs", type=int, help="runs logged through MLflow (default: --writes)")
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--runs", type=int, default=10_000, help="runs in the store for the read timings")
    args = parser.parse_args()
    mlflow_runs = args.writes if args.mlflow_runs is None else args.mlflow_runs
    columns: dict[str, dict[str, float]] = {}
    notes = []
    with tempfile.TemporaryDirectory() as tmp:
        columns["SQLite"] = run("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", writes=args.writes,
                                epochs=args.epochs, n_list=args.runs, bulk=args.bulk)
    if args.pg:
        with pg_server(args.pg) as server, scratch_pg(server) as url:
            columns["PostgreSQL"] = run("PostgreSQL", url, writes=args.writes, epochs=args.epochs,
                                        n_list=args.runs, bulk=args.bulk)
    if args.mlflow:
        problem = mlflow_problem()
        if problem is None:
            import mlflow

            with tempfile.TemporaryDirectory() as tmp:
                columns["MLflow"] = run_mlflow(Path(tmp), writes=mlflow_runs, epochs=args.epochs,
                                               n_list=args.runs)
            notes.append(f"MLflow {mlflow.__version__} SQLAlchemy store on sqlite:///; the {args.runs:,}-run "
                         f"store holds {mlflow_runs} logged runs plus SQL clones of their listing rows.")
        else:
            notes.append(f"MLflow skipped: {problem}")
    print()
    print(table(columns, writes=args.writes, mlflow_writes=mlflow_runs, n_list=args.runs, epochs=args.epochs))
    print(f"\nTimes in seconds (best of 3; export once).  {' '.join(notes)}")


if __name__ == "__main__":
    main()
