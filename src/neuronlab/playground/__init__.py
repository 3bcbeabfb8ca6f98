"""The playground's server side: a session trains one small MLP step by step and renders frames.

Library code, no web: the routes in ``neuronlab.web`` only call these.  A session is deterministic in
its config: the same config and seed give the same initial weights, and replaying ``epoch`` epochs
(with the same hand-set weights at the same epochs) gives the same state, which is what lets the
whole state live in the page's URL.
"""

from neuronlab.playground.config import FEATURES, NeuronConfig, PlaygroundConfig
from neuronlab.playground.neuron import NeuronStepper
from neuronlab.playground.registry import Datasets, Registry
from neuronlab.playground.session import Session, WeightEdit

__all__ = ["FEATURES", "Datasets", "NeuronConfig", "NeuronStepper", "PlaygroundConfig", "Registry", "Session",
           "WeightEdit"]
