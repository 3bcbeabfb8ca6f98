"""The Bayesian neuron's figure: the numbers behind it (MacKay's error bars on a boundary), then the picture."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuronlab.errors import ConfigError
from neuronlab.estimators.bayes_neuron import BayesianNeuronClassifier
from neuronlab.plots import save_figure
from neuronlab.plots.bayes import bayes_boundary_data, plot_bayes_boundary
from neuronlab.tasks import Task, load_task

Fitted = tuple[Task, BayesianNeuronClassifier]


@pytest.fixture(scope="module")
def few_points() -> Fitted:
    """A linear task seen through 12 training points: the posterior leaves the boundary loose."""
    task = load_task("linear", seed=0)
    return task, BayesianNeuronClassifier(random_state=0).fit(task.X_train[:12], task.y_train[:12])


def test_moderated_is_less_sure_than_most_probable_and_more_so_far_from_data(few_points: Fitted) -> None:
    task, clf = few_points
    data = bayes_boundary_data(clf, task, resolution=80, n_boundaries=30)
    assert data.most_probable.shape == data.moderated.shape == (80, 80)
    # κ ≤ 1 shrinks every activation: moderated P is nowhere further from ½ than the most probable P ...
    assert np.all(np.abs(data.moderated - 0.5) <= np.abs(data.most_probable - 0.5) + 1e-12)
    # ... the boundary itself does not move (σ(κa) = ½ exactly where a = 0) ...
    np.testing.assert_array_equal(data.moderated > 0.5, data.most_probable > 0.5)
    # ... and along the most probable 0.9 contour the moderated P drops the farther x is from the data
    on_contour = np.abs(data.most_probable - 0.9) < 0.02
    centre = task.X_train[:12].mean(axis=0)
    distance = np.hypot(data.xx - centre[0], data.yy - centre[1])[on_contour]
    moderated = data.moderated[on_contour]
    assert spearmanr(distance, moderated).statistic < -0.5  # measured: −0.65
    assert moderated[np.argmin(distance)] - moderated[np.argmax(distance)] > 0.05  # measured: 0.75 vs 0.61
    assert moderated.max() < 0.85  # even near the data, 12 points leave wide error bars (measured: 0.82)


def test_sample_boundaries_are_the_samples_activations_through_a_pipeline() -> None:
    task = load_task("linear", seed=0)
    task = replace(task, X_train=50 * task.X_train + 200, X_val=50 * task.X_val + 200,
                   X_test=50 * task.X_test + 200)  # raw units, so the scaler matters
    neuron = BayesianNeuronClassifier(posterior="hmc", n_samples=200, burn_in=50, random_state=0)
    pipe = make_pipeline(StandardScaler(), neuron).fit(task.X_train[:20], task.y_train[:20])
    data = bayes_boundary_data(pipe, task, resolution=40, n_boundaries=7)
    assert data.sample_activations.shape == (7, 40, 40)
    x = np.array([[data.xx[5, 9], data.yy[5, 9]]])
    z = pipe[0].transform(x)[0]  # what the neuron sees
    a = neuron.sample_weights_[:7] @ z + neuron.sample_bias_[:7]  # a = w·x + b of each sample, by hand
    np.testing.assert_allclose(data.sample_activations[:, 5, 9], a)
    np.testing.assert_allclose(data.moderated[5, 9], pipe.predict_proba(x)[0, 1])
    # the samples disagree: their boundaries cross the picture at different places
    assert len({tuple(np.sign(a).astype(int)) for a in data.sample_activations.reshape(7, -1)}) == 7


def test_figure_draws_both_contour_sets_and_sample_boundaries(few_points: Fitted, tmp_path: Path) -> None:
    task, clf = few_points
    fig = plot_bayes_boundary(clf, task, resolution=60, n_boundaries=12)
    ax = fig.axes[0]
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["most probable: 0.1, 0.5, 0.9", "moderated: 0.1, 0.5, 0.9", "12 posterior samples' a = 0"]
    line_contours = [c for c in ax.collections if type(c).__name__ == "QuadContourSet" and not c.filled]
    assert len(line_contours) >= 2 + 6  # most probable, moderated, and the samples that cross the picture
    assert sorted({float(v) for c in line_contours[-2:] for v in c.levels}) == [0.1, 0.5, 0.9]
    path = save_figure(fig, tmp_path / "bayes")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_wrong_models_and_tasks_are_refused_in_one_line(few_points: Fitted) -> None:
    task, clf = few_points
    logistic = LogisticRegression().fit(task.X_train, task.y_train)
    for estimator, words in ((logistic, "needs a fitted BayesianNeuronClassifier"),
                             (BayesianNeuronClassifier(), "needs a fitted BayesianNeuronClassifier")):
        with pytest.raises(ConfigError, match=words):
            bayes_boundary_data(estimator, task)
    with pytest.raises(ConfigError, match="n_boundaries"):
        bayes_boundary_data(clf, task, n_boundaries=-1)
    breast = load_task("breast_cancer", seed=0)
    wide = BayesianNeuronClassifier(random_state=0).fit(breast.X_train, breast.y_train)
    with pytest.raises(ConfigError, match="2-D task"):
        bayes_boundary_data(wide, breast)
