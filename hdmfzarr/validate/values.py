"""What a builder actually holds (canonical dtype, shape, values of datasets and attributes), from numpy, lazy
or ``DataIO``-wrapped arrays, plain Python values and ``ReferenceBuilder``s, reading data only when asked to; and
the spec-language rules the validator applies to them (dtype up-casting, shapes, ISO datetimes) and how issues
describe them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Sequence

import numpy as np

from ..build.builders import Builder, CompoundField, DatasetBuilder, ReferenceBuilder
from ..build.convert import value_dtype
from ..dataio import DataChunkIterator, DataIO
from ..spec.dtypes import (INTEGER_DTYPES, STRING_DTYPES, TEXT_DTYPES, allowed_dtypes, first_leaf, fit_integers,
                           is_known_dtype)

__all__ = ["REFERENCE", "unwrap", "dataset_dtype", "value_dtype", "dataset_shape", "value_shape", "load", "python_ints",
           "is_empty", "dtype_satisfies", "describe_dtype", "describe_found", "int_fits", "describe_shape",
           "is_isodatetime"]

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
    return np.asarray(data)  # zarr's, h5py's and dask's arrays read themselves through __array__



def dtype_satisfies(found: Any, expected: Any) -> bool:
    """Whether stored dtype ``found`` satisfies spec dtype ``expected`` by the language's up-casting; any string kind
    meets a string one (Zarr keeps text and ascii alike as UTF-8). Compound and reference specs are the caller's."""
    if expected is None or found is None:
        return True
    if not isinstance(expected, str) or not isinstance(found, str) or not is_known_dtype(expected):
        return False
    return found == expected or found in (STRING_DTYPES if expected in STRING_DTYPES else allowed_dtypes(expected))


_DESCRIBED = {"float32": "float32 or float64", "numeric": "numeric (integer or float)",
              "isodatetime": "isodatetime (ISO 8601 text)", **dict.fromkeys(TEXT_DTYPES, "text")}


def describe_dtype(expected: Any) -> str:
    """Human text for what a spec dtype accepts, e.g. ``int32 or wider integer``."""
    if (from_ref := getattr(expected, "target_type", None)) is not None:
        return f"object reference to {from_ref}"
    if isinstance(expected, (list, tuple)):
        fields = ", ".join(f"{getattr(f, 'name', '?')}: {describe_dtype(getattr(f, 'dtype', None))}" for f in expected)
        return f"compound ({fields})"
    if expected in INTEGER_DTYPES and len(allowed_dtypes(expected)) > 1:
        return f"{expected} or wider {'unsigned ' if expected.startswith('u') else ''}integer"
    return _DESCRIBED.get(expected, str(expected))


def int_fits(value: int, dtype: str) -> bool:
    """Whether an integer fits a canonical integer dtype (``numeric`` takes any)."""
    return dtype == "numeric" or fit_integers(value, value, dtype) == np.dtype(dtype)


def describe_found(found: Any) -> str:
    """Human text for a stored dtype (canonical name, ``object reference`` or compound fields)."""
    if found == "object":
        return "object reference"
    if isinstance(found, list):
        fields = ", ".join(
            f"{f.name}: {describe_found(f.dtype)}" if isinstance(f, CompoundField) else str(f) for f in found)
        return f"compound ({fields})"
    return str(found)


def describe_shape(options: Sequence[Sequence[int | None]], dims: Sequence[Sequence[str]] | None = None) -> str:
    """``[None] (num_rows) or [None, 3] (x, y)``: the allowed shapes, with their dims if known."""
    parts = []
    for i, opt in enumerate(options):
        text = "scalar" if opt == () else "[" + ", ".join("any" if a is None else str(a) for a in opt) + "]"
        if dims and i < len(dims) and dims[i]:
            text += f" ({', '.join(dims[i])})"
        parts.append(text)
    return " or ".join(parts)


def is_isodatetime(value: Any) -> bool:
    """True for a date or datetime, or a str/bytes ISO 8601 string that parses."""
    if isinstance(value, (datetime, date)):
        return True
    try:  # datetime's parser takes every form date's does (3.11+); a UnicodeDecodeError is a ValueError
        text = value.decode("utf-8") if isinstance(value, bytes) else value
        return isinstance(text, str) and datetime.fromisoformat(text.strip()) is not None
    except ValueError:
        return False
