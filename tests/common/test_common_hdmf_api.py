"""hdmf 6.2's table API on hdmfzarr: declarations, EnumData, MeaningsTable, DataFrame rows, refused values."""

from __future__ import annotations

import numpy as np
import pytest

from hdmfzarr.common import DynamicTable, EnumData, MeaningsTable, VectorData, VectorIndex
from hdmfzarr.errors import ContainerError


class Declared(DynamicTable):
    __columns__ = (
        {"name": "a", "description": "required", "required": True},
        {"name": "b", "description": "optional ragged", "index": True},
    )


class MoreDeclared(Declared):
    __columns__ = ({"name": "c", "description": "required too", "required": True},)


def test_dunder_columns_declare_predefined_columns() -> None:
    t = MoreDeclared(name="t", description="d")
    assert t.colnames == ("a", "c")
    assert t.b is None and t.b_index is None  # declared, optional, not created yet
    t.add_row(a=1, c=2, b=[1.0, 2.0])  # naming an optional column creates it
    assert t.colnames == ("a", "c", "b") and isinstance(t.b_index, VectorIndex) and isinstance(t.b, VectorData)
    with pytest.raises(TypeError):
        type("Bad", (DynamicTable,), {"__columns__": [{"name": "x", "description": "x"}]})


def test_columns_declared_by_dicts_and_rows_as_dicts() -> None:
    t = DynamicTable(name="t", description="d", columns=[{"name": "x", "description": "x"},
                                                         {"name": "r", "description": "r", "index": True}])
    t.add_row({"x": 1, "r": [1, 2]})
    t.add_row(data={"x": 2, "r": []}, id=7)
    assert t.id.get_all().tolist() == [0, 7]
    assert t.r is t["r_index"].target  # the attribute is the values column, as in hdmf
    frame = t[0:2]
    assert frame.index.tolist() == [0, 7] and frame["x"].tolist() == [1, 2]
    assert t[1, 0] == 7 and t[1, 1] == 2  # position 0 is the id, as in hdmf
    with pytest.raises(KeyError):
        t["nope"]
    with pytest.raises(IndexError):
        t[5]


def test_enum_column_stores_each_value_once() -> None:
    t = DynamicTable(name="t", description="d")
    t.add_column("kind", "an enum", enum=True)
    for v in ("a", "b", "a", "a"):
        t.add_row(kind=v)
    col = t["kind"]
    assert isinstance(col, EnumData) and col.elements.get_all().tolist() == ["a", "b"]
    assert list(col.get(slice(None), index=True)) == [0, 1, 0, 0]
    assert list(col.get([1, 3])) == ["b", "a"] and list(col.get([-1, 1], index=True)) == [0, 1]
    assert t.to_dataframe()["kind"].tolist() == ["a", "b", "a", "a"]
    with pytest.raises(ValueError):
        t.add_column("both", "x", table=True, enum=True)


def test_enum_column_given_with_its_elements_and_no_colnames_is_one_column() -> None:
    """As hdmf: without colnames an EnumData's elements (passed among the columns) are not a column."""
    elements = VectorData("kind_elements", "the kinds", data=["a", "b"])
    kind = EnumData("kind", "an enum", data=np.array([0, 1, 1], dtype=np.uint8), elements=elements)
    for colnames in (None, []):  # hdmf reads an empty colnames as none given
        t = DynamicTable(name="t", description="d", columns=[kind, elements], colnames=colnames)
        assert t.colnames == ("kind",) and t.to_dataframe()["kind"].tolist() == ["a", "b", "b"]


def test_meanings_table_attached_to_a_column() -> None:
    t = DynamicTable(name="t", description="d")
    t.add_column("stim", "stimulus")
    t.add_row(stim="a")
    mt = MeaningsTable(target=t["stim"])
    mt.add_row(value="a", meaning="grating")
    t.add_meanings_table(mt)
    assert mt.name == "stim_meanings" and mt.parent is t
    assert t.get_meanings_for_column("stim") is mt and t["stim"].get_meanings() is mt
    with pytest.raises(KeyError):
        t.get_meanings_for_column("nope")
    other = MeaningsTable(target=VectorData("other", "x", data=["q"]))
    with pytest.raises(ValueError, match="not a column"):
        t.add_meanings_table(other)


@pytest.mark.parametrize("dtype,bad", [("int8", 1040), ("uint8", -1), ("int16", 40000)])
def test_extend_refuses_integers_that_would_wrap(dtype: str, bad: int) -> None:
    t = DynamicTable(name="t", description="d")
    t.add_column("x", "x", dtype=dtype)
    t.add_row(x=1)
    for values in ([2, bad], np.array([2, bad])):
        with pytest.raises(ContainerError, match=rf"column 'x': value {bad} is out of range for dtype {dtype}"):
            t.extend({"x": values})
    with pytest.raises(ContainerError, match="out of range"):
        t.add_row(x=bad)
    assert len(t) == 1 and t["x"].get_all().tolist() == [1]


@pytest.mark.parametrize("row,column", [({"x": 2**70, "s": "b"}, "x"), ({"x": 3, "s": "\ud800"}, "s"),
                                        ({"x": 3, "s": "ok", "r": [1, 2**70]}, "r")])
def test_add_row_refuses_unstorable_values_and_buffers_nothing(row: dict, column: str) -> None:
    t = DynamicTable(name="t", description="d")
    t.add_column("x", "x")
    t.add_column("s", "s")
    t.add_column("r", "r", index=True)
    t.add_row(x=1, s="a", r=[1])
    with pytest.raises(ContainerError, match=f"column '{column}'.*the row was not added"):
        t.add_row(**{"r": [2], **row})
    assert len(t) == 1 and all(len(t[c]) == 1 for c in ("x", "s", "r_index")) and len(t["r"]) == 1
    t.add_row(x=2, s="b", r=[3])  # the table still takes good rows
    assert t.to_dataframe()["s"].tolist() == ["a", "b"]


def _linked() -> tuple[DynamicTable, DynamicTable]:
    child = DynamicTable(name="child", description="c")
    child.add_column("v", "values")
    for v in (10.0, 11.0, 12.0):
        child.add_row(v=v)
    parent = DynamicTable(name="parent", description="p")
    parent.add_column("p", "plain")
    parent.add_column("refs", "rows of child", table=child, index=True)
    parent.add_row(p=1, refs=[0, 2])
    parent.add_row(p=2, refs=[1])
    return parent, child


def test_hierarchical_dataframe_expands_region_rows() -> None:
    pytest.importorskip("pandas")
    from hdmfzarr.common.hierarchicaltable import drop_id_columns, flatten_column_index, to_hierarchical_dataframe

    parent, child = _linked()
    df = to_hierarchical_dataframe(parent)
    assert df.index.names == [("parent", "id"), ("parent", "p")]
    assert df.index.tolist() == [(0, 1), (0, 1), (1, 2)]
    assert df.columns.tolist() == [("child", "id"), ("child", "v")]
    assert df[("child", "v")].tolist() == [10.0, 12.0, 11.0]
    assert drop_id_columns(df).columns.tolist() == [("child", "v")]
    flat = flatten_column_index(df.reset_index(), max_levels=1)
    assert flat.columns.tolist() == ["id", "p", "id", "v"]
    with pytest.raises(ValueError):
        flatten_column_index(df, max_levels=0)
    assert to_hierarchical_dataframe(child).equals(child.to_dataframe())


def test_from_dataframe_with_declared_columns() -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"r": [[1, 2], [3]], "k": ["a", "b"]})
    t = DynamicTable.from_dataframe(df, "t", table_description="d",
                                    columns=[{"name": "r", "description": "ragged", "index": True},
                                             {"name": "k", "description": "kinds", "enum": True}])
    assert t.description == "d" and isinstance(t["r"], VectorIndex) and isinstance(t.k, EnumData)
    assert t.r.description == "ragged" and t.k.get_all().tolist() == ["a", "b"]
    with pytest.raises(ValueError, match="declared but not in the DataFrame"):
        DynamicTable.from_dataframe(df, "t", columns=[{"name": "zz", "description": "z"}])


def test_list_data_stays_a_list_as_in_hdmf():
    # hdmf code compares .data with lists (``col.data == [1, 2]``): a list given, or a column filled by add_row,
    # stays a list that grows in place; reads of it give lists; the stored form is one typed array
    given = [1, 2]
    t = DynamicTable(name="t", description="d", columns=[VectorData("x", "x", data=given)])
    with pytest.raises(ContainerError):
        t.add_row(x="a")  # an int column: nothing added
    assert t["x"].data is given and given == [1, 2] and t.id.data == [0, 1]
    t2 = DynamicTable(name="t2", description="d")
    t2.add_column("a", "ints")
    t2.add_column("r", "ragged", index=True)
    t2.add_row(a=1, r=["p", "q"])
    t2.add_row(a=2, r=[])
    assert t2["a"].data == [1, 2] and t2.id.data == [0, 1]
    assert t2["r"].target.data == ["p", "q"] and t2["r"][0] == ["p", "q"] and t2["r"][0:2] == [["p", "q"], []]
    assert t2["a"][0:2] == [1, 2] and t2["a"][[1, 0]] == [2, 1]
    assert t2["a"].array_data.dtype == np.int64 and t2["r_index"].array_data.dtype == np.uint8
    col2 = VectorData("y", "y", data=given)
    col2.append(3)
    assert col2.data is given and given == [1, 2, 3]
    # an explicit dtype, or an array, gives an array
    t2.add_column("f", "floats", data=np.array([1.0, 2.0], dtype=np.float32))
    t2.add_row(a=3, r=[], f=3.0)
    assert t2["f"].data.dtype == np.float32 and t2["f"].data.tolist() == [1.0, 2.0, 3.0]


def test_table_equality_copy_and_id_search_as_in_hdmf(three_rows):
    a, b = three_rows("t"), three_rows("t")
    assert a == b and a is not b  # same name, description and contents (hdmf compares DataFrames)
    b.add_row(foo=4, baz="fish")
    assert a != b and a != "t"
    c = a.copy()
    assert c == a and c is not a and c["foo"] is a["foo"] and c.id is a.id
    assert len({a, b}) == 2  # still hashable
    t = three_rows("t")
    t.id.data[:] = [10, 20, 30]
    assert (t.id == [20, 30]).tolist() == [1, 2] and (t.id == 10).tolist() == [0] and (t.id == [99]).tolist() == []
    assert t[t.id == [30, 10]]["baz"].tolist() == ["cat", "bird"]
    with pytest.raises(TypeError):
        t.id == 0.5
    with pytest.raises(TypeError):
        t.id == "x"


def test_ragged_values_without_index_warn_and_are_kept_as_hdmf_does():
    t = DynamicTable(name="t", description="d")
    t.add_column("q", "no index")
    t.add_row(q=[1, 2])
    with pytest.warns(UserWarning, match="different lengths"):
        t.add_row(q=[1, 2, 3])
    t.add_row(q=[4])  # warned once per column
    assert t["q"].data == [[1, 2], [1, 2, 3], [4]] and t[1, "q"] == [1, 2, 3]
    quiet = DynamicTable(name="u", description="d")
    quiet.add_column("q", "no index")
    quiet.add_row(q=[1, 2])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet.add_row(q=[1, 2, 3], check_ragged=False)
        quiet.add_column("r", "ragged data", data=[[1], [2, 3]], check_ragged=False)
    with pytest.warns(UserWarning, match="different lengths"):  # the row the check did not see still counts
        quiet.add_row(q=[5, 6], r=[7])
    with pytest.warns(UserWarning, match="index"):
        quiet.add_column("s", "ragged", data=[[1], [], [2, 3]])
    # a column holding a numpy array keeps one shape per row
    arr = DynamicTable(name="a", description="d")
    arr.add_column("xyz", "positions", data=np.zeros((1, 3)))
    with pytest.raises(ContainerError, match="expected shape"):
        arr.add_row(xyz=[1.0, 2.0])


def test_colnames_order_columns_and_predefined_mismatch_warns():
    foo = VectorData("foo", "ragged values", ["a", "b", "c"])
    foo_index = VectorIndex("foo_index", [1, 3], foo)
    bar = VectorData("bar", "ints", [1, 2])
    t = DynamicTable(name="t", description="d", columns=[foo, bar, foo_index], colnames=["bar", "foo"])
    assert t.columns == (bar, foo_index, foo)  # hdmf: per colnames, indexes (outermost first) then the data
    assert DynamicTable(name="u", description="d", columns=[foo, bar, foo_index]).columns == (foo, bar, foo_index)

    class Sub(DynamicTable):
        __columns__ = ({"name": "opt", "description": "optional plain column"},
                       {"name": "rag", "description": "optional ragged column", "index": True})

    s = Sub(name="s", description="d")
    with pytest.warns(UserWarning, match="predefined"):
        s.add_column("opt", "given ragged", index=True)
    assert isinstance(s["opt"], VectorIndex)
    s.add_column("rag", "declared ragged")  # arguments not given come from the declaration
    assert isinstance(s["rag"], VectorIndex)
    with pytest.warns(UserWarning, match="already exists"):
        s.add_column("description", "shadowed by the table's attribute")
    assert s["description"].name == "description" and s.description == "d"


def test_compound_and_array_appends_and_hdmf_error_types():
    rec = np.dtype([("species", "U50"), ("age", "i4")])
    col = VectorData("s", "records", data=np.array([("Homo sapiens", 24)], dtype=rec))
    col.append(np.array([("Mus", 2)], dtype=rec))  # an array of records: its rows, as hdmf appends to an array
    col.append(np.array([("Rat", 3)], dtype=rec)[0])  # one record stays a record (not an object)
    assert col.data.dtype == rec and col.data["species"].tolist() == ["Homo sapiens", "Mus", "Rat"]
    t = DynamicTable(name="t", description="d", columns=[VectorData("s", "records", data=col.data.copy())])
    t.add_row(s=("Cat", 5))
    assert t["s"].data.dtype == rec and t[3, "s"]["age"] == 5
    ints = VectorData("i", "ints", data=np.array([1, 2]))
    ints.append(np.array([5]))
    ints.append(6)
    assert ints.data.tolist() == [1, 2, 5, 6] and ints[2] == 5
    with pytest.raises(TypeError):
        t.add_row(id=1.5, s=("Dog", 1))
    with pytest.raises(KeyError):
        t[0.1]
    a = VectorData("a", "values", [])
    with pytest.raises(ContainerError, match="both target"):
        DynamicTable(name="u", description="d", columns=[a, VectorIndex("i1", [], a), VectorIndex("i2", [], a)])
    u = DynamicTable(name="u", description="d")
    u.add_column("q", "q")
    with pytest.raises(ContainerError, match="already indexes"):
        u.add_column("bad", "bad", index=VectorIndex("quux", [], u["q"]))
    assert u.colnames == ("q",)


def test_stored_arrays_are_recognised_by_type_not_by_attributes():
    import pandas as pd

    from hdmfzarr.dataio import StoredArray, is_lazy_array

    # a Series has shape and __getitem__ but is in memory: positions, not its labels, select its rows
    col = VectorData("x", "d", data=pd.Series([1.0, 2.0], index=[10, 11]))
    assert not col.is_lazy and col[0] == 1.0 and col[1] == 2.0 and list(col[0:2]) == [1.0, 2.0]

    class Looks:  # shape and __getitem__, yet not read from a store
        shape = (2,)

        def __getitem__(self, key: object) -> int:
            return 0

    assert not is_lazy_array(Looks()) and not is_lazy_array(np.zeros(2)) and not is_lazy_array([1])

    class Stored(StoredArray):
        shape = (2,)

    assert is_lazy_array(Stored())


def test_subclass_columns_read_as_the_merged_declarations():
    class A(DynamicTable):
        __columns__ = ({"name": "a", "description": "first"},)

    class B(A):
        __columns__ = ({"name": "b", "description": "second"},)

    assert B.__columns__ == ({"name": "a", "description": "first"}, {"name": "b", "description": "second"})
    assert A.__columns__ == ({"name": "a", "description": "first"},)
    t = B(name="t", description="d")
    t.add_column("a")
    t.add_column("b")
    assert t["a"].description == "first" and t["b"].description == "second"
