"""The spec model: constructors (values kept as given, as hdmf does), helpers, equality, to_dict."""

from __future__ import annotations

import pytest

from hdmfzarr.errors import SpecError
from hdmfzarr.spec import (
    AttributeSpec, DatasetSpec, DtypeSpec, GroupSpec, LinkSpec, RefSpec, spec_from_dict,
)


def test_hdmf_style_keywords_and_parent() -> None:
    spec = GroupSpec(doc="A custom data type", data_type_def="MyType",
                     datasets=[DatasetSpec(doc="An example dataset", name="data", dtype="float")])
    data = spec.get_dataset("data")
    assert data is not None and data.dtype == "float" and data["dtype"] == "float"
    assert data.parent is spec
    assert spec.data_type == "MyType" and spec.data_type_inc is None
    assert isinstance(spec.datasets, tuple)
    assert spec.get_dataset("nope") is None and spec.get_group("data") is None


@pytest.mark.parametrize("qty,norm,many,required,lo,hi", [
    (1, 1, False, True, 1, 1), (3, 3, True, True, 3, 3), ("2", 2, True, True, 2, 2),
    ("?", "?", False, False, 0, 1), ("zero_or_one", "zero_or_one", False, False, 0, 1),
    ("*", "*", True, False, 0, None), ("zero_or_many", "zero_or_many", True, False, 0, None),
    ("+", "+", True, True, 1, None), ("one_or_many", "one_or_many", True, True, 1, None),
])
def test_quantity_forms(qty, norm, many, required, lo, hi) -> None:
    s = DatasetSpec(doc="d", data_type_inc="X", quantity=qty)
    assert s.quantity == norm
    assert s.is_many() is many
    assert s.required is required
    assert (s.min_count, s.max_count) == (lo, hi)


@pytest.mark.parametrize("qty", ["lots", 0, -1, 1.5, True, None])
def test_bad_quantity(qty) -> None:
    with pytest.raises(SpecError, match="Invalid quantity") as e:
        GroupSpec(doc="d", data_type_inc="X", quantity=qty)
    assert e.value.key == "quantity"


def test_named_spec_cannot_be_many() -> None:
    with pytest.raises(SpecError, match="specific name"):
        DatasetSpec(doc="d", name="x", quantity="*")


def test_name_vs_default_name_and_links() -> None:
    g = GroupSpec(doc="g", data_type_def="G", default_name="g0",
                  links=[LinkSpec(doc="l", target_type="G", name="other"),
                         LinkSpec(doc="many", target_type="G", quantity="*")])
    assert g.name is None and g.default_name == "g0"
    assert g.get_link("other").target_type == "G"
    assert g.links[1].is_many() and not g.links[1].required
    assert g.links[0].parent is g


def test_shape_and_dims_forms() -> None:
    d = DatasetSpec(doc="d", data_type_def="V", dims=[["a"], ["a", "b"]], shape=[[None], [None, 3]])
    assert d.shape == [[None], [None, 3]] and d.shapes == ([None], [None, 3])
    one = DatasetSpec(doc="d", name="x", dims=["t"], shape=[None])
    assert one.shapes == ([None],)
    assert DatasetSpec(doc="d", name="s").shapes is None
    with pytest.raises(SpecError, match="same length"):
        DatasetSpec(doc="d", name="x", dims=["a", "b"], shape=[None])
    with pytest.raises(SpecError, match="shape"):
        DatasetSpec(doc="d", name="x", shape=["big"])


def test_compound_and_reference_dtypes() -> None:
    d = DatasetSpec(doc="d", data_type_def="C", dtype=[
        DtypeSpec("start", "s", "double"), DtypeSpec("ref", "r", RefSpec("TimeSeries"))])
    assert d.is_compound and d.dtype[0].dtype == "double" and d.dtype[1].is_ref
    r = AttributeSpec("target", "t", {"target_type": "VectorData", "reftype": "object"})
    assert r.dtype == RefSpec("VectorData", "object")
    with pytest.raises(SpecError, match="compound"):
        AttributeSpec("a", "d", [DtypeSpec("x", "x", "int")])
    with pytest.raises(SpecError, match="reftype"):
        RefSpec("X", reftype="pointer")
    with pytest.raises(SpecError, match="duplicate"):
        DatasetSpec(doc="d", name="c", dtype=[DtypeSpec("a", "a", "int"), DtypeSpec("a", "b", "int")])


def test_attribute_rules() -> None:
    a = AttributeSpec("unit", "u", "text", required=False, default_value="volts")
    assert not a.required and a.default_value == "volts"
    v = AttributeSpec("k", "k", "int", value=[1, 2])
    assert v.value == [1, 2] and v.to_dict()["value"] == [1, 2]
    with pytest.raises(SpecError, match="'value' and 'default_value'"):
        AttributeSpec("k", "k", "int", value=1, default_value=2)
    with pytest.raises(SpecError, match="needs a dtype"):
        AttributeSpec("k", "k", None)


def test_structural_errors_name_the_type_and_key() -> None:
    with pytest.raises(SpecError) as e:
        GroupSpec(doc="g", data_type_def="Bad", datasets=[DatasetSpec(doc="a", name="x"),
                                                           DatasetSpec(doc="b", name="x")])
    assert e.value.data_type == "Bad" and "more than one" in str(e.value)
    with pytest.raises(SpecError, match="with no name"):
        GroupSpec(doc="g")
    with pytest.warns(UserWarning, match="cannot be the same"):  # hdmf warns and drops the include
        assert GroupSpec(doc="g", data_type_def="A", data_type_inc="A").data_type_inc is None
    with pytest.raises(SpecError, match="'/'"):
        GroupSpec(doc="g", name="a/b")
    with pytest.raises(SpecError, match="must be a string"):
        GroupSpec(doc=5, name="a")  # type: ignore[arg-type]


def test_equality_hash_and_shared_children() -> None:
    def make() -> GroupSpec:
        return GroupSpec(doc="g", data_type_def="G", attributes=[AttributeSpec("a", "a", "int")],
                         datasets=[DatasetSpec(doc="d", name="d", dtype="double")])

    a, b = make(), make()
    assert a == b and hash(a) != hash(b)  # equal by value, hashed by identity (mutable dicts)
    assert a != GroupSpec(doc="other", data_type_def="G")
    other = GroupSpec(doc="h", data_type_def="H", datasets=[a.datasets[0]])
    assert other.datasets[0] == a.datasets[0]
    assert other.datasets[0].parent is other and a.datasets[0].parent is a
    with pytest.raises(AttributeError):
        a.doc = "changed"  # type: ignore[misc]


def test_to_dict_round_trip_with_both_key_spellings() -> None:
    d = {"neurodata_type_def": "Series", "neurodata_type_inc": "Base", "doc": "s", "default_name": "s",
         "attributes": [{"name": "unit", "doc": "u", "dtype": "text", "required": False}],
         "datasets": [{"name": "data", "doc": "d", "dtype": "float32", "dims": ["t"], "shape": [None]},
                      {"neurodata_type_inc": "Thing", "doc": "t", "quantity": "*"}],
         "links": [{"name": "dev", "doc": "l", "target_type": "Device"}],
         "groups": [{"name": "sub", "doc": "g", "quantity": "?", "linkable": False}]}
    spec = spec_from_dict(d, "group")
    assert spec.data_type_def == "Series" and spec.data_type_inc == "Base"
    out = spec.to_dict("neurodata_type")
    assert spec_from_dict(out, "group") == spec
    assert out["datasets"][1] == {"neurodata_type_inc": "Thing", "doc": "t", "quantity": "*"}
    assert spec_from_dict(spec.to_dict(), "group") == spec
    assert "data_type_def" in spec.to_dict()


def test_field_table_binds_arguments_as_python_would() -> None:
    """Constructors are derived from each class's field table: hdmf's positional order, keywords, and a
    TypeError for a wrong call (hdmf's wording for a missing argument)."""
    assert AttributeSpec._ARGS[:3] == ("name", "doc", "dtype") and LinkSpec._ARGS == ("doc", "target_type",
                                                                                         "quantity", "name")
    a = AttributeSpec("unit", "the unit", "text", None, None, False)
    assert dict(a) == {"name": "unit", "doc": "the unit", "dtype": "text", "required": False}
    assert LinkSpec("l", "T", "?", "x").quantity == "?"
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        GroupSpec("d", name="g", colour="red")
    with pytest.raises(TypeError, match="multiple values for argument 'doc'"):
        GroupSpec("d", doc="again", name="g")
    with pytest.raises(TypeError, match="takes at most 3 arguments"):
        DtypeSpec("a", "b", "int", "extra")
    with pytest.raises(TypeError, match="DtypeSpec.__init__: missing argument 'dtype'"):
        DtypeSpec("a", "b")
    # defaults are not stored; values equal to them neither
    assert "quantity" not in GroupSpec("d", name="g", quantity=1) and "linkable" not in GroupSpec("d", name="g")


def test_from_dict_strict_and_lenient() -> None:
    """One decoder: strict (the loader) refuses an unknown key where it is, lenient (hdmf's build_spec) warns
    and drops it; either spelling of the type keys, sub-specs and dtypes decoded at any depth."""
    d = {"neurodata_type_def": "T", "doc": "t", "groups": [
        {"name": "g", "doc": "g", "datasets": [{"name": "x", "doc": "x", "dtype": [
            {"name": "r", "doc": "r", "dtype": {"target_type": "T", "reftype": "object"}}], "colour": 1}]}]}
    with pytest.raises(SpecError) as e:
        GroupSpec.from_dict(d, strict=True)
    assert e.value.key == "colour" and "a dataset spec" in str(e.value)
    with pytest.warns(UserWarning, match="Unexpected keys"):
        spec = GroupSpec.build_spec(d)
    field = spec.get_group("g").get_dataset("x").dtype[0]
    assert spec.data_type_def == "T" and isinstance(field, DtypeSpec) and isinstance(field.dtype, RefSpec)
    with pytest.raises(SpecError, match="has both"):
        GroupSpec.build_spec({"data_type_def": "T", "neurodata_type_def": "T", "doc": "t"})


def test_deepcopy_of_a_spec_read_as_written_is_equal() -> None:
    """A copy keeps exactly what the file said (no placeholder dims added to a shape-only dataset)."""
    import copy

    spec = spec_from_dict({"data_type_def": "X", "doc": "d", "dtype": "int", "shape": [None]}, "dataset")
    assert copy.deepcopy(spec) == spec and "dims" not in copy.deepcopy(spec)


def test_sub_specs_by_type_follow_the_child_lists() -> None:
    """get_data_type/get_target_type are read from the child lists: a replaced or added child is seen at once."""
    g = GroupSpec("g", data_type_def="G", datasets=[DatasetSpec("a", name="a", data_type_inc="V")],
                  links=[LinkSpec("l", "V")])
    assert g.get_data_type("V").name == "a" and g.get_target_type("V").target_type == "V"
    g.set_dataset(DatasetSpec("b", name="b", data_type_inc="V"))
    assert [s.name for s in g.get_data_type("V")] == ["a", "b"]
    g.set_dataset(DatasetSpec("a2", name="a", data_type_inc="W"))
    assert g.get_data_type("V").name == "b" and g.get_data_type("W").doc == "a2"
    unnamed = DatasetSpec("u", data_type_inc="V")
    g.set_dataset(unnamed)
    assert g.get_data_type("V") is unnamed
    with pytest.raises(SpecError, match="multiple groups/datasets with the same data type"):
        g.set_group(GroupSpec("u2", data_type_inc="V"))
