"""The Bayesian neuron against an exact oracle: the posterior of two weights integrated on a grid.

For a neuron with two weights and no bias, P(w | D) ∝ exp(−G(w) − α|w|²/2) is computed on a 400 × 400
grid over a box holding all but < 1e-6 of its mass, written here independently of the library.  Its
mean, covariance, predictive probabilities and evidence are the truth the Laplace approximation and the
two samplers are held to.  (Doubling the grid to 800 × 800 moves these numbers by < 1e-6: the grid is
not the error being measured.)  Monte Carlo answers are compared within 4 Monte Carlo standard errors
(MCSE), estimated by batch means (25 batches), so correlation along the chain is included.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.utils.estimator_checks import parametrize_with_checks
from typer.testing import CliRunner

from neuronlab import limits
from neuronlab.errors import ConfigError, DataError
from neuronlab.estimators.bayes_neuron import BayesianNeuronClassifier
from neuronlab.limits import LimitError
from neuronlab.nn import bayes_posterior as bp

Z_MAX = 4.0  # |estimate − exact| / MCSE allowed; every run is seeded, so this is a margin, not a coin toss
TEST_POINTS = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 2.0], [2.0, -1.0], [0.3, -0.6]])


@dataclass(frozen=True)
class Exact:
    """A dataset with its exactly integrated posterior."""

    X: np.ndarray
    t: np.ndarray
    alpha: float
    mean: np.ndarray  # (2,)
    cov: np.ndarray  # (2, 2)
    predictive: np.ndarray  # (len(TEST_POINTS),) P(t = 1 | x, D) = ∫σ(w·x) P(w|D) dw
    log_evidence: float  # ln ∫ exp(−G(w)) N(w; 0, I/α) dw


def integrate(X: np.ndarray, t: np.ndarray, alpha: float, lo: tuple[float, float], hi: tuple[float, float],
              n: int = 400) -> Exact:
    w1, w2 = np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n)
    W = np.stack(np.meshgrid(w1, w2, indexing="ij"), axis=-1).reshape(-1, 2)  # (n², 2)
    a = W @ X.T  # (n², N)
    log_lik = np.sum(t * a - np.logaddexp(0, a), axis=1)  # ln Π y^t (1−y)^(1−t), y = σ(a)
    log_prior = np.log(alpha / (2 * np.pi)) - 0.5 * alpha * np.sum(W**2, axis=1)
    log_joint = log_lik + log_prior
    peak = log_joint.max()
    p = np.exp(log_joint - peak)
    cell = (w1[1] - w1[0]) * (w2[1] - w2[0])
    log_evidence = float(peak + np.log(p.sum() * cell))
    p /= p.sum()
    edge = p.reshape(n, n)
    assert edge[[0, -1], :].sum() + edge[:, [0, -1]].sum() < 1e-6, "the box must hold the posterior's mass"
    mean = p @ W
    cov = (W - mean).T @ ((W - mean) * p[:, None])
    predictive = p @ expit(W @ TEST_POINTS.T)
    return Exact(X, t, alpha, mean, cov, predictive, log_evidence)


@pytest.fixture(scope="module")
def near_gaussian() -> Exact:
    """200 points from a noisy neuron and a strong prior: a posterior close to its Laplace Gaussian."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    t = (rng.random(200) < expit(X @ np.array([1.5, -1.0]))).astype(float)
    return integrate(X, t, 1.0, lo=(0.3, -2.4), hi=(3.1, 0.3))


@pytest.fixture(scope="module")
def separable() -> Exact:
    """Four separable points and a weak prior: the likelihood only says "w·x > 0 on one side", so the
    posterior is a skewed wedge stretching away from the origin, not a Gaussian."""
    X = np.array([[1.0, 0.5], [2.0, 1.0], [-1.0, -0.2], [-0.5, -1.5]])
    return integrate(X, np.array([1.0, 1.0, 0.0, 0.0]), 0.1, lo=(-12, -12), hi=(16, 16))


def fit(data: Exact, posterior: str, **params: object) -> BayesianNeuronClassifier:
    return BayesianNeuronClassifier(data.alpha, posterior, fit_bias=False, random_state=0,
                                    **params).fit(data.X, data.t)  # type: ignore[arg-type]


# -- the most probable weights ----------------------------------------------------------------------


def test_newton_finds_the_minimum_of_M_that_scipy_finds(separable: Exact, near_gaussian: Exact) -> None:
    for data in (separable, near_gaussian):
        def M(w: np.ndarray, data: Exact = data) -> tuple[float, np.ndarray]:
            a = data.X @ w
            value = np.sum(np.logaddexp(0, a) - data.t * a) + 0.5 * data.alpha * w @ w
            return float(value), (expit(a) - data.t) @ data.X + data.alpha * w

        reference = minimize(M, np.zeros(2), jac=True, method="L-BFGS-B", options={"gtol": 1e-12, "ftol": 0}).x
        np.testing.assert_allclose(fit(data, "laplace").coef_, reference, atol=1e-6)


def test_gradient_and_hessian_match_finite_differences() -> None:
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.normal(size=(30, 3)), np.ones(30)])  # the last weight is the (undecayed) bias
    obj = bp.objective(X, (rng.random(30) < 0.4).astype(float), 0.7, bias=True)
    w, h = rng.normal(size=4), 1e-6
    numeric_grad = [(obj.M(w + h * e) - obj.M(w - h * e)) / (2 * h) for e in np.eye(4)]
    numeric_hess = [(obj.grad(w + h * e) - obj.grad(w - h * e)) / (2 * h) for e in np.eye(4)]
    np.testing.assert_allclose(obj.grad(w), numeric_grad, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(obj.hessian(w), numeric_hess, rtol=1e-5, atol=1e-6)
    assert obj.M(w) == pytest.approx(obj.G(w) + 0.7 * obj.E_W(w))  # E_W leaves the bias out
    assert obj.E_W(w) == pytest.approx(0.5 * np.sum(w[:3] ** 2))


def test_the_bias_has_a_flat_prior_so_it_is_not_decayed() -> None:
    """Labels 90 % ones and no signal: with α huge the weights go to 0 and b_MP = ln(0.9/0.1) exactly."""
    X = np.random.default_rng(2).normal(size=(100, 2))
    y = np.r_[np.ones(90), np.zeros(10)]
    clf = BayesianNeuronClassifier(alpha=1e8, random_state=0).fit(X, y)
    np.testing.assert_allclose(clf.coef_, 0.0, atol=1e-6)
    assert clf.intercept_ == pytest.approx(np.log(9.0), abs=1e-6)


# -- Laplace: close where the posterior is near-Gaussian, visibly off where it is not ----------------


def test_moderated_output_approximates_the_gaussian_average_of_sigma() -> None:
    """ψ(a, s²) = σ(κ(s) a) against ∫σ(z) N(z; a, s²) dz by quadrature: within 0.02 everywhere."""
    z = np.linspace(-60, 60, 24_001)
    worst = 0.0
    for a in np.linspace(-6, 6, 25):
        for s2 in (0.0, 0.5, 2.0, 8.0, 25.0):
            exact = expit(a) if s2 == 0 else float(np.trapezoid(expit(z) * np.exp(-(z - a) ** 2 / (2 * s2)), z)
                                                   / np.sqrt(2 * np.pi * s2))
            worst = max(worst, abs(float(bp.moderated(np.array(a), np.array(s2))) - exact))
    assert worst < 0.02
    assert bp.moderated(np.array(0.0), np.array(100.0)) == 0.5  # the boundary never moves
    assert bp.moderated(np.array(3.0), np.array(0.0)) == pytest.approx(expit(3.0))


def test_laplace_is_close_where_the_posterior_is_near_gaussian(near_gaussian: Exact) -> None:
    clf = fit(near_gaussian, "laplace")
    sd = np.sqrt(np.diag(near_gaussian.cov))
    assert np.all(np.abs(clf.coef_ - near_gaussian.mean) < 0.2 * sd)  # measured: 0.13 and 0.09 sd
    np.testing.assert_allclose(clf.covariance_, near_gaussian.cov, rtol=0.05)  # measured: 2 %
    predictive = clf.predict_proba(TEST_POINTS)[:, 1]
    assert np.max(np.abs(predictive - near_gaussian.predictive)) < 0.01
    # predict_proba is MacKay's formula, worked out here from coef_ and covariance_
    x = TEST_POINTS[2]
    kappa = 1 / np.sqrt(1 + np.pi * (x @ clf.covariance_ @ x) / 8)
    assert predictive[2] == pytest.approx(expit(kappa * (x @ clf.coef_)))
    # and the Laplace evidence is the exact one to within 0.02 nats
    assert clf.log_evidence_ == pytest.approx(near_gaussian.log_evidence, abs=0.02)


def test_laplace_is_visibly_off_where_few_separable_points_leave_a_skewed_posterior(separable: Exact) -> None:
    clf = fit(separable, "laplace")
    sd = np.sqrt(np.diag(separable.cov))
    gap = np.abs(clf.coef_ - separable.mean) / sd
    assert np.all(gap > 0.3)  # measured: 0.37 and 0.39 sd — w_MP sits at the wedge's tip, the mass beyond it
    predictive_gap = np.abs(clf.predict_proba(TEST_POINTS)[:, 1] - separable.predictive)
    assert predictive_gap.max() > 0.06  # measured: 0.09; under the near-Gaussian posterior it is < 0.01


# -- the samplers match the exact posterior within Monte Carlo error ---------------------------------


def assert_matches(clf: BayesianNeuronClassifier, exact: Exact) -> None:
    W = clf.sample_weights_  # (S, 2)
    mean, mcse, _ = bp.batch_means(W)
    assert np.all(np.abs(mean - exact.mean) < Z_MAX * mcse), (mean, exact.mean, mcse)
    centred = W - exact.mean
    products = np.stack([centred[:, 0] ** 2, centred[:, 0] * centred[:, 1], centred[:, 1] ** 2], axis=1)
    cov, cov_se, _ = bp.batch_means(products)
    exact_cov = exact.cov[[0, 0, 1], [0, 1, 1]]
    assert np.all(np.abs(cov - exact_cov) < Z_MAX * cov_se), (cov, exact_cov, cov_se)
    predictive, pred_se, _ = bp.batch_means(expit(W @ TEST_POINTS.T))  # (S, 5) σ(w·x) per sample
    assert np.all(np.abs(predictive - exact.predictive) < Z_MAX * pred_se), (predictive, exact.predictive)
    # predict_proba is that average
    np.testing.assert_allclose(clf.predict_proba(TEST_POINTS)[:, 1], predictive)


@pytest.mark.parametrize("posterior", ["langevin", "hmc"])
@pytest.mark.parametrize("case", ["near_gaussian", "separable"])
def test_sampler_matches_exact_mean_covariance_and_predictive(posterior: str, case: str,
                                                              request: pytest.FixtureRequest) -> None:
    exact: Exact = request.getfixturevalue(case)
    clf = fit(exact, posterior, n_samples=4000, burn_in=200)
    assert 0.6 < clf.acceptance_rate_ < 1.0  # Metropolis really rejects some proposals
    assert_matches(clf, exact)


def test_metropolis_keeps_langevin_exact_at_a_large_step(separable: Exact) -> None:
    """At ε = 2 posterior s.d. half of Langevin's proposals are rejected; without the accept/reject step
    the chain would sample a distorted, too wide posterior (the unadjusted Langevin bias)."""
    clf = fit(separable, "langevin", n_samples=6000, step_size=2.0)
    assert clf.acceptance_rate_ < 0.6
    assert_matches(clf, separable)


def test_batch_means_recovers_the_effective_sample_size() -> None:
    rng = np.random.default_rng(3)
    iid = rng.normal(size=20_000)
    rho, ar = 0.9, np.empty(20_000)
    ar[0] = 0.0
    for i in range(1, len(ar)):  # AR(1): ESS = S (1 − ρ) / (1 + ρ)
        ar[i] = rho * ar[i - 1] + np.sqrt(1 - rho**2) * rng.normal()
    assert bp.batch_means(iid)[2] == pytest.approx(20_000, rel=0.35)
    assert bp.batch_means(ar)[2] == pytest.approx(20_000 * (1 - rho) / (1 + rho), rel=0.35)


# -- the evidence framework ---------------------------------------------------------------------------


def test_evidence_alpha_grows_on_noise_and_shrinks_on_a_strong_signal() -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(400, 2))
    noise = rng.integers(0, 2, 400)  # labels independent of x: the weights should be shrunk to 0
    strong = (rng.random(400) < expit(X @ np.array([4.0, -3.0]))).astype(int)  # |w| = 5: a wide prior fits
    grown = BayesianNeuronClassifier(alpha=1.0, evidence=True, fit_bias=False).fit(X, noise)
    shrunk = BayesianNeuronClassifier(alpha=1.0, evidence=True, fit_bias=False).fit(X, strong)
    assert grown.alpha_ > 10 and grown.gamma_ < 1.5  # measured: α = 94, γ = 1.04 of 2 weights
    assert shrunk.alpha_ < 0.2 and shrunk.gamma_ > 1.9  # both weights pinned down (measured: α = 0.069, γ = 1.97)
    assert shrunk.alpha_ == pytest.approx(shrunk.gamma_ / np.sum(shrunk.coef_**2), rel=1e-6)  # the fixed point


def test_evidence_alpha_maximises_the_evidence(near_gaussian: Exact) -> None:
    """At MacKay's fixed point the Laplace evidence is (near) its maximum over α; and the exact evidence on
    the grid, recomputed at that α and a few times either side, peaks there too."""
    clf = BayesianNeuronClassifier(alpha=1.0, evidence=True, fit_bias=False).fit(near_gaussian.X, near_gaussian.t)
    for factor in (0.5, 0.8, 1.25, 2.0):
        other = BayesianNeuronClassifier(alpha=clf.alpha_ * factor, fit_bias=False).fit(near_gaussian.X,
                                                                                         near_gaussian.t)
        assert other.log_evidence_ < clf.log_evidence_ + 1e-3
    exact = {f: integrate(near_gaussian.X, near_gaussian.t, clf.alpha_ * f, lo=(0.0, -3.0), hi=(3.6, 0.9),
                          n=200).log_evidence for f in (0.5, 1.0, 2.0)}
    assert exact[1.0] > max(exact[0.5], exact[2.0])


# -- reproducible, scikit-learn's contract, and bad input in one line --------------------------------


@pytest.mark.parametrize("posterior", ["laplace", "langevin", "hmc"])
def test_same_seed_same_samples(posterior: str, separable: Exact) -> None:
    first = fit(separable, posterior, n_samples=300).sample_weights_
    np.testing.assert_array_equal(first, fit(separable, posterior, n_samples=300).sample_weights_)
    other = BayesianNeuronClassifier(separable.alpha, posterior, fit_bias=False, n_samples=300, random_state=1)
    assert not np.allclose(first, other.fit(separable.X, separable.t).sample_weights_)


@parametrize_with_checks([
    BayesianNeuronClassifier(random_state=0),
    BayesianNeuronClassifier(evidence=True, random_state=0),
    BayesianNeuronClassifier(posterior="langevin", n_samples=200, burn_in=50, random_state=0),
    BayesianNeuronClassifier(posterior="hmc", n_samples=100, burn_in=20, random_state=0),
])
def test_sklearn_contract(estimator: BayesianNeuronClassifier, check: object) -> None:
    check(estimator)  # type: ignore[operator]


X20, Y20 = np.random.default_rng(0).normal(size=(20, 2)), np.arange(20) % 2


@pytest.mark.parametrize(("params", "X", "y", "error", "words"), [
    ({}, X20, np.arange(20) % 3, ConfigError, "Only binary classification is supported"),
    ({}, np.where(X20 > 1.0, np.nan, X20), Y20, DataError, "NaN or inf"),
    ({}, X20, np.linspace(0, 1, 20), DataError, "Unknown label type"),
    ({}, X20, np.zeros(20), DataError, "1 class"),
    ({"alpha": 0.0}, X20, Y20, ConfigError, "alpha (the prior's precision"),
    ({"alpha": -1.0}, X20, Y20, ConfigError, "must be a finite number > 0"),
    ({"alpha": float("inf")}, X20, Y20, ConfigError, "alpha"),
    ({"posterior": "gibbs"}, X20, Y20, ConfigError, "posterior must be one of 'hmc', 'langevin', 'laplace'"),
    ({"n_samples": 0}, X20, Y20, ConfigError, "n_samples"),
    ({"n_samples": 2.5}, X20, Y20, ConfigError, "whole number"),
    ({"n_leapfrog": 10**6}, X20, Y20, ConfigError, "<= 1000"),
    ({"step_size": 0.0}, X20, Y20, ConfigError, "step_size"),
    ({"evidence": "yes"}, X20, Y20, ConfigError, "True or False"),
], ids=["multiclass", "nan", "continuous", "one-class", "alpha-0", "alpha-negative", "alpha-inf", "posterior",
        "no-samples", "fractional-samples", "leapfrog", "step", "evidence"])
def test_bad_input_is_one_clear_line(params: dict[str, object], X: np.ndarray, y: np.ndarray,
                                     error: type[Exception], words: str) -> None:
    with pytest.raises(error) as info:
        BayesianNeuronClassifier(**params).fit(X, y)  # type: ignore[arg-type]
    assert words in str(info.value) and "\n" not in str(info.value)


def test_sample_counts_over_the_limit_are_refused_before_sampling(monkeypatch: pytest.MonkeyPatch) -> None:
    for params in ({"n_samples": 10**9}, {"burn_in": 10**9}):
        with pytest.raises(LimitError) as info:  # 10⁹ × 3 floats would be 24 GB: refused, not allocated
            BayesianNeuronClassifier(posterior="hmc", **params).fit(X20, Y20)  # type: ignore[arg-type]
        assert limits.POSTERIOR_SAMPLES.env in str(info.value) and "\n" not in str(info.value)
    # the samples kept are also bounded as values (samples × weights), with the data limit
    monkeypatch.setenv("NEURONLAB_MAX_DATA_VALUES", "1000")
    with pytest.raises(LimitError, match="sample_weights_ would hold 1,800 values"):
        BayesianNeuronClassifier(n_samples=600).fit(X20, Y20)
    monkeypatch.setenv("NEURONLAB_MAX_POSTERIOR_SAMPLES", "10")
    with pytest.raises(LimitError, match="over the limit of 10 posterior samples"):
        BayesianNeuronClassifier(n_samples=11).fit(X20, Y20)


def test_predict_refuses_wrong_inputs_in_one_line() -> None:
    clf = BayesianNeuronClassifier(random_state=0).fit(X20, Y20)
    for bad in (np.ones((3, 3)), np.ones(2), np.array([[np.inf, 0.0]])):
        with pytest.raises(DataError) as info:
            clf.predict_proba(bad)
        assert "\n" not in str(info.value)


# -- the command line ----------------------------------------------------------------------------------


def test_make_model_builds_it_for_binary_tasks_only() -> None:
    from neuronlab.estimators.registry import make_model

    clf = make_model("bayes_neuron", "binary", random_state=3, posterior="hmc")
    assert isinstance(clf, BayesianNeuronClassifier) and (clf.random_state, clf.posterior) == (3, "hmc")
    with pytest.raises(ConfigError, match="'bayes_neuron' is a binary classifier"):
        make_model("bayes_neuron", "regression")


def test_neuronlab_train_with_model_bayes_neuron() -> None:
    from neuronlab.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["train", "moons", "--model", "bayes_neuron", "--json"])
    assert result.exit_code == 0, result.output
    assert '"model": "bayes_neuron"' in result.output
    refused = runner.invoke(app, ["train", "iris", "--model", "bayes_neuron"])
    assert refused.exit_code == 2
    assert "Only binary classification is supported" in refused.output
