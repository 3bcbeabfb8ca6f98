"""The notebooks' experiments: recorded once in the store, read back on the next run."""

from __future__ import annotations

from pathlib import Path

import pytest

from neuronlab.errors import DataError
from neuronlab.practicals.lab import record_runs, run_history
from neuronlab.store import RunStore

SWEEP = """
name = "tiny eta sweep"
seeds = [0, 1]
[task]
name = "and"
[model]
kind = "neuron"
[train]
max_epochs = 5
[sweep.grid]
"train.eta" = [0.01, 0.1]
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> RunStore:
    return RunStore(tmp_path_factory.mktemp("lab") / "runs.db")


def test_a_sweep_is_recorded_once_and_read_back(store: RunStore) -> None:
    first = record_runs(SWEEP, store=store)
    assert list(first.columns) == ["run", "eta", "seed", "status", "train", "val", "test", "ceiling"]
    assert len(first) == 4 and (first.status == "done").all() and first.run.is_unique
    assert first.test.between(0, 1).all() and (first.ceiling > 0.9).all()
    again = record_runs(SWEEP, store=store)
    assert again.equals(first)  # nothing re-run: same ids, same numbers
    assert len([r for r in store.list_runs() if r.sweep == "tiny eta sweep"]) == 4


def test_a_history_reads_back_for_the_learning_curve_plot(store: RunStore) -> None:
    run = int(record_runs(SWEEP, store=store).run[0])  # recorded by the test above, or now
    history = run_history(run, store=store)
    assert history["epoch"] == [1, 2, 3, 4, 5] and len(history["train_loss"]) == 5
    linear = 'name = "lin"\n[task]\nname = "and"\n[model]\nkind = "linear"'
    with pytest.raises(DataError, match="no per-epoch history"):
        run_history(int(record_runs(linear, store=store).run[0]), store=store)


def test_the_store_defaults_to_neuronlab_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEURONLAB_DB", str(tmp_path / "env.db"))
    record_runs('name = "lin"\n[task]\nname = "and"\n[model]\nkind = "linear"')
    assert len(RunStore(tmp_path / "env.db").list_runs()) == 1
