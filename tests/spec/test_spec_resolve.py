"""Inheritance resolution: merged attributes/datasets/groups/links, refinement rules and their errors."""

from __future__ import annotations

import pytest

from hdmfzarr.errors import SpecError
from hdmfzarr.spec import DatasetSpec, GroupSpec, NamespaceCatalog, RefSpec

BASE = {
    "datasets": [
        {"data_type_def": "Data", "doc": "base data"},
        {"data_type_def": "Vec", "data_type_inc": "Data", "doc": "vector", "dtype": "numeric",
         "dims": [["n"], ["n", "m"]], "shape": [[None], [None, None]],
         "attributes": [{"name": "description", "doc": "d", "dtype": "text"}]},
        {"data_type_def": "Ids", "data_type_inc": "Data", "doc": "ids", "dtype": "int", "default_name": "ids",
         "dims": ["k"], "shape": [None], "attributes": [{"name": "unit", "doc": "u", "dtype": "text",
                                                         "required": False, "default_value": "none"}]},
    ],
    "groups": [
        {"data_type_def": "Base", "doc": "base", "attributes": [
            {"name": "comment", "doc": "c", "dtype": "text", "required": False},
            {"name": "rate", "doc": "r", "dtype": "float"}],
         "datasets": [
             {"name": "data", "doc": "the data", "dtype": "numeric", "dims": [["t"], ["t", "c"]],
              "shape": [[None], [None, None]], "attributes": [{"name": "conversion", "doc": "c",
                                                               "dtype": "float32", "default_value": 1.0}]},
             {"name": "timestamps", "doc": "ts", "dtype": "float64", "quantity": "?"},
             {"name": "ids", "data_type_inc": "Ids", "doc": "row ids"},
             {"data_type_inc": "Vec", "doc": "columns", "quantity": "*"}],
         "groups": [{"name": "meta", "doc": "m", "quantity": "?"}],
         "links": [{"name": "source", "doc": "s", "target_type": "Base", "quantity": "?"}]},
        {"data_type_def": "Child", "data_type_inc": "Base", "doc": "child", "attributes": [
            {"name": "rate", "doc": "refined rate", "dtype": "double"}],
         "datasets": [{"name": "data", "doc": "refined", "dtype": "int16", "dims": ["t"], "shape": [None]},
                      {"name": "extra", "doc": "new", "dtype": "text"}]},
        {"data_type_def": "GrandChild", "data_type_inc": "Child", "doc": "gc"},
    ],
}


@pytest.fixture
def catalog(make_namespace, write_schema) -> NamespaceCatalog:
    path = write_schema([make_namespace()], {"test.yaml": BASE})
    cat = NamespaceCatalog()
    cat.load_namespaces(path)
    return cat


def test_child_gets_parent_subspecs_merged(catalog: NamespaceCatalog) -> None:
    child = catalog.get_spec("test", "Child")
    assert isinstance(child, GroupSpec)
    assert [a.name for a in child.attributes] == ["rate", "comment"]  # own first, then inherited (hdmf)
    assert child.get_attribute("rate").dtype == "double"  # kept as written
    assert child.get_attribute("rate").doc == "refined rate"
    assert [d.name for d in child.datasets] == ["data", "extra", "timestamps", "ids", None]
    data = child.get_dataset("data")
    assert data.dtype == "int16" and data.doc == "refined" and data.shape == [None] and data.dims == ["t"]
    assert data.get_attribute("conversion").default_value == 1.0  # inherited sub-attribute
    assert data.parent is child
    assert child.get_dataset("timestamps").quantity == "?"
    assert child.get_group("meta") is not None and child.get_link("source").target_type == "Base"


def test_grandchild_and_hierarchy(catalog: NamespaceCatalog) -> None:
    gc = catalog.get_spec("test", "GrandChild")
    assert gc.data_type_def == "GrandChild" and gc.data_type_inc == "Child"
    assert gc.get_dataset("extra").dtype == "text"
    assert gc.get_dataset("data").dtype == "int16"
    assert catalog.get_hierarchy("test", "GrandChild") == ("GrandChild", "Child", "Base")
    assert catalog.is_sub_data_type("test", "GrandChild", "Base")
    assert not catalog.is_sub_data_type("test", "Base", "Child")


def test_typed_subspec_merged_with_included_type(catalog: NamespaceCatalog) -> None:
    base = catalog.get_spec("test", "Base")
    ids = base.get_dataset("ids")
    assert ids.data_type_inc == "Ids" and ids.dtype == "int" and ids.dims == ["k"]
    assert ids.get_attribute("unit").default_value == "none"
    cols = base.get_data_types("Vec")
    assert len(cols) == 1 and cols[0].get_attribute("description") is not None and cols[0].is_many()


def test_dataset_type_inherits_dtype_shape_and_default_name(catalog: NamespaceCatalog) -> None:
    vec = catalog.get_spec("test", "Vec")
    assert isinstance(vec, DatasetSpec) and vec.dtype == "numeric"
    assert catalog.get_spec("test", "Ids").default_name == "ids"


def test_resolution_is_cached(catalog: NamespaceCatalog) -> None:
    assert catalog.get_spec("test", "Child") is catalog.get_spec("test", "Child")


def _load_bad(make_namespace, write_schema, groups: list, datasets: list | None = None) -> SpecError:
    content = {"groups": groups}
    if datasets:
        content["datasets"] = datasets
    path = write_schema([make_namespace()], {"test.yaml": content})
    with pytest.raises(SpecError) as e:
        NamespaceCatalog().load_namespaces(path)
    return e.value


def test_dtype_widening_to_other_kind_is_refused(make_namespace, write_schema) -> None:
    err = _load_bad(make_namespace, write_schema, [
        {"data_type_def": "P", "doc": "p", "datasets": [{"name": "x", "doc": "x", "dtype": "int32"}]},
        {"data_type_def": "C", "data_type_inc": "P", "doc": "c", "datasets": [{"name": "x", "doc": "x",
                                                                              "dtype": "float"}]}])
    assert err.data_type == "C" and err.key == "datasets/x/dtype"
    assert "Cannot extend int32 to float" in str(err)


def test_narrowing_precision_is_refused(make_namespace, write_schema) -> None:
    err = _load_bad(make_namespace, write_schema, [
        {"data_type_def": "P", "doc": "p", "attributes": [{"name": "a", "doc": "a", "dtype": "float64"}]},
        {"data_type_def": "C", "data_type_inc": "P", "doc": "c", "attributes": [{"name": "a", "doc": "a",
                                                                                "dtype": "float32"}]}])
    assert err.data_type == "C" and err.key == "attributes/a/dtype"


def test_incompatible_shape_is_refused(make_namespace, write_schema) -> None:
    err = _load_bad(make_namespace, write_schema, [
        {"data_type_def": "P", "doc": "p", "datasets": [{"name": "x", "doc": "x", "shape": [None, 3]}]},
        {"data_type_def": "C", "data_type_inc": "P", "doc": "c", "datasets": [{"name": "x", "doc": "x",
                                                                              "shape": [None, 4]}]}])
    assert err.data_type == "C" and err.key == "datasets/x/shape"


def test_group_cannot_inherit_from_dataset(make_namespace, write_schema) -> None:
    err = _load_bad(make_namespace, write_schema, [{"data_type_def": "G", "data_type_inc": "D", "doc": "g"}],
                    [{"data_type_def": "D", "doc": "d"}])
    assert err.data_type == "G" and "cannot refine or include" in str(err)


def test_subspec_type_must_be_a_subtype(make_namespace, write_schema) -> None:
    err = _load_bad(make_namespace, write_schema, [
        {"data_type_def": "A", "doc": "a"}, {"data_type_def": "B", "doc": "b"},
        {"data_type_def": "P", "doc": "p", "groups": [{"name": "x", "data_type_inc": "A", "doc": "x"}]},
        {"data_type_def": "C", "data_type_inc": "P", "doc": "c",
         "groups": [{"name": "x", "data_type_inc": "B", "doc": "x"}]}])
    assert err.data_type == "C" and err.key == "groups/x" and "does not inherit from 'A'" in str(err)


def test_compound_refinement(make_namespace, write_schema) -> None:
    path = write_schema([make_namespace()], {"test.yaml": {"datasets": [
        {"data_type_def": "T", "doc": "t", "dtype": [{"name": "a", "doc": "a", "dtype": "int8"},
                                                    {"name": "r", "doc": "r", "dtype": {"target_type": "T",
                                                                                        "reftype": "object"}}]},
        {"data_type_def": "U", "data_type_inc": "T", "doc": "u",
         "dtype": [{"name": "a", "doc": "a", "dtype": "int32"}, {"name": "b", "doc": "b", "dtype": "text"}]},
    ]}})
    cat = NamespaceCatalog()
    cat.load_namespaces(path)
    u = cat.get_spec("test", "U")
    assert [(f.name, f.dtype) for f in u.dtype] == [("a", "int32"), ("r", RefSpec("T")), ("b", "text")]


def test_reference_target_must_narrow(make_namespace, write_schema) -> None:
    err = _load_bad(make_namespace, write_schema, [
        {"data_type_def": "A", "doc": "a"}, {"data_type_def": "B", "doc": "b"},
        {"data_type_def": "P", "doc": "p", "attributes": [{"name": "r", "doc": "r", "dtype": {
            "target_type": "A", "reftype": "object"}}]},
        {"data_type_def": "C", "data_type_inc": "P", "doc": "c", "attributes": [{"name": "r", "doc": "r", "dtype": {
            "target_type": "B", "reftype": "object"}}]}])
    assert err.data_type == "C" and err.key == "attributes/r/dtype"


def test_unknown_link_target_is_refused(make_namespace, write_schema) -> None:
    err = _load_bad(make_namespace, write_schema, [{"data_type_def": "P", "doc": "p", "links": [
        {"name": "l", "doc": "l", "target_type": "Nowhere"}]}])
    assert err.data_type == "P" and "Nowhere" in str(err) and err.key == "links/l/target_type"


def test_containment_cycle_is_fine(make_namespace, write_schema) -> None:
    path = write_schema([make_namespace()], {"test.yaml": {"groups": [
        {"data_type_def": "Table", "doc": "t", "groups": [{"data_type_inc": "Sub", "doc": "s", "quantity": "*"}]},
        {"data_type_def": "Sub", "data_type_inc": "Table", "doc": "sub"}]}})
    cat = NamespaceCatalog()
    cat.load_namespaces(path)
    sub = cat.get_spec("test", "Sub")
    assert sub.get_data_type("Sub").quantity == "*"
