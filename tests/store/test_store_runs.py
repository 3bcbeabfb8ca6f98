"""Recording and reading runs: round trips, uniqueness, listing, comparing, notes, export."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import socket
from collections.abc import Callable
from typing import Any

import pytest

from neuronlab.errors import ConfigError
from neuronlab.store import RunStore, StoreError
from neuronlab.store.owners import process_start

RunArgs = Callable[..., dict[str, Any]]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def test_claim_finish_get_round_trip(store: RunStore, run_args: RunArgs) -> None:
    args = run_args(3, seed=7, sweep="grid")
    run_id = store.claim(**args)
    assert run_id is not None
    assert store.get(run_id).status == "running"
    history = {"train_loss": [0.9, 0.5, 0.1 + 1e-17, math.nan], "val_accuracy": [0.5, 0.75]}
    metrics = {"val": {"accuracy": 0.75, "loss": math.inf}, "test": {"f1": 0.5}}
    store.finish(run_id, status="done", metrics=metrics,
                 history=history, artifacts={"boundary.png": PNG, "raw.bin": b"\x00"}, duration_s=1.5)

    run = store.get(run_id)
    assert (run.status, run.seed, run.sweep, run.task) == ("done", 7, "grid", "xor")
    assert run.spec_hash == args["spec_hash"]
    assert run.spec == args["spec"] and run.params == args["params"]
    # non-finite metrics are not JSON: stored as None
    assert run.metrics == {"val": {"accuracy": 0.75, "loss": None}, "test": {"f1": 0.5}}
    assert run.history is not None and set(run.history) == set(history)
    assert run.history["val_accuracy"] == [0.5, 0.75]
    assert run.history["train_loss"][:3] == [0.9, 0.5, 0.1 + 1e-17]  # float64: bit for bit
    assert math.isnan(run.history["train_loss"][3])
    assert run.artifacts == ("boundary.png", "raw.bin")
    assert store.artifact(run_id, "boundary.png") == PNG
    assert run.duration_s == 1.5
    assert run.finished_at is not None and run.started_at is not None and run.finished_at >= run.started_at
    assert run.versions["numpy"] and run.versions["python"].count(".") == 2
    host, pid, start = run.owner.split(":")  # host:pid:start (start: against pid reuse)
    assert (host, pid, start) == (socket.gethostname(), str(os.getpid()), process_start(os.getpid()))


def test_finished_run_is_not_claimed_again(store: RunStore, run_args: RunArgs) -> None:
    run_id = store.claim(**run_args(1))
    assert run_id is not None
    assert store.claim(**run_args(1)) is None  # running under a live owner (us)
    store.finish(run_id, status="diverged", metrics={}, diverged_epoch=12)
    assert store.claim(**run_args(1)) is None
    assert store.claim(**run_args(1, seed=1)) is not None  # another seed is another run
    assert store.done_keys() == {(run_args(1)["spec_hash"], 0)}
    assert store.get(run_id).diverged_epoch == 12
    with pytest.raises(StoreError, match="already finished"):
        store.finish(run_id, status="done", metrics={})


def test_finish_is_all_or_nothing(store: RunStore, run_args: RunArgs,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    run_id = store.claim(**run_args())
    assert run_id is not None

    def crash(*_args: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(RunStore, "_insert_results", staticmethod(crash))
    with pytest.raises(RuntimeError):
        store.finish(run_id, status="done", metrics={"val": {"accuracy": 1.0}}, history={"loss": [1.0]})
    run = store.get(run_id)
    assert (run.status, run.metrics, run.history, run.finished_at) == ("running", {}, None, None)


def test_bad_arguments_raise_user_errors(store: RunStore, run_args: RunArgs) -> None:
    run_id = store.claim(**run_args())
    assert run_id is not None
    with pytest.raises(ConfigError, match="status"):
        store.finish(run_id, status="ok", metrics={})
    with pytest.raises(ConfigError, match="history"):
        store.finish(run_id, status="done", metrics={}, history={"loss": ["high"]})
    with pytest.raises(ConfigError, match="bytes"):
        store.finish(run_id, status="done", metrics={}, artifacts={"fig.png": "not bytes"})  # type: ignore[dict-item]
    with pytest.raises(ConfigError, match="cannot store"):
        store.finish(run_id, status="done", metrics={"model": object()})
    with pytest.raises(ConfigError, match="spec_hash"):
        store.claim(**run_args(spec_hash="abc"))
    assert store.get(run_id).status == "running"  # none of the above wrote anything
    for bad in (lambda: store.get(run_id + 100), lambda: store.artifact(run_id, "nope.png"),
                lambda: store.add_note(run_id + 100, "x"), lambda: store.compare([run_id, run_id + 100]),
                lambda: store.finish(run_id + 100, status="done", metrics={})):
        with pytest.raises(StoreError) as info:
            bad()
        assert "\n" not in str(info.value)


def test_one_off_runs_may_repeat_a_spec(store: RunStore, run_args: RunArgs) -> None:
    first = store.record(**run_args(2), status="done", metrics={"val": {"accuracy": 0.5}},
                         history={"loss": [1.0, 0.5]}, artifacts={"a.png": PNG})
    second = store.record(**run_args(2), status="done", metrics={"val": {"accuracy": 0.6}})
    assert first != second
    assert store.get(first).history == {"loss": [1.0, 0.5]} and store.get(first).artifacts == ("a.png",)
    assert store.get(second).spec_hash == store.get(first).spec_hash and store.get(second).oneoff
    # one-off runs neither block nor satisfy a sweep's claim of the same spec
    assert store.done_keys() == set()
    assert store.claim(**run_args(2)) is not None


def test_list_runs_filters_and_order(store: RunStore, run_args: RunArgs) -> None:
    ids: dict[tuple[str, str | None, str], list[int]] = {}
    for i in range(12):
        task = ("xor", "moons", "iris")[i % 3]
        sweep = "s1" if i < 6 else None
        run_id = store.claim(**run_args(i, task=task, sweep=sweep))
        assert run_id is not None
        status = "running"
        if i % 2 == 0:
            status = "done" if i % 4 == 0 else "failed"
            store.finish(run_id, status=status, metrics={"val": {"accuracy": i / 12}},
                         error="boom" if status == "failed" else None)
        ids.setdefault((task, sweep, status), []).append(run_id)

    def expect(task: str | None = None, sweep: str | None = None, status: str | None = None) -> list[int]:
        return sorted((i for (t, s, st), run_ids in ids.items() for i in run_ids
                       if task in (None, t) and sweep in (None, s) and status in (None, st)), reverse=True)

    everything = store.list_runs()
    assert [r.id for r in everything] == expect()  # newest first
    assert [r.id for r in store.list_runs(task="moons")] == expect(task="moons")
    assert [r.id for r in store.list_runs(status="failed")] == expect(status="failed")
    assert [r.id for r in store.list_runs(sweep="s1", task="xor")] == expect(task="xor", sweep="s1")
    assert [r.id for r in store.list_runs(limit=5)] == expect()[:5]
    assert store.list_runs(task="nope") == []
    by_id = {r.id: r for r in everything}
    done = expect(status="done")[0]
    assert by_id[done].metrics["val"]["accuracy"] > 0 and by_id[done].params["hidden"] == [4]
    assert len(store.done_keys(sweep="s1")) == 3 and len(store.done_keys()) == 6


def test_compare_shows_only_differing_params(store: RunStore, run_args: RunArgs) -> None:
    a = store.record(**run_args(1, params={"eta": 0.1, "alpha": 0.0, "hidden": [4]}),
                     status="done", metrics={"val": {"accuracy": 0.5}})
    b = store.record(**run_args(2, params={"eta": 0.5, "alpha": 0.0, "hidden": [4]}),
                     status="done", metrics={"val": {"accuracy": 0.7}, "test": {"accuracy": 0.6}})
    c = store.record(**run_args(3, params={"eta": 0.1, "alpha": 0.0, "hidden": [8], "batch": 16}),
                     status="failed", metrics={})
    cmp = store.compare([c, a, b])
    assert cmp.run_ids == (c, a, b)
    assert cmp.differing == {"eta": (0.1, 0.1, 0.5), "hidden": ([8], [4], [4]), "batch": (16, None, None)}
    assert cmp.same == {"alpha": 0.0}
    assert cmp.metrics == {"val.accuracy": (None, 0.5, 0.7), "test.accuracy": (None, None, 0.6)}


def test_notes_append_with_timestamps(store: RunStore, run_args: RunArgs) -> None:
    run_id = store.record(**run_args(), status="done", metrics={})
    assert store.get(run_id).notes is None
    store.add_note(run_id, "eta too high, oscillates")
    store.add_note(run_id, "  try alpha=1e-3  ")
    lines = (store.get(run_id).notes or "").splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("[20") and lines[0].endswith("] eta too high, oscillates")
    assert lines[1].endswith("] try alpha=1e-3")
    with pytest.raises(ConfigError):
        store.add_note(run_id, "   ")


def test_export_csv_and_json_parse_back(store: RunStore, run_args: RunArgs) -> None:
    ids = [store.record(**run_args(i, task="xor" if i < 3 else "moons"), status="done",
                        metrics={"val": {"accuracy": i / 4}}) for i in range(4)]
    rows = list(csv.DictReader(io.StringIO(store.export(format="csv"))))
    assert [int(r["id"]) for r in rows] == ids  # oldest first
    assert [float(r["params.eta"]) for r in rows] == [i / 10 for i in range(4)]
    assert [float(r["metrics.val.accuracy"]) for r in rows] == [i / 4 for i in range(4)]
    assert json.loads(rows[0]["params.hidden"]) == [4]

    data = json.loads(store.export(format="json", task="xor"))
    assert [d["id"] for d in data] == ids[:3]
    assert data[1]["params"] == run_args(1)["params"] and data[1]["metrics"] == {"val": {"accuracy": 0.25}}
    assert data[0]["created_at"].startswith("20")
    with pytest.raises(ConfigError):
        store.export(format="xml")  # type: ignore[arg-type]
