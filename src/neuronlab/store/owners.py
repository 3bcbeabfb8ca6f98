"""Who holds a claim, and when another process may take it: owner strings and the takeover rule.

A claimed run records its owner as ``host:pid:start``, where ``start`` is the process's start time
in clock ticks since boot (``/proc/PID/stat``, field 22).  The pid alone is not enough: the kernel
reuses pids, and a new process that happens to get a dead owner's pid would keep its runs blocked
for ever.  Old ``host:pid`` strings (and hosts without ``/proc``) fall back to the pid check.

The rule (:func:`may_take_over`):

- on this host, the answer is certain: take over only when the owner is gone (its pid no longer
  exists, is a zombie, or now belongs to a process started at another time);
- on another host (or for an owner we cannot read) we cannot look at its processes, so silence is
  the only sign of death: take over only when its heartbeat is older than ``stale_after_s``, a
  window several times the renewal period of :mod:`neuronlab.store.heartbeat`;
- a claim its owner gave back (:data:`RELEASED`, after an interrupted sweep) is free at once.

Host names are compared with ``socket.gethostname()``; heartbeats are stamped with each process's
own UTC clock, so hosts sharing a store need clocks within a small part of the window (NTP).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

RELEASED = "released"  # owner prefix of a claim given back: ``released:host:pid:start``


@dataclass(frozen=True)
class Owner:
    """A parsed owner string; ``start`` is None for the old ``host:pid`` form."""

    host: str
    pid: int
    start: str | None = None


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), None when there is none."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    return text.rpartition(")")[2].split()  # the name may hold spaces and ')': cut at the last one


def process_start(pid: int) -> str | None:
    """The process's start time (clock ticks since boot) as text, None where /proc cannot tell."""
    fields = _stat(pid)
    return fields[19] if fields is not None and len(fields) > 19 else None


_mine: dict[int, str] = {}  # pid → owner string: read /proc once per process, not once per claim


def this_owner() -> str:
    """``host:pid:start`` of this process (``host:pid`` where there is no /proc)."""
    pid = os.getpid()
    if pid not in _mine:
        start = process_start(pid)
        _mine[pid] = f"{socket.gethostname()}:{pid}" + ("" if start is None else f":{start}")
    return _mine[pid]


def parse_owner(owner: str) -> Owner | None:
    """The owner's host, pid and start time; None for text in neither form (or a released claim)."""
    parts = owner.split(":")  # a host name never holds ':' (RFC 1123)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return Owner(parts[0], int(parts[1]), parts[2])
    if len(parts) == 2 and parts[1].isdigit():
        return Owner(parts[0], int(parts[1]))
    return None


def alive_here(owner: Owner) -> bool:
    """Whether the owner, a process on this host, still runs (a zombie or a reused pid is dead)."""
    if owner.start is not None and os.path.exists("/proc/self/stat"):
        fields = _stat(owner.pid)
        return fields is not None and fields[0] != "Z" and len(fields) > 19 and fields[19] == owner.start
    try:
        os.kill(owner.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, someone else's
        return True
    return True


def may_take_over(owner: str, *, silent_s: float, stale_after_s: float) -> bool:
    """Whether a running claim of ``owner``, whose last heartbeat was ``silent_s`` ago, may be taken."""
    if owner == RELEASED or owner.startswith(RELEASED + ":"):
        return True
    parsed = parse_owner(owner)
    if parsed is not None and parsed.host == socket.gethostname():
        return not alive_here(parsed)
    return silent_s > stale_after_s
