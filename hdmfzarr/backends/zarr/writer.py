"""Writing a builder tree into a zarr store in one convention, as one transaction (:mod:`.transaction`): a new
store whole; into a committed one only what is new or changed (committed chunks are never overwritten)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np
import zarr

from ...build.builders import (
    Builder, CompoundField, DatasetBuilder, ExternalTarget, GroupBuilder, LinkBuilder, ReferenceBuilder
)
from ...appendable import AppendableArray
from ...dataio import DataChunkIterator, DataIO, is_dask_array, is_lazy_array, stored_chain
from ...errors import HdmfZarrError, StoreError
from ...progress import SilentBar, progress_bar
from ...spec.cache import encode_cache
from ...spec.dtypes import widened
from ...spec.model import declared_type
from . import convention as conv
from .chunking import default_chunks, estimate_itemsize
from .compat import array_from_metadata, async_group
from .legacy import write_object_chunks
from .lazy import LazyArray
from .remote import gather_or_cancel
from .store import StoreHandle, run
from .transaction import ArrayJob, Transaction
from .values import (
    STRING_DTYPE, TEXT_KINDS, compound_fields, encode_attr, encode_rows, infer_dtype, is_encoded, is_reference,
    reference_entry, stream_dtype, to_text_array,
)

__all__ = ["ZarrWriter"]


COPY_BLOCK_BYTES = 64 << 20  # an array copied from another store is held at most this much at a time
# write-wide link_data links arrays of at least this many bytes (unpacked); smaller ones (scalars, dates, short text:
# what pynwb's NWBFile and Subject mappers read as datasets) are copied, costing less than a link to open
LINK_MIN_BYTES = 1 << 20
# (parent type, name) of datasets pynwb's Units mapper reads the attributes of: copied, as a link has none
PEER_COPIED = {("Units", "waveform_mean"), ("Units", "waveform_sd")}


def _reference_keys(value: Any, where: str) -> Any:
    """References as ``(source, path)``, rows as tuples, numbers as Python numbers: equal when they name the same."""
    if isinstance(value, (Builder, ReferenceBuilder)):
        return reference_entry(value, where)[:2]
    if isinstance(value, np.void):  # a compound row
        value = value.tolist()
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(_reference_keys(v, where) for v in value)
    return value.item() if isinstance(value, np.generic) else value


def _refers(value: Any) -> bool:
    """Whether an attribute value holds object references."""
    return any(_refers(v) for v in value) if isinstance(value, (list, tuple)) else is_reference(value)


def _pointed_at(root: GroupBuilder) -> set[int]:
    """The datasets of ``root`` an attribute reference (an index's target) or a link of the tree points at: stored
    even with ``link_data`` (a reference or link to a link into another store does not resolve in hdmf-zarr)."""
    found: set[int] = set()
    stack: list[Any] = [lk.target for lk in root.walk() if isinstance(lk, LinkBuilder)]
    stack += [v for b in root.walk() if not isinstance(b, LinkBuilder) for v in b.attributes.values()]
    while stack:
        v = stack.pop()
        if isinstance(v, (list, tuple)):
            stack.extend(v)
        elif isinstance(t := v.target if isinstance(v, ReferenceBuilder) else v, DatasetBuilder):
            found.add(id(t))
    return found


def _worth_linking(builder: DatasetBuilder, data: LazyArray) -> bool:
    """Whether write-wide ``link_data`` links ``data`` (an array of another store): LINK_MIN_BYTES or more and not
    a dataset the peers' readers take only as stored (PEER_COPIED)."""
    declared = declared_type(builder.parent.attributes) if builder.parent is not None else None
    kind = declared[1] if declared is not None else None
    return data.size * max(1, data.dtype.itemsize) >= LINK_MIN_BYTES and (kind, builder.name) not in PEER_COPIED


def _join(parent: str, name: str) -> str:
    return f"{parent}/{name}" if parent else name


def _content(builder: DatasetBuilder) -> tuple[Any, DataIO | None, Any]:
    """A dataset's data (an appendable array holding no new rows: its stored array, linked or copied like any), the
    DataIO wrapping it (None when not wrapped) and its dtype (the builder's, else the DataIO's: numpy dtypes by name,
    compounds as fields)."""
    data, dio = (builder.data.data, builder.data) if isinstance(builder.data, DataIO) else (builder.data, None)
    if isinstance(data, AppendableArray) and not data.rows.count:
        data = data.stored
    dtype = dio.dtype if builder.dtype is None and dio is not None else builder.dtype
    if isinstance(dtype, np.dtype):
        dtype = dtype.name if dtype.names is None else [CompoundField(n, dtype[n].name) for n in dtype.names]
    return data, dio, dtype


def fingerprint(builder: DatasetBuilder) -> Any:
    """What identifies a dataset's content without I/O: dtype, shape and SHA-256 of the values; the object itself
    for data read once (iterators, dask arrays); the source for arrays of other stores. None: not known."""
    data = _content(builder)[0]
    kind = repr(builder.dtype)
    if isinstance(data, LazyArray):
        return ("lazy", kind, data.store_url, data.path, tuple(data.shape))
    if isinstance(data, DataChunkIterator) or is_dask_array(data):
        # by identity (its dtype is known only once read): kept alive by the registry holding this, its id stays
        # its own (a tuple compares the ids before the objects, and an object equals itself)
        return ("object", id(data), data)
    if isinstance(data, (list, tuple)) and data and isinstance(data[0], (int, float, bool, np.number)):
        with contextlib.suppress(ValueError, OverflowError):  # numbers as one array (text stays element by
            arr = np.asarray(data)  # element: numpy drops trailing NULs)
            if arr.dtype.kind in "biuf":
                data = arr
    digest = hashlib.sha256()
    if isinstance(data, np.ndarray) and data.dtype.kind not in "OVT":  # numbers: their bytes
        digest.update(f"a{data.dtype.str}{data.shape}".encode())
        digest.update(np.ascontiguousarray(data).view(np.uint8).reshape(-1).data)
    elif isinstance(data, (list, tuple, np.ndarray)) or np.isscalar(data):  # other values as JSON, in C
        try:
            value = data.tolist() if isinstance(data, np.ndarray) else data
            digest.update(json.dumps(value, default=_identity, allow_nan=True).encode())
        except (TypeError, ValueError):  # a value it cannot identify
            return None
    else:
        return None
    return ("values", kind, digest.hexdigest())


def _identity(value: Any) -> Any:
    """A value JSON does not hold as what identifies it in a fingerprint (keys no data uses); TypeError: nothing."""
    if isinstance(value, np.ndarray):
        return {"\0array": [value.dtype.str, value.tolist()]}
    if isinstance(value, np.generic):
        return {"\0numpy": [value.dtype.str, value.item()]}
    if isinstance(value, bytes):
        return {"\0bytes": value.decode("latin-1")}
    if isinstance(value, ReferenceBuilder):
        return {"\0ref": value.target}
    if isinstance(value, Builder):
        return {"\0builder": [value.attributes.get("object_id"), value.path]}
    if isinstance(value, ExternalTarget):
        return {"\0external": [value.source, value.path]}
    if isinstance(getattr(value, "object_id", None), str):  # a container
        return {"\0container": value.object_id}
    raise TypeError(type(value).__name__)


class Target(NamedTuple):
    """A new dataset being written: its zarr group, builder, DataIO, encoded attributes, store path and ``url:/path``
    (what errors name)."""

    zgroup: Any
    builder: DatasetBuilder
    dio: DataIO | None
    attrs: dict[str, Any]
    path: str
    where: str


class ZarrWriter:
    """Writes builders into ``handle``'s store in ``convention``. ``known``: the fingerprints of the datasets an
    earlier write of the same ZarrIO stored, by path (not written again unchanged); :attr:`written`: this write's."""

    def __init__(self, handle: StoreHandle, convention: conv.Convention, link_data: bool = False,
                 known: dict[str, Any] | None = None, read_tree: GroupBuilder | None = None) -> None:
        self.known = known or {}
        self.read_tree = read_tree  # the tree read from this store, when it is written back into it
        self.written: dict[str, Any] = {}
        self.handle = handle
        self.link_data = link_data  # arrays read from other stores: link (True) or copy (False, default)
        self.conv = convention
        self.fmt = convention.zarr_format
        self.nodes: list[tuple[str, str]] = []  # (store path, "group" | "array") created, in write order
        self.txn: Any = None  # the Transaction of the current write (into a committed store: only what is new)
        self.skip: set[str] = set()  # arrays the transaction grows itself (appended rows)
        self._root: GroupBuilder | None = None
        self._pointed_at: set[int] | None = None  # datasets a reference or link points at (never linked), on first need
        self._bar: Any = SilentBar()  # progress over datasets written (tqdm in interactive use)

    # -- entry point ---------------------------------------------------------------------
    def write(self, root: GroupBuilder, namespaces: dict[str, Any] | None = None,
              txn: Transaction | None = None) -> None:
        """Write ``root`` (and cached ``namespaces``) and commit, in ``txn`` (a new one by default) with its jobs."""
        self.txn = txn if txn is not None else Transaction(self.handle, self.conv)
        self.skip = {job.path for job in self.txn.jobs}
        with self.txn.session():  # the writer lock, held from the first write to the commit (a new store too)
            with self.handle.batch():  # remote stores: each metadata document sent once, at the end
                self._write(root, namespaces)
                self.txn.add_nodes(self.nodes)  # read back inside the batch (a new store's root documents held back)
            self.txn.commit()  # after every other document reached the store

    def _write(self, root: GroupBuilder, namespaces: dict[str, Any] | None) -> None:
        if not isinstance(root, GroupBuilder):
            raise StoreError(f"{self.handle.url}: write_builder needs a GroupBuilder, got {type(root).__name__}")
        self._root, self._pointed_at = root, None
        attrs = self._group_attrs(root)
        if namespaces:
            attrs[conv.SPECLOC_ATTR] = conv.SPEC_GROUP
        if not self.txn.fresh:
            self._stage_attrs("", "group", attrs)
        try:
            if self.txn.fresh:  # the root's first document already says "incomplete"
                marked = self.conv.mark_incomplete(attrs)
                self.handle.set_documents(self.conv.initial_root_documents(marked))
                zroot = zarr.create_group(self.handle.store, zarr_format=self.fmt, attributes=marked)
                self.nodes.append(("", "group"))
            else:
                zroot = zarr.open_group(self.handle.store, mode="r+", zarr_format=self.fmt, use_consolidated=False)
        except Exception as exc:
            raise StoreError(f"{self.handle.url}: cannot create the root group ({exc})") from exc
        n_datasets = sum(1 for b in root.walk() if isinstance(b, DatasetBuilder))
        self._bar = progress_bar(n_datasets, f"writing {os.path.basename(self.handle.url.rstrip('/'))}", unit="dataset")
        if namespaces:  # first: a write failing later still leaves the specs its objects need
            self._write_specs(zroot, namespaces)
        try:
            self._write_children(zroot, root, "")
        finally:
            self._bar.close()

    # -- a committed store: what changed -------------------------------------------------
    def _stage_attrs(self, path: str, kind: str, attrs: dict[str, Any]) -> None:
        """A committed node's attributes with ``attrs`` merged over them, staged when that changes them."""
        committed = self.txn.committed_attrs(path) or {}
        new = {**committed, **json.loads(json.dumps(attrs, allow_nan=True))}  # attrs as they read back
        if new != committed:
            self.txn.changed[path] = (kind, new)

    def _stored_here(self, data: Any, path: str) -> bool:
        """Whether ``data`` is the array already stored at ``path`` of this store (perhaps wrapped)."""
        return any(a.store_url == self.handle.url and a.path is not None and a.path.strip("/") == path
                   for a in stored_chain(data))  # e.g. a reference array over the stored one

    def _update_dataset(self, builder: DatasetBuilder, path: str) -> None:
        """A committed dataset: unchanged data is left alone, replaced data rewritten by the transaction, changed
        attributes staged."""
        data, _, dtype = _content(builder)
        attrs = self._attrs(builder)
        where = f"{self.handle.url}:/{path}"
        unchanged = path in self.skip or self._stored_here(data, path)
        if not unchanged and self.known.get(path) is not None:  # stored by an earlier write of this ZarrIO
            mark = fingerprint(builder)
            if unchanged := mark == self.known[path]:
                self.written[path] = mark
        unchanged = unchanged or self._same_references(dtype, data, path)
        if not unchanged:
            data, dtype = _in_memory(data, dtype, where)
            if is_encoded(dtype):
                raise StoreError(f"{where}: a stored compound or reference dataset cannot be "
                                 f"changed in place{self._grown(path, data)}; write the tree to a new store")
            values = self._stored_values(data, dtype, where)
            unchanged = self._same_as_stored(path, values)  # e.g. scalars, read eagerly: nothing to rewrite
        self._stage_attrs(path, "array", attrs)  # (a rewritten array takes them with it)
        if unchanged:
            return
        self.txn.jobs.append(ArrayJob(path, values, 0, None, label=builder.path, replace=True))
        self.written[path] = fingerprint(builder)

    def _grown(self, path: str, data: Any) -> str:
        """' (rows appended: N stored, M now)' when ``data`` is longer than the committed array, else ''."""
        shape = (self.txn.committed_array(path) or {}).get("shape") or ()
        n = len(data) if hasattr(data, "__len__") else None
        return f" (rows appended: {shape[0]} stored, {n} now)" if shape and n is not None and n > shape[0] else ""

    def _same_references(self, dtype: Any, data: Any, path: str) -> bool:
        """Whether a dataset of references (or compound rows holding some) names the same targets as the tree read
        from this store holds at ``path`` (a tree read and written back holds them again)."""
        if self.read_tree is None or not is_encoded(dtype):
            return False
        try:
            old = self.read_tree[path]
        except KeyError:
            return False
        stored: Any = old.data if isinstance(old, DatasetBuilder) else None
        if not is_lazy_array(stored):
            return False
        where = f"{self.handle.url}:/{path}"
        return _reference_keys(stored[...], where) == _reference_keys(data, where)

    def _same_as_stored(self, path: str, values: np.ndarray, limit: int = 16 << 20) -> bool:
        """Whether a committed array of at most ``limit`` bytes already holds ``values`` (read and compared)."""
        meta = self.txn.committed_array(path) or {}
        attrs = self.txn.committed_attrs(path) or {}
        shape = tuple(int(n) for n in meta.get("shape") or ())
        scalar = conv.decode_is_scalar(shape, attrs)
        if (tuple(values.shape) != shape and not (scalar and values.size == 1)) or values.nbytes > limit:
            return False
        try:
            zmeta = self.conv.zarr_metadata(dict(meta), attrs)
            stored = np.asarray(array_from_metadata(zmeta, self.handle.store, path)[...])
        except Exception:  # noqa: BLE001 - unreadable: rewrite it
            return False
        old, new = stored.reshape(-1).tolist(), np.asarray(values).reshape(-1).tolist()
        text = lambda v: v.decode("utf-8", "replace") if isinstance(v, bytes) else v  # noqa: E731
        return [text(v) for v in old] == [text(v) for v in new]

    def _stored_values(self, data: Any, dtype: str, where: str) -> np.ndarray:
        """Text or numeric ``data`` of canonical ``dtype`` encoded as this convention stores it."""
        if dtype in TEXT_KINDS:
            return to_text_array(data, as_bytes=self.conv.text_as_bytes(dtype))
        try:  # spec dtypes are minimums: an integer target is widened rather than wrapping values that do not fit
            target, arr = np.dtype(dtype), np.asarray(data)
            return arr.astype(widened(arr, target) or target, copy=False)
        except (TypeError, ValueError, OverflowError) as exc:
            raise StoreError(f"{where}: cannot store data as {dtype} ({exc})") from exc

    # -- groups and links ----------------------------------------------------------------
    def _group_attrs(self, builder: GroupBuilder) -> dict[str, Any]:
        links = [self._link_entry(lk) for lk in builder.links.values()]
        links += [self._link_entry((name, target)) for name, d in builder.datasets.items()
                  if (target := self._dataset_link(d)) is not None]
        return {**self._attrs(builder), **self.conv.encode_links(links)}

    def _dataset_link(self, builder: DatasetBuilder) -> LazyArray | None:
        """The array of another store a dataset is written as a link to (None: the data is stored)."""
        data, dio, _ = _content(builder)
        if isinstance(data, LazyArray) and data.store_url and data.store_url != self.handle.url:
            link = dio.link_data if dio is not None and dio.link_data is not None \
                else self.link_data and _worth_linking(builder, data)
            # a dataset whose attributes refer to other objects (a region's table, an index's target) is
            # copied: as a link its references would resolve in the other store, splitting those objects
            if link and not any(_refers(v) for v in builder.attributes.values()):
                if self._pointed_at is None:  # (nor one they point at): walked only when a link is considered
                    self._pointed_at = _pointed_at(self._root) if self._root is not None else set()
                if id(builder) not in self._pointed_at:
                    return data
        return None

    def _attrs(self, builder: Builder) -> dict[str, Any]:
        where = f"{self.handle.url}:{builder.path}"
        def ref(value: Any) -> dict[str, Any]:
            source, path, oid, root_oid = reference_entry(value, where, self._root)
            return self.conv.encode_attr_reference(path, source, oid, root_oid)

        return {key: encode_attr(value, ref, f"{where} attribute {key!r}") for key, value in builder.attributes.items()}

    def _link_entry(self, link: LinkBuilder | tuple[str, Any]) -> tuple[str, str, str]:
        """``(name, source, path)`` of a link (source '.' inside this store, else relative to it)."""
        name, target = link if isinstance(link, tuple) else (link.name, link.target)
        if isinstance(target, ExternalTarget):
            return name, target.source, target.path
        if isinstance(target, Builder):
            if self._root is not None and target.root is self._root:
                return name, ".", target.path
            return name, self._relative_source(target.root.source), target.path
        if isinstance(target, LazyArray) and target.store_url is not None and target.path is not None:
            return name, self._relative_source(target.store_url), target.path
        raise StoreError(f"{self.handle.url}: link {name!r} has an unsupported target {type(target).__name__}")

    def _relative_source(self, other: str | None) -> str:
        if not other:
            raise StoreError(f"{self.handle.url}: a link points into a tree that has no source store")
        if self.handle.local_path is not None and "://" not in other:
            return os.path.relpath(os.path.abspath(other), self.handle.local_path)
        return other

    def _write_children(self, zgroup: Any, builder: GroupBuilder, path: str) -> None:
        """Write a group's members; ``zgroup`` is the zarr group or, for a committed group, a callable
        opening it (only when a new member needs it)."""
        group = functools.cache(zgroup) if callable(zgroup) else lambda: zgroup

        for name, dset in builder.datasets.items():
            dpath = _join(path, name)
            if self.txn.committed_array(dpath) is not None:
                self._update_dataset(dset, dpath)
            elif self._dataset_link(dset) is None:
                self._write_dataset(group(), dset, dpath)
            self._bar.update(1)
        for name, sub in builder.groups.items():
            sub_path = _join(path, name)
            attrs = self._group_attrs(sub)
            if self.txn.committed_attrs(sub_path) is not None:
                self._stage_attrs(sub_path, "group", attrs)
                self._write_children(lambda name=name: group()[name], sub, sub_path)
                continue
            try:
                zsub = group().require_group(name)
                zsub.update_attributes(attrs) if attrs else None
            except Exception as exc:
                raise StoreError(f"{self.handle.url}: cannot write group /{sub_path} ({exc})") from exc
            self.nodes.append((sub_path, "group"))
            self._write_children(zsub, sub, sub_path)

    # -- datasets ------------------------------------------------------------------------
    def _write_dataset(self, zgroup: Any, builder: DatasetBuilder, path: str) -> None:
        self.written[path] = fingerprint(builder)  # before an iterator is consumed
        data, dio, dtype = _content(builder)
        t = Target(zgroup, builder, dio, self._attrs(builder), path, f"{self.handle.url}:/{path}")
        if is_dask_array(data):  # stored block by block through dask
            from .daskio import write_dask

            write_dask(self, t, data, dtype)
        elif isinstance(data, DataChunkIterator):
            self._write_iterator(t, data, dtype)
        elif isinstance(data, LazyArray) and data.store_url != self.handle.url and data.shape \
                and dtype is not None and not is_encoded(dtype):  # (the same store is rewritten: read it first)
            self._copy_lazy(t, data, dtype)
        else:
            data, dtype = _in_memory(data, dtype, t.where)
            if is_encoded(dtype):
                self._write_encoded(t, data, dtype)
                return
            arr = self._stored_values(data, dtype, t.where)
            zdtype = self.conv.text_zarr_dtype(dtype) if dtype in TEXT_KINDS else arr.dtype
            self._create_and_fill(t, arr, zdtype, self.conv.encode_dtype(dtype))

    def chunks_for(self, shape: tuple[int, ...], itemsize: int, dio: DataIO | None) -> tuple[int, ...]:
        """The chunk shape of a new array: ``dio``'s, else the default (an appendable array's as if unbounded)."""
        if dio is not None and isinstance(dio.chunks, tuple):
            return tuple(int(c) for c in dio.chunks)
        growable = dio is not None and dio.maxshape is not None and len(dio.maxshape) > 0 and dio.maxshape[0] is None
        if shape and (growable or (shape[0] == 0 and all(shape[1:]))):
            # to be appended to (maxshape=(None, ...), or empty so far): chunk as an unbounded array
            # would be (~2 MiB along axis 0) rather than after the current length
            return default_chunks((1 << 40, *shape[1:]), itemsize)
        return default_chunks(shape, itemsize)

    def dims_attrs(self, builder: DatasetBuilder, ndim: int) -> dict[str, Any]:
        """The stored dimension names of a dataset of ``ndim`` dimensions ({} when it names none)."""
        return {conv.DIMS_ATTR: list(builder.dims)} if builder.dims and ndim and len(builder.dims) == ndim else {}

    def create_array(self, t: Target, shape: tuple[int, ...], dtype: Any, chunks: tuple[int, ...],
                     dtype_attrs: dict[str, Any], sample: np.ndarray | None = None) -> Any:
        """Create (replacing) ``t``'s array as its DataIO wishes, with ``dtype_attrs`` and its attributes; numeric
        arrays without a chosen compressor get the convention's, or none when it does not pay on ``sample`` (the
        first chunk's values)."""
        dio = t.dio
        names = ("compressors", "filters", "serializer", "fill_value", "shards")  # the storage wishes a DataIO names
        kw = {n: getattr(dio, n) for n in names if dio is not None and getattr(dio, n) is not None}
        if kw.get("compressors") is False:
            kw["compressors"] = None
        if "shards" in kw:
            if not self.conv.supports_shards:
                raise StoreError(f"{self.handle.url}: shards need Zarr format 3")
            kw["shards"] = tuple(kw["shards"])
        if "compressors" not in kw and isinstance(dtype, np.dtype) and dtype.kind in "biuf":
            kw["compressors"] = [self.conv.numeric_compressor] if conv.compression_pays(sample) else None
        return t.zgroup.create_array(
            t.builder.name, shape=shape, dtype=dtype, chunks=chunks, overwrite=True,
            attributes={**dtype_attrs, **t.attrs, **self.dims_attrs(t.builder, len(shape))}, **kw,
        )

    def _create_and_fill(self, t: Target, arr: np.ndarray, zdtype: Any, dtype_attrs: dict[str, Any],
                         what: str = "write dataset") -> None:
        """Create an array for ``arr`` (scalars as the convention stores them) and write it."""
        if arr.ndim == 0:
            arr, dtype_attrs = self.conv.encode_scalar(arr, dtype_attrs)
        itemsize = arr.dtype.itemsize if arr.dtype.kind not in "OT" else estimate_itemsize(
            list(arr.ravel()[:64]) if arr.size else None, 16
        )
        chunks = self.chunks_for(arr.shape, itemsize, t.dio)
        with self.array_write(t.path, what, text=arr.dtype.kind in "OTUS"):
            sample = arr[:chunks[0]] if arr.ndim else None
            zarr_arr = self.create_array(t, arr.shape, zdtype, chunks, dtype_attrs, sample)
            if arr.size:
                zarr_arr[...] = arr

    @contextlib.contextmanager
    def array_write(self, path: str, what: str, text: bool = False) -> Iterator[None]:
        """Around writing one array: a failure becomes a StoreError naming it, a text array's document is spelled
        as the convention's peer writes it, and the node is recorded."""
        try:
            yield
            if text and self.conv.text_fill_value is not None:  # the document as the peer writes it (format 2: 0)
                key = self.conv.array_document_key(path)
                if (raw := self.handle.get(key)) is not None:
                    self.handle.set_documents([(key, {**json.loads(raw), "fill_value": self.conv.text_fill_value})])
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"{self.handle.url}:/{path}: cannot {what} ({type(exc).__name__}: {exc})") from exc
        self.nodes.append((path, "array"))

    def _copy_lazy(self, t: Target, data: LazyArray, dtype: str) -> None:
        """Copy an array read from a store as a stream of blocks of ~COPY_BLOCK_BYTES, keeping its chunking."""
        itemsize = 16 if dtype in TEXT_KINDS else data.dtype.itemsize
        chunks = tuple(t.dio.chunks) if t.dio is not None and isinstance(t.dio.chunks, tuple) else tuple(data.chunks)
        if len(chunks) != len(data.shape) or not all(chunks):
            chunks = self.chunks_for(tuple(data.shape), itemsize, t.dio)
        row_bytes = max(1, itemsize * math.prod(data.shape[1:]))
        step = max(chunks[0], (COPY_BLOCK_BYTES // row_bytes) // chunks[0] * chunks[0])
        blocks = (data[start:start + step] for start in range(0, data.shape[0], step))
        it = DataChunkIterator(blocks, data.dtype, tuple(data.shape[1:]), chunks, data.shape[0])
        self._write_iterator(t, it, dtype, "copy dataset")

    def _write_iterator(self, t: Target, it: DataChunkIterator, dtype: Any, what: str = "stream dataset") -> None:
        """Stream blocks: create the array from the first block, write whole chunks as they fill."""
        where = t.where
        first = it.peek()
        if first is None and (it.dtype is None or it.row_shape is None):
            raise StoreError(f"{where}: the DataChunkIterator is empty and has no dtype/row_shape")
        first_dtype = it.dtype if it.dtype is not None else first.dtype  # type: ignore[union-attr]
        canonical = stream_dtype(dtype, first_dtype, where)
        text = canonical in TEXT_KINDS
        row_shape = tuple(it.row_shape or ())
        zdtype: Any = self.conv.text_zarr_dtype(canonical) if text else np.dtype(canonical)
        rows_hint = it.total_rows or (1 << 40)
        itemsize = 16 if text else zdtype.itemsize
        chunks = tuple(it.chunks) if it.chunks else self.chunks_for((rows_hint, *row_shape), itemsize, t.dio)
        with self.array_write(t.path, what, text):
            sample = None if text or first is None else np.asarray(first, dtype=zdtype)[:chunks[0]]
            zarr_arr = self.create_array(t, (0, *row_shape), zdtype, chunks, self.conv.encode_dtype(canonical), sample)
            step, buffered, buffer = chunks[0], 0, []
            for block in it:
                block = self._stored_values(block, canonical, where) if text else np.asarray(block, dtype=zdtype)
                buffer.append(block.reshape((1, *row_shape)) if block.ndim == len(row_shape) else block)
                buffered += len(buffer[-1])
                if buffered >= step:  # whole chunks only (a partly filled chunk would be written again)
                    joined = np.concatenate(buffer)
                    n = (len(joined) // step) * step
                    zarr_arr.append(joined[:n])
                    buffer, buffered = [joined[n:]], len(joined) - n
            if buffered:
                zarr_arr.append(np.concatenate(buffer))

    def _write_encoded(self, t: Target, data: Any, dtype: Any) -> None:
        """References or compound records as the convention encodes them (``encode_rows``): an array (paths; records,
        text and reference fields as fixed-width UTF-32), or a v2 ``|O`` array of JSON object-codec cells (compounds:
        one row of fields each) written as raw keys (zarr 3 cannot)."""
        fields = compound_fields(dtype) if isinstance(dtype, (list, tuple)) else []
        dtype_attrs = self.conv.encode_compound(fields) if fields else self.conv.reference_attrs()
        values = encode_rows(self.conv, dtype if fields else "object", data, self._root, t.where)
        if values.dtype != object:
            self._create_and_fill(t, values, values.dtype if fields else str, dtype_attrs,
                                  "write compound dataset" if fields else "write dataset")
            return
        chunks: tuple[int, ...] = (self.chunks_for((len(values),), 64 * len(fields), t.dio)[0] if len(values) else 1,
                                   len(fields)) if fields else self.chunks_for(values.shape, 64, t.dio)
        zarray = self.conv.object_array_document(values.shape, chunks)
        if t.builder.name in t.zgroup:
            del t.zgroup[t.builder.name]
        attrs_key = self.conv.attrs_entry(t.path)
        assert attrs_key is not None  # JSON object-codec arrays exist in format 2 only
        attrs = {**dtype_attrs, **t.attrs, **self.dims_attrs(t.builder, 1 if fields else values.ndim)}
        self.handle.set_documents([(self.conv.array_document_key(t.path), zarray), (attrs_key, attrs)])
        write_object_chunks(self.handle, t.path, zarray, values, 0, t.where)
        self.nodes.append((t.path, "array"))

    # -- specs and consolidation ---------------------------------------------------------
    def _write_specs(self, zroot: Any, namespaces: dict[str, Any]) -> None:
        """Cache each namespace's JSON under /specifications/<ns>/<version>/<source> (written concurrently)."""
        jobs = [(n, v, src, text) for n, v, src, text in encode_cache(namespaces)
                if self.txn.committed_array(f"{conv.SPEC_GROUP}/{n}/{v}/{src}") is None]
        if not jobs:
            return  # a committed store keeps its cached documents; only new ones are added
        attrs = self.conv.scalar_attrs()
        shape = self.conv.scalar_shape

        async def _one(group: Any, name: str, text: str) -> None:
            arr = await group.create_array(name, shape=shape, dtype=str, chunks=shape, attributes=attrs, overwrite=True)
            await arr.setitem(..., np.full(shape, text, dtype=STRING_DTYPE))

        versions = dict.fromkeys((n, v) for n, v, _, _ in jobs)

        async def _all() -> None:
            spec = await async_group(zroot).require_group(conv.SPEC_GROUP)
            groups = {(n, v): await (await spec.require_group(n)).require_group(v) for n, v in versions}
            await gather_or_cancel(*(_one(groups[(n, v)], src, text) for n, v, src, text in jobs))

        try:
            run(_all())
        except HdmfZarrError:  # StoreAuthError and friends already name the store and the cause
            raise
        except Exception as exc:
            raise StoreError(f"{self.handle.url}: cannot cache the specs ({exc})") from exc
        groups = [conv.SPEC_GROUP, *(f"{conv.SPEC_GROUP}/{p}" for n, v in versions for p in (n, f"{n}/{v}"))]
        self.nodes += [(g, "group") for g in dict.fromkeys(groups) if self.txn.committed_attrs(g) is None]
        self.nodes += [(f"{conv.SPEC_GROUP}/{n}/{v}/{src}", "array") for n, v, src, _ in jobs]


def _in_memory(data: Any, dtype: Any, where: str) -> tuple[Any, Any]:
    """``data`` in memory (lazy arrays read, iterators and dask arrays computed) and its dtype (inferred when the
    builder gives none)."""
    if isinstance(data, LazyArray):
        data = data.read()
    elif isinstance(data, DataChunkIterator):
        data = np.concatenate(list(data))
    elif is_dask_array(data):
        data = np.asarray(data)
    return data, infer_dtype(data, where) if dtype is None or dtype == "numeric" else dtype
