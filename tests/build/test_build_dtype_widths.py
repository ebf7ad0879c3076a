"""Spec numeric dtypes are minimums: building never narrows data below what its values need."""

import numpy as np
import pytest

from hdmfzarr.build import BuildManager, get_type_map
from hdmfzarr.common import DynamicTable
from hdmfzarr.errors import BuildError


def test_large_int64_index_is_not_wrapped_to_uint8():
    t = DynamicTable(name="t", description="d")
    t.add_column("rag", "r", data=np.arange(10000.0), index=np.cumsum(np.full(1000, 10)))
    b = BuildManager(get_type_map()).build(t)
    idx = b["rag_index"]
    assert idx.dtype == "uint16"
    assert np.asarray(idx.data)[-3:].tolist() == [9980, 9990, 10000]


def test_small_index_takes_the_spec_width():
    t = DynamicTable(name="t", description="d")
    t.add_column("rag", "r", data=np.arange(6.0), index=np.array([2, 4, 6]))
    b = BuildManager(get_type_map()).build(t)
    assert b["rag_index"].dtype == "uint8"


def test_negative_values_for_unsigned_spec_are_refused():
    t = DynamicTable(name="t", description="d")
    t.add_column("rag", "r", data=np.arange(6.0), index=np.array([2, 4, 6]))
    t["rag_index"].data = np.array([-1, 4, 6])
    with pytest.raises(BuildError, match="negative"):
        BuildManager(get_type_map()).build(t)
