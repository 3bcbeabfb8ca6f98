"""A run's rows, built and checked before any transaction opens, so bad input never half-writes a run."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from neuronlab.errors import ConfigError, valid_names
from neuronlab.store.codec import HISTORY_FORMAT, canonical_json, encode_history, plain
from neuronlab.store.models import FINISHED
from neuronlab.store.owners import this_owner
from neuronlab.store.versions import environment_versions


@dataclass(frozen=True)
class Claim:
    """One run to claim: the keyword arguments of ``RunStore.claim`` (``versions`` None: this process's)."""

    spec: Mapping[str, Any]
    spec_hash: str
    seed: int
    experiment: str
    task: str
    model: str
    params: Mapping[str, Any]
    sweep: str | None = None
    versions: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Result:
    """The outcome of one claimed run: the arguments of ``RunStore.finish``."""

    run_id: int
    status: str
    metrics: Mapping[str, Any]
    history: Mapping[str, Any] | None = None
    artifacts: Mapping[str, bytes] | None = None
    error: str | None = None
    diverged_epoch: int | None = None
    duration_s: float | None = None


@dataclass(frozen=True)
class Author:
    """Who saved a run in a class: the class, the member and their display name (checked by the classroom)."""

    class_id: int
    member_id: int
    name: str

    def columns(self) -> dict[str, Any]:
        """The ``runs`` columns that put a run in the class."""
        return {"class_id": int(self.class_id), "member_id": int(self.member_id), "author": str(self.name)[:100]}


def now() -> datetime:
    return datetime.now(UTC)


def new_run(*, spec: Mapping[str, Any], spec_hash: str, seed: int, experiment: str, task: str, model: str,
            params: Mapping[str, Any], sweep: str | None,
            versions: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``runs`` row of a run starting now in this process."""
    if not (isinstance(spec_hash, str) and len(spec_hash) == 64):
        raise ConfigError(f"spec_hash must be a 64-character hex digest, got {spec_hash!r}; "
                          "use neuronlab.store.hash_spec(spec)")
    started = now()
    return dict(created_at=started, started_at=started, experiment=experiment, task=task, model=model,
                spec=canonical_json(spec), spec_hash=spec_hash, seed=int(seed), status="running",
                params=plain(params), versions=plain(versions or environment_versions()), sweep=sweep,
                owner=this_owner(), heartbeat_at=started)


def outcome(*, status: str, metrics: Mapping[str, Any], error: str | None, diverged_epoch: int | None,
            duration_s: float | None) -> dict[str, Any]:
    """The ``runs`` columns a finished run sets; non-finite metrics become None (see ``plain``)."""
    if status not in FINISHED:
        raise ConfigError(f"unknown final status {status!r}; use one of {valid_names(FINISHED)}")
    return dict(status=status, metrics=plain(metrics), error=error, finished_at=now(),
                diverged_epoch=None if diverged_epoch is None else int(diverged_epoch),
                duration_s=None if duration_s is None else float(duration_s))


def note_line(text: str) -> str:
    """One line of a run's notes, stamped with the UTC time; an empty note is refused."""
    if not isinstance(text, str) or not text.strip():
        raise ConfigError("a note cannot be empty; give some text")
    return f"[{now().strftime('%Y-%m-%d %H:%M:%SZ')}] {text.strip()}"


def history_row(history: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The ``histories`` row (without run_id): one blob for all columns and epochs."""
    if not history:
        return None
    try:
        blob, n_epochs = encode_history(history)
    except (TypeError, ValueError):
        raise ConfigError("a run's history must map column names to lists of numbers, e.g. "
                          "{'train_loss': [0.7, 0.5]}") from None
    return {"format": HISTORY_FORMAT, "n_epochs": n_epochs, "data": blob}


def artifact_rows(artifacts: Mapping[str, bytes] | None) -> list[dict[str, Any]]:
    """The ``artifacts`` rows (without run_id); the media type follows the name (``.png`` → image/png)."""
    rows = []
    for name, data in (artifacts or {}).items():
        if not isinstance(data, bytes | bytearray | memoryview):
            raise ConfigError(f"artifact {name!r} must be bytes (e.g. PNG data), not {type(data).__name__}")
        rows.append({"name": str(name), "data": bytes(data),
                     "media_type": mimetypes.guess_type(str(name))[0] or "application/octet-stream"})
    return rows
