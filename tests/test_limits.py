"""Every size a user can type is refused over its limit, fast, with one line naming the limit and how to
raise it; in the library (estimators at fit, tasks, specs) before anything big is allocated."""

from __future__ import annotations

import resource
import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pytest

from neuronlab import limits
from neuronlab.errors import NeuronlabError
from neuronlab.estimators import MLPClassifier, MLPRegressor, NeuronClassifier, NeuronRegressor
from neuronlab.limits import LimitError

MEMORY_CAP = 2 * 1024**3  # an attack that allocates instead of refusing dies of MemoryError under this


def cap_memory() -> None:
    """preexec_fn: cap the child's address space, so a missing limit fails the test, not the machine."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def one_line(err: BaseException, limit: limits.Limit) -> str:
    message = str(err)
    assert "\n" not in message
    assert f"{limit.value():,}" in message and limit.env in message, message
    return message


# -- the declaration ---------------------------------------------------------------------------------


def test_each_limit_is_declared_once_with_its_env_var_and_reason() -> None:
    names = [limit.name for limit in limits.ALL]
    assert len(set(names)) == len(names)
    for limit in limits.ALL:
        assert limit.env == f"NEURONLAB_MAX_{limit.name.upper()}" and limit.default >= 1
        message = limit.message(limit.default + 1, "x = {}")
        assert message.startswith(f"x = {limit.default + 1:,}, over the limit of {limit.default:,}")
        assert limit.protects in message and limit.advice in message and limit.env in message


def test_an_env_var_raises_or_lowers_a_limit_and_a_bad_one_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(LimitError):
        limits.WIDTH.check(5_000, "w = {}")
    monkeypatch.setenv("NEURONLAB_MAX_WIDTH", "8_192")
    assert limits.WIDTH.check(5_000, "w = {}") == 5_000
    monkeypatch.setenv("NEURONLAB_MAX_WIDTH", "4")
    with pytest.raises(LimitError) as info:
        limits.WIDTH.check(5, "w = {}")
    assert "over the limit of 4 units" in one_line(info.value, limits.WIDTH)
    for bad in ("lots", "0", "-3"):
        monkeypatch.setenv("NEURONLAB_MAX_WIDTH", bad)
        with pytest.raises(LimitError, match="NEURONLAB_MAX_WIDTH must be a whole number >= 1"):
            limits.WIDTH.check(1, "w = {}")


def test_network_size_counts_weights_and_batch_values() -> None:
    assert limits.n_parameters((2, 40, 1)) == 2 * 40 + 40 + 40 + 1
    assert limits.n_parameters((2, 40, 1), bias=False) == 120
    limits.check_network((2, 40, 1), batch_rows=1_000)
    with pytest.raises(LimitError, match="weights"):
        limits.check_network((4_096, 4_096, 4_096), batch_rows=1)
    with pytest.raises(LimitError, match="values"):
        limits.check_network((2, 4_000, 1), batch_rows=1_000_000)


# -- the estimators, at fit, scikit-learn style ------------------------------------------------------

X20, Y20 = np.random.default_rng(0).normal(size=(20, 2)), np.arange(20) % 2

ESTIMATOR_ATTACKS: list[tuple[str, Any, limits.Limit]] = [
    ("width", MLPClassifier(hidden=(10**9,)), limits.WIDTH),
    ("depth", MLPRegressor(hidden=(2,) * 33), limits.DEPTH),
    ("weights", MLPClassifier(hidden=(4_096,) * 3), limits.PARAMETERS),  # 33.6 M
    ("epochs", MLPClassifier(max_epochs=10**9), limits.EPOCHS),
    ("neurons", NeuronRegressor(n_neurons=10**9), limits.WIDTH),
    ("neuron epochs", NeuronClassifier(max_epochs=10**9), limits.EPOCHS),
]


@pytest.mark.parametrize(("name", "estimator", "limit"), ESTIMATOR_ATTACKS, ids=[a[0] for a in ESTIMATOR_ATTACKS])
def test_estimator_refuses_an_oversized_network_at_fit(name: str, estimator: Any, limit: limits.Limit) -> None:
    with pytest.raises(LimitError) as info:
        estimator.fit(X20, Y20)
    one_line(info.value, limit)
    assert not hasattr(estimator, "module_") and not hasattr(estimator, "neuron_")  # nothing built


@pytest.mark.parametrize(("env", "bound", "X", "y", "estimator"), [
    ("NEURONLAB_MAX_SAMPLES", 19, X20, Y20, MLPClassifier()),
    ("NEURONLAB_MAX_FEATURES", 1, X20, Y20, NeuronClassifier()),
    ("NEURONLAB_MAX_DATA_VALUES", 39, X20, Y20, MLPRegressor()),
    ("NEURONLAB_MAX_CLASSES", 3, np.zeros((20, 2)), np.arange(20) % 4, MLPClassifier()),
    ("NEURONLAB_MAX_ACTIVATIONS", 20 * 43 - 1, X20, Y20, MLPClassifier(hidden=(40,))),  # 20 rows × (2+40+1)
    ("NEURONLAB_MAX_ACTIVATIONS", 5 * 43 - 1, X20, Y20, MLPClassifier(hidden=(40,), batch_size=5)),
], ids=["rows", "columns", "values", "classes", "full batch", "mini-batch"])
def test_estimator_refuses_data_over_a_lowered_limit(env: str, bound: int, X: np.ndarray, y: np.ndarray,
                                                     estimator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each data-dependent limit is enforced (lowered here, so the test is small); one more allows it."""
    monkeypatch.setenv(env, str(bound))
    with pytest.raises(LimitError) as info:
        estimator.fit(X, y)
    assert env in str(info.value) and "\n" not in str(info.value)
    monkeypatch.setenv(env, str(bound + 1))
    estimator.set_params(max_epochs=2).fit(X, y)


def test_one_class_prints_the_label_as_written() -> None:
    with pytest.raises(NeuronlabError) as info:
        MLPClassifier().fit(X20, np.ones(20, dtype=np.int64))
    assert "(1)" in str(info.value) and "np.int64" not in str(info.value)


def test_prediction_is_the_same_in_row_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Predictions go through wide layers a block of rows at a time (a decision grid through a wide
    layer was 1.3 GB at once); the blocks give the same numbers as one pass."""
    from neuronlab.estimators import base

    grid = np.random.default_rng(1).normal(size=(50_000, 2))
    models = [MLPClassifier(hidden=(300,), max_epochs=3, random_state=0).fit(X20, Y20),
              NeuronRegressor(n_neurons=300, max_epochs=2, random_state=0).fit(X20, Y20.astype(float))]
    assert len(base.row_chunks(grid, 300)) > 1
    chunked = [models[0].predict_proba(grid), models[1].predict(grid)]
    monkeypatch.setattr(base, "PREDICT_VALUES", 10**12)
    assert len(base.row_chunks(grid, 300)) == 1
    whole = [models[0].predict_proba(grid), models[1].predict(grid)]
    for a, b in zip(chunked, whole, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


# -- the hostile tester's attacks, in a process with 2 GB of address space ---------------------------

LIBRARY_ATTACKS = {
    "hidden = [10**9]": "MLPClassifier(hidden=(10**9,)).fit(np.zeros((20, 2)), np.arange(20) % 2)",
    "n_samples = 2e9": "load_task('moons', n_samples=2_000_000_000)",
    "grid of 10**8": "loads_spec(GRID)",
    "random count = 10**9": "loads_spec(RANDOM)",
}
GRID = "\n".join(['name = "g"', "[task]", 'name = "and"', "[model]", 'kind = "neuron"', "[sweep.grid]",
                  *(f'"train.{key}" = [{", ".join(str(v) for v in range(1, 101))}]'
                    for key in ("max_epochs", "n_iter_no_change", "batch_size")),
                  f'"train.eta" = [{", ".join(str(v / 1000) for v in range(1, 101))}]'])
RANDOM = ('name = "r"\n[task]\nname = "and"\n[model]\nkind = "neuron"\n[sweep.random]\ncount = 1000000000\n'
          '"train.eta" = { dist = "log-uniform", low = 0.001, high = 1.0 }\n')


@pytest.mark.parametrize("attack", list(LIBRARY_ATTACKS))
def test_the_hostile_attacks_are_refused_before_allocating(attack: str) -> None:
    """Each grew past 3 GB with no message; under a 2 GB cap a missing limit ends in MemoryError."""
    code = textwrap.dedent(f"""
        import numpy as np
        from neuronlab import MLPClassifier, load_task
        from neuronlab.experiments.spec import loads_spec
        from neuronlab.errors import NeuronlabError
        GRID, RANDOM = {GRID!r}, {RANDOM!r}
        try:
            {LIBRARY_ATTACKS[attack]}
        except NeuronlabError as err:
            print(type(err).__name__, err)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          preexec_fn=cap_memory)
    assert done.returncode == 0 and done.stderr == "", done.stderr[-2000:]
    assert "over the limit of" in done.stdout and "NEURONLAB_MAX_" in done.stdout, done.stdout
    assert done.stdout.count("\n") == 1
