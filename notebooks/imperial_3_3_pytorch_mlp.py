# %% [markdown]
# # §3.3 — The neuron in PyTorch, then the multilayer perceptron
#
# Imperial MLBD practical §3.3 (J. M. Frost). *Add the missing (PyTorch!) code: rebuild a single neuron
# in PyTorch — layers, loss function, an accuracy function (true positives + true negatives / total) —
# then a multilayer perceptron.* Experiment with both, and document as you go.
#
# **How to work.** As in §3.2: each `# exercise: …` cell raises `NotImplementedError` until you write
# the code; the `check(...)` cell under it says ✓ or what to fix. Keep the names (`TorchNeuron`,
# `loss_fn`, `accuracy`, `MLP`): grading finds them by name. Grade the whole notebook with
# `neuronlab practical check imperial_3_3_pytorch_mlp.ipynb`.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from IPython.display import display
from torch import nn

import neuronlab as nl
from neuronlab.evaluate import honest_pipeline
from neuronlab.plots import plot_decision_boundary, plot_regression_grid, regression_grid_data
from neuronlab.practicals import check
from neuronlab.practicals.lab import notebook_setup, record_runs
from neuronlab.practicals.scoreboard import connect

store = notebook_setup()
torch.manual_seed(0)


def tensors(task, split):
    """A split of a task as float32 tensors: X (N, n_inputs) and t (N, 1)."""
    X, y = getattr(task, f"X_{split}"), getattr(task, f"y_{split}")
    return torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)[:, None]


class Probabilities:
    """Just enough of a classifier for the library's plots: P(class 1) from a torch module."""

    def __init__(self, model):
        self.model = model

    def predict_proba(self, X):
        with torch.no_grad():
            y = self.model(torch.as_tensor(X, dtype=torch.float32))[:, 0].double().numpy()
        return np.column_stack([1 - y, y])


# %% [markdown]
# ## 1. One neuron as a PyTorch module
#
# A layer `nn.Linear(n_inputs, 1)` holds the weights w and the bias b and computes a = X w + b for a
# whole batch at once; `forward` then returns y = σ(a) (`torch.sigmoid`). Shapes: X is (N, n_inputs),
# y is (N, 1).

# %%
# exercise: torch_neuron
class TorchNeuron(nn.Module):
    """One neuron: y = σ(X w + b)."""

    def __init__(self, n_inputs):
        super().__init__()
        ### BEGIN SOLUTION
        self.linear = nn.Linear(n_inputs, 1)
        ### END SOLUTION

    def forward(self, X):
        ### BEGIN SOLUTION
        return torch.sigmoid(self.linear(X))  # (N, 1)
        ### END SOLUTION


# %%
check("torch_neuron", TorchNeuron)

# %% [markdown]
# ## 2. The loss and the accuracy
#
# For a sigmoid output the loss is the binary cross-entropy, averaged over the batch:
# $L = -\frac{1}{N}\sum_n [t_n \ln y_n + (1 - t_n)\ln(1 - y_n)]$ (`nn.functional.binary_cross_entropy`,
# or write it out). Prediction first, target second, as all torch losses. The accuracy counts the
# samples classified right — true positives plus true negatives — over the total; predict class 1 where
# y > 0.5.

# %%
# exercise: loss
def loss_fn(y, t):
    """Mean binary cross-entropy of outputs y in (0, 1) against 0/1 targets t (tensors of one shape)."""
    ### BEGIN SOLUTION
    return nn.functional.binary_cross_entropy(y, t)
    ### END SOLUTION


# %%
check("loss", loss_fn)

# %%
# exercise: accuracy
def accuracy(y, t):
    """(TP + TN) / total for outputs y and 0/1 targets t of one shape; a float in [0, 1]."""
    ### BEGIN SOLUTION
    return ((y > 0.5).float() == t).float().mean().item()
    ### END SOLUTION


# %%
check("accuracy", accuracy)

# %% [markdown]
# ## 3. Training: PyTorch writes the backward pass
#
# Compare with your NumPy loop of §3.2: there you wrote g = −e x by hand; here `loss.backward()`
# fills every parameter's `.grad`, and the optimiser applies w ← w − η ∇L.

# %%
def fit(model, X, t, *, epochs, lr, optimizer=torch.optim.SGD):
    """Full-batch training; returns the loss per epoch."""
    opt = optimizer(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        opt.zero_grad()  # gradients add up: clear last epoch's
        loss = loss_fn(model(X), t)  # forward: torch records the graph as it computes
        loss.backward()  # backward: the chain rule, node by node, into .grad
        opt.step()  # w <- w - lr * grad
        losses.append(loss.item())
    return losses


gate = nl.load_task("and", seed=0)
X, t = tensors(gate, "train")
X_val, t_val = tensors(gate, "val")
neuron = TorchNeuron(2)
losses = fit(neuron, X, t, epochs=300, lr=1.0)
neuron_accuracy = accuracy(neuron(X_val), t_val)
print(f"validation accuracy on AND: {neuron_accuracy:.3f}")

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
left.plot(losses)
left.set(xlabel="epoch", ylabel="binary cross-entropy", title="learning curve")
plot_decision_boundary(Probabilities(neuron), gate, ax=right, title="TorchNeuron on AND")
plt.show()
### BEGIN HIDDEN TESTS
assert losses[-1] < losses[0] and neuron_accuracy >= 0.9
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Set the weights by hand
#
# The boundary is where a = w·x + b = 0. For AND we want the line x1 + x2 = 1.5: w = (10, 10),
# b = −15 puts it there. Try other values and document the boundary each gives.

# %%
layer = next(m for m in neuron.modules() if isinstance(m, nn.Linear))
with torch.no_grad():
    layer.weight[:] = torch.tensor([[10.0, 10.0]])
    layer.bias[:] = torch.tensor([-15.0])
by_hand = accuracy(neuron(X_val), t_val)
print(f"hand-set weights: validation accuracy {by_hand:.3f}")
plot_decision_boundary(Probabilities(neuron), gate, title="w = (10, 10), b = -15 by hand")
plt.show()

# %% [markdown]
# **Observe:** the black line is x1 + x2 = 1.5. Multiply w and b by 10 and the line stays put, but
# the shading gets sharper: ‖w‖ sets how *confident* the neuron is, the direction of w and b set
# *where* the boundary lies.

# %% [markdown]
# ## 5. Activation and bias, now in PyTorch — recorded
#
# The library's neuron with `backend = "torch"`: the same model as yours, trained by autograd. Inputs
# are left unscaled so the bias matters.

# %%
NEURON_EXPERIMENTS = """
name = "torch neuron: activation x bias on AND"
seeds = [0]
[task]
name = "and"
[model]
kind = "neuron"
backend = "torch"
scale = false
[train]
eta = 0.05
max_epochs = 300
[sweep.grid]
"model.activation" = ["sigmoid", "tanh", "relu"]
"model.bias" = [true, false]
"""
neuron_runs = record_runs(NEURON_EXPERIMENTS, store=store)
display(neuron_runs.pivot_table(index="activation", columns="bias", values="test"))
### BEGIN HIDDEN TESTS
by_run = neuron_runs.set_index(["activation", "bias"]).test
assert by_run["sigmoid", True] == 1.0 and by_run[:, False].max() <= 0.75
### END HIDDEN TESTS

# %% [markdown]
# **Observe:** compare every number with 0.75, the accuracy of always answering "false" (three of
# AND's four corners are false). Without a bias no activation beats it: the boundary must pass through
# the origin. With a bias the sigmoid learns AND. tanh and ReLU regress the 0/1 label with squared
# error, and a ReLU whose a < 0 for every sample has zero gradient: it never moves again. Which
# gradient does each activation pass back?

# %% [markdown]
# ## 6. The multilayer perceptron
#
# The slide's network: 2 ⇒ 40, ReLU; 40 ⇒ 1, sigmoid. Write `MLP(n_inputs, n_hidden)`: a hidden layer
# `nn.Linear(n_inputs, n_hidden)` followed by ReLU, and an output layer `nn.Linear(n_hidden, 1)`
# followed by the sigmoid.

# %%
# exercise: mlp
class MLP(nn.Module):
    """n_inputs → n_hidden (ReLU) → 1 (sigmoid)."""

    def __init__(self, n_inputs, n_hidden=40):
        super().__init__()
        ### BEGIN SOLUTION
        self.hidden = nn.Linear(n_inputs, n_hidden)
        self.output = nn.Linear(n_hidden, 1)
        ### END SOLUTION

    def forward(self, X):
        ### BEGIN SOLUTION
        h = torch.relu(self.hidden(X))  # (N, n_hidden)
        return torch.sigmoid(self.output(h))  # (N, 1)
        ### END SOLUTION


# %%
check("mlp", MLP)

# %% [markdown]
# XOR: no straight line separates it. One neuron against the MLP, both trained with Adam:

# %%
xor = nl.load_task("xor", seed=0)
X, t = tensors(xor, "train")
X_val, t_val = tensors(xor, "val")
models = {"one neuron": TorchNeuron(2), "MLP 2-40-1": MLP(2, 40)}
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
xor_accuracy = {}
for ax, (name, model) in zip(axes, models.items(), strict=True):
    fit(model, X, t, epochs=300, lr=0.02, optimizer=torch.optim.Adam)
    xor_accuracy[name] = accuracy(model(X_val), t_val)
    plot_decision_boundary(Probabilities(model), xor, ax=ax, title=f"{name}: accuracy {xor_accuracy[name]:.2f}")
plt.show()
### BEGIN HIDDEN TESTS
assert xor_accuracy["MLP 2-40-1"] >= 0.9 and xor_accuracy["one neuron"] <= 0.75
### END HIDDEN TESTS

# %% [markdown]
# **Observe:** the neuron draws one line and gets about half right; the hidden layer bends the plane
# so that the output's single line separates all four quadrants.

# %% [markdown]
# ## 7. MLP experiments — recorded
#
# The class scoreboard ranks accuracy on **moons** and **gaussians**. Change one thing at a time
# (width, depth, activation, η, epochs), write down what you expect *before* running, and keep every
# run: the store is your lab notebook.

# %%
MLP_EXPERIMENTS = """
name = "MLP width and depth on the scoreboard tasks"
notes = "Sec. 3.3: one change at a time"
seeds = [0]
[task]
name = "moons"
[model]
kind = "mlp"
activation = "relu"
[train]
eta = 0.01
max_epochs = 200
[sweep.grid]
"task.name" = ["moons", "gaussians"]
"model.hidden" = [[4], [40]]
"""
mlp_runs = record_runs(MLP_EXPERIMENTS, store=store)
print(mlp_runs.assign(hidden=mlp_runs.hidden.astype(str)).pivot_table(index="hidden", columns="task",
                                                                       values=["test", "ceiling"]))
### BEGIN HIDDEN TESTS
moons_40 = mlp_runs[(mlp_runs.task == "moons") & (mlp_runs.hidden.astype(str) == "(40,)")].test.iloc[0]
assert moons_40 >= 0.9
### END HIDDEN TESTS

# %% [markdown]
# **Observe:** on moons the 40-wide layer gets closer to the ceiling than the 4-wide one, which can
# bend less. On gaussians width does not help: both sit just under the ceiling, because the overlap is
# in the data. A test score above the ceiling would be luck, not skill.

# %% [markdown]
# ## 8. Regression: y = sin x, x, x², sinh x — against a Gaussian process
#
# Replace the sigmoid output by the identity and the cross-entropy by the squared error, and the same
# network fits functions. Collect points from each function on [−3, 3] and fit; the GP (green band:
# mean ± 2σ) is the comparison.

# %%
REGRESSION = """
name = "MLP and GP on four functions"
seeds = [0]
[task]
name = "sin"
[model]
kind = "mlp"
hidden = [40]
[train]
eta = 0.01
max_epochs = 500
[sweep.grid]
"task.name" = ["sin", "identity", "square", "sinh"]
"model.kind" = ["mlp", "gp"]
"""
regression = record_runs(REGRESSION, store=store)
print(regression.pivot_table(index="task", columns="model", values="test"))

functions = [nl.load_task(name, seed=0) for name in ("sin", "identity", "square", "sinh")]
grid = regression_grid_data(functions, {"MLP 1-40-1": lambda: honest_pipeline(
    nl.MLPRegressor(hidden=(40,), max_epochs=500, random_state=0))})
plot_regression_grid(grid)
plt.show()
### BEGIN HIDDEN TESTS
assert (regression.test >= 0.9).all()
### END HIDDEN TESTS

# %% [markdown]
# **Observe:** inside [−3, 3] both fit all four close to the noise ceiling. Outside, they part ways: a
# ReLU network is piecewise linear and can only continue along straight lines, while the GP falls back
# to its mean and its band widens — it *says* it does not know. Predict at x = 5 with both and compare
# with x² and sinh 5. Would fewer neurons do (§3.2's side by side)? Try widths 2 and 8 in the spec.

# %% [markdown]
# ## 9. Submit to the class scoreboard
#
# The scoreboard keeps its own test set, drawn with a secret seed: `nl.load_task("moons", seed=0).X_test`
# are *other* points, and predictions for them score at chance. Fetch the class task's test inputs,
# predict every row, submit. Your instructor gives you the lab's address, the task (its name or id)
# and a join code. From a terminal:
#
#     neuronlab class join JOIN_CODE --name "Your Name" --url http://LAB:8000      # prints your token once
#     neuronlab class fetch moons --url http://LAB:8000 --token TOKEN --out test_inputs.csv
#     neuronlab class submit moons predictions.csv --url http://LAB:8000 --token TOKEN
#
# (`neuronlab class submit moons --run ID ...` submits a recorded run instead: it is trained again from
# its spec and seed and predicts the fetched inputs.) Below, the same steps from Python: set `LAB_URL`
# and `TOKEN` (or the environment variables `NEURONLAB_LAB_URL`, `NEURONLAB_STUDENT_TOKEN`), and `TASK`.
# The model learns from the class task's own training rows. The test labels stay with the scoreboard:
# do not tune on them; the board shows the Ladder's value, not every small change.

# %%
LAB_URL = os.environ.get("NEURONLAB_LAB_URL")
TOKEN = os.environ.get("NEURONLAB_STUDENT_TOKEN")
TASK = os.environ.get("NEURONLAB_CLASS_TASK", "moons")


def predict(model, X):
    """Class 0/1 for each row of X (a NumPy array) from a module that outputs P(class 1)."""
    with torch.no_grad():
        return (model(torch.as_tensor(X, dtype=torch.float32))[:, 0] > 0.5).int().numpy()


board = connect(url=LAB_URL, token=TOKEN) if LAB_URL and TOKEN else None
if board is not None:
    X_class, t_class = board.training_rows(TASK)  # the class task's training rows, with their labels
    X, t = torch.as_tensor(X_class, dtype=torch.float32), torch.as_tensor(t_class, dtype=torch.float32)[:, None]
else:  # no lab yet: practise on your own draw of moons (generated data is free)
    X, t = tensors(nl.load_task("moons", seed=0), "train")
best = MLP(2, 40)
fit(best, X, t, epochs=300, lr=0.02, optimizer=torch.optim.Adam)
print(f"training accuracy {accuracy(best(X), t):.3f}")

if board is not None:
    inputs = board.fetch(TASK)  # the scoreboard's test inputs: row i is test id i
    prediction = predict(best, inputs.X)
    pd.DataFrame({"id": np.arange(len(prediction)), "prediction": prediction}).to_csv("predictions.csv", index=False)
    submitted = board.submit(TASK, prediction)
    board.close()
    print(f"submitted {len(prediction)} predictions to {inputs.task.name!r}: {submitted.status}, "
          f"your board value {submitted.published}")
else:
    print("no lab given: set LAB_URL and TOKEN (see above) to fetch the class's test inputs and submit")
### BEGIN HIDDEN TESTS
assert accuracy(best(X), t) >= 0.85
assert board is None or submitted.status == "scored"
### END HIDDEN TESTS
