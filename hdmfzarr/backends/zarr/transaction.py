"""Every write is one transaction: what it adds goes where readers of the committed state do not look, then ONE
conditional write of the consolidated metadata makes it all visible (docs/format.md, "Commit protocol")."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import ConflictError, CorruptStoreError, RefusedRowsError, StoreError
from ...spec.dtypes import widened
from . import convention as conv
from .commit import CommitPoint
from .legacy import write_object_chunks
from .compat import Array, array_from_metadata, async_array, buffer_prototype, edit_array_document
from .lazy import LazyArray, LegacyChunkSource, ZarrChunkSource
from .remote import RemoteStore, gather_or_cancel
from .store import StoreHandle, loads_json, run
from .values import to_text_array

__all__ = ["ArrayJob", "Transaction", "recover"]


@dataclass
class ArrayJob:
    """New rows for the array at ``path`` (no leading '/'), or with ``replace`` its whole new content; ``rank``
    orders the phases (data, indexes, ``id`` last)."""

    path: str
    rows: np.ndarray
    rank: int
    stored: LazyArray | None
    done: Callable[[Any], None] = lambda new: None
    drop: Callable[[], None] = lambda: None  # forgets rows the store refuses (an append's buffered rows)
    label: str = ""
    replace: bool = False


def dropped(exc: RefusedRowsError, drops: list[Callable[[], None]]) -> RefusedRowsError:
    """``exc`` once every append's buffered rows are dropped (``drops``): a later write must not try them again."""
    for drop in drops:
        drop()
    return RefusedRowsError(f"{exc}; nothing was written, and the rows added since the last write were dropped "
                            "(the tree read holds the stored rows)")


class Transaction:
    """One write to the store of ``handle``: stage, then commit once (reusable for the next write of
    the same single writer, continuing from its own last commit)."""

    def __init__(self, handle: StoreHandle, convention: conv.Convention | None = None, restart: bool = True) -> None:
        self.handle = handle
        self.url = handle.url
        fmt = handle.root_format(refresh=True)
        self.fresh = fmt is None
        chosen = conv.for_format(fmt) if fmt is not None else convention
        if chosen is None:
            raise StoreError(f"{self.url}: no zarr store to write to")
        self.conv: conv.Convention = chosen
        self.doc: dict[str, Any] = {}
        self.entries: dict[str, Any] = {}
        self.commit_point = CommitPoint(handle, self.conv.consolidated_key)
        self.version: str | None = None  # of the commit document this transaction started from
        self._commit_fn: Any = None  # the conditional write of the commit document (inside session())
        self._restart = False  # a store never committed: cleared under the writer lock, then written anew
        self._held: dict[str, Any] | None = None  # a new remote store's root documents, kept out of the batch
        if not self.fresh:
            self._load_committed()
            if self.fresh and restart:  # a store never committed (an interrupted first write): start it again
                self._restart = True
                handle.forget_root()
        self.jobs: list[ArrayJob] = []
        self.new_entries: dict[str, Any] = {}  # of the nodes this write created (invisible until the commit)
        self.changed: dict[str, tuple[str, dict[str, Any]]] = {}  # path -> (kind, new attributes) of committed nodes

    # -- the committed state -----------------------------------------------------------------
    def _load_committed(self) -> None:
        key = self.conv.consolidated_key
        raw, self.version = self.commit_point.read()
        doc: Any = None if raw is None else loads_json(raw, self.url, key)
        # (format 3: a root still marked incomplete holds no commit)
        if raw is None or (isinstance(doc, dict) and self.conv.is_incomplete(self.conv.root_attrs(doc, {}))):
            root_key = self.conv.node_documents("", "group")[-1][1]
            root_raw = self.handle.get(root_key)
            root = None if root_raw is None else loads_json(root_raw, self.url, root_key)
            root = root.get("attributes", root) if isinstance(root, dict) else None
            if isinstance(root, dict) and self.conv.is_incomplete(root):
                self.fresh = True  # nothing was ever committed: start the store again
                return
            raise CorruptStoreError(f"{self.url}: writing needs consolidated metadata, and the store has none")
        self.doc = doc
        try:
            self.entries = self.conv.consolidated_entries(self.doc, self.url)
        except CorruptStoreError as exc:
            raise CorruptStoreError(f"writing needs consolidated metadata: {exc}") from None
        # an interrupted in-place rewrite: restore the undo copies the commit document names
        mapping = self.conv.undo_map(self.conv.root_attrs(self.doc, self.entries))
        if mapping:
            with self.session():
                self._copy_and_commit(mapping, restore=True)
            self._drop_undo(list(mapping))

    def committed_attrs(self, path: str) -> dict[str, Any] | None:
        """The committed attributes of the node at ``path`` (None when it is not committed)."""
        return None if self.fresh else self.conv.node_attrs(self.doc, self.entries, path)

    def committed_array(self, path: str) -> dict[str, Any] | None:
        """The committed document of the array at ``path`` (None when there is none)."""
        meta = self.entries.get(self.conv.array_entry(path))
        return meta if isinstance(meta, dict) else None

    # -- the commit --------------------------------------------------------------------------
    @contextlib.contextmanager
    def session(self) -> Any:
        """Hold the store's writer lock for the whole write (re-entrant); ConflictError (nothing written) when
        another writer committed since this transaction read the store."""
        if self._commit_fn is not None:
            yield self
            return
        # a new store expects the commit document absent (or the uncommitted one it found): when another
        # writer created the store meanwhile, this one gets ConflictError before writing anything
        with self.commit_point.exclusive(self.version) as commit_document:
            self._commit_fn = commit_document
            try:
                if self._restart:
                    run(self.handle.store.clear())  # under the lock: no other writer's chunks are erased
                    self.handle.forget_root()
                    self._restart = False
                    self.commit_point.expected = None
                yield self
            finally:
                self._commit_fn = None

    def _write_commit_document(self, rebase: bool = False) -> None:
        """THE commit point: one atomic, conditional write of the consolidated metadata :attr:`doc` (only here)."""
        if self._commit_fn is None:
            raise StoreError(f"{self.url}: the commit document is written only inside a transaction session")
        self.version = self._commit_fn(self.conv.encode_commit_document(self.doc), rebase)

    def add_nodes(self, nodes: list[tuple[str, str]]) -> None:
        """The nodes this write created (``(path, kind)``), read back inside the metadata batch; a new remote
        store's root documents are taken out of the batch, to be written after the commit document."""
        self.new_entries.update(self.conv.read_entries(self.handle, nodes))
        store = self.handle.store
        if self.fresh and isinstance(store, RemoteStore):  # the commit creates the document: still absent
            held = store.hold_back_root()
            held.pop(self.conv.consolidated_key, None)
            self._held = {k: loads_json(v, self.url, k) for k, v in held.items()}

    def commit(self, jobs: list[ArrayJob] | None = None) -> None:
        """Every job's rows, the new and changed nodes' metadata, then the commit document."""
        jobs = list(self.jobs if jobs is None else jobs)
        self.jobs = []
        if not jobs and not self.new_entries and not self.changed:
            return
        with self.session():
            self._commit(jobs)

    def _commit(self, jobs: list[ArrayJob]) -> None:
        plans = []
        for job in jobs:
            try:
                plans.append(self._plan(job))
            except RefusedRowsError as exc:  # rows the store cannot hold: a later write must not try them again
                if job.replace:
                    raise
                raise dropped(exc, [other.drop for other in jobs]) from None
        undo = [j.path for j, p in zip(jobs, plans) if p["rewrite"] and self.conv.rewrites_in_place]
        if undo:
            self._copy_and_commit({path: self.conv.undo_path(path) for path in undo}, restore=False)
        self._write_arrays(jobs, plans)
        # metadata of changed nodes (arrays grown here took theirs above)
        previous, prev_doc = dict(self.entries), dict(self.doc)
        staged = [self.conv.set_attrs(self.doc, self.entries, p, *change) for p, change in self.changed.items()]
        before = [document for pre, _ in staged for document in pre]
        after = [document for _, post in staged for document in post]
        updates = self.new_entries  # new nodes' own documents, read back as written (add_nodes)
        for job, plan in zip(jobs, plans):
            updates[self.conv.array_entry(job.path)] = plan["doc"]
            updates.update(plan["extra"])
        try:
            self.handle.set_documents(before)
            if self.fresh:  # a new store: the commit document (created only if still absent when held back)
                self.doc, after = self.conv.new_commit_document(updates)
                self.entries = updates
                after = list({**(self._held or {}), **dict(after)}.items())  # held-back root documents, unmarked
            else:
                self.entries.update(updates)
            if undo:
                self.conv.set_root_undo(self.doc, self.entries, {})
            self._write_commit_document(rebase=self.fresh and self._held is None)
        except BaseException as exc:
            for live, kept in ((self.entries, previous), (self.doc, prev_doc)):  # the committed state is the old one
                live.clear()
                live.update(kept)
            if not isinstance(exc, Exception) or isinstance(exc, StoreError):
                raise
            raise StoreError(f"{self.url}: cannot commit the write ({exc}); the store keeps its last commit "
                             "(a new store stays incomplete)") from exc
        finally:
            self.new_entries, self.changed, self._held = {}, {}, None
        self.fresh = False
        self.handle.forget_root()
        self.handle.set_documents(after)
        if undo:
            self._drop_undo(undo)
        for job, plan in zip(jobs, plans):
            if job.stored is not None:  # (a replaced array has no appendable array to update)
                job.done(_grown_lazy(job.stored, plan))

    def _write_arrays(self, jobs: list[ArrayJob], plans: list[dict[str, Any]]) -> None:
        """Each array's chunks, then its own metadata document; phase by phase (``rank``)."""
        if not jobs:
            return
        store = self.handle.store
        for job, plan in zip(jobs, plans):
            if plan["zmeta"] is not None:
                plan["array"] = async_array(array_from_metadata(plan["zmeta"], store, job.path))

        async def one(job: ArrayJob, plan: dict[str, Any]) -> None:
            arr, lo, values = plan["array"], plan["write_from"], plan["values"]
            region = () if values.ndim == 0 else (slice(lo, lo + len(values)),)
            chunks = arr is not None and values.size  # (v2 object cells: written before, as raw keys)
            if chunks and not self.handle.transactional:
                await arr.setitem(region, values)
            for key, doc in [*plan["extra"], (self.conv.array_document_key(job.path), plan["doc"])]:  # its own last
                await store.set(key, buffer_prototype().buffer.from_bytes(self.conv.encode_commit_document(doc)))
            if chunks and self.handle.transactional:  # e.g. Icechunk: chunks only inside the shape
                await arr.setitem(region, values)

        # remote stores: the arrays of a phase are written concurrently (latency-bound); local disks:
        # one after the other (CPU-bound compression — measured faster than contending threads)
        concurrent = self.handle.local_path is None
        try:
            for rank in sorted({job.rank for job in jobs}):
                group = [(j, p) for j, p in zip(jobs, plans) if j.rank == rank]
                for j, p in group:
                    if p["zmeta"] is None:  # v2 object cells: JSON, as hdmf-zarr 0.13 and our writer store them
                        write_object_chunks(self.handle, j.path, p["doc"], p["values"], p["write_from"],
                                            f"{self.url}:/{j.path}")
                for part in [group] if concurrent else [[pair] for pair in group]:
                    run(gather_or_cancel(*(one(j, p) for j, p in part)))
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"{self.url}: cannot write ({exc}); the store keeps its last committed state") from exc

    def _plan(self, job: ArrayJob) -> dict[str, Any]:
        """The new metadata document, zarr metadata and values to write for one job."""
        meta = self.committed_array(job.path)
        attrs = self.changed.pop(job.path, ("array", None))[1]  # its new attributes, if they changed
        where = f"{self.url}:/{job.path}"
        if meta is None:
            raise CorruptStoreError(f"{where}: no committed array metadata in the consolidated document")
        shape = [int(s) for s in meta.get("shape") or []]
        rows = job.rows
        if not shape and not job.replace:
            raise StoreError(f"{where}: cannot append to a scalar dataset")
        committed = shape[0] if shape else 0
        if not job.replace and job.stored is not None and committed != len(job.stored):
            raise ConflictError(
                f"{where}: the store holds {committed} committed rows but {len(job.stored)} were read; "
                "another writer appended since — reopen the store"
            )
        if tuple(rows.shape[1:]) != tuple(shape[1:]) and not (job.replace and rows.ndim == len(shape)):
            raise (StoreError if job.replace else RefusedRowsError)(
                f"{where}: {'new data' if job.replace else 'appended rows'} of {job.label!r} have shape "
                f"{tuple(rows.shape[1:])} per row, stored rows {tuple(shape[1:])}"
            )
        doc = dict(meta)
        attrs_key = self.conv.attrs_entry(job.path)
        extra: list[tuple[str, Any]] = []  # other metadata documents to rewrite (key, doc)
        write_from = 0 if job.replace else committed
        parsed = self.conv.array_doc(meta)
        if not job.replace and parsed.legacy:  # v2 JSON cells: written here
            self.conv.check_appendable(meta, where)
            doc["shape"] = [committed + len(rows), *shape[1:]]
            if attrs_key is not None and attrs is not None:
                extra.append((attrs_key, attrs))
            return {"doc": doc, "zmeta": None, "values": rows, "write_from": committed, "extra": extra,
                    "array": None, "rewrite": False}
        stored_np = parsed.stored
        if isinstance(stored_np, str):
            raise StoreError(f"{where}: {stored_np}")
        records: Any = None  # the stored compound array (its numpy dtype: the field widths)
        if stored_np is not None and stored_np.names is not None and not job.replace:
            zmeta = self.conv.zarr_metadata(dict(meta), (self.entries.get(attrs_key) if attrs_key else None) or {})
            records = array_from_metadata(zmeta, self.handle.store, job.path)
            stored_np = records.dtype
        if stored_np is None:  # text
            values = to_text_array(rows, as_bytes=parsed.bytes)
            wide = None
        elif stored_np.names is not None and job.replace:
            raise StoreError(f"{where}: replacing compound datasets is not supported")
        else:
            values, wide = _fit(rows, stored_np, where, job.label)
        if wide is not None and not job.replace:  # rewrite the whole array with a wider dtype (or text fields)
            stored = records if records is not None else job.stored
            old = np.asarray(stored[...]) if committed and stored is not None else np.zeros((0, *shape[1:]), wide)
            values, write_from = np.concatenate([old.astype(wide), values.astype(wide)]), 0
        elif wide is not None:
            values = values.astype(wide)
        rewrite = job.replace or wide is not None
        if rewrite:  # a full rewrite: under other keys (format 3) or after an undo copy (format 2)
            doc = self.conv.rewrite_array(doc, wide)
        zattrs = None  # format 2: the array's separate attributes document
        if attrs_key is not None:
            stored_attrs = self.entries.get(attrs_key)
            zattrs = self.conv.widen_dtype_attrs(attrs if attrs is not None else stored_attrs, wide)
            if zattrs is not stored_attrs:
                extra.append((attrs_key, zattrs))
        elif attrs is not None:
            doc["attributes"] = self.conv.widen_dtype_attrs(attrs, wide)
        self.conv.check_appendable(doc, where)
        if shape:  # the grown (or replaced) shape, through zarr's metadata classes
            rows_now = len(values) if job.replace else committed + len(rows)
            doc = edit_array_document(doc, shape=[rows_now, *values.shape[1:]])
        zmeta = self.conv.zarr_metadata(dict(doc), zattrs or {})
        if not shape:
            values = values.reshape(())
        return {"doc": doc, "zmeta": zmeta, "values": values, "write_from": write_from,
                "extra": extra, "array": None, "rewrite": rewrite and committed > 0}

    # -- format 2 rewrites in place: undo copies -------------------------------------------------
    def _copy_and_commit(self, mapping: dict[str, str], restore: bool) -> None:
        """Copy every key of each array ``path`` aside to its undo copy (``restore``: back), then commit the commit
        document naming the copies (``restore``: none); readers read those arrays from their copies until then."""
        async def _list(prefix: str) -> list[str]:
            return [k async for k in self.handle.store.list_prefix(prefix + "/")]

        for path, copy in mapping.items():
            source, target = (copy, path) if restore else (path, copy)
            keys = run(_list(source))
            for key, raw in zip(keys, self.handle.get_many(keys)):
                if raw is not None:
                    self.handle.set(target + key[len(source):], raw)
        self.conv.set_root_undo(self.doc, self.entries, {} if restore else mapping)
        self._write_commit_document()  # the committed state (read from the copies until the rewrite's commit)

    def _drop_undo(self, paths: list[str]) -> None:
        with contextlib.suppress(Exception):  # leftovers are invisible and reused by the next rewrite
            for path in paths:
                run(self.handle.store.delete_dir(self.conv.undo_path(path)))


def recover(handle: StoreHandle) -> None:
    """Roll back what an interrupted in-place rewrite left (before a writer reads the store: its lazy arrays
    must read the restored chunks)."""
    if handle.root_format(refresh=True) is None:
        return
    try:
        Transaction(handle, restart=False)
    except CorruptStoreError:
        return  # no commit to recover to (a reader reports what is wrong)
    finally:
        handle.forget_root()


def _fit(rows: np.ndarray, stored: np.dtype, where: str, label: str) -> tuple[np.ndarray, np.dtype | None]:
    """``rows`` cast to the stored dtype, or (rows, a wider dtype) when integers do not fit or the stored
    fixed-width text fields of records would cut them; RefusedRowsError when they cannot be stored."""
    if stored.names is not None:
        return _fit_records(rows, stored, where, label)
    if rows.dtype.kind == "O":
        try:
            rows = np.asarray(rows.tolist())
        except ValueError as exc:
            raise RefusedRowsError(f"{where}: rows of {label!r} are not a regular array ({exc})") from None
    wide = widened(rows, stored, at_least=4)  # indexes widen to at least 32 bits, to widen rarely
    if wide is not None:
        return rows, wide
    if stored.kind in "iub" and rows.dtype.kind == "f":
        raise RefusedRowsError(f"{where}: cannot store float values in the {stored} data {label!r}")
    if stored.kind == "b" and rows.dtype.kind != "b":
        raise RefusedRowsError(f"{where}: cannot store {rows.dtype} values in the bool data {label!r}")
    try:
        return rows.astype(stored, copy=False), None
    except (TypeError, ValueError) as exc:
        raise RefusedRowsError(
            f"{where}: cannot store {rows.dtype} values in the {stored} column {label!r} ({exc})") from None


def _fit_records(rows: np.ndarray, stored: np.dtype, where: str, label: str) -> tuple[np.ndarray, np.dtype | None]:
    names = stored.names or ()
    if rows.dtype.names is None:  # records as tuples (a column of plain compounds)
        try:
            rows = np.array([tuple(r) for r in rows.tolist()], dtype=[(n, object) for n in names])
        except (TypeError, ValueError) as exc:
            raise RefusedRowsError(f"{where}: appended rows of {label!r} are not records of {names} ({exc})") from None
    if rows.dtype.names != names:
        raise RefusedRowsError(f"{where}: appended records of {label!r} have fields {rows.dtype.names}, stored {names}")
    fields, wider = [], False
    for n in names:
        field = stored[n]
        if field.kind in "US":
            width = field.itemsize // (4 if field.kind == "U" else 1)
            longest = max((len(v if isinstance(v, (str, bytes)) else str(v)) for v in rows[n].tolist()), default=0)
            if longest > width:
                field, wider = np.dtype(f"<U{longest}"), True
        fields.append((n, field))
    try:
        return (rows, np.dtype(fields)) if wider else (rows.astype(stored), None)
    except (TypeError, ValueError) as exc:
        raise RefusedRowsError(f"{where}: cannot store the appended records of {label!r} as {stored} ({exc})") from None


def _grown_lazy(old: LazyArray, plan: dict[str, Any]) -> LazyArray:
    """``old`` over its grown array, its cache dropped: v2 object cells the same source, longer; else a new LazyArray
    over the array written (same conversion)."""
    old.clear_cache()
    source, arr = old.source, plan["array"]
    if arr is None:
        source.shape = (plan["doc"]["shape"][0], *source.shape[1:])
        if isinstance(source, LegacyChunkSource):
            source.meta = plan["doc"]
        return old
    dtype = arr.dtype if isinstance(arr.dtype, np.dtype) and (arr.dtype.kind in "biuf" or arr.dtype.names) \
        else source.dtype
    source = ZarrChunkSource(Array(arr), old.where, tuple(arr.shape), tuple(arr.chunks), dtype)
    return LazyArray(source, convert=old.convert, dtype=None if old.convert is None else old.dtype,
                     store_url=old.store_url, path=old.path, cache=old._cache)
