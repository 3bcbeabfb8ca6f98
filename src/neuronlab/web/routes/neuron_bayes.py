"""The single-neuron page's "Bayesian" mode (MacKay, ITILA ch. 41): the same neuron read as inference.

The page's neuron is trained by steps; this view fits :class:`~neuronlab.estimators.BayesianNeuronClassifier`
(Laplace's posterior by default) to the same task, with the page's α as the prior's precision and its
bias setting, on the same standardised inputs, and sends the two pictures of P(t = 1 | x): the most
probable neuron's, σ(w_MP·x + b_MP), and the moderated one averaged over the posterior.  The page
draws their 0.1/0.5/0.9 contours: the 0.5 lines agree, the moderated 0.1 and 0.9 lines fan out where
the data are scarce.  The numbers are :func:`neuronlab.plots.bayes.bayes_boundary_data`'s.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import anyio
import numpy as np
from fastapi import APIRouter, Query
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuronlab.errors import ConfigError
from neuronlab.estimators.bayes_neuron import BayesianNeuronClassifier
from neuronlab.playground import NeuronStepper
from neuronlab.plots.bayes import LEVELS, bayes_boundary_data
from neuronlab.web.deps import StepperDep

router = APIRouter(prefix="/api", tags=["neuron"])
RESOLUTION = 60
DEFAULT_ALPHA = 0.01  # MacKay's example; a prior needs α > 0, and the page's α may be 0 (no decay)


def bayes_view(stepper: NeuronStepper, posterior: str) -> dict[str, Any]:
    """The two probability grids (row 0 at the top, as the page paints), their extent and the α used."""
    task, config = stepper.task, stepper.config
    if task.kind != "binary" or task.n_features != 2:
        raise ConfigError(f"the Bayesian neuron is a two-class classifier drawn in 2-D; {task.name!r} is a "
                          f"{task.kind} task with {task.n_features} input(s): pick a binary 2-D task")
    alpha = config.alpha if config.alpha > 0 else DEFAULT_ALPHA
    model = make_pipeline(StandardScaler(), BayesianNeuronClassifier(
        alpha=alpha, posterior=posterior, fit_bias=config.bias, n_samples=200, random_state=config.seed))
    model.fit(task.X_train, task.y_train)
    data = bayes_boundary_data(model, task, resolution=RESOLUTION, n_boundaries=0)
    top_first = slice(None, None, -1)  # the grid's row 0 is y min; the page's is y max
    return {"shape": [RESOLUTION, RESOLUTION], "posterior": posterior, "alpha": alpha, "levels": list(LEVELS),
            "extent": {"x_min": float(data.xx[0, 0]), "x_max": float(data.xx[0, -1]),
                       "y_min": float(data.yy[0, 0]), "y_max": float(data.yy[-1, 0])},
            "most_probable": np.round(data.most_probable[top_first], 5).ravel().tolist(),
            "moderated": np.round(data.moderated[top_first], 5).ravel().tolist()}


@router.get("/neuron/{nid}/bayes")
async def neuron_bayes(stepper: StepperDep, posterior: Annotated[Literal["laplace", "langevin", "hmc"], Query(
        description="laplace (MacKay's approximation, the default), or a sampler")] = "laplace") -> dict[str, Any]:
    """Most probable against moderated P(t = 1 | x) of the Bayesian neuron on the page's task and α."""
    return await anyio.to_thread.run_sync(bayes_view, stepper, posterior)
