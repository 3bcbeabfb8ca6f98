"""Executors: the ensemble records runs as the local executor does, with the same numbers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from neuronlab.cli import app
from neuronlab.errors import ConfigError
from neuronlab.experiments.executors import chunks, evaluate_chunk, run_chunked
from neuronlab.experiments.runner import RunOutcome, claims, expand, run_sweep
from neuronlab.experiments.spec import loads_spec
from neuronlab.store import Result, RunStore
from neuronlab.store.owners import this_owner

SWEEP = """
name = "mlp and neuron on moons"
seeds = [0]

[task]
name = "moons"
params = { n_samples = 150 }

[model]
kind = "mlp"
hidden = [8]

[train]
eta = 0.02
max_epochs = 60

[sweep.grid]
"model.kind" = ["mlp", "neuron"]
"train.batch_size" = [0, 32]
"model.hidden.0" = [4, 12]
"""


def by_key(outcomes: list[RunOutcome]) -> dict[tuple[str, int], RunOutcome]:
    return {(o.spec.spec_hash(), o.seed): o for o in outcomes}


def test_ensemble_records_like_local_with_the_same_numbers(tmp_path: Path) -> None:
    spec = loads_spec(SWEEP)
    local_store, ens_store = RunStore(tmp_path / "local.db"), RunStore(tmp_path / "ens.db")
    local = by_key(run_sweep(spec, store=local_store, executor="local", figures=True))
    ens = by_key(run_sweep(spec, store=ens_store, executor="ensemble", chunk_size=3, figures=True))
    assert set(local) == set(ens) and len(ens) == len(expand(spec)) == 8
    for key, outcome in ens.items():
        ref = local[key]
        assert outcome.status == ref.status == "done"
        if outcome.spec.model.kind == "neuron":  # not batchable: trained alone, identical
            assert outcome.metrics == ref.metrics
        else:  # float32 in a different summation order: same test accuracy within half a point
            assert outcome.score is not None and ref.score is not None
            assert abs(outcome.score - ref.score) <= 0.005
        assert outcome.run_id is not None and ref.run_id is not None
        got, want = ens_store.get(outcome.run_id), local_store.get(ref.run_id)
        assert sorted(got.artifacts) == sorted(want.artifacts) and got.artifacts
        assert got.history is not None and want.history is not None
        assert set(got.history) == set(want.history)
        assert len(got.history["train_loss"]) == len(want.history["train_loss"])
        assert set(got.metrics) == set(want.metrics) and got.params == want.params


@pytest.mark.slow
def test_rerun_skips_done_runs_and_parallel_chunks_record_each_run_once(tmp_path: Path) -> None:
    spec = loads_spec(SWEEP.replace('"model.kind" = ["mlp", "neuron"]', '"model.kind" = ["mlp"]'))
    store = RunStore(tmp_path / "runs.db")
    first = run_sweep(spec, store=store, executor="ensemble", jobs=2, chunk_size=2)
    assert sorted(o.status for o in first) == ["done"] * 4
    runs = store.list_runs()
    assert len(runs) == 4 and len({(r.spec_hash, r.seed) for r in runs}) == 4
    again = run_sweep(spec, store=store, executor="ensemble")
    assert [o.status for o in again] == ["skipped"] * 4 and len(store.list_runs()) == 4


def test_a_diverged_run_is_recorded_as_diverged_beside_healthy_ones(tmp_path: Path) -> None:
    spec = loads_spec(SWEEP.replace('"model.kind" = ["mlp", "neuron"]', '"train.eta" = [0.01, 1e9]')
                      .replace('[train]', '[train]\noptimizer = "sgd"').replace("kind = \"mlp\"", 'kind = "mlp"\n'
                               'activation = "identity"'))
    outcomes = run_sweep(spec, store=RunStore(tmp_path / "d.db"), executor="ensemble")
    statuses = [(o.spec.train.eta, o.status) for o in outcomes]
    assert {o.status for o in outcomes if o.spec.train.eta == 0.01} == {"done"}
    bad = [o for o in outcomes if o.spec.train.eta == 1e9]
    assert bad and all(o.status == "diverged" and o.diverged_epoch and "eta" in (o.error or "") for o in bad), statuses


def test_chunks_batch_the_mlps_and_leave_other_models_alone() -> None:
    items = expand(loads_spec(SWEEP))
    parts = chunks(items, 3)
    mlp_parts = [p for p in parts if p[0][0].model.kind == "mlp"]
    assert [len(p) for p in mlp_parts] == [3, 1] and all(len(p) == 1 for p in parts if p not in mlp_parts)
    assert sorted(map(id, (i for p in parts for i in p))) == sorted(map(id, items))


def test_evaluate_chunk_is_pure_and_reports_failures_per_run() -> None:
    spec = expand(loads_spec(SWEEP))[0][0]
    good = (spec.model_dump(mode="json"), 0)
    broken = spec.model_dump(mode="json")
    broken["task"]["params"] = {"n_samples": 2}  # too few samples to split: fails alone, not the chunk
    results = evaluate_chunk([good, (broken, 0), good])
    assert [r.status for r in results] == ["done", "failed", "done"]
    assert results[0].metrics == results[2].metrics and "n_samples" in (results[1].error or "")


def test_unknown_executor_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="local"):
        run_sweep(loads_spec(SWEEP), store=RunStore(tmp_path / "x.db"), executor="spark")


def test_cli_sweep_prints_the_executor_and_threads(tmp_path: Path) -> None:
    spec_path = tmp_path / "sweep.toml"
    spec_path.write_text(SWEEP.replace('["mlp", "neuron"]', '["mlp"]'))
    runner = CliRunner()
    result = runner.invoke(app, ["sweep", str(spec_path), "--db", str(tmp_path / "c.db"), "--executor", "ensemble"])
    assert result.exit_code == 0, result.output
    cores = os.cpu_count() or 1  # the ensemble's kernel shares the cores out among the processes
    assert "executor=ensemble" in result.output and f"threads={cores}" in result.output and "4 done" in result.output
    two = runner.invoke(app, ["sweep", str(spec_path), "--db", str(tmp_path / "d.db"), "--executor", "ensemble",
                              "--jobs", "2"])
    assert two.exit_code == 0 and f"threads={max(1, cores // 2)}" in two.output
    bad = runner.invoke(app, ["sweep", str(spec_path), "--db", str(tmp_path / "c.db"), "--executor", "spark"])
    assert bad.exit_code == 2 and "unknown executor" in bad.output


MLPS = SWEEP.replace('"model.kind" = ["mlp", "neuron"]', '"model.kind" = ["mlp"]').replace("max_epochs = 60",
                                                                                           "max_epochs = 20")


def test_run_chunked_claims_and_records_each_chunk_in_one_call(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    items = expand(loads_spec(MLPS))
    store = RunStore(tmp_path / "chunks.db")
    (done_id,) = store.claim_many(claims(items[:1], sweep="s"))  # a run recorded before: skipped
    assert done_id is not None
    store.finish_many([Result(done_id, "done", {})])
    calls: dict[str, list[int]] = {"claim_many": [], "finish_many": [], "claim": [], "finish": []}
    for name, sizes in calls.items():
        method = getattr(store, name)

        def spy(*args: Any, _method: Any = method, _sizes: list[int] = sizes, **kwargs: Any) -> Any:
            _sizes.append(len(args[0]) if args and isinstance(args[0], list) else 1)
            return _method(*args, **kwargs)

        monkeypatch.setattr(store, name, spy)

    outcomes = list(run_chunked(items, store=store, sweep="s", base_dir=None, chunk_size=3, figures=False))

    assert calls == {"claim_many": [3, 1], "finish_many": [2, 1], "claim": [], "finish": []}
    assert sorted(o.status for o in outcomes) == ["done"] * 3 + ["skipped"]
    runs = store.list_runs(sweep="s")
    assert len(runs) == 4 and {r.status for r in runs} == {"done"}
    assert {(r.spec_hash, r.seed) for r in runs} == {(spec.spec_hash(), seed) for spec, seed in items}
    recorded = {o.run_id: o for o in outcomes if o.status == "done"}
    for run_id, outcome in recorded.items():
        assert run_id is not None
        run = store.get(run_id)
        assert run.metrics == outcome.metrics and run.history is not None and run.history["train_loss"]


# Sweep the MLPs in chunks of 2 and die by SIGKILL inside the second chunk's finish transaction.
KILLED = """
import os, signal, sys
from neuronlab.experiments.runner import run_sweep
from neuronlab.experiments.spec import loads_spec
from neuronlab.store import RunStore
calls = []
def insert_then_die(*args):
    calls.append(1)
    if len(calls) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return original(*args)
original = RunStore._insert_results
RunStore._insert_results = staticmethod(insert_then_die)
run_sweep(loads_spec(sys.argv[2]), store=RunStore(sys.argv[1]), executor="ensemble", chunk_size=2)
"""


@pytest.mark.slow
def test_a_sweep_killed_inside_a_chunks_transaction_resumes_with_every_run_once(tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    killed = subprocess.run([sys.executable, "-c", KILLED, str(db), MLPS], capture_output=True, text=True,
                            timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    store = RunStore(db)
    assert sorted(r.status for r in store.list_runs()) == ["done", "done", "running", "running"]
    assert all(store.get(r.id).history is None for r in store.list_runs(status="running"))  # rolled back

    again = run_sweep(loads_spec(MLPS), store=store, executor="ensemble", chunk_size=2)
    assert sorted(o.status for o in again) == ["done", "done", "skipped", "skipped"]
    runs = store.list_runs()
    assert len(runs) == 4 and {r.status for r in runs} == {"done"}
    assert len({(r.spec_hash, r.seed) for r in runs}) == 4
    retaken = [store.get(o.run_id) for o in again if o.run_id is not None]  # the dead owner's claims, now ours
    assert len(retaken) == 2 and all(r.owner == this_owner() for r in retaken)
