"""Coerce container values to a spec's dtype on build (``convert_value``): numbers to numpy (at least the spec's
width), text to ``str``, isodatetime to ISO 8601, references to ``ReferenceBuilder``; lazy arrays pass through."""

from __future__ import annotations

import datetime as _dt
from contextlib import suppress
from typing import Any

import numpy as np

from ..appendable import AppendableArray
from ..dataio import DataChunkIterator, DataIO, StoredArray, from_hdmf_iterator
from .. import errors
from ..spec.dtypes import (
    NUMERIC_DTYPES, STRING_DTYPES, TEXT_DTYPES, dtype_from_numpy, first_leaf, fit_integers, is_known_dtype, keep_wider,
    scalar_dtype, storage_dtype
)
from ..spec.model import canonical_spec_dtype, is_compound_dtype, is_ref_dtype
from .builders import Builder, CompoundField, ReferenceBuilder

__all__ = ["convert_value", "read_value", "value_dtype", "is_passthrough", "text_cell", "text_array"]


def is_passthrough(value: Any) -> bool:
    """Values the backend handles itself: DataIO, iterators, lazy (non-numpy) arrays."""
    if isinstance(value, (DataIO, DataChunkIterator)):
        return True
    if isinstance(value, (np.ndarray, list, tuple, str, bytes, int, float, bool, np.generic)):
        return False
    return hasattr(value, "shape") and hasattr(value, "dtype") and hasattr(value, "__getitem__")


_EMPTY = object()


def value_dtype(value: Any, hint: Any = None) -> str | list[CompoundField] | None:
    """The canonical dtype data holds (what a build records, the validator finds, a backend stores), else None;
    ``hint`` (a builder's dtype) names the string kind of text and object arrays."""
    if isinstance(hint, list):
        return hint
    if isinstance(value, DataIO):
        return value_dtype(value.data, hint)
    hint = canonical_spec_dtype(hint)
    texts = hint if hint in STRING_DTYPES else None
    if isinstance(value, DataChunkIterator):
        value.peek()
    if isinstance(value, (ReferenceBuilder, Builder)) or hasattr(value, "object_id"):
        return "object"
    own = getattr(value, "dtype", None)
    try:
        dt = np.dtype("O" if own is None else own)
    except TypeError:
        dt = np.dtype("O")
    if dt.names is not None:
        return [CompoundField(n, storage_dtype(dt[n]) or "text") for n in dt.names]
    found = storage_dtype(dt) if dt.kind != "O" else scalar_dtype(value)
    if found is None and dt.kind == "O" and hasattr(value, "dtype") and (texts or hint == "object"):
        return hint
    if found is None:
        listed = isinstance(value, (list, tuple))
        leaf = (value[0] if value else _EMPTY) if listed else first_leaf(value, _EMPTY)
        if leaf is _EMPTY or leaf is value:
            return hint if isinstance(hint, str) else None
        if listed and isinstance(leaf, (list, tuple, int, float)) and not isinstance(leaf, bool):
            with suppress(ValueError, TypeError):  # Python numbers: numpy's width for them all ([1, 2.5] is float64)
                arr = np.asarray(value)  # (ValueError, TypeError: ragged, or not all numbers)
                if arr.dtype.kind in "iuf":
                    return arr.dtype.name
        return value_dtype(leaf, hint)
    return texts if texts and found in TEXT_DTYPES else found


def _at_least(spec: Any, own: Any) -> Any:
    """The dtype to store data typed ``own`` under numeric spec dtype ``spec`` (spec dtypes are minimums)."""
    if spec in NUMERIC_DTYPES and isinstance(own, str) and own in NUMERIC_DTYPES:
        return keep_wider(spec, own).name
    return spec


def text_cell(v: Any) -> str:
    """One text cell as built and stored (the Zarr backend's rule too): bytes decoded as UTF-8, dates and times as
    ISO 8601; TypeError for other values."""
    if isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, (_dt.datetime, _dt.date)):
        return v.isoformat()
    if isinstance(v, np.datetime64):
        return str(np.datetime_as_string(v))
    raise TypeError(type(v).__name__)


_STRICT_TEXT = np.dtypes.StringDType(coerce=False)


def text_array(value: Any) -> np.ndarray | None:
    """A (nested) list or object array whose every cell is a str as one StringDType array (one vectorised pass);
    None when a cell is not a str."""
    if not isinstance(value, (list, tuple, np.ndarray)):
        return None
    try:
        return np.asarray(value, dtype=_STRICT_TEXT)
    except (TypeError, ValueError):
        return None


def map_nested(value: Any, fn: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [map_nested(v, fn) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind == "O":
        return [map_nested(v, fn) for v in value.tolist()]
    return fn(value)


def _text(v: Any, where: str) -> Any:
    """A cell of a ``text`` value: str, or UTF-8 bytes (:func:`text_cell`); other values are refused."""
    if isinstance(v, (str, bytes)):
        try:
            return text_cell(v)
        except UnicodeDecodeError as exc:
            raise errors.BuildError(f"{where}: bytes {v[:20]!r} are not UTF-8 text ({exc.reason})") from None
    raise errors.BuildError(f"{where}: expected text, got {type(v).__name__} {v!r}")


def _ref(v: Any, where: str) -> ReferenceBuilder:
    if isinstance(v, ReferenceBuilder):
        return v
    if v is None or not hasattr(v, "object_id"):
        raise errors.BuildError(f"{where}: expected a reference to a container, got {type(v).__name__}")
    return ReferenceBuilder(target=v)


def _numeric(value: Any, canonical: str, where: str, is_attr: bool) -> tuple[Any, str]:
    """Numbers (or bools) as numpy data of at least the spec's width; a scalar attribute as a Python value."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise errors.BuildError(f"{where}: expected {canonical} data, got {arr.dtype} ({type(value).__name__})")
    if canonical == "numeric":
        out_dt = arr.dtype
    else:
        want = np.dtype(canonical)
        if want.kind in "biu" and arr.dtype.kind == "f":
            raise errors.BuildError(f"{where}: expected {canonical} data, got {arr.dtype}")
        own_width = isinstance(value, (np.ndarray, np.generic)) or arr.dtype.kind == "f"
        out_dt = _widest_needed(arr, want, where, own_width)
    arr = arr.astype(out_dt, copy=False)
    if arr.ndim == 0:
        return (arr.item() if is_attr else arr[()]), out_dt.name
    return arr, out_dt.name


def _widest_needed(arr: np.ndarray, want: np.dtype, where: str, own_width: bool) -> np.dtype:
    """The spec dtype is a minimum: numpy data keeps a wider width, integers are never narrowed below what their
    values need (the smallest fitting width the spec allows)."""
    if own_width and arr.dtype.kind == want.kind and arr.dtype.itemsize >= want.itemsize:
        return keep_wider(want, arr.dtype)
    if want.kind not in "iu" or arr.dtype.kind not in "biu" or arr.size == 0:
        return want
    lo, hi = int(arr.min()), int(arr.max())
    if want.kind == "u" and lo < 0:
        raise errors.BuildError(f"{where}: expected {want.name} (unsigned) data, got negative values (min {lo})")
    fitted = fit_integers(lo, hi, want)
    if fitted is None:
        raise errors.BuildError(f"{where}: values {lo}..{hi} do not fit in any {want.name}-compatible integer type")
    return fitted


def convert_value(dtype: Any, value: Any, where: str, is_attr: bool = False) -> tuple[Any, Any]:
    """Return ``(value, builder_dtype)`` for ``value`` under spec dtype ``dtype`` at ``where``."""
    if value is None:
        return None, None
    value = from_hdmf_iterator(value)  # (hdmf's own iterators, given to a generated class)
    from .lazyrefs import DatetimeArray, ReferenceArray  # (imported when first needed: a read never needs it)

    dtype = canonical_spec_dtype(dtype)  # specs keep dtypes as written ('int'); the rules below use canonical names
    if isinstance(value, AppendableArray) and isinstance(value.stored, ReferenceArray):  # (a column read in mode 'a')
        value = list(value) if value.rows.count else value.stored  # rows added since: every row, else as read
    if isinstance(value, DatetimeArray) and value.wrapped is not None:
        value = value.wrapped  # dates read from a store, written again: the stored ISO text
    if isinstance(value, ReferenceArray):  # read from a store, written again: the resolved containers
        value = list(value)
    if is_ref_dtype(dtype):
        return map_nested(value, lambda v: _ref(v, where)), "object"
    if is_compound_dtype(dtype):
        return _compound(dtype, value, where)
    if is_passthrough(value):
        own = value_dtype(value)
        if isinstance(value, DataIO) and value.dtype is not None:  # the dtype the DataIO asks to store
            own = dtype_from_numpy(value.dtype, strict=False) or own
        if dtype is None or dtype == "numeric":
            return value, own
        return value, _at_least(dtype, own)  # stored int64/float64 data under int32/float32 specs stay wide
    if dtype is None:
        return _infer(value, where, is_attr)
    if dtype in TEXT_DTYPES:
        if isinstance(value, np.ndarray) and value.dtype.kind in "US":
            return value, dtype
        if dtype == "text" and text_array(value) is not None:  # every cell a str: checked in one vectorised pass
            # kept as given (the writer's fingerprint digests a list or object array of str in a few C passes,
            # a StringDType array only cell by cell, which cost more than encoding the text twice)
            return (value if isinstance(value, np.ndarray) else list(value)), dtype
        return map_nested(value, lambda v: v if dtype == "ascii" and isinstance(v, bytes) else _text(v, where)), dtype
    if dtype == "isodatetime":
        try:
            return map_nested(value, text_cell), dtype
        except TypeError as exc:
            raise errors.BuildError(f"{where}: expected isodatetime (datetime or ISO string), got {exc}") from None
    if dtype in NUMERIC_DTYPES or dtype in ("numeric", "bool"):
        return _numeric(value, dtype, where, is_attr)
    return value, dtype


def _infer(value: Any, where: str, is_attr: bool) -> tuple[Any, Any]:
    """No dtype in the spec: the dtype the value holds (``value_dtype``; float16 as the language's float32),
    converted as if the spec named it."""
    found = value_dtype(value)
    if found == "object":
        return map_nested(value, lambda v: _ref(v, where)), "object"
    if isinstance(found, str) and found != "float16" and not is_known_dtype(found):
        return value, None  # complex: the backend refuses it
    if found is None:
        arr = np.asarray(value) if isinstance(value, (list, tuple)) and not value else None  # []: float64
        return (value, None) if arr is None else (arr, arr.dtype.name)
    return convert_value("float32" if found == "float16" else found, value, where, is_attr)


def _compound(fields: Any, value: Any, where: str) -> tuple[Any, list[CompoundField]]:
    stored = value_dtype(value) if isinstance(getattr(value, "dtype", None), np.dtype) else None
    own = {f.name: f.dtype for f in stored} if isinstance(stored, list) else {}
    ref_idx = [i for i, f in enumerate(fields) if is_ref_dtype(f.dtype)]
    # a field's spec dtype is a minimum too: stored float64 stays float64
    cfields = [CompoundField(f.name, "object" if i in ref_idx else _at_least(f.dtype, own.get(f.name)))
               for i, f in enumerate(fields)]
    if is_passthrough(value) or (not ref_idx and isinstance(value, np.ndarray) and value.dtype.names):
        return value, cfields
    names = [f.name for f in cfields]
    rows: list[tuple[Any, ...]] = []
    for r, row in enumerate(value):
        if isinstance(row, dict):
            try:
                row = tuple(row[n] for n in names)
            except KeyError as exc:
                raise errors.BuildError(f"{where}: row {r} lacks compound field {exc.args[0]!r}") from None
        elif isinstance(row, np.void):
            row = tuple(row.tolist()) if not ref_idx else tuple(row[n] for n in names)
        row = tuple(row)
        if len(row) != len(names):
            raise errors.BuildError(f"{where}: row {r} has {len(row)} fields, expected {len(names)} {names}")
        if ref_idx:
            row = tuple(_ref(v, f"{where} field {names[i]!r}") if i in ref_idx else v for i, v in enumerate(row))
        rows.append(row)
    return rows, cfields


def _parse_one(v: Any) -> Any:
    if isinstance(v, bytes):
        v = v.decode("utf-8")
    if isinstance(v, str):
        with suppress(ValueError):
            return _dt.datetime.fromisoformat(v)
    return v


def read_value(dtype: Any, value: Any) -> Any:
    """Undo the build-time coercions that lose Python types: ISO strings -> datetime for isodatetime."""
    if value is None or canonical_spec_dtype(dtype) != "isodatetime":
        return value
    if isinstance(value, StoredArray):  # lazy: each cell parsed when read
        from .lazyrefs import DatetimeArray

        return DatetimeArray(value, lambda v: map_nested(v, _parse_one))
    return map_nested(value.tolist() if isinstance(value, np.ndarray) and value.dtype.kind in "US" else value,
                      _parse_one)
