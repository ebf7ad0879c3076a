"""What a builder actually holds: canonical dtype, shape and values of datasets and attributes.

Works on numpy arrays, lazy arrays from a backend (anything with ``shape``/``dtype``), ``DataIO``
wrappers, plain Python values and ``ReferenceBuilder``s, reading data only when asked to.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..build.builders import Builder, CompoundField, DatasetBuilder, ReferenceBuilder
from ..dataio import DataChunkIterator, DataIO
from ..spec.dtypes import (
    STRING_DTYPES,
    canonical_dtype,
    is_known_dtype,
    first_leaf as _first_leaf,
    scalar_dtype,
    storage_dtype,
)

__all__ = [
    "REFERENCE",
    "unwrap",
    "numpy_dtype_name",
    "dataset_dtype",
    "value_dtype",
    "dataset_shape",
    "value_shape",
    "load",
    "first_leaf",
    "python_ints",
    "is_empty",
]

REFERENCE = "object"


def unwrap(data: Any) -> Any:
    """The array-like inside a ``DataIO`` (or the data itself)."""
    while isinstance(data, DataIO):
        data = data.data
    return data


def numpy_dtype_name(dtype: np.dtype, hint: Any = None) -> str | list[CompoundField] | None:
    """Canonical spec-language name of a numpy dtype; ``hint`` (a builder dtype) decides strings."""
    if dtype.fields:
        return [CompoundField(n, _field_name(dtype.fields[n][0])) for n in dtype.names or ()]
    if dtype.kind in "UT":
        return _text_hint(hint) or "text"
    if dtype.kind == "O":
        return REFERENCE if hint == REFERENCE else _text_hint(hint)
    return storage_dtype(dtype)


def _field_name(dtype: np.dtype) -> str:
    name = numpy_dtype_name(dtype)
    return name if isinstance(name, str) else "compound"


def _canonical_hint(hint: Any) -> Any:
    """A builder's dtype hint in canonical spelling (unknown spellings unchanged)."""
    return canonical_dtype(hint) if isinstance(hint, str) and is_known_dtype(hint) else hint


def _text_hint(hint: Any) -> str | None:
    hint = _canonical_hint(hint)
    return hint if hint in STRING_DTYPES else None


def dataset_dtype(builder: DatasetBuilder) -> str | list[CompoundField] | None:
    """The dtype a dataset builder holds; the array's own dtype wins over the builder's hint."""
    hint = builder.dtype
    if isinstance(hint, list):
        return hint
    data = unwrap(builder.data)
    dtype = getattr(data, "dtype", None)
    if isinstance(data, DataChunkIterator):
        data.peek()
        dtype = data.dtype
    if dtype is not None:
        try:
            name = numpy_dtype_name(np.dtype(dtype), hint)
        except TypeError:
            name = None
        if name is not None:
            return name
    if hint == REFERENCE:
        return REFERENCE
    leaf = first_leaf(data)
    if leaf is not _EMPTY:
        found = value_dtype(leaf)
        if found in ("text", "ascii") and _text_hint(hint):
            return _text_hint(hint)
        if found is not None:
            return found
    return _canonical_hint(hint) if isinstance(hint, str) else None


def value_dtype(value: Any) -> str | list[CompoundField] | None:
    """Canonical dtype of an attribute value or a data element (``None`` when unknowable, e.g. [])."""
    value = unwrap(value)
    if isinstance(value, (ReferenceBuilder, Builder)):
        return REFERENCE
    if not isinstance(value, np.generic):
        scalar = scalar_dtype(value)
        if scalar is not None:
            return scalar
    if isinstance(value, np.generic | np.ndarray):
        name = numpy_dtype_name(value.dtype)
        if name is not None:
            return name
        if isinstance(value, np.ndarray) and value.dtype.kind == "O" and value.size:
            return value_dtype(value.flat[0])
        return None
    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        try:
            return numpy_dtype_name(np.dtype(dtype))
        except TypeError:
            return None
    leaf = first_leaf(value)
    if leaf is _EMPTY or leaf is value:
        return None
    return value_dtype(leaf)


_EMPTY = object()


def first_leaf(value: Any) -> Any:
    """The first scalar inside nested lists/tuples/arrays, or a private marker when empty."""
    return _first_leaf(unwrap(value), _EMPTY)


def python_ints(value: Any) -> list[int] | None:
    """The values when ``value`` is a plain Python int or a (nested) list of them, else ``None``."""
    value = unwrap(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, (list, tuple)) and value:
        out: list[int] = []
        for v in value:
            sub = python_ints(v)
            if sub is None:
                return None
            out += sub
        return out
    return None


def is_empty(value: Any) -> bool:
    """True for data holding no element (so its dtype cannot be told)."""
    return first_leaf(value) is _EMPTY


def value_shape(value: Any) -> tuple[int, ...] | None:
    """Shape of an attribute value or plain data (``()`` for scalars, ``None`` when ragged)."""
    value = unwrap(value)
    if isinstance(value, (str, bytes, ReferenceBuilder, Builder)) or value is None:
        return ()
    shape = getattr(value, "shape", None)
    if shape is not None:
        return tuple(int(n) for n in shape)
    if isinstance(value, (list, tuple)):
        if not value:
            return (0,)
        inner = {value_shape(v) for v in value}
        if len(inner) != 1:
            return None
        (sub,) = inner
        return None if sub is None else (len(value), *sub)
    return ()


def dataset_shape(builder: DatasetBuilder) -> tuple[int, ...] | None:
    """Shape of a dataset builder's data without reading it (a compound row list is 1-D)."""
    data = unwrap(builder.data)
    if isinstance(data, DataChunkIterator):
        data.peek()
        return None if data.total_rows is None else (data.total_rows, *(data.row_shape or ()))
    if isinstance(builder.dtype, list) and isinstance(data, (list, tuple)):
        return (len(data),)
    return value_shape(data)


def load(data: Any) -> np.ndarray:
    """Read a dataset's data once, as a numpy array (object arrays for references and text)."""
    data = unwrap(data)
    if isinstance(data, np.ndarray):
        return data
    if isinstance(data, (list, tuple)):
        arr = np.empty(len(data), dtype=object)
        for i, v in enumerate(data):
            arr[i] = v
        try:
            return np.asarray(data) if not _has_objects(data) else arr
        except ValueError:
            return arr
    if hasattr(data, "read") and callable(data.read) and hasattr(data, "shape"):
        return np.asarray(data.read())
    if hasattr(data, "shape") and hasattr(data, "__getitem__"):
        return np.asarray(data[()] if tuple(data.shape) == () else data[...])
    return np.asarray(data)


def _has_objects(data: Any) -> bool:
    leaf = first_leaf(data)
    return isinstance(leaf, (ReferenceBuilder, Builder))
