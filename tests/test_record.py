"""Record / MutableRecord: the value classes that replaced dataclasses behave as those did (equality, hash, repr,
immutability, pickling and copying), without compiling methods at import."""

from __future__ import annotations

import copy
import pickle
from dataclasses import FrozenInstanceError

import numpy as np
import pytest

from hdmfzarr.backends.zarr import RetryPolicy
from hdmfzarr.build.builders import CompoundField, ExternalTarget, ReferenceBuilder
from hdmfzarr.build.mapper import FieldInfo
from hdmfzarr.common import ColumnInfo
from hdmfzarr.common.columns import ColumnType

VALUES = [
    CompoundField("x", "int32"),
    ExternalTarget("../other.zarr", "/a/b"),
    ReferenceBuilder("/a/b"),
    ReferenceBuilder(ExternalTarget("s3://b/k.zarr", "/t"), source="s3://b/this.zarr"),
    RetryPolicy(max_attempts=2, deadline=1.5),
    ColumnInfo("c", "a column", index=1),
    FieldInfo("attr", None, "dataset", ("sub",), True),
    ColumnType("float64", np.dtype("float64"), (float,)),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_record_values_compare_hash_and_survive_pickle_and_copy(value: object) -> None:
    for twin in (pickle.loads(pickle.dumps(value)), copy.copy(value), copy.deepcopy(value)):
        assert twin == value and hash(twin) == hash(value) and twin is not value
    assert value != object()
    name = type(value).__slots__[0]  # type: ignore[attr-defined]
    with pytest.raises(FrozenInstanceError):
        setattr(value, name, "changed")
    with pytest.raises(FrozenInstanceError):
        delattr(value, name)
    assert repr(value).startswith(f"{type(value).__qualname__}({name}=")


def test_record_fields_defaults_and_inequality() -> None:
    assert ReferenceBuilder("/a").source == "."
    assert RetryPolicy() == RetryPolicy(5, 60.0, 5.0, 20.0) != RetryPolicy(max_attempts=6)
    assert repr(CompoundField("x", "int32")) == "CompoundField(name='x', dtype='int32')"
    assert CompoundField("x", "int32") != ExternalTarget("x", "int32")  # another class, same values
    assert ColumnInfo("c", "d") == ColumnInfo("c", "d", required=False, index=0, table=False, col_cls=None, enum=False)
    assert len({ReferenceBuilder("/a"), ReferenceBuilder("/a"), ReferenceBuilder("/b")}) == 2


def test_record_mutable_values_compare_by_value_and_are_unhashable() -> None:
    from hdmfzarr.backends.zarr.convention import NodeMeta, for_format
    from hdmfzarr.dataio import DataIO

    a, b = DataIO([1, 2], chunks=(2,)), DataIO([1, 2], chunks=(2,))
    assert a == b and a is not b and a.extra == {} and a.extra is not b.extra  # a fresh dict each
    b.chunks = (1,)
    assert a != b
    assert repr(a).startswith("DataIO(data=[1, 2], chunks=(2,), shards=None,") and repr(a).endswith("extra={})")
    assert pickle.loads(pickle.dumps(a)) == a and copy.deepcopy(a) == a
    with pytest.raises(TypeError):
        hash(a)
    conv = for_format(3)
    node = NodeMeta("t", "group", {}, {}, conv)
    node.kind = "array"
    assert node == NodeMeta("t", "array", {}, {}, conv) != NodeMeta("u", "array", {}, {}, conv)
