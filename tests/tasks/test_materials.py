"""Hall–Petch: the FAU practical's sizes, physical units, grouped crops, and an honest noise ceiling."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from scipy import integrate
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score

from neuronlab.tasks import load_task
from neuronlab.tasks.materials import hall_petch_law


def test_defaults_give_the_practicals_225_training_crops_with_specimen_groups() -> None:
    for seed in (0, 1, 2):
        task = load_task("hall_petch", seed=seed)
        assert len(task.y_train) == 225 and task.feature_names == ("d_um",)
        assert task.groups_train is not None and task.groups_test is not None and task.groups_val is not None
        # every specimen keeps all its crops together in one split
        for groups in (task.groups_train, task.groups_val, task.groups_test):
            assert set(np.bincount(groups)[np.unique(groups)]) == {task.params["crops_per_specimen"]}
        assert not set(task.groups_train) & (set(task.groups_val) | set(task.groups_test))


def test_units_give_mild_steel_yield_stresses_from_the_law_in_mpa_and_um() -> None:
    task = load_task("hall_petch")
    # 0.74 MPa·m^½ at d = 25 µm = 25e-6 m gives 0.74 / 5e-3 = 148 MPa above σ_0
    at_25um = hall_petch_law(np.array([25.0]), sigma_0=70.0, k=740.0)[0]
    assert at_25um == pytest.approx(70.0 + 0.74 / np.sqrt(25e-6)) == pytest.approx(218.0)
    assert task.truth is not None
    np.testing.assert_allclose(task.truth(np.array([1.0, 100.0])), [810.0, 144.0])
    d = np.concatenate([task.X_train, task.X_val, task.X_test])[:, 0]
    y = np.concatenate([task.y_train, task.y_val, task.y_test])
    assert 0.6 < d.min() < 3.0 and 40.0 < d.max() < 160.0  # two decades, plus the measurement error
    assert y.min() > 80.0 and y.max() < 900.0


def test_crops_of_a_specimen_share_its_grain_size_up_to_the_measurement_error() -> None:
    task = load_task("hall_petch", d_error=0.1, crop_noise=0.0, specimen_scatter=0.0)
    log_d, g = np.log(task.X_train[:, 0]), task.groups_train
    assert g is not None
    spread = np.array([log_d[g == s].std(ddof=1) for s in np.unique(g)])
    assert spread.mean() == pytest.approx(0.1, rel=0.25)
    # no crop or specimen noise: y is the law at the specimen's (unseen) true grain size
    for s in np.unique(g):
        assert np.ptp(task.y_train[g == s]) < 1e-9


def test_a_linear_fit_on_one_over_root_d_beats_one_on_raw_d() -> None:
    task = load_task("hall_petch")
    root = LinearRegression().fit(task.X_train**-0.5, task.y_train)
    raw = LinearRegression().fit(task.X_train, task.y_train)
    r2_root = r2_score(task.y_test, root.predict(task.X_test**-0.5))
    assert r2_root > r2_score(task.y_test, raw.predict(task.X_test)) + 0.1


def _log_uniform_moment(f: Callable[[float], float], d_min: float, d_max: float) -> float:
    a, b = np.log(d_min), np.log(d_max)
    return integrate.quad(lambda L: f(np.exp(L)), a, b)[0] / (b - a)


def test_without_grain_size_error_the_ceiling_is_the_closed_form_noise_share() -> None:
    k, s_spec, s_crop = 740.0, 20.0, 15.0
    mean = _log_uniform_moment(lambda d: k / np.sqrt(d), 1.0, 100.0)
    var = _log_uniform_moment(lambda d: (k / np.sqrt(d)) ** 2, 1.0, 100.0) - mean**2
    noise = s_spec**2 + s_crop**2
    task = load_task("hall_petch", d_error=0.0)
    assert task.ceiling == pytest.approx(1 - noise / (var + noise), abs=1e-9)


def test_the_ceiling_is_the_r2_of_the_best_predictor_of_a_crop_from_its_measured_d() -> None:
    """One crop each of 40 000 specimens: the binned mean of σ_y given log d_m estimates E[y | d_m]."""
    task = load_task("hall_petch", n_specimens=40_000, crops_per_specimen=1, d_error=0.3, seed=3)
    log_d = np.log(np.concatenate([task.X_train, task.X_val])[:, 0])
    y = np.concatenate([task.y_train, task.y_val])
    edges = np.quantile(log_d, np.linspace(0, 1, 61))
    bins = np.clip(np.searchsorted(edges, log_d) - 1, 0, 59)
    means = np.bincount(bins, weights=y, minlength=60) / np.bincount(bins, minlength=60)
    test_bins = np.clip(np.searchsorted(edges, np.log(task.X_test[:, 0])) - 1, 0, 59)
    best = r2_score(task.y_test, means[test_bins])
    assert task.ceiling is not None and task.truth is not None
    truth_at_measured = r2_score(task.y_test, task.truth(task.X_test))
    assert best == pytest.approx(task.ceiling, abs=0.005)
    assert truth_at_measured <= task.ceiling + 0.005  # the law at a noisy d is not the best predictor
    less_error, no_error = load_task("hall_petch", d_error=0.1), load_task("hall_petch", d_error=0.0)
    assert less_error.ceiling is not None and no_error.ceiling is not None
    assert task.ceiling < less_error.ceiling < no_error.ceiling
