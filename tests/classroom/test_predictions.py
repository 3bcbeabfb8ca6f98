"""Reading predictions: any bytes a student sends end as aligned values or one DataError, never a crash."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuronlab.classroom.predictions import align, read_csv, read_json
from neuronlab.errors import DataError

LABELS = ("cat", "dog", "eel")


def test_csv_in_any_row_order_is_aligned_by_id() -> None:
    ids, values = read_csv(b"\xef\xbb\xbfPrediction, ID\r\ndog,2\r\ncat,0\r\neel,1\r\n")  # BOM, CRLF, spaces
    assert align(ids, values, n=3, labels=LABELS).tolist() == [0, 2, 1]


def test_json_shapes_agree() -> None:
    want = [2.0, 0.0, 1.0]
    for data in ({"predictions": ["eel", "cat", "dog"]}, ["eel", "cat", "dog"], {"1": "cat", "0": "eel", "2": 1},
                 [{"id": 2, "prediction": "dog"}, {"id": 0, "prediction": 2}, {"id": 1, "prediction": "cat"}]):
        assert align(*read_json(json.dumps(data)), n=3, labels=LABELS).tolist() == want


def test_numeric_labels_are_names_not_indices() -> None:
    # With labels "1" and "2", the prediction 1 means the class named "1" (index 0), never index 1.
    assert align([0, 1], [1, "2"], n=2, labels=("1", "2")).tolist() == [0.0, 1.0]
    with pytest.raises(DataError, match="not a class"):
        align([0, 1], [0, 1], n=2, labels=("1", "2"))


@pytest.mark.parametrize(("values", "labels", "message"), [
    ([True, 1], ("0", "1"), "not a class"), ([float("nan"), 1], ("0", "1"), "nan"),
    (["1e999", 1], None, "infinity"), ([[1], 2], None, "not a number"), ([None, 2], None, "not a number")])
def test_odd_values_are_refused(values: list[object], labels: tuple[str, ...] | None, message: str) -> None:
    with pytest.raises(DataError, match=message):
        align([0, 1], values, n=2, labels=labels)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200),
                 st.lists(st.sampled_from(["id,prediction", "0,1", "1,x", "1,2,3", '"', "\x00", "2,1", ""]),
                          max_size=6).map("\n".join)))
def test_any_input_is_values_or_one_data_error(raw: bytes | str) -> None:
    for reader in (read_csv, read_json):
        try:
            out = align(*reader(raw), n=3, labels=("0", "1"))
        except DataError as exc:
            assert "\n" not in str(exc)
        else:
            assert out.shape == (3,) and np.isin(out, [0, 1]).all()


@pytest.mark.parametrize("body", ['{"predictions": [' + ", ".join(["0"] * 500) + "]}", "  [0, 1, 1]",
                                  json.dumps([{"id": i, "prediction": 1} for i in range(200)])])
def test_json_read_as_csv_says_so_in_one_short_line(body: str) -> None:
    with pytest.raises(DataError) as caught:
        read_csv(body)
    message = str(caught.value)
    assert message.startswith("the predictions look like JSON, not CSV") and len(message) < 120
    assert "prediction\"" not in message and "0, 0" not in message  # nothing of the body echoed


def test_a_wrong_header_is_quoted_short() -> None:
    with pytest.raises(DataError) as caught:
        read_csv("x" * 5000 + ",y\n1,2\n")
    assert "no column 'id'" in str(caught.value) and len(str(caught.value)) < 200
