"""Serving the lab: bind the port first, then print its URL, then run one or N uvicorn worker processes.

The port is bound here, before anything is printed, so a taken port is one line and exit status 2
instead of a URL that leads a student to someone else's server.  The bound socket is handed to uvicorn;
with ``workers > 1`` uvicorn's supervisor starts that many processes on it and the kernel spreads new
connections over them.  Every worker builds its app with :func:`worker_app` from the settings this
process puts in ``$NEURONLAB_LAB_SERVE`` (the store URL and the allowed Host values); the store is
created or migrated once, here, before any worker starts.
"""

from __future__ import annotations

import errno
import json
import os
import socket
from collections.abc import Sequence

from fastapi import FastAPI

from neuronlab.errors import NeuronlabError
from neuronlab.store import RunStore, resolve_url
from neuronlab.store.engine import describe
from neuronlab.web.app import create_app
from neuronlab.web.hosts import EVERY_ADDRESS, allowed_hosts, show_host, split_host

SETTINGS_ENV = "NEURONLAB_LAB_SERVE"
MAX_WORKERS = 64
GRACEFUL_SHUTDOWN_S = 3  # open streams get this long after Ctrl+C / SIGTERM, then they are cut


class ServeError(NeuronlabError, OSError):
    """The lab cannot listen where it was asked to (port taken, address not on this machine, …)."""


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port``, or a ServeError naming the port and what to do."""
    name = split_host(host)[0] or "0.0.0.0"
    sock = socket.socket(socket.AF_INET6 if ":" in name else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a just-stopped lab's port is free at once
    # Accepted connections inherit TCP_NODELAY (Linux).  asyncio sets it only on sockets whose proto is
    # IPPROTO_TCP, and a socket made like this one has proto 0: without it, a response written as two
    # segments (headers, body) waits for the client's delayed ACK, 40 ms per request on keep-alive.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((name, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} on {name} is already in use (another lab or program is listening "
                             f"there); stop it or pass another port, e.g. --port {port + 1 if port < 65535 else 8000}"
                             ) from None
        raise ServeError(f"cannot listen on {show_host(name, port)} ({exc.strerror}); pass --host 127.0.0.1, "
                         "0.0.0.0 or an address of this machine") from None
    sock.set_inheritable(True)
    return sock


def worker_app() -> FastAPI:
    """The app of one worker process (a uvicorn factory), configured by :func:`serve`."""
    settings = json.loads(os.environ[SETTINGS_ENV])
    return create_app(settings["db"], allowed_hosts=settings["hosts"], exclusive=settings.get("workers", 1) == 1)


def serve(*, host: str = "127.0.0.1", port: int = 8000, db: str | None = None, workers: int = 1,
          allowed_host: Sequence[str] = ()) -> None:
    """Run the lab until interrupted; prints the URL to open once the port is bound.

    ``allowed_host``: further names students may open the lab under (behind a load balancer or on
    ``--host 0.0.0.0``), ``*`` for any.
    """
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    if not 1 <= workers <= MAX_WORKERS:
        raise ServeError(f"--workers must be 1..{MAX_WORKERS}, got {workers}")
    url = resolve_url(db)
    RunStore(url).close()  # create or migrate the store once, and fail here (one line) on a bad URL
    hosts = allowed_hosts(host, port, allowed_host)
    sock = bind(host, port)
    name = split_host(host)[0]
    open_at = show_host("127.0.0.1" if name in EVERY_ADDRESS else name, port)
    processes = f"{workers} worker processes, " if workers > 1 else ""
    print(f"neuronlab lab on http://{open_at}/  ({processes}store: {describe(url)}; Ctrl+C stops)", flush=True)
    if name in EVERY_ADDRESS and not allowed_host:
        print("  on every address, but it answers only Host names it knows: pass --allowed-host NAME (the name "
              "students type, e.g. this machine's) or --allowed-host '*'", flush=True)
    os.environ[SETTINGS_ENV] = json.dumps({"db": url, "hosts": hosts, "workers": workers})
    config = uvicorn.Config("neuronlab.web.server:worker_app", factory=True, workers=workers, log_level="warning",
                            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S)
    try:
        if workers > 1:
            Multiprocess(config, sockets=[sock]).run()
        else:
            uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
