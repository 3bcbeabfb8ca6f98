"""The comparison study end to end: on a CSV of our own making and on Hall–Petch, through the CLI, with
its runs in real SQLite and PostgreSQL stores, and every bad input refused in one line with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from neuronlab.cli import app
from neuronlab.store import RunStore
from neuronlab.studies.compare import CompareResult, compare, repeated_splits
from neuronlab.studies.compare_checks import crossover, noise_ceiling, replicate_sets
from neuronlab.studies.compare_report import table_text, to_json, write_html
from neuronlab.studies.compare_store import record_compare

runner = CliRunner()
NOISE = 15.0  # MPa, the within-specimen noise of the CSV below
LINEAR = ["--model", "linear(d)", "--model", "linear(inv_sqrt(d))"]
GROUPED = ["--target", "yield_MPa", "--groups", "specimen"]  # every non-target column of a CSV is numeric or named


def make_csv(path: Path, *, specimens: int = 30, rows: int = 4, zero_d: bool = False) -> Path:
    """A Hall–Petch-like CSV: each specimen has one grain size d (so its rows are replicates), its own
    offset, and yield = 70 + 740/√d + offset + N(0, 15²)."""
    rng = np.random.default_rng(0)
    d = np.exp(rng.uniform(0, np.log(100), specimens))
    offset = rng.normal(0, 5, specimens)
    spec = np.repeat(np.arange(specimens), rows)
    y = 70 + 740 / np.sqrt(d[spec]) + offset[spec] + rng.normal(0, NOISE, spec.size)
    frame = pd.DataFrame({"d": d[spec], "yield_MPa": y, "specimen": [f"S{s}" for s in spec]})
    if zero_d:
        frame.loc[7, "d"] = 0.0
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_csv(tmp_path_factory.mktemp("compare") / "steel.csv")


@pytest.fixture(scope="module")
def result(csv: Path) -> CompareResult:
    return compare(csv, "yield_MPa", ["linear(d)", "linear(inv_sqrt(d))"], groups="specimen", repeats=4)


def test_splits_are_shared_grouped_and_reshuffled() -> None:
    y = np.arange(40.0)
    groups = np.repeat(np.arange(10), 4)
    splits = repeated_splits(y, "regression", groups, folds=5, repeats=3, seed=7)
    assert len(splits) == 15
    for r in range(3):
        tests = np.concatenate([te for _, te in splits[5 * r:5 * r + 5]])
        assert sorted(tests) == list(range(40))  # each row tested once per repeat
    for tr, te in splits:
        assert not set(groups[tr]) & set(groups[te])  # no group on both sides
    assert [te.tolist() for _, te in splits[:5]] != [te.tolist() for _, te in splits[5:10]]
    again = repeated_splits(y, "regression", groups, folds=5, repeats=3, seed=7)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(splits, again, strict=True))  # same folds every call
    labels = np.array([0] * 30 + [1] * 10)
    for _, te in repeated_splits(labels, "binary", None, folds=5, repeats=2, seed=0):
        assert labels[te].sum() == 2  # stratified: every test fold holds its share of the rare class


def test_the_physics_feature_wins_and_the_verdict_says_so(result: CompareResult) -> None:
    assert [m.label for m in result.models] == ["linear(d)", "linear(inv_sqrt(d))"]
    assert all(m.scores.shape == (4, 5) for m in result.models)
    pair = result.pair("linear(inv_sqrt(d))", "linear(d)")
    np.testing.assert_array_equal(pair.diffs, result.models[1].scores.ravel() - result.models[0].scores.ravel())
    assert pair.posterior.p_right > 0.95 and pair.corrected.p < 0.05
    assert pair.verdict.startswith("linear(inv_sqrt(d)) vs linear(d): better by ")
    assert "P(better) 1.00" in pair.verdict and pair.verdict.endswith("→ linear(inv_sqrt(d)) is better")
    assert result.n_groups == 30 and result.metric == "R²"
    assert all(m.leak is not None for m in result.models)
    # learning curve: five sizes, growing, the full size being the main cross-validation's training folds
    sizes = [c.n_train for c in result.curve]
    assert sizes == sorted(sizes) and sizes[-1] == pytest.approx(result.n_train)
    assert "no crossover within the data" in pair.curve_sentence or "cross at about" in pair.curve_sentence


def test_noise_ceiling_from_replicates(result: CompareResult, csv: Path) -> None:
    frame = pd.read_csv(csv)
    truth = 1 - NOISE**2 / frame["yield_MPa"].var()
    ceiling = result.ceiling
    assert ceiling is not None and ceiling.n_sets == 30 and ceiling.n_rows == 120
    assert ceiling.low <= truth <= ceiling.high
    assert ceiling.noise_sd == pytest.approx(NOISE, rel=0.2)
    assert "noise ceiling R²" in table_text(result)
    # without replicates (every input distinct) there is no ceiling, and it is said
    X = np.arange(20.0)[:, None]
    assert replicate_sets(X, None) == [] and noise_ceiling(X, np.arange(20.0), None) is None
    # equal inputs in different groups are not replicates
    assert replicate_sets(np.zeros((4, 1)), np.array([0, 1, 2, 3])) == []


def test_crossover_is_interpolated() -> None:
    assert crossover(np.array([10.0, 20.0, 40.0]), np.array([-0.2, -0.1, 0.1])) == pytest.approx(30.0)
    assert crossover(np.array([10.0, 20.0]), np.array([0.1, 0.2])) is None
    assert crossover(np.array([10.0, 20.0, 30.0]), np.array([np.nan, -0.1, 0.1])) == pytest.approx(25.0)


def test_report_json_and_html(result: CompareResult, tmp_path: Path) -> None:
    page = write_html(result, tmp_path / "report")
    html = page.read_text()
    assert html.count("data:image/png;base64,") == 3 and "http" not in html  # offline: no remote assets
    assert "linear(inv_sqrt(d)) vs linear(d): better by" in html
    data = json.loads((tmp_path / "report" / "result.json").read_text())
    assert data["pairs"][0]["verdict"] == result.pairs[0].verdict
    assert data["noise_ceiling"]["r2"] == pytest.approx(result.ceiling.r2)  # type: ignore[union-attr]


def test_cli_on_a_csv_records_every_model_and_fold_once(csv: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    args = ["study", "compare", str(csv), "--target", "yield_MPa", "--groups", "specimen", *LINEAR,
            "--repeats", "2", "--db", db]
    out = runner.invoke(app, args)
    assert out.exit_code == 0, out.output
    assert "linear(inv_sqrt(d)) vs linear(d): better by" in out.output
    assert "corrected t-test" in out.output and "recorded 20 runs (0 already in the store)" in out.output
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "recorded 0 runs (20 already in the store)" in again.output
    runs = RunStore(db).list_runs()
    assert len(runs) == 20 and {r.model for r in runs} == {"linear(d)", "linear(inv_sqrt(d))"}
    assert len({r.sweep for r in runs}) == 1 and all(r.status == "done" for r in runs)
    as_json = runner.invoke(app, [*args[:-2], "--no-record", "--json"])
    assert json.loads(as_json.output)["protocol"] == {"folds": 5, "repeats": 2, "rope": 0.01, "seed": 0}


def test_runs_recorded_in_postgresql(result: CompareResult, postgres_db_url: str) -> None:
    store = RunStore(postgres_db_url)
    first = record_compare(store, result)
    assert (first.added, first.already) == (40, 0)
    assert record_compare(store, result).added == 0
    runs = store.list_runs(sweep=first.sweep)
    scores = sorted(r.metrics["test"]["r2"] for r in runs)
    assert scores == pytest.approx(sorted(np.concatenate([m.scores.ravel() for m in result.models])))


def test_classification_is_stratified_and_scored_by_accuracy(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=120)
    frame = pd.DataFrame({"x": x, "noise": rng.normal(size=120), "label": np.where(x > 0, "hard", "soft")})
    frame.to_csv(tmp_path / "c.csv", index=False)
    res = compare(tmp_path / "c.csv", "label", ["linear(noise)", "linear(x)"], repeats=2)
    assert res.kind == "binary" and res.metric == "accuracy" and res.ceiling is None
    assert res.model("linear(x)").mean > 0.9 > res.model("linear(noise)").mean
    assert res.pairs[0].verdict.endswith("→ linear(x) is better")


@pytest.mark.parametrize(("extra", "needle"), [
    (["--target", "nope", *LINEAR], "no target column 'nope'"),
    (["--target", "yield_MPa", "--groups", "lot", *LINEAR], "no groups column 'lot'"),
    ([*GROUPED, "-m", "linear(inv_sqrt(x))", "-m", "linear(d)"], "no column 'x'; columns are 'd'"),
    ([*GROUPED, "-m", "linear(inv_sqrt(d)", "-m", "linear(d)"], "'(' was never closed"),
    ([*GROUPED, "-m", "linear(foo(d))", "-m", "linear(d)"], "unknown function 'foo'"),
    ([*GROUPED, "-m", "svm(d)", "-m", "linear(d)"], "unknown model 'svm'"),
    ([*GROUPED, "-m", "linear(d)"], "a comparison needs at least two models, got 1"),
    ([*GROUPED, "--folds", "40", *LINEAR],
     "the data has 30 groups, fewer than folds = 40; lower --folds to at most 30"),
    ([*GROUPED, "--folds", "1000", *LINEAR], "over the limit of 100 folds"),
    ([*GROUPED, "--repeats", "1000", *LINEAR], "repeats = 1000, over the limit of 100"),
    ([*GROUPED, "--repeats", "0", *LINEAR], "repeats must be a whole number >= 1"),
    ([*GROUPED, "--rope", "-1", *LINEAR], "rope must be a finite number >= 0"),
    ([*GROUPED, *[a for i in range(9) for a in ("-m", f"linear(d + {i})")]],
     "9 models, over the limit of 8"),
])
def test_bad_input_is_one_line_and_exit_2(csv: Path, extra: list[str], needle: str) -> None:
    out = runner.invoke(app, ["study", "compare", str(csv), *extra, "--no-record"])
    assert out.exit_code == 2, out.output
    assert needle in out.output and "Traceback" not in out.output
    assert len(out.output.strip().splitlines()) == 1, out.output


def test_a_feature_undefined_on_the_data_names_the_row(tmp_path: Path) -> None:
    """1/√d at d = 0 is inf: refused before any fit, in a real process, naming the CSV's row."""
    bad = make_csv(tmp_path / "zero.csv", zero_d=True)
    proc = subprocess.run([sys.executable, "-m", "neuronlab", "study", "compare", str(bad), *GROUPED, *LINEAR,
                           "--no-record"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "feature 'inv_sqrt(d)' is inf in row 8 (d = 0)" in proc.stderr and "Traceback" not in proc.stderr


def test_hall_petch_through_the_cli(tmp_path: Path) -> None:
    """The practical's question on the generated Hall–Petch data, written to a CSV (d, yield stress, specimen),
    with an MLP trained by the batched engine."""
    import neuronlab as nl

    task = nl.load_task("hall_petch", seed=0)
    d = np.concatenate([task.X_train, task.X_val, task.X_test])[:, 0]
    y = np.concatenate([task.y_train, task.y_val, task.y_test])
    groups = np.concatenate([task.groups_train, task.groups_val, task.groups_test])
    path = tmp_path / "hall_petch.csv"
    pd.DataFrame({"d_um": d, "yield_MPa": y, "specimen": groups}).to_csv(path, index=False)
    out = runner.invoke(app, ["study", "compare", str(path), "--target", "yield_MPa", "--groups", "specimen",
                              "-m", "linear(inv_sqrt(d_um))", "-m", "mlp(d_um)", "--repeats", "2", "--json",
                              "--no-record", "--html", str(tmp_path / "html")])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["n_rows"] == 375 and data["n_groups"] == 25
    pair = data["pairs"][0]
    assert pair["verdict"].startswith("mlp(d_um) vs linear(inv_sqrt(d_um)): ")
    assert pair["naive_ttest"]["p"] < pair["corrected_ttest"]["p"]  # the correction widens the uncertainty
    assert all(np.isfinite(m["mean"]) and m["leak"]["kfold_mean"] is not None for m in data["models"])
    assert (tmp_path / "html" / "report.html").exists()


def test_a_study_spec_in_toml_gives_the_cli_s_numbers(csv: Path, tmp_path: Path) -> None:
    """The same study as a TOML file (data relative to the file's folder) prints what the flags print;
    a spec with one model, an unknown key or a missing data file is one line and exit status 2."""
    folder = tmp_path / "study"
    folder.mkdir()
    (folder / "steel.csv").write_bytes(csv.read_bytes())
    spec = folder / "steel.toml"
    spec.write_text('data = "steel.csv"\ntarget = "yield_MPa"\ngroups = "specimen"\n'
                    'models = ["linear(d)", "linear(inv_sqrt(d))"]\nrepeats = 2\n')
    by_spec = runner.invoke(app, ["study", "compare", str(spec), "--no-record", "--json"])
    by_flags = runner.invoke(app, ["study", "compare", str(csv), *GROUPED, *LINEAR, "--repeats", "2",
                                   "--no-record", "--json"])
    assert by_spec.exit_code == 0 and by_flags.exit_code == 0, by_spec.output
    a, b = json.loads(by_spec.output), json.loads(by_flags.output)
    assert a["protocol"] == b["protocol"] and a["models"] == b["models"]
    bad = {"one model": 'data = "steel.csv"\ntarget = "yield_MPa"\nmodels = ["linear(d)"]\n',
           "unknown key": 'data = "steel.csv"\ntarget = "yield_MPa"\nmodels = ["linear(d)", "mlp(d)"]\nfold = 3\n',
           "no such data": 'data = "nope.csv"\ntarget = "yield_MPa"\nmodels = ["linear(d)", "mlp(d)"]\n',
           "not TOML": "data = \n"}
    for why, text in bad.items():
        spec.write_text(text)
        proc = subprocess.run([sys.executable, "-m", "neuronlab", "study", "compare", str(spec), "--no-record"],
                              capture_output=True, text=True)
        assert proc.returncode == 2, (why, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr, (why, proc.stderr)
    missing = runner.invoke(app, ["study", "compare", str(csv), "--no-record"])
    assert missing.exit_code == 2 and "--target" in missing.output


def test_a_held_out_split_is_scored_once_with_its_interval(csv: Path) -> None:
    """--test-fraction: whole specimens held out of the study; each pair's difference on them equals the
    two models' R² difference (scikit-learn's), its bootstrap interval holds it, and bad fractions are refused."""
    from sklearn.metrics import r2_score

    from neuronlab.studies.compare_models import build_estimator, parse_model
    from neuronlab.tasks.tabular import load_csv

    models = ["linear(d)", "linear(inv_sqrt(d))"]
    res = compare(csv, "yield_MPa", models, groups="specimen", repeats=2, test_fraction=0.25)
    task = load_csv(csv, "yield_MPa", "specimen", seed=0, val_fraction=0.0, test_fraction=0.25)
    assert set(np.unique(task.groups_test)).isdisjoint(np.unique(task.groups_dev))
    assert res.n_rows == len(task.y_dev)  # the study never saw the held-out rows
    (verdict,) = res.holdout
    r2 = {}
    for text in models:
        spec = parse_model(text, task.feature_names)
        fitted = build_estimator(spec, "regression", task.feature_names, seed=0).fit(task.X_dev, task.y_dev)
        r2[spec.label] = r2_score(task.y_test, fitted.predict(task.X_test))
    assert verdict.diff == pytest.approx(r2[verdict.a] - r2[verdict.b], abs=1e-9)
    assert verdict.low <= verdict.diff <= verdict.high and verdict.unit == "groups"
    assert verdict.n_units == len(np.unique(task.groups_test)) and "held-out test split" in verdict.sentence()
    assert json.loads(to_json(res))["holdout"][0]["interval_95"] == [verdict.low, verdict.high]
    bad = runner.invoke(app, ["study", "compare", str(csv), *GROUPED, *LINEAR, "--test-fraction", "0.9",
                              "--no-record"])
    assert bad.exit_code == 2 and "test_fraction" in bad.output
