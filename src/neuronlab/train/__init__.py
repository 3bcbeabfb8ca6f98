"""How a model learns: the training loop for one torch module and its per-epoch History."""

from neuronlab.train.loop import (
    OPTIMIZERS,
    EarlyStopping,
    History,
    batch_indices,
    fit_module,
    fit_numpy,
    make_optimizer,
    torch_threads,
)

__all__ = [
    "OPTIMIZERS", "EarlyStopping", "History", "batch_indices", "fit_module", "fit_numpy", "make_optimizer",
    "torch_threads",
]
