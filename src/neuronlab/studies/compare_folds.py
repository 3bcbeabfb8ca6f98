"""The comparison study's folds: the repeated (grouped, stratified) cross-validation splits every model
shares, and the subsampled training folds of the learning curve.

Kept apart from the fitting so the Hall–Petch curve can draw the very same folds without the study."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold

from neuronlab.errors import DataError

Split = tuple[np.ndarray, np.ndarray]  # (train, test) row indices


def repeated_splits(y: np.ndarray, kind: str, groups: np.ndarray | None, *, folds: int, repeats: int,
                    seed: int) -> list[Split]:
    """``repeats`` × ``folds`` (train, test) index pairs, repeat r reshuffled with seed + r: grouped when
    ``groups`` is given, stratified for classification.  Refuses data that cannot fill the folds."""
    n = len(y)
    classify = kind != "regression"
    if groups is not None:
        n_groups = int(np.unique(groups).size)
        if n_groups < folds:
            raise DataError(f"the data has {n_groups} groups, fewer than folds = {folds}; lower --folds to at "
                            f"most {n_groups} (each test fold needs a group of its own)")
    elif n < folds:
        raise DataError(f"the data has {n} rows, fewer than folds = {folds}; lower --folds to at most {n}")
    elif classify:
        smallest = int(np.bincount(y.astype(int)).min())
        if smallest < folds:
            raise DataError(f"the rarest class has {smallest} rows, fewer than folds = {folds}; lower --folds to "
                            f"at most {max(smallest, 2)} or add rows of that class")
    out: list[Split] = []
    for r in range(repeats):
        rs = seed + r
        splitter: Any
        if groups is not None:
            splitter = (StratifiedGroupKFold(folds, shuffle=True, random_state=rs) if classify
                        else GroupKFold(folds, shuffle=True, random_state=rs))
        else:
            splitter = (StratifiedKFold(folds, shuffle=True, random_state=rs) if classify
                        else KFold(folds, shuffle=True, random_state=rs))
        out.extend((np.asarray(tr), np.asarray(te)) for tr, te in splitter.split(np.zeros(n), y, groups))
    return out


def subsample(train: np.ndarray, fraction: float, groups: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    """``fraction`` of the training rows (of its groups, when grouped), at least two rows or groups."""
    if fraction >= 1.0:
        return train
    if groups is None:
        m = max(2, round(fraction * len(train)))
        return np.sort(rng.choice(train, size=min(m, len(train)), replace=False))
    names = np.unique(groups[train])
    keep = rng.choice(names, size=min(len(names), max(2, round(fraction * len(names)))), replace=False)
    return train[np.isin(groups[train], keep)]
