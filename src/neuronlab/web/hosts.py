"""The Host header check: the lab answers only requests that name the address it serves.

Why: the run and playground endpoints need no login, and a web page anywhere can make a student's
browser send requests to 127.0.0.1.  The same-origin rule stops that page from reading the answers,
unless it rebinds its own name to 127.0.0.1 (DNS rebinding): then the browser thinks the lab *is* that
site and lets the page read everything.  Such requests still carry the attacker's name in ``Host``, so
refusing every name the lab was not started under closes the hole.

Starlette's ``TrustedHostMiddleware`` does the same, but answers in plain text, ignores the port and
reads ``[::1]:8000`` as the name ``[``; this one answers ``{"detail": ...}`` like every other error.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK = ("127.0.0.1", "localhost", "::1")
EVERY_ADDRESS = ("0.0.0.0", "::", "")


def split_host(value: str) -> tuple[str, int | None]:
    """``"[::1]:8000"`` → ``("::1", 8000)``, ``"Lab.example."`` → ``("lab.example", None)``; a port that
    is not a number becomes -1, which matches nothing."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else rest
    elif value.count(":") == 1:
        name, _, port = value.partition(":")
    else:  # a bare name, or a bare IPv6 address as given on the command line
        name, port = value, ""
    return name.rstrip("."), (int(port) if port.isdigit() else -1) if port else None


def show_host(name: str, port: int | None = None) -> str:
    """How a URL writes the address: IPv6 in brackets, the port after a colon."""
    shown = f"[{name}]" if ":" in name else name
    return shown if port is None else f"{shown}:{port}"


def allowed_hosts(host: str, port: int, extra: Sequence[str] = ()) -> list[str]:
    """The Host values a lab listening on ``host``:``port`` answers: the loopback names with the port,
    the address itself when it is a specific one, and the instructor's ``extra`` names (``lab.school.edu``
    any port, ``lab.school.edu:443``, ``*.school.edu``, or ``*`` for any)."""
    names = [show_host(name, port) for name in LOOPBACK]
    bound = split_host(host)[0]
    if bound not in LOOPBACK and bound not in EVERY_ADDRESS:
        names.append(show_host(bound, port))
    return names + [e.strip() for e in extra if e.strip()]


def _matches(entry: str, name: str, port: int) -> bool:
    if entry == "*":
        return True
    want, want_port = split_host(entry)
    same = name == want or (want.startswith("*.") and name.endswith(want[1:]))
    return same and (want_port is None or want_port == port)


class HostCheck:
    """ASGI middleware: 400 ``{"detail": ...}`` for a request whose Host header is not in ``allowed``."""

    def __init__(self, app: ASGIApp, allowed: Sequence[str]) -> None:
        self.app, self.allowed = app, list(allowed)

    def allows(self, value: str) -> bool:
        name, port = split_host(value)
        return any(_matches(entry, name, 80 if port is None else port) for entry in self.allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            value = dict(scope.get("headers", ())).get(b"host", b"").decode("latin-1")
            if not self.allows(value):
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                shown = repr(value[:100]) if value else "(none)"
                response = JSONResponse({"detail": f"the Host header {shown} does not name this lab; open it as "
                                                   f"http://{self.allowed[0]}/ (the instructor can allow other "
                                                   "names with --allowed-host)"}, status_code=400)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
