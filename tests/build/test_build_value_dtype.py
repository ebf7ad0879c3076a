"""One rule tells the dtype of data given without a spec dtype: the build, the validator and the writer agree."""

import numpy as np
import pytest

from hdmfzarr.backends.zarr.values import infer_dtype
from hdmfzarr.build.builders import CompoundField, DatasetBuilder, ReferenceBuilder
from hdmfzarr.build.convert import convert_value, value_dtype
from hdmfzarr.errors import StoreError
from hdmfzarr.validate.values import dataset_dtype


@pytest.mark.parametrize("data, want", [
    ([1, 2.5], "float64"),  # Python numbers: numpy's type for all of them, not the first one's
    ([[1, 2], [3.5, 4]], "float64"),
    ([1, 2], "int64"),
    ([True, False], "bool"),
    (["a", "b"], "text"),
    ([b"a"], "ascii"),
    (np.arange(3, dtype="uint16"), "uint16"),
    (np.array(["x"], dtype=object), "text"),
    ([ReferenceBuilder("/a")], "object"),
])
def test_build_validator_and_writer_agree(data, want):
    assert value_dtype(data) == want
    assert dataset_dtype(DatasetBuilder("d", data=data)) == want
    assert infer_dtype(data, "here") == want
    assert convert_value(None, data, "here")[1] == want


def test_hint_names_the_string_kind_and_references():
    assert value_dtype(np.array(["a"], dtype=object), "isodatetime") == "isodatetime"
    assert value_dtype(np.array(["a"]), "utf8") == "text"
    assert value_dtype(np.empty(0, dtype=object), "object") == "object"
    assert value_dtype([], None) is None


def test_structured_arrays_are_compound_fields():
    arr = np.zeros(2, dtype=[("x", "f8"), ("label", "O")])
    assert value_dtype(arr) == [CompoundField("x", "float64"), CompoundField("label", "text")]


def test_float16_without_spec_dtype_becomes_float32():
    data, dtype = convert_value(None, np.ones(3, dtype="float16"), "here")
    assert dtype == "float32" and data.dtype == np.float32


def test_writer_refuses_what_it_cannot_store():
    with pytest.raises(StoreError, match="empty data"):
        infer_dtype([], "here")
    with pytest.raises(StoreError, match="complex"):
        infer_dtype(np.ones(2, dtype="complex64"), "here")


def test_text_is_checked_once_by_one_rule():
    """A text value of str cells is checked by the build in one vectorised pass and kept as given (the writer's
    fingerprint digests a list of str in a few C passes, a StringDType array only cell by cell); cells that are
    not all str go through the one per-cell rule (build.convert.text_cell) in both layers."""
    import datetime as dt

    from hdmfzarr.backends.zarr.values import text_value, to_text_array
    from hdmfzarr.build.convert import text_cell
    from hdmfzarr.errors import BuildError

    built, kind = convert_value("text", ["a", "bb", "ccc"], "here")
    assert kind == "text" and built == ["a", "bb", "ccc"]
    stored = to_text_array(built)
    assert stored.dtype.kind == "T" and stored.tolist() == ["a", "bb", "ccc"]
    mixed, _ = convert_value("text", ["a", b"b"], "here")
    assert mixed == ["a", "b"]
    with pytest.raises(BuildError, match="not UTF-8"):
        convert_value("text", [b"\xff"], "here")
    with pytest.raises(BuildError, match="expected text"):
        convert_value("text", ["a", 3], "here")
    when = dt.datetime(2020, 1, 2, 3, 4, 5)
    for value in (when, when.date(), np.datetime64("2020-01-02T03:04:05"), b"x", "x"):
        assert text_value(value) == text_cell(value)
        assert convert_value("isodatetime", [value], "here")[0] == [text_cell(value)]
    assert text_value(when, as_bytes=True) == when.isoformat().encode()
