"""DynamicTable construction, add_column, add_row, extend and their error cases."""

from __future__ import annotations

import numpy as np
import pytest

from hdmfzarr.common import (
    ColumnInfo,
    DynamicTable,
    DynamicTableRegion,
    ElementIdentifiers,
    VectorData,
    VectorIndex,
)
from hdmfzarr.errors import ContainerError


def snapshot(table: DynamicTable) -> str:
    """Everything observable about a table's rows and structure, as text."""
    rows = table.get(slice(None), index=True) if len(table) else {}
    return repr(
        (
            len(table),
            table.colnames,
            [(c.name, len(c), c.spec_dtype) for c in table.columns],
            {k: (v if not isinstance(v, list) else [repr(x) for x in v]) for k, v in rows.items()},
        )
    )


def make_table() -> DynamicTable:
    t = DynamicTable(name="t", description="a table")
    t.add_column("i", "ints", dtype="int64")
    t.add_column("f", "floats", dtype="float64")
    t.add_column("s", "text", dtype="text")
    t.add_column("r", "ragged", dtype="float64", index=True)
    t.add_column("rr", "doubly ragged", dtype="int64", index=2)
    t.add_row(i=0, f=0.5, s="a", r=[1.0], rr=[[1], [2, 3]])
    t.add_row(i=1, f=1.5, s="b", r=[], rr=[[]])
    return t


GOOD = dict(i=2, f=2.5, s="c", r=[2.0, 3.0], rr=[[4]])


def test_seed_snippet():
    table = DynamicTable(name="example_table", description="An example table")
    table.add_column("column1", "A string column", dtype="text")
    table.add_row(column1="example data")
    assert len(table) == 1
    assert table.get_dict(0)["column1"] == "example data"
    assert table[0]["column1"].tolist() == ["example data"]  # a DataFrame, as in hdmf
    assert table[0, "column1"] == "example data"
    assert isinstance(table["column1"], VectorData)
    assert table["column1"].spec_dtype == "text"


def test_add_row_and_structure():
    t = make_table()
    t.add_row(**GOOD)
    assert len(t) == 3
    assert t.colnames == ("i", "f", "s", "r", "rr")
    names = [c.name for c in t.columns]
    assert names == ["i", "f", "s", "r", "r_index", "rr", "rr_index", "rr_index_index"]
    assert isinstance(t["r"], VectorIndex) and t["r"].target is t["r_index"].target
    assert t["rr"].target is t["rr_index"]
    np.testing.assert_array_equal(t.id.data, [0, 1, 2])
    assert all(c.parent is t for c in t.columns) and t.id.parent is t
    np.testing.assert_array_equal(t["r"].target.data, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(t["r_index"].data, [1, 1, 3])
    assert t["r_index"].array_data.dtype.kind == "u"
    np.testing.assert_array_equal(t["rr_index"].data, [1, 3, 3, 4])
    np.testing.assert_array_equal(t["rr_index_index"].data, [2, 3, 4])
    assert t["s"].data.tolist() == ["a", "b", "c"]


def test_add_row_with_explicit_ids_and_unique_check():
    t = make_table()
    t.add_row(id=10, **GOOD)
    assert t.id.data == [0, 1, 10]
    before = snapshot(t)
    with pytest.raises(ContainerError, match="id 10 already exists"):
        t.add_row(id=10, enforce_unique_id=True, **GOOD)
    assert snapshot(t) == before
    t.add_row(id=10, **GOOD)  # duplicates allowed unless enforced
    assert len(t) == 4
    with pytest.raises(ContainerError, match="id must be an int"):
        t.add_row(id="x", **GOOD)
    with pytest.raises(ContainerError, match="id 0 already exists"):
        t.add_row(id=0, enforce_unique_id=True, **GOOD)


BAD_ROWS = [
    (dict(GOOD, zz=1), "unknown column"),
    ({k: v for k, v in GOOD.items() if k != "s"}, r"no value for column\(s\) \['s'\]"),
    (dict(GOOD, i="abc"), "column 'i': expected values of dtype int64, got str"),
    (dict(GOOD, i=1.5), "column 'i': expected values of dtype int64"),
    (dict(GOOD, s=3), "column 's': expected values of dtype text"),
    (dict(GOOD, f="x"), "column 'f'"),
    (dict(GOOD, i=[1, 2]), "column 'i': expected a scalar per row"),
    (dict(GOOD, r=1.0), "column 'r': is ragged"),
    (dict(GOOD, r="abc"), "column 'r': is ragged"),
    (dict(GOOD, r=["a"]), "column 'r': expected values of dtype float64"),
    (dict(GOOD, r=np.array(["a"])), "column 'r': expected values of dtype float64"),
    (dict(GOOD, rr=[1, 2]), "column 'rr': is doubly ragged"),
    (dict(GOOD, rr=[["x"]]), "column 'rr'"),
]


@pytest.mark.parametrize("row,message", BAD_ROWS)
def test_bad_rows_raise_and_leave_table_unchanged(row, message):
    t = make_table()
    before = snapshot(t)
    with pytest.raises(ContainerError, match=message):
        t.add_row(**row)
    assert snapshot(t) == before
    t.add_row(**GOOD)  # still usable
    assert len(t) == 3 and all(len(t[n]) == 3 for n in t.colnames)


def test_failed_row_does_not_fix_the_type_of_an_untyped_column():
    t = DynamicTable(name="t", description="d")
    t.add_column("a", "untyped")
    t.add_column("b", "ints", dtype="int32")
    with pytest.raises(ContainerError):
        t.add_row(a="text", b="bad")
    assert t["a"].column_type is None
    t.add_row(a=1.5, b=2)
    assert t["a"].spec_dtype == "float64"
    assert t["b"].data.dtype == np.int32


def test_bad_last_cell_takes_back_every_earlier_cell_of_the_row():
    """add_row appends cell by cell and takes the row back on a bad cell: enum elements, long ragged rows
    (appended as a block), a doubly ragged row, a type fixed by the row and its id all return to before."""
    t = DynamicTable(name="t", description="d")
    t.add_column("e", "enum", enum=True)
    t.add_column("long", "ragged", dtype="float64", index=True)
    t.add_column("dd", "doubly ragged", index=2)
    t.add_column("free", "untyped")
    t.add_column("last", "ints", dtype="int32")
    t.add_row(e="a", long=[1.0], dd=[[1]], free=[1, 2], last=1)
    before = snapshot(t), t["e"].elements.data[:], t.id.data[:]
    for _ in range(2):  # twice: nothing is left over by the first bad row
        with pytest.raises(ContainerError, match="column 'last'"):
            t.add_row(e="new", long=list(np.arange(100.0)), dd=[[2, 3], [4]], free=[5, 6], last="bad")
    assert (snapshot(t), t["e"].elements.data[:], t.id.data[:]) == before
    t.add_row(e="b", long=list(np.arange(70.0)), dd=[[5]], free=[3, 4], last=2)
    assert t["e"].elements.data == ["a", "b"] and t.get_dict(1)["e"] == "b"
    assert len(t[1, "long"]) == 70 and list(t[1, "dd"][0]) == [5] and t.id.data == [0, 1]


def test_bad_row_takes_back_a_type_and_shape_it_fixed():
    t = DynamicTable(name="t", description="d")
    t.add_column("a", "untyped")
    t.add_column("r", "untyped ragged", index=True)
    t.add_column("b", "ints", dtype="int32")
    with pytest.raises(ContainerError, match="column 'b'"):
        t.add_row(a=np.zeros(3), r=[[1.0, 2.0]], b="bad")
    assert t["a"].column_type is None and t["r"].target.column_type is None and len(t) == 0
    t.add_row(a="text", r=["x", "y"], b=1)  # neither the shape nor the type of the bad row stuck
    assert t["a"].spec_dtype == "text" and list(t[0, "r"]) == ["x", "y"]


def test_bad_row_leaves_a_store_backed_table_unchanged(tmp_path):
    from hdmfzarr import ZarrIO

    t = make_table()
    with ZarrIO(tmp_path / "s.zarr", "w") as io:
        io.write(t)
    with ZarrIO(tmp_path / "s.zarr", "a") as io:
        read = io.read()
        read.add_row(**GOOD)
        before = snapshot(read)
        with pytest.raises(ContainerError, match="column 'rr'"):
            read.add_row(**dict(GOOD, rr=[["x"]]))
        assert snapshot(read) == before
        assert [c.name for c in read.columns if c.rows.count] == [c.name for c in read.columns]  # one pending row each
    with ZarrIO(tmp_path / "s.zarr") as io:
        assert snapshot(io.read()) == before


def test_dtype_names():
    t = DynamicTable(name="t", description="d")
    t.add_column("a", "", dtype="float")
    t.add_column("b", "", dtype="int")
    t.add_column("c", "", dtype="bool")
    t.add_column("d", "", dtype="isodatetime")
    t.add_column("e", "", dtype=np.uint16)
    t.add_column("g", "", dtype=str)
    import datetime

    t.add_row(a=1, b=2, c=True, d=datetime.datetime(2020, 1, 1), e=3, g="x")
    t.add_row(a=1.5, b=np.int64(3), c=np.bool_(False), d="2020-01-02T00:00:00", e=4, g="y")
    assert t["a"].data.dtype == np.float32 and t["a"].spec_dtype == "float32"
    assert t["b"].data.dtype == np.int32
    assert t["c"].data.dtype == np.bool_
    assert t["d"].spec_dtype == "isodatetime"
    assert t["e"].data.dtype == np.uint16
    assert t["g"].spec_dtype == "text"
    with pytest.raises(ContainerError, match="column 'c'"):
        t.add_row(a=1, b=2, c=1, d="x", e=3, g="z")
    with pytest.raises(ContainerError, match="unknown dtype"):
        t.add_column("h", "", dtype="no-such-type")
    assert "h" not in t


def test_untyped_columns_infer_from_first_row():
    t = DynamicTable(name="t", description="d")
    t.add_column("a", "a")
    t.add_column("b", "b")
    t.add_column("c", "c", index=True)
    t.add_row(a=1, b="x", c=[1.5, 2.5])
    t.add_row(a=2, b="y", c=[])
    assert t["a"].data == [1, 2] and t["a"].array_data.dtype == np.int64
    assert t["b"].spec_dtype == "text"
    assert t["c"].target.array_data.dtype == np.float64
    with pytest.raises(ContainerError, match="column 'a'"):
        t.add_row(a="z", b="x", c=[1.0])


def test_multidimensional_cells():
    t = DynamicTable(name="t", description="d")
    t.add_column("xyz", "positions", data=np.zeros((2, 3)))
    t.add_row(xyz=[1.0, 2.0, 3.0])
    assert t["xyz"].data.shape == (3, 3)
    np.testing.assert_array_equal(t[2, "xyz"], [1, 2, 3])
    before = snapshot(t)
    with pytest.raises(ContainerError, match=r"expected shape \(3,\)"):
        t.add_row(xyz=[1.0, 2.0])
    with pytest.raises(ContainerError, match=r"expected an array of shape \(3,\)"):
        t.add_row(xyz=1.0)
    assert snapshot(t) == before


def test_construct_from_columns():
    a = VectorData("a", "ints", [1, 2, 3])
    rv = VectorData("r", "ragged values", [1, 2, 3, 4])
    ri = VectorIndex("r_index", [1, 1, 4], rv)
    t = DynamicTable(name="t", description="d", columns=[a, rv, ri])
    assert t.colnames == ("a", "r") and len(t) == 3
    assert t["r"] is ri
    np.testing.assert_array_equal(t[2, "r"], [2, 3, 4])
    assert t.id.data == [0, 1, 2]
    t2 = DynamicTable(
        name="t2",
        description="d",
        columns=[VectorData("a", "x", [1, 2]), VectorData("b", "y", ["p", "q"])],
        colnames=["b", "a"],
        id=[7, 9],
    )
    assert t2.colnames == ("b", "a")
    assert t2.get_row_by_id(9) == {"id": 9, "b": "q", "a": 2}
    ids = ElementIdentifiers("id", [5, 6])
    t3 = DynamicTable(name="t3", description="d", columns=[VectorData("a", "x", [1, 2])], id=ids)
    assert t3.id is ids and ids.parent is t3


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(columns=[VectorData("a", "x", [1, 2]), VectorData("b", "y", [1])]), "differ in length"),
        (dict(columns=[VectorData("a", "x", [1, 2])], id=[1, 2, 3]), "'id' has 3 rows but the columns have 2"),
        (dict(columns=[VectorData("a", "x", [1]), VectorData("a", "y", [2])]), "duplicate column name 'a'"),
        (dict(columns=[VectorData("id", "x", [1])]), "duplicate column name 'id'"),
        (dict(columns=["nope"]), "columns must be VectorData"),
        (dict(columns=[VectorIndex("x_index", [1], VectorData("x", "x", [1]))]), "targets 'x'"),
        (dict(columns=[VectorData("a", "x", [1])], colnames=["b"]), "do not match"),
        (dict(columns=[VectorData("a", "x", [1])], colnames=["a", "a"]), "duplicate names in colnames"),
        (dict(id=["a", "b"]), "'id' must be integers"),
        (dict(bogus=[1]), "unknown argument"),
    ],
)
def test_construction_errors(kwargs, message):
    with pytest.raises(ContainerError, match=message):
        DynamicTable(name="t", description="d", **kwargs)


def test_description_must_be_str():
    with pytest.raises(ContainerError, match="description must be a str"):
        DynamicTable(name="t", description=None)


def test_add_column_with_data_and_errors():
    t = make_table()
    t.add_column("extra", "more ints", data=[5, 6])
    assert t[1, "extra"] == 6
    t.add_column("rag", "ragged data", data=[[1, 2], [3]], index=True)
    np.testing.assert_array_equal(t[0, "rag"], [1, 2])
    t.add_column("vec", "ragged 2-vectors", data=[[[1, 2], [3, 4]], [[5, 6]]], index=True)  # equal-length cells
    assert np.asarray(t[0, "vec"]).tolist() == [[1, 2], [3, 4]]
    t.add_column("rag2", "doubly", data=[[[1], [2, 3]], []], index=2)
    assert t[0, "rag2"] == [[1], [2, 3]] and t[1, "rag2"] == []
    t.add_column("off", "explicit offsets", data=[1, 2, 3], index=np.array([1, 3]))
    np.testing.assert_array_equal(t[1, "off"], [2, 3])
    before = snapshot(t)
    for kwargs, message in [
        (dict(name="i", description="dup"), "duplicate column name 'i'"),
        (dict(name="id", description="dup"), "duplicate column name 'id'"),
        (dict(name="r_index", description="dup"), "duplicate column name 'r_index'"),
        (dict(name="x", description="too short", data=[1]), "data has 1 rows but the table has 2"),
        (dict(name="x", description="no data"), "data for them is required"),
        (dict(name="x", description="bad dtype", data=["a", "b"], dtype="int64"), "does not fit dtype"),
        (dict(name="x", description="bad ragged", data=[1, 2], index=True), "nested sequences"),
        (dict(name="x", description="index too small", data=[[[1, 2], [1]], [[3]]], index=True),
         "index=True may be too small for the given data: after 1 level"),
        (dict(name="x", description="bad offsets", data=[1, 2, 3], index=[1, 2]), "must be non-decreasing and end at 3"),
        (dict(name="x", data=[1, 2]), "a description is required"),
        (dict(name="x", description="bad table", data=[0, 1], table="t"), "table must be a DynamicTable"),
        (dict(name="x", description="bad cls", data=[0, 1], col_cls=int), "col_cls must be a VectorData subclass"),
        (dict(name="", description="empty"), "non-empty str"),
    ]:
        with pytest.raises(ContainerError, match=message):
            t.add_column(**kwargs)
        assert snapshot(t) == before, kwargs


def test_add_column_to_empty_table_with_data_sets_ids():
    t = DynamicTable(name="t", description="d")
    t.add_column("a", "x", data=[3, 4, 5])
    assert len(t) == 3 and t.id.data.tolist() == [0, 1, 2]
    t.add_row(a=6)
    assert t.id.data.tolist() == [0, 1, 2, 3]


def test_region_columns_and_create_region():
    target = make_table()
    t = DynamicTable(name="u", description="refs")
    t.add_column("ref", "one row", table=target)
    t.add_column("refs", "several rows", table=target, index=True)
    assert isinstance(t["ref"], DynamicTableRegion) and t["ref"].table is target
    assert target.parent is None  # a region's table is a link, not a child
    t.add_row(ref=1, refs=[0, 1])
    before = snapshot(t)
    with pytest.raises(ContainerError, match="out of range for table 't' with 2 rows: got 5"):
        t.add_row(ref=5, refs=[0])
    with pytest.raises(ContainerError, match="out of range"):
        t.add_row(ref=0, refs=[0, -1])
    with pytest.raises(ContainerError, match="column 'ref'"):
        t.add_row(ref="x", refs=[0])
    assert snapshot(t) == before
    region = target.create_region("sel", [1, 0], "rows 1 and 0")
    assert isinstance(region, DynamicTableRegion) and region.table is target
    assert region.data == [1, 0]  # lists as in hdmf
    assert target.create_region("all", slice(None), "all").data == [0, 1]
    with pytest.raises(ContainerError, match="out of range for table"):
        target.create_region("bad", [2], "x")
    with pytest.raises(ContainerError, match="out of range for table"):
        t.add_column("bad", "x", data=[3], table=target)


def test_extend_from_dict_lists_and_arrays():
    t = make_table()
    t.extend(
        {
            "i": np.array([2, 3]),
            "f": [2.5, 3.5],
            "s": ["c", "d"],
            "r": [np.array([4.0]), np.array([5.0, 6.0])],
            "rr": [[[7]], [[8, 9], []]],
        }
    )
    assert len(t) == 4 and t.id.data.tolist() == [0, 1, 2, 3]
    np.testing.assert_array_equal(t[3, "r"], [5.0, 6.0])
    assert [x.tolist() for x in t[3, "rr"]] == [[8, 9], []]
    assert t["r_index"].data.tolist() == [1, 1, 2, 4]
    assert t["rr_index_index"].data.tolist() == [2, 3, 4, 6]
    t.add_row(**GOOD)
    assert t[4, "i"] == 2 and len(t["r"].target) == 6
    t.extend({"id": [100], "i": [9], "f": [9.0], "s": ["z"], "r": [[]], "rr": [[]]})
    assert t.id.data.tolist()[-1] == 100
    t.extend({"i": [], "f": [], "s": [], "r": [], "rr": []})
    assert len(t) == 6


@pytest.mark.parametrize(
    "batch,message",
    [
        (dict(i=[1, 2], f=[1.0], s=["a", "b"], r=[[], []], rr=[[], []]), "different lengths"),
        (dict(i=["a"], f=[1.0], s=["a"], r=[[]], rr=[[]]), "column 'i'"),
        (dict(i=[1.5], f=[1.0], s=["a"], r=[[]], rr=[[]]), "column 'i'"),
        (dict(i=[1], f=[1.0], s=[3], r=[[]], rr=[[]]), "column 's'"),
        (dict(i=[1], f=[1.0], s=["a"], r=[1.0], rr=[[]]), "column 'r'.*nested"),
        (dict(i=[1], f=[1.0], s=["a"], r=["ab"], rr=[[]]), "column 'r'.*nested"),
        (dict(i=[1], f=[1.0], s=["a"], r=[[]], rr=[[1]]), "column 'rr'.*nested"),
        (dict(i=[1], f=[1.0], s=["a"], r=[[]]), "lacks column"),
        (dict(i=[1], f=[1.0], s=["a"], r=[[]], rr=[[]], q=[1]), "unknown column"),
        (dict(id=["x"], i=[1], f=[1.0], s=["a"], r=[[]], rr=[[]]), "ids must be integers"),
    ],
)
def test_extend_errors_leave_table_unchanged(batch, message):
    t = make_table()
    before = snapshot(t)
    with pytest.raises(ContainerError, match=message):
        t.extend(batch)
    assert snapshot(t) == before


def test_extend_enforce_unique_ids():
    t = make_table()
    before = snapshot(t)
    batch = dict(id=[5, 1], i=[1, 2], f=[1.0, 2.0], s=["a", "b"], r=[[], []], rr=[[], []])
    with pytest.raises(ContainerError, match=r"duplicate ids \[1\]"):
        t.extend(batch, enforce_unique_id=True)
    with pytest.raises(ContainerError, match="duplicate ids"):
        t.extend(dict(batch, id=[7, 7]), enforce_unique_id=True)
    assert snapshot(t) == before
    t.extend(dict(batch, id=[5, 6]), enforce_unique_id=True)
    assert t.get_row_by_id(6)["i"] == 2


def test_extend_from_dataframe():
    pd = pytest.importorskip("pandas")
    t = make_table()
    df = pd.DataFrame(
        {"i": [5, 6], "f": [0.1, 0.2], "s": ["x", "y"], "r": [[1.0], [2.0, 3.0]], "rr": [[[1]], [[2], [3]]]},
        index=pd.Index([20, 21], name="id"),
    )
    t.extend(df)
    assert t.id.data.tolist() == [0, 1, 20, 21]
    assert t[3, "s"] == "y"
    np.testing.assert_array_equal(t[3, "r"], [2.0, 3.0])


def test_extend_large_is_vectorised():
    t = DynamicTable(name="t", description="d")
    t.add_column("a", "ints", dtype="int64")
    t.add_column("r", "ragged", dtype="float64", index=True)
    n = 200_000
    lengths = np.arange(n) % 3
    flat = np.arange(lengths.sum(), dtype=np.float64)
    t.extend({"a": np.arange(n), "r": np.split(flat, np.cumsum(lengths)[:-1])})
    assert len(t) == n
    assert t["r_index"].data[-1] == len(flat)
    np.testing.assert_array_equal(t[n - 1, "r"], flat[len(flat) - lengths[-1]:])
    np.testing.assert_array_equal(t[n - 2, "r"], flat[len(flat) - lengths[-1] - lengths[-2]:len(flat) - lengths[-1]])


class Units(DynamicTable):
    data_type = "Units"
    namespace = "test"
    columns_spec = (
        ColumnInfo("spike_times", "spike times", required=True, index=1),
        ColumnInfo("quality", "a quality score"),
        ColumnInfo("electrodes", "electrode rows", table=True, index=1),
    )


def test_predefined_columns():
    u = Units(name="units", description="units")
    assert u.colnames == ("spike_times",)
    assert isinstance(u["spike_times"], VectorIndex)
    u.add_row(spike_times=[0.1, 0.2], quality=0.9)  # optional column created on first row
    assert u.colnames == ("spike_times", "quality")
    assert u["quality"].description == "a quality score"
    with pytest.raises(ContainerError, match="optional column 'electrodes' was not created"):
        u.add_row(spike_times=[], quality=1.0, electrodes=[0])
    other = Units(name="other", description="x")
    other.add_row(spike_times=[])
    u.add_column("electrodes", data=[[0]], table=other)
    assert list(u[0, "electrodes"]["id"]) == [0]
    assert isinstance(u["electrodes"].target, DynamicTableRegion)
    u2 = Units(name="u2", description="d", spike_times=[[1.0], [2.0, 3.0]], quality=[1.0, 2.0])
    assert len(u2) == 2 and u2.colnames == ("spike_times", "quality")
    np.testing.assert_array_equal(u2[1, "spike_times"], [2.0, 3.0])
    assert u2.quality is u2["quality"]  # columns as attributes
    with pytest.raises(ContainerError, match="required column 'spike_times' is missing"):
        Units(name="u3", description="d", quality=[1.0])
    with pytest.raises(AttributeError):
        u2.no_such_column


def test_modified_flags_follow_row_additions():
    t = make_table()
    for obj in t.all_children():
        obj.set_modified(False)
    t.add_row(**GOOD)
    assert t.modified and t.id.modified and all(c.modified for c in t.columns)
    for obj in t.all_children():
        obj.set_modified(False)
    t.extend({"i": [1], "f": [1.0], "s": ["a"], "r": [[1.0]], "rr": [[[1]]]})
    assert t.modified and t["i"].modified


def test_untyped_ragged_column_rejects_mixed_first_row():
    t = DynamicTable(name="t", description="d")
    t.add_column("r", "untyped ragged", index=True)
    with pytest.raises(ContainerError, match="column 'r': expected values of dtype int64, got str 'a'"):
        t.add_row(r=[1, "a"])
    assert len(t) == 0 and len(t["r"].target) == 0 and t["r"].target.column_type is None
    t.add_row(r=[1.5])
    assert t["r"].target.spec_dtype == "float64"
