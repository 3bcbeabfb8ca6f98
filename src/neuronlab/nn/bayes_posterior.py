"""The posterior over one sigmoid neuron's weights (MacKay, ITILA ch. 41), in MacKay's notation.

    y(x; w) = σ(w·x)                                      x carries x₀ = 1 when the neuron has a bias
    G(w)    = −Σ_n [t_n ln y_n + (1 − t_n) ln(1 − y_n)]   the data error: the seed's cross-entropy
    E_W(w)  = ½ Σ_i w_i²                                  the weight error, over the weights (not the bias)
    M(w)    = G(w) + α E_W(w)                             P(w | D, α) = exp(−M(w)) / Z_M
    ∇M      = −Σ_n (t_n − y_n) x_n + α w                  the seed's Σ_n g_n plus its weight decay
    A       = ∇∇M = Σ_n y_n(1 − y_n) x_n x_nᵀ + α I_W     the Hessian at w (I_W: 1 on the weights' diagonal)

So the seed's weight decay α is the precision of a Gaussian prior on w, and gradient descent on the
seed's loss finds the most probable weights w_MP.  The bias keeps the seed's "no decay": a flat
prior (precision 0), which still gives a proper posterior once both classes are present.

Three readings of the posterior:

* Laplace: the Gaussian N(w_MP, A⁻¹).  For an input x, the activation a = w·x is then Gaussian with
  mean a_MP = w_MP·x and variance s² = xᵀA⁻¹x, and MacKay's moderated output is
  ψ(a_MP, s²) = σ(κ(s) a_MP) with κ(s) = 1/√(1 + πs²/8): the probit approximation of ∫σ(a)N(a)da.
* Langevin and Hamiltonian Monte Carlo, MacKay's code line by line (ch. 30 and 41): leapfrog steps
  on H(w, p) = M(w) + ½|p|², then a Metropolis accept/reject on ΔH, so the chain's stationary law is
  exactly exp(−M) whatever the step size.  Langevin is HMC with one leapfrog step.  The steps run in
  the coordinates u where the Laplace Gaussian is N(0, I) (w = w_MP + L⁻ᵀu, A = LLᵀ; HMC with mass
  matrix A, as Neal 2011 suggests): a linear change of variables, so exp(−M) is still the target, and one
  step size in "posterior standard deviations" suits data on any scale.
* The evidence framework (MacKay 1992): α is re-estimated as α = γ / 2E_W(w_MP), where
  γ = k − α Trace_W(A⁻¹) counts the well-determined weights, until it stops moving.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve, solve_triangular
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning

ALPHA_RANGE = (1e-8, 1e8)  # the evidence framework's α stays within this (an E_W → 0 fit sends it to ∞)


@dataclass(frozen=True)
class Objective:
    """M(w) = G(w) + α E_W(w) for inputs X (N, k), targets t ∈ {0, 1} (N,), and the prior's precision
    per coordinate (k,): α on the weights, 0 on the bias."""

    X: np.ndarray  # (N, k)
    t: np.ndarray  # (N,)
    precision: np.ndarray  # (k,)

    def G(self, w: np.ndarray) -> float:
        a = self.X @ w  # (N,)
        # −[t ln σ(a) + (1 − t) ln(1 − σ(a))] = ln(1 + eᵃ) − t a, written in a so it never takes ln 0
        return float(np.sum(np.logaddexp(0.0, a) - self.t * a))

    def E_W(self, w: np.ndarray) -> float:
        return 0.5 * float(np.sum(w[self.precision > 0] ** 2))

    def M(self, w: np.ndarray) -> float:
        return self.G(w) + 0.5 * float(np.sum(self.precision * w**2))

    def grad(self, w: np.ndarray) -> np.ndarray:
        y = expit(self.X @ w)  # (N,)
        return -(self.t - y) @ self.X + self.precision * w  # (k,)

    def hessian(self, w: np.ndarray) -> np.ndarray:
        y = expit(self.X @ w)  # (N,)
        return (self.X * (y * (1.0 - y))[:, None]).T @ self.X + np.diag(self.precision)  # (k, k)


def objective(X: np.ndarray, t: np.ndarray, alpha: float, *, bias: bool) -> Objective:
    """The objective for ``X`` whose last column is x₀ = 1 when ``bias`` (that weight is not decayed)."""
    precision = np.full(X.shape[1], float(alpha))
    if bias:
        precision[-1] = 0.0
    return Objective(X, t, precision)


def most_probable(obj: Objective, w0: np.ndarray | None = None, *, tol: float = 1e-12,
                  max_iter: int = 500) -> np.ndarray:
    """w_MP by Newton's method with backtracking (M is strictly convex, so this is its one minimum).

    Each step solves A Δw = ∇M; it stops when half the Newton decrement ∇Mᵀ A⁻¹ ∇M, which estimates
    M(w) − M(w_MP), is below ``tol`` (relative to 1 + |M|): w_MP to near machine precision, which the
    oracle tests rely on.
    """
    w = np.zeros(obj.X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    M_w = obj.M(w)
    for _ in range(max_iter):
        g = obj.grad(w)
        step = cho_solve(cho_factor(obj.hessian(w)), g)  # A⁻¹ ∇M
        decrement = float(g @ step)
        if decrement / 2 <= tol * (1.0 + abs(M_w)):
            return w
        s = 1.0  # halve the step until M falls by at least a quarter of what the quadratic model promises
        while (M_new := obj.M(w - s * step)) > M_w - 0.25 * s * decrement and s > 1e-12:
            s /= 2
        if M_new >= M_w:  # no step lowers M in floating point: we are at the minimum
            return w
        w, M_w = w - s * step, M_new
    warnings.warn(f"Newton's method did not reach w_MP in {max_iter} steps", ConvergenceWarning, stacklevel=2)
    return w


@dataclass(frozen=True)
class Laplace:
    """The Gaussian N(w_MP, A⁻¹) around the most probable weights."""

    w_mp: np.ndarray  # (k,)
    A: np.ndarray  # (k, k) Hessian of M at w_MP
    L: np.ndarray  # (k, k) lower Cholesky factor, A = L Lᵀ
    L_inv_T: np.ndarray  # (k, k) L⁻ᵀ, so A⁻¹ = L⁻ᵀ L⁻¹

    @property
    def covariance(self) -> np.ndarray:
        """A⁻¹ (k, k)."""
        return self.L_inv_T @ self.L_inv_T.T

    def to_w(self, u: np.ndarray) -> np.ndarray:
        """w = w_MP + L⁻ᵀu: u ~ N(0, I) gives w ~ N(w_MP, A⁻¹).  u (..., k) → w (..., k)."""
        return self.w_mp + u @ self.L_inv_T.T

    def activation_variance(self, X: np.ndarray) -> np.ndarray:
        """s² = xᵀA⁻¹x = |L⁻¹x|² for each row of X (N, k)."""
        return np.sum((X @ self.L_inv_T) ** 2, axis=1)  # (N,)


def laplace(obj: Objective, w0: np.ndarray | None = None) -> Laplace:
    w_mp = most_probable(obj, w0)
    A = obj.hessian(w_mp)
    L = np.linalg.cholesky(A)
    return Laplace(w_mp, A, L, solve_triangular(L, np.eye(len(L)), lower=True).T)


def moderated(a: np.ndarray, s2: np.ndarray) -> np.ndarray:
    """MacKay's moderated output ψ(a, s²) = σ(κ(s) a), κ(s) = 1/√(1 + πs²/8).

    σ(a) ≈ Φ(λa) with λ² = π/8 (the probit with σ's slope at 0), and Φ(λa) averaged over a ~ N(a_MP, s²)
    is exactly Φ(λ a_MP / √(1 + λ²s²)): so κ shrinks a toward 0 (y toward ½) as the activation becomes
    uncertain, and leaves a = 0 (the boundary) where it is.
    """
    return expit(a / np.sqrt(1.0 + np.pi * s2 / 8.0))


def log_evidence(obj: Objective, lap: Laplace) -> float:
    """ln P(D | α) by Laplace: −M(w_MP) − ½ ln det A + (k_W/2) ln α + ((k − k_W)/2) ln 2π.

    From ∫exp(−G) (α/2π)^(k_W/2) exp(−αE_W) dw ≈ exp(−M(w_MP)) (2π)^(k/2) det(A)^(−½) (α/2π)^(k_W/2);
    the flat prior of the bias contributes no normaliser.
    """
    penalised = obj.precision > 0
    k, k_w = len(obj.precision), int(penalised.sum())
    alpha = float(obj.precision[penalised][0]) if k_w else 1.0
    log_det_A = 2.0 * float(np.sum(np.log(np.diag(lap.L))))
    return -obj.M(lap.w_mp) - 0.5 * log_det_A + 0.5 * k_w * np.log(alpha) + 0.5 * (k - k_w) * np.log(2 * np.pi)


def well_determined(obj: Objective, lap: Laplace) -> float:
    """γ = k_W − α Trace_W(A⁻¹) over the decayed weights: each counts 1 − (posterior variance / prior
    variance), about 1 when the data pin it down and about 0 when only the prior does."""
    penalised = obj.precision > 0
    variances = np.diag(lap.covariance)[penalised]
    return float(np.sum(1.0 - obj.precision[penalised] * variances))


@dataclass(frozen=True)
class Evidence:
    alpha: float  # the α that maximises the evidence (MacKay's fixed point)
    gamma: float  # γ, the number of well-determined weights
    laplace: Laplace  # the posterior at that α
    log_evidence: float
    n_iter: int


def evidence_alpha(X: np.ndarray, t: np.ndarray, alpha: float, *, bias: bool, tol: float = 1e-9,
                   max_iter: int = 500) -> Evidence:
    """Learn α by MacKay's re-estimation α ← γ / 2E_W(w_MP), starting from ``alpha``.

    γ = k_W − α Trace_W(A⁻¹): a weight the data pin down (posterior variance ≪ prior variance 1/α)
    counts 1, one the data leave to the prior counts 0.  At the fixed point ∂ ln P(D|α)/∂α = 0, up to
    the change of A's data term with w_MP, which MacKay's derivation neglects.
    """
    obj = objective(X, t, alpha, bias=bias)
    lap = laplace(obj)
    for n_iter in range(1, max_iter + 1):
        gamma = well_determined(obj, lap)
        E_W = obj.E_W(lap.w_mp)
        new_alpha = float(np.clip(gamma / (2 * E_W) if E_W > 0 else np.inf, *ALPHA_RANGE))
        if abs(np.log(new_alpha / alpha)) < tol:
            return Evidence(alpha, gamma, lap, log_evidence(obj, lap), n_iter)
        alpha = new_alpha
        obj = objective(X, t, alpha, bias=bias)
        lap = laplace(obj, lap.w_mp)  # w_MP moves little with α: start Newton from the last one
    warnings.warn(f"the evidence framework's α did not settle in {max_iter} updates (last α = {alpha:.4g})",
                  ConvergenceWarning, stacklevel=2)
    return Evidence(alpha, well_determined(obj, lap), lap, log_evidence(obj, lap), max_iter)


def hamiltonian_monte_carlo(obj: Objective, lap: Laplace, *, n_samples: int, burn_in: int, step_size: float,
                            n_leapfrog: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Samples of w from exp(−M(w)) (n_samples, k) and the fraction of proposals accepted.

    MacKay's Octave code (ITILA §30.1; §41.3 for Langevin) with ε = ``step_size`` and Tau = ``n_leapfrog``
    (Tau = 1 is his Langevin method), run on u, where M_u(u) = M(w_MP + L⁻ᵀu) and
    ∇_u M = L⁻¹ ∇_w M.  The chain starts at w_MP; the first ``burn_in`` states are dropped.
    """
    def findM(u: np.ndarray) -> float:
        return obj.M(lap.to_w(u))

    def gradM(u: np.ndarray) -> np.ndarray:
        return obj.grad(lap.to_w(u)) @ lap.L_inv_T  # L⁻¹ ∇_w M

    k = len(lap.w_mp)
    u = np.zeros(k)  # w = w_MP
    g, M = gradM(u), findM(u)  # set gradient and objective function using the initial w
    samples = np.empty((n_samples, k))
    accepted = 0
    with np.errstate(over="ignore", invalid="ignore"):  # a wild trajectory is rejected below, not warned about
        for step in range(burn_in + n_samples):
            p = rng.standard_normal(k)  # initial momentum is Normal(0, 1)
            H = p @ p / 2 + M  # evaluate H(w, p)
            u_new, g_new = u, g
            for _ in range(n_leapfrog):  # make Tau leapfrog steps
                p = p - step_size * g_new / 2  # make half-step in p
                u_new = u_new + step_size * p  # make step in w
                g_new = gradM(u_new)  # find new gradient
                p = p - step_size * g_new / 2  # make half-step in p
            M_new = findM(u_new)  # find new objective function
            dH = p @ p / 2 + M_new - H  # H_new − H: 0 for an exact trajectory, small for a good ε
            # accept with probability min(1, e^(−ΔH)); a non-finite ΔH (a diverged trajectory) is rejected
            if np.isfinite(dH) and (dH < 0 or rng.random() < np.exp(-dH)):
                u, g, M = u_new, g_new, M_new
                accepted += step >= burn_in
            if step >= burn_in:
                samples[step - burn_in] = u
    return lap.to_w(samples), accepted / n_samples


def batch_means(values: np.ndarray, n_batches: int = 25) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, Monte Carlo standard error and effective sample size of a chain's values (S, ...).

    The chain is cut into ``n_batches`` consecutive batches; when a batch is much longer than the
    chain's autocorrelation time its means are nearly independent, so their spread over √n_batches is
    the standard error of the overall mean, correlation included.  ESS = S · var(values) / (S · MCSE²).
    """
    values = np.asarray(values, dtype=float)
    size = len(values) // n_batches
    if size < 1:
        raise ValueError(f"{len(values)} values cannot fill {n_batches} batches")
    means = values[: size * n_batches].reshape(n_batches, size, *values.shape[1:]).mean(axis=1)
    mcse = means.std(axis=0, ddof=1) / np.sqrt(n_batches)
    with np.errstate(divide="ignore", invalid="ignore"):
        ess = values.var(axis=0, ddof=1) / mcse**2
    return values.mean(axis=0), mcse, ess
