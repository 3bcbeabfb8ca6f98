"""The scoreboard under a class: 30 students submitting at once to a real server on 127.0.0.1.

    .venv/bin/python benchmarks/bench_scoreboard.py --pg auto

One uvicorn process serves only the scoreboard router on a free 127.0.0.1 port (SQLite file, then with
``--pg`` PostgreSQL); this process plays 30 students, each an asyncio task with its own HTTP
connection, submitting predictions as fast as the server answers: CSV and JSON alternately, every
fifth one malformed (wrong row count: it is rejected and still counts), until each student has made
``--attempts`` attempts, which is more than the quota, so the server must refuse the rest with 429.

Reported: submissions answered per second (201, 400 and 429 alike) and scored per second, latency
p50/p99 of every request.  Checked after the run, from the database: every 201 and 400 answered has
its row (no submission lost), no row exists that was not answered, and each student holds exactly
``min(attempts, quota)`` rows: quotas held exactly under concurrency.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text

from neuronlab.classroom import Classroom
from neuronlab.store.engine import make_engine

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_store import pg_server, scratch_pg  # noqa: E402  (the store benchmark's PostgreSQL recipe)


@dataclass
class Student:
    name: str
    token: str
    latencies: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)  # submission ids the server answered with (201)
    errors: int = 0  # 400s: rejected and recorded


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(url: str, port: int) -> None:
    """The server process: the scoreboard router alone, one uvicorn worker."""
    import uvicorn
    from fastapi import FastAPI

    from neuronlab.web.routes import scoreboard

    app = FastAPI()
    app.state.db_url = url
    app.state.classroom = Classroom(url)
    app.include_router(scoreboard.router)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (Linux /proc; NaN elsewhere): a cost the machine's load
    does not inflate the way it inflates latencies."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def server(url: str) -> Iterator[tuple[str, int]]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", url, "--port", str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/class/tasks/1", timeout=1).status_code in (200, 404):
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise SystemExit("the scoreboard server did not start")
        yield base, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def setup(url: str, *, students: int, quota: int) -> tuple[list[int], list[str], list[int]]:
    """A class with two moons tasks (one per phase; quota per day and in total) and its students' tokens."""
    from neuronlab.tasks import load_task

    room = Classroom(url)
    cls, instructor = room.create_class(name="bench")
    infos = [room.add_task(class_id=cls.id, instructor_token=instructor, task="moons", params={"seed": 1}, name=name,
                           quota_total=quota, quota_per_day=quota) for name in ("paced", "flat out")]
    codes = room.issue_join_codes(class_id=cls.id, instructor_token=instructor, n=students)
    tokens = [room.join(code=code, name=f"s{i:02d}")[1] for i, code in enumerate(codes)]
    room.close()
    built = load_task("moons", seed=1, **infos[0].source["params"])  # the test set a class task is built with
    return [info.id for info in infos], tokens, built.y_test.tolist()


async def student_loop(client: httpx.AsyncClient, url: str, me: Student, y: list[int], attempts: int,
                       start: float, interval: float) -> None:
    """``attempts`` submissions, one every ``interval`` seconds from ``start`` (0: as fast as answered)."""
    auth = {"Authorization": f"Bearer {me.token}"}
    loop = asyncio.get_running_loop()
    async with client:
        for k in range(attempts):
            await asyncio.sleep(max(0.0, start + k * interval - loop.time()))
            pred = [v if (i + k) % 7 else 1 - v for i, v in enumerate(y)]  # differently wrong each time
            if k % 5 == 4:
                pred = pred[:3]  # malformed: rejected, counts toward the quota
            sent = time.perf_counter()
            if k % 2:
                answer = await client.post(url, headers=auth, json={"predictions": pred})
            else:
                body = "id,prediction\n" + "".join(f"{i},{v}\n" for i, v in enumerate(pred))
                answer = await client.post(url, headers={**auth, "Content-Type": "text/csv"}, content=body)
            me.latencies.append(time.perf_counter() - sent)
            me.statuses.append(answer.status_code)
            if answer.status_code == 201:
                me.ids.append(int(answer.json()["id"]))
            elif answer.status_code == 400:
                me.errors += 1


def verify(url: str, task_id: int, crowd: list[Student], quota: int, attempts: int) -> list[str]:
    """What the database says against what the students were told; empty when all holds."""
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT s.id, m.name, s.status FROM class_submissions s "
                                 "JOIN class_members m ON m.id = s.member_id WHERE s.task_id = :t"),
                            {"t": task_id}).all()
    engine.dispose()
    problems = []
    by_student = Counter(name for _id, name, _status in rows)
    scored_ids = {int(i) for i, _name, status in rows if status == "scored"}
    for me in crowd:
        expected = min(attempts, quota)
        answered = len(me.ids) + me.errors
        if by_student[me.name] != expected:
            problems.append(f"{me.name}: {by_student[me.name]} rows, quota allows exactly {expected}")
        if answered != by_student[me.name]:
            problems.append(f"{me.name}: {answered} answered 201/400 but {by_student[me.name]} rows")
        missing = set(me.ids) - scored_ids
        if missing:
            problems.append(f"{me.name}: answered ids {sorted(missing)[:5]} not in the database")
        if set(me.statuses) - {201, 400, 429}:
            problems.append(f"{me.name}: unexpected statuses {Counter(me.statuses)}")
    return problems


def phase(label: str, url: str, base: str, pid: int, task_id: int, tokens: list[str], y: list[int], *, attempts: int,
          quota: int, rate: float | None) -> dict[str, float]:
    """One phase: every student submits ``attempts`` times, paced to ``rate`` in all (None: flat out)."""
    crowd = [Student(f"s{i:02d}", token) for i, token in enumerate(tokens)]
    interval = 0.0 if rate is None else len(crowd) / rate
    offsets = [interval * i / len(crowd) for i in range(len(crowd))]  # spread evenly over one interval

    async def everyone() -> float:
        # Clients first (one connection each, one TLS context for all: building 30 costs seconds), then the clock.
        tls = ssl.create_default_context()
        clients = [httpx.AsyncClient(timeout=60, verify=tls) for _ in crowd]
        url = f"{base}/api/class/tasks/{task_id}/submissions"
        begin = asyncio.get_running_loop().time()
        await asyncio.gather(*(student_loop(client, url, me, y, attempts, begin + offset, interval)
                               for client, me, offset in zip(clients, crowd, offsets, strict=True)))
        return asyncio.get_running_loop().time() - begin

    cpu = cpu_seconds(pid)
    wall = asyncio.run(everyone())
    cpu = cpu_seconds(pid) - cpu
    latencies = sorted(t for me in crowd for t in me.latencies)
    statuses = Counter(s for me in crowd for s in me.statuses)
    problems = verify(url, task_id, crowd, quota, attempts)
    print(f"{label}: {dict(statuses)}; checks: {problems or 'all hold'}", flush=True)
    if problems:
        raise SystemExit(f"{label}: " + "; ".join(problems))
    return {"offered/s": math.nan if rate is None else rate, "answered/s": len(latencies) / wall,
            "scored/s": statuses[201] / wall, "p50 ms": 1000 * statistics.median(latencies),
            "p99 ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
            "server CPU ms/request": 1000 * cpu / len(latencies),
            "requests": len(latencies), "scored": statuses[201], "rejected (counted)": statuses[400],
            "over quota (429)": statuses[429]}


def bench(label: str, url: str, *, students: int, attempts: int, quota: int,
          rate: float) -> dict[str, dict[str, float]]:
    (paced, flat), tokens, y = setup(url, students=students, quota=quota)
    with server(url) as (base, pid):
        return {f"{label} at {rate:g}/s": phase(f"{label} paced", url, base, pid, paced, tokens, y, attempts=attempts,
                                                quota=quota, rate=rate),
                f"{label} flat out": phase(f"{label} flat out", url, base, pid, flat, tokens, y, attempts=attempts,
                                           quota=quota, rate=None)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="a PostgreSQL server URL, or 'auto' for a throw-away server")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--attempts", type=int, default=25, help="submissions each student tries")
    parser.add_argument("--quota", type=int, default=20, help="per student, per day and in total")
    parser.add_argument("--rate", type=float, default=100, help="submissions/s offered by the class, paced phase")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    columns: dict[str, dict[str, float]] = {}
    kwargs = {"students": args.students, "attempts": args.attempts, "quota": args.quota, "rate": args.rate}
    with tempfile.TemporaryDirectory() as tmp:
        columns.update(bench("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", **kwargs))
    if args.pg:
        with pg_server(args.pg) as pg, scratch_pg(pg) as url:
            columns.update(bench("PostgreSQL", url, **kwargs))
    keys = list(next(iter(columns.values())))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
    print(f"\n{args.students} students × {args.attempts} attempts, quota {args.quota}, one uvicorn worker on "
          f"127.0.0.1; load average {load:.1f} on {os.cpu_count()} cores (other work included)\n")
    print("| | " + " | ".join(columns) + " |\n|---|" + "---:|" * len(columns))
    for key in keys:
        counts = key in ("requests", "scored", "rejected (counted)", "over quota (429)")
        cells = ["—" if math.isnan(c[key]) else f"{c[key]:.0f}" if c[key] >= 100 or counts else f"{c[key]:.1f}"
                 for c in columns.values()]
        print(f"| {key} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
