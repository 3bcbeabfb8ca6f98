# %% [markdown]
# # FAU week 5 — a tiny MLP, honestly validated: learned or hand-made features?
#
# FAU Data Science for Electron Microscopy, week 5 (P. Pelz). Predict a metal's yield stress σ_y from
# its grain size d. Physics already knows the answer, Hall–Petch: σ_y = σ_0 + k/√d. The lecture's
# result: with 225 training samples a linear fit on the hand-made feature 1/√d reaches R² ≈ 0.91, a
# small MLP on raw d only R² ≈ 0.65. *Hand-crafted features encode what the engineer knows; learned
# features encode what the data contains.*
#
# We rerun that comparison **honestly**, as the lecture prescribes:
# 1. the StandardScaler is fitted on the training folds only;
# 2. folds hold whole specimens (GroupKFold): crops of one specimen are not independent samples;
# 3. the MLP stops early, after 30 epochs without improvement.
#
# **How to work.** One exercise, `honest_cv`; run the `check(...)` cell under it. Grade the notebook
# with `neuronlab practical check fau_week05_hall_petch.ipynb`. The runs are recorded in the store.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GroupKFold, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import neuronlab as nl
from neuronlab.plots import plot_learning_curves
from neuronlab.practicals import check
from neuronlab.practicals.lab import notebook_setup, record_runs
from neuronlab.studies.hall_petch import run_hall_petch_study

store = notebook_setup()

# %% [markdown]
# ## 1. The data: crops of specimens
#
# 25 specimens, 15 image crops each; every crop has a measured grain size d (µm) and a local yield
# stress (MPa). The task keeps 5 specimens for test and 5 for validation — by specimen, never by crop.

# %%
task = nl.load_task("hall_petch", seed=0)
X, y, groups = task.X_dev, task.y_dev, task.groups_dev
d = X[:, 0]
print(f"dev set: {len(y)} crops of {len(np.unique(groups))} specimens; test: {len(task.y_test)} crops; "
      f"noise ceiling R² {task.ceiling:.3f}")
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
left.scatter(d, y, c=groups, cmap="tab20", s=12)
left.set(xscale="log", xlabel="grain size d (µm)", ylabel="yield stress σ_y (MPa)", title="raw d")
right.scatter(1 / np.sqrt(d), y, c=groups, cmap="tab20", s=12)
right.set(xlabel="1/√d (µm^-½)", title="the hand-made feature 1/√d")
plt.show()

# %% [markdown]
# **Observe:** against 1/√d the cloud is a straight line — Hall–Petch. Each colour is one specimen:
# its crops sit together, shifted up or down by the specimen's own offset. A model scored on crops of
# a specimen it trained on has, in effect, seen the answer.

# %% [markdown]
# ## 2. Exercise: honest cross-validation
#
# Write `honest_cv(model, X, y, groups, n_splits=5)` returning the R² of each fold, where
# * the `StandardScaler` and the model form one pipeline (`make_pipeline`), so every training fold
#   fits its own scaler and the validation fold's mean and spread never leak into training;
# * the folds are `GroupKFold(n_splits)` over `groups`, so a specimen is never on both sides.
#
# `cross_val_score` does the rest (`scoring="r2"`).

# %%
# exercise: honest_cv
def honest_cv(model, X, y, groups, n_splits=5):
    """R² per fold: scaler fitted in each training fold, folds by specimen."""
    ### BEGIN SOLUTION
    pipeline = make_pipeline(StandardScaler(), model)
    return cross_val_score(pipeline, X, y, groups=groups, cv=GroupKFold(n_splits), scoring="r2")
    ### END SOLUTION


# %%
check("honest_cv", honest_cv)

# %% [markdown]
# ## 3. The leak, measured
#
# The same models under your honest GroupKFold and under a KFold that ignores the specimens. A fixed
# formula such as 1/√d learns nothing from the data, so applying it before splitting leaks nothing;
# a scaler learns a mean and a spread, so it must sit inside the folds.

# %%
def kfold_cv(model, X, y):
    """What not to do here: folds that split specimens."""
    return cross_val_score(make_pipeline(StandardScaler(), model), X, y, cv=KFold(5, shuffle=True, random_state=0),
                           scoring="r2")


rows = {}
for name, inputs in (("linear(d)", X), ("linear(1/√d)", 1 / np.sqrt(X))):
    group, kfold = honest_cv(LinearRegression(), inputs, y, groups), kfold_cv(LinearRegression(), inputs, y)
    rows[name] = (group.mean(), kfold.mean())
    print(f"{name:14s} GroupKFold R² {group.mean():6.3f} ± {group.std():.3f}   "
          f"KFold R² {kfold.mean():6.3f} ± {kfold.std():.3f}   flattery {kfold.mean() - group.mean():+.3f}")
### BEGIN HIDDEN TESTS
assert rows["linear(1/√d)"][0] > 0.9 > rows["linear(d)"][0]
assert rows["linear(d)"][1] > rows["linear(d)"][0]
### END HIDDEN TESTS

# %% [markdown]
# **Observe:** KFold flatters both models. Part of the gap is the leak — crops of a validation
# specimen sat in training; part is that an R² over the four specimens of one fold is erratic (look at
# the ±), which is why the study below also pools the out-of-fold predictions. Only GroupKFold tells
# you how a model does on a *new* specimen, the question an engineer actually asks. Section 5 measures
# the same for all five models of the study, the MLP included.

# %% [markdown]
# ## 4. Early stopping
#
# 10 % of the training data is held out; training stops 30 epochs after the best validation R², and
# the weights of the best epoch are kept.

# %%
def mlp():
    """The lecture's small MLP: early stopping after 30 epochs without gain; target in standard units."""
    net = nl.MLPRegressor(hidden=(32,), activation="tanh", eta=0.01, max_epochs=300, early_stopping=True,
                          n_iter_no_change=30, random_state=0)
    return TransformedTargetRegressor(regressor=net, transformer=StandardScaler())


net = mlp().fit(X, y).regressor_
plot_learning_curves(net.history_, title=f"MLP on d: stopped after {net.n_iter_} epochs")
plt.show()

# %% [markdown]
# ## 5. The whole comparison, recorded
#
# Both contenders as experiment specs (GroupKFold, scaler in-fold) in the store, then the library's
# study: five models under both cross-validations, a paired per-fold comparison and the test split.

# %%
SPECS = {
    "linear on 1/sqrt(d)": """
name = "Hall-Petch: linear fit on 1/sqrt(d)"
seeds = [0]
[task]
name = "hall_petch"
[model]
kind = "linear"
feature = "inv_sqrt"
[evaluate]
method = "cv"
cv = "group"
""",
    "MLP on d": """
name = "Hall-Petch: small MLP on raw grain size"
seeds = [0]
[task]
name = "hall_petch"
[model]
kind = "mlp"
hidden = [16]
[train]
eta = 0.01
max_epochs = 300
early_stopping = true
n_iter_no_change = 30
[evaluate]
method = "cv"
cv = "group"
""",
}
for label, spec in SPECS.items():
    print(label, record_runs(spec, store=store)[["run", "cv", "test", "ceiling"]].to_string(index=False), sep="\n")

study = run_hall_petch_study(seed=0, scenario="clean", repeats=2, pools=4,
                             models=("linear(d)", "linear(inv_sqrt(d))", "mlp(d)"))  # no GP: seconds, not a minute
print(study.table())
### BEGIN HIDDEN TESTS
assert study.pair.posterior.p_right < 0.95 and study.compare.model("linear(inv_sqrt(d))").mean > 0.9
### END HIDDEN TESTS

# %% [markdown]
# **Observe:** the linear fit on 1/√d sits at the noise ceiling with two parameters (σ_0 and k); the
# MLP on raw d gets part of the way, varies from fold to fold, and loses on (nearly) every fold of the
# paired comparison. Give the MLP the feature 1/√d and it catches up: the network did not fail, the
# data were too few to *discover* 1/√d.
#
# **Your answer:** with 225 samples, which would you deploy, and what would change your mind — ten
# times the data? a second input (temperature, composition) whose law nobody knows?
#
# ### BEGIN SOLUTION
# The linear model on 1/√d: it is at the ceiling, stable across specimens and interpretable (σ_0, k).
# A learned model pays off when the law is unknown or the inputs interact in ways no formula captures,
# and when there are enough *specimens* (not crops) to learn from.
# ### END SOLUTION
