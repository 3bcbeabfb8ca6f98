"""Shared by the tests that run ``neuronlab lab`` as a real process: start it, find its workers, stop it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

NEURONLAB = Path(sys.executable).with_name("neuronlab")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LabProcess:
    """``neuronlab lab ARGS`` on a free 127.0.0.1 port; ``url`` once it printed its URL."""

    def __init__(self, *args: str, startup_s: float = 180) -> None:
        self.port = free_port()
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
        self.proc = subprocess.Popen([str(NEURONLAB), "lab", "--port", str(self.port), *args], env=env, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.url = f"http://127.0.0.1:{self.port}"
        assert self.proc.stdout is not None
        self.first_line = self.proc.stdout.readline()  # printed once the port is bound
        assert self.url in self.first_line, (self.first_line, self.stop())
        self.startup_s = startup_s

    def workers(self, n: int) -> set[int]:
        """Ask /api/health on a new connection each time until ``n`` different processes answered."""
        pids: set[int] = set()
        deadline = time.monotonic() + self.startup_s
        while len(pids) < n:
            assert time.monotonic() < deadline and self.proc.poll() is None, f"only {pids} answered"
            pids.add(httpx.get(f"{self.url}/api/health", timeout=60).json()["pid"])
        return pids

    def stop(self) -> str:
        """SIGINT (Ctrl+C), wait, and return what the server wrote to stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            _, err = self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        return err
