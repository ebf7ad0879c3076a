"""What a builder actually holds (canonical dtype, shape, values of datasets and attributes), from numpy, lazy
or ``DataIO``-wrapped arrays, plain Python values and ``ReferenceBuilder``s, reading data only when asked to."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..build.builders import Builder, CompoundField, DatasetBuilder, ReferenceBuilder
from ..build.convert import value_dtype
from ..dataio import DataChunkIterator, DataIO
from ..spec.dtypes import first_leaf

__all__ = ["REFERENCE", "unwrap", "dataset_dtype", "value_dtype", "dataset_shape", "value_shape", "load", "python_ints",
           "is_empty"]

REFERENCE = "object"


def unwrap(data: Any) -> Any:
    """The array-like inside a ``DataIO`` (or the data itself)."""
    while isinstance(data, DataIO):
        data = data.data
    return data


def dataset_dtype(builder: DatasetBuilder) -> str | list[CompoundField] | None:
    """The dtype a dataset builder holds; the array's own dtype wins over the builder's hint."""
    return value_dtype(builder.data, builder.dtype)


_EMPTY = object()


def python_ints(value: Any) -> list[int] | None:
    """The values when ``value`` is a plain Python int or a (nested) list of them, else ``None``."""
    value = unwrap(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, (list, tuple)) and value:
        subs = [python_ints(v) for v in value]
        return None if None in subs else [i for sub in subs if sub is not None for i in sub]
    return None


def is_empty(value: Any) -> bool:
    """True for data holding no element (so its dtype cannot be told)."""
    return first_leaf(unwrap(value), _EMPTY) is _EMPTY


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
        sub = inner.pop() if len(inner) == 1 else None
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
        arr = np.fromiter(data, dtype=object, count=len(data))
        try:
            return arr if isinstance(first_leaf(data), (ReferenceBuilder, Builder)) else np.asarray(data)
        except ValueError:
            return arr
    if hasattr(data, "read") and callable(data.read) and hasattr(data, "shape"):
        return np.asarray(data.read())
    if hasattr(data, "shape") and hasattr(data, "__getitem__"):
        return np.asarray(data[()] if tuple(data.shape) == () else data[...])
    return np.asarray(data)
