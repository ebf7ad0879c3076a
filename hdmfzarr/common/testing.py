"""Test helpers: compare container trees by type, name, fields and data values."""

from __future__ import annotations

from typing import Any

import numpy as np

from hdmfzarr.container import AbstractContainer, is_lazy_array

__all__ = ["assert_container_equal"]


def _text(value: Any) -> Any:
    """Bytes as text (a store may give either for the same strings)."""
    return value.decode() if isinstance(value, bytes) else value


def _assert_values_equal(a: Any, b: Any, path: str) -> None:
    a, b = (np.asarray(v[:]) if is_lazy_array(v) else v for v in (a, b))  # lazy arrays read once
    if isinstance(a, AbstractContainer) or isinstance(b, AbstractContainer):
        raise AssertionError(f"{path}: expected containers on both sides, got {type(a).__name__} and "
                             f"{type(b).__name__}")
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and any(
            isinstance(x, (list, tuple, np.ndarray)) for x in [*a, *b]):
        if len(a) != len(b):
            raise AssertionError(f"{path}: lengths differ: {len(a)} != {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_values_equal(x, y, f"{path}[{i}]")
        return
    if isinstance(a, (np.ndarray, list, tuple)) or isinstance(b, (np.ndarray, list, tuple)):
        x, y = np.asarray(a), np.asarray(b)
        if x.shape != y.shape:
            raise AssertionError(f"{path}: shapes differ: {x.shape} != {y.shape}")
        close = x.dtype.kind in "fc" and y.dtype.kind in "fc"  # floats: to rounding, NaN equal to NaN
        if x.dtype.kind in "SO" or y.dtype.kind in "SO":
            x, y = (np.asarray([_text(v) for v in arr.ravel()], dtype=object) for arr in (x, y))
        if not (np.allclose(x, y, equal_nan=True, rtol=1e-6, atol=0) if close else np.array_equal(x, y)):
            raise AssertionError(f"{path}: values differ:\n{x!r}\n!=\n{y!r}")
        return
    a, b = _text(a), _text(b)
    if a != b and not (isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b)):
        raise AssertionError(f"{path}: {a!r} != {b!r}")


def assert_container_equal(a: AbstractContainer, b: AbstractContainer, check_ids: bool = False,
                           _path: str = "") -> None:
    """Raise AssertionError naming the first difference between two container trees; linked containers (not
    children) are compared by type and name only, and ``check_ids`` also compares object ids."""
    path = _path or f"/{a.name}"
    if type(a).data_type != type(b).data_type or type(a).namespace != type(b).namespace:
        raise AssertionError(f"{path}: types differ: {type(a).__name__} != {type(b).__name__}")
    if a.name != b.name:
        raise AssertionError(f"{path}: names differ: {a.name!r} != {b.name!r}")
    if check_ids and a.object_id != b.object_id:
        raise AssertionError(f"{path}: object ids differ: {a.object_id} != {b.object_id}")
    fa, fb = a.fields, b.fields
    for key in dict.fromkeys([*fa, *fb]):
        va, vb = fa.get(key), fb.get(key)
        if va is not None and vb is not None:
            _compare_field(a, va, vb, f"{path}.{key}", check_ids)
        elif not (_empty(va) and _empty(vb)):
            raise AssertionError(f"{path}.{key}: set on one side only: {type(va).__name__} vs {type(vb).__name__}")


def _empty(value: Any) -> bool:
    if value is None:
        return True
    try:
        return len(value) == 0
    except TypeError:
        return False


def _compare_field(owner: AbstractContainer, va: Any, vb: Any, path: str, check_ids: bool) -> None:
    if isinstance(va, AbstractContainer) and isinstance(vb, AbstractContainer):
        if va.parent is owner:
            assert_container_equal(va, vb, check_ids, path)
        elif type(va).data_type != type(vb).data_type or va.name != vb.name:
            raise AssertionError(f"{path}: linked objects differ: {type(va).__name__} {va.name!r} != "
                                 f"{type(vb).__name__} {vb.name!r}")
        return
    if isinstance(va, dict) and isinstance(vb, dict):  # Children: typed children by name
        va, vb = list(va.values()), list(vb.values())
    if isinstance(va, (list, tuple)) and va and all(isinstance(x, AbstractContainer) for x in va):
        if not isinstance(vb, (list, tuple)) or len(va) != len(vb):
            raise AssertionError(f"{path}: container lists differ in length")
        names_a = [x.name for x in va]
        names_b = [getattr(y, "name", None) for y in vb]
        if len(set(names_a)) == len(names_a):  # children of a group: matched by name (stores do not keep order)
            if sorted(names_a) != sorted(map(str, names_b)):
                raise AssertionError(f"{path}: names differ: {sorted(names_a)} != {sorted(map(str, names_b))}")
            by_name = dict(zip(names_b, vb))
            for x in va:
                _compare_field(owner, x, by_name[x.name], f"{path}[{x.name}]", check_ids)
            return
        for i, (x, y) in enumerate(zip(va, vb)):
            _compare_field(owner, x, y, f"{path}[{i}]", check_ids)
        return
    _assert_values_equal(va, vb, path)
