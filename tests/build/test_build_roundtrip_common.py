"""Every hdmf-common type: container -> builders -> container gives an equal tree."""

from __future__ import annotations

import numpy as np
import pytest

from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder, ReferenceBuilder
from hdmfzarr.build.manager import BuildManager
from hdmfzarr.common import (
    AlignedDynamicTable,
    CSRMatrix,
    DynamicTable,
    DynamicTableRegion,
    ElementIdentifiers,
    SimpleMultiContainer,
    VectorData,
    VectorIndex,
)
from hdmfzarr.container import Container, Data


def roundtrip(type_map, container):
    builder = BuildManager(type_map).build(container)
    back = BuildManager(type_map).construct(builder)
    return builder, back


def make_table(name: str = "table") -> DynamicTable:
    t = DynamicTable(name=name, description="a table")
    t.add_column("x", "floats")
    t.add_column("label", "strings")
    t.add_column("ragged", "ragged ints", index=True)
    t.add_row(x=1.5, label="a", ragged=[1, 2])
    t.add_row(x=2.5, label="b", ragged=[3])
    return t


def test_dynamic_table_roundtrip(type_map, assert_same):
    t = make_table()
    builder, back = roundtrip(type_map, t)
    assert builder.attributes["data_type"] == "DynamicTable"
    assert builder.attributes["namespace"] == "hdmf-common"
    assert builder.attributes["object_id"] == t.object_id
    assert builder.attributes["colnames"] == ["x", "label", "ragged"]
    assert sorted(builder.datasets) == ["id", "label", "ragged", "ragged_index", "x"]
    assert builder.datasets["label"].dtype == "text"
    assert builder.datasets["x"].dtype == "float64"
    idx = builder.datasets["ragged_index"]
    assert isinstance(idx.attributes["target"], ReferenceBuilder)
    assert idx.attributes["target"].target is builder.datasets["ragged"]
    assert type(back) is DynamicTable
    assert back.colnames == ("x", "label", "ragged")
    assert_same(t, back)
    assert back.modified is False
    assert all(c.parent is back for c in back.columns)
    index = next(c for c in back.columns if c.name == "ragged_index")
    assert index.target is next(c for c in back.columns if c.name == "ragged")


def test_empty_dynamic_table_roundtrip(type_map, assert_same):
    t = DynamicTable(name="empty", description="nothing")
    builder, back = roundtrip(type_map, t)
    assert builder.attributes["colnames"] == []
    assert list(builder.datasets) == ["id"]
    assert_same(t, back)


def test_dynamic_table_region_roundtrip(type_map, assert_same):
    target = make_table("target")
    holder = DynamicTable(name="holder", description="refers to target")
    holder.add_column("rows", "rows of target", table=target)
    holder.add_row(rows=1)
    holder.add_row(rows=0)
    root = SimpleMultiContainer(name="root", containers=[target, holder])
    builder, back = roundtrip(type_map, root)
    dtr = builder["holder/rows"]
    assert dtr.attributes["data_type"] == "DynamicTableRegion"
    assert dtr.attributes["table"].target is builder["target"]
    assert_same(root, back)
    rows = back.containers["holder"].columns[0]
    assert isinstance(rows, DynamicTableRegion)
    assert rows.table is back.containers["target"]


def test_aligned_dynamic_table_roundtrip(type_map, assert_same):
    cat = DynamicTable(name="cat1", description="category")
    cat.add_column("a", "column a")
    cat.add_row(a=1)
    cat.add_row(a=2)
    adt = AlignedDynamicTable(name="aligned", description="aligned table", category_tables=[cat])
    builder, back = roundtrip(type_map, adt)
    assert builder.attributes["categories"] == ["cat1"]
    assert builder.groups["cat1"].attributes["data_type"] == "DynamicTable"
    assert type(back) is AlignedDynamicTable
    assert list(back.categories) == ["cat1"]
    assert_same(adt, back)


def test_simple_multi_container_mixed_roundtrip(type_map, assert_same):
    vd = VectorData(name="vd", description="a column", data=np.arange(4, dtype=np.int16))
    plain = Data(name="plain", data=np.array([1.0, 2.0]))
    inner = SimpleMultiContainer(name="inner", containers=[Container(name="leaf")])
    smc = SimpleMultiContainer(name="smc", containers=[vd, plain, inner])
    builder, back = roundtrip(type_map, smc)
    assert sorted(builder.datasets) == ["plain", "vd"]
    assert sorted(builder.groups) == ["inner"]
    assert builder.datasets["vd"].dtype == "int16"  # the data's own width is kept
    assert_same(smc, back)


def test_csr_matrix_roundtrip(type_map, assert_same):
    m = CSRMatrix(data=np.array([1.0, 2.0, 3.0]), indices=np.array([0, 2, 1]), indptr=np.array([0, 2, 3]),
                  shape=(2, 3), name="m")
    root = SimpleMultiContainer(name="root", containers=[m])
    builder, back = roundtrip(type_map, root)
    mb = builder["m"]
    assert isinstance(mb, GroupBuilder)
    assert list(mb.attributes["shape"]) == [2, 3]
    assert sorted(mb.datasets) == ["data", "indices", "indptr"]
    assert mb.datasets["indices"].dtype.startswith("uint")
    assert_same(root, back)


def test_element_identifiers_and_vector_index_standalone(type_map, assert_same):
    ids = ElementIdentifiers(name="ids", data=[5, 6, 7])
    vd = VectorData(name="vals", description="values", data=[1, 2, 3])
    vi = VectorIndex(name="vals_index", data=[1, 3], target=vd)
    root = SimpleMultiContainer(name="root", containers=[ids, vd, vi])
    builder, back = roundtrip(type_map, root)
    assert builder["ids"].dtype == "int64"  # the container's int64 array keeps its width (spec: int32)
    assert builder["vals_index"].attributes["target"].target is builder["vals"]
    assert_same(root, back)
    assert back.containers["vals_index"].target is back.containers["vals"]


def test_build_is_deterministic(type_map):
    t = make_table()

    def dump(b):
        out = []
        for node in b.walk():
            attrs = {k: (v.path if isinstance(v, ReferenceBuilder) else v) for k, v in node.attributes.items()}
            data = getattr(node, "data", None)
            out.append((type(node).__name__, node.path, repr(attrs),
                        None if data is None else np.asarray(data).tolist(), getattr(node, "dtype", None)))
        return out

    assert dump(BuildManager(type_map).build(t)) == dump(BuildManager(type_map).build(t))


def test_dataset_builder_types(type_map):
    t = make_table()
    b = BuildManager(type_map).build(t)
    assert all(isinstance(d, DatasetBuilder) for d in b.datasets.values())
    assert b.datasets["id"].attributes["data_type"] == "ElementIdentifiers"


@pytest.mark.parametrize("cls_name", ["Container", "Data", "SimpleMultiContainer", "VectorData", "VectorIndex",
                                      "ElementIdentifiers", "DynamicTableRegion", "DynamicTable",
                                      "AlignedDynamicTable", "CSRMatrix"])
def test_registered_classes(type_map, cls_name):
    from hdmfzarr.common import COMMON_CLASSES

    assert type_map.get_class(cls_name, "hdmf-common") is COMMON_CLASSES[cls_name]
