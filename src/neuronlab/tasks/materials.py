"""Hall–Petch: yield stress from grain size, measured crop by crop on a few specimens (FAU practical).

Physics.  Grain boundaries stop dislocations; a pile-up of length ~d concentrates stress ∝ √d at
the boundary, so the applied stress needed to push slip into the next grain falls like 1/√d:

    σ_y = σ_0 + k / √d        (Hall 1951, Petch 1953)

Constants are those of a low-carbon (mild) steel: friction stress σ_0 = 70 MPa and
k = 0.74 MPa·m^½.  Units: 1 m^½ = (10⁶ µm)^½ = 10³ µm^½, so with d in µm k = 740 MPa·µm^½ and
k/√d comes out in MPa.  Grain sizes are log-uniform over two decades, 1–100 µm, so σ_y spans
about 810 MPa (ultrafine) down to 144 MPa (coarse).

Measurement.  Each specimen has one true grain size and its own offset of σ_0, δ ~ N(0, 20 MPa²)
(composition and processing differ from bar to bar).  From each specimen we take several crops
(micrographs); each crop gives a measured grain size, d·exp(N(0, 0.1²)) (a line-intercept count
over ~100 grains is good to about 1/√100 = 10 %), and a local yield stress with its own
measurement noise N(0, 15 MPa²) (e.g. hardness / 3 from an indent in that crop).

Crops of one specimen share d and δ, so a random split leaks specimens into the test set; the
groups are the specimen ids and the splits are grouped.  The feature is the raw grain size d in
µm only: the practical's lesson is that a linear fit on the hand-made feature 1/√d beats an MLP
on raw d with 225 training crops.

Scenarios.  How noisy the measurements are is the one thing the physics does not fix, and it decides
the lesson, so it is named.  ``"clean"`` is the setting above (20 and 15 MPa; noise-ceiling R² 0.974):
the straight line on 1/√d and an MLP on raw d both come close to the ceiling.  ``"slide"`` calibrates
the noise to the FAU slide, whose straight line on 1/√d — the true model here — scores R² ≈ 0.91: both
noise levels are scaled by one factor (their 4 : 3 ratio kept) until the noise ceiling
(``ceilings.hall_petch_ceiling``, which counts the grain-size error too) is exactly 0.91 for the
task's grain-size range, k and d_error (at the defaults: 44.3 and 33.3 MPa).  An explicit
``specimen_scatter`` or ``crop_noise`` overrides its scenario value.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

import numpy as np
from scipy.optimize import brentq

from neuronlab import limits
from neuronlab.errors import TaskError
from neuronlab.tasks import ceilings, spread
from neuronlab.tasks.base import Task
from neuronlab.tasks.functions import Truth
from neuronlab.tasks.registry import build, check_float, check_int, check_seed, register


@dataclass(frozen=True)
class Scenario:
    """A named noise setting: fixed noise levels (MPa), or the noise-ceiling R² the noise is solved for."""

    name: str
    description: str
    specimen_scatter: float = 20.0
    crop_noise: float = 15.0
    target_ceiling: float | None = None  # when set, both noise levels are scaled to reach it


SCENARIOS: dict[str, Scenario] = {
    "clean": Scenario("clean", "mild-steel scatter: 20 MPa between specimens, 15 MPa between crops"),
    "slide": Scenario("slide", "noise calibrated so the true line on 1/√d has the FAU slide's R² of 0.91",
                      target_ceiling=0.91),
}
DEFAULT_SCENARIO = "clean"  # the task's own default (stored runs and class tasks keep their data)


@lru_cache(maxsize=64)
def calibrated_noise(target_ceiling: float, d_min: float, d_max: float, k: float, d_error: float,
                     ratio: tuple[float, float] = (20.0, 15.0)) -> tuple[float, float]:
    """(specimen_scatter, crop_noise) in the proportion ``ratio`` whose noise-ceiling R² is ``target_ceiling``.

    The ceiling falls monotonically as the noise grows, from its grain-size-error-only value at zero
    noise, so one scale factor solves it (Brent's method on the closed form).  Refuses a target the
    grain-size error alone already rules out.
    """

    def gap(scale: float) -> float:
        ceiling = ceilings.hall_petch_ceiling(d_min, d_max, k, ratio[0] * scale, ratio[1] * scale, d_error)
        return ceiling - target_ceiling

    if not 0.0 < target_ceiling < 1.0 or gap(0.0) <= 0.0:
        raise TaskError(f"no noise level gives a noise-ceiling R² of {target_ceiling:g} with d_error={d_error:g} "
                        f"(the grain-size error alone caps it at {gap(0.0) + target_ceiling:.3f})")
    high = 1.0
    while gap(high) > 0.0:  # the ceiling → 0 as the noise grows, so this ends
        high *= 2.0
    scale = brentq(gap, 0.0, high, xtol=1e-10)
    return ratio[0] * scale, ratio[1] * scale


def scenario_noise(scenario: str, *, d_min: float, d_max: float, k: float, d_error: float) -> tuple[float, float]:
    """The scenario's (specimen_scatter, crop_noise) in MPa for these constants."""
    if not isinstance(scenario, str) or scenario not in SCENARIOS:
        raise TaskError(f"unknown scenario {scenario!r}; valid scenarios: {', '.join(SCENARIOS)}")
    s = SCENARIOS[scenario]
    if s.target_ceiling is None:
        return s.specimen_scatter, s.crop_noise
    return calibrated_noise(s.target_ceiling, d_min, d_max, k, d_error, (s.specimen_scatter, s.crop_noise))


def hall_petch_law(d_um: np.ndarray, *, sigma_0: float, k: float) -> np.ndarray:
    """σ_y in MPa from grain size d in µm, k in MPa·µm^½."""
    return sigma_0 + k / np.sqrt(d_um)


@register("hall_petch", kind="regression",
          description="yield stress (MPa) from grain size d (µm): Hall–Petch, crops grouped by specimen")
def load_hall_petch(
    *, n_specimens: int = 25, crops_per_specimen: int = 15, d_min: float = 1.0, d_max: float = 100.0,
    sigma_0: float = 70.0, k: float = 740.0, specimen_scatter: float | None = None, crop_noise: float | None = None,
    d_error: float = 0.1, scenario: str = DEFAULT_SCENARIO, seed: int = 0, val_fraction: float = 0.2,
    test_fraction: float = 0.2,
) -> Task:
    """Crops of ``n_specimens`` specimens; feature ``d_um``, target yield stress in MPa, groups = specimen.

    The defaults give the practical's 225 training samples: grouped splits of 25 specimens take
    5 for test, 5 for validation, and leave 15 × 15 crops to train on.

    The ceiling is the R² of the best predictor of a crop's σ_y from its measured d alone, with
    specimen scatter, crop noise and the grain-size measurement error all counted as noise (see
    ``ceilings.hall_petch_ceiling``).  ``task.truth`` is the noise-free law σ_0 + k/√d.

    ``scenario`` ("clean" or "slide", see the module docstring) sets ``specimen_scatter`` and
    ``crop_noise`` when they are not given; ``task.params`` records the scenario and both values used.
    """
    params: dict[str, Any] = {
        "n_specimens": check_int("n_specimens", n_specimens, minimum=5),
        "crops_per_specimen": check_int("crops_per_specimen", crops_per_specimen, minimum=1),
        "d_min": check_float("d_min", d_min, minimum=0.0, strict=True),
        "d_max": check_float("d_max", d_max, minimum=0.0, strict=True),
        "sigma_0": check_float("sigma_0", sigma_0),
        "k": check_float("k", k, minimum=0.0, strict=True),
        "d_error": check_float("d_error", d_error, minimum=0.0, maximum=1.0),
        "scenario": scenario, "seed": check_seed(seed), "val_fraction": val_fraction, "test_fraction": test_fraction,
    }
    if not params["d_min"] < params["d_max"]:
        raise TaskError(f"d_min must be < d_max, got d_min={params['d_min']}, d_max={params['d_max']}")
    scatter, noise = scenario_noise(scenario, d_min=params["d_min"], d_max=params["d_max"], k=params["k"],
                                    d_error=params["d_error"])
    params["specimen_scatter"] = check_float("specimen_scatter", scatter if specimen_scatter is None
                                             else specimen_scatter, minimum=0.0)
    params["crop_noise"] = check_float("crop_noise", noise if crop_noise is None else crop_noise, minimum=0.0)
    n_spec, n_crop = params["n_specimens"], params["crops_per_specimen"]
    limits.SAMPLES.check(n_spec * n_crop, "n_specimens × crops_per_specimen = {}")
    rng = np.random.default_rng(params["seed"])
    law = partial(hall_petch_law, sigma_0=params["sigma_0"], k=params["k"])

    # specimens: true grain size (log-uniform) and offset of σ_0
    d_true = np.exp(rng.uniform(np.log(params["d_min"]), np.log(params["d_max"]), size=n_spec))  # (S,)
    offset = params["specimen_scatter"] * rng.standard_normal(n_spec)  # (S,)
    # crops: a measured grain size and a noisy local yield stress each
    groups = np.repeat(np.arange(n_spec), n_crop)  # (S·C,)
    d_measured = d_true[groups] * np.exp(params["d_error"] * rng.standard_normal(len(groups)))
    sigma_y = law(d_true[groups]) + offset[groups] + params["crop_noise"] * rng.standard_normal(len(groups))
    order = rng.permutation(len(groups))  # no specimen-sorted rows for mini-batches to trip on

    ceiling = ceilings.hall_petch_ceiling(params["d_min"], params["d_max"], params["k"],
                                          params["specimen_scatter"], params["crop_noise"], params["d_error"])
    return build("hall_petch", "regression", d_measured[order, None], sigma_y[order], params,
                 groups=groups[order], feature_names=("d_um",), target_name="sigma_y_MPa", ceiling=ceiling,
                 truth=Truth(law), ceiling_spread=partial(
                     spread.hall_petch_r2_range, params["d_min"], params["d_max"], params["k"],
                     params["specimen_scatter"], params["crop_noise"], params["d_error"], n_crop))
