"""Column dtypes for tables: map a spec dtype name or numpy dtype to a numpy dtype and a value check.

Spec names and aliases come from ``hdmfzarr.spec.dtypes`` (``text``, ``float32``, ``int`` ->
``int32`` ...); ``numeric`` columns store float64. ``ColumnType`` says which Python values a column accepts, checked per row with a
single ``isinstance`` so ``add_row`` stays cheap.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import numpy as np

from hdmfzarr.errors import ContainerError
from hdmfzarr.spec.dtypes import DTYPE_ALIASES, NUMERIC_DTYPES

__all__ = ["ColumnType", "resolve_dtype", "infer_column_type", "OBJECT_TYPE"]

_NUMERIC = NUMERIC_DTYPES | {"bool"}

_INT_TYPES = (int, np.integer)
_FLOAT_TYPES = (int, float, np.integer, np.floating)
_ACCEPT = {
    "i": _INT_TYPES,
    "u": _INT_TYPES,
    "f": _FLOAT_TYPES,
    "c": (int, float, complex, np.number),
    "b": (bool, np.bool_),
    "text": (str,),
    "ascii": (bytes, str),
    "isodatetime": (str, datetime.date),
    "O": (object,),
}


@dataclass(frozen=True, slots=True)
class ColumnType:
    """How a column stores values: spec name (or None), numpy dtype, accepted scalar types."""

    spec_dtype: str | None
    np_dtype: np.dtype
    accept: tuple[type, ...]

    @property
    def is_text(self) -> bool:
        return self.spec_dtype in ("text", "ascii", "isodatetime")

    def check_array(self, arr: np.ndarray) -> bool:
        """True when an array's dtype fits this column (numpy kinds, ints into floats, text into text)."""
        kind = arr.dtype.kind
        want = self.np_dtype.kind
        if arr.size == 0:
            return True
        if self.is_text:
            if kind in "US":
                return True
            if kind == "O":
                return all(issubclass(t, self.accept) for t in set(map(type, arr.flat)))
            return False
        if want == "O":
            return True
        if want == "f":
            return kind in "iuf"
        if want in "iu":
            return kind in "iu"
        if want == "b":
            return kind == "b"
        if want == "c":
            return kind in "iufc"
        return kind == want

    def to_array(self, values: Any) -> np.ndarray:
        """Values (a list or array) as a numpy array of this column's storage dtype."""
        if self.is_text:
            if isinstance(values, np.ndarray) and values.dtype.kind in "US":
                return values
            return np.asarray(values, dtype=object)
        return np.asarray(values, dtype=self.np_dtype)


OBJECT_TYPE = ColumnType(None, np.dtype(object), (object,))


def resolve_dtype(dtype: Any, where: str = "") -> ColumnType:
    """A ``ColumnType`` from a spec dtype name, numpy dtype or Python type (``str``, ``int``, ``float``)."""
    if isinstance(dtype, ColumnType):
        return dtype
    if dtype is str:
        dtype = "text"
    elif dtype is bytes:
        dtype = "ascii"
    if isinstance(dtype, str):
        name = DTYPE_ALIASES.get(dtype.lower(), dtype.lower())
        if name == "numeric":
            name = "float64"
        if name in ("text", "ascii", "isodatetime"):
            return ColumnType(name, np.dtype(object), _ACCEPT[name])
        if name in _NUMERIC:
            npd = np.dtype(name)
            return ColumnType(name, npd, _ACCEPT[npd.kind])
        if name in ("object", "ref", "reference"):
            return OBJECT_TYPE
    try:
        npd = np.dtype(dtype)
    except TypeError as exc:
        raise ContainerError(f"{where}unknown dtype {dtype!r}") from exc
    kind = npd.kind
    if kind == "U":
        return ColumnType("text", np.dtype(object), _ACCEPT["text"])
    if kind == "S":
        return ColumnType("ascii", np.dtype(object), _ACCEPT["ascii"])
    if kind == "T":  # numpy StringDType
        return ColumnType("text", np.dtype(object), _ACCEPT["text"])
    if kind in _ACCEPT:
        spec = npd.name if npd.name in _NUMERIC else None
        return ColumnType(spec, npd, _ACCEPT[kind])
    if kind == "M":
        return ColumnType("isodatetime", np.dtype(object), _ACCEPT["isodatetime"])
    return OBJECT_TYPE


def infer_column_type(value: Any) -> ColumnType:
    """The column type for a first value (a scalar, or an array/list of values)."""
    if isinstance(value, bool | np.bool_):
        return resolve_dtype("bool")
    if isinstance(value, str):
        return resolve_dtype("text")
    if isinstance(value, bytes):
        return resolve_dtype("ascii")
    if isinstance(value, int):
        return resolve_dtype("int64")
    if isinstance(value, float):
        return resolve_dtype("float64")
    if isinstance(value, datetime.date):
        return resolve_dtype("isodatetime")
    if isinstance(value, np.generic):
        return resolve_dtype(value.dtype)
    arr = value if isinstance(value, np.ndarray) else None
    if arr is None:
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError):
            return OBJECT_TYPE
    if arr.dtype.kind == "O" and arr.size:
        return infer_column_type(arr.flat[0])
    return resolve_dtype(arr.dtype)
