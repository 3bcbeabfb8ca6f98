"""The Hall–Petch study: complete, deterministic, and it shows both the physics and the leak."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neuronlab.errors import ConfigError
from neuronlab.studies import HallPetchStudy, run_hall_petch_study
from neuronlab.studies.hall_petch import PAIR, ROWS

# Fewer folds and epochs than the default study: the assertions are about structure and direction.
SMALL = {"seed": 0, "n_splits": 3, "max_epochs": 80}


@pytest.fixture(scope="module")
def study() -> HallPetchStudy:
    return run_hall_petch_study(**SMALL)  # type: ignore[arg-type]


@pytest.mark.slow
def test_rows_are_complete_and_finite(study: HallPetchStudy) -> None:
    assert [r.name for r in study.rows] == list(ROWS)
    for r in study.rows:
        assert len(r.group.scores) == len(r.kfold.scores) == SMALL["n_splits"]
        assert r.group.splitter == "GroupKFold" and r.kfold.splitter == "KFold"
        assert np.all(np.isfinite(r.group.scores)) and np.all(np.isfinite(r.kfold.scores))
        assert np.isfinite(r.test_r2)
        assert r.group.predictions is not None and len(r.group.predictions) == study.n_dev
        assert r.group_pooled_r2 <= 1.0 and r.kfold_pooled_r2 <= 1.0
    assert study.n_dev > 0 and study.n_test > 0 and study.n_specimens_dev >= SMALL["n_splits"]
    assert study.ceiling is not None and 0.0 < study.ceiling <= 1.0
    text = study.table()
    assert all(name in text for name in ROWS) and "noise ceiling" in text
    json.dumps(study.to_dict())


@pytest.mark.slow
def test_study_is_deterministic_in_its_seed(study: HallPetchStudy) -> None:
    again = run_hall_petch_study(**SMALL)  # type: ignore[arg-type]
    assert again.to_dict() == study.to_dict()


@pytest.mark.slow
def test_physics_feature_beats_raw_grain_size_for_a_linear_model(study: HallPetchStudy) -> None:
    assert study.row("linear(1/sqrt(d))").group.mean > study.row("linear(d)").group.mean
    # No honest model can beat the noise ceiling on average (allowing for fold noise).
    assert study.row("linear(1/sqrt(d))").group.mean < study.ceiling + 0.1  # type: ignore[operator]


@pytest.mark.slow
def test_kfold_and_groupkfold_give_different_numbers(study: HallPetchStudy) -> None:
    for r in study.rows:
        assert not np.allclose(r.kfold.scores, r.group.scores)
        assert r.leak == pytest.approx(r.kfold.mean - r.group.mean)


@pytest.mark.slow
def test_paired_difference_is_fold_by_fold(study: HallPetchStudy) -> None:
    p = study.paired
    a, b = study.row(PAIR[0]).group, study.row(PAIR[1]).group
    assert (p.a, p.b) == PAIR
    # The pairing is only meaningful if both models saw the very same folds.
    for (tr_a, te_a), (tr_b, te_b) in zip(a.folds, b.folds, strict=True):
        np.testing.assert_array_equal(te_a, te_b)
        np.testing.assert_array_equal(tr_a, tr_b)
    np.testing.assert_allclose(p.diffs, a.scores - b.scores)
    assert p.wins == int(np.sum(a.scores > b.scores))
    assert p.mean == pytest.approx(a.mean - b.mean)


def test_seed_belongs_to_the_study_not_the_task_params() -> None:
    with pytest.raises(ConfigError, match="seed"):
        run_hall_petch_study(task_params={"seed": 1})
    with pytest.raises(ConfigError, match="max_epochs"):
        run_hall_petch_study(max_epochs=0)
