"""scikit-learn faces over the engines: the MLP and the practical's neuron, and batched fitting."""

from neuronlab.estimators.base import fit_seed
from neuronlab.estimators.mlp import MLPClassifier, MLPRegressor
from neuronlab.estimators.neuron import NeuronClassifier, NeuronRegressor

__all__ = ["MLPClassifier", "MLPRegressor", "NeuronClassifier", "NeuronRegressor", "fit_seed"]
