"""BuildManager on builders shaped like a store's: string-path references, links, lazy reference data, errors."""

from __future__ import annotations

import numpy as np
import pytest

from hdmfzarr.build.builders import (
    DatasetBuilder,
    ExternalTarget,
    GroupBuilder,
    LinkBuilder,
    ReferenceBuilder,
)
from hdmfzarr.build.lazyrefs import ReferenceArray
from hdmfzarr.build.manager import BuildManager
from hdmfzarr.common import DynamicTable, SimpleMultiContainer, VectorData, VectorIndex
from hdmfzarr.errors import BuildError, ConstructError, DanglingReferenceError


def typed(ns: str, dt: str, oid: str, **attrs):
    return {"namespace": ns, "data_type": dt, "object_id": oid, **attrs}


class CountingArray:
    """A stand-in for a backend's lazy array: counts element reads."""

    def __init__(self, items):
        self._items = list(items)
        self.reads = 0
        self.shape = (len(self._items),)
        self.dtype = np.dtype(object)

    def __len__(self):
        return len(self._items)

    def __getitem__(self, item):
        got = self._items[item]
        self.reads += len(got) if isinstance(got, list) else 1
        return got


def store_tree(ref_data):
    """A SimpleMultiContainer holding a table and a 'refs' VectorData of references, as a reader makes it."""
    table = GroupBuilder("table", attributes=typed("hdmf-common", "DynamicTable", "oid-t",
                                                   description="t", colnames=["a"]))
    table.set_dataset(DatasetBuilder("id", data=np.arange(2), dtype="int64",
                                     attributes=typed("hdmf-common", "ElementIdentifiers", "oid-id")))
    table.set_dataset(DatasetBuilder("a", data=np.array([1.0, 2.0]), dtype="float64",
                                     attributes=typed("hdmf-common", "VectorData", "oid-a", description="col a")))
    root = GroupBuilder("root", attributes=typed("hdmf-common", "SimpleMultiContainer", "oid-root"))
    root.set_group(table)
    root.set_dataset(DatasetBuilder("refs", data=ref_data, dtype="object",
                                    attributes=typed("hdmf-common", "VectorData", "oid-refs", description="refs")))
    return root


def test_string_path_references_resolve_lazily(type_map):
    lazy = CountingArray([ReferenceBuilder("/table/a"), ReferenceBuilder("/table"), ReferenceBuilder("/table/a")])
    root = store_tree(lazy)
    back = BuildManager(type_map).construct(root)
    refs = back.containers["refs"]
    assert isinstance(refs.data, ReferenceArray)
    assert lazy.reads == 0  # nothing read at construct time
    table = back.containers["table"]
    assert refs.data[1] is table
    assert lazy.reads == 1
    assert refs.data[0] is table.columns[0]
    assert [c.name for c in refs.data[0:3]] == ["a", "table", "a"]
    assert table.object_id == "oid-t" and table.columns[0].object_id == "oid-a"
    assert back.modified is False


def test_dangling_reference_names_the_path(type_map):
    root = store_tree([ReferenceBuilder("/table/missing")])
    with pytest.raises(DanglingReferenceError, match="/table/missing"):
        BuildManager(type_map).construct(root)


def test_attribute_reference_by_path_and_link_to_builder(type_map):
    root = store_tree([ReferenceBuilder("/table")])
    a = root["table/a"]
    idx = DatasetBuilder("a_index", data=np.array([1, 2]), dtype="uint8",
                         attributes=typed("hdmf-common", "VectorIndex", "oid-ai", description="idx",
                                          target=ReferenceBuilder("/table/a")))
    root["table"].set_dataset(idx)
    root.set_link(LinkBuilder(a, name="linked_a"))
    back = BuildManager(type_map).construct(root)
    table = back.containers["table"]
    index = next(c for c in table.columns if c.name == "a_index")
    assert isinstance(index, VectorIndex)
    a_col = next(c for c in table.columns if c.name == "a")  # hdmf's order with colnames: index, then data
    assert index.target is a_col
    assert back.containers["a"] is a_col  # a link constructs its (shared) target
    assert a_col.parent is table


def test_external_target_needs_a_resolver(type_map):
    root = store_tree([ReferenceBuilder(ExternalTarget("other.zarr", "/x"))])
    with pytest.raises(DanglingReferenceError, match="other.zarr"):
        BuildManager(type_map).construct(root)

    other = DatasetBuilder("x", data=np.arange(3), dtype="int64",
                           attributes=typed("hdmf-common", "VectorData", "oid-x", description="x"))
    GroupBuilder("other_root").set_dataset(other)
    mgr = BuildManager(type_map, resolve_external=lambda t: other)
    back = mgr.construct(store_tree([ReferenceBuilder(ExternalTarget("other.zarr", "/x"))]))
    assert back.containers["refs"].data[0].object_id == "oid-x"


def test_missing_required_field_is_construct_error(type_map):
    root = GroupBuilder("root", attributes=typed("hdmf-common", "SimpleMultiContainer", "oid-root"))
    root.set_dataset(DatasetBuilder("v", data=[1, 2], attributes=typed("hdmf-common", "VectorData", "oid-v")))
    with pytest.raises(ConstructError, match=r"/v.*VectorData.*description"):
        BuildManager(type_map).construct(root)


def test_untyped_builder_is_construct_error(type_map):
    with pytest.raises(ConstructError, match="expected a typed object"):
        BuildManager(type_map).construct(GroupBuilder("plain"))


def test_memoised_construct_returns_same_objects(type_map):
    root = store_tree([ReferenceBuilder("/table")])
    mgr = BuildManager(type_map)
    first = mgr.construct(root)
    assert mgr.construct(root) is first
    assert mgr.construct(root["table"]) is first.containers["table"]


def test_link_to_container_outside_tree_raises(type_map):
    outside = VectorData(name="outside", description="not in the tree", data=[1])
    inner = SimpleMultiContainer(name="inner", containers=[outside])
    root = SimpleMultiContainer(name="root")
    root.add_container(outside)  # keeps its parent 'inner', which is not part of the tree: a link
    assert outside.parent is inner
    with pytest.raises(BuildError, match="inner/outside"):
        BuildManager(type_map).build(root)


def test_child_with_foreign_parent_becomes_link(type_map):
    table = DynamicTable(name="table", description="t")
    table.add_column("a", "a")
    table.add_row(a=1)
    col = table.columns[0]
    root = SimpleMultiContainer(name="root", containers=[table])
    root.add_container(col)  # the column, owned by the table, also listed here
    b = BuildManager(type_map).build(root)
    link = b.links["a"]
    assert isinstance(link, LinkBuilder)
    assert link.target is b["table/a"]


def test_root_must_be_group(type_map):
    with pytest.raises(BuildError, match="root must be a group"):
        BuildManager(type_map).build(VectorData(name="v", description="d", data=[1]))


def test_unregistered_class_is_build_error(type_map):
    class Stranger:
        name = "x"
        object_id = "1"
        parent = None

    with pytest.raises(BuildError, match="Stranger"):
        BuildManager(type_map).build(Stranger())


def test_self_referencing_region_column(type_map, assert_same):
    t = DynamicTable(name="t", description="rows pointing at rows of the same table")
    t.add_column("x", "x")
    t.add_row(x=1)
    t.add_row(x=2)
    t.add_column("other", "another row of this table", table=t, data=[1, 0])
    b = BuildManager(type_map).build(t)
    assert b.datasets["other"].attributes["table"].target is b
    back = BuildManager(type_map).construct(b)
    other = next(c for c in back.columns if c.name == "other")
    assert other.table is back
    assert back.modified is False
    assert_same(t, back)


def test_wrong_child_type_is_build_error(type_map):
    t = DynamicTable(name="t", description="d")
    spec_id = next(d for d in type_map.get_mapper(t).spec.datasets if d.name == "id")
    assert spec_id.data_type_inc == "ElementIdentifiers"
    t.id = VectorData(name="id", description="not ids", data=[])  # a VectorData where ElementIdentifiers belongs
    with pytest.raises(BuildError, match="ElementIdentifiers"):
        BuildManager(type_map).build(t)


def test_dataio_and_lazy_arrays_pass_through(type_map):
    from hdmfzarr.dataio import DataIO

    wrapped = DataIO(np.arange(4, dtype=np.int32), chunks=(2,))
    lazy = CountingArray([1, 2, 3])
    lazy.dtype = np.dtype("float64")
    smc = SimpleMultiContainer(name="root", containers=[
        VectorData(name="w", description="wrapped", data=wrapped),
        VectorData(name="l", description="lazy", data=lazy),
    ])
    b = BuildManager(type_map).build(smc)
    assert b.datasets["w"].data is wrapped and b.datasets["w"].dtype == "int32"
    assert b.datasets["l"].data is lazy and b.datasets["l"].dtype == "float64"
    assert lazy.reads == 0


def test_stored_dtype_contradicting_spec_is_construct_error(type_map):
    root = GroupBuilder("root", attributes=typed("hdmf-common", "SimpleMultiContainer", "oid-root"))
    root.set_dataset(DatasetBuilder("ids", data=["a", "b"], dtype="text",
                                    attributes=typed("hdmf-common", "ElementIdentifiers", "oid-ids")))
    with pytest.raises(ConstructError, match=r"/ids: expected 'int32' data by the spec, found 'text'"):
        BuildManager(type_map).construct(root)


def test_reference_attribute_with_plain_value_is_construct_error(type_map):
    root = store_tree([ReferenceBuilder("/table")])
    root["table"].set_dataset(DatasetBuilder("a_index", data=np.array([1, 2]), dtype="uint8",
                              attributes=typed("hdmf-common", "VectorIndex", "oid-ai", description="idx",
                                               target="/table/a")))
    with pytest.raises(ConstructError, match="/table/a_index.*expected a reference"):
        BuildManager(type_map).construct(root)


def test_read_tree_builds_again_with_references(type_map):
    lazy = CountingArray([ReferenceBuilder("/table/a"), ReferenceBuilder("/table")])
    back = BuildManager(type_map).construct(store_tree(lazy))
    again = BuildManager(type_map).build(back)
    refs = again.datasets["refs"]
    assert refs.dtype == "object"
    assert [r.target for r in refs.data] == [again["table/a"], again["table"]]
    assert again["table"].attributes["object_id"] == "oid-t"


def test_lazy_reference_to_object_outside_constructed_subtree(type_map):
    """Constructing only a sub-tree: a lazily resolved target elsewhere still gets its id and is unmodified."""
    root = store_tree(CountingArray([ReferenceBuilder("/table")]))
    mgr = BuildManager(type_map)
    refs = mgr.construct(root["refs"])
    table = refs.data[0]
    assert table.object_id == "oid-t"
    assert table.modified is False
    assert table.columns[0].parent is table


def test_dataset_of_references_to_its_own_ancestor(type_map):
    """A column holding references to the table that contains it: resolved on access (a cycle)."""
    t = DynamicTable(name="t", description="self references")
    t.add_column("x", "x")
    t.add_row(x=1)
    t.add_column("me", "refs to the table", data=[t])
    b = BuildManager(type_map).build(t)
    assert b.datasets["me"].data[0].target is b
    back = BuildManager(type_map).construct(b)
    me = next(c for c in back.columns if c.name == "me")
    assert isinstance(me.data, ReferenceArray)
    assert me.data[0] is back
