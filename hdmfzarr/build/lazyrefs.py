"""Datasets of references read from a store, resolved to containers only when indexed."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import numpy as np

from ..dataio import StoredArray

__all__ = ["ReferenceArray", "CompoundReferenceArray", "CompoundRows", "DatetimeArray"]


class ReferenceArray(StoredArray):
    """A 1-d array of references whose items become containers on access (not before)."""

    def __init__(self, data: Any, resolve: Callable[[Any], Any]) -> None:
        self._data = data
        self._resolve = resolve
        self.store_url = self.path = self.dims = None  # its values are containers: what is stored is wrapped
        self.dtype = np.dtype(object)

    @property
    def wrapped(self) -> StoredArray | None:
        """The stored array of unresolved references (the mapper reads its dimension names, the writer its place)."""
        return self._data if isinstance(self._data, StoredArray) else None

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(getattr(self._data, "shape", (len(self._data),)))

    def __len__(self) -> int:
        return len(self._data)

    def _one(self, ref: Any) -> Any:
        return self._resolve(ref)

    def __getitem__(self, item: Any) -> Any:
        got = self._data[item]
        if isinstance(item, (int, np.integer)):
            return self._one(got)
        if isinstance(got, np.ndarray) and got.dtype.names is None:  # (rows of a compound array stay np.void)
            got = got.tolist()
        return [self._one(r) for r in got]

    def __iter__(self) -> Iterator[Any]:
        return map(self.__getitem__, range(len(self)))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.fromiter(self, dtype=object, count=len(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(len={len(self)})"


@lru_cache(maxsize=64)
def _row_type(names: tuple[str, ...]) -> Callable[..., tuple[Any, ...]]:
    """The named-tuple class of compound rows with these fields (one per field list)."""
    make: Callable[..., Callable[..., tuple[Any, ...]]] = namedtuple  # (fields known only at run time)
    return make("CompoundRow", names, rename=True)


class CompoundReferenceArray(ReferenceArray):
    """A compound dataset whose reference fields (by index) resolve on access; rows are named tuples (fields by
    position or name, as pynwb's TimeSeriesReference: ``row.timeseries``, ``row.idx_start``)."""

    def __init__(self, data: Any, resolve: Callable[[Any], Any], ref_fields: list[int], names: list[str],
                 row_dtype: np.dtype | None = None) -> None:
        super().__init__(data, resolve)
        self.ref_fields = set(ref_fields)
        self.names = list(names)
        self.row_type = _row_type(tuple(self.names))  # the named tuple of its rows (rows added to its column too)
        if row_dtype is not None:  # a record per row (references as objects): what a table column takes rows as
            self.dtype = row_dtype

    def _one(self, row: Any) -> Any:
        if isinstance(row, (dict, np.void)):
            row = tuple(row[n] for n in self.names)
        return self.row_type(*(self._resolve(v) if i in self.ref_fields else v for i, v in enumerate(row)))

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, str):
            idx = self.names.index(item)
            return [row[idx] for row in self]
        got = super().__getitem__(item)
        return got if isinstance(item, (int, np.integer)) else self.rows_like(got)

    def rows_like(self, rows: Any) -> CompoundRows:
        return CompoundRows(list(rows), self.names, self.dtype if self.dtype.names is not None else None)


class CompoundRows(list):
    """Rows of a compound read from a store (named tuples, ``row.timeseries``); a field by name is that field of
    every row as a numpy array, as hdmf's structured arrays give it: ``col.data[:]['idx_start']``."""

    def __init__(self, rows: list[Any], names: list[str], dtype: np.dtype | None) -> None:
        super().__init__(rows)
        self._names, self._dtype = names, dtype

    def __getitem__(self, key: Any) -> Any:
        if not isinstance(key, str):
            return super().__getitem__(key)
        if key not in self._names:
            raise ValueError(f"no field of name {key}")  # (numpy's error for a structured array)
        i = self._names.index(key)
        field = self._dtype[key] if self._dtype is not None else np.dtype(object)
        out = np.empty(len(self), dtype=field)
        out[:] = [row[i] for row in self]
        return out


class DatetimeArray(ReferenceArray):
    """An isodatetime dataset read lazily: its ISO 8601 cells become datetimes on access (hdmf parses them on read);
    written again, the stored text is copied as it is."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"
