"""A class task drawn from a generator gets a larger withheld test set, and nothing else changes.

The oracle is the task itself: loaded with the parameters a class task is built with, it has exactly
the training and validation rows the task gives by default, and 150 public test rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from neuronlab.classroom import Classroom, defaults
from neuronlab.classroom.sizing import class_params, generated
from neuronlab.errors import NeuronlabError
from neuronlab.tasks import load_task, task_names

GENERATED = [name for name in task_names() if generated(name)]


def test_the_generated_tasks_are_those_with_a_sample_count() -> None:
    assert {"moons", "gaussians", "circles", "xor", "blobs", "sin"} <= set(GENERATED)
    assert not {"iris", "wine", "breast_cancer", "digits", "diabetes", "hall_petch"} & set(GENERATED)


@pytest.mark.parametrize("name", GENERATED)
def test_only_the_test_set_grows(name: str) -> None:
    grown = load_task(name, **class_params(name, {"seed": 7}, public_fraction=defaults.PUBLIC_FRACTION))
    plain = load_task(name, seed=7)
    assert len(grown.y_test) == 2 * defaults.GENERATED_PUBLIC_ROWS > len(plain.y_test)
    assert (len(grown.y_train), len(grown.y_val)) == (len(plain.y_train), len(plain.y_val))


@pytest.mark.parametrize(("fraction", "n_test"), [(0.25, 600), (0.5, 300), (0.9, 167)])
def test_the_test_set_holds_enough_public_rows_at_any_public_fraction(fraction: float, n_test: int) -> None:
    grown = load_task("moons", **class_params("moons", {}, public_fraction=fraction))
    assert len(grown.y_test) == n_test and round(fraction * n_test) >= defaults.GENERATED_PUBLIC_ROWS
    assert len(grown.y_dev) == 320


def test_the_instructors_size_and_fixed_sets_are_left_alone() -> None:
    for name, params in [("moons", {"n_samples": 400}), ("moons", {"test_fraction": 0.3}), ("iris", {}),
                         ("breast_cancer", {"seed": 2}), ("hall_petch", {})]:
        assert class_params(name, params, public_fraction=0.5) == params
    # A val_fraction the loader will refuse is not rescaled into something else: the loader names it.
    assert class_params("moons", {"val_fraction": "lots"}, public_fraction=0.5) == {"val_fraction": "lots"}


def test_a_class_task_is_built_grown_and_rebuilt_from_its_public_parameters(tmp_path: Path) -> None:
    room = Classroom(f"sqlite:///{tmp_path / 'class.db'}")
    cls, instructor = room.create_class(name="c")
    info = room.add_task(class_id=cls.id, instructor_token=instructor, task="moons", params={"seed": 9})
    assert (info.n_train, info.n_test, info.n_public, info.ladder_step) == (320, 300, 150, 0.05)
    (code,) = room.issue_join_codes(class_id=cls.id, instructor_token=instructor)
    _me, student = room.join(code=code, name="Ada")
    y = load_task("moons", seed=9, **info.source["params"]).y_test  # what the source shows rebuilds the labels
    assert room.submit(task_id=info.id, student_token=student, predictions=y.tolist()).published == 1.0
    sized = room.add_task(class_id=cls.id, instructor_token=instructor, task="moons", name="own size",
                          params={"n_samples": 400})
    assert (sized.n_train, sized.n_test, sized.n_public) == (320, 80, 40)
    for bad in ({"val_fraction": "lots"}, {"val_fraction": 0.9}):
        with pytest.raises(NeuronlabError, match="val_fraction") as error:
            room.add_task(class_id=cls.id, instructor_token=instructor, task="moons", name="bad", params=bad)
        assert "\n" not in str(error.value)
    room.close()
