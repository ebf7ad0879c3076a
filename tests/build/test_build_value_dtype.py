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
