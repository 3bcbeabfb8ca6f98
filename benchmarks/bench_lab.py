"""Load on the lab: N simulated students, each with a running playground, on 127.0.0.1 only.

    .venv/bin/python benchmarks/bench_lab.py [--students 30] [--seconds 15] [--fps 20] [--epochs-per-frame 1]

The lab runs in its own process (uvicorn, fresh SQLite store in a temp dir, one exclusive worker, as
``neuronlab lab`` runs it).  Each student starts a playground (moons, 2 hidden layers of 4, tanh — the
page's defaults) and plays it as the page does: it pulls the next frame (``POST step`` with
``curve: false``) once the last has arrived, at most ``--fps`` a second, one request in flight; once a
second the student also clicks Step on a second session (a request/response round trip while everyone
plays).  Reported: frames/s per student (min / p10 / median / max), frame inter-arrival p50/p99, Step
latency p50/p99 (after the first 2 s, while all 60 sessions start, and with them), and the server's CPU
time (frames per server CPU second is the figure that does not depend on what else the machine runs).
Bounded: ``--seconds`` of load plus start-up; every request has a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

SERVER = """
import sys
from neuronlab.web import create_app
import uvicorn
uvicorn.run(create_app(sys.argv[1], exclusive=True), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def student(client: httpx.AsyncClient, args: argparse.Namespace, stop_at: float, out: dict[str, Any]) -> None:
    r = await client.post("/api/playground", json={})
    r.raise_for_status()
    sid = r.json()["id"]
    r = await client.post("/api/playground", json={})
    r.raise_for_status()
    other = r.json()["id"]
    arrivals: list[float] = []
    steps: list[tuple[float, float]] = []  # (sent at, latency)

    async def play() -> None:
        """The page's play loop (drawing is free here): ask, receive, wait out the frame's 1/fps, ask again."""
        body = {"epochs": args.epochs_per_frame, "curve": False}
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            r = await client.post(f"/api/playground/{sid}/step", json=body)
            r.raise_for_status()
            arrivals.append(time.perf_counter())
            await asyncio.sleep(max(0.0, 1.0 / args.fps - (time.perf_counter() - t0)))

    async def clicks() -> None:
        while time.perf_counter() < stop_at - 1:
            t0 = time.perf_counter()
            r = await client.post(f"/api/playground/{other}/step", json={"epochs": 1})
            r.raise_for_status()
            steps.append((t0, time.perf_counter() - t0))
            await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - t0)))

    await asyncio.gather(play(), clicks())
    out["arrivals"], out["steps"] = arrivals, steps


async def run(args: argparse.Namespace, base: str) -> list[dict[str, Any]]:
    limits = httpx.Limits(max_connections=4 * args.students, max_keepalive_connections=4 * args.students)
    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(30.0), limits=limits) as client:
        results: list[dict[str, Any]] = [{} for _ in range(args.students)]
        stop_at = time.perf_counter() + args.seconds + 2  # start-up of 30 sessions included below
        await asyncio.gather(*(student(client, args, stop_at, results[i]) for i in range(args.students)))
        return results


def summarise(results: list[dict[str, Any]], warmup: float) -> dict[str, Any]:
    rates, gaps, steps, all_steps = [], [], [], []
    start = min(r["arrivals"][0] for r in results if r["arrivals"])
    for res in results:
        arrivals = res["arrivals"]
        # skip the first `warmup` seconds of each stream (sessions still starting)
        steady = [t for t in arrivals if t - arrivals[0] >= warmup] if arrivals else []
        if len(steady) > 1:
            rates.append((len(steady) - 1) / (steady[-1] - steady[0]))
            gaps += [b - a for a, b in itertools.pairwise(steady)]
        all_steps += [lat for _, lat in res["steps"]]
        steps += [lat for sent, lat in res["steps"] if sent - start >= warmup]
    return {
        "students": len(results),
        "frames_per_s_per_student": {"min": min(rates), "p10": pct(rates, 0.10), "median": statistics.median(rates),
                                     "max": max(rates)},
        "frame_interval_ms": {"p50": 1e3 * pct(gaps, 0.50), "p99": 1e3 * pct(gaps, 0.99)},
        "step_latency_ms": {"p50": 1e3 * pct(steps, 0.50), "p99": 1e3 * pct(steps, 0.99), "n": len(steps)},
        "step_latency_ms_with_startup": {"p50": 1e3 * pct(all_steps, 0.50), "p99": 1e3 * pct(all_steps, 0.99),
                                         "n": len(all_steps)},
        "frames_total": sum(len(r["arrivals"]) for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--fps", type=float, default=20.0, help="the page's frame cap")
    parser.add_argument("--epochs-per-frame", type=int, default=1)
    args = parser.parse_args()

    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        # every simulated student comes from 127.0.0.1, like a class behind one NAT: lift the per-address cap
        env = {**os.environ, "PYTHONWARNINGS": "ignore",
               "NEURONLAB_PLAYGROUND_SESSIONS_PER_CLIENT": str(4 * args.students)}
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(Path(tmp) / "bench.db"), str(port)], env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"{base}/api/tasks", timeout=5).raise_for_status()
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("the lab did not start") from None
                    time.sleep(0.2)
            cpu0 = _cpu(server.pid)
            wall0 = time.perf_counter()
            results = asyncio.run(run(args, base))
            wall = time.perf_counter() - wall0
            cpu = _cpu(server.pid) - cpu0
        finally:
            server.terminate()
            server.wait(timeout=30)
    summary = summarise(results, warmup=2.0)
    summary.update(seconds=round(wall, 1), fps_cap=args.fps, epochs_per_frame=args.epochs_per_frame,
                   server_cpu_s=round(cpu, 1), cpus=os.cpu_count())
    f, fi, st = summary["frames_per_s_per_student"], summary["frame_interval_ms"], summary["step_latency_ms"]
    print(f"{args.students} students, {wall:.1f} s, cap {args.fps:g} frames/s, {args.epochs_per_frame} epoch(s)/frame")
    print(f"  frames/s per student: min {f['min']:.1f}  p10 {f['p10']:.1f}  median {f['median']:.1f}  "
          f"max {f['max']:.1f}")
    print(f"  frame interval: p50 {fi['p50']:.0f} ms  p99 {fi['p99']:.0f} ms")
    su = summary["step_latency_ms_with_startup"]
    print(f"  Step click latency: p50 {st['p50']:.0f} ms  p99 {st['p99']:.0f} ms  ({st['n']} clicks after the "
          f"first 2 s; with start-up p50 {su['p50']:.0f} ms  p99 {su['p99']:.0f} ms)")
    print(f"  server CPU {cpu:.1f} s over {wall:.1f} s wall ({cpu / wall:.2f} cores); "
          f"{summary['frames_total'] / cpu:.0f} frames per server CPU second, start-up included (so at least "
          f"{summary['frames_total'] / cpu / args.students:.1f} frames/s per student for one free core)")
    print(json.dumps(summary))


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
