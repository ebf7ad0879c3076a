"""CSRMatrix (with and without scipy) and SimpleMultiContainer."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from hdmfzarr.common import CSRMatrix, DynamicTable, SimpleMultiContainer, VectorData
from hdmfzarr.container import Data
from hdmfzarr.errors import ContainerError

DENSE = np.array([[1, 0, 2], [0, 0, 3], [4, 5, 0], [0, 0, 0]])


def test_csr_from_parts():
    m = CSRMatrix(data=[1, 2, 3, 4, 5], indices=[0, 2, 2, 0, 1], indptr=[0, 2, 3, 5, 5], shape=(4, 3))
    assert m.shape == (4, 3) and m.name == "csr_matrix"
    np.testing.assert_array_equal(m.to_dense(), DENSE)
    assert set(m.fields) == {"shape", "data", "indices", "indptr"}


def test_csr_from_dense_without_scipy(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.sparse", None)
    m = CSRMatrix(DENSE, name="m")
    assert m.indptr.tolist() == [0, 2, 3, 5, 5] and m.indices.tolist() == [0, 2, 2, 0, 1]
    np.testing.assert_array_equal(m.to_dense(), DENSE)
    with pytest.raises(ImportError, match=r"pip install hdmfzarr\[scipy\]"):
        m.to_spmat()


def test_csr_scipy_round_trip():
    sparse = pytest.importorskip("scipy.sparse")
    sp = sparse.csr_matrix(DENSE)
    m = CSRMatrix(sp)
    assert m.shape == (4, 3)
    back = m.to_spmat()
    assert (back != sp).nnz == 0
    m2 = CSRMatrix(sparse.coo_matrix(DENSE))
    np.testing.assert_array_equal(m2.to_dense(), DENSE)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(data=[1], indices=[0], indptr=[0, 1], shape=None), "together"),
        (dict(data=[1], indices=[0]), "together"),
        (dict(data=[1, 2], indices=[0], indptr=[0, 2], shape=(1, 2)), "same length"),
        (dict(data=[1], indices=[0], indptr=[0, 1, 1], shape=(1, 2)), "shape\\[0\\] \\+ 1 = 2"),
        (dict(data=[1], indices=[5], indptr=[0, 1], shape=(1, 2)), r"in \[0, 2\)"),
        (dict(data=[1, 2], indices=[0, 1], indptr=[0, 1], shape=(1, 2)), "end at len"),
        (dict(data=[1], indices=[0], indptr=[0, 1], shape=(1, 2, 3)), "two non-negative"),
        (dict(data=[1, 2, 3]), "dense 2-d"),
    ],
)
def test_csr_errors(kwargs, message):
    with pytest.raises(ContainerError, match=message):
        CSRMatrix(**kwargs)


def test_csr_with_lazy_parts(lazy):
    data, indices, indptr = lazy(np.array([1, 2])), lazy(np.array([0, 1])), lazy(np.array([0, 1, 2]))
    m = CSRMatrix(data, indices, indptr, shape=[2, 2])
    assert data.reads == [] and "nnz=2" in repr(m)
    np.testing.assert_array_equal(m.to_dense(), [[1, 0], [0, 2]])


def test_simple_multi_container():
    t = DynamicTable(name="t", description="d")
    d = Data("d", [1, 2])
    multi = SimpleMultiContainer(name="multi", containers=[t, d])
    assert multi["t"] is t and multi.get_container("d") is d
    assert t.parent is multi and d.parent is multi
    assert list(multi.containers) == ["t", "d"] and len(multi) == 2 and "t" in multi
    assert [c.name for c in multi] == ["t", "d"]
    v = multi.add_container(VectorData("v", "vec", [1]))
    assert v.parent is multi
    with pytest.raises(ContainerError, match="already holds an object named 't'"):
        multi.add_container(DynamicTable(name="t", description="other"))
    with pytest.raises(ContainerError, match="can only hold containers"):
        multi.add_container([1, 2])
    with pytest.raises(ContainerError, match="no object named 'zz'"):
        multi["zz"]
    assert multi.fields["containers"] == [t, d, v]


def test_csr_indices_become_unsigned_as_hdmf():
    m = CSRMatrix(data=[1, 2], indices=np.array([0, 2], dtype=np.int32), indptr=[0, 1, 2], shape=(2, 3))
    assert m.indices.dtype == np.uint32 and m.indptr.dtype == np.uint64  # same item size, unsigned
    for bad in (dict(indices=[0.0, 2.0]), dict(indptr=np.array([0.0, 1.0, 2.0])), dict(indices=[0, -1])):
        args = dict(data=[1, 2], indices=[0, 2], indptr=[0, 1, 2], shape=(2, 3), name="m") | bad
        what = next(iter(bad))
        with pytest.raises(ValueError, match=rf"CSRMatrix 'm': cannot convert '{what}' to an array of unsigned"):
            CSRMatrix(**args)
