"""Column classes on their own: buffering, DataIO data, VectorIndex.add_vector, ElementIdentifiers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from hdmfzarr.common import (
    DynamicTable,
    DynamicTableRegion,
    ElementIdentifiers,
    SimpleMultiContainer,
    VectorData,
    VectorIndex,
)
from hdmfzarr.dataio import DataChunkIterator, DataIO
from hdmfzarr.errors import ContainerError, ContainerTypeError


def test_buffered_rows_merge_on_data_access():
    v = VectorData("v", "d", [1, 2])
    v.append(3)
    v.extend([4, 5])
    v.extend(np.arange(6, 100))
    assert len(v) == 99 and len(v.rows) == 97
    data = v.data
    assert isinstance(data, np.ndarray) and data.tolist() == list(range(1, 100))
    assert len(v.rows) == 0 and v.data is data


def test_dataio_data_is_kept_and_updated():
    wrapped = DataIO(np.arange(3), chunks=(10,))
    t = DynamicTable(name="t", description="d", columns=[VectorData("x", "d", wrapped)])
    t.add_row(x=5)
    assert t["x"].data is wrapped and wrapped.data.tolist() == [0, 1, 2, 5]
    assert t[3, "x"] == 5


def test_data_chunk_iterator_data_is_opaque():
    v = VectorData("v", "d", DataChunkIterator(iter([np.arange(3)]), total_rows=3))
    assert len(v) == 3
    with pytest.raises(ContainerError, match="DataChunkIterator cannot be read back"):
        v[0:2]
    with pytest.raises(ContainerError, match="without total_rows"):
        len(VectorData("w", "d", DataChunkIterator(iter([np.arange(3)]))))


def test_data_chunk_iterator_takes_hdmfs_rows_form(tmp_path):
    """hdmf's DataChunkIterator(data=rows, buffer_size=n): one row per item, its length known when data has one."""
    from hdmfzarr.backends.zarr import ZarrIO

    arr = DataChunkIterator(data=np.arange(7), buffer_size=3)
    assert arr.total_rows == 7 and arr.dtype == np.int64 and arr.data is not None

    def rows():
        for i in range(5):
            yield [float(i), 2.0 * i]

    gen = DataChunkIterator(data=rows(), buffer_size=2, maxshape=(None, 2))
    assert gen.total_rows is None and gen.row_shape == (2,)
    positional = DataChunkIterator(np.array([1.5, 2.5, 3.5]))  # an array given first is rows too, as in hdmf
    t = DynamicTable(name="t", description="d", columns=[VectorData("a", "a", arr)])
    assert len(t) == 7 and list(t.id.data) == list(range(7))  # its length is known: ids follow
    other = DynamicTable(name="o", description="d", columns=[VectorData("p", "p", positional)], id=[4, 5, 6])
    with ZarrIO(tmp_path / "dci.zarr", "w") as io:
        io.write(SimpleMultiContainer("root", [t, other]))
    with ZarrIO(tmp_path / "dci.zarr") as io:
        back = io.read()
        assert back.containers["t"]["a"][:].tolist() == list(range(7))
        assert back.containers["o"]["p"][:].tolist() == [1.5, 2.5, 3.5]
    assert [b.tolist() for b in gen] == [[[0.0, 0.0], [1.0, 2.0]], [[2.0, 4.0], [3.0, 6.0]], [[4.0, 8.0]]]
    with pytest.raises(ContainerError, match="ElementIdentifiers 'ids': DataChunkIterator of dtype float64 does not"):
        ElementIdentifiers("ids", DataChunkIterator(data=np.arange(3.0)))
    with pytest.raises(ValueError, match="buffer_size must be a positive int"):
        DataChunkIterator(data=[1, 2], buffer_size=0)


def test_vector_index_add_vector_and_reads():
    values = VectorData("v", "values", [])
    index = VectorIndex("v_index", [], values)
    index.add_vector([1, 2])
    index.add_vector([])
    index.add_vector(np.array([3]))
    assert [x.tolist() for x in index[0:3]] == [[1, 2], [], [3]]
    assert index[-1].tolist() == [3] and index.get_offsets(slice(None)).tolist() == [2, 2, 3]
    assert [x.tolist() for x in index[[2, 0]]] == [[3], [1, 2]]
    assert index.description == "Index for VectorData 'v'"
    with pytest.raises(ContainerError, match="VectorIndex 'v_index': row 3 out of range for 3 rows"):
        index[3]  # the name is worked out only for the error (select_rows takes a callable)
    with pytest.raises(ContainerError, match="target must be a VectorData"):
        VectorIndex("bad", [], [1, 2])


def test_doubly_ragged_index_reads():
    values = VectorData("v", "values", [])
    inner = VectorIndex("v_index", [], values)
    outer = VectorIndex("v_index_index", [], inner)
    outer.add_vector([[1], [2, 3]])
    outer.add_vector([])
    assert outer[0:2] == [[[1], [2, 3]], []]  # list data gives lists, as in hdmf


def test_element_ids_and_region_default_to_int64():
    assert ElementIdentifiers("id", [1, 2]).data == [1, 2]  # a list stays a list (hdmf); stored as int64
    assert ElementIdentifiers("id", [1, 2]).array_data.dtype == np.int64
    assert ElementIdentifiers().name == "element_id"
    assert DynamicTableRegion("r", [0, 1], "d").array_data.dtype == np.int64
    with pytest.raises(ContainerError, match="does not fit dtype"):
        ElementIdentifiers("id", ["a"])


def test_column_getters_and_errors():
    v = VectorData("v", "d", np.arange(5))
    assert v[1:4].tolist() == [1, 2, 3] and v[np.array([4, 0])].tolist() == [4, 0]
    assert v[np.array([True, False, True, False, False])].tolist() == [0, 2]
    with pytest.raises(ContainerError, match="rows .* out of range"):
        v[np.array([7])]
    with pytest.raises(ContainerError, match="must be selected by int"):
        v[np.array([0.5])]
    with pytest.raises(ContainerError, match="description must be a str"):
        VectorData("v", 3)


def test_numeric_and_isodatetime_dtypes():
    import datetime

    v = VectorData("v", "d", [1, 2.5], dtype="numeric")
    assert v.data.dtype == np.float64
    t = VectorData("t", "d", [datetime.datetime(2020, 1, 1)], dtype="isodatetime")
    assert t.spec_dtype == "isodatetime"


@pytest.mark.parametrize("data", [5, 2.5, "abc", b"ab", {"a": 1}, {1, 2}, object(), np.float64(1.0)])
def test_column_data_that_is_not_array_like_is_refused_at_construction(data: Any) -> None:
    """As hdmf refuses them (a TypeError): a number, a str or a mapping given as a column's data failed later,
    in ``len()`` or a write, without naming the column."""
    from hdmf.common import VectorData as HdmfVectorData

    with pytest.raises(TypeError):
        HdmfVectorData(name="v", description="d", data=data)
    with pytest.raises(ContainerTypeError, match=rf"VectorData 'v': data must be array-like .* got {type(data).__name__}"):
        VectorData(name="v", description="d", data=data)
    col = VectorData(name="v", description="d", data=[1, 2])
    with pytest.raises(ContainerTypeError, match="data must be array-like"):
        col.data = data  # assigned later: refused the same way, the column unchanged
    assert list(col.data) == [1, 2]
    import zarr

    stored = zarr.create_array(store={}, shape=(2,), dtype="i4")  # a zarr 3 array: a shape, no len()
    for ok in ([1, 2], (1, 2), np.arange(2), range(2), None, stored):
        assert len(VectorData(name="v", description="d", data=ok)) == (0 if ok is None else 2)
