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
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from neuronlab import limits
from neuronlab.errors import TaskError
from neuronlab.tasks import ceilings
from neuronlab.tasks.base import Task
from neuronlab.tasks.functions import Truth
from neuronlab.tasks.registry import build, check_float, check_int, check_seed, register


def hall_petch_law(d_um: np.ndarray, *, sigma_0: float, k: float) -> np.ndarray:
    """σ_y in MPa from grain size d in µm, k in MPa·µm^½."""
    return sigma_0 + k / np.sqrt(d_um)


@register("hall_petch", kind="regression",
          description="yield stress (MPa) from grain size d (µm): Hall–Petch, crops grouped by specimen")
def load_hall_petch(
    *, n_specimens: int = 25, crops_per_specimen: int = 15, d_min: float = 1.0, d_max: float = 100.0,
    sigma_0: float = 70.0, k: float = 740.0, specimen_scatter: float = 20.0, crop_noise: float = 15.0,
    d_error: float = 0.1, seed: int = 0, val_fraction: float = 0.2, test_fraction: float = 0.2,
) -> Task:
    """Crops of ``n_specimens`` specimens; feature ``d_um``, target yield stress in MPa, groups = specimen.

    The defaults give the practical's 225 training samples: grouped splits of 25 specimens take
    5 for test, 5 for validation, and leave 15 × 15 crops to train on.

    The ceiling is the R² of the best predictor of a crop's σ_y from its measured d alone, with
    specimen scatter, crop noise and the grain-size measurement error all counted as noise (see
    ``ceilings.hall_petch_ceiling``).  ``task.truth`` is the noise-free law σ_0 + k/√d.
    """
    params: dict[str, Any] = {
        "n_specimens": check_int("n_specimens", n_specimens, minimum=5),
        "crops_per_specimen": check_int("crops_per_specimen", crops_per_specimen, minimum=1),
        "d_min": check_float("d_min", d_min, minimum=0.0, strict=True),
        "d_max": check_float("d_max", d_max, minimum=0.0, strict=True),
        "sigma_0": check_float("sigma_0", sigma_0),
        "k": check_float("k", k, minimum=0.0, strict=True),
        "specimen_scatter": check_float("specimen_scatter", specimen_scatter, minimum=0.0),
        "crop_noise": check_float("crop_noise", crop_noise, minimum=0.0),
        "d_error": check_float("d_error", d_error, minimum=0.0, maximum=1.0),
        "seed": check_seed(seed), "val_fraction": val_fraction, "test_fraction": test_fraction,
    }
    if not params["d_min"] < params["d_max"]:
        raise TaskError(f"d_min must be < d_max, got d_min={params['d_min']}, d_max={params['d_max']}")
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
                 truth=Truth(law))
