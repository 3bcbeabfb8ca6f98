"""Every model × fold of a comparison recorded in the run store, as runs of one study.

Each run's spec is the study (data digest, target, groups, protocol), the model and the fold; the same
study on the same file is deterministic, so running it again finds its runs recorded and adds nothing
(the store's (spec_hash, seed) claim, as a sweep re-run skips what is done).  All runs of one study share
the sweep tag ``compare:<file>:<first 12 hex digits of the study's hash>``, which ``neuronlab runs
--sweep`` and the web lab's run list filter on.  Claims and results go in two transactions in total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neuronlab.store import Claim, Result, RunStore, environment_versions, hash_spec
from neuronlab.studies.compare import CompareResult


@dataclass(frozen=True)
class Recorded:
    """What recording did: the study's sweep tag, the runs added and those already in the store."""

    sweep: str
    added: int
    already: int


def study_spec(result: CompareResult) -> dict[str, Any]:
    """What identifies the study: the data (by content), the question, the protocol and the models."""
    return {"study": "compare", "data": result.name, "data_sha256": result.data_sha256, "target": result.target,
            "groups": result.groups, "kind": result.kind, "protocol": result.protocol.to_dict(),
            "models": [m.label for m in result.models]}


def record_compare(store: RunStore, result: CompareResult) -> Recorded:
    """Record every model × fold of ``result`` (metrics: the fold's score, its sizes) in ``store``."""
    study = study_spec(result)
    sweep = f"compare:{result.name}:{hash_spec(study)[:12]}"
    versions = environment_versions()
    folds = result.protocol.folds
    claims, outcomes = [], []
    for model in result.models:
        for index, (train, test) in enumerate(result.splits):
            repeat, fold = divmod(index, folds)
            spec = {**study, "model": model.label, "repeat": repeat, "fold": fold}
            claims.append(Claim(spec=spec, spec_hash=hash_spec(spec), seed=result.protocol.seed,
                                experiment=f"compare {result.name}", task=result.name, model=model.label,
                                params={"features": list(model.spec.feature_texts), "repeat": repeat, "fold": fold,
                                        "model_kind": model.spec.kind},
                                sweep=sweep, versions=versions))
            score = float(model.scores[repeat, fold])
            key = "r2" if result.kind == "regression" else "accuracy"
            outcomes.append({"test": {key: score}, "n_train": len(train), "n_test": len(test)})
    ids = store.claim_many(claims)
    results = [Result(run_id=run_id, status="done", metrics=metrics)
               for run_id, metrics in zip(ids, outcomes, strict=True) if run_id is not None]
    try:
        store.finish_many(results)
    except BaseException:  # never leave claimed runs "running": another process would wait on them
        store.release([r.run_id for r in results])
        raise
    return Recorded(sweep=sweep, added=len(results), already=len(ids) - len(results))
