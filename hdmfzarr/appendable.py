"""Arrays that grow by rows, backend-neutral: a backend writes an :class:`AppendableArray`'s ``pending_rows``, then
calls ``mark_stored`` with the grown stored array; table columns keep their data in one too."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from hdmfzarr import errors
from hdmfzarr.dataio import DataIO, StoredArray, import_dask_array, to_dask

__all__ = ["RowBuffer", "AppendableArray", "concat_rows", "take_rows", "rows_array"]


def rows_array(values: Any) -> np.ndarray:
    """Rows read from a stored array as a numpy array; records with references (named tuples, as a compound with
    reference fields reads) stay one cell each (``row.timeseries``), not spread into a 2-d array."""
    if isinstance(values, list) and values and hasattr(values[0], "_fields"):
        return np.fromiter(values, dtype=object, count=len(values))
    return np.asarray(values)


def concat_rows(parts: list[np.ndarray]) -> np.ndarray:
    """The row blocks ``parts`` as one array (object dtype when any block is object)."""
    parts = [p for p in parts if len(p)] or parts[:1]
    if len(parts) == 1:
        return parts[0]
    if any(p.dtype.kind == "O" for p in parts):
        return np.concatenate([p.astype(object, copy=False) for p in parts])
    return np.concatenate(parts)


def take_rows(stored: Any, pending: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Rows ``idx`` (non-negative, in range) of ``stored`` then ``pending``, reading only the stored rows asked for."""
    nstored = len(stored)
    in_stored = idx < nstored
    if in_stored.all():
        return rows_array(stored[idx])
    if not in_stored.any():
        return pending[idx - nstored]
    a, b = rows_array(stored[idx[in_stored]]), pending[idx[~in_stored] - nstored]
    out = np.empty((idx.size, *a.shape[1:]), dtype=object if a.dtype.kind == "O" else np.result_type(a, b))
    out[in_stored], out[~in_stored] = a, b
    return out


class RowBuffer:
    """Rows appended and not yet merged or stored: ``tail`` (single rows) after ``blocks`` (arrays)."""

    __slots__ = ("blocks", "tail", "count", "to_array")

    def __init__(self, to_array: Callable[[list[Any]], np.ndarray]) -> None:
        self.to_array = to_array  # how buffered single rows become an array (a table column sets its own)
        self.clear()

    def clear(self) -> None:
        """Forget every buffered row (in place: a buffer may be shared by a column and its array)."""
        self.blocks: list[np.ndarray] = []
        self.tail: list[Any] = []
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def append(self, value: Any) -> None:
        """Buffer one row (amortised O(1))."""
        self.tail.append(value)
        self.count += 1

    def extend(self, values: list[Any]) -> None:
        """Buffer a few rows given as a list (kept as Python values until read)."""
        self.tail.extend(values)
        self.count += len(values)

    def add_block(self, block: np.ndarray) -> None:
        """Buffer rows given as one array (single rows buffered before become a block first)."""
        self._seal()
        self.blocks.append(block)
        self.count += len(block)

    def _seal(self) -> None:
        if self.tail:
            self.blocks.append(self.to_array(self.tail))
            self.tail = []

    def array(self) -> np.ndarray:
        """Every buffered row as one array (the buffer is compacted into a single block)."""
        self._seal()
        if len(self.blocks) > 1:
            self.blocks = [concat_rows(self.blocks)]
        return self.blocks[0]

    def drop(self, n: int) -> None:
        """Forget the last ``n`` rows buffered (a row a table took back: a later cell of it was bad)."""
        self.count -= n
        while n:
            if self.tail:
                k = min(n, len(self.tail))
                del self.tail[len(self.tail) - k:]
            else:
                last = self.blocks.pop()
                k = min(n, len(last))
                if k < len(last):
                    self.blocks.append(last[:len(last) - k])
            n -= k


class AppendableArray(StoredArray):
    """A dataset read from a store opened for writing: the stored rows (a backend's lazy array) plus
    rows appended with :meth:`append` / :meth:`extend`, stored by the next write."""

    def __init__(self, stored: Any) -> None:
        self.stored = stored
        self.rows = RowBuffer(self._to_array)

    def _to_array(self, rows: Any) -> np.ndarray:
        arr = np.asarray(rows, dtype=object if self.stored.dtype.kind in "OT" else None)
        if arr.dtype.kind == "f" and self.stored.dtype.kind in "iub":
            raise errors.StoreError(f"{self.where}: cannot store float values in the {self.stored.dtype} data")
        want = tuple(self.stored.shape[1:])
        if arr.ndim == 0 or arr.shape[1:] != want:
            got = "a single value, not a sequence of rows" if arr.ndim == 0 else f"rows of shape {arr.shape[1:]}"
            raise errors.StoreError(f"{self.where}: each appended row must have shape {want}, got {got}")
        return arr

    def append(self, row: Any) -> None:
        """Buffer one element along the first axis."""
        self._to_array([row])  # checks the shape and kind now, not when written
        self.rows.append(row)

    def extend(self, rows: Any) -> None:
        """Buffer several elements along the first axis (an array or list of rows)."""
        arr = self._to_array(rows)
        if len(arr):
            self.rows.add_block(arr)

    @property
    def pending_rows(self) -> np.ndarray | None:
        """The rows not yet stored, as one array (None when there are none)."""
        return self.rows.array() if self.rows.count else None

    def mark_stored(self, stored: Any) -> None:
        """After a write: ``stored`` now holds every row; the buffer is cleared."""
        self.stored = stored
        self.rows.clear()

    @property
    def shape(self) -> tuple[int, ...]:
        s = tuple(self.stored.shape)
        return (s[0] + self.rows.count, *s[1:]) if s else s

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def wrapped(self) -> StoredArray | None:
        return self.stored if isinstance(self.stored, StoredArray) else None

    def __getattr__(self, name: str) -> Any:
        """The stored array's own attributes (``dtype``, ``ndim``, ``chunks``, ...), among them ``StoredArray``'s
        ``store_url``/``path``/``dims`` (set on no instance here: None over data not read from a store)."""
        if name.startswith("__") or name == "stored":  # not set yet (copying, unpickling)
            raise AttributeError(name)
        if name in ("store_url", "path", "dims") and self.wrapped is None:
            return None
        return getattr(self.stored, name)

    @property
    def where(self) -> str:
        return str(getattr(self.stored, "where", getattr(self.stored, "path", None)))

    def __len__(self) -> int:
        return self.shape[0] if self.shape else len(self.stored)

    def __iter__(self) -> Iterator[Any]:
        yield from self.stored
        pending = self.pending_rows
        if pending is not None:
            yield from pending

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.read() if dtype is None else self.read().astype(dtype)

    def read(self) -> np.ndarray:
        """Every row, stored and pending, as numpy."""
        stored = rows_array(self.stored[:])
        pending = self.pending_rows
        return stored if pending is None else concat_rows([stored, pending])

    def __getitem__(self, key: Any) -> Any:
        pending = self.pending_rows
        if pending is None:
            return self.stored[key]
        got = self._get(key, pending)
        return self.stored.rows_like(got) if isinstance(self.stored, StoredArray) and isinstance(got, np.ndarray) \
            else got

    def _get(self, key: Any, pending: np.ndarray) -> Any:
        first, rest = (key[0], key[1:]) if isinstance(key, tuple) and key else (key, ())

        def at(rows: Any) -> Any:
            return (rows, *rest) if rest else rows

        n, nstored = len(self), len(self.stored)
        if isinstance(first, (int, np.integer)):
            i = int(first) + n if first < 0 else int(first)
            if not 0 <= i < n:
                raise IndexError(f"{self.where}: index {first} out of range for axis of length {n}")
            return self.stored[at(i)] if i < nstored else pending[at(i - nstored)]
        if isinstance(first, slice) and first.step in (None, 1):
            start, stop, _ = first.indices(n)
            parts = []
            if start < min(stop, nstored):
                parts.append(rows_array(self.stored[at(slice(start, min(stop, nstored)))]))
            if stop > nstored:
                parts.append(pending[at(slice(max(start, nstored) - nstored, stop - nstored))])
            return concat_rows(parts) if parts else self.stored[at(slice(0, 0))]
        idx = np.asarray(first)
        if idx.dtype.kind in "iu" and idx.ndim == 1 and not rest:  # rows from both parts, read as needed
            idx = np.where(idx < 0, idx + n, idx)
            if idx.size and (idx.min() < 0 or idx.max() >= n):
                raise IndexError(f"{self.where}: rows out of range for axis of length {n}")
            return take_rows(self.stored, pending, idx)
        return self.read()[key]

    def to_dask(self, chunks: Any = None) -> Any:
        """A dask array: the stored chunks stay lazy, pending rows are one in-memory block."""
        base = to_dask(self.stored.data if isinstance(self.stored, DataIO) else self.stored, chunks)
        pending = self.pending_rows
        if pending is None:
            return base
        da = import_dask_array()
        return da.concatenate([base, da.from_array(pending, chunks=(len(pending), *pending.shape[1:]))])

    def __repr__(self) -> str:
        return f"AppendableArray({self.where!r}, stored={tuple(self.stored.shape)}, pending={self.rows.count})"
