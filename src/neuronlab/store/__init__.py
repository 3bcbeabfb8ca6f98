"""What is remembered: every run, its spec, metrics, per-epoch history and figures.

SQLite by default (a file under ``~/.local/share/neuronlab``), PostgreSQL by URL; see
:func:`resolve_url` for where the store is found.  The schema is Alembic-migrated on first use.
This package never imports torch (nor the layers below it): listing runs must stay instant.

    from neuronlab.store import RunStore
    store = RunStore()                       # or RunStore("runs.db"), RunStore("postgresql+psycopg://…")
    run_id = store.claim(spec=spec, spec_hash=hash_spec(spec), seed=0, experiment="xor", task="xor",
                         model="mlp", params={"eta": 0.1})
    if run_id is not None:
        store.finish(run_id, status="done", metrics={"val": {"accuracy": 1.0}}, history={"loss": [...]})
"""

from __future__ import annotations

from neuronlab.store.codec import canonical_json, hash_spec
from neuronlab.store.engine import default_home, resolve_url
from neuronlab.store.errors import StoreError
from neuronlab.store.records import ClassRun, Comparison, RunRecord, RunSummary
from neuronlab.store.rows import Author, Claim, Result
from neuronlab.store.runs import RunStore
from neuronlab.store.schema import head_revision, upgrade
from neuronlab.store.versions import environment_versions

__all__ = [
    "Author",
    "Claim",
    "ClassRun",
    "Comparison",
    "Result",
    "RunRecord",
    "RunStore",
    "RunSummary",
    "StoreError",
    "canonical_json",
    "default_home",
    "environment_versions",
    "hash_spec",
    "head_revision",
    "resolve_url",
    "upgrade",
]
