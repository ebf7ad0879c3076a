"""Appending rows to arrays already in a store, crash-consistently (the append commit protocol).

A table or dataset read in mode 'a'/'r+' keeps its stored part lazy and buffers new rows
(table columns buffer them themselves; other datasets are wrapped in :class:`GrowableArray`).
:func:`append_tree` writes only those rows, growing each array along its first axis:

1. every array's new chunks are written (the last partial chunk is rewritten with the committed
   rows unchanged), then its own metadata with the grown shape; arrays go in phases — data
   columns and the flat data of ragged columns, then inner indexes, then outer ones, ``id`` last;
2. the commit point is one atomic write of the consolidated metadata (root ``zarr.json`` in
   format 3, ``.zmetadata`` in format 2) holding the new shapes.

Readers that use consolidated metadata see committed shapes only. Appends always start from
the committed (consolidated) shapes, so anything a killed writer left beyond them is overwritten.
See the "Append commit protocol" section of ``docs/format.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ...build.builders import DatasetBuilder, GroupBuilder
from ...build.appends import bound_table_columns, buffered_columns, column_rank, is_table_column
from ...errors import StoreError
from .lazy import LazyArray
from .store import StoreHandle
from .transaction import ArrayJob, Transaction, _fit

__all__ = ["GrowableArray", "AppendJob", "AppendSession", "append_tree", "collect_jobs", "wrap_growable",
           "arrays_replaced", "bound_tables", "pending_count"]



# -- a stored array plus rows not yet written ------------------------------------------------------
class GrowableArray:
    """A dataset read from a store opened for writing: the stored rows (a :class:`LazyArray`) plus
    rows appended with :meth:`append` / :meth:`extend`, written by the next ``ZarrIO.write``."""

    def __init__(self, stored: LazyArray) -> None:
        self.stored = stored
        self._blocks: list[np.ndarray] = []
        self._npending = 0

    # -- growing -------------------------------------------------------------------------
    def append(self, row: Any) -> None:
        """Buffer one element along the first axis."""
        self.extend(np.expand_dims(np.asarray(row, dtype=self._value_dtype()), 0))

    def _value_dtype(self) -> Any:
        return object if self.stored.dtype.kind in "OT" else None

    def extend(self, rows: Any) -> None:
        """Buffer several elements along the first axis (an array or list of rows)."""
        arr = np.asarray(rows, dtype=object if self.stored.dtype.kind in "OT" else None)
        if arr.dtype.kind in "biuf" and self.stored.dtype.kind in "biuf":
            arr, wide = _fit(arr, self.stored.dtype, self.where, self.path or "")
            if wide is not None:
                arr = arr.astype(wide)
        if arr.ndim == 0 or tuple(arr.shape[1:]) != tuple(self.stored.shape[1:]):
            raise StoreError(
                f"{self.stored.where}: appended rows have shape {tuple(arr.shape)}, expected (n, "
                f"{', '.join(map(str, self.stored.shape[1:]))}{',' if len(self.stored.shape) == 2 else ''})"
            )
        if len(arr):
            self._blocks.append(arr)
            self._npending += len(arr)

    @property
    def pending(self) -> np.ndarray | None:
        """The rows not yet written, as one array (None when there are none)."""
        if not self._npending:
            return None
        if len(self._blocks) > 1:
            self._blocks = [np.concatenate(self._blocks)]
        return self._blocks[0]

    def mark_stored(self, stored: LazyArray) -> None:
        """After a commit: ``stored`` now holds every row; the buffer is cleared."""
        self.stored = stored
        self._blocks = []
        self._npending = 0

    # -- array protocol ------------------------------------------------------------------
    @property
    def stored_length(self) -> int:
        return len(self.stored)

    @property
    def shape(self) -> tuple[int, ...]:
        s = self.stored.shape
        return (s[0] + self._npending, *s[1:]) if s else s

    @property
    def dtype(self) -> np.dtype:
        return self.stored.dtype

    @property
    def ndim(self) -> int:
        return self.stored.ndim

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def chunks(self) -> tuple[int, ...]:
        return self.stored.chunks

    @property
    def store_url(self) -> str | None:
        return self.stored.store_url

    @property
    def path(self) -> str | None:
        return self.stored.path

    @property
    def where(self) -> str:
        return self.stored.where

    def __len__(self) -> int:
        return self.shape[0] if self.shape else len(self.stored)

    def __iter__(self) -> Iterator[Any]:
        yield from self.stored
        if self._npending:
            yield from self.pending

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self.read()
        return out.astype(dtype) if dtype is not None else out

    def read(self) -> np.ndarray:
        """Every row, stored and pending, as numpy."""
        stored = np.asarray(self.stored.read())
        if not self._npending:
            return stored
        pending = self.pending
        if stored.dtype.kind == "O" or pending.dtype.kind == "O":
            return np.concatenate([stored.astype(object), pending.astype(object)])
        return np.concatenate([stored, pending])

    def __getitem__(self, key: Any) -> Any:
        if not self._npending:
            return self.stored[key]
        first, rest = (key[0], key[1:]) if isinstance(key, tuple) and key else (key, ())
        n, nstored = len(self), len(self.stored)
        if isinstance(first, (int, np.integer)):
            i = int(first) + n if first < 0 else int(first)
            if not 0 <= i < n:
                raise IndexError(f"{self.where}: index {first} out of range for axis of length {n}")
            if i < nstored:
                return self.stored[(i, *rest)]
            return self.pending[(i - nstored, *rest)]
        if isinstance(first, slice) and first.step in (None, 1):
            start, stop, _ = first.indices(n)
            parts = []
            if start < min(stop, nstored):
                parts.append(np.asarray(self.stored[(slice(start, min(stop, nstored)), *rest)]))
            if stop > nstored:
                parts.append(self.pending[(slice(max(start, nstored) - nstored, stop - nstored), *rest)])
            if not parts:
                return self.stored[(slice(0, 0), *rest)]
            return parts[0] if len(parts) == 1 else np.concatenate(parts)
        return self.read()[key]

    def to_dask(self, chunks: Any = None) -> Any:
        """A dask array of the stored rows (needs the pending rows written first)."""
        if self._npending:
            raise StoreError(f"{self.where}: write the {self._npending} pending row(s) before making a dask array")
        return self.stored.to_dask(chunks)

    def __repr__(self) -> str:
        return f"GrowableArray({self.where!r}, stored={self.stored.shape}, pending={self._npending})"


def wrap_growable(root: GroupBuilder) -> None:
    """Wrap the lazy data of every non-scalar dataset that is not a table column in a GrowableArray."""
    for b in root.walk():
        if isinstance(b, DatasetBuilder) and isinstance(b.data, LazyArray) and b.data.ndim >= 1:
            if not is_table_column(b):
                b.data = GrowableArray(b.data)


# -- what to append --------------------------------------------------------------------------
AppendJob = ArrayJob
AppendSession = Transaction  # the committed state appends continue from (see transaction.py)


def _stored_lazy(value: Any) -> LazyArray | None:
    if isinstance(value, GrowableArray):
        return value.stored
    return value if isinstance(value, LazyArray) else None


def collect_jobs(root_builder: GroupBuilder, containers: list[Any], url: str) -> list[AppendJob]:
    """The append jobs of a tree read from ``url``: table columns with buffered rows (``containers``)
    and GrowableArrays with pending rows (walked in the builder tree)."""
    jobs: list[AppendJob] = []
    seen: set[int] = set()
    for c, raw, rows in buffered_columns(containers):
        lazy = _stored_lazy(raw)
        if lazy is None:
            continue
        if lazy.store_url != url:
            raise StoreError(
                f"{url}: column {c.name!r} holds data of another store ({lazy.store_url}); "
                f"appending to it needs that store opened for writing"
            )
        seen.add(id(raw))

        def done(new: LazyArray, c: Any = c, raw: Any = raw) -> None:
            if isinstance(raw, GrowableArray):
                raw.mark_stored(new)
                c.mark_stored(raw)
            else:
                c.mark_stored(new)

        jobs.append(AppendJob(lazy.path.strip("/"), rows, column_rank(c), lazy, done, c.name))
    for b in root_builder.walk():
        if isinstance(b, DatasetBuilder) and isinstance(b.data, GrowableArray) and id(b.data) not in seen:
            g = b.data
            if g.pending is None:
                continue
            if g.store_url != url:
                raise StoreError(f"{url}: dataset {b.path} holds data of another store ({g.store_url})")
            jobs.append(AppendJob(g.path.strip("/"), g.pending, 0, g.stored, g.mark_stored, b.path))
    return jobs


def arrays_replaced(root_builder: GroupBuilder | None, containers: list[Any]) -> bool:
    """Whether a container of a tree read from a store no longer holds the GrowableArray it was
    given (its data was replaced, e.g. by ``Data.extend`` making a numpy copy): then only a full
    write persists the change."""
    if root_builder is None:
        return False
    growable = {id(b.data) for b in root_builder.walk() if isinstance(b, DatasetBuilder) and isinstance(b.data, GrowableArray)}
    if not growable:
        return False
    held = {id(v) for c in containers for v in c.fields.values()}
    return not growable <= held


def pending_count(root_builder: GroupBuilder | None, containers: list[Any]) -> int:
    """How many buffered rows a tree read from a store holds (0 = nothing to append)."""
    n = sum(len(rows) for _, _, rows in buffered_columns(containers))
    if root_builder is not None:
        for b in root_builder.walk():
            if isinstance(b, DatasetBuilder) and isinstance(b.data, GrowableArray):
                n += b.data._npending
    return n


def append_tree(handle: StoreHandle, root_builder: GroupBuilder, containers: list[Any],
                session: Transaction | None = None) -> tuple[int, Transaction | None]:
    """Append every buffered row of a tree read from ``handle``'s store, committing once.
    Returns the number of arrays grown and the session (its committed state, reusable by the
    same single writer for the next append)."""
    jobs = collect_jobs(root_builder, containers, handle.url)
    if not jobs:
        return 0, session
    if session is None:
        session = Transaction(handle)
    session.commit(jobs)
    return len(jobs), session



# -- readers without consolidated metadata ----------------------------------------------------
def bound_tables(root: GroupBuilder) -> None:
    """Bound every table column to its committed rows (for stores read without consolidated
    metadata, where a killed writer may have grown some arrays past the last commit)."""
    bound_table_columns(root, _stored_length, _truncate)


def _stored_length(data: Any) -> int | None:
    lazy = _stored_lazy(data)
    return lazy.shape[0] if lazy is not None and lazy.shape else None


def _truncate(d: DatasetBuilder, n: int) -> None:
    lazy = _stored_lazy(d.data)
    assert lazy is not None
    lazy.source.shape = (n, *lazy.shape[1:])
    lazy.clear_cache()
