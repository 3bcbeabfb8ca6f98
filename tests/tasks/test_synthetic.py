"""The 2-D classification tasks: generators as documented, and ceilings checked against independent oracles.

Oracles: closed forms (two Gaussians, XOR), the empirical accuracy of the true-posterior classifier
on a large fresh sample drawn by the *task's own* generator (scikit-learn's for moons/circles/blobs,
so our curve formulas are checked against sklearn's), and well-fitting scikit-learn models, which
must never beat a ceiling by more than sampling error.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm, rice
from sklearn.datasets import make_blobs, make_circles, make_moons
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.neighbors import KNeighborsClassifier

from neuronlab.tasks import ceilings, load_task
from neuronlab.tasks.synthetic import (
    GATES,
    blob_centers,
    make_spirals,
    moon_lower,
    moon_upper,
    moons_ceiling,
    spiral_arms,
    spirals_ceiling,
)

N_CHECK = 20_000


def within(estimate: float, ceiling: float, n: int, extra: float = 0.0) -> float:
    """|estimate − ceiling| allowed: 4 binomial standard errors of an n-sample accuracy, plus ``extra``."""
    return 4.0 * np.sqrt(ceiling * (1.0 - ceiling) / n) + 0.003 + extra


def all_data(task: object) -> tuple[np.ndarray, np.ndarray]:
    X = np.concatenate([getattr(task, f"X_{s}") for s in ("train", "val", "test")])
    y = np.concatenate([getattr(task, f"y_{s}") for s in ("train", "val", "test")])
    return X, y


def knn_accuracy(X: np.ndarray, y: np.ndarray, k: int = 75) -> float:
    """A flexible classifier fitted on one half of a big sample and scored on the other."""
    half = len(y) // 2
    return float(KNeighborsClassifier(k).fit(X[:half], y[:half]).score(X[half:], y[half:]))


# -- generators ------------------------------------------------------------------------------------


@pytest.mark.parametrize("gate", ["and", "or", "xor"])
def test_gate_labels_follow_the_truth_table_of_the_nearest_corner(gate: str) -> None:
    X, y = all_data(load_task(gate, noise=0.05, n_samples=400))
    lo = -0.5 if gate == "xor" else 0.0
    bits = (X - lo > 0.5).astype(int)  # with σ = 0.05 every point is 10σ from the other corners
    np.testing.assert_array_equal(y, np.asarray(GATES[gate])[2 * bits[:, 0] + bits[:, 1]])
    counts = np.bincount(2 * bits[:, 0] + bits[:, 1], minlength=4)
    assert counts.min() == counts.max() == 100  # make_blobs deals the corners evenly


def test_xor_is_one_exactly_where_the_signs_of_the_quadrant_differ() -> None:
    X, y = all_data(load_task("xor", noise=0.05))
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))


def test_linear_keeps_the_margin_and_a_linear_model_separates_it() -> None:
    task = load_task("linear", margin=0.3, angle=120.0, seed=2)
    X, y = all_data(task)
    normal = np.array([np.cos(np.radians(120.0)), np.sin(np.radians(120.0))])
    assert np.abs(X @ normal).min() >= 0.15
    assert np.all((X @ normal > 0) == (y == 1))
    assert np.abs(X).max() <= 1.0 and task.ceiling == 1.0
    lda = LinearDiscriminantAnalysis().fit(task.X_train, task.y_train)
    assert lda.score(task.X_test, task.y_test) >= 0.97


def test_spirals_are_two_balanced_arms_turned_by_pi() -> None:
    X, y = make_spirals(2000, noise=0.0, turns=1.5, random_state=0)
    assert np.bincount(y).tolist() == [1000, 1000]
    r = np.linalg.norm(X, axis=1)
    assert r.max() <= 1.0 + 1e-12
    theta = np.arctan2(X[:, 1], X[:, 0])
    unwrapped = r * 2 * np.pi * 1.5 + np.pi * y  # angle along the arm from the radius: θ = r·θ_max (+π)
    np.testing.assert_allclose(np.cos(unwrapped), np.cos(theta), atol=1e-9)


# -- ceilings: closed forms and quadrature vs Monte Carlo ------------------------------------------


def test_gaussians_closed_form_matches_monte_carlo_and_the_default_is_in_the_practical_range() -> None:
    for separation in (1.0, 2.5, 4.0):
        half = separation / 2 / np.sqrt(2) * np.ones(2)
        mc, se = ceilings.gaussian_mixture_mc(np.stack([-half, half]), 1.0, n=N_CHECK)
        assert abs(mc - ceilings.gaussians_accuracy(separation)) < 4 * se + 1e-3
    assert 0.84 <= load_task("gaussians").ceiling <= 0.9


def test_gaussians_best_linear_model_reaches_but_does_not_beat_the_ceiling() -> None:
    task = load_task("gaussians", n_samples=2 * N_CHECK)
    X, y = all_data(task)
    half = len(y) // 2
    score = LinearDiscriminantAnalysis().fit(X[:half], y[:half]).score(X[half:], y[half:])
    assert abs(score - task.ceiling) < within(score, task.ceiling, half)


def test_xor_quadrature_matches_its_closed_form() -> None:
    """XOR of two independent noisy bits: right iff both bits are right or both wrong, q² + (1 − q)²."""
    for ratio in (0.1, 0.3, 0.6, 1.5):
        q = norm.cdf(0.5 / ratio)
        assert ceilings.gate_accuracy(GATES["xor"], ratio) == pytest.approx(q**2 + (1 - q) ** 2, abs=1e-4)


@pytest.mark.parametrize("gate", ["and", "or"])
def test_gate_quadrature_matches_monte_carlo_over_the_four_corners(gate: str) -> None:
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    table = np.asarray(GATES[gate])
    for noise in (0.3, 0.6):
        mc, se = ceilings.gaussian_mixture_mc(corners, noise, n=N_CHECK)  # P(corner | x) ...
        rng = np.random.default_rng(1)
        X = corners[rng.integers(4, size=N_CHECK)] + noise * rng.standard_normal((N_CHECK, 2))
        post = ceilings.gaussian_mixture_posterior(X, corners, noise) @ np.stack([1 - table, table], axis=1)
        estimate = post.max(axis=1).mean()  # ... summed over the corners of each label
        assert abs(estimate - ceilings.gate_accuracy(GATES[gate], noise)) < 0.004
        assert mc <= estimate + 4 * se  # labels merge corners: never harder than telling corners apart


@pytest.mark.parametrize("noise", [0.3, 0.8])
def test_and_ceiling_is_the_accuracy_of_the_true_posterior_on_a_fresh_sample(noise: float) -> None:
    task = load_task("and", noise=noise, n_samples=N_CHECK, seed=11)
    X, y = all_data(task)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    p_one = ceilings.gaussian_mixture_posterior(X, corners, noise)[:, 3]
    accuracy = np.mean((p_one > 0.5) == (y == 1))
    assert abs(accuracy - task.ceiling) < within(accuracy, task.ceiling, N_CHECK)


def test_circles_rice_quadrature_matches_monte_carlo_along_the_circles() -> None:
    for noise, factor in ((0.15, 0.5), (0.3, 0.7)):
        circles = (lambda u: np.stack([np.cos(2 * np.pi * u), np.sin(2 * np.pi * u)], axis=1),
                   lambda u, f=factor: f * np.stack([np.cos(2 * np.pi * u), np.sin(2 * np.pi * u)], axis=1))
        mc, se = ceilings.curve_mixture_mc(circles, noise, n=N_CHECK)
        assert abs(mc - ceilings.circles_accuracy(noise, factor)) < 4 * se + 1e-3


# -- ceilings: the true-posterior classifier on the task's own generator, and sklearn below them -----


def test_moons_ceiling_matches_the_true_posterior_on_sklearns_generator_and_knn_stays_below() -> None:
    noise = 0.3
    ceiling = moons_ceiling(noise)
    X, y = make_moons(N_CHECK, noise=noise, random_state=5)
    u = (np.arange(400) + 0.5) / 400
    post = ceilings.curve_posterior(X, [moon_upper(u), moon_lower(u)], noise)
    accuracy = np.mean(post.argmax(axis=1) == y)
    assert abs(accuracy - ceiling) < within(accuracy, ceiling, N_CHECK)
    knn = knn_accuracy(X, y)
    assert knn <= ceiling + within(ceiling, ceiling, N_CHECK // 2)
    assert knn >= ceiling - 0.02  # and a good model gets close: the ceiling is not loose


def test_spirals_ceiling_matches_the_true_posterior_on_a_fresh_sample_and_knn_stays_below() -> None:
    noise, turns = 0.12, 1.5
    ceiling = spirals_ceiling(noise, turns)
    assert ceiling < 0.97  # overlapping arms: a ceiling that tests something
    X, y = make_spirals(N_CHECK, noise=noise, turns=turns, random_state=5)
    task = load_task("spirals", noise=noise, turns=turns)
    assert task.ceiling == ceiling
    u = (np.arange(400) + 0.5) / 400
    post = ceilings.curve_posterior(X, [arm(u) for arm in spiral_arms(turns)], noise)
    accuracy = np.mean(post.argmax(axis=1) == y)
    assert abs(accuracy - ceiling) < within(accuracy, ceiling, N_CHECK)
    assert knn_accuracy(X, y, k=25) <= ceiling + within(ceiling, ceiling, N_CHECK // 2)


def test_circles_ceiling_matches_the_true_posterior_on_sklearns_generator() -> None:
    task = load_task("circles")
    noise, factor = task.params["noise"], task.params["factor"]
    X, y = make_circles(N_CHECK, noise=noise, factor=factor, random_state=5)
    r = np.linalg.norm(X, axis=1)
    predict = (rice.pdf(r, factor / noise, scale=noise) > rice.pdf(r, 1 / noise, scale=noise)).astype(int)
    accuracy = np.mean(predict == y)
    assert abs(accuracy - task.ceiling) < within(accuracy, task.ceiling, N_CHECK)
    assert knn_accuracy(X, y) <= task.ceiling + within(task.ceiling, task.ceiling, N_CHECK // 2)


@pytest.mark.parametrize(("n_classes", "std"), [(3, 1.0), (5, 1.6)])
def test_blobs_ceiling_matches_the_true_posterior_on_sklearns_generator(n_classes: int, std: float) -> None:
    task = load_task("blobs", n_classes=n_classes, cluster_std=std)
    centers = blob_centers(n_classes)
    X, y = make_blobs(N_CHECK, centers=centers, cluster_std=std, random_state=5)
    accuracy = np.mean(ceilings.gaussian_mixture_posterior(X, centers, std).argmax(axis=1) == y)
    assert abs(accuracy - task.ceiling) < within(accuracy, task.ceiling, N_CHECK)
    assert knn_accuracy(X, y) <= task.ceiling + within(task.ceiling, task.ceiling, N_CHECK // 2)


def test_two_blobs_reduce_to_the_gaussians_closed_form() -> None:
    two = ceilings.gaussian_mixture_accuracy(((-1.0, 0.0), (1.0, 0.0)), 1.0)
    assert abs(two - ceilings.gaussians_accuracy(2.0)) < 0.003


def test_monte_carlo_standard_errors_are_below_the_promised_bound() -> None:
    _, se_moons = ceilings.curve_mixture_mc((moon_upper, moon_lower), 0.4)
    _, se_blobs = ceilings.gaussian_mixture_mc(blob_centers(6), 2.5)
    assert se_moons < 0.003 and se_blobs < 0.003


def test_ceilings_fall_as_noise_grows_and_are_one_without_noise() -> None:
    for ceiling in (lambda nz: ceilings.circles_accuracy(nz, 0.5),
                    lambda nz: ceilings.gate_accuracy(GATES["xor"], nz),
                    lambda nz: ceilings.gate_accuracy(GATES["and"], nz),
                    lambda nz: ceilings.gaussian_mixture_accuracy(((0.0, 0.0), (1.0, 0.0), (0.0, 1.0)), nz)):
        values = [ceiling(nz) for nz in (0.0, 0.1, 0.3, 0.6, 1.2)]
        assert values[0] == 1.0
        assert all(a > b for a, b in itertools.pairwise(values))
        assert values[-1] >= 0.3
    assert moons_ceiling(0.0) == spirals_ceiling(0.0, 2.0) == 1.0
    assert moons_ceiling(0.2) > moons_ceiling(0.4)


def test_a_ceiling_is_computed_once_when_many_threads_ask_at_once(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Thirty students opening the playground together used to start thirty Monte Carlo estimates of
    the same ceiling (the cache fills only when one finishes): ~30 s of both cores."""
    import threading
    import time

    from neuronlab.tasks.ceilings import computed_once

    monkeypatch.setenv("NEURONLAB_CACHE", str(tmp_path))
    calls: list[float] = []

    @computed_once
    def slow(noise: float) -> float:
        calls.append(noise)
        time.sleep(0.05)  # long enough that the other threads arrive while it runs
        return noise * 2

    start = threading.Barrier(8)
    results: list[float] = []

    def ask() -> None:
        start.wait()
        results.append(slow(0.25))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [0.5] * 8 and calls == [0.25]
    assert slow(0.5) == 1.0 and calls == [0.25, 0.5]


def _ceiling_in_a_fresh_process(cache: Path, noise: float) -> float:
    code = f"from neuronlab.tasks.synthetic import moons_ceiling; print(repr(moons_ceiling({noise!r})))"
    env = dict(os.environ, NEURONLAB_CACHE=str(cache))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout)


def test_a_ceiling_is_kept_on_disk_for_the_next_process(tmp_path: Path) -> None:
    """A Monte Carlo ceiling costs ~1 s, as much as a whole batched sweep: a fresh process reads it from
    the cache file instead of estimating it again; a damaged file is ignored and rewritten."""
    from neuronlab.tasks.ceilings import cache_path

    first = _ceiling_in_a_fresh_process(tmp_path, 0.37)
    path = tmp_path / "ceilings.json"
    data = json.loads(path.read_text())
    (key,) = data["values"]
    assert data["values"][key] == first and 0.8 < first < 1.0
    # the next process reads the file: a value planted there is what it returns
    data["values"][key] = 0.123
    path.write_text(json.dumps(data))
    assert _ceiling_in_a_fresh_process(tmp_path, 0.37) == 0.123
    # a damaged or foreign file is ignored: the value is estimated again and the file repaired
    for damaged in ("{not json", json.dumps({"version": -1, "values": {key: 0.5}}), json.dumps([1, 2])):
        path.write_text(damaged)
        assert _ceiling_in_a_fresh_process(tmp_path, 0.37) == first
        assert json.loads(path.read_text())["values"][key] == first
    assert cache_path().name == "ceilings.json"
