"""assert_container_equal and the package's import hygiene / registry."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from hdmfzarr.common import COMMON_CLASSES, CSRMatrix, DynamicTable, ElementIdentifiers, VectorData, VectorIndex
from hdmfzarr.common.testing import assert_container_equal


def build(names=("a", "b"), scores=((1.0,), ())) -> DynamicTable:
    t = DynamicTable(name="t", description="d")
    t.add_column("name", "names", dtype="text")
    t.add_column("scores", "ragged", dtype="float64", index=True)
    for n, s in zip(names, scores):
        t.add_row(name=n, scores=list(s))
    return t


def test_equal_tables_compare_equal():
    assert_container_equal(build(), build())


def test_differences_are_reported_with_a_path():
    with pytest.raises(AssertionError, match=r"/t\.columns\[name\]\.data"):
        assert_container_equal(build(), build(names=("a", "c")))
    with pytest.raises(AssertionError, match="scores"):
        assert_container_equal(build(), build(scores=((2.0,), ())))
    other = build()
    other.description = "changed"
    with pytest.raises(AssertionError, match=r"/t\.description: 'd' != 'changed'"):
        assert_container_equal(build(), other)
    with pytest.raises(AssertionError, match="types differ"):
        assert_container_equal(build(), CSRMatrix(np.eye(2), name="t"))
    with pytest.raises(AssertionError, match="names differ"):
        assert_container_equal(DynamicTable(name="x", description="d"), DynamicTable(name="y", description="d"))


def test_lazy_data_is_read_for_comparison(lazy):
    flat = lazy(np.array([1.0]))
    offsets = lazy(np.array([1, 1], dtype=np.uint8))
    names = lazy(np.array(["a", "b"], dtype=object))
    values = VectorData("scores", "ragged", flat)
    read = DynamicTable(
        name="t",
        description="d",
        id=ElementIdentifiers("id", lazy(np.array([0, 1]))),
        columns=[VectorData("name", "names", names), values, VectorIndex("scores_index", offsets, values)],
    )
    assert_container_equal(build(), read)
    assert flat.reads and names.reads


def test_children_are_matched_by_name_not_order():
    from hdmfzarr.common import SimpleMultiContainer

    a = SimpleMultiContainer(name="m", containers=[build(), CSRMatrix(np.eye(2))])
    b = SimpleMultiContainer(name="m", containers=[CSRMatrix(np.eye(2)), build()])
    assert_container_equal(a, b)
    c = SimpleMultiContainer(name="m", containers=[CSRMatrix(np.eye(2)), DynamicTable(name="u", description="d")])
    with pytest.raises(AssertionError, match="names differ"):
        assert_container_equal(a, c)


def test_object_ids_compared_on_request():
    a, b = build(), build()
    assert_container_equal(a, b)
    with pytest.raises(AssertionError, match="object ids differ"):
        assert_container_equal(a, b, check_ids=True)


def test_common_classes_registry():
    assert set(COMMON_CLASSES) == {
        "Data", "Container", "SimpleMultiContainer", "VectorData", "VectorIndex", "ElementIdentifiers",
        "DynamicTableRegion", "DynamicTable", "AlignedDynamicTable", "CSRMatrix",
    }  # fmt: skip
    for name, cls in COMMON_CLASSES.items():
        assert cls.data_type == name and cls.namespace == "hdmf-common"


def test_import_does_not_pull_pandas_scipy_or_zarr():
    code = (
        "import sys, hdmfzarr.common, hdmfzarr.container; "
        "print(sorted(m for m in ('pandas', 'scipy', 'zarr', 'yaml') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
