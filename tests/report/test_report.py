"""The lab notebook: every run shown, user text escaped, the right best run, heatmaps, offline, stable."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neuronlab.errors import ConfigError
from neuronlab.plots import sweep_grid_data
from neuronlab.report import best_run, build_report, heatmap_table
from neuronlab.store import RunStore, hash_spec

ETAS, ALPHAS, SEEDS = (0.01, 0.1, 1.0), (0.0, 0.01), (0, 1)
FAKE_PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))  # copied as is, never decoded


def _grid_accuracy(eta: float, alpha: float, seed: int) -> float:
    """Made-up test accuracies: best at eta = 0.1, alpha = 0; seed 1 a little worse."""
    return round(0.9 - abs(math.log10(eta) + 1) * 0.1 - alpha * 5 - seed * 0.02, 4)


def _history(n: int = 5) -> dict[str, list[float]]:
    return {"train_loss": [1 / (k + 1) for k in range(n)], "val_loss": [1.2 / (k + 1) for k in range(n)],
            "val_metric": [0.5 + 0.08 * k for k in range(n)]}


def _record(store: RunStore, *, task: str, model: str = "mlp", experiment: str = "exp", seed: int = 0,
            sweep: str | None = None, status: str = "done", test: float | None = None, val: float | None = None,
            metric: str = "accuracy", ceiling: float | None = None, cv: tuple[float, float] | None = None,
            params: dict[str, Any], **outcome: Any) -> int:
    """Record one finished run; ``outcome`` passes history, artifacts, error, diverged_epoch through."""
    metrics: dict[str, Any] = {}
    for split, value in (("test", test), ("val", val)):
        if value is not None:
            metrics[split] = {metric: value, "n": 40}
    if ceiling is not None:
        metrics["ceiling"] = ceiling
    if cv is not None:
        metrics["cv"] = {"mean": cv[0], "std": cv[1], "scoring": metric, "folds": [cv[0]] * 5}
    flat = {"task.name": task, "model.kind": model, **params}
    spec = {"experiment": experiment, "seed": seed, "params": flat}
    return store.record(spec=spec, spec_hash=hash_spec(spec), seed=seed, experiment=experiment, task=task,
                        model=model, params=flat, status=status, metrics=metrics, sweep=sweep,
                        versions={"neuronlab": "test"}, **outcome)


def _p(eta: float, alpha: float = 0.0, **more: Any) -> dict[str, Any]:
    return {"train.eta": eta, "train.alpha": alpha, **{k.replace("__", "."): v for k, v in more.items()}}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A store with two tasks: an eta × alpha sweep, a diverged and a failed run, notes, baselines."""
    root = tmp_path_factory.mktemp("report")
    store = RunStore(f"sqlite:///{root / 'runs.db'}")
    ids: dict[str, Any] = {"grid": {}}
    ids["first"] = _record(store, task="xor", experiment="first <b>try</b> & more", test=0.55, val=0.6,
                           ceiling=1.0, params=_p(0.5, model__hidden=[4]), history=_history(),
                           artifacts={"fit.png": FAKE_PNG, "table.csv": b"a,b\n"})
    store.add_note(ids["first"], "boundary looks <script>alert('x')</script> odd & wobbly")
    for eta in ETAS:
        for alpha in ALPHAS:
            for seed in SEEDS:
                if eta == 1.0 and alpha == 0.01:  # this cell diverges for every seed
                    run = _record(store, task="xor", experiment="grid", seed=seed, sweep="grid", status="diverged",
                                  ceiling=1.0, params=_p(eta, alpha, model__hidden=[4]), diverged_epoch=7)
                else:
                    acc = _grid_accuracy(eta, alpha, seed)
                    run = _record(store, task="xor", experiment="grid", seed=seed, sweep="grid", test=acc,
                                  val=acc - 0.01, ceiling=1.0, params=_p(eta, alpha, model__hidden=[4]),
                                  history=_history())
                ids["grid"][(eta, alpha, seed)] = run
    # Ties the best grid score later: the earlier run must stay the best.
    ids["tie"] = _record(store, task="xor", experiment="tie", test=_grid_accuracy(0.1, 0.0, 0), ceiling=1.0,
                         params=_p(0.2, model__hidden=[8]))
    ids["failed"] = _record(store, task="xor", experiment="broken", status="failed", test=0.99,
                            error="DataError: the CSV has no column 'y'; name it with --target\n  Traceback line 2",
                            params=_p(0.3, model__hidden=[4]))
    ids["linear"] = _record(store, task="xor", model="linear", experiment="linear baseline", test=0.5,
                            ceiling=1.0, params=_p(0.01))
    # A regression task with a GP baseline, no linear one, an eta-only sweep and cross-validation.
    ids["sin"] = [_record(store, task="sin", experiment="sin eta", sweep="sin eta", test=0.7 + eta / 10,
                          metric="r2", ceiling=0.98, cv=(0.8, 0.05), params=_p(eta), history=_history())
                  for eta in (0.1, 0.5)]
    ids["gp"] = _record(store, task="sin", model="gp", experiment="gp", test=0.97, metric="r2", ceiling=0.98,
                        params=_p(0.01))
    store.close()
    out = root / "out"
    index = build_report(RunStore(f"sqlite:///{root / 'runs.db'}"), out, figures_per_task=2)
    pages = {p.name: p.read_text() for p in out.glob("*.html")}
    return {"root": root, "url": f"sqlite:///{root / 'runs.db'}", "out": out, "index": index, "pages": pages,
            "ids": ids}


def _all_ids(ids: dict[str, Any]) -> list[int]:
    flat = [ids["first"], ids["tie"], ids["failed"], ids["linear"], ids["gp"], *ids["sin"]]
    return flat + list(ids["grid"].values())


def _row(page: str, run_id: int) -> str:
    """The HTML of run ``run_id``'s row in the runs table."""
    match = re.search(rf'<tr id="run-{run_id}"[^>]*>(.*?)</tr>', page, re.S)
    assert match is not None, f"run {run_id} has no row"
    return match.group(0)


def test_index_links_every_task_page(lab: dict[str, Any]) -> None:
    assert lab["index"] == lab["out"] / "index.html"
    index = lab["pages"]["index.html"]
    assert 'href="task-xor.html"' in index and 'href="task-sin.html"' in index
    assert set(lab["pages"]) == {"index.html", "task-xor.html", "task-sin.html"}


def test_every_run_has_one_row_on_its_task_page_in_time_order(lab: dict[str, Any]) -> None:
    ids, pages = lab["ids"], lab["pages"]
    xor, sin = pages["task-xor.html"], pages["task-sin.html"]
    for run_id in _all_ids(ids):
        page, other = (sin, xor) if run_id in (*ids["sin"], ids["gp"]) else (xor, sin)
        assert page.count(f'<tr id="run-{run_id}"') == 1
        assert f'<tr id="run-{run_id}"' not in other
    positions = [int(m) for m in re.findall(r'<tr id="run-(\d+)"', xor)]
    assert positions == sorted(positions)  # recorded one after another: id order is time order


def test_user_text_is_escaped(lab: dict[str, Any]) -> None:
    everything = "".join(lab["pages"].values())
    assert "<script" not in everything and "<b>try</b>" not in everything
    xor = lab["pages"]["task-xor.html"]
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; odd &amp; wobbly" in _row(xor, lab["ids"]["first"])
    assert "first &lt;b&gt;try&lt;/b&gt; &amp; more" in xor


def test_best_run_is_the_earliest_finished_run_with_the_highest_test_score(lab: dict[str, Any]) -> None:
    ids = lab["ids"]
    scores = {run: _grid_accuracy(*key) for key, run in ids["grid"].items() if key[:2] != (1.0, 0.01)}
    expected = min(run for run, s in scores.items() if s == max(scores.values()))
    assert expected == ids["grid"][(0.1, 0.0, 0)]
    store = RunStore(lab["url"])
    runs = store.list_runs(task="xor")
    best = best_run(runs)
    assert best is not None and best.id == expected  # not the later tie, not the failed run's 0.99
    xor = lab["pages"]["task-xor.html"]
    assert 'class="best"' in _row(xor, expected) and 'class="best"' not in _row(xor, ids["tie"])
    index = lab["pages"]["index.html"]
    assert f'href="task-xor.html#run-{expected}"' in index
    sin_best = best_run(store.list_runs(task="sin"))
    assert sin_best is not None and sin_best.id == ids["gp"]
    assert f'href="task-sin.html#run-{ids["gp"]}"' in index


def test_status_shows_diverged_epoch_and_first_error_line(lab: dict[str, Any]) -> None:
    xor, ids = lab["pages"]["task-xor.html"], lab["ids"]
    assert "diverged at epoch 7" in _row(xor, ids["grid"][(1.0, 0.01, 0)])
    failed = _row(xor, ids["failed"])
    assert "failed: DataError: the CSV has no column &#39;y&#39;; name it with --target" in failed
    assert "Traceback line 2" not in xor


def test_differing_parameters_are_highlighted_shared_ones_listed_once(lab: dict[str, Any]) -> None:
    xor = lab["pages"]["task-xor.html"]
    header = re.search(r"<tr><th>run</th>.*?</tr>", xor, re.S)
    assert header is not None
    differs = re.findall(r'<th class="differs">([^<]+)</th>', header.group(0))
    assert {"train.eta", "train.alpha", "model.kind", "model.hidden"} <= set(differs)
    assert "task.name" not in differs
    assert "<th>task.name</th><td>xor</td>" in xor  # shared by every run on the task
    row = _row(xor, lab["ids"]["grid"][(0.1, 0.01, 1)])
    assert '<td class="differs">0.1</td>' in row and '<td class="differs">0.01</td>' in row


def test_eta_alpha_sweep_gets_a_heatmap_with_the_right_cells(lab: dict[str, Any]) -> None:
    store = RunStore(lab["url"])
    table = heatmap_table(store.list_runs(sweep="grid"))
    assert table is not None
    d = sweep_grid_data(table, x="eta", y="alpha", value="test_accuracy")
    np.testing.assert_array_equal(d.x_values, ETAS)
    np.testing.assert_array_equal(d.y_values, ALPHAS)
    for i, alpha in enumerate(ALPHAS):
        for j, eta in enumerate(ETAS):
            if (eta, alpha) == (1.0, 0.01):
                assert math.isnan(d.grid[i, j]) and d.counts[i, j] == 0  # only diverged runs there
            else:
                expected = np.mean([_grid_accuracy(eta, alpha, s) for s in SEEDS])
                assert d.grid[i, j] == pytest.approx(expected) and d.counts[i, j] == len(SEEDS)
    heatmaps = list((lab["out"] / "figures").glob("*heatmap.png"))
    assert len(heatmaps) == 1 and heatmaps[0].read_bytes().startswith(b"\x89PNG")
    assert f'src="figures/{heatmaps[0].name}"' in lab["pages"]["task-xor.html"]
    # The sin sweep varied eta only: a table, no heatmap.
    assert heatmap_table(store.list_runs(sweep="sin eta")) is None
    assert "heatmap" not in lab["pages"]["task-sin.html"]


def test_sweep_table_averages_each_point_over_its_seeds(lab: dict[str, Any]) -> None:
    xor = lab["pages"]["task-xor.html"]
    accs = [_grid_accuracy(0.01, 0.01, s) for s in SEEDS]
    expected = f"{np.mean(accs):.3f} ± {np.std(accs, ddof=1):.3f}"
    assert re.search(r'<td class="differs">0.01</td><td class="differs">0.01</td>'
                     rf'<td class="num">2</td><td class="num">2</td><td class="num">0</td><td class="num">0</td>'
                     rf'<td class="num">{re.escape(expected)}</td>', xor)


def test_baselines_beside_the_best_neural_run_or_the_command_to_get_one(lab: dict[str, Any]) -> None:
    xor, sin, ids = lab["pages"]["task-xor.html"], lab["pages"]["task-sin.html"], lab["ids"]
    baselines = xor[xor.index("Against the baselines"):xor.index("<h2>Sweeps")]
    assert f'href="#run-{ids["linear"]}"' in baselines and "--model linear" not in baselines
    assert "neuronlab train xor --model gp" in baselines  # no GP run on xor
    gap = 1.0 - _grid_accuracy(0.1, 0.0, 0)
    assert f'<td class="num">{gap:.3f}</td>' in baselines  # ceiling − best neural test score
    assert "neuronlab train sin --model linear" in sin and f'href="#run-{ids["gp"]}"' in sin
    assert '<td class="num">0.800 ± 0.050</td>' in _row(sin, ids["sin"][0])  # cross-validation


def test_figures_only_for_best_runs_and_the_first_few(lab: dict[str, Any]) -> None:
    figures, ids = lab["out"] / "figures", lab["ids"]
    assert (figures / f"run-{ids['first']}-fit.png").read_bytes() == FAKE_PNG
    assert not list(figures.glob("*.csv"))  # only images are shown
    curves = {int(p.name.split("-")[1]) for p in figures.glob("*learning_curves.png")}
    first_grid = min(ids["grid"].values())  # figures_per_task=2: "first", then the first grid run
    best = ids["grid"][(0.1, 0.0, 0)]  # the best neural run; the linear one has nothing to draw
    assert curves == {ids["first"], first_grid, best, *ids["sin"]}
    # drawn from the stored histories on demand, and kept in the store for the next build
    store = RunStore(lab["url"])
    assert all("learning_curves.png" in store.get(run_id).artifacts for run_id in curves)
    assert not store.get(ids["grid"][(0.01, 0.01, 0)]).artifacts  # a run the report does not show: not drawn
    assert "first 2 run(s) in time order" in lab["pages"]["task-xor.html"]


def test_output_is_offline(lab: dict[str, Any]) -> None:
    for name, html in lab["pages"].items():
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I), name
        assert "<script" not in html.lower() and "<link" not in html.lower() and "url(" not in html
        for target in re.findall(r'(?:src|href)="([^"#]+)', html):
            assert (lab["out"] / target).is_file(), f"{name} links to missing {target}"


def test_rebuild_is_identical_and_removes_only_its_own_stale_files(lab: dict[str, Any], tmp_path: Path) -> None:
    before = {p.relative_to(lab["out"]): p.read_bytes() for p in lab["out"].rglob("*") if p.is_file()}
    again = tmp_path / "again"
    build_report(RunStore(lab["url"]), again, figures_per_task=2)
    build_report(RunStore(lab["url"]), again, figures_per_task=2)
    after = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert after == before
    (again / "mine.txt").write_text("keep me")
    build_report(RunStore(lab["url"]), again, task="sin", figures_per_task=2)
    left = {p.name for p in again.rglob("*") if p.is_file()}
    assert "task-xor.html" not in left and "task-sin.html" in left and "mine.txt" in left
    assert not any(name.startswith(f"run-{lab['ids']['first']}-") for name in left)


def test_unknown_task_and_bad_folder_are_config_errors(lab: dict[str, Any], tmp_path: Path) -> None:
    store = RunStore(lab["url"])
    with pytest.raises(ConfigError, match=r"no runs of task 'xr'.*'sin', 'xor'"):
        build_report(store, tmp_path / "o", task="xr")
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match="is a file"):
        build_report(store, tmp_path / "file", task="sin")
    with pytest.raises(ConfigError, match="figures_per_task"):
        build_report(store, tmp_path / "o", figures_per_task=-1)


def test_empty_store_gives_a_page_that_says_how_to_record_runs(tmp_path: Path) -> None:
    index = build_report(RunStore(f"sqlite:///{tmp_path / 'empty.db'}"), tmp_path / "out")
    assert "no runs yet" in index.read_text() and "neuronlab run " in index.read_text()


def test_a_sweep_recorded_without_figures_gets_them_in_the_report(tmp_path: Path) -> None:
    """The report draws the figures the sweep skipped (the fit by training the run again) and keeps them."""
    from neuronlab.experiments.runner import run_sweep
    from neuronlab.experiments.spec import loads_spec

    spec = loads_spec('name = "xor mlp"\nseeds = [0, 1]\n[task]\nname = "xor"\nparams = { n_samples = 100 }\n'
                      '[model]\nkind = "mlp"\nhidden = [4]\n[train]\nmax_epochs = 20\n')
    store = RunStore(tmp_path / "runs.db")
    ids = [o.run_id for o in run_sweep(spec, store=store, executor="local")]
    assert all(store.get(i).artifacts == () for i in ids)  # type: ignore[arg-type]
    build_report(store, tmp_path / "out", figures_per_task=2)
    page = (tmp_path / "out" / "task-xor.html").read_text()
    for run_id in ids:
        for name in ("fit.png", "learning_curves.png"):
            drawn = tmp_path / "out" / "figures" / f"run-{run_id}-{name}"
            assert drawn.read_bytes() == store.artifact(run_id, name)  # type: ignore[arg-type]
            assert f'src="figures/{drawn.name}"' in page
