"""A class of 30 on the lab as an instructor runs it: every student plays a playground and submits now and then.

    .venv/bin/python benchmarks/bench_class.py [--students 30] [--seconds 20] [--workers 1,2] [--pg URL|auto]

For each worker count, ``neuronlab lab --workers W`` runs as a whole process tree on a free 127.0.0.1
port over a fresh store (SQLite file; PostgreSQL with ``--pg``), a class with one moons task at the
board's defaults (5 submissions a day) is created through the library, and this process plays the
students, each with its own HTTP connection (so the kernel spreads them over the workers):

- the page's play loop: pull the next frame (``POST step`` with ``curve: false``) once the last one
  has arrived, at most ``--fps`` a second, one request in flight;
- every ``--submit-every`` seconds (staggered): the playground's predictions for the class task's test
  inputs, submitted as JSON; more attempts than the quota, so the server must refuse the rest (429).

Reported per worker count: frames/s per student (median and p10), server CPU per frame (all lab
processes, submissions included), submission latency p50/p99; checked from the database afterwards:
every 201 has its row, no row was not answered, each student holds exactly min(attempts, quota) rows.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import text

from neuronlab.classroom import Classroom
from neuronlab.store.engine import make_engine

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_lab import free_port, pct  # noqa: E402  (the playground benchmark's helpers)
from bench_store import pg_server, scratch_pg  # noqa: E402  (the store benchmark's PostgreSQL recipe)


@dataclass
class Student:
    name: str
    token: str
    frames: list[float] = field(default_factory=list)  # arrival times
    latencies: list[float] = field(default_factory=list)  # submissions
    statuses: list[int] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    workers: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)  # refused playground requests, with their reason


def tree_cpu(pid: int) -> float:
    """User + system CPU seconds of the lab's process and all its children (the workers)."""
    proc = psutil.Process(pid)
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def start_lab(url: str, workers: int, students: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    # every simulated student comes from 127.0.0.1, like a class behind one NAT: lift the per-address cap
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "NEURONLAB_PLAYGROUND_SESSIONS_PER_CLIENT": str(4 * students)}
    proc = subprocess.Popen([sys.executable, "-m", "neuronlab", "lab", "--port", str(port), "--db", url,
                             "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    seen: set[str] = set()
    while len(seen) < workers:  # every worker up (new connections land on any of them)
        try:
            seen.add(str(httpx.get(f"{base}/api/health", timeout=5).json()["pid"]))
        except httpx.HTTPError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("the lab did not start") from None
            time.sleep(0.2)
    return proc, base


def setup(url: str, students: int) -> tuple[int, list[str]]:
    room = Classroom(url)
    cls, instructor = room.create_class(name="bench")
    task = room.add_task(class_id=cls.id, instructor_token=instructor, task="moons", name="moons")
    codes = room.issue_join_codes(class_id=cls.id, instructor_token=instructor, n=students)
    tokens = [room.join(code=code, name=f"s{i:02d}")[1] for i, code in enumerate(codes)]
    room.close()
    return task.id, tokens


async def student(me: Student, base: str, task_id: int, args: argparse.Namespace, offset: float) -> None:
    auth = {"Authorization": f"Bearer {me.token}"}
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        inputs = (await client.get(f"/api/class/tasks/{task_id}/inputs", headers=auth)).json()
        r = await client.post("/api/playground", json={})
        r.raise_for_status()
        sid = r.json()["id"]
        stop_at = time.perf_counter() + args.seconds

        async def play() -> None:
            body = {"epochs": 1, "curve": False}
            while time.perf_counter() < stop_at:
                t0 = time.perf_counter()
                r = await client.post(f"/api/playground/{sid}/step", json=body)
                if r.status_code != 200:
                    me.errors.append(f"step {r.status_code}: {r.json().get('detail')}")
                    continue
                me.frames.append(time.perf_counter())
                me.workers.add(r.headers.get("x-neuronlab-worker", "?"))
                await asyncio.sleep(max(0.0, 1.0 / args.fps - (time.perf_counter() - t0)))

        async def submit() -> None:
            await asyncio.sleep(offset)
            while time.perf_counter() < stop_at:
                t0 = time.perf_counter()
                r = await client.post(f"/api/playground/{sid}/predict", json={"X": inputs["rows"]})
                if r.status_code != 200:
                    me.errors.append(f"predict {r.status_code}: {r.json().get('detail')}")
                    continue
                y = r.json()["y"]
                sent = time.perf_counter()
                r = await client.post(f"/api/class/tasks/{task_id}/submissions", headers=auth,
                                      json={"predictions": [int(v) for v in y]})
                me.latencies.append(time.perf_counter() - sent)
                me.statuses.append(r.status_code)
                if r.status_code == 201:
                    me.ids.append(int(r.json()["id"]))
                await asyncio.sleep(max(0.0, args.submit_every - (time.perf_counter() - t0)))

        await asyncio.gather(play(), submit())


def verify(url: str, task_id: int, crowd: list[Student], quota: int) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT s.id, m.name FROM class_submissions s JOIN class_members m "
                                 "ON m.id = s.member_id WHERE s.task_id = :t"), {"t": task_id}).all()
    engine.dispose()
    problems = []
    by_student = Counter(name for _id, name in rows)
    ids = {int(i) for i, _name in rows}
    for me in crowd:
        attempts = len(me.statuses)
        if by_student[me.name] != min(attempts, quota):
            problems.append(f"{me.name}: {by_student[me.name]} rows for {attempts} attempts, quota {quota}")
        if set(me.ids) - ids or len(me.ids) != by_student[me.name]:
            problems.append(f"{me.name}: answered 201 for {len(me.ids)} but {by_student[me.name]} rows")
        if set(me.statuses) - {201, 429}:
            problems.append(f"{me.name}: unexpected statuses {Counter(me.statuses)}")
    return problems


def one(url: str, workers: int, args: argparse.Namespace) -> dict[str, Any]:
    proc, base = start_lab(url, workers, args.students)
    try:
        task_id, tokens = setup(url, args.students)
        crowd = [Student(f"s{i:02d}", token) for i, token in enumerate(tokens)]
        cpu0, wall0 = tree_cpu(proc.pid), time.perf_counter()

        async def everyone() -> None:
            await asyncio.gather(*(student(me, base, task_id, args, args.submit_every * i / len(crowd))
                                   for i, me in enumerate(crowd)))

        asyncio.run(everyone())
        wall, cpu = time.perf_counter() - wall0, tree_cpu(proc.pid) - cpu0
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    problems = verify(url, task_id, crowd, quota=5)
    rates = []
    for me in crowd:
        steady = [t for t in me.frames if t - me.frames[0] >= 2.0]  # after each student's first 2 s
        if len(steady) > 1:
            rates.append((len(steady) - 1) / (steady[-1] - steady[0]))
    latencies = [t for me in crowd for t in me.latencies]
    frames = sum(len(me.frames) for me in crowd)
    return {"workers": workers, "frames/s median": statistics.median(rates), "frames/s p10": pct(rates, 0.10),
            "CPU ms/frame": 1e3 * cpu / frames, "cores used": cpu / wall,
            "submit p50 ms": 1e3 * pct(latencies, 0.5), "submit p99 ms": 1e3 * pct(latencies, 0.99),
            "submissions": dict(Counter(s for me in crowd for s in me.statuses)),
            "workers seen": len(set().union(*(me.workers for me in crowd))),
            "refused": dict(Counter(e for me in crowd for e in me.errors)), "checks": problems or "all hold"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--fps", type=float, default=20.0, help="the page's frame cap")
    parser.add_argument("--submit-every", type=float, default=3.0, help="seconds between a student's submissions")
    parser.add_argument("--workers", default="1,2", help="worker counts to run, comma-separated")
    parser.add_argument("--pg", help="a PostgreSQL server URL, or 'auto' for a throw-away server")
    args = parser.parse_args()
    print(f"{args.students} students, {args.seconds:g} s each run, frame cap {args.fps:g}/s, a submission every "
          f"{args.submit_every:g} s per student; {os.cpu_count()} cores", flush=True)
    rows = []
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        server = stack.enter_context(pg_server(args.pg)) if args.pg else None
        for n in (int(w) for w in args.workers.split(",")):
            url = stack.enter_context(scratch_pg(server)) if server else f"sqlite:///{tmp}/class{n}.db"
            row = one(url, n, args)
            print(row, flush=True)
            rows.append(row)
    keys = [k for k in rows[0] if k not in ("workers", "submissions", "refused", "checks")]
    print("\n| workers | " + " | ".join(keys) + " | checks |\n|---|" + "---:|" * len(keys) + "---|")
    for row in rows:
        print(f"| {row['workers']} | " + " | ".join(f"{row[k]:.1f}" if isinstance(row[k], float) else str(row[k])
                                                    for k in keys) + f" | {row['checks']} |")
    if any(row["checks"] != "all hold" or row["refused"] for row in rows):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
