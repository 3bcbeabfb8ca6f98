"""The public board under attack: what the single-flip probe and Blum & Hardt's boosting attack get.

    .venv/bin/python benchmarks/bench_board_attacks.py --seeds 30  # the README's figures (~17 min on 2 shared cores)
    .venv/bin/python benchmarks/bench_board_attacks.py --seeds 2   # a quick look (~2 min)

For each rule set below and each seed, a fresh class on a SQLite file holds one moons task built as
``neuronlab class add-task --task moons`` builds it (the seed standing in for the secret one: 320
training rows, and a test set grown to 300 rows, 150 public), an attacker and two honest students.
The attacker runs each attack of :mod:`neuronlab.classroom.attacks` over a term of days (the clock is
injected; the daily quota refuses, the term moves to the next day); the honest students fit a
logistic regression and an MLP (2→40 ReLU→1) on the task's training rows and submit once.
Everything is scored by the real :class:`~neuronlab.classroom.Classroom`; the exact public and
private accuracies come from the instructor's export.

Rule sets: the defaults (derived step, 5 a day, 150 public rows) over 28 and 56 days; the new rules
on moons' own size (``n_samples=400``: 80 test rows, 40 public, the size before the test set grew);
and the old defaults (η = 0.01, no quota) at that size with the budget of a 28-day term.

Reported per rule set and attack, as mean over seeds (and the share of seeds where the attacker got
more than 65 % of the public labels right; max over seeds in the next column): public labels right,
the published board value, the private accuracy of the attacker's guess, submissions used.  Nothing
is timed.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from neuronlab import MLPClassifier
from neuronlab.classroom import Classroom
from neuronlab.classroom.attacks import Term, boosting, single_flip

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Rules:
    label: str
    days: int
    budget: int  # submissions the attacker plans for (what the quota allows over the term)
    rules: dict[str, Any]
    params: dict[str, Any]


OLD_SIZE = {"n_samples": 400}  # moons' own split: 80 test rows, 40 public
RULES = (
    Rules("defaults, 28 days", 28, 5 * 28, {}, {}),
    Rules("defaults, 56 days", 56, 5 * 56, {}, {}),
    Rules("new rules, old size, 28 days", 28, 5 * 28, {}, OLD_SIZE),
    Rules("old: η=0.01, no quota (140 subs), old size", 1, 140, {"ladder_step": 0.01, "quota_per_day": None},
          OLD_SIZE),
)


@dataclass
class Outcome:
    public: float
    published: float
    private: float
    submissions: int
    step: float  # the task's Ladder step
    n_public: int


def _exact(room: Classroom, task_id: int, instructor: str, submission_id: int | None) -> tuple[float, float]:
    rows = csv.DictReader(io.StringIO(room.export_csv(task_id=task_id, instructor_token=instructor)))
    row = next(r for r in rows if r["submission_id"] == str(submission_id))
    return float(row["public_score"]), float(row["private_score"])


def _honest(room: Classroom, task_id: int, token: str, model: Any, labels: tuple[str, ...]) -> tuple[float, int]:
    train = room.train_data(task_id=task_id)
    y = np.array([labels.index(str(t)) for t in train.targets])
    model.fit(np.array(train.rows), y)
    pred = model.predict(np.array(room.test_inputs(task_id=task_id).rows))
    view = room.submit(task_id=task_id, student_token=token, predictions=[int(v) for v in pred])
    assert view.published is not None
    return view.published, view.id


def run_one(rules: Rules, seed: int, folder: Path) -> dict[str, Outcome]:
    """Every attack and honest model against one fresh class under ``rules``."""
    out: dict[str, Outcome] = {}
    for attack in ("single flip", "boosting", "honest: logistic", "honest: MLP"):
        term = Term(START, days=rules.days)
        room = Classroom(f"sqlite:///{folder / f'{seed}-{attack[:6]}.db'}", clock=term)
        cls, instructor = room.create_class(name="bench")
        info = room.add_task(class_id=cls.id, instructor_token=instructor, task="moons",
                             params={"seed": seed, **rules.params}, **rules.rules)
        (code,) = room.issue_join_codes(class_id=cls.id, instructor_token=instructor, n=1)
        _me, token = room.join(code=code, name="student")
        if attack.startswith("honest"):
            model = (LogisticRegression() if attack.endswith("logistic") else
                     MLPClassifier(hidden=(40,), activation="relu", eta=0.01, alpha=1e-4, max_epochs=500,
                                   early_stopping=True, n_iter_no_change=30, random_state=seed))
            published, sub_id = _honest(room, info.id, token, model, info.labels or ())
            public, private = _exact(room, info.id, instructor, sub_id)
            out[attack] = Outcome(public, published, private, 1, info.ladder_step, info.n_public)
        else:
            submit = term.submitter(room, task_id=info.id, token=token)
            result = (single_flip(submit, info.n_test) if attack == "single flip" else
                      boosting(submit, info.n_test, budget=rules.budget, rng=np.random.default_rng(seed)))
            public, private = _exact(room, info.id, instructor, result.guess_id)
            out[attack] = Outcome(public, result.published or 0.0, private, result.submissions, info.ladder_step,
                                  info.n_public)
        room.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=20, help="secret task seeds (and attacker seeds) to average")
    args = parser.parse_args()
    print(f"moons tasks, {args.seeds} seeds each; mean over seeds (share of seeds with > 65 % public right)\n")
    print("| rules | public rows | η | who | public labels right | max | published | private | submissions |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="nl-attacks-") as tmp:
        for rules in RULES:
            per_seed = [run_one(rules, seed, Path(tmp)) for seed in range(args.seeds)]
            for who in per_seed[0]:
                rows = [r[who] for r in per_seed]
                above = sum(o.public > 0.65 for o in rows) / len(rows)
                step = statistics.mean(o.step for o in rows)
                print(f"| {rules.label} | {rows[0].n_public} | {step:g} | {who} | "
                      f"{statistics.mean(o.public for o in rows):.3f} ({above:.0%}) | "
                      f"{max(o.public for o in rows):.3f} | "
                      f"{statistics.mean(o.published for o in rows):.3f} | "
                      f"{statistics.mean(o.private for o in rows):.3f} | "
                      f"{statistics.mean(o.submissions for o in rows):.0f} |", flush=True)


if __name__ == "__main__":
    main()
