"""Where the server keeps the class's running sessions and uploaded tables, bounded in number.

Sessions live in memory (they hold torch modules); the least recently used is dropped when the
registry is full, so a class that opens tabs all afternoon cannot grow the server without limit.
"""

from __future__ import annotations

import hashlib
import secrets
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Generic, TypeVar

from neuronlab.errors import DataError, TaskError
from neuronlab.tasks import Task, load_csv

T = TypeVar("T")
MAX_CSV_BYTES = 1_000_000


class Registry(Generic[T]):
    """id → object, least recently used dropped beyond ``capacity``; ids are unguessable."""

    def __init__(self, capacity: int = 500) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, T] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, item: T) -> str:
        key = secrets.token_urlsafe(12)
        with self._lock:
            self._items[key] = item
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return key

    def get(self, key: str) -> T | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: str, item: T) -> None:
        """Keep ``item`` under a known ``key`` (a session rebuilt from the store keeps its id)."""
        with self._lock:
            self._items[key] = item
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def pop(self, key: str) -> T | None:
        with self._lock:
            return self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)


class Datasets:
    """Uploaded CSV tables by content key (``csv:<key>`` in a config, so the URL stays short)."""

    def __init__(self, capacity: int = 100) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="neuronlab-csv-")
        self._targets: OrderedDict[str, str] = OrderedDict()
        self.capacity = capacity
        self._lock = threading.Lock()

    def add(self, text: str, target: str) -> str:
        """Check the table by loading it once; returns its key."""
        data = text.encode()
        if len(data) > MAX_CSV_BYTES:
            raise DataError(f"the table is {len(data)} bytes; the playground takes at most {MAX_CSV_BYTES}")
        key = hashlib.sha256(data + b"\0" + target.encode()).hexdigest()[:16]
        path = Path(self._dir.name) / f"{key}.csv"
        path.write_bytes(data)
        load_csv(path, target)  # raises DataError with the reason
        with self._lock:
            self._targets[key] = target
            self._targets.move_to_end(key)
            while len(self._targets) > self.capacity:
                old, _ = self._targets.popitem(last=False)
                (Path(self._dir.name) / f"{old}.csv").unlink(missing_ok=True)
        return key

    def load(self, key: str, seed: int, test_fraction: float) -> Task:
        with self._lock:
            target = self._targets.get(key)
        if target is None:
            raise TaskError(f"no uploaded table {key!r} on this server (it restarted, or the table was dropped); "
                            "upload the CSV again")
        return load_csv(Path(self._dir.name) / f"{key}.csv", target, seed=seed, val_fraction=0.0,
                        test_fraction=test_fraction)
