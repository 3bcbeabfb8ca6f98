# %% [markdown]
# # §3.2 — One neuron by hand, in NumPy
#
# Imperial MLBD practical §3.2 (J. M. Frost), after MacKay, *ITILA* ch. 39. *Add the missing code: the
# sigmoid activation function, the neuron function, the training loop. You can now train a model and
# visualise the decision boundary.* Then experiment.
#
# **How to work.** A cell whose first line is `# exercise: …` holds a `raise NotImplementedError(...)`:
# replace it with your code and run the `check(...)` cell under it. ✓ means your code agrees with the
# reference on several random seeds; ✗ tells you what to look at. Keep the function names — grading
# finds your code by name, wherever the cell ends up. To grade the whole notebook:
# `neuronlab practical check imperial_3_2_numpy_neuron.ipynb`.
#
# **Document as you go.** Every experiment below is a small spec (TOML) recorded in the run store;
# `neuronlab runs list` shows them and `neuronlab runs compare` sets them side by side. Edit a spec,
# run it again, and the new points are added to your record.

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

import neuronlab as nl
from neuronlab.experiments import fit_and_score
from neuronlab.plots import plot_activations, plot_decision_boundary, plot_learning_curves, plot_regression_band
from neuronlab.practicals import check
from neuronlab.practicals.lab import notebook_setup, record_runs, run_history

store = notebook_setup()

# %% [markdown]
# ## 1. The task
#
# `linear`: points in the square [−1, 1]², labelled by the side of a line through the origin they lie
# on, with an empty margin around the line. One straight line separates the classes, so a single neuron
# can reach 100 % (the task's *ceiling*).

# %%
task = nl.load_task("linear", seed=0)
X, t = task.X_train, task.y_train.astype(float)
print(f"{len(X)} training points with {X.shape[1]} inputs; ceiling {task.ceiling}")
fig, ax = plt.subplots(figsize=(4, 4))
ax.scatter(X[:, 0], X[:, 1], c=t, cmap="coolwarm", edgecolors="k", s=20)
ax.set(xlabel="x1", ylabel="x2", title="linear: the training split")
plt.show()

# %% [markdown]
# ## 2. The sigmoid
#
# $y = \sigma(a) = 1 / (1 + e^{-a})$ squashes any activation into (0, 1). Careful: for a = −1000,
# $e^{-a} = e^{1000}$ is far beyond the largest float, NumPy warns about the overflow, and the check
# fails. Can you write σ so that `np.exp` only ever sees a number ≤ 0?

# %%
# exercise: sigmoid
def sigmoid(a):
    """σ(a) = 1 / (1 + e^(−a)), elementwise, for an array a of any shape."""
    ### BEGIN SOLUTION
    a = np.asarray(a, dtype=float)
    ea = np.exp(-np.abs(a))  # never overflows: the exponent is <= 0
    return np.where(a >= 0, 1.0 / (1.0 + ea), ea / (1.0 + ea))
    ### END SOLUTION


# %%
check("sigmoid", sigmoid)
### BEGIN HIDDEN TESTS
assert check("sigmoid", sigmoid, seeds=range(10), quiet=True).passed
### END HIDDEN TESTS

# %% [markdown]
# ## 3. The neuron
#
# $a = \sum_i w_i x_i$ for each sample — for all samples at once, `a = X @ w` — then $y = \sigma(a)$.
# `X` has one row per sample, shape (N, n_inputs); return y with shape (N,).

# %%
# exercise: neuron
def neuron(X, w):
    """The neuron's output y = σ(X w), one value per row of X."""
    ### BEGIN SOLUTION
    return sigmoid(X @ w)
    ### END SOLUTION


# %%
check("neuron", neuron)

# %% [markdown]
# ## 4. The training loop
#
# MacKay's rule, all samples in one gradient, with weight decay α:
#
# $$e = t - y, \qquad g_i = -e\,x_i, \qquad \Delta w_i = -\eta \sum_n g_i - \eta\,\alpha\,w_i$$
#
# (The slide writes $e = y - t$ next to the same $g$ and $\Delta w$: with that sign the loss goes *up*.
# MacKay's $e = t - y$ makes $g$ the gradient of the cross-entropy, so $-\eta \sum g$ goes downhill.)
# Repeat `epochs` times and return the new `w`.

# %%
# exercise: training_loop
def train(X, t, w, eta, alpha=0.0, epochs=1):
    """Full-batch gradient descent for `epochs` epochs; returns the new weights w."""
    ### BEGIN SOLUTION
    for _ in range(epochs):
        y = neuron(X, w)
        e = t - y  # (N,) MacKay's sign
        g = -e[:, None] * X  # (N, n_inputs) per-sample gradients
        w = w - eta * g.sum(axis=0) - eta * alpha * w
    ### END SOLUTION
    return w


# %%
check("training_loop", train)

# %% [markdown]
# ## 5. Train it, and look
#
# The loss the rule descends is the cross-entropy summed over samples, plus ½ α ‖w‖². We train one
# epoch at a time to record the *learning curve*.

# %%
def loss(X, t, w, alpha=0.0):
    """Summed cross-entropy −Σ[t ln y + (1−t) ln(1−y)] + ½ α ‖w‖², written in a so it never takes ln 0."""
    a = X @ w
    return float(np.sum(np.logaddexp(0.0, a) - t * a) + 0.5 * alpha * w @ w)


class HandNeuron:
    """Just enough of a classifier for the library's plots: P(class 1) from our own neuron."""

    def __init__(self, w):
        self.w = w

    def predict_proba(self, X):
        y = neuron(X, self.w)
        return np.column_stack([1 - y, y])


w = np.zeros(2)
losses = [loss(X, t, w)]
for _ in range(100):
    w = train(X, t, w, eta=0.05)
    losses.append(loss(X, t, w))
accuracy = np.mean((neuron(task.X_val, w) > 0.5) == task.y_val)
print(f"w = {w}, validation accuracy {accuracy:.3f}")

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
left.plot(losses)
left.set(xlabel="epoch", ylabel="summed cross-entropy", title="learning curve", yscale="log")
plot_decision_boundary(HandNeuron(w), task, ax=right, title="our neuron on linear")
plt.show()
### BEGIN HIDDEN TESTS
assert losses[-1] < losses[0] and accuracy >= 0.95
### END HIDDEN TESTS

# %% [markdown]
# **Observe:** the loss falls fast, then keeps creeping down: on separable data the cross-entropy
# keeps rewarding a *steeper* sigmoid, so ‖w‖ grows for as long as you train (this is what α stops).

# %% [markdown]
# ## 6. Learning rate η and weight decay α, recorded
#
# The same neuron, from the library (`model.kind = "neuron"`: the seed's equations, as yours), on AND.
# A grid of η × α, each point recorded in the store. Edit the grid and run the cell again: only new
# points are trained.

# %%
ETA_ALPHA = """
name = "neuron eta x alpha on AND"
notes = "Sec. 3.2: how do eta and alpha change training?"
seeds = [0]
[task]
name = "and"
[model]
kind = "neuron"
activation = "sigmoid"
[train]
max_epochs = 200
[sweep.grid]
"train.eta" = [0.001, 0.1, 1.0]
"train.alpha" = [0.0, 1.0]
"""
eta_alpha = record_runs(ETA_ALPHA, store=store)
display(eta_alpha)

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 3.5))
for ax, (_, row) in zip(axes, eta_alpha[eta_alpha.alpha == 0.0].iterrows(), strict=True):
    plot_learning_curves(run_history(row.run, store=store), ax=ax, title=f"eta = {row.eta}, alpha = 0",
                         log_loss=True)
plt.show()
### BEGIN HIDDEN TESTS
by_point = eta_alpha.set_index(["eta", "alpha"])
final_loss = {eta: run_history(by_point.loc[(eta, 0.0), "run"], store=store)["train_loss"][-1]
              for eta in (0.001, 0.1, 1.0)}
assert final_loss[0.001] > final_loss[0.1] > final_loss[1.0]
assert by_point.loc[(1.0, 1.0), "test"] < by_point.loc[(1.0, 0.0), "test"] == 1.0
### END HIDDEN TESTS

# %% [markdown]
# **Observe:** the gradient is a *sum* over samples, so the step grows with the data: η = 0.001 is
# still far from the bottom after 200 epochs, η = 0.1 and η = 1 get there quickly. Now the α = 1 row:
# weight decay holds w small, the loss stalls higher, and with η = 1 every step throws w back towards 0
# — the neuron gives up on the lone (1, 1) corner and calls everything "false" (test accuracy 0.75).
# Write down which η and α you would pick, and why.

# %% [markdown]
# ## 7. Against a linear classifier, on overlapping Gaussians
#
# Two Gaussian clouds that overlap: no line separates them, and the task's ceiling is the Bayes
# accuracy — the best *any* model can do. Logistic regression draws one straight line too.

# %%
VERSUS_LINEAR = """
name = "neuron vs logistic regression on overlapping Gaussians"
seeds = [0, 1]
[task]
name = "gaussians"
[model]
kind = "neuron"
activation = "sigmoid"
[train]
eta = 0.01
max_epochs = 200
[sweep.grid]
"model.kind" = ["neuron", "linear"]
"""
versus = record_runs(VERSUS_LINEAR, store=store)
print(versus.groupby("model")[["train", "test", "ceiling"]].mean())
### BEGIN HIDDEN TESTS
means = versus.groupby("model").test.mean()
assert abs(means["neuron"] - means["linear"]) <= 0.05 and means.max() <= versus.ceiling.max() + 0.05
### END HIDDEN TESTS

# %% [markdown]
# **Observe:** the neuron and logistic regression end within a point or two of each other, both below 1
# and near the ceiling: *similarly poor on overlapping Gaussians* — the overlap, not the model, is the
# limit. A neuron far below the ceiling is under-trained; nothing can be far above it.

# %% [markdown]
# ## 8. Another activation (think about the gradients)

# %%
plot_activations(derivatives=True)
plt.show()
ACTIVATIONS = """
name = "neuron activation functions on AND"
seeds = [0]
[task]
name = "and"
[model]
kind = "neuron"
[train]
eta = 0.01
max_epochs = 200
[sweep.grid]
"model.activation" = ["step", "sigmoid", "tanh", "relu", "identity"]
"""
display(record_runs(ACTIVATIONS, store=store))

# %% [markdown]
# **Observe:** step has zero derivative, so it cannot follow a gradient: it learns by Rosenblatt's
# perceptron rule instead. sigmoid's σ′ is at most ¼; ReLU's is 0 or 1 — a ReLU neuron whose a < 0 for
# every sample never learns again. To change *your* neuron's activation you would change σ **and** the
# gradient: only sigmoid with cross-entropy gives the clean g = −e x.

# %% [markdown]
# ## 9. The bias
#
# Without a bias the boundary w·x = 0 passes through the origin. AND's inputs lie in [0, 1] (no
# scaling here), and no line through the origin puts (1, 1) alone on one side. The classic trick: the
# bias is one more weight, on an input that is always 1.

# %%
gate = nl.load_task("and", seed=0)
X_and, t_and = gate.X_train, gate.y_train.astype(float)
with_one = np.column_stack([X_and, np.ones(len(X_and))])  # x3 = 1, so w3 is the bias b
for name, inputs in (("no bias", X_and), ("bias as input 1", with_one)):
    w_gate = train(inputs, t_and, np.zeros(inputs.shape[1]), eta=0.05, epochs=500)
    print(f"{name:16s} w = {np.round(w_gate, 2)}, train accuracy {np.mean((inputs @ w_gate > 0) == t_and):.2f}")

BIAS = """
name = "neuron with and without bias on AND"
seeds = [0]
[task]
name = "and"
[model]
kind = "neuron"
activation = "sigmoid"
scale = false
[train]
eta = 0.05
max_epochs = 500
[sweep.grid]
"model.bias" = [true, false]
"""
bias = record_runs(BIAS, store=store)
display(bias)
### BEGIN HIDDEN TESTS
assert bias.set_index("bias").loc[True, "test"] > bias.set_index("bias").loc[False, "test"]
### END HIDDEN TESTS

# %% [markdown]
# ## 10. Batch training
#
# So far every step used *all* samples. Mini-batches take more, noisier steps per epoch. Your `train`
# already does one step on whatever rows it gets:

# %%
def train_minibatch(X, t, w, eta, epochs, batch_size, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            w = train(X[rows], t[rows], w, eta=eta)
    return w


gauss = nl.load_task("gaussians", seed=0)
for size in (len(gauss.X_train), 32, 1):
    w_b = train_minibatch(gauss.X_train, gauss.y_train.astype(float), np.zeros(2), eta=0.01, epochs=20,
                          batch_size=size)
    print(f"batch size {size:4d}: test accuracy {np.mean((gauss.X_test @ w_b > 0) == gauss.y_test):.3f}")

BATCHES = """
name = "neuron mini-batch sizes on Gaussians"
seeds = [0]
[task]
name = "gaussians"
[model]
kind = "neuron"
activation = "sigmoid"
[train]
eta = 0.01
max_epochs = 50
[sweep.grid]
"train.batch_size" = [0, 1, 32]
"""
display(record_runs(BATCHES, store=store))

# %% [markdown]
# **Observe:** batch size 1 takes one step per sample (240 per epoch) instead of one per epoch, yet
# after the same epochs it is no more accurate: the Gaussians' overlap, not the optimiser, limits the
# accuracy here. Where would small batches pay off?

# %% [markdown]
# ## 11. Regression, neurons side by side, and a Gaussian process
#
# Fit a function, y = sin x on [−3, 3], with squared error. One neuron bends once at most. K neurons
# side by side, summed by a linear output, can each take one part of the curve. A Gaussian process
# has no training loop at all.

# %%
REGRESSION = """
name = "neurons side by side fitting sin(x)"
seeds = [0]
[task]
name = "sin"
[model]
kind = "neuron"
activation = "tanh"
[train]
eta = 0.005
max_epochs = 1000
[sweep.grid]
"model.n_neurons" = [1, 2, 4, 8]
"""
side_by_side = record_runs(REGRESSION, store=store)
gp = record_runs('name = "GP on sin(x)"\nseeds = [0]\n[task]\nname = "sin"\n[model]\nkind = "gp"', store=store)
print(side_by_side[["n_neurons", "train", "test", "ceiling"]])
print(f"GP: test R² {gp.test[0]:.3f}")

sin = nl.load_task("sin", seed=0)
fits = {f"{k} tanh neuron{'s' * (k > 1)}": fit_and_score(sin, "neuron", activation="tanh", n_neurons=k, eta=0.005,
                                                         max_epochs=1000).estimator for k in (1, 8)}
plot_regression_band(sin, fits, title="sin(x): neurons side by side against a GP")
plt.show()
### BEGIN HIDDEN TESTS
r2 = side_by_side.set_index("n_neurons").test
assert r2[8] > r2[4] > r2[1] and r2[8] > r2[1] + 0.05 and gp.test[0] >= r2.max() - 0.02
### END HIDDEN TESTS

# %% [markdown]
# **Observe:** one tanh neuron follows the middle of the sine and misses both ends; every neuron added
# can take one more rise or fall, and eight get close to the noise ceiling (the best R² the noise
# allows). The GP gets there with no η, no
# epochs and an honest uncertainty band — and the band widens where there is no data. What would you
# tell someone choosing between them for 100 points? For 100 000?
