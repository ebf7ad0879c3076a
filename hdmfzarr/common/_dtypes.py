"""Column dtypes for tables: a spec dtype name (``hdmfzarr.spec.dtypes``) or numpy dtype as a ``ColumnType``:
a numpy dtype and the Python values a column accepts, checked per row with one ``isinstance``."""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np

from hdmfzarr.container import AbstractContainer
from hdmfzarr.errors import ContainerError
from hdmfzarr.record import Record
from hdmfzarr.spec.dtypes import (NUMERIC_DTYPES, STRING_DTYPES, canonical_dtype, is_known_dtype, numpy_dtype,
                                  scalar_dtype, storage_dtype)

__all__ = ["ColumnType", "resolve_dtype", "infer_column_type", "OBJECT_TYPE"]

_NUMERIC = NUMERIC_DTYPES | {"bool"}

#: the array kinds a column of each numpy kind takes (ints into floats; others need their own kind)
_FITS = {"f": "iuf", "i": "iu", "u": "iu", "c": "iufc"}
_ACCEPT = {
    "i": (int, np.integer), "u": (int, np.integer), "f": (int, float, np.integer, np.floating),
    "c": (int, float, complex, np.number), "b": (bool, np.bool_), "text": (str,), "ascii": (bytes, str),
    "isodatetime": (str, datetime.date), "O": (object,),
}


class ColumnType(Record):
    """How a column stores values: spec name (or None), numpy dtype, accepted scalar types."""

    __slots__ = ("spec_dtype", "np_dtype", "accept")
    spec_dtype: str | None
    np_dtype: np.dtype
    accept: tuple[type, ...]

    def __init__(self, spec_dtype: str | None, np_dtype: np.dtype, accept: tuple[type, ...]) -> None:
        self._set(spec_dtype, np_dtype, accept)

    @property
    def is_text(self) -> bool:
        return self.spec_dtype in STRING_DTYPES

    def check_array(self, arr: np.ndarray) -> bool:
        """True when an array's dtype fits this column (numpy kinds, ints into floats, text into text)."""
        kind, want = arr.dtype.kind, self.np_dtype.kind
        if self.is_text:
            return not arr.size or kind in "US" or kind == "O" and all(
                issubclass(t, self.accept) for t in set(map(type, arr.flat)))
        return not arr.size or want == "O" or kind in _FITS.get(want, want)

    @property
    def int_bounds(self) -> tuple[int, int] | None:
        """(min, max) an integer column can store; None for other columns."""
        if self.np_dtype.kind in "iu":
            info = np.iinfo(self.np_dtype)
            return int(info.min), int(info.max)
        return None

    def bad_value(self, values: Any) -> str | None:
        """Why a checked value (scalar or array) cannot be stored, else None: an integer out of range (numpy would
        wrap it) or text that is not UTF-8 (a lone surrogate); callers refuse the row before changing anything."""
        bounds = self.int_bounds
        if bounds is not None:
            lo, hi = bounds
            if isinstance(values, np.ndarray) and values.size and values.dtype.kind in "iuO":
                vmin, vmax = int(values.min()), int(values.max())
            elif isinstance(values, (int, np.integer)) and not isinstance(values, (bool, np.bool_)):
                vmin = vmax = int(values)
            else:
                return None
            if vmin < lo or vmax > hi:
                return f"value {vmin if vmin < lo else vmax} is out of range for dtype {self.np_dtype} [{lo}, {hi}]"
        elif self.spec_dtype in ("text", "isodatetime"):
            items = values.ravel().tolist() if isinstance(values, np.ndarray) and values.dtype.kind == "O" else [values]
            try:
                if "".join(items).isascii():  # one C pass for the common case
                    return None
            except TypeError:  # not all str
                pass
            for v in items:
                if type(v) is str and not v.isascii():
                    try:
                        v.encode("utf-8")
                    except UnicodeEncodeError as exc:
                        return f"text {v!r:.40} is not valid UTF-8 ({exc.reason} at position {exc.start})"
        return None

    def to_array(self, values: Any) -> np.ndarray:
        """Values (a list or array) as a numpy array of this column's storage dtype."""
        if self.is_text:
            if isinstance(values, np.ndarray) and values.dtype.kind in "US":
                return values
            return np.asarray(values, dtype=object)
        if self.np_dtype.kind == "O" and not isinstance(values, np.ndarray):  # one cell per value: none unpacked
            return np.fromiter(values, dtype=object, count=len(values))
        if self.np_dtype.names and len(values) and hasattr(values[0], "_fields"):  # records with references, as
            return np.fromiter(values, dtype=object, count=len(values))  # read: named tuples, one cell each
        return np.asarray(values, dtype=self.np_dtype)


OBJECT_TYPE = ColumnType(None, np.dtype(object), (object,))


def resolve_dtype(dtype: Any, where: str = "") -> ColumnType:
    """A ``ColumnType`` from a spec dtype name, numpy dtype or Python type (``str``, ``int``, ``float``)."""
    if isinstance(dtype, ColumnType):
        return dtype
    if dtype is str or dtype is bytes:
        dtype = "text" if dtype is str else "ascii"
    if isinstance(dtype, str):
        if dtype.lower() in ("object", "ref", "reference"):
            return OBJECT_TYPE
        if is_known_dtype(dtype):
            name = canonical_dtype(dtype)
            return _of_name("float64" if name == "numeric" else name)
    try:
        npd = np.dtype(dtype)
    except TypeError as exc:
        raise ContainerError(f"{where}unknown dtype {dtype!r}") from exc
    if npd.names is not None:  # a compound (structured) dtype: records as numpy voids or tuples
        return ColumnType(None, npd, (np.void, tuple))
    stored = storage_dtype(npd)
    if stored in STRING_DTYPES:
        return _of_name(stored)
    if npd.kind in _ACCEPT:
        return ColumnType(stored if stored in _NUMERIC else None, npd, _ACCEPT[npd.kind])
    return OBJECT_TYPE


def _of_name(name: str) -> ColumnType:
    """The column type of a canonical (concrete) spec dtype: the spec's numpy dtype, and its values' types."""
    npd = numpy_dtype(name)
    return ColumnType(name, npd, _ACCEPT[name if name in STRING_DTYPES else npd.kind])


def cell_shape(value: Any) -> tuple[int, ...]:
    """The shape of one cell: a container (a table too, though it has a length) is one value, as in hdmf."""
    return () if isinstance(value, AbstractContainer) else tuple(np.shape(value))


def infer_column_type(value: Any) -> ColumnType:
    """The column type for a first value (a scalar, a container, or an array/list of values)."""
    if isinstance(value, AbstractContainer):
        return OBJECT_TYPE
    name = scalar_dtype(value)
    if name is not None:
        return resolve_dtype(value.dtype) if isinstance(value, np.generic) else _of_name(name)
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):
        return OBJECT_TYPE
    if arr.dtype.kind == "O" and arr.ndim and arr.size:  # typed by the first value (0-d: an object no dtype holds),
        first = infer_column_type(arr.flat[0])  # unless the values differ in kind (a record of numbers and objects)
        same = all(infer_column_type(v).np_dtype.kind == first.np_dtype.kind for v in arr.flat)
        return first if same else OBJECT_TYPE
    return resolve_dtype(arr.dtype)
