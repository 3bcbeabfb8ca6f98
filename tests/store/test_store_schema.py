"""Finding, opening and migrating stores; refusing what we cannot use; the history codec."""

from __future__ import annotations

import math
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select, text

from neuronlab.errors import ConfigError, NeuronlabError
from neuronlab.store import RunStore, StoreError, head_revision, resolve_url, upgrade
from neuronlab.store.codec import decode_history, encode_history, plain
from neuronlab.store.engine import make_engine
from neuronlab.store.models import Run
from neuronlab.store.schema import known_revisions, script_directory

RunArgs = Callable[..., dict[str, Any]]


def _scalar(url: str, sql: str) -> Any:
    engine = make_engine(url)
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar()
    engine.dispose()
    return value


def test_upgrade_creates_then_is_idempotent(store_url: str, run_args: RunArgs) -> None:
    assert upgrade(store_url) == head_revision()
    store = RunStore(store_url)
    run_id = store.record(**run_args(), status="done", metrics={"val": {"accuracy": 1.0}})
    assert upgrade(store_url) == head_revision()  # again: nothing to do, nothing lost
    assert RunStore(store_url, upgrade=False).get(run_id).metrics == {"val": {"accuracy": 1.0}}
    engine = make_engine(store_url)
    with engine.connect() as conn:
        assert {"runs", "histories", "artifacts", "alembic_version"} <= set(inspect(conn).get_table_names())
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()
    store.close()


def test_known_revisions_agree_with_alembic() -> None:
    script = script_directory()
    assert head_revision() == script.get_current_head()
    assert list(known_revisions()) == [s.revision for s in reversed(list(script.walk_revisions()))]


def test_empty_store_without_upgrade_asks_for_it(store_url: str) -> None:
    with pytest.raises(StoreError, match="neuronlab db upgrade"):
        RunStore(store_url, upgrade=False)


def test_store_at_newer_schema_is_refused_untouched(store_url: str, run_args: RunArgs) -> None:
    store = RunStore(store_url)
    store.record(**run_args(), status="done", metrics={})
    store.close()
    engine = make_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    engine.dispose()

    for opening in (lambda: RunStore(store_url), lambda: upgrade(store_url)):
        with pytest.raises(StoreError) as info:
            opening()
        message = str(info.value)
        assert "0099_future" in message and "newer" in message and head_revision() in message
        assert "\n" not in message
    assert _scalar(store_url, "SELECT version_num FROM alembic_version") == "0099_future"
    assert _scalar(store_url, "SELECT count(*) FROM runs") == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("kind", ["scheme", "pg_port", "folder", "not_sqlite", "unparsable"])
def test_wrong_url_is_one_line_store_error(kind: str, tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database, just some text that is long enough to have a header\n" * 20)
    url = {"scheme": "mysql://root@localhost/runs",
           "pg_port": f"postgresql://neuronlab@127.0.0.1:{_free_port()}/postgres",
           "folder": f"sqlite:///{tmp_path}",
           "not_sqlite": str(junk),
           "unparsable": "postgresql+psycopg://u@host:notaport/db"}[kind]
    with pytest.raises(StoreError) as info:
        RunStore(url)
    assert isinstance(info.value, NeuronlabError)
    message = str(info.value)
    assert "\n" not in message and len(message) < 300
    assert ("mysql" if kind == "scheme" else "127.0.0.1" if kind == "pg_port" else "") in message


def test_resolve_url_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("NEURONLAB_DB", "NEURONLAB_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert resolve_url(None) == f"sqlite:///{tmp_path}/home/.local/share/neuronlab/neuronlab.db"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_url(None) == f"sqlite:///{tmp_path}/xdg/neuronlab/neuronlab.db"
    monkeypatch.setenv("NEURONLAB_HOME", str(tmp_path / "lab"))
    assert resolve_url(None) == f"sqlite:///{tmp_path}/lab/neuronlab.db"
    monkeypatch.setenv("NEURONLAB_DB", "postgresql://me@db.example/runs")
    assert resolve_url(None) == "postgresql+psycopg://me@db.example/runs"
    assert resolve_url(tmp_path / "mine.db") == f"sqlite:///{tmp_path}/mine.db"  # explicit wins
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rel").mkdir()
    assert resolve_url("rel/runs.db") == f"sqlite:///{tmp_path}/rel/runs.db"


@pytest.mark.parametrize("raw", ["::::", "runs", "postgresql:/me@db/runs", "missing-folder/runs.db", "."])
def test_text_that_is_no_store_is_refused_not_created(raw: str, monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    """'::::' (or a URL missing a slash) used to become a new empty SQLite file in the current folder,
    silently; a bare argument must be an existing file or a new *.db/*.sqlite in an existing folder."""
    monkeypatch.chdir(tmp_path)
    for source in ("argument", "environment"):
        monkeypatch.setenv("NEURONLAB_DB", raw if source == "environment" else "")
        with pytest.raises(StoreError) as info:
            RunStore(raw if source == "argument" else None)
        message = str(info.value)
        assert "\n" not in message and repr(raw) in message
    assert list(tmp_path.iterdir()) == []  # nothing created


def test_new_sqlite_files_and_existing_stores_still_open(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("runs.db", "runs.sqlite", "RUNS.SQLITE3"):
        RunStore(name).close()
        assert (tmp_path / name).is_file()
    (tmp_path / "runs.db").rename(tmp_path / "store-without-suffix")
    assert RunStore("store-without-suffix").list_runs() == []  # an existing file, whatever its name


def test_default_store_is_created_under_neuronlab_home(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.delenv("NEURONLAB_DB", raising=False)
    monkeypatch.setenv("NEURONLAB_HOME", str(tmp_path / "deep" / "home"))
    store = RunStore()
    assert (tmp_path / "deep" / "home" / "neuronlab.db").exists()
    assert _scalar(store.url, "PRAGMA journal_mode") == "wal"
    assert _scalar(store.url, "PRAGMA busy_timeout") >= 30_000
    store.close()


def test_store_never_imports_torch(tmp_path: Path) -> None:
    code = ("import sys; from neuronlab.store import RunStore, hash_spec\n"
            f"s = RunStore({str(tmp_path / 'r.db')!r})\n"
            "s.record(spec={}, spec_hash=hash_spec({}), seed=0, experiment='e', task='t', model='m',"
            " params={}, status='done', metrics={}, history={'loss': [1.0]})\n"
            "s.list_runs(); s.get(1); s.export(format='csv')\n"
            "bad = [m for m in sys.modules if m == 'torch'"
            " or m.startswith(('neuronlab.nn', 'neuronlab.tasks', 'neuronlab.experiments'))]\n"
            "assert not bad, bad\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@given(st.dictionaries(st.text(min_size=1, max_size=20),
                       st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=50), max_size=5))
def test_history_codec_round_trips_bit_for_bit(history: dict[str, list[float]]) -> None:
    blob, n_epochs = encode_history(history)
    back = decode_history(blob)
    assert list(back) == list(history)
    assert n_epochs == max((len(v) for v in history.values()), default=0)
    for name, values in history.items():
        assert np.array_equal(np.asarray(back[name]).view("<i8"), np.asarray(values, dtype="<f8").view("<i8"))


def test_histories_are_one_row_per_run(store: RunStore, run_args: RunArgs) -> None:
    columns = {name: list(np.linspace(1, 0, 300)) for name in ("train_loss", "val_loss", "val_accuracy")}
    for i in range(3):
        store.record(**run_args(i), status="done", metrics={}, history=columns)
    engine = make_engine(store.url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*), min(n_epochs) FROM histories")).one() == (3, 300)
        assert conn.execute(select(func.count()).select_from(Run)).scalar() == 3
    engine.dispose()


def test_plain_unwraps_numpy_and_drops_non_finite() -> None:
    value = {"acc": np.float32(0.5), "n": np.int64(3), "cm": np.eye(2, dtype=int), "loss": np.float64("nan"),
             "sizes": (4, 8), 1: "int key"}
    assert plain(value) == {"acc": 0.5, "n": 3, "cm": [[1, 0], [0, 1]], "loss": None, "sizes": [4, 8],
                            "1": "int key"}
    assert type(plain(value)["n"]) is int
    with pytest.raises(ConfigError, match="cannot store"):
        plain({"model": object()})


@pytest.mark.parametrize("values", [
    [0.1, 2, 3.5], [1, 2, 3], [], [0.5, math.nan, 1.0], [math.inf, 1], [-math.inf], [True, 0.5], [1e308, 1e308],
    [10**400, 0.5], [10**400, 7], [0.5, None], [0.5, "a"], [np.float64(0.25), 0.5], [[0.5, math.nan], [1, 2]],
])
def test_plain_lists_take_the_fast_path_only_when_it_gives_the_same(values: list[Any]) -> None:
    """Lists of plain finite numbers are copied whole; anything else (NaN, inf, bools, NumPy scalars,
    a sum that overflows, an int beyond float range among floats) element by element, as before."""
    def slow(v: Any) -> Any:
        if isinstance(v, list):
            return [slow(x) for x in v]
        if hasattr(v, "tolist"):
            v = v.tolist()
        return None if isinstance(v, float) and not math.isfinite(v) else v
    out = plain({"v": values})["v"]
    assert out == slow(values) and out is not values
    assert [type(x) for x in out] == [type(x) for x in slow(values)]
