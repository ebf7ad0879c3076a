"""AlignedDynamicTable: categories, rows across categories, two-level DataFrame."""

from __future__ import annotations

import numpy as np
import pytest

from hdmfzarr.common import AlignedDynamicTable, DynamicTable
from hdmfzarr.errors import ContainerError


def make_aligned() -> AlignedDynamicTable:
    cat_a = DynamicTable(name="a", description="category a")
    cat_a.add_column("x", "x", dtype="int64")
    cat_b = DynamicTable(name="b", description="category b")
    cat_b.add_column("y", "y", dtype="text")
    cat_b.add_column("z", "ragged", dtype="float64", index=True)
    t = AlignedDynamicTable(name="aligned", description="aligned", category_tables=[cat_a, cat_b])
    t.add_column("main", "main column", dtype="float64")
    t.add_row(main=0.5, a={"x": 1}, b={"y": "p", "z": [1.0, 2.0]})
    t.add_row(id=7, main=1.5, a={"x": 2}, b={"y": "q", "z": []})
    return t


def test_categories_and_rows():
    t = make_aligned()
    assert t.categories == ["a", "b"]  # a list, as in hdmf
    a, b = t.get_category("a"), t.get_category("b")
    assert len(t) == 2 and len(a) == 2 and len(b) == 2
    assert a.parent is t and t.category_tables["b"] is b
    assert t.id.data == [0, 7] and b.id.data == [0, 7]  # lists stay lists, as in hdmf
    assert t["b", "y"].data.tolist() == ["p", "q"]
    row = t.get_dict(0)
    assert row["main"] == 0.5 and row["a"]["x"] == 1
    np.testing.assert_array_equal(row["b"]["z"], [1.0, 2.0])
    assert set(t.category_tables) == {"a", "b"}
    assert "category_tables" in t.fields and t.fields["categories"] == ["a", "b"]


@pytest.mark.parametrize(
    "row,message",
    [
        (dict(main=1.0, a={"x": 3}), r"row data keys do not match the categories; no values for categories \['b'\]"),
        (dict(main=1.0, a={"x": "bad"}, b={"y": "r", "z": []}), "column 'x'"),
        (dict(main=1.0, a={"x": 3}, b={"y": "r", "z": 5.0}), "column 'z'"),
        (dict(main="bad", a={"x": 3}, b={"y": "r", "z": []}), "column 'main'"),
        (dict(main=1.0, a=3, b={"y": "r", "z": []}), "needs a dict"),
        (dict(main=1.0, a={"x": 3}, b={"y": "r"}), "no value for column"),
    ],
)
def test_bad_rows_change_nothing(row, message):
    t = make_aligned()
    before = (len(t), [len(c) for c in t.columns], [[len(c) for c in t.get_category(n).columns] for n in t.categories])
    with pytest.raises(ContainerError, match=message):
        t.add_row(**row)
    after = (len(t), [len(c) for c in t.columns], [[len(c) for c in t.get_category(n).columns] for n in t.categories])
    assert after == before
    assert all(len(t.get_category(n).id) == 2 for n in t.categories)  # a category that took its cells gave them back
    t.add_row(main=2.5, a={"x": 3}, b={"y": "r", "z": [4.0]})  # still usable
    assert t.get_dict(2)["b"]["y"] == "r" and len(t.get_category("a")) == 3


def test_add_category_and_column_checks():
    t = make_aligned()
    with pytest.raises(ContainerError, match="has 0 rows, the table has 2"):
        t.add_category(DynamicTable(name="c", description="empty"))
    with pytest.raises(ContainerError, match="duplicate category or column name 'a'"):
        t.add_category(DynamicTable(name="a", description="dup"))
    with pytest.raises(ContainerError, match="a category must be a DynamicTable"):
        t.add_category("nope")
    with pytest.raises(ContainerError, match="already a category"):
        t.add_column("a", "dup")
    t.add_column("w", "in category a", data=[5, 6], category="a")
    assert t.get_category("a").colnames == ("x", "w")
    with pytest.raises(ContainerError, match="no category 'zz'"):
        t.get_category("zz")


def test_constructor_checks_categories():
    a = DynamicTable(name="a", description="a")
    with pytest.raises(ContainerError, match="do not match the category tables"):
        AlignedDynamicTable(name="t", description="d", category_tables=[a], categories=["b"])
    t = AlignedDynamicTable(name="t", description="d", category_tables=[a], categories=["a"])
    assert t.categories == ["a"]


def test_two_level_dataframe():
    pd = pytest.importorskip("pandas")
    t = make_aligned()
    df = t.to_dataframe()
    assert isinstance(df.columns, pd.MultiIndex)
    assert ("aligned", "main") in df.columns and ("a", "x") in df.columns and ("b", "z") in df.columns
    assert ("b", "id") in df.columns
    assert ("aligned", "id") not in df.columns and df.index.name == ("aligned", "id")  # as hdmf's
    assert df.index.tolist() == [0, 7]
    assert df[("a", "x")].tolist() == [1, 2]
    assert list(df[("b", "z")].iloc[0]) == [1.0, 2.0]
    single = t.get(1, df=True)
    assert single[("b", "y")].tolist() == ["q"]


def test_selection_forms_as_hdmf():
    """hdmf's AlignedDynamicTable.__getitem__ forms: a category by name is a DataFrame, cells by tuples."""
    pd = pytest.importorskip("pandas")
    t = make_aligned()
    cat = t["b"]
    assert isinstance(cat, pd.DataFrame) and cat["y"].tolist() == ["p", "q"]
    assert t["main"] is t.get_column("main")  # a main column stays the column object
    assert t[None].equals(t.to_dataframe()) and t["aligned"].equals(t.to_dataframe())
    assert t["a", "x"] is t.get_category("a").get_column("x") and t[None, "main"] is t.get_column("main")
    row = t[1, "b"]
    assert isinstance(row, pd.DataFrame) and list(row.columns) == ["id", "y", "z"] and row["y"].tolist() == ["q"]
    assert t[0, ("b", "z")] == (1.0, 2.0) and t[1, ("b", "z")] == ()  # ragged cells as tuples, as hdmf gives them
    assert t[1, ("aligned", "main")] == 1.5
    assert t[1, "a", "x"] == 2 and t["a", "x", 1] == 2 and t[0, None, "main"] == 0.5
    assert t[0:2, "main"].tolist() == [0.5, 1.5]  # rows + main column, as DynamicTable
    with pytest.raises(ValueError, match=r"expected t\[category, column\]"):
        t[("main",)]
    with pytest.raises(KeyError, match="no category 'zz'"):
        t["zz"]


def test_contains_categories_and_columns():
    t = make_aligned()
    assert "a" in t and "main" in t and ("b", "z") in t and ("b", "x") not in t and 3 not in t
    with pytest.raises(ValueError, match="got a tuple of length 3"):
        ("a", "x", "y") in t  # noqa: B015
    with pytest.raises(KeyError, match="no category 'zz'"):
        ("zz", "x") in t  # noqa: B015


def test_bad_category_is_named_by_position():
    good = DynamicTable(name="a", description="a")
    with pytest.raises(TypeError, match="category table with index 1 is not a DynamicTable \\(got list\\)"):
        AlignedDynamicTable(name="t", description="d", category_tables=[good, [0, 1]])
