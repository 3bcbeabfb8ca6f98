"""Bulk claims and results: one transaction per chunk, with ``claim``'s and ``finish``'s semantics."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from typing import Any

import pytest
from test_store_claims import _dead_pid, _set_owner  # the single-claim tests' helpers

from neuronlab.errors import ConfigError
from neuronlab.store import Claim, Result, RunStore, StoreError
from neuronlab.store.owners import this_owner

RunArgs = Callable[..., dict[str, Any]]


def _claim(store: RunStore, args: dict[str, Any]) -> int:
    run_id = store.claim(**args)
    assert run_id is not None
    return run_id


def _history(i: int) -> dict[str, list[float]]:
    return {"train_loss": [1.0 / (e + 1 + i) for e in range(300)], "val_loss": [0.5 + i] * 300,
            "val_accuracy": [e / 300 for e in range(300)]}


def test_claim_many_sorts_new_done_running_and_abandoned_runs(store: RunStore, run_args: RunArgs) -> None:
    host = socket.gethostname()
    done, alive, dead, silent = (_claim(store, run_args(i)) for i in range(4))
    store.finish(done, status="done", metrics={})
    _set_owner(store.url, alive, f"{host}:{os.getppid()}")
    _set_owner(store.url, dead, f"{host}:{_dead_pid()}")
    _set_owner(store.url, silent, "elsewhere:1", age_s=3600)  # another host, silent for an hour
    store.add_artifact(dead, "old.png", b"left by the dead owner")

    # new, done, alive, dead, silent, new, then two repeats (of a new key, of one taken over)
    items = [Claim(**run_args(i)) for i in (4, 0, 1, 2, 3, 5, 4, 2)]
    ids = store.claim_many(items, stale_after_s=600)

    assert ids[1:5] == [None, None, dead, silent]  # finished or alive: skipped; abandoned: taken over
    assert ids[0] is not None and ids[5] is not None and ids[0] != ids[5]
    assert ids[6:] == [None, None]  # the same key twice in one call is claimed once
    taken = store.get(dead)
    assert taken.artifacts == () and taken.owner == this_owner()  # reset, and ours now
    assert {r.id for r in store.list_runs(status="running")} == {alive, dead, silent, ids[0], ids[5]}
    assert store.claim_many(items) == [None] * len(items)  # now all ours and alive, or done
    assert store.claim_many([]) == []


def test_finish_many_records_metrics_history_and_artifacts(store: RunStore, run_args: RunArgs) -> None:
    ids = store.claim_many([Claim(**run_args(i), sweep="bulk") for i in range(3)])
    assert None not in ids
    a, b, c = (int(i or 0) for i in ids)
    store.finish_many([
        Result(a, "done", {"val": {"accuracy": 0.75}}, history=_history(0), artifacts={"fit.png": b"\x89PNG a"},
               duration_s=1.5),
        Result(b, "diverged", {}, history=_history(1), error="loss is nan", diverged_epoch=7),
        Result(c, "failed", {"val": {"accuracy": float("nan")}}, error="boom"),
    ])
    first, second, third = store.get(a), store.get(b), store.get(c)
    assert (first.status, first.metrics, first.duration_s) == ("done", {"val": {"accuracy": 0.75}}, 1.5)
    assert first.history is not None and first.history["train_loss"] == pytest.approx(_history(0)["train_loss"])
    assert first.artifacts == ("fit.png",) and store.artifact(a, "fit.png") == b"\x89PNG a"
    assert (second.status, second.diverged_epoch, second.error) == ("diverged", 7, "loss is nan")
    assert second.history is not None and second.history["val_loss"] == pytest.approx([1.5] * 300)
    assert second.duration_s is not None and second.duration_s >= 0  # default: time since the claim
    assert (third.status, third.metrics, third.history, third.artifacts) == (
        "failed", {"val": {"accuracy": None}}, None, ())
    assert store.done_keys(sweep="bulk") == {(r.spec_hash, r.seed) for r in (first, second, third)}


@pytest.mark.parametrize("bad", ["unknown", "finished", "twice"])
def test_one_bad_result_rolls_back_the_whole_call(store: RunStore, run_args: RunArgs, bad: str) -> None:
    ids = [_claim(store, run_args(i)) for i in range(3)]
    store.finish(ids[2], status="done", metrics={})
    odd = {"unknown": max(ids) + 100, "finished": ids[2], "twice": ids[0]}[bad]
    results = [Result(ids[0], "done", {"val": {"accuracy": 1.0}}, history=_history(0), artifacts={"a.png": b"a"}),
               Result(ids[1], "done", {"val": {"accuracy": 1.0}}, history=_history(1)),
               Result(odd, "done", {})]
    with pytest.raises(StoreError, match=str(odd)):
        store.finish_many(results)
    for run_id in ids[:2]:  # nothing of the good items was written
        run = store.get(run_id)
        assert (run.status, run.metrics, run.history, run.artifacts) == ("running", {}, None, ())


def test_add_artifact_stores_and_replaces(store: RunStore, run_args: RunArgs) -> None:
    run_id = _claim(store, run_args())
    store.finish(run_id, status="done", metrics={}, artifacts={"boundary.png": b"first"})
    store.add_artifact(run_id, "curves.png", b"curves")
    store.add_artifact(run_id, "boundary.png", b"second")
    assert store.get(run_id).artifacts == ("boundary.png", "curves.png")
    assert store.artifact(run_id, "boundary.png") == b"second" and store.artifact(run_id, "curves.png") == b"curves"
    with pytest.raises(StoreError, match=f"no run {run_id + 1}"):
        store.add_artifact(run_id + 1, "x.png", b"x")
    with pytest.raises(ConfigError, match="bytes"):
        store.add_artifact(run_id, "x.png", "not bytes")  # type: ignore[arg-type]


def test_two_writers_claiming_overlapping_chunks_claim_each_run_once(store_url: str, run_args: RunArgs) -> None:
    """Same keys, opposite orders, at the same moment: unsorted inserts would deadlock on PostgreSQL."""
    rounds = [[Claim(**run_args(i)) for i in range(r * 40, r * 40 + 40)] for r in range(4)]
    stores = [RunStore(store_url) for _ in range(2)]
    got: list[list[int | None]] = [[], []]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def claim(k: int) -> None:
        try:
            for items in rounds:
                start.wait(timeout=60)
                got[k] += stores[k].claim_many(items if k == 0 else items[::-1])
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)
            start.abort()

    threads = [threading.Thread(target=claim, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for opened in stores:
        opened.close()
    assert not errors, errors
    claimed = [run_id for ids in got for run_id in ids if run_id is not None]
    assert len(claimed) == len(set(claimed)) == 4 * 40  # every key once, by one of the writers
