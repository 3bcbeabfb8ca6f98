"""A new or current store opens without Alembic, and what it creates is exactly what the migrations make.

The fast path replays the migrations' DDL frozen in ``head_schema.py``; these tests hold it to the
migrations themselves (same revision, same script, same resulting schema on SQLite and PostgreSQL) and
check that an older store still goes through Alembic and that a failed creation leaves nothing behind.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from neuronlab.store import RunStore, StoreError, hash_spec
from neuronlab.store.engine import make_engine
from neuronlab.store.schema import HEAD_REVISION, alembic_config, known_revisions, script_directory
from neuronlab.store.snapshot import HEAD_SCHEMA, module_text


def _plain(value: Any) -> Any:
    """Reflected schema as comparable data (types and SQL expressions have no useful ``==``)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)


def _schema(url: str) -> dict[str, Any]:
    """Every table, column (in order), key, constraint and index, plus the dialect's own DDL text."""
    engine = make_engine(url)
    with engine.connect() as conn:
        found = inspect(conn)
        tables = {t: _plain({"columns": found.get_columns(t),
                             "primary_key": found.get_pk_constraint(t),
                             "foreign_keys": sorted(found.get_foreign_keys(t), key=repr),
                             "unique": sorted(found.get_unique_constraints(t), key=repr),
                             "checks": sorted(found.get_check_constraints(t), key=repr),
                             "indexes": sorted(found.get_indexes(t), key=repr)})
                  for t in sorted(found.get_table_names())}
        if conn.dialect.name == "sqlite":  # the CREATE text SQLite keeps, byte for byte
            native = conn.execute(text("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")).all()
        else:
            native = conn.execute(text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' UNION ALL "
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE connamespace = 'public'::regnamespace UNION ALL "
                "SELECT sequencename, data_type::text FROM pg_sequences WHERE schemaname = 'public' "
                "ORDER BY 1, 2")).all()
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    engine.dispose()
    return {"tables": tables, "native": [tuple(row) for row in native], "alembic_version": versions}


def _wipe(url: str) -> None:
    """Back to an empty database (a fresh SQLite file; PostgreSQL's public schema recreated)."""
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _migrate(url: str, to: str) -> None:
    """Run the shipped migrations with Alembic itself, as the store did for every new store before."""
    from alembic import command

    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), to)
    engine.dispose()


def test_head_revision_constant_is_alembics_head() -> None:
    assert HEAD_REVISION == script_directory().get_current_head() == known_revisions()[-1]


def test_frozen_ddl_is_what_the_migrations_emit_today() -> None:
    assert HEAD_SCHEMA.read_text() == module_text(), "stale head_schema.py: run python -m neuronlab.store.snapshot"


def test_new_store_is_identical_to_a_migrated_one(store_url: str) -> None:
    _migrate(store_url, "head")
    migrated = _schema(store_url)
    _wipe(store_url)
    RunStore(store_url).close()
    created = _schema(store_url)
    assert created["alembic_version"] == [HEAD_REVISION]
    assert set(created["tables"]) >= {"runs", "histories", "artifacts", "classes", "class_submissions",
                                      "shared_sessions", "shared_tables", "alembic_version"}
    for table in migrated["tables"]:  # one table at a time, for a readable failure
        assert created["tables"].get(table) == migrated["tables"][table], table
    assert created == migrated


def test_older_store_still_migrates_through_alembic_keeping_its_runs(store_url: str) -> None:
    RunStore(store_url).close()
    created = _schema(store_url)
    _wipe(store_url)
    _migrate(store_url, "0003")  # before the class columns of 0004
    engine = make_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO runs (created_at, experiment, task, model, spec, spec_hash, seed, status, params, "
            "versions, owner, heartbeat_at) VALUES (CURRENT_TIMESTAMP, 'old', 'xor', 'mlp', '{}', :h, 0, 'done', "
            "'{}', '{}', 'me', CURRENT_TIMESTAMP)"), {"h": hash_spec({})})
    engine.dispose()

    store = RunStore(store_url)
    assert store.revision == HEAD_REVISION
    (run,) = store.list_runs()
    assert (run.experiment, run.author) == ("old", None)
    store.close()
    assert _schema(store_url) == created


def test_a_creation_that_fails_half_way_leaves_nothing(store_url: str) -> None:
    """A table in the way of a late statement: the whole creation rolls back, as a migration would."""
    engine = make_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE shared_tables (mine INTEGER)"))
    engine.dispose()
    with pytest.raises(StoreError) as info:
        RunStore(store_url)
    assert "\n" not in str(info.value) and "shared_tables" in str(info.value)
    engine = make_engine(store_url)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == ["shared_tables"]
    engine.dispose()


def test_new_and_current_stores_open_without_importing_alembic(store_url: str, tmp_path: Path) -> None:
    code = ("import sys\n"
            "from neuronlab.store import RunStore, hash_spec\n"
            f"store = RunStore({store_url!r})  # new\n"
            "store.record(spec={}, spec_hash=hash_spec({}), seed=0, experiment='e', task='t', model='m', "
            "params={}, status='done', metrics={})\n"
            "store.close()\n"
            f"store = RunStore({store_url!r}, upgrade=False)  # at head\n"
            "assert len(store.list_runs()) == 1\n"
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'alembic')\n"
            "assert not loaded, loaded\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
