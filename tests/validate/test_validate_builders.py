"""Validation rules on builder trees: a good tree has no issues, each broken tree the exact issue."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from hdmfzarr.build.builders import (
    CompoundField,
    DatasetBuilder,
    GroupBuilder,
    LinkBuilder,
    ReferenceBuilder,
)
from hdmfzarr.build.manager import BuildManager
from hdmfzarr.build.typemap import get_type_map
from hdmfzarr.common import AlignedDynamicTable, DynamicTable
from hdmfzarr.errors import ValidationError
from hdmfzarr.spec import (
    AttributeSpec,
    DatasetSpec,
    DtypeSpec,
    GroupSpec,
    LinkSpec,
    NamespaceBuilder,
    NamespaceCatalog,
    RefSpec,
)
from hdmfzarr.validate import ValidationIssue, validate, validate_builder


# ----------------------------------------------------------------------------- hdmf-common trees
_spec = importlib.util.spec_from_file_location("validate_helpers", Path(__file__).with_name("validate_helpers.py"))
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)
_tables = helpers.hdmfzarr_tables


@pytest.fixture
def tree() -> GroupBuilder:
    return BuildManager(get_type_map()).build(_tables())


@pytest.fixture
def catalog():
    return get_type_map().namespace_catalog


def _strs(issues: list[ValidationIssue]) -> list[str]:
    return [str(i) for i in issues]


def test_good_tree_and_container_have_no_issues(tree, catalog):
    assert validate_builder(tree, catalog) == []
    assert validate(_tables()) == []
    assert validate(tree) == []


def test_aligned_table_valid_then_misaligned(catalog):
    cat = DynamicTable(name="cat1", description="category")
    cat.add_column("x", "x")
    cat.add_row(x=1.0)
    cat.add_row(x=2.0)
    adt = AlignedDynamicTable(name="adt", description="aligned", category_tables=[cat])
    adt.add_column("main", "main", data=[1, 2])
    root = BuildManager(get_type_map()).build(adt)
    assert validate_builder(root, catalog) == []
    ids = root["cat1/id"]
    ids.data = np.array([0, 1, 2])
    root["cat1/x"].data = np.array([1.0, 2.0, 3.0])
    assert _strs(validate_builder(root, catalog)) == ["/cat1: rows: expected 2 (aligned with /), found 3"]


def test_issue_string_and_fields():
    issue = ValidationIssue("/people/age", "dtype", "int32 or wider integer", "float64")
    assert str(issue) == "/people/age: dtype: expected int32 or wider integer, found float64"
    assert issue.path == "/people/age" and issue.expected == "int32 or wider integer"
    with pytest.raises(AttributeError):
        issue.path = "/x"  # frozen


def test_missing_required_attribute(tree, catalog):
    del tree["people"].attributes["description"]
    assert _strs(validate_builder(tree, catalog)) == [
        "/people: attribute 'description': expected required text, found nothing"]


def test_missing_required_dataset(tree, catalog):
    del tree["pets"].datasets["id"]
    assert _strs(validate_builder(tree, catalog)) == [
        "/pets/id: dataset: expected required dataset of type ElementIdentifiers, found nothing"]


def test_missing_required_untyped_dataset(tree, catalog):
    del tree["csr_matrix"].datasets["indptr"]
    assert _strs(validate_builder(tree, catalog)) == [
        "/csr_matrix/indptr: dataset: expected required dataset, found nothing"]


def test_dtype_upcast_allowed_and_float_for_int_rejected(tree, catalog):
    tree["people/id"].data = np.arange(3, dtype=np.int64)  # spec int (int32): int64 is wider, fine
    tree["people/tags_index"].data = np.array([2, 3, 3], dtype=np.uint32)  # spec uint8: uint32 fine
    assert validate_builder(tree, catalog) == []
    tree["people/id"].data = np.arange(3, dtype=np.float32)
    tree["people/id"].dtype = None
    assert _strs(validate_builder(tree, catalog)) == [
        "/people/id: dtype: expected int32 or wider integer, found float32"]


def test_signed_index_rejected_for_unsigned_spec(tree, catalog):
    tree["people/tags_index"].data = np.array([2, 3, 3], dtype=np.int64)
    tree["people/tags_index"].dtype = None
    assert _strs(validate_builder(tree, catalog)) == [
        "/people/tags_index: dtype: expected uint8 or wider unsigned integer, found int64"]


def test_text_attribute_given_number(tree, catalog):
    tree["people/age"].attributes["description"] = 12
    assert _strs(validate_builder(tree, catalog)) == [
        "/people/age: attribute 'description' dtype: expected text, found int64"]


def test_attribute_shape(tree, catalog):
    tree["people"].attributes["colnames"] = [["age", "tags"], ["nested", "x"]]
    issues = _strs(validate_builder(tree, catalog))
    assert "/people: attribute 'colnames' shape: expected [any] (num_columns), found [2, 2]" in issues


def test_shape_any_of_several(tree, catalog):
    tree["people/age"].data = np.zeros((3, 2))  # 2-D VectorData is allowed
    assert validate_builder(tree, catalog) == []
    tree["people/age"].data = np.zeros((3, 1, 1, 1, 1))
    assert _strs(validate_builder(tree, catalog)) == [
        "/people/age: shape: expected [any] (dim0) or [any, any] (dim0, dim1) or [any, any, any] "
        "(dim0, dim1, dim2) or [any, any, any, any] (dim0, dim1, dim2, dim3), found [3, 1, 1, 1, 1]"]


def test_reference_target_type(tree, catalog):
    tree["people/tags_index"].attributes["target"] = ReferenceBuilder(tree["pets"])
    issues = _strs(validate_builder(tree, catalog))
    assert issues[0] == ("/people/tags_index: attribute 'target' target: expected VectorData or a subtype, "
                         "found DynamicTable at /pets")


def test_reference_to_subtype_is_fine(tree, catalog):
    # a DynamicTableRegion is a VectorData, so an index may target it
    tree["pets/owner"].attributes["table"] = ReferenceBuilder(tree["people"])
    assert validate_builder(tree, catalog) == []


def test_dangling_reference_by_path(tree, catalog):
    tree["pets/owner"].attributes["table"] = ReferenceBuilder("/nowhere")
    assert _strs(validate_builder(tree, catalog)) == [
        "/pets/owner: attribute 'table' target: expected an object at /nowhere, found nothing"]


def test_column_lengths(tree, catalog):
    tree["people/age"].data = np.array([1, 2])
    tree["people/tags"].data = np.array(["a", "b", "c", "d"], dtype=object)  # flat data: not a row count
    issues = _strs(validate_builder(tree, catalog))
    assert issues == ["/people/age: rows: expected 3 (the length of id), found 2",
                      "/people/tags_index: last value: expected 4 (the length of /people/tags), found 3"]


def test_index_counts_rows(tree, catalog):
    tree["people/tags_index"].data = np.array([2, 3], dtype=np.uint8)
    assert _strs(validate_builder(tree, catalog)) == [
        "/people/tags: rows: expected 3 (the length of id), found 2 (rows counted by its index)"]


def test_doubly_ragged_counts_outer_index(tree, catalog):
    outer = tree["people/nested_index_index"]
    outer.data = np.array([2, 3, 3, 3], dtype=np.uint8)
    assert _strs(validate_builder(tree, catalog)) == [
        "/people/nested: rows: expected 3 (the length of id), found 4 (rows counted by its index)"]


def test_index_not_monotonic(tree, catalog):
    tree["people/tags_index"].data = np.array([2, 1, 3], dtype=np.uint8)
    assert _strs(validate_builder(tree, catalog)) == [
        "/people/tags_index: monotonic: expected non-decreasing values, found 1 at element 1 after 2"]


def test_index_last_value(tree, catalog):
    tree["people/tags_index"].data = np.array([2, 3, 5], dtype=np.uint8)
    assert _strs(validate_builder(tree, catalog)) == [
        "/people/tags_index: last value: expected 3 (the length of /people/tags), found 5"]


def test_region_out_of_range(tree, catalog):
    tree["pets/owner"].data = np.array([3, 0])
    assert _strs(validate_builder(tree, catalog)) == [
        "/pets/owner: region: expected row indices in 0..2 (rows of /people), found 3 at element 0"]
    tree["pets/owner"].data = np.array([0, -1])
    assert _strs(validate_builder(tree, catalog)) == [
        "/pets/owner: region: expected row indices in 0..2 (rows of /people), found -1 at element 1"]


def test_colnames_names_missing_column(tree, catalog):
    tree["pets"].attributes["colnames"] = ["owner", "ghost"]
    assert _strs(validate_builder(tree, catalog)) == [
        "/pets/ghost: column: expected a dataset named in colnames, found nothing"]


def test_unknown_type(tree, catalog):
    tree["people/age"].attributes["data_type"] = "NoSuchType"
    issues = _strs(validate_builder(tree, catalog))
    assert ("/people/age: data type: expected a type defined in namespace 'hdmf-common', "
            "found unknown type 'NoSuchType'") in issues


def test_raise_on_error(tree):
    del tree["people"].attributes["description"]
    with pytest.raises(ValidationError) as info:
        validate(tree, raise_on_error=True)
    assert len(info.value.errors) == 1 and "/people" in str(info.value)


# ----------------------------------------------------------------------------- extension specs
@pytest.fixture(scope="module")
def ext_catalog(tmp_path_factory):
    """A small extension namespace exercising quantities, links, refs, compounds and isodatetime."""
    out = tmp_path_factory.mktemp("ext")
    thing = GroupSpec(
        doc="a thing", data_type_def="Thing", data_type_inc="Container",
        attributes=[AttributeSpec("when", "a time", "isodatetime", required=False),
                    AttributeSpec("pair", "two ints", "int", shape=[2], required=False),
                    AttributeSpec("kind", "fixed", "text", value="thing")],
    )
    special = GroupSpec(doc="a special thing", data_type_def="SpecialThing", data_type_inc="Thing")
    holder = GroupSpec(
        doc="holds things", data_type_def="Holder", data_type_inc="Container",
        groups=[GroupSpec(doc="settings", name="meta",
                          datasets=[DatasetSpec(doc="start", name="start", dtype="isodatetime")]),
                GroupSpec(doc="things", data_type_inc="Thing", quantity=2)],
        datasets=[
            DatasetSpec(doc="refs", name="refs", dtype=RefSpec("Thing"), shape=[None], quantity="?"),
            DatasetSpec(doc="records", name="records", quantity="?",
                        dtype=[DtypeSpec("idx", "an index", "int32"), DtypeSpec("thing", "ref", RefSpec("Thing"))]),
            DatasetSpec(doc="a flag", name="flag", dtype="bool", quantity="?", linkable=False),
        ],
        links=[LinkSpec(doc="favourite", target_type="Thing", name="favourite", quantity="?")],
    )
    return _ext_catalog(out, "vext", thing, special, holder)


def _ext_catalog(folder: Path, name: str, *specs: GroupSpec | DatasetSpec) -> NamespaceCatalog:
    """hdmf-common plus the namespace ``name`` of ``specs``, exported to ``folder`` and loaded back."""
    nb = NamespaceBuilder(doc="test ext", name=name, version="0.1.0")
    nb.include_namespace("hdmf-common")
    for spec in specs:
        nb.add_spec(f"{name}.extensions.yaml", spec)
    nb.export(f"{name}.namespace.yaml", outdir=folder)
    cat = NamespaceCatalog()
    from hdmfzarr.spec import default_namespace_path

    cat.load_namespaces(default_namespace_path())
    cat.load_namespaces(folder / f"{name}.namespace.yaml")
    return cat


def _typed(name: str, dt: str, **attrs) -> GroupBuilder:
    return GroupBuilder(name, attributes={"namespace": "vext", "data_type": dt, **attrs})


@pytest.fixture
def holder() -> GroupBuilder:
    root = _typed("root", "Holder")
    meta = root.set_group(GroupBuilder("meta"))
    meta.set_dataset(DatasetBuilder("start", "2024-01-02T03:04:05+00:00", dtype="isodatetime"))
    a = root.set_group(_typed("a", "Thing", when="2024-01-01"))
    root.set_group(_typed("b", "SpecialThing", pair=[1, 2]))
    root.set_dataset(DatasetBuilder("refs", [ReferenceBuilder(a), ReferenceBuilder(root["b"])], dtype="object"))
    root.set_dataset(DatasetBuilder("records", [(0, ReferenceBuilder(a))],
                                    dtype=[CompoundField("idx", "int64"), CompoundField("thing", "object")]))
    root.set_link(LinkBuilder(a, name="favourite"))
    return root


def test_extension_tree_valid(holder, ext_catalog):
    assert validate_builder(holder, ext_catalog) == []


def test_missing_required_group(holder, ext_catalog):
    del holder.groups["meta"]
    assert _strs(validate_builder(holder, ext_catalog)) == [
        "/meta: group: expected required group, found nothing"]


def test_quantity_too_few_and_too_many(holder, ext_catalog):
    holder.set_group(_typed("c", "Thing"))
    assert _strs(validate_builder(holder, ext_catalog)) == [
        "/: quantity of group of type Thing: expected 2, found 3"]
    del holder.groups["c"]
    del holder.groups["b"]
    holder.datasets["refs"].data = [ReferenceBuilder(holder["a"])]
    assert _strs(validate_builder(holder, ext_catalog)) == [
        "/: quantity of group of type Thing: expected 2, found 1"]


def test_isodatetime_dataset_and_attribute(holder, ext_catalog):
    holder["meta/start"].data = "not a date"
    holder["a"].attributes["when"] = "13/13/2024"
    assert _strs(validate_builder(holder, ext_catalog)) == [
        "/meta/start: isodatetime: expected ISO 8601 date/time text, found 'not a date'",
        "/a: attribute 'when': expected ISO 8601 date/time text, found '13/13/2024'",
    ]


def test_numeric_where_isodatetime_expected(holder, ext_catalog):
    holder["meta/start"].data = np.float64(3.5)
    holder["meta/start"].dtype = None
    assert _strs(validate_builder(holder, ext_catalog)) == [
        "/meta/start: dtype: expected isodatetime (ISO 8601 text), found float64"]


def test_bool_expected(holder, ext_catalog):
    holder.set_dataset(DatasetBuilder("flag", np.array(1, dtype=np.int8)))
    assert _strs(validate_builder(holder, ext_catalog)) == ["/flag: dtype: expected bool, found int8"]


def test_fixed_attribute_shape(holder, ext_catalog):
    holder["b"].attributes["pair"] = [1, 2, 3]
    assert _strs(validate_builder(holder, ext_catalog)) == [
        "/b: attribute 'pair' shape: expected [2] (dim_0), found [3]"]  # specs built in code get hdmf's placeholder dims


def test_link_target_type(holder, ext_catalog):
    holder.links["favourite"].target = holder["meta"]
    assert _strs(validate_builder(holder, ext_catalog)) == [
        "/favourite: link target: expected Thing or a subtype, found untyped group at /meta"]


def test_link_to_subtype_is_fine(holder, ext_catalog):
    holder.links["favourite"].target = holder["b"]
    assert validate_builder(holder, ext_catalog) == []


def test_dataset_reference_target_type(holder, ext_catalog):
    holder["refs"].data = [ReferenceBuilder(holder["a"]), ReferenceBuilder(holder["meta"])]
    assert _strs(validate_builder(holder, ext_catalog)) == [
        "/refs: reference target (element 1): expected Thing or a subtype, found untyped group at /meta"]


def test_dataset_reference_by_path_string(holder, ext_catalog):
    holder["refs"].data = [ReferenceBuilder("/a"), ReferenceBuilder("/b")]
    assert validate_builder(holder, ext_catalog) == []
    holder["refs"].data = [ReferenceBuilder("/a"), ReferenceBuilder("/gone")]
    assert _strs(validate_builder(holder, ext_catalog)) == [
        "/refs: reference target (element 1): expected an object at /gone, found nothing"]


def test_reference_dataset_holding_numbers(holder, ext_catalog):
    holder["refs"].data = np.array([1, 2])
    holder["refs"].dtype = None
    assert _strs(validate_builder(holder, ext_catalog)) == [
        "/refs: dtype: expected object reference to Thing, found int64"]


def test_compound_reference_field(holder, ext_catalog):
    holder["records"].data = [(0, ReferenceBuilder(holder["a"])), (1, ReferenceBuilder(holder["meta"]))]
    assert _strs(validate_builder(holder, ext_catalog)) == [
        "/records: compound field 'thing' target (element 1): expected Thing or a subtype, "
        "found untyped group at /meta"]


def test_compound_field_dtype_and_missing_field(holder, ext_catalog):
    holder["records"].dtype = [CompoundField("idx", "float64"), CompoundField("thing", "object")]
    assert _strs(validate_builder(holder, ext_catalog)) == [
        "/records: compound field 'idx' dtype: expected int32 or wider integer, found float64"]
    holder["records"].dtype = [CompoundField("idx", "int32")]
    holder["records"].data = [(0,)]
    assert _strs(validate_builder(holder, ext_catalog)) == [
        "/records: compound field 'thing': expected object reference to Thing, found no such field"]


def test_wrong_child_type(tree, catalog):
    tree["people/id"].attributes["data_type"] = "VectorData"
    tree["people/id"].attributes["description"] = "ids"
    assert _strs(validate_builder(tree, catalog)) == [
        "/people/id: data type: expected ElementIdentifiers or a subtype, found VectorData"]


def test_untyped_child_where_type_expected(tree, catalog):
    for key in ("data_type", "namespace", "object_id"):
        tree["people/id"].attributes.pop(key)
    assert _strs(validate_builder(tree, catalog)) == [
        "/people/id: data type: expected ElementIdentifiers or a subtype, found untyped dataset"]


def test_group_where_dataset_expected(holder, ext_catalog):
    del holder.datasets["refs"]
    holder.set_group(GroupBuilder("refs"))
    assert _strs(validate_builder(holder, ext_catalog)) == ["/refs: kind: expected a dataset, found a group"]


def test_namespace_argument_forces_lookup(holder, ext_catalog):
    for node in holder.walk():
        node.attributes.pop("namespace", None)
    assert validate_builder(holder, ext_catalog, namespace="vext") == []


def test_top_level_name_is_callable_whatever_was_imported(tree):
    import hdmfzarr
    import hdmfzarr.validate as package

    assert hdmfzarr.validate(tree) == [] and package(tree) == []


def test_vector_data_outside_colnames_need_not_align(tree, catalog):
    from hdmfzarr.build.builders import DatasetBuilder as DB

    extra = DB("color_elements", np.array(["red", "green", "blue", "cyan"], dtype=object), dtype="text",
               attributes={"namespace": "hdmf-common", "data_type": "VectorData", "description": "enum values"})
    tree["people"].set_dataset(extra)
    assert validate_builder(tree, catalog) == []
    tree["people"].attributes["colnames"] = ["age", "tags", "nested", "color_elements"]
    assert [str(i) for i in validate_builder(tree, catalog)] == [
        "/people/color_elements: rows: expected 3 (the length of id), found 4"]


def test_fixed_attribute_value(holder, ext_catalog):
    holder["a"].attributes["kind"] = "thing"
    assert validate_builder(holder, ext_catalog) == []
    holder["a"].attributes["kind"] = "other"
    assert _strs(validate_builder(holder, ext_catalog)) == [
        "/a: attribute 'kind' value: expected 'thing', found 'other'"]


def test_link_where_not_linkable(holder, ext_catalog):
    other = holder.set_group(GroupBuilder("store"))
    flag = other.set_dataset(DatasetBuilder("flag_source", np.bool_(True)))
    holder.set_link(LinkBuilder(flag, name="flag"))
    assert _strs(validate_builder(holder, ext_catalog)) == [
        "/flag: link: expected a stored dataset (not linkable), found a link"]



def _box_catalog(folder: Path) -> NamespaceCatalog:
    """hdmf-common plus 'rext': a typed dataset of references (RefList) that a Box holds by name."""
    reflist = DatasetSpec(doc="refs to things", data_type_def="RefList", dtype=RefSpec("Container"), shape=[None])
    box = GroupSpec(doc="a box", data_type_def="Box", data_type_inc="Container",
                    datasets=[DatasetSpec(doc="its refs", data_type_inc="RefList", name="refs")],
                    groups=[GroupSpec(doc="a thing", data_type_inc="Container", quantity="*")])
    return _ext_catalog(folder, "rext", reflist, box)


def _box(data: object) -> GroupBuilder:
    root = GroupBuilder("root", attributes={"namespace": "rext", "data_type": "Box"})
    thing = root.set_group(GroupBuilder("t", attributes={"namespace": "hdmf-common", "data_type": "Container"}))
    plain1, plain2 = root.set_group(GroupBuilder("p1")), root.set_group(GroupBuilder("p2"))
    if data is None:
        data = [ReferenceBuilder(thing), ReferenceBuilder(plain1), ReferenceBuilder(plain2)]
    root.set_dataset(DatasetBuilder("refs", data, dtype="object",
                                    attributes={"namespace": "rext", "data_type": "RefList"}))
    return root


def test_typed_reference_dataset_checked_twice_reports_its_first_bad_element_once(tmp_path):
    """A typed dataset of references is checked as its own type and again under its parent's sub-spec: both
    stop at the same first bad element (the second pass once went on and reported element 2 as well)."""
    assert _strs(validate_builder(_box(None), _box_catalog(tmp_path))) == [
        "/refs: reference target (element 1): expected Container or a subtype, found untyped group at /p1"]


def test_unreadable_dataset_is_read_once_and_reported_once(tmp_path):
    """Data that fails to read is reported once and not read again when the dataset is checked again."""
    class Broken:
        shape = (2,)
        dtype = np.dtype(object)
        reads = 0

        def read(self) -> None:
            Broken.reads += 1
            raise OSError("disk gone")

    issues = _strs(validate_builder(_box(Broken()), _box_catalog(tmp_path)))
    assert issues == ["/refs: data: expected readable data, found error disk gone"] and Broken.reads == 1
