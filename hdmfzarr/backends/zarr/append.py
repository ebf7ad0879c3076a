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

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...build.builders import DatasetBuilder, GroupBuilder
from ...build.appends import bound_table_columns, buffered_columns, column_rank, is_table_column
from ...errors import ConflictError, CorruptStoreError, StoreError
from ...spec.dtypes import fit_integers
from .commit import CommitPoint
from . import convention as conv
from .compat import Array, AsyncArray, array_from_metadata, async_array, buffer_prototype
from .lazy import LazyArray, ZarrChunkSource
from .store import StoreHandle, loads_json, run
from .values import to_text_array

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
@dataclass
class AppendJob:
    """Rows to add to the array at ``path`` (no leading '/'): ``rank`` orders the phases."""

    path: str
    rows: np.ndarray
    rank: int
    stored: LazyArray
    done: Callable[[LazyArray], None]
    label: str = ""


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


# -- the committed state and the protocol ----------------------------------------------------
class AppendSession:
    """The committed (consolidated) metadata of a store, and appends committed against it."""

    def __init__(self, handle: StoreHandle) -> None:
        self.handle = handle
        self.url = handle.url
        fmt = handle.root_format(refresh=True)
        if fmt is None:
            raise StoreError(f"{self.url}: no zarr store to append to")
        self.conv = conv.for_format(fmt)
        key = self.conv.consolidated_key
        self.commit_point = CommitPoint(handle, key)
        raw, self.version = self.commit_point.read()  # the version a commit must still find (two writers)
        if raw is None:
            raise CorruptStoreError(f"{self.url}: appending needs consolidated metadata, and the store has none")
        self.doc = loads_json(raw, self.url, key)
        try:
            self.entries: dict[str, Any] = self.conv.consolidated_entries(self.doc, self.url)
        except CorruptStoreError as exc:
            raise CorruptStoreError(f"appending needs consolidated metadata: {exc}") from None

    def array_meta(self, path: str) -> dict[str, Any]:
        """The committed metadata document of the array at ``path``."""
        meta = self.entries.get(self.conv.array_entry(path))
        if not isinstance(meta, dict):
            raise CorruptStoreError(f"{self.url}:/{path}: no committed array metadata in the consolidated document")
        return meta

    def _dumps(self, doc: dict[str, Any]) -> bytes:
        return json.dumps(doc, separators=(",", ":"), allow_nan=True).encode()  # compact: written per append

    # -- one append (all jobs), committed once ---------------------------------------------
    def commit(self, jobs: list[AppendJob]) -> None:
        """Write every job's rows, then the consolidated metadata (the commit point)."""
        if not jobs:
            return
        plans = [self._plan(job) for job in jobs]
        phases = sorted({job.rank for job in jobs})
        store = self.handle.store

        arrays = [async_array(array_from_metadata(p["zmeta"], store, j.path)) for j, p in zip(jobs, plans)]
        for plan, arr in zip(plans, arrays):
            plan["array"] = arr

        async def one(job: AppendJob, plan: dict[str, Any]) -> None:
            arr = plan["array"]
            lo = plan["write_from"]
            values = plan["values"]
            if len(values) and not self.handle.transactional:
                await arr.setitem((slice(lo, lo + len(values)),), values)
            for key, doc in plan["extra"]:
                await store.set(key, _buffer(self._dumps(doc)))
            await store.set(self.conv.array_document_key(job.path), _buffer(self._dumps(plan["doc"])))
            if len(values) and self.handle.transactional:  # e.g. Icechunk: chunks only inside the shape
                await arr.setitem((slice(lo, lo + len(values)),), values)

        # remote stores: the arrays of a phase are written concurrently (latency-bound); local disks:
        # one after the other (CPU-bound compression — measured faster than contending threads)
        concurrent = self.handle.local_path is None

        async def all_phases() -> None:
            for rank in phases:
                group = [(j, p) for j, p in zip(jobs, plans) if j.rank == rank]
                if concurrent:
                    await asyncio.gather(*(one(j, p) for j, p in group))
                else:
                    for j, p in group:
                        await one(j, p)

        # one writer at a time; a store another writer committed to since it was read is refused
        # (ConflictError) before anything is written
        with self.commit_point.exclusive(self.version) as commit_document:
            try:
                run(all_phases())
            except StoreError:
                raise
            except Exception as exc:
                raise StoreError(f"{self.url}: cannot append ({exc}); the store keeps its last committed rows") from exc
            # commit point: one atomic (conditional) write of the consolidated document
            updates = {self.conv.array_entry(job.path): plan["doc"] for job, plan in zip(jobs, plans)}
            for plan in plans:
                updates.update(plan["extra"])
            previous = {key: self.entries.get(key) for key in updates}
            self.entries.update(updates)
            try:
                self.version = commit_document(self._dumps(self.doc))
            except BaseException as exc:
                self.entries.update(previous)  # the committed state is still the old one
                if not isinstance(exc, Exception) or isinstance(exc, StoreError):
                    raise
                raise StoreError(f"{self.url}: cannot commit the append ({exc})") from exc
        self.handle.forget_root()
        for job, plan in zip(jobs, plans):
            job.done(_grown_lazy(job.stored, plan["array"]))

    def _plan(self, job: AppendJob) -> dict[str, Any]:
        """The new metadata document, zarr metadata and values to write for one job."""
        meta = self.array_meta(job.path)
        where = f"{self.url}:/{job.path}"
        shape = [int(s) for s in meta.get("shape") or []]
        if not shape:
            raise StoreError(f"{where}: cannot append to a scalar dataset")
        committed = shape[0]
        if committed != len(job.stored):
            raise ConflictError(
                f"{where}: the store holds {committed} committed rows but {len(job.stored)} were read; "
                "another writer appended since — reopen the store"
            )
        rows = job.rows
        if tuple(rows.shape[1:]) != tuple(shape[1:]):
            raise StoreError(
                f"{where}: appended rows of column {job.label!r} have shape {tuple(rows.shape[1:])} per row, "
                f"stored rows {tuple(shape[1:])}"
            )
        doc = dict(meta)
        extra: list[tuple[str, dict[str, Any]]] = []  # other metadata documents to rewrite (key, doc)
        stored_np = self.conv.stored_numpy_dtype(meta, where)
        write_from = committed
        attrs_key = self.conv.attrs_entry(job.path)
        if stored_np is None:  # text
            values = to_text_array(rows, as_bytes=self.conv.is_bytes_array(meta))
        elif stored_np.names is not None:
            raise StoreError(f"{where}: appending to compound datasets is not supported")
        else:
            values, wide = _fit(rows, stored_np, where, job.label)
            if wide is not None:  # rewrite the whole array with a wider dtype (Convention.rewrite_array)
                doc = self.conv.rewrite_array(doc, wide)
                if attrs_key is not None:
                    zattrs = self.entries.get(attrs_key)
                    widened = self.conv.widen_dtype_attrs(zattrs, wide)
                    if widened is not zattrs:
                        extra.append((attrs_key, widened))
                old = np.asarray(job.stored.read()) if committed else np.zeros((0, *shape[1:]), wide)
                values = np.concatenate([old.astype(wide), values.astype(wide)])
                write_from = 0
        doc["shape"] = [committed + len(rows), *shape[1:]]
        self.conv.check_appendable(doc, where)
        attrs = dict(extra).get(attrs_key) if extra else (self.entries.get(attrs_key) if attrs_key else None)
        zmeta = self.conv.zarr_metadata(dict(doc), attrs or {})
        return {"doc": doc, "zmeta": zmeta, "values": values, "write_from": write_from, "extra": extra}


def _buffer(raw: bytes) -> Any:
    return buffer_prototype().buffer.from_bytes(raw)


def _fit(rows: np.ndarray, stored: np.dtype, where: str, label: str) -> tuple[np.ndarray, np.dtype | None]:
    """``rows`` cast to the stored dtype, or (rows, wider dtype) when integers do not fit."""
    if rows.dtype.kind == "O":
        try:
            rows = np.asarray(rows.tolist())
        except ValueError as exc:
            raise StoreError(f"{where}: appended rows of {label!r} are not a regular array ({exc})") from None
    if stored.kind in "iu" and rows.dtype.kind in "iu" and rows.size:
        info = np.iinfo(stored)
        lo, hi = int(rows.min()), int(rows.max())
        if lo < info.min or hi > info.max:  # widen, never wrap: indexes to at least uint32, to widen rarely
            if stored.kind == "u" and lo >= 0:
                return rows, fit_integers(lo, hi, stored, at_least=4)
            return rows, np.promote_types(stored, rows.dtype)
    if stored.kind in "iub" and rows.dtype.kind == "f":
        raise StoreError(f"{where}: cannot append float values to the {stored} data {label!r}")
    if stored.kind == "b" and rows.dtype.kind != "b":
        raise StoreError(f"{where}: cannot append {rows.dtype} values to the bool data {label!r}")
    try:
        return rows.astype(stored, copy=False), None
    except (TypeError, ValueError) as exc:
        raise StoreError(f"{where}: cannot append {rows.dtype} values to the {stored} column {label!r} ({exc})") from None


def _grown_lazy(old: LazyArray, arr: AsyncArray) -> LazyArray:
    """A LazyArray over the grown array ``arr`` (same conversion as ``old``); ``old``'s cache is dropped."""
    dtype = old.source.dtype
    if isinstance(arr.dtype, np.dtype) and arr.dtype.kind in "biuf":
        dtype = arr.dtype
    source = ZarrChunkSource(Array(arr), old.where, tuple(arr.shape), tuple(arr.chunks), dtype)
    old.clear_cache()
    return LazyArray(source, convert=old.convert, dtype=None if old.convert is None else old.dtype,
                     store_url=old.store_url, path=old.path, cache=old._cache.cache)


def append_tree(handle: StoreHandle, root_builder: GroupBuilder, containers: list[Any],
                session: AppendSession | None = None) -> tuple[int, AppendSession | None]:
    """Append every buffered row of a tree read from ``handle``'s store, committing once.
    Returns the number of arrays grown and the session (its committed state, reusable by the
    same single writer for the next append)."""
    jobs = collect_jobs(root_builder, containers, handle.url)
    if not jobs:
        return 0, session
    if session is None:
        session = AppendSession(handle)
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
