"""Coerce container values to a spec's dtype on build (``convert_value``).

Numeric data becomes numpy (keeping the data's own width when it is at least the spec's),
text becomes ``str``, isodatetime becomes ISO-8601 strings, references become pending
``ReferenceBuilder(target=<container>)`` that the BuildManager resolves in its second pass.
Lazy arrays, ``DataIO`` and ``DataChunkIterator`` pass through untouched.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np

from ..dataio import DataChunkIterator, DataIO
from ..errors import BuildError
from ..spec.dtypes import (
    NUMERIC_DTYPES,
    TEXT_DTYPES,
    dtype_from_numpy,
    fit_integers,
    keep_wider,
)
from ..spec.model import canonical_spec_dtype, is_compound_dtype, is_ref_dtype
from .builders import CompoundField, ReferenceBuilder
from .lazyrefs import ReferenceArray

__all__ = ["convert_value", "read_value", "compound_of_numpy", "is_passthrough"]

def compound_of_numpy(dtype: Any) -> list[CompoundField] | None:
    """Compound fields of a structured numpy dtype (object fields are text), or None for other dtypes."""
    dt = getattr(dtype, "dtype", None) if not isinstance(dtype, np.dtype) else dtype
    if not isinstance(dt, np.dtype) or dt.names is None:
        return None
    return [CompoundField(n, dtype_from_numpy(dt[n], strict=False) or "text") for n in dt.names]


def is_passthrough(value: Any) -> bool:
    """Values the backend handles itself: DataIO, iterators, lazy (non-numpy) arrays."""
    if isinstance(value, (DataIO, DataChunkIterator)):
        return True
    if isinstance(value, (np.ndarray, list, tuple, str, bytes, int, float, bool, np.generic)):
        return False
    return hasattr(value, "shape") and hasattr(value, "dtype") and hasattr(value, "__getitem__")


def _value_dtype(value: Any) -> Any:
    """Canonical dtype a passthrough or numpy value carries, if it says (compound fields for structured data)."""
    inner = value.data if isinstance(value, DataIO) else value
    dt = value.dtype if isinstance(value, DataIO) and value.dtype is not None else getattr(inner, "dtype", None)
    if dt is None:
        return None
    fields = compound_of_numpy(dt) if isinstance(dt, np.dtype) else None
    return fields if fields is not None else dtype_from_numpy(dt, strict=False)


def _at_least(spec: Any, own: Any) -> Any:
    """The dtype to store data typed ``own`` under numeric spec dtype ``spec`` (spec dtypes are minimums)."""
    if spec in NUMERIC_DTYPES and isinstance(own, str) and own in NUMERIC_DTYPES:
        return keep_wider(spec, own).name
    return spec


def _iso(v: Any) -> str:
    if isinstance(v, (_dt.datetime, _dt.date)):
        return v.isoformat()
    if isinstance(v, np.datetime64):
        return str(np.datetime_as_string(v))
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, str):
        return v
    raise TypeError(type(v).__name__)


def _map_nested(value: Any, fn: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_map_nested(v, fn) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind == "O":
        return [_map_nested(v, fn) for v in value.tolist()]
    return fn(value)


def _text(v: Any, where: str) -> Any:
    if isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.str_):
        return str(v)
    raise BuildError(f"{where}: expected text, got {type(v).__name__} {v!r}")


def _ref(v: Any, where: str) -> ReferenceBuilder:
    if isinstance(v, ReferenceBuilder):
        return v
    if v is None or not hasattr(v, "object_id"):
        raise BuildError(f"{where}: expected a reference to a container, got {type(v).__name__}")
    return ReferenceBuilder(target=v)


def _numeric(value: Any, canonical: str, where: str, is_attr: bool) -> tuple[Any, str]:
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise BuildError(
            f"{where}: expected {canonical} data, got {arr.dtype} ({type(value).__name__})"
        )
    if canonical == "numeric":
        out_dt = arr.dtype
    else:
        want = np.dtype(canonical)
        if want.kind in "iu" and arr.dtype.kind == "f":
            raise BuildError(f"{where}: expected {canonical} data, got {arr.dtype}")
        own_width = isinstance(value, (np.ndarray, np.generic)) or arr.dtype.kind == "f"
        out_dt = _widest_needed(arr, want, where, own_width)
    arr = arr.astype(out_dt, copy=False)
    if arr.ndim == 0:
        return (arr.item() if is_attr else arr[()]), out_dt.name
    return arr, out_dt.name


def _widest_needed(arr: np.ndarray, want: np.dtype, where: str, own_width: bool) -> np.dtype:
    """The spec dtype is a minimum: keep numpy data's wider width, and never narrow integers below
    what their values need (an int64 index under a ``uint8`` spec becomes the smallest uint that fits;
    plain Python ints take the smallest width the spec allows)."""
    if own_width and arr.dtype.kind == want.kind and arr.dtype.itemsize >= want.itemsize:
        return keep_wider(want, arr.dtype)
    if want.kind not in "iu" or arr.dtype.kind not in "biu" or arr.size == 0:
        return want
    lo, hi = int(arr.min()), int(arr.max())
    if want.kind == "u" and lo < 0:
        raise BuildError(f"{where}: expected {want.name} (unsigned) data, got negative values (min {lo})")
    fitted = fit_integers(lo, hi, want)
    if fitted is None:
        raise BuildError(f"{where}: values {lo}..{hi} do not fit in any {want.name}-compatible integer type")
    return fitted


def convert_value(dtype: Any, value: Any, where: str, is_attr: bool = False) -> tuple[Any, Any]:
    """Return ``(value, builder_dtype)`` for ``value`` under spec dtype ``dtype`` at ``where``."""
    if value is None:
        return None, None
    dtype = canonical_spec_dtype(dtype)  # specs keep dtypes as written ('int'); the rules below use canonical names
    if isinstance(value, ReferenceArray):  # read from a store, written again: the resolved containers
        value = list(value)
    if is_ref_dtype(dtype):
        return _map_nested(value, lambda v: _ref(v, where)), "object"
    if is_compound_dtype(dtype):
        return _compound(dtype, value, where)
    if is_passthrough(value):
        own = _value_dtype(value)
        if dtype is None or dtype == "numeric":
            return value, own
        return value, _at_least(dtype, own)  # stored int64/float64 data under int32/float32 specs stay wide
    if dtype is None:
        return _infer(value, where, is_attr)
    if dtype in TEXT_DTYPES:
        if dtype == "text":
            fn = lambda v: _text(v, where)  # noqa: E731
        else:
            fn = lambda v: v if isinstance(v, bytes) else _text(v, where)  # noqa: E731
        if isinstance(value, np.ndarray) and value.dtype.kind in "US":
            return value, dtype
        return _map_nested(value, fn), dtype
    if dtype == "isodatetime":
        try:
            return _map_nested(value, _iso), dtype
        except TypeError as exc:
            raise BuildError(f"{where}: expected isodatetime (datetime or ISO string), got {exc}") from None
    if dtype == "bool":
        arr = np.asarray(value)
        if arr.dtype.kind not in "biu":
            raise BuildError(f"{where}: expected bool data, got {arr.dtype}")
        arr = arr.astype(bool)
        return (bool(arr) if arr.ndim == 0 and is_attr else (arr[()] if arr.ndim == 0 else arr)), "bool"
    if dtype in NUMERIC_DTYPES or dtype == "numeric":
        return _numeric(value, dtype, where, is_attr)
    return value, dtype


def _leaves(value: Any, limit: int = 64) -> list[Any]:
    out: list[Any] = []
    stack = [value]
    while stack and len(out) < limit:
        v = stack.pop()
        if isinstance(v, (list, tuple)) or (isinstance(v, np.ndarray) and v.dtype.kind == "O"):
            stack.extend(reversed(list(v)))
        else:
            out.append(v)
    return out


def _infer(value: Any, where: str, is_attr: bool) -> tuple[Any, Any]:
    """No dtype in the spec: take it from the value (text, ascii, isodatetime or numpy's)."""
    if isinstance(value, (str, np.str_)):
        return str(value), "text"
    if isinstance(value, bytes):
        return value, "ascii"
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat(), "isodatetime"
    if isinstance(value, np.ndarray) and value.dtype.kind != "O":
        return value, compound_of_numpy(value.dtype) or dtype_from_numpy(value.dtype, strict=False)
    if isinstance(value, (bool, int, float, np.generic)):
        return value, dtype_from_numpy(np.asarray(value).dtype, strict=False)
    if isinstance(value, (list, tuple, np.ndarray)):
        leaves = _leaves(value)
        if leaves and all(isinstance(v, str) for v in leaves):
            return (value if isinstance(value, np.ndarray) else list(value)), "text"
        if leaves and all(isinstance(v, bytes) for v in leaves):
            return value, "ascii"
        if leaves and all(isinstance(v, (_dt.datetime, _dt.date)) for v in leaves):
            return _map_nested(value, _iso), "isodatetime"
        if leaves and all(isinstance(v, ReferenceBuilder) or hasattr(v, "object_id") for v in leaves):
            return _map_nested(value, lambda v: _ref(v, where)), "object"
        try:
            arr = np.asarray(value)
        except ValueError:  # ragged nesting: let the backend decide
            return value, None
        if arr.dtype.kind in "biuf":
            return arr, dtype_from_numpy(arr.dtype, strict=False)
    return value, None


def _compound(fields: Any, value: Any, where: str) -> tuple[Any, list[CompoundField]]:
    cfields: list[CompoundField] = []
    ref_idx: list[int] = []
    own = {f.name: f.dtype for f in compound_of_numpy(getattr(value, "dtype", None)) or ()}
    for i, f in enumerate(fields):
        fdt = f.dtype
        if is_ref_dtype(fdt):
            cfields.append(CompoundField(f.name, "object"))
            ref_idx.append(i)
        else:  # a field's spec dtype is a minimum too: stored float64 stays float64
            cfields.append(CompoundField(f.name, _at_least(fdt, own.get(f.name))))
    if is_passthrough(value):
        return value, cfields
    names = [f.name for f in cfields]
    if not ref_idx and isinstance(value, np.ndarray) and value.dtype.names:
        return value, cfields
    rows: list[tuple[Any, ...]] = []
    for r, row in enumerate(value):
        if isinstance(row, dict):
            try:
                row = tuple(row[n] for n in names)
            except KeyError as exc:
                raise BuildError(f"{where}: row {r} lacks compound field {exc.args[0]!r}") from None
        elif isinstance(row, np.void):
            row = tuple(row.tolist()) if not ref_idx else tuple(row[n] for n in names)
        row = tuple(row)
        if len(row) != len(names):
            raise BuildError(f"{where}: row {r} has {len(row)} fields, expected {len(names)} {names}")
        if ref_idx:
            row = tuple(_ref(v, f"{where} field {names[i]!r}") if i in ref_idx else v for i, v in enumerate(row))
        rows.append(row)
    return rows, cfields


def _parse_one(v: Any) -> Any:
    if isinstance(v, bytes):
        v = v.decode("utf-8")
    if isinstance(v, str):
        try:
            return _dt.datetime.fromisoformat(v)
        except ValueError:
            return v
    return v


def read_value(dtype: Any, value: Any) -> Any:
    """Undo the build-time coercions that lose Python types: ISO strings -> datetime for isodatetime."""
    if value is not None and canonical_spec_dtype(dtype) == "isodatetime":
        if isinstance(value, (str, bytes)):
            return _parse_one(value)
        if isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.dtype.kind in "OUS"):
            return _map_nested(value if not isinstance(value, np.ndarray) else value.tolist(), _parse_one)
    return value
