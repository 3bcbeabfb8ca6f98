"""Every store test runs against SQLite and a real PostgreSQL (``store_url``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from neuronlab.store import RunStore, hash_spec


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'runs.db'}"
    return str(request.getfixturevalue("postgres_db_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[RunStore]:
    opened = RunStore(store_url)
    yield opened
    opened.close()


@pytest.fixture
def run_args() -> Callable[..., dict[str, Any]]:
    """Claim arguments for spec number ``i`` (eta = i / 10), overridable."""

    def make(i: int = 0, *, seed: int = 0, task: str = "xor", **override: Any) -> dict[str, Any]:
        spec = {"task": task, "model": "mlp", "eta": i / 10, "hidden": [4]}
        args = dict(spec=spec, spec_hash=hash_spec(spec), seed=seed, experiment="exp", task=task, model="mlp",
                    params={"eta": i / 10, "hidden": [4], "alpha": 0.0})
        args.update(override)
        return args

    return make
