"""Shared by the tests that serve the lab for real: as a ``neuronlab lab`` process (start it, find its
workers, stop it), or an app under uvicorn in a thread of the test process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

NEURONLAB = Path(sys.executable).with_name("neuronlab")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: Any, **config: Any) -> Iterator[str]:
    """``app`` served by a real uvicorn on a free 127.0.0.1 port, in a thread; yields its URL and stops
    it (and closes the app's store) after.  ``config``: more ``uvicorn.Config`` arguments."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning", **config))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the lab did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        app.state.store.close()


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
