"""Reading a zarr store (either convention) into a builder tree, lazily: datasets get :class:`~.lazy.LazyArray`
data built from the metadata alone; scalars are ``Deferred`` (read on first use, many in one concurrent wave),
except references and compounds, read while opening in one wave.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

import numpy as np

from ...build.builders import (Builder, CompoundField, DatasetBuilder, Deferred, ExternalTarget, GroupBuilder,
                               LinkBuilder, ReferenceBuilder, ROOT_NAME, fetch_deferred)
from ... import errors
from ...spec.cache import decode_cache, latest_sources
from ...spec.dtypes import NUMERIC_DTYPES
from . import convention as conv
from . import safety
from .compat import Array, array_from_metadata, async_array
from .lazy import ChunkCache, LazyArray, LegacyChunkSource, ZarrChunkSource, plain_chunks
from .store import StoreHandle, run

__all__ = ["ZarrReader"]


_RECORD_NUMERIC = NUMERIC_DTYPES | {"bool"}  # record fields kept as numbers (the rest are Python objects)


class ZarrReader:
    """Reads the store behind ``handle`` into builders; also the loader of its scalars' Deferred values."""

    def __init__(self, handle: StoreHandle) -> None:
        self.handle, self.url = handle, handle.url
        fmt = handle.root_format()
        if fmt is None:
            raise errors.StoreNotFoundError(f"{self.url}: {conv.NO_ROOT}")
        self.conv = conv.for_format(fmt)
        # consolidated: the committed state of the append protocol (else tables are bounded by committed rows)
        self.nodes, self.consolidated = self.conv.load_nodes(handle, handle.root_document())
        root_attrs = self.nodes[""].attrs
        if self.conv.is_incomplete(root_attrs):
            raise errors.IncompleteStoreError(
                f"{self.url}: incomplete store: its first write was interrupted before the "
                "commit, so nothing in it was committed; write it again (mode 'w' or 'a') "
                "or delete it")
        # arrays an uncommitted format-2 rewrite is changing in place are read from their undo copies
        self.redirect = self.conv.undo_map(root_attrs)
        self.chunk_cache = ChunkCache()  # one memory budget for every lazy array of this store
        specloc = conv.decode_specloc(root_attrs)
        self.specloc = safety.check_node_path(specloc, self.url, f"root attribute {conv.SPECLOC_ATTR!r}") or None
        self.root: GroupBuilder | None = None
        self._ref_cache: dict[str, ReferenceBuilder] = {}
        self.leaves: list[Deferred] = []  # the Deferred scalar values of this store

    def read(self) -> GroupBuilder:
        """The whole tree (the spec cache excluded) with lazy dataset data."""
        groups: dict[str, GroupBuilder] = {}
        scalars: list[DatasetBuilder] = []  # scalars read now (references, compounds): one concurrent wave
        for path in sorted(self.nodes, key=lambda p: (p.count("/"), p)):  # the root first, then parents first
            if self.specloc and (path == self.specloc or path.startswith(self.specloc + "/")):
                continue
            parent_path, _, name = path.rpartition("/")
            if path and parent_path not in groups:
                raise errors.CorruptStoreError(f"{self.url}: /{path} has no parent group /{parent_path}")
            node = self.nodes[path]
            if node.kind == "group" or not path:
                g = groups[path] = GroupBuilder(name or ROOT_NAME, attributes=self._attrs(node), source=self.url)
                g.location = path
                if path:
                    groups[parent_path].set_group(g)
            else:
                groups[parent_path].set_dataset(self._dataset(node, name, scalars))
        self.root = root = groups[""]
        self._add_links([(group, name, source, path) for p, group in groups.items()
                         for name, source, path in conv.decode_links(self.nodes[p].attrs, f"{self.url}:/{p}")])
        for b in root.walk():  # references resolve once every node is in the tree
            for key, value in b.attributes.items():
                b.attributes[key] = self._decode_attr(value, f"{self.url}:{b.path} attribute {key!r}")
        self._read_now(scalars)
        return root

    def _read_now(self, builders: list[DatasetBuilder]) -> None:
        """Read the Deferred values of ``builders`` (one concurrent wave) into their data."""
        values = [b.raw_data for b in builders]
        fetch_deferred([v for v in values if isinstance(v, Deferred)])
        for b, v in zip(builders, values):
            if isinstance(v, Deferred):
                b.data = v.get()

    def _attrs(self, node: conv.NodeMeta) -> dict[str, Any]:
        """The attributes builders see (as stored: :meth:`read` decodes references once the tree is built)."""
        return {key: value for key, value in node.attrs.items() if key not in conv.READ_RESERVED}

    def _decode_attr(self, value: Any, where: str) -> Any:
        if (ref := conv.decode_attr_reference(value)) is not None:
            return self.reference(*ref, where)
        if conv.is_attr_reference_like(value):
            raise errors.CorruptStoreError(
                f"{where}: malformed object reference {value!r} (expected a 'path' string in the "
                "reference)")
        if isinstance(value, list):
            return [self._decode_attr(v, where) for v in value]
        return value

    def target(self, path: str, where: str) -> Builder:
        """The builder at ``path`` or DanglingReferenceError naming ``where``."""
        assert self.root is not None
        try:
            return self.root[safety.check_object_path(path, where)]
        except (KeyError, ValueError):
            raise errors.DanglingReferenceError(
                f"{where}: points at {path!r}, which does not exist in {self.url}") from None

    def reference(self, source: str, path: str, where: str) -> ReferenceBuilder:
        """A ReferenceBuilder to ``path`` (resolved in this tree when source is '.')."""
        if source not in (".", "", None):
            return ReferenceBuilder(ExternalTarget(source, safety.check_object_path(path, where)), source=source)
        if path not in self._ref_cache:
            self._ref_cache[path] = ReferenceBuilder(self.target(path, where))
        return self._ref_cache[path]

    def _add_links(self, entries: list[tuple[GroupBuilder, str, str, str]]) -> None:
        """Add every link; one whose target (maybe another link) is not there yet waits for a later pass (any order
        on disk works); what never resolves is dangling."""
        while entries:
            waiting = []
            for group, name, source, path in entries:
                where = f"{self.url}:{group.path} link {name!r}"
                try:
                    target: Any = (self.target(path, where) if source == "."
                                   else ExternalTarget(source, safety.check_object_path(path, where)))
                except errors.DanglingReferenceError:  # not in the tree yet (perhaps a link added by a later pass)
                    waiting.append((group, name, source, path))
                    continue
                try:
                    group.set_link(LinkBuilder(target, name=name, source=self.url))
                except ValueError as exc:
                    raise errors.CorruptStoreError(f"{where}: {exc}") from exc
            if len(waiting) == len(entries):
                group, name, _, path = waiting[0]
                self.target(path, f"{self.url}:{group.path} link {name!r}")  # raises DanglingReferenceError
            entries = waiting

    def _zarr_array(self, node: conv.NodeMeta) -> Array:
        meta = node.conv.zarr_metadata(dict(node.meta), node.attrs)
        try:
            return array_from_metadata(meta, self.handle.store, self.redirect.get(node.path, node.path))
        except Exception as exc:
            raise errors.CorruptStoreError(f"{self.url}:/{node.path}: cannot interpret array metadata ({exc})") from exc

    def _dataset(self, node: conv.NodeMeta, name: str, scalars: list[DatasetBuilder]) -> DatasetBuilder:
        """A dataset builder with lazy data; a scalar's value is Deferred (appended to ``scalars`` when it must be
        read while opening: references and compounds)."""
        where = f"{self.url}:/{node.path}"
        attrs = node.attrs
        spelled = conv.decode_dtype_spelling(attrs)
        dims = attrs.get(conv.DIMS_ATTR)
        doc = node.conv.array_doc(node.meta)
        shape = safety.check_array_meta(doc, node.conv, where)
        if doc.legacy:
            compound = None
            if isinstance(spelled, list):  # a compound kept in object cells (format 2, see Format2)
                listed = conv.decode_compound_fields(attrs)[1]
                compound = np.dtype([(str(n), d if d in _RECORD_NUMERIC else object) for n, d in listed.items()])
            source: Any = LegacyChunkSource(self.handle, node.path, node.meta, where, compound)
        else:
            path = self.redirect.get(node.path, node.path)
            raw = plain_chunks(doc.raw, self.handle.store, path)
            source = ZarrChunkSource(lambda: self._zarr_array(node), where, *doc.layout,
                                     sync=self.handle.sync_io, raw=raw)
        np_dtype = source.dtype
        dtype: Any = np_dtype.name
        convert: Callable | None = None
        out_dtype = None
        if np_dtype.names:
            dtype, convert, out_dtype = self._compound(np_dtype, attrs, where)
        elif conv.builder_dtype(spelled) == "object":
            dtype = "object"
            convert, out_dtype = self._reference_converter(where), np.dtype(object)
        elif np_dtype.kind in "OTUS":
            canon = conv.builder_dtype(spelled)
            dtype = canon if canon in conv.TEXT_KINDS else ("ascii" if doc.bytes else "text")
            convert, out_dtype = _text_converter, np.dtype(object)
        scalar = conv.decode_is_scalar(shape, attrs)
        lazy = LazyArray(source, convert=convert, dtype=out_dtype, store_url=self.url, path="/" + node.path,
                         cache=self.chunk_cache)
        data: Any = Deferred(self, (lazy, len(shape) == 1)) if scalar else lazy  # key: (lazy array, stored as [1])
        if scalar:
            self.leaves.append(data)
        builder = DatasetBuilder(name, data=data, dtype=dtype, attributes=self._attrs(node), source=self.url,
                                 dims=list(dims) if isinstance(dims, list) and not scalar else None)
        builder.location = node.path
        if scalar and (dtype == "object" or isinstance(dtype, list)):
            scalars.append(builder)
        return builder

    def _reference_converter(self, where: str) -> Callable[[np.ndarray], np.ndarray]:
        def convert(values: np.ndarray) -> np.ndarray:
            out = np.empty(values.shape, dtype=object)
            flat = out.reshape(-1)
            for i, v in enumerate(values.reshape(-1).tolist()):
                empty = v is None or v == "" or v == 0
                flat[i] = None if empty else self.reference(*conv.decode_dataset_reference(v), where)
            return out

        return convert

    def _compound(self, np_dtype: np.dtype, attrs: dict[str, Any],
                  where: str) -> tuple[list[CompoundField], Callable | None, np.dtype | None]:
        """A compound's fields, and the converter of its references and text to Python objects (None: not needed)."""
        ref_fields, listed = conv.decode_compound_fields(attrs)
        ref_conv = self._reference_converter(where)
        fields, field_conv = [], {}
        names = np_dtype.names or ()
        for n in names:
            sub, canon = np_dtype[n], listed.get(n)
            if n in ref_fields:
                canon, field_conv[n] = "object", ref_conv
            elif sub.kind in "UOTS":
                canon = "ascii" if sub.kind == "S" else canon if canon in conv.TEXT_KINDS else "text"
                field_conv[n] = _text_converter
            else:
                canon = sub.name
            fields.append(CompoundField(n, canon))
        if not field_conv:  # every text field is converted: fixed-width ('U') ones too, so text is str everywhere
            return fields, None, None
        out_dtype = np.dtype([(n, object if n in field_conv else np_dtype[n]) for n in names])

        def convert(values: np.ndarray) -> np.ndarray:
            out = np.empty(values.shape, dtype=out_dtype)
            for n in names:
                out[n] = field_conv[n](values[n]) if n in field_conv else values[n]
            return out

        return fields, convert, out_dtype

    def pending(self) -> list[Deferred]:
        """The scalar values not read yet."""
        self.leaves = [leaf for leaf in self.leaves if not leaf.done]
        return list(self.leaves)

    def load(self, leaves: list[Deferred]) -> None:
        """Read the scalar values of ``leaves`` (keys ``(lazy array, stored as [1])``) in one concurrent wave."""
        keys = [leaf.key for leaf in leaves if isinstance(leaf.key[0].source, ZarrChunkSource)]

        async def _all() -> list[Any]:
            reads = (async_array(lz.source.array).getitem(slice(0, 1) if one else ()) for lz, one in keys)
            return list(await asyncio.gather(*reads, return_exceptions=True))

        results = iter(run(_all()) if keys else [])
        for leaf in leaves:
            lz, one = leaf.key
            if isinstance(lz.source, LegacyChunkSource):  # read() decodes and converts, once
                arr = np.asarray(lz.read())
                arr = arr.reshape(-1)[0:1].reshape(()) if one else arr
            else:
                if isinstance(value := next(results), Exception):
                    raise safety.translate_error(value, lz.where, "read scalar") from value
                arr = np.asarray(value).reshape(()) if one else np.asarray(value)
                arr = lz.convert(arr) if lz.convert else arr
            leaf.set(arr[()] if arr.ndim == 0 and not arr.dtype.names else arr)

    def cached_sources(self) -> list[tuple[str, str, str]]:
        """``(namespace, version, source)`` of the latest cached version of each namespace (metadata only)."""
        arrays = (p for p, n in self.nodes.items() if n.kind == "array")
        return latest_sources(arrays, self.specloc) if self.specloc else []

    def spec_cache(self) -> dict[str, Any]:
        """The cached namespaces as ``{name: {"version", "namespace", "sources"}}`` (latest version each)."""
        if not self.specloc:
            return {}
        base, wanted = self.specloc, self.cached_sources()
        holders = [self._dataset(self.nodes[f"{base}/{ns}/{version}/{src}"], src, []) for ns, version, src in wanted]
        self._read_now(holders)
        values = [b.data.reshape(-1)[0] if isinstance(b.data, np.ndarray) else b.data for b in holders]  # format 2: [1]
        return decode_cache(((*w, v) for w, v in zip(wanted, values)), f"{self.url}:/{base}")


def _text_converter(values: np.ndarray) -> np.ndarray:
    """Text as an object array of Python str (bytes decoded as UTF-8)."""
    out = values.astype(object)
    if values.dtype.kind in "UT":
        return out
    flat = out.reshape(-1)
    for i, v in enumerate(flat):
        if isinstance(v, (bytes, np.bytes_)):
            flat[i] = bytes(v).decode("utf-8", errors="replace")
        elif v is None or (isinstance(v, int) and v == 0):
            flat[i] = ""
    return out
