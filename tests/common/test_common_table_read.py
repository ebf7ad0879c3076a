"""DynamicTable reading: indexing, ragged and region cells, ids, pandas, lazy (store-backed) columns."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

from hdmfzarr.common import DynamicTable, ElementIdentifiers, VectorData, VectorIndex
from hdmfzarr.errors import ContainerError


def people() -> DynamicTable:
    t = DynamicTable(name="people", description="people")
    t.add_column("age", "age", dtype="int64")
    t.add_column("name", "name", dtype="text")
    t.add_column("scores", "scores", dtype="float64", index=True)
    t.add_column("tags", "tags per visit", dtype="text", index=2)
    t.add_row(id=10, age=30, name="ann", scores=[1.0, 2.0], tags=[["a"], ["b", "c"]])
    t.add_row(id=11, age=40, name="bob", scores=[], tags=[])
    t.add_row(id=12, age=50, name="cy", scores=[3.0], tags=[[]])
    return t


def test_row_access_returns_dict():
    t = people()
    row = t.get_dict(0)
    assert row["id"] == 10 and row["age"] == 30 and row["name"] == "ann"
    np.testing.assert_array_equal(row["scores"], [1.0, 2.0])
    assert [x.tolist() for x in row["tags"]] == [["a"], ["b", "c"]]
    assert t.get_dict(-1)["name"] == "cy"
    assert t.get_dict(1)["tags"] == [] and len(t.get_dict(1)["scores"]) == 0


def test_slices_lists_masks():
    t = people()
    part = t.get_dict(slice(1, 3))
    assert list(part["id"]) == [11, 12] and list(part["name"]) == ["bob", "cy"]
    assert [x.tolist() for x in part["scores"]] == [[], [3.0]]
    picked = t.get_dict([2, 0])
    assert picked["age"].tolist() == [50, 30]
    assert [x.tolist() for x in picked["scores"]] == [[3.0], [1.0, 2.0]]
    masked = t.get_dict(np.array([True, False, True]))
    assert list(masked["id"]) == [10, 12]
    assert t.get_dict(slice(None, None, 2))["age"].tolist() == [30, 50]
    assert t.get_dict(slice(2, 1))["age"].tolist() == [] and t.get_dict(slice(2, 1))["scores"] == []
    # as in hdmf, t[rows] is a DataFrame indexed by id
    assert t[1:3]["name"].tolist() == ["bob", "cy"] and t[[2, 0]].index.tolist() == [12, 10]


def test_cells_and_columns():
    t = people()
    assert t[1, "age"] == 40
    assert t[0, 2] == "ann"  # column by position, counting the id as column 0 as hdmf does
    assert t[0, 0] == 10
    assert t[2, "id"] == 12
    np.testing.assert_array_equal(t[0, "scores"], [1.0, 2.0])
    assert t[0:2, "age"].tolist() == [30, 40]
    assert isinstance(t["age"], VectorData) and isinstance(t["scores"], VectorIndex)
    assert isinstance(t["id"], ElementIdentifiers)
    assert t["scores_index"].name == "scores_index"
    assert "age" in t and "nope" not in t


@pytest.mark.parametrize(
    "key,message",
    [
        ("nope", "no column 'nope'"),
        (5, "row 5 out of range for 3 rows"),
        (-4, "row -4 out of range"),
        ((0, "nope"), "no column 'nope'"),
        ((0, 9), "column position 9 out of range"),
        ((0, 1, 2), "expected table"),
        ([True], "boolean row mask"),
        (["a"], "rows are selected by"),
        (1.5, "rows are selected by"),
    ],
)
def test_bad_keys(key, message):
    with pytest.raises(ContainerError, match=message):
        people()[key]


def test_ids():
    t = people()
    assert t.get_row_by_id(12)["name"] == "cy"
    assert t.id_to_index(11) == 1
    with pytest.raises(ContainerError, match="no row with id 99"):
        t.get_row_by_id(99)
    t.add_row(id=13, age=1, name="dd", scores=[], tags=[])
    assert t.id_to_index(13) == 3  # index kept up to date after add_row


def test_region_cells_resolve_to_target_rows():
    t = people()
    visits = DynamicTable(name="visits", description="visits")
    visits.add_column("who", "a person", table=t)
    visits.add_column("with", "companions", table=t, index=True)
    visits.add_row(who=2, **{"with": [0, 1]})
    visits.add_row(who=0, **{"with": []})
    cell = visits[0, "who"]
    assert cell["name"] == "cy" and cell["id"] == 12
    many = visits[0, "with"]
    assert many["name"].tolist() == ["ann", "bob"]
    assert visits.get_dict(0)["who"]["age"] == 50
    raw = visits.get_dict(0, index=True)
    assert raw["who"] == 2 and list(raw["with"]) == [0, 1]
    both = visits.get_dict(slice(0, 2))
    assert both["who"]["name"].tolist() == ["cy", "ann"]
    assert [r["name"].tolist() for r in both["with"]] == [["ann", "bob"], []]
    assert visits.get_foreign_columns() == ["who", "with"] and visits.has_foreign_columns()
    assert not t.has_foreign_columns()


def test_region_resolves_without_a_table_raises():
    from hdmfzarr.common import DynamicTableRegion

    region = DynamicTableRegion("r", [0], "d")
    with pytest.raises(ContainerError, match="no target table"):
        region.resolve(0)


def test_to_dataframe_and_back():
    pd = pytest.importorskip("pandas")
    t = people()
    df = t.to_dataframe()
    assert list(df.columns) == ["age", "name", "scores", "tags"]
    assert df.index.name == "id" and df.index.tolist() == [10, 11, 12]
    assert df.loc[12, "name"] == "cy"
    assert list(df.loc[10, "scores"]) == [1.0, 2.0]
    assert [list(x) for x in df.loc[10, "tags"]] == [["a"], ["b", "c"]]
    assert list(t.to_dataframe(exclude=["tags"]).columns) == ["age", "name", "scores"]
    back = DynamicTable.from_dataframe(df, name="people", description="people", column_descriptions={"age": "age"})
    assert back.colnames == t.colnames and back.id.data == [10, 11, 12]  # from_dataframe makes lists, as hdmf
    assert isinstance(back["scores"], VectorIndex) and isinstance(back["tags"].target, VectorIndex)
    assert back["age"].description == "age"
    pd.testing.assert_frame_equal(
        back.to_dataframe().drop(columns=["scores", "tags"]), df.drop(columns=["scores", "tags"])
    )
    for i in range(3):
        np.testing.assert_array_equal(back[i, "scores"], t[i, "scores"])
        assert [x.tolist() for x in back[i, "tags"]] == [x.tolist() for x in t[i, "tags"]]
    one = t.get(1, df=True)
    assert isinstance(one, pd.DataFrame) and one.index.tolist() == [11]


def test_from_dataframe_index_column_and_errors():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"key": [5, 6], "v": [0.5, 1.5]})
    t = DynamicTable.from_dataframe(df, name="t", index_column="key")
    assert t.id.data == [5, 6] and t.colnames == ("key", "v") and t["key"].data == [5, 6]  # still a column
    hdmf_table = pytest.importorskip("hdmf.common").DynamicTable
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = hdmf_table.from_dataframe(df, name="t", index_column="key")
    assert list(theirs.id.data) == t.id.data and tuple(theirs.colnames) == t.colnames
    with pytest.raises(ContainerError, match="index_column 'zz'"):
        DynamicTable.from_dataframe(df, name="t", index_column="zz")
    with pytest.raises(ContainerError, match="index must be integers"):
        DynamicTable.from_dataframe(df.set_index(pd.Index(["a", "b"])), name="t")


def test_region_columns_in_dataframe():
    pd = pytest.importorskip("pandas")
    t = people()
    u = DynamicTable(name="u", description="u")
    u.add_column("who", "a person", table=t)
    u.add_row(who=1)
    df = u.to_dataframe()
    assert isinstance(df.loc[0, "who"], pd.DataFrame) and df.loc[0, "who"]["name"].tolist() == ["bob"]
    assert u.to_dataframe(index=True).loc[0, "who"] == 1


def test_no_pandas(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    t = people()
    assert t.get_dict(0)["name"] == "ann"  # row access needs no pandas
    with pytest.raises(ImportError, match=r"pip install hdmfzarr\[pandas\]"):
        t.to_dataframe()
    with pytest.raises(ImportError, match=r"hdmfzarr\[pandas\]"):
        DynamicTable.from_dataframe(object(), name="x")


# --- lazy (store-backed) columns -------------------------------------------------------------


def lazy_table(lazy):
    """A table as a reader would build it: every column's data a lazy array."""
    ids = lazy(np.array([10, 11, 12, 13]))
    age = lazy(np.array([30, 40, 50, 60]))
    flat = lazy(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    offsets = lazy(np.array([2, 2, 3, 5], dtype=np.uint8))
    names = lazy(np.array(["a", "b", "c", "d"], dtype=object))
    cols = [
        VectorData("age", "age", age),
        VectorData("name", "name", names),
        VectorData("scores", "scores", flat),
        VectorIndex("scores_index", offsets, None or VectorData("tmp", "tmp")),
    ]
    cols[3] = VectorIndex("scores_index", offsets, cols[2])
    t = DynamicTable(name="t", description="d", id=ElementIdentifiers("id", ids), columns=cols)
    return t, dict(ids=ids, age=age, flat=flat, offsets=offsets, names=names)


def test_lazy_construction_reads_nothing(lazy):
    t, arrays = lazy_table(lazy)
    assert len(t) == 4 and t.colnames == ("age", "name", "scores")
    assert all(a.reads == [] for a in arrays.values())
    assert t["age"].spec_dtype == "int64"
    repr(t), repr(t["age"])
    assert all(a.reads == [] for a in arrays.values())
    # an object-dtype lazy column is typed from its first element (one small read) unless the
    # reader sets the spec dtype, which reads nothing
    assert t["name"].spec_dtype == "text" and arrays["names"].reads == [0]
    t["scores"].target.set_dtype("float32")
    assert t["scores"].target.spec_dtype == "float32" and arrays["flat"].reads == []


def test_lazy_ragged_cell_reads_two_small_ranges(lazy):
    t, arrays = lazy_table(lazy)
    np.testing.assert_array_equal(t[3, "scores"], [4.0, 5.0])
    assert arrays["offsets"].reads == [slice(2, 4)]
    assert arrays["flat"].reads == [slice(3, 5)]
    np.testing.assert_array_equal(t[0, "scores"], [1.0, 2.0])
    assert arrays["offsets"].reads[-1] == slice(0, 1)
    assert t[2, "age"] == 50 and arrays["age"].reads == [2]
    assert arrays["ids"].reads == []


def test_lazy_to_dataframe_reads_each_column_once(lazy):
    pytest.importorskip("pandas")
    t, arrays = lazy_table(lazy)
    df = t.to_dataframe()
    assert df.index.tolist() == [10, 11, 12, 13]
    assert [list(x) for x in df["scores"]] == [[1.0, 2.0], [], [3.0], [4.0, 5.0]]
    for key, arr in arrays.items():
        assert len(arr.reads) == 1, (key, arr.reads)


def test_lazy_add_row_buffers_new_rows(lazy):
    t, arrays = lazy_table(lazy)
    t["name"].set_dtype("text")
    t.add_row(age=70, name="e", scores=[6.0, 7.0])
    t.extend({"age": [80], "name": ["f"], "scores": [[8.0]]})
    assert len(t) == 6
    assert all(a.reads == [] for a in arrays.values())  # appending read nothing
    age, idx, flat = t["age"], t["scores"], t["scores"].target
    # the new rows are buffered beside the stored ones (4 rows stored, 5 values), not merged into them
    assert age.is_lazy and len(age) == 6 and age.rows.count == 2 and idx.rows.count == 2 and flat.rows.count == 3
    assert "stored=4 pending=2" in repr(age) and "target='scores'" in repr(idx)
    assert all(a.reads == [] for a in arrays.values())  # repr read nothing
    assert age[4:6].tolist() == [70, 80] and idx.get_offsets(slice(4, 6)).tolist() == [7, 8]
    assert flat[5:8].tolist() == [6.0, 7.0, 8.0] and t["name"][4:6].tolist() == ["e", "f"]
    assert t.id[4:6].tolist() == [4, 5]  # default id = row position, as in hdmf
    assert all(a.reads == [] for a in arrays.values())  # the new rows are read from the buffer alone
    # reads across the stored/new boundary
    np.testing.assert_array_equal(t[4, "scores"], [6.0, 7.0])
    np.testing.assert_array_equal(t[5, "scores"], [8.0])
    assert t[3:6]["age"].tolist() == [60, 70, 80]
    assert t[[5, 0]]["name"].tolist() == ["f", "a"]
    assert t[[0, 4]]["age"].tolist() == [30, 70]


def test_in_memory_columns_hold_all_rows_in_their_data():
    t = people()
    t.add_row(name="d", age=60, scores=[], tags=[])
    assert not t["age"].is_lazy and t["age"].array_data.tolist() == [30, 40, 50, 60] and t["age"].rows.count == 0


def test_lazy_ragged_selection_reads_span_once(lazy):
    t, arrays = lazy_table(lazy)
    picked = t[[3, 0, 2]]["scores"]
    assert [x.tolist() for x in picked] == [[4.0, 5.0], [1.0, 2.0], [3.0]]
    assert arrays["offsets"].reads == [slice(0, 4)] and arrays["flat"].reads == [slice(0, 5)]
    with pytest.raises(ContainerError, match="out of range"):
        t["scores"][[0, 9]]


def test_lazy_ragged_enum_cell_reads_values_not_positions(lazy):
    """A stored row of an indexed EnumData column gives its values, as a slice of rows does (one row gave the
    positions: the stored-row shortcut skipped the enum's lookup)."""
    from hdmfzarr.common import EnumData

    elements = VectorData("c_elements", "elements", lazy(np.array(["a", "b", "c"], dtype=object)))
    col = EnumData("c", "an enum", lazy(np.array([0, 2, 1], dtype=np.uint8)), elements=elements)
    index = VectorIndex("c_index", lazy(np.array([2, 3], dtype=np.uint8)), col)
    t = DynamicTable(name="t", description="d", id=ElementIdentifiers("id", lazy(np.array([0, 1]))),
                     columns=[col, elements, index], colnames=["c"])
    assert t[0, "c"].tolist() == ["a", "c"] and t["c"][1].tolist() == ["b"]
    assert [r.tolist() for r in t["c"][0:2]] == [["a", "c"], ["b"]]
