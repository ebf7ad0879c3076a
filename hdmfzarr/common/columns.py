"""Table columns, each holding its data in one ``AppendableArray`` (base data as given or read, plus rows appended
since); a column read from a store opened for writing holds the store's own array."""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from hdmfzarr.appendable import AppendableArray, RowBuffer, concat_rows, rows_array
from hdmfzarr.container import AbstractContainer, Data, is_lazy_array, require_str
from hdmfzarr.dataio import DataChunkIterator, DataIO, from_hdmf_iterator, is_dask_array, stored_chain, to_dask
from hdmfzarr import errors
from hdmfzarr.record import Record
from hdmfzarr.spec.dtypes import (NUMERIC_DTYPES, STRING_DTYPES, canonical_dtype, fit_integers, is_known_dtype,
                                  numpy_dtype, scalar_dtype, storage_dtype)

if TYPE_CHECKING:
    from hdmfzarr.common.table import DynamicTable

__all__ = ["BufferedData", "VectorData", "VectorIndex", "ElementIdentifiers", "DynamicTableRegion", "EnumData",
           "ColumnType", "resolve_dtype", "infer_column_type", "OBJECT_TYPE"]

# --- column dtypes: a spec dtype name (``hdmfzarr.spec.dtypes``) or numpy dtype as a ``ColumnType``: a numpy dtype
# and the Python values a column accepts, checked per row with one ``isinstance``

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
        raise errors.ContainerError(f"{where}unknown dtype {dtype!r}") from exc
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



class BufferedData(Data):
    """A ``Data`` whose rows can be appended cheaply and whose stored part may be a lazy array."""

    data_type: ClassVar[str] = "Data"
    _arr: AppendableArray  # the data as given or read (``stored``) and the rows appended since (``rows``)
    _shared: bool  # ``_arr`` is the array a store opened for writing gave (``data`` returns it)
    rows: RowBuffer  # ``_arr.rows``: rows appended and not yet merged (or stored)

    def __init__(self, name: str | None = None, data: Any = None, *, dtype: Any = None) -> None:
        self._ctype: ColumnType | None = None
        self._typed = False  # a dtype was set explicitly: rows are merged into an array, not a list
        self._ragged: str | None = None  # elements of different lengths without an index: "unwarned"/"warned"
        super().__init__(name, data)
        if dtype is not None:
            self.set_dtype(dtype)

    def set_dtype(self, dtype: Any, convert: bool = True) -> None:
        """Fix the column's dtype (spec name or numpy dtype); converts in-memory base data to it (with
        ``convert=False`` only checks it: a list stays a list, as hdmf keeps it)."""
        ctype = resolve_dtype(dtype, where=f"{self._where()}: ")
        raw = self.base_data
        self._typed = self._typed or convert
        if raw is not None and not is_lazy_array(raw) and not isinstance(raw, DataChunkIterator):
            try:
                given = raw if isinstance(raw, np.ndarray) else np.asarray(raw, dtype=object if ctype.is_text else None)
            except (ValueError, TypeError) as exc:
                raise self._error(f"cannot make an array of the data: {exc}") from None
            if not ctype.check_array(given):
                raise self._error(f"data of dtype {given.dtype} does not fit dtype {dtype!r}")
            if convert:
                self._set_raw_base(ctype.to_array(given))
        elif isinstance(raw, DataChunkIterator) and raw.dtype is not None and not ctype.is_text \
                and not ctype.check_array(np.zeros(1, raw.dtype)):  # its dtype is known before it is read
            raise self._error(f"DataChunkIterator of dtype {raw.dtype} does not fit dtype {dtype!r}")
        self._ctype = ctype

    def _default_int64(self) -> None:
        """Make an in-memory integer column int64 unless its data already is an integer array."""
        raw = self.base_data
        if self._ctype is None and not self.is_lazy and not (isinstance(raw, np.ndarray) and raw.dtype.kind in "iu"):
            self.set_dtype("int64", convert=raw is not None and type(raw) is not list)

    @property
    def column_type(self) -> ColumnType | None:
        """The column's value type: as set, else inferred from the data (None while empty)."""
        ct = self._ctype
        if ct is None:
            raw = self.base_data
            if isinstance(raw, np.ndarray) or (is_lazy_array(raw) and hasattr(raw, "dtype")):
                ct = resolve_dtype(raw.dtype) if raw.dtype.kind != "O" or not len(raw) else infer_column_type(raw[0])
            elif isinstance(raw, (list, tuple)) and len(raw):
                ct = infer_column_type(raw[0])
            elif self.rows.tail:  # no data yet: the rows added since
                ct = infer_column_type(self.rows.tail[0])
            elif self.rows.blocks:
                ct = resolve_dtype(self.rows.blocks[0].dtype)
            self._ctype = ct
        return ct

    def mark_ragged(self, warned: bool) -> ColumnType:
        """Note elements of different lengths without an index (kept as objects, as hdmf; text stays text)."""
        self._ragged = "warned" if warned else "unwarned"
        if self._ctype is None or not self._ctype.is_text:
            self._ctype = OBJECT_TYPE
        return self._ctype

    def warn_ragged(self, where: str, enabled: bool = True) -> None:
        """hdmf's warning for elements of different lengths without an index, once per column (if ``enabled``)."""
        if self._ragged == "unwarned" and enabled:
            self._ragged = "warned"
            warnings.warn(f"{where}: data has elements with different lengths and therefore cannot be coerced into "
                          "an N-dimensional array. Use the 'index' argument when creating a column to add rows with "
                          "different lengths.", UserWarning, stacklevel=7)

    def takes_ragged_rows(self) -> bool:
        """Whether a row of another shape is kept (rows in a list, no dtype set), noting the column ragged."""
        raw = self.base_data
        if self._typed or not (raw is None or type(raw) is list):
            return False
        self._ragged = self._ragged or "unwarned"
        return True

    @property
    def spec_dtype(self) -> str | None:
        """The canonical spec dtype name (``"text"``, ``"int64"`` ...) when known."""
        ct = self.column_type
        return ct.spec_dtype if ct is not None else None

    @property
    def dtype(self) -> np.dtype | None:
        raw = self.base_data
        if raw is not None and hasattr(raw, "dtype"):
            return raw.dtype
        ct = self.column_type
        return ct.np_dtype if ct is not None else None

    def row_shape(self) -> tuple[int, ...] | None:
        """Shape of one element (``()`` for scalars); None when the column is empty and untyped."""
        raw = self.base_data
        shape = getattr(raw, "shape", None)  # a DataChunkIterator has none: its rows are not read here
        if shape and (shape[0] or len(shape) > 1):
            return tuple(shape[1:])
        if isinstance(raw, (list, tuple)) and len(raw):
            return cell_shape(raw[0])
        if self.rows.blocks:
            return tuple(self.rows.blocks[0].shape[1:])
        if self.rows.tail:
            return cell_shape(self.rows.tail[0])
        return None

    @property
    def base_data(self) -> Any:
        """The stored (or given) data without the buffered rows: a lazy array stays unread."""
        raw = self._arr.stored
        return raw.data if isinstance(raw, DataIO) else raw

    def _set_raw_base(self, value: Any) -> None:
        if isinstance(self._arr.stored, DataIO):
            self._arr.stored.data = value
        else:
            self._arr.stored = value

    @property
    def data(self) -> Any:
        """All the data. In-memory columns merge buffered rows first; lazy ones read the stored part
        (an appendable array read from a store is returned as it is: it holds the new rows too)."""
        if self._shared:
            return self._arr
        if self.rows.count and self.is_lazy:
            return self._arr.read()
        self._flush()
        return self._arr.stored

    @data.setter
    def data(self, value: Any) -> None:
        value = from_hdmf_iterator(value)
        if value is not None and not isinstance(value, (list, tuple, np.ndarray, DataIO, DataChunkIterator)) and (
                isinstance(value, (str, bytes, dict, np.generic)) or not hasattr(value, "__getitem__")
                or not (hasattr(value, "__len__") or hasattr(value, "shape"))):  # (a zarr 3 array has no len)
            raise self._error(  # (as hdmf refuses it: a number or a str failed later, in len() or a write)
                "data must be array-like (list, tuple, numpy/lazy array, DataIO or DataChunkIterator), got "
                f"{type(value).__name__}", errors.ContainerTypeError)
        old = getattr(self, "_arr", None)
        if old is not None and old is not value:
            old.rows.clear()  # replaced: its rows are not appended (the new data is written instead)
        # an array read from a store opened for writing is shared: rows added here are its pending rows (or, over
        # references resolved from one, rows the next write stores in it: build.appends.stage_reference_rows)
        self._shared = any(isinstance(a, AppendableArray) for a in stored_chain(value))
        self._arr = value if isinstance(value, AppendableArray) else AppendableArray(value)
        self.rows = self._arr.rows
        self.rows.to_array = self._values_array

    def __len__(self) -> int:
        raw = self.base_data
        if isinstance(raw, DataChunkIterator):
            if raw.total_rows is None:
                raise self._error("length of a DataChunkIterator without total_rows is unknown")
            return raw.total_rows + self.rows.count
        n = 0 if raw is None else len(raw) if hasattr(raw, "__len__") else raw.shape[0]  # (zarr 3 arrays: no len)
        return n + self.rows.count

    @property
    def is_lazy(self) -> bool:
        """True when the base data is an array read from a store."""
        return is_lazy_array(self.base_data)

    def to_dask(self, chunks: Any = None) -> Any:
        """The column as a dask array: stored chunks stay lazy, buffered rows become one in-memory block."""
        raw = self._check_daskable(self.base_data)
        if self.rows.count and not (is_lazy_array(raw) or is_dask_array(raw)):
            return to_dask(BufferedData._get_array(self, slice(None)), chunks)  # all in memory (positions of an enum)
        return self._arr.to_dask(chunks)

    def _values_array(self, values: Any) -> np.ndarray:
        ct = self.column_type
        return np.asarray(values) if ct is None else ct.to_array(values)

    @property
    def array_data(self) -> Any:
        """The data as a backend stores it: a list becomes one array of the column's dtype; others as they are."""
        data = self.data
        return self._values_array(data) if type(data) is list and data else data

    def _flush(self) -> None:
        """Merge buffered rows into an in-memory base: a list (or none) grows in place, as in hdmf; else an array."""
        if not self.rows.count or self.is_lazy:
            return
        raw = self.base_data
        if not self.rows.blocks and ((raw is None and not self._typed) or type(raw) is list):
            if raw is None:
                self._set_raw_base(list(self.rows.tail))
            else:
                raw.extend(self.rows.tail)
        else:
            pending = self.rows.array()
            if raw is not None and len(raw):
                pending = concat_rows([raw if isinstance(raw, np.ndarray) else self._values_array(raw), pending])
            self._set_raw_base(pending)
        self.rows.clear()

    # --- appending (no validation here: tables validate whole rows first) -------------------
    def append(self, value: Any) -> None:
        """Buffer one row (amortised O(1)); an array with an array column's dimensions is rows (as hdmf appends)."""
        if isinstance(value, np.ndarray) and value.ndim:
            shape = getattr(self.base_data, "shape", None)  # None, lists and tuples have none
            if shape is not None and len(shape) == value.ndim:
                self.extend(value)
                return
        self.rows.append(value)

    add_row = append

    def extend(self, values: Any) -> None:
        """Buffer many rows at once (a list or array)."""
        n = len(values)
        if not n:
            return
        if isinstance(values, np.ndarray) or n > 64:
            ct = self.column_type
            if ct is None:
                ct = self._ctype = infer_column_type(values)
            self.rows.add_block(ct.to_array(values))
        else:
            self.rows.extend(list(values))

    def read(self, key: Any) -> Any:
        """The stored elements by int, slice or integer array, reading only what is needed from a lazy base (also
        ``get``, which region, index and enum columns override); rows of a list base are a list, as hdmf gives them."""
        return self._get_array(key, keep_list=True)

    get = read

    def _get_array(self, key: Any, keep_list: bool = False) -> Any:
        """``read`` with numpy results unless ``keep_list``; only a lazy base still has pending rows here (the array
        reads both parts)."""
        self._flush()
        sel = select_rows(key, len(self), self._where)
        raw = self.base_data
        if self.rows.count:
            raw = self._arr
        elif type(raw) is list and not isinstance(sel, int):  # only the rows asked for become an array
            rows = raw[sel] if isinstance(sel, slice) else [raw[i] for i in sel.ravel().tolist()]
            return rows if keep_list else self._values_array(rows)
        elif type(raw) is not list and not isinstance(raw, np.ndarray) and not is_lazy_array(raw):
            if isinstance(raw, DataChunkIterator):
                raise self._error("data given as a DataChunkIterator cannot be read back")
            ct = self.column_type
            if raw is None or not len(raw) and ct is None:  # untyped and empty: the first value added sets the type
                raw = np.zeros(0) if ct is None else ct.to_array([])
            else:  # a tuple, a pandas Series, any other array-like: an array (positions, not a Series' labels)
                raw = self._values_array(raw if isinstance(raw, tuple) else np.asarray(raw))
                self._set_raw_base(raw)
        if isinstance(sel, int):
            return raw[sel]
        return rows_array(raw[sel] if isinstance(sel, slice) or sel.size else raw[0:0])

    def get_all(self) -> np.ndarray | list[Any]:
        """Every element as one numpy array (one read of a lazy base); ragged columns give a list."""
        return self._get_array(slice(None))

    def __getitem__(self, key: Any) -> Any:
        return self.get(key)

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        # Never touches the data: lengths and dtypes only (a lazy base is not read).
        parts = [self._where(), f"rows={len(self)}"]
        dtype = self.spec_dtype if self._ctype is not None or not self.is_lazy \
            else getattr(self.base_data, "dtype", None)
        if dtype is not None:
            parts.append(f"dtype={dtype}")
        if self.is_lazy:
            parts.append(f"stored={len(self) - self.rows.count} pending={self.rows.count}")
        for field in ("target", "table"):  # what an index or a region column points at
            if (linked := getattr(self, field, None)) is not None:
                parts.append(f"{field}={linked.name!r}")
        return "<" + " ".join(parts) + ">"


class VectorData(BufferedData):
    """A table column (hdmf-common ``VectorData``): one element per row, or the flat target of an index."""

    data_type: ClassVar[str] = "VectorData"
    field_names: ClassVar[tuple[str, ...]] = ("description",)

    def __init__(self, name: str, description: str, data: Any = None, *, dtype: Any = None) -> None:
        self.description = require_str(description, f"{type(self).__name__} {name!r}: description")
        super().__init__(name, data, dtype=dtype)

    def get_meanings(self) -> Any:
        """The MeaningsTable of this column in its table, or None."""
        getter = getattr(self.parent, "get_meanings_for_column", None)
        try:
            return None if getter is None else getter(self.name)
        except KeyError:
            return None


class VectorIndex(VectorData):
    """Offsets into a target column (``VectorData`` or another ``VectorIndex``) making it ragged."""

    data_type: ClassVar[str] = "VectorIndex"
    repr_kind: ClassVar[str] = "index"
    field_names: ClassVar[tuple[str, ...]] = ("target",)

    def __init__(self, name: str, data: Any, target: VectorData, description: str | None = None) -> None:
        if not isinstance(target, VectorData):
            raise errors.ContainerError(
                f"VectorIndex {name!r}: target must be a VectorData, got {type(target).__name__}")
        self.target = target
        super().__init__(name, description or f"Index for VectorData '{target.name}'", data)

    @property
    def column_type(self) -> ColumnType:
        return _INDEX_TYPE

    def _values_array(self, values: Any) -> np.ndarray:
        arr = np.asarray(values, dtype=np.uint64)
        return arr.astype(_min_uint(int(arr.max())), copy=False) if arr.size else arr

    def _flush(self) -> None:
        raw = self.base_data
        before = len(raw) if type(raw) is list else 0
        super()._flush()
        raw = self.base_data
        # negative offsets are left as given (the build refuses them), not wrapped to large unsigned ones
        kind = raw.dtype.kind if isinstance(raw, np.ndarray) and raw.size else ""
        if kind == "u" or kind == "i" and raw.min() >= 0:
            self._set_raw_base(raw.astype(_min_uint(int(raw[-1])), copy=False))
        elif type(raw) is list and len(raw) > before:
            # as hdmf: offsets in a list are numpy unsigned scalars of the smallest width for the largest
            # (all of them re-made when the width grows)
            uint = _min_uint(int(raw[-1])).type
            start = 0 if before == 0 or type(raw[0]) is not uint else before
            raw[start:] = [uint(v) for v in raw[start:]]

    def add_vector(self, values: Any, index: bool = False) -> None:
        """Append one ragged row: its values to the target (an EnumData's looked up unless ``index``), its end here."""
        target = self.target
        if isinstance(target, VectorIndex):
            for inner in values:
                target.add_vector(inner, index=index)
        elif isinstance(target, EnumData) and not index:
            target.extend(target.positions(values))
        else:
            target.extend(values)
        self.append(len(target))

    add_row = add_vector  # type: ignore[assignment]  # hdmf's name

    def _offsets(self, lo: int, hi: int) -> np.ndarray:
        """Start offsets of rows lo..hi-1 followed by the end of row hi-1, as int64 (``hi-lo+1`` values)."""
        offsets = np.asarray(self.get_offsets(slice(max(lo - 1, 0), hi)), dtype=np.int64)
        return np.concatenate([np.zeros(1, np.int64), offsets]) if lo == 0 else offsets

    def get(self, key: Any, **kwargs: Any) -> Any:
        """Ragged rows (``read``); rows of a region column are the target rows (a DataFrame per row, as hdmf)."""
        rows, target = self.read(key), self.target
        if not isinstance(target, DynamicTableRegion):
            return rows
        if isinstance(key, (int, np.integer)):
            return target.target_rows(rows, **kwargs)
        return [target.target_rows(r, **kwargs) for r in rows]

    def read(self, key: Any) -> Any:
        """Ragged rows: an array per row (a list of arrays per row for doubly ragged)."""
        idx = select_rows(key, len(self), self._where)
        if isinstance(idx, int):
            offsets, target = self.base_data, self.target
            values = target.base_data
            if (is_lazy_array(offsets) and is_lazy_array(values) and not self.rows.count and not target.rows.count
                    and not isinstance(target, (VectorIndex, EnumData))):  # a stored row, read one by one: no layers
                pair = offsets[max(idx - 1, 0):idx + 1].tolist()
                lo, hi = (0, pair[0]) if idx == 0 else pair
                return rows_array(values[lo:max(lo, hi)])
            bounds = self._offsets(idx, idx + 1)
            return target.read(slice(int(bounds[0]), int(bounds[1])))
        if isinstance(idx, slice):
            if idx.stop == idx.start:
                return []
            bounds = self._offsets(idx.start, idx.stop)
            return _rows(self.target.read(slice(int(bounds[0]), int(bounds[-1]))), bounds)
        if idx.size == 0:
            return []
        lo, hi = int(idx.min()), int(idx.max()) + 1
        if hi - lo > 4 * idx.size + 64:  # scattered rows: their offsets, then their values (two reads)
            if isinstance(self.target, VectorIndex):
                return [self.read(int(i)) for i in idx]
            both = np.asarray(self.get_offsets(np.concatenate([np.maximum(idx - 1, 0), idx])), dtype=np.int64)
            starts, ends = np.where(idx == 0, 0, both[: idx.size]), both[idx.size:]
            lengths = ends - starts
            if not lengths.sum():
                return [self.target.read(slice(0, 0)) for _ in idx]
            firsts = starts - np.concatenate([[0], np.cumsum(lengths)[:-1]])
            values = self.target.read(np.repeat(firsts, lengths) + np.arange(lengths.sum()))
            return np.split(values, np.cumsum(lengths)[:-1])
        span = self.read(slice(lo, hi))  # two reads: the offsets and the values of the span
        return [span[int(i) - lo] for i in idx]

    def rows_of(self, ends: Any, values: Any) -> list:
        """Every row, from all of this index's offsets and all of its target's values (read apart, concurrently)."""
        ends = np.asarray(ends, dtype=np.int64)
        return _rows(values[:int(ends[-1])], np.concatenate([np.zeros(1, np.int64), ends])) if ends.size else []

    def get_target_data(self) -> VectorData:
        """The VectorData holding the values, past any nested indexes."""
        return column_chain(self)[-1]

    get_offsets = BufferedData._get_array  # hdmf's name: the raw offsets (this column's own data), numpy

    def get_all(self) -> list[Any]:
        """Every ragged row (one read of the offsets and one of the target, split with numpy)."""
        return self.read(slice(None))


def select_rows(key: Any, n: int, where: str | Callable[[], str]) -> int | slice | np.ndarray:
    """Rows ``key`` of ``n`` as an int, a step-1 slice or int64 positions (negative rows count from the end; all
    in range). ``where`` names the object in errors (a callable is asked only then)."""
    if type(key) is int and 0 <= key < n:
        return key
    if callable(where):
        where = where()
    if isinstance(key, (bool, np.bool_)):
        raise errors.ContainerTypeError(f"{where}: rows are selected by int, not bool {key}")
    if isinstance(key, (int, np.integer)):
        i = int(key) + n if key < 0 else int(key)
        if not 0 <= i < n:
            raise errors.ContainerIndexError(f"{where}: row {key} out of range for {n} rows")
        return i
    if isinstance(key, slice):
        start, stop, step = key.indices(n)
        if step == 1:
            return slice(start, max(start, stop))
        key = np.arange(start, stop, step)
    idx = np.asarray(key)
    if idx.dtype.kind == "b":
        if idx.shape != (n,):
            raise errors.ContainerIndexError(f"{where}: boolean row mask of {idx.size} elements for {n} rows")
        idx = np.flatnonzero(idx)
    if idx.size and idx.dtype.kind not in "iu":
        raise errors.ContainerError(f"{where}: rows must be selected by int, slice or integers, got {key!r}")
    idx = np.where(idx < 0, idx + n, idx).astype(np.int64, copy=False)
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise errors.ContainerIndexError(f"{where}: rows {key!r:.60} out of range for {n} rows")
    return idx


def column_chain(top: BufferedData) -> list[Any]:
    """``top`` and what it indexes, down to the column holding the values (the leaf, last)."""
    chain = [top]
    while isinstance(chain[-1], VectorIndex):
        chain.append(chain[-1].target)
    return chain


def _rows(flat: Any, bounds: np.ndarray) -> list:
    """The rows of ``flat`` (the values from offset ``bounds[0]`` on), cut at the row ``bounds``."""
    cuts = bounds[1:-1] - bounds[0]
    if isinstance(flat, list):  # rows of a doubly ragged target
        edges = [0, *cuts.tolist(), len(flat)]
        return [flat[a:b] for a, b in zip(edges, edges[1:])]
    return np.split(flat, cuts)


def is_ragged_list(data: Any) -> bool:
    """True for a list or tuple of sequences of different lengths, at any depth (hdmf's raggedness test)."""
    if type(data) not in (list, tuple) or not data or not isinstance(data[0], (list, tuple, np.ndarray)):
        return False
    if len({len(v) if isinstance(v, (list, tuple, np.ndarray)) else -1 for v in data}) > 1:
        return True
    return any(is_ragged_list(list(v) if isinstance(v, np.ndarray) and v.dtype.kind == "O" else v) for v in data)


def _min_uint(maxval: int) -> np.dtype:
    return fit_integers(0, maxval, np.uint8) or np.dtype(np.uint64)


_INDEX_TYPE = ColumnType(None, np.dtype(np.uint64), (int, np.integer))


class ElementIdentifiers(BufferedData):
    """Row ids of a table (hdmf-common ``ElementIdentifiers``), int64 by default."""

    data_type: ClassVar[str] = "ElementIdentifiers"

    def __init__(self, name: str = "element_id", data: Any = None) -> None:
        super().__init__(name, data)
        self._default_int64()

    def __eq__(self, other: object) -> Any:  # type: ignore[override]
        """hdmf's id search: the row positions whose id is ``other`` (an int, ints, or other ids), so that
        ``table[table.id == [2, 4]]`` selects those rows."""
        wanted: Any = other.get_all() if isinstance(other, BufferedData) else other
        arr = np.asarray(wanted) if isinstance(wanted, (int, np.integer, list, tuple, np.ndarray)) else None
        if arr is None or (arr.size and arr.dtype.kind not in "iu"):
            raise errors.ContainerTypeError(f"ElementIdentifiers {self.name!r}: ids are searched by int or ints, "
                                            f"got {type(other).__name__} {other!r:.60}")
        return np.flatnonzero(np.isin(self.get_all(), arr))

    __hash__ = BufferedData.__hash__  # still hashable by identity


class DynamicTableRegion(VectorData):
    """A column of row indices into another table (``table``, a link, not a child)."""

    data_type: ClassVar[str] = "DynamicTableRegion"
    repr_kind: ClassVar[str] = "region"
    field_names: ClassVar[tuple[str, ...]] = ("table",)

    def __init__(self, name: str, data: Any, description: str, table: DynamicTable | None = None,
                 validate_data: bool = True) -> None:
        super().__init__(name, description, data)
        self._table: DynamicTable | None = None
        self.validate_data = validate_data
        self._default_int64()
        self.table = table

    @property
    def table(self) -> DynamicTable | None:
        """The target table (a link)."""
        return self._table

    @table.setter
    def table(self, table: DynamicTable | None) -> None:
        if table is None:  # as hdmf: unsetting is a no-op
            return
        raw = self.base_data
        if raw is not None and not is_lazy_array(raw) and not isinstance(raw, DataChunkIterator):
            self.check_in_bounds(raw, table)
        self._table = table

    def check_in_bounds(self, values: Any, table: DynamicTable | None = None) -> None:
        """Raise ContainerIndexError (an IndexError) if any of ``values`` is not a row of the target table."""
        table = self._table if table is None else table
        if table is None or not self.validate_data:
            return
        arr = np.asarray(values)
        n = len(table)
        bad = arr[(arr < 0) | (arr >= n)] if arr.size else arr
        if bad.size:
            raise self._error(f"row index out of range for table {table.name!r} with {n} rows: "
                              f"got {', '.join(map(str, bad.ravel().tolist()[:10]))}", errors.ContainerIndexError)

    def append(self, value: Any) -> None:
        self.check_in_bounds(value)
        super().append(value)

    add_row = append

    def extend(self, values: Any) -> None:
        self.check_in_bounds(values)
        super().extend(values)

    def target_rows(self, indices: Any, df: bool = True, index: bool = False) -> Any:
        """The target table's rows at ``indices`` (an int or a list), as ``table.get`` gives them."""
        if not isinstance(indices, (int, np.integer)):
            indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        return self._target().get(indices, df=df, index=index)

    def get(self, key: Any, index: bool = False, df: bool = True) -> Any:  # type: ignore[override]
        """As hdmf: the target rows the selected elements point at (a DataFrame; ``index=True``: the indices);
        ``region[i, "col"]`` the target's cells; ``region["col"]`` the target's column."""
        if not df and not index:
            raise errors.ContainerError(
                f"DynamicTableRegion {self.name!r}: get with df=False and index=False is not supported")
        if isinstance(key, str):
            return self._target()[key]
        if isinstance(key, tuple):
            if len(key) != 2:
                raise errors.ContainerError(
                    f"DynamicTableRegion {self.name!r}: expected region[rows, column], got {key!r:.60}")
            rows = self.read(key[0])
            if not isinstance(rows, (int, np.integer)):
                rows = np.asarray(rows, dtype=np.int64)
            return self._target()[rows, key[1]]
        if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer, slice, list, tuple, np.ndarray)):
            raise errors.ContainerTypeError(f"DynamicTableRegion {self.name!r}: rows are selected by int, slice or "
                                            f"integers, got {key!r:.60}")
        rows = self.read(key)
        return rows if index else self.target_rows(rows, df=df)

    def _target(self) -> DynamicTable:
        if self._table is None:
            raise errors.ContainerError(f"DynamicTableRegion {self.name!r}: no target table set")
        return self._table

    def to_dataframe(self, **kwargs: Any) -> Any:
        """The target rows of every element as one DataFrame (``kwargs`` go to the table's ``to_dataframe``)."""
        rows = np.asarray(self.read(slice(None)), dtype=np.int64)
        return self._target().to_dataframe(**kwargs).iloc[rows]

    @property
    def shape(self) -> tuple[int, ...]:
        """(elements, columns of the target table), as hdmf gives it."""
        return (len(self), len(self._target().columns))

    def resolve(self, indices: Any) -> Any:
        """The target table's rows for these indices (a row dict for an int, else a dict of columns)."""
        key = int(indices) if isinstance(indices, (int, np.integer)) else np.asarray(indices, dtype=np.int64)
        return self._target().get_dict(key)


class EnumData(VectorData):
    """A column of values drawn from a fixed set (hdmf-experimental ``EnumData``): ``elements`` holds each distinct
    value once and the column's data their positions; reads give values."""

    data_type: ClassVar[str] = "EnumData"
    namespace: ClassVar[str] = "hdmf-experimental"
    field_names: ClassVar[tuple[str, ...]] = ("elements",)

    def __init__(self, name: str, description: str, data: Any = None, elements: Any = None) -> None:
        super().__init__(name, description, data)
        if not isinstance(elements, VectorData):
            elements = VectorData(f"{name}_elements", f"fixed set of elements referenced by {name}",
                                  data=[] if elements is None else elements)
        self.elements = elements
        self._positions: tuple[dict[Any, int], int] = ({}, -1)  # value -> position, for len(elements)

    @property
    def column_type(self) -> ColumnType:
        return _INDEX_TYPE

    def positions(self, values: Any) -> list[int]:
        """The positions of values in ``elements`` (the first of equal ones); new values are appended to it."""
        pos, known = self._positions
        if known != len(self.elements):  # built for other elements (or never yet)
            pos = {v: i for i, v in reversed(list(enumerate(np.asarray(self.elements.get_all()).tolist())))}
        out = []
        for value in values:
            key = value.item() if isinstance(value, np.generic) else value
            if key not in pos:
                pos[key] = len(self.elements)
                self.elements.append(value)
            out.append(pos[key])
        self._positions = (pos, len(self.elements))
        return out

    def add_row(self, val: Any, index: bool = False) -> None:  # type: ignore[override]
        """Append one row given its value (``index=True``: given its position in ``elements``)."""
        self.append(val if index else self.positions([val])[0])

    def _values_array(self, values: Any) -> np.ndarray:
        return as_positions(values)

    def _get_array(self, key: Any, keep_list: bool = False) -> Any:
        """The values of the selected rows (``read``, ``get_all``): ``elements`` looked up by position."""
        idx = super()._get_array(key, keep_list)
        values = np.asarray(self.elements.get_all())
        return values[int(idx) if isinstance(idx, (int, np.integer)) else np.asarray(idx, dtype=np.int64)]

    def get(self, key: Any, index: bool = False, join: bool = False) -> Any:  # type: ignore[override]
        """The values of the selected rows (``index=True``: their positions; ``join``: one joined string)."""
        if index:
            return BufferedData._get_array(self, key, keep_list=True)
        out = self.read(key)
        return "".join(np.asarray(out).ravel().tolist()) if join else out


def int64_array(values: Any, what: str) -> np.ndarray:
    """``values`` as int64 (ids, rows of a region); ContainerError ``"{what}, got dtype ..."`` for non-integers."""
    arr = np.asarray(values)
    if arr.size and arr.dtype.kind not in "iu":
        raise errors.ContainerError(f"{what}, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def as_positions(values: Any) -> np.ndarray:
    """Enum positions as the smallest unsigned integer array that holds them (ContainerError for non-integers)."""
    arr = int64_array(values, "EnumData: positions must be integers")
    return arr.astype(_min_uint(int(arr.max()) if arr.size else 0), copy=False)
