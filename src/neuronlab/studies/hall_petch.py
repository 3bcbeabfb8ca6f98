"""The Hall–Petch study: does a small MLP on raw grain size beat a straight line on the physics' 1/√d?

The FAU practical (week 5) reports R² ≈ 0.91 for linear regression on 1/√d against R² ≈ 0.65 for a
small MLP on raw d with 225 training samples, and reads it as "with limited data, domain knowledge still
wins over learned features".  This study asks the same question of ``load_task("hall_petch")`` with the
protocol of ``neuronlab study compare`` (:mod:`neuronlab.studies.compare`), and adds what only a
generator allows:

* **the noise scenario** (``tasks.materials.SCENARIOS``): ``"slide"`` (the default) calibrates the
  noise so that the true model — the straight line on 1/√d — has the slide's R² of 0.91; ``"clean"`` is
  the less noisy mild-steel setting (ceiling 0.974).  The verdict depends on it, so both are named in
  every output;
* **the comparison**: linear(d) (the naive line), linear(inv_sqrt(d)), mlp(d) and gp(d), each an honest
  pipeline, on the same repeated grouped folds of the dev set (specimens never straddle a fold); paired
  differences judged by the corrected t-test and the Bayesian correlated t-test; the leakage gap of
  ungrouped KFold;
* **the learning curve** from 30 to 990 training crops on fresh data sets
  (:mod:`neuronlab.studies.hall_petch_curve`): where, if anywhere, the MLP catches up, with the
  crossover's uncertainty;
* **the test split's verdict** with its uncertainty (:mod:`neuronlab.studies.hall_petch_split`): five
  test specimens rank two close models by luck as often as not.

Cost: the GP's fits dominate (each ~1 s at 240 rows, cubic in the rows), so the GP sits in the
cross-validated comparison only, never on the learning curve, and the comparison repeats its 5 folds
5 times, not ``study compare``'s 10; every MLP fit trains in the batched kernel.  About a minute on one
core.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from neuronlab.errors import ConfigError, DataError
from neuronlab.studies.compare import CompareResult, Protocol, compare_arrays
from neuronlab.studies.compare_report import finite, table_text
from neuronlab.studies.hall_petch_curve import (
    COLUMNS,
    CURVE_SPECIMENS,
    Crossover,
    LearningCurve,
    check_curve,
    learning_curve,
)
from neuronlab.studies.hall_petch_split import SplitVerdict, split_verdict
from neuronlab.tasks import ceilings
from neuronlab.tasks.materials import SCENARIOS, scenario_noise

TASK = "hall_petch"
DEFAULT_SCENARIO = "slide"
MODELS = ("linear(d)", "linear(inv_sqrt(d))", "mlp(d)", "gp(d)")
PAIR = ("mlp(d)", "linear(inv_sqrt(d))")  # the slide's question: learned feature against the physics'
CURVE_MODELS = ("linear(inv_sqrt(d))", "mlp(d)")
REPEATS = 5  # of the 5-fold comparison: half of ``study compare``'s 10, for the GP's sake (~1 s a fit)


@contextmanager
def one_thread() -> Iterator[None]:
    """Run BLAS, OpenMP and torch on one thread inside the block, restoring the settings after.

    The study's matrices are a few hundred rows: threads only add synchronisation, and on a shared
    machine a two-thread BLAS spinning in the GP's Cholesky costs ~15× the CPU time of one thread.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(before)


def scenarios(task_params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every named scenario's noise (MPa) and noise-ceiling R² at these constants: what the output names."""
    out = {}
    for name, s in SCENARIOS.items():
        scatter, noise = scenario_noise(name, d_min=task_params["d_min"], d_max=task_params["d_max"],
                                        k=task_params["k"], d_error=task_params["d_error"])
        out[name] = {"description": s.description, "specimen_scatter": scatter, "crop_noise": noise,
                     "ceiling": ceilings.hall_petch_ceiling(task_params["d_min"], task_params["d_max"],
                                                            task_params["k"], scatter, noise, task_params["d_error"])}
    return out


@dataclass
class HallPetchStudy:
    """The comparison on the dev set, the learning curve, the crossover, the test split, the scenario."""

    scenario: str
    seed: int
    task_params: dict[str, Any]
    ceiling: float
    compare: CompareResult
    curve: LearningCurve
    crossovers: list[Crossover]
    test: SplitVerdict
    n_test: int

    @property
    def pair(self) -> Any:
        """The slide's pair, mlp(d) − linear(inv_sqrt(d)), as ``compare`` judged it on the folds."""
        return self.compare.pair(*PAIR)

    def scenario_line(self) -> str:
        """This run's scenario and the other ones, so no reader takes one noise level for the answer."""
        parts = []
        for name, s in scenarios(self.task_params).items():
            here = "this run" if name == self.scenario else f"--scenario {name}"
            parts.append(f"{name} ({s['specimen_scatter']:.1f} MPa between specimens, {s['crop_noise']:.1f} MPa "
                         f"between crops; noise ceiling R² {s['ceiling']:.3f}; {here})")
        return "scenarios: " + "; ".join(parts)

    def table(self) -> str:
        """The whole study as plain text."""
        p = self.task_params
        lines = [f"Hall–Petch, scenario {self.scenario!r}: σ_y = {p['sigma_0']:g} + {p['k']:g}/√d MPa, specimen "
                 f"scatter {p['specimen_scatter']:.1f} MPa, crop noise {p['crop_noise']:.1f} MPa, grain-size "
                 f"error {p['d_error']:.0%}",
                 self.scenario_line(), ""]
        lines.append(table_text(self.compare, ceiling=f"noise ceiling R² {self.ceiling:.3f} (known from the "
                                                      "generator: what the best possible model scores on average)"))
        lines += ["", f"learning curve: R² on held-out specimens, mean ± sd over {len(self.curve.pool_seeds)} fresh "
                      f"data sets × {self.curve.folds} grouped folds [95 % interval of the mean]"]
        cells = [[f"{s.mean[m]:.3f} ± {s.sd[m]:.3f} [{s.low[m]:+.3f}, {s.high[m]:+.3f}]" for m in self.curve.models]
                 for s in self.curve.sizes]
        width = max(len(c) for row in [list(self.curve.models), *cells] for c in row) + 3
        lines.append(f"{'crops':>7}{'specimens':>10}" + "".join(m.rjust(width) for m in self.curve.models))
        for s, row in zip(self.curve.sizes, cells, strict=True):
            lines.append(f"{s.n_train:>7}{s.n_specimens:>10}" + "".join(c.rjust(width) for c in row))
        lines += [c.sentence() for c in self.crossovers]
        lines.append(self.test.sentence())
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Everything, JSON-ready (non-finite numbers as None)."""
        out: dict[str, Any] = finite({  # type: ignore[assignment]
                "study": "hall_petch", "scenario": self.scenario, "scenarios": scenarios(self.task_params),
                "seed": self.seed, "task_params": dict(self.task_params), "ceiling": self.ceiling,
                "n_test": self.n_test, "compare": self.compare.to_dict(), "learning_curve": self.curve.to_dict(),
                "crossovers": [c.to_dict() for c in self.crossovers], "test_split": self.test.to_dict()})
        return out


def run_hall_petch_study(
    *, scenario: str = DEFAULT_SCENARIO, seed: int = 0, folds: int = 5, repeats: int = REPEATS, rope: float = 0.01,
    pools: int = 8, models: Sequence[str] = MODELS, curve_specimens: Sequence[int] = CURVE_SPECIMENS,
    task_params: dict[str, Any] | None = None,
) -> HallPetchStudy:
    """Run the study on ``load_task("hall_petch", scenario=scenario, seed=seed, **task_params)``.

    Deterministic in its arguments.  ``folds`` × ``repeats`` is the comparison's cross-validation and
    ``rope`` its region of practical equivalence (R²); ``pools`` fresh data sets make the learning curve at
    ``curve_specimens`` training specimens.  ``models`` must hold the slide's pair, mlp(d) and
    linear(inv_sqrt(d)) (drop gp(d) for a quick run).
    """
    from neuronlab.tasks import load_task

    params = dict(task_params or {})
    for key in ("seed", "scenario"):
        if key in params:
            raise ConfigError(f"pass the study's {key} as run_hall_petch_study({key}=...), not in task_params")
    unknown = [m for m in models if m not in MODELS]
    if unknown or any(m not in models for m in PAIR):
        raise ConfigError(f"the study's models are some of {', '.join(MODELS)}, always with {' and '.join(PAIR)}; "
                          f"got {list(models)}")
    models = [m for m in MODELS if m in models]  # the physics' line before the MLP: pairs read "mlp(d) vs …"
    protocol = Protocol(folds=folds, repeats=repeats, rope=rope, seed=seed)
    check_curve(pools, curve_specimens)  # before the comparison's minute of fits, not after
    task = load_task(TASK, scenario=scenario, seed=seed, **params)
    if task.groups_dev is None or task.groups_test is None:
        raise DataError(f"task {task.name!r} has no specimen groups; the study needs them for grouped folds")
    assert task.ceiling is not None  # the generator's ceiling is known in closed form

    with one_thread(), warnings.catch_warnings():
        # the GP's length scale at its bound on some folds is a fact about those folds, not news
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = compare_arrays(task.X_dev, task.y_dev, columns=COLUMNS, kind="regression", models=models,
                                groups=task.groups_dev, protocol=protocol, name=f"hall_petch ({scenario})",
                                target="sigma_y_MPa", groups_name="specimen", learning_curve=False)
        curve = learning_curve(task.params, CURVE_MODELS, seed=seed, pools=pools, folds=folds,
                               specimens=curve_specimens)
        cv_diff = result.pair(*PAIR).posterior.mean
        test = split_verdict(task.X_dev, task.y_dev, task.X_test, task.y_test, task.groups_test, models, PAIR,
                             columns=COLUMNS, seed=seed, cv_diff=cv_diff)
    crossovers = [curve.crossover(*PAIR, seed=seed)]
    return HallPetchStudy(scenario=scenario, seed=seed, task_params=dict(task.params), ceiling=float(task.ceiling),
                          compare=result, curve=curve, crossovers=crossovers, test=test, n_test=len(task.y_test))
