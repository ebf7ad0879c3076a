"""DynamicTableRegion as hdmf code uses it: reads give the target rows, indices are checked against the target."""

from __future__ import annotations

import numpy as np
import pytest

from hdmfzarr.common import DynamicTable, DynamicTableRegion, VectorData, VectorIndex
from hdmfzarr.container import Container
from hdmfzarr.errors import ContainerError


def test_region_reads_give_target_rows(three_rows):
    t = three_rows()
    r = DynamicTableRegion("r", [0, 2, 2], "d", table=t)
    one = r[1]
    assert one.index.tolist() == [2] and one["baz"].tolist() == ["bird"]
    part = r[0:2]
    assert part.index.tolist() == [0, 2] and part["foo"].tolist() == [1, 3]
    assert r[1, "baz"] == "bird" and r[0:2, "foo"] == [1, 3]
    assert r.get(1, index=True) == 2 and r.get([0, 1], index=True) == [0, 2]
    assert r["foo"] is t["foo"]
    assert r.to_dataframe().index.tolist() == [0, 2, 2]
    assert list(r.to_dataframe(exclude={"foo"}).columns) == ["baz"]
    assert r.shape == (3, 2)
    assert [x.index.tolist() for x in r] == [[0], [2], [2]]
    assert len(r[1:1]) == 0 and list(r[1:1].columns) == ["foo", "baz"]
    with pytest.raises(ValueError):
        r[True]
    with pytest.raises(ValueError):
        r.get(0, df=False, index=False)


def test_ragged_region_rows_are_frames(three_rows):
    t = three_rows()
    u = DynamicTable(name="u", description="d")
    u.add_column("r", "ragged region", index=True, table=t)
    u.add_row(r=[0, 1])
    u.add_row(r=[])
    assert u["r"][0].index.tolist() == [0, 1]
    assert len(u["r"][1]) == 0 and list(u["r"][1].columns) == ["foo", "baz"]
    # the table's own cell reads are unchanged (dicts of the target's columns)
    assert list(u[0, "r"]["baz"]) == ["cat", "dog"]


def test_region_indices_are_checked_against_the_target(three_rows):
    t = three_rows()
    with pytest.raises(IndexError):
        DynamicTableRegion("r", [0, 3], "d", table=t)
    r = DynamicTableRegion("r", [0, 1], "d", table=t)
    with pytest.raises(IndexError):
        r.add_row(5)
    with pytest.raises(IndexError):
        r.extend([2, 10])
    assert r.data == [0, 1]  # nothing was added
    loose = DynamicTableRegion("r", [0, 9], "d")
    with pytest.raises(IndexError):
        loose.table = t
    off = DynamicTableRegion("r", [0, 9], "d", table=t, validate_data=False)
    off.add_row(7)
    off.extend([8])
    assert off.validate_data is False and off.data == [0, 9, 7, 8]
    with pytest.raises(IndexError):
        t.create_region("bad", [0, 5], "d")
    with pytest.raises(IndexError):
        t.create_region("bad", slice(-1, 2), "d")
    assert t.create_region("ok", slice(0, None), "d").data == [0, 1, 2]
    u = DynamicTable(name="u", description="d")
    u.add_column("r", "region", table=t)
    with pytest.raises(IndexError):
        u.add_row(r=3)
    assert len(u) == 0


def test_containers_as_cell_values():
    # hdmf stores a container in a cell as a reference; inferring the column type must not recurse forever
    t = DynamicTable(name="t", description="d")
    t.add_column("y", "refs")
    g = Container("g1")
    t.add_row(y=g)
    assert t["y"].data == [g] and t[0, "y"] is g
    col = VectorData("y", "refs", data=[Container("a")])
    assert col[0].name == "a" and col.array_data.dtype == object
    # a table in a cell is one value too, though it has a length (hdmf takes it; numpy's shape of it raised)
    tables = DynamicTable(name="tables", description="d")
    tables.add_column("t", "a table each")
    tables.add_row(t=t)
    tables.add_row(t=DynamicTable(name="empty", description="no rows"))
    assert tables[0, "t"] is t and tables["t"].row_shape() == () and len(tables) == 2


def test_vector_index_list_offsets_are_smallest_unsigned():
    values = VectorData("v", "values")
    index = VectorIndex("v_index", [], values)
    index.add_vector(list(range(255)))
    assert index.data == [255] and type(index.data[0]) is np.uint8
    index.add_vector(list(range(65536 - 255)))
    assert [type(v) for v in index.data] == [np.uint32, np.uint32] and index.data == [255, 65536]


def test_target_tables_refuse_a_region_already_pointing_elsewhere(three_rows):
    class Sub(DynamicTable):
        __columns__ = ({"name": "dtr", "description": "region", "table": True},)

    one, two = three_rows(), three_rows()
    dtr = DynamicTableRegion("dtr", [], "d", table=one)
    with pytest.raises(ContainerError, match="already targets"):
        Sub(name="s", description="d", columns=[dtr], target_tables={"dtr": two})
    assert Sub(name="s2", description="d", columns=[DynamicTableRegion("dtr", [], "d", table=one)],
               target_tables={"dtr": one})["dtr"].table is one
