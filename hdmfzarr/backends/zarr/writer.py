"""Writing a builder tree into a zarr store in one convention (format 3 or 2).

Groups become zarr groups, datasets zarr arrays, links entries of the parent's links attribute,
references paths (see :mod:`.convention`). Specs are cached under ``/specifications`` and
consolidated metadata is written last, from the metadata documents this writer produced.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
from typing import Any

import numpy as np
import zarr

from ...build.builders import Builder, CompoundField, DatasetBuilder, ExternalTarget, GroupBuilder, LinkBuilder
from ...dataio import DataChunkIterator, DataIO
from ...errors import StoreError
from ...progress import SilentBar, progress_bar
from ...spec.cache import encode_cache
from ...spec.dtypes import fit_integers
from . import convention as conv
from .chunking import default_chunks, estimate_itemsize
from .compat import async_group
from .legacy import v2_chunk_key
from .lazy import LazyArray
from .store import StoreHandle, run
from .values import (
    STRING_DTYPE,
    TEXT_KINDS,
    compound_rows,
    encode_attr,
    infer_dtype,
    max_text_len,
    reference_path,
    to_text_array,
)

__all__ = ["ZarrWriter"]


def _join(parent: str, name: str) -> str:
    return f"{parent}/{name}" if parent else name


class ZarrWriter:
    """Writes builders into the store of ``handle`` following ``convention``."""

    def __init__(self, handle: StoreHandle, convention: conv.Convention) -> None:
        self.handle = handle
        self.conv = convention
        self.fmt = convention.zarr_format
        self.nodes: list[tuple[str, str]] = []  # (store path, "group" | "array") in write order
        self.fresh = True  # False when the store already held a hierarchy (modes 'a' / 'r+')
        self._root: GroupBuilder | None = None
        self._bar: Any = SilentBar()  # progress over datasets written (tqdm in interactive use)

    # -- entry point ---------------------------------------------------------------------
    def write(self, root: GroupBuilder, namespaces: dict[str, Any] | None = None) -> None:
        """Write ``root`` (and cached ``namespaces``), then consolidated metadata."""
        with self.handle.batch():  # remote stores: every metadata document is sent once, at the end
            self._write(root, namespaces)

    def _write(self, root: GroupBuilder, namespaces: dict[str, Any] | None) -> None:
        if not isinstance(root, GroupBuilder):
            raise StoreError(f"{self.handle.url}: write_builder needs a GroupBuilder, got {type(root).__name__}")
        self._root = root
        self.fresh = self.handle.root_format() is None
        attrs = self._group_attrs(root)
        if namespaces:
            attrs[conv.SPECLOC_ATTR] = conv.SPEC_GROUP
        try:
            # the hierarchy as stored, not as the (possibly stale) consolidated metadata says: after a
            # failed write, groups it created exist without being listed, and must be reused
            zroot = zarr.open_group(self.handle.store, mode="a", zarr_format=self.fmt, use_consolidated=False)
        except Exception as exc:
            raise StoreError(f"{self.handle.url}: cannot create the root group ({exc})") from exc
        if zroot.metadata.zarr_format != self.fmt:
            raise StoreError(
                f"{self.handle.url}: the store is Zarr format {zroot.metadata.zarr_format}, cannot write format {self.fmt}"
            )
        zroot.update_attributes(attrs)
        self.nodes.append(("", "group"))
        n_datasets = sum(1 for b in root.walk() if isinstance(b, DatasetBuilder))
        self._bar = progress_bar(n_datasets, f"writing {os.path.basename(self.handle.url.rstrip('/'))}", unit="dataset")
        try:
            self._write_children(zroot, root, "")
        finally:
            self._bar.close()
        if namespaces:
            self._write_specs(zroot, namespaces)
        self.consolidate()

    # -- groups and links ----------------------------------------------------------------
    def _group_attrs(self, builder: GroupBuilder) -> dict[str, Any]:
        return {**self._attrs(builder), **self.conv.encode_links(self._link_entry(lk) for lk in builder.links.values())}

    def _attrs(self, builder: Builder) -> dict[str, Any]:
        where = f"{self.handle.url}:{builder.path}"
        out = {}
        for key, value in builder.attributes.items():
            out[key] = encode_attr(value, lambda v: self._attr_ref(v, where), f"{where} attribute {key!r}")
        return out

    def _attr_ref(self, value: Any, where: str) -> dict[str, Any]:
        source, path = reference_path(value, where)
        target = getattr(value, "target", value)
        oid = target.attributes.get("object_id") if isinstance(target, Builder) else None
        root_oid = self._root.attributes.get("object_id") if self._root is not None else None
        return self.conv.encode_attr_reference(path, source, oid, root_oid)

    def _link_entry(self, link: LinkBuilder | tuple[str, Any]) -> tuple[str, str, str]:
        """``(name, source, path)`` of a link (source '.' inside this store, else relative to it)."""
        if isinstance(link, tuple):
            name, target = link
        else:
            name, target = link.name, link.target
        if isinstance(target, ExternalTarget):
            return name, target.source, target.path
        if isinstance(target, Builder):
            if self._root is not None and target.root is self._root:
                return name, ".", target.path
            return name, self._relative_source(target.root.source), target.path
        if isinstance(target, LazyArray):
            return name, self._relative_source(target.store_url), target.path
        raise StoreError(f"{self.handle.url}: link {name!r} has an unsupported target {type(target).__name__}")

    def _relative_source(self, other: str | None) -> str:
        if not other:
            raise StoreError(f"{self.handle.url}: a link points into a tree that has no source store")
        if self.handle.local_path is not None and "://" not in other:
            return os.path.relpath(os.path.abspath(other), self.handle.local_path)
        return other

    def _write_children(self, zgroup: Any, builder: GroupBuilder, path: str) -> None:
        for name, dset in builder.datasets.items():
            self._write_dataset(zgroup, dset, _join(path, name), builder)
            self._bar.update(1)
        for name, sub in builder.groups.items():
            sub_path = _join(path, name)
            attrs = self._group_attrs(sub)
            try:
                zsub = zgroup.require_group(name)
                zsub.update_attributes(attrs) if attrs else None
            except Exception as exc:
                raise StoreError(f"{self.handle.url}: cannot write group /{sub_path} ({exc})") from exc
            self.nodes.append((sub_path, "group"))
            self._write_children(zsub, sub, sub_path)

    # -- datasets ------------------------------------------------------------------------
    def _write_dataset(self, zgroup: Any, builder: DatasetBuilder, path: str, parent: GroupBuilder) -> None:
        where = f"{self.handle.url}:/{path}"
        data, dio = builder.data, None
        if isinstance(data, DataIO):
            dio, data = data, data.data
        if isinstance(data, LazyArray) and data.store_url and data.store_url != self.handle.url:
            if dio is None or dio.link_data:
                self._add_dataset_link(zgroup, parent, builder.name, data, path)
                return
        dtype = builder.dtype if builder.dtype is not None else (dio.dtype if dio is not None else None)
        if isinstance(dtype, np.dtype):
            dtype = dtype.name if dtype.names is None else [CompoundField(n, dtype[n].name) for n in dtype.names]
        attrs = self._attrs(builder)
        if type(data).__module__.startswith("dask.array"):  # stored block by block through dask
            from .daskio import write_dask

            write_dask(self, zgroup, builder, data, dio, dtype, attrs, path)
            return
        if isinstance(data, DataChunkIterator):
            self._write_iterator(zgroup, builder, data, dio, dtype, attrs, path)
            return
        if isinstance(data, LazyArray):
            data = data.read()
        if isinstance(dtype, (list, tuple)):
            self._write_compound(zgroup, builder, data, list(dtype), dio, attrs, path)
            return
        if dtype is None or dtype == "numeric":
            dtype = infer_dtype(data, where)
        if dtype in ("object", "region"):
            self._write_references(zgroup, builder, data, dio, attrs, path)
            return
        if dtype in TEXT_KINDS:
            arr = to_text_array(data, as_bytes=self.conv.text_as_bytes(dtype))
            zdtype: Any = self.conv.text_zarr_dtype(dtype)
        else:
            try:
                arr = _cast_numeric(data, np.dtype(dtype))
            except (TypeError, ValueError, OverflowError) as exc:
                raise StoreError(f"{where}: cannot store data as {dtype} ({exc})") from exc
            zdtype = arr.dtype
        self._create_and_fill(zgroup, builder, arr, zdtype, self.conv.encode_dtype(dtype), dio, attrs, path)

    def _add_dataset_link(self, zgroup: Any, parent: GroupBuilder, name: str, target: LazyArray, path: str) -> None:
        current = conv.decode_links(dict(zgroup.attrs), f"{self.handle.url}:/{path}")
        zgroup.update_attributes(self.conv.encode_links([*current, self._link_entry((name, target))]))

    def _chunks_for(self, shape: tuple[int, ...], itemsize: int, dio: DataIO | None) -> tuple[int, ...]:
        if dio is not None and isinstance(dio.chunks, tuple):
            return tuple(int(c) for c in dio.chunks)
        growable = dio is not None and bool(dio.maxshape) and dio.maxshape[0] is None
        if shape and (growable or (shape[0] == 0 and all(shape[1:]))):
            # to be appended to (maxshape=(None, ...), or empty so far): chunk as an unbounded array
            # would be (~2 MiB along axis 0) rather than after the current length
            return default_chunks((1 << 40, *shape[1:]), itemsize)
        return default_chunks(shape, itemsize)

    def _array_kwargs(self, dio: DataIO | None) -> dict[str, Any]:
        kw: dict[str, Any] = {}
        if dio is None:
            return kw
        if dio.compressors is not None:
            comps = None if dio.compressors is False else dio.compressors
            kw["compressors"] = comps
        if dio.filters is not None:
            kw["filters"] = dio.filters
        if dio.serializer is not None:
            kw["serializer"] = dio.serializer
        if dio.fill_value is not None:
            kw["fill_value"] = dio.fill_value
        if dio.shards is not None:
            if not self.conv.supports_shards:
                raise StoreError(f"{self.handle.url}: shards need Zarr format 3")
            kw["shards"] = tuple(dio.shards)
        return kw

    def _dims(self, builder: DatasetBuilder, ndim: int) -> dict[str, Any]:
        if builder.dims and ndim and len(builder.dims) == ndim:
            return {conv.DIMS_ATTR: list(builder.dims)}
        return {}

    def _create_and_fill(
        self, zgroup: Any, builder: DatasetBuilder, arr: np.ndarray, zdtype: Any, dtype_attrs: dict[str, Any],
        dio: DataIO | None, attrs: dict[str, Any], path: str,
    ) -> None:
        """Create an array for ``arr`` (scalars as the convention stores them) and write it."""
        where = f"{self.handle.url}:/{path}"
        if arr.ndim == 0:
            arr, dtype_attrs = self.conv.encode_scalar(arr, dtype_attrs)
        meta_attrs = {**dtype_attrs, **attrs, **self._dims(builder, arr.ndim)}
        itemsize = arr.dtype.itemsize if arr.dtype.kind not in "OT" else estimate_itemsize(
            list(arr.ravel()[:64]) if arr.size else None, 16
        )
        chunks = self._chunks_for(arr.shape, itemsize, dio)
        try:
            zarr_arr = zgroup.create_array(
                builder.name, shape=arr.shape, dtype=zdtype, chunks=chunks,
                attributes=meta_attrs, overwrite=True, **self._array_kwargs(dio),
            )
            if arr.size:
                zarr_arr[...] = arr
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"{where}: cannot write dataset ({exc})") from exc
        self.nodes.append((path, "array"))

    def _write_iterator(
        self, zgroup: Any, builder: DatasetBuilder, it: DataChunkIterator, dio: DataIO | None,
        dtype: Any, attrs: dict[str, Any], path: str,
    ) -> None:
        """Stream blocks: create the array from the first block, write whole chunks as they fill."""
        where = f"{self.handle.url}:/{path}"
        first = it.peek()
        text = dtype in TEXT_KINDS or (first is not None and first.dtype.kind in "UTSO")
        if first is None and (it.dtype is None or it.row_shape is None):
            raise StoreError(f"{where}: the DataChunkIterator is empty and has no dtype/row_shape")
        np_dtype = np.dtype(dtype) if (dtype and not text and dtype not in ("numeric",)) else it.dtype
        row_shape = tuple(it.row_shape or ())
        zdtype: Any = str if text else np_dtype
        itemsize = 16 if text else np_dtype.itemsize
        rows_hint = it.total_rows or (1 << 40)
        chunks = tuple(it.chunks) if it.chunks else self._chunks_for((rows_hint, *row_shape), itemsize, dio)
        meta_attrs = {**self.conv.encode_dtype("text" if text else np_dtype.name), **attrs, **self._dims(builder, 1 + len(row_shape))}
        try:
            zarr_arr = zgroup.create_array(
                builder.name, shape=(0, *row_shape), dtype=zdtype, chunks=chunks,
                attributes=meta_attrs, overwrite=True, **self._array_kwargs(dio),
            )
            step = chunks[0]
            buffer: list[np.ndarray] = []
            buffered = 0
            written = 0
            for block in it:
                block = to_text_array(block) if text else np.asarray(block, dtype=np_dtype)
                if block.ndim == len(row_shape):
                    block = block.reshape((1, *row_shape))
                buffer.append(block)
                buffered += len(block)
                if buffered >= step:
                    joined = np.concatenate(buffer)
                    n = (len(joined) // step) * step
                    zarr_arr.resize((written + n, *row_shape))
                    zarr_arr[written:written + n] = joined[:n]
                    written += n
                    buffer = [joined[n:]] if n < len(joined) else []
                    buffered = len(joined) - n
            if buffered:
                joined = np.concatenate(buffer)
                zarr_arr.resize((written + len(joined), *row_shape))
                zarr_arr[written:] = joined
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"{where}: cannot stream dataset ({exc})") from exc
        self.nodes.append((path, "array"))

    def _ref_path(self, value: Any, where: str) -> str:
        return self.conv.encode_field_reference(*reference_path(value, where))

    def _write_references(
        self, zgroup: Any, builder: DatasetBuilder, data: Any, dio: DataIO | None, attrs: dict[str, Any], path: str
    ) -> None:
        where = f"{self.handle.url}:/{path}"
        if isinstance(data, (list, tuple, np.ndarray)):
            arr = np.empty(len(data) if not isinstance(data, np.ndarray) else data.shape, dtype=object)
            arr_flat = arr.reshape(-1)
            for i, v in enumerate(np.asarray(data, dtype=object).reshape(-1) if isinstance(data, np.ndarray) else data):
                arr_flat[i] = v
        else:
            arr = np.empty((), dtype=object)
            arr[()] = data
        root_oid = self._root.attributes.get("object_id") if self._root is not None else None
        refs = []
        for v in arr.reshape(-1):
            source, tpath = reference_path(v, where)
            target = getattr(v, "target", v)
            refs.append((source, tpath, target.attributes.get("object_id") if isinstance(target, Builder) else None,
                         root_oid))
        values = self.conv.encode_dataset_references(refs, arr.shape)
        if not self.conv.object_codec_references:
            self._create_and_fill(zgroup, builder, values, str, self.conv.reference_attrs(), dio, attrs, path)
            return
        meta_attrs = {**self.conv.reference_attrs(), **attrs, **self._dims(builder, values.ndim)}
        self._write_json_object_array(zgroup, builder.name, path, values, meta_attrs, dio)

    def _write_json_object_array(
        self, zgroup: Any, name: str, path: str, values: np.ndarray, attrs: dict[str, Any], dio: DataIO | None
    ) -> None:
        """A v2 ``|O`` array with the JSON object codec, written as raw keys (zarr 3 cannot)."""
        import numcodecs

        chunks = self._chunks_for(values.shape, 64, dio)
        zarray = self.conv.object_array_document(values.shape, chunks)
        if name in zgroup:
            del zgroup[name]
        codec = numcodecs.get_codec(zarray["compressor"])
        self.handle.set(self.conv.array_document_key(path), json.dumps(zarray, indent=4, sort_keys=True).encode())
        self.handle.set(self.conv.attrs_entry(path), json.dumps(attrs, indent=4, allow_nan=True).encode())
        if values.ndim == 0:
            self.handle.set(v2_chunk_key(path, ()), codec.encode(self.conv.encode_object_chunk(values)))
        else:
            grid = [range(math.ceil(s / c)) for s, c in zip(values.shape, chunks)]
            from itertools import product

            for coords in product(*grid):
                region = tuple(slice(i * c, (i + 1) * c) for i, c in zip(coords, chunks))
                block = values[region]
                if block.shape != tuple(chunks):  # v2 chunks are stored full size
                    full = np.empty(chunks, dtype=object)
                    full[tuple(slice(0, s) for s in block.shape)] = block
                    block = full
                self.handle.set(v2_chunk_key(path, coords), codec.encode(self.conv.encode_object_chunk(block)))
        self.nodes.append((path, "array"))

    def _write_compound(
        self, zgroup: Any, builder: DatasetBuilder, data: Any, fields: list[CompoundField],
        dio: DataIO | None, attrs: dict[str, Any], path: str,
    ) -> None:
        """Structured arrays: text and reference fields as fixed-width UTF-32, references as paths."""
        where = f"{self.handle.url}:/{path}"
        fields = [f if isinstance(f, CompoundField) else CompoundField(f["name"], f["dtype"]) for f in fields]
        scalar = isinstance(data, (tuple, dict, np.void)) or (isinstance(data, np.ndarray) and data.ndim == 0)
        rows = compound_rows(data, fields, where, lambda v: self._ref_path(v, where))
        np_fields = []
        for i, f in enumerate(fields):
            if f.dtype == "object" or f.dtype in TEXT_KINDS:
                np_fields.append((f.name, f"<U{max_text_len([r[i] for r in rows])}"))
            else:
                try:
                    np_fields.append((f.name, np.dtype(f.dtype)))
                except TypeError as exc:
                    raise StoreError(f"{where}: compound field {f.name!r} has unknown dtype {f.dtype!r}") from exc
        struct = np.dtype(np_fields)
        arr = np.array(rows, dtype=struct)
        if scalar:
            arr = arr.reshape(())
        extra = self.conv.encode_compound([(f.name, f.dtype) for f in fields])
        meta_attrs = {**extra, **attrs, **self._dims(builder, arr.ndim)}
        if arr.ndim == 0:
            arr, meta_attrs = self.conv.encode_scalar(arr, meta_attrs)
        chunks = self._chunks_for(arr.shape, struct.itemsize, dio)
        try:
            zarr_arr = zgroup.create_array(
                builder.name, shape=arr.shape, dtype=struct, chunks=chunks,
                attributes=meta_attrs, overwrite=True, **self._array_kwargs(dio),
            )
            if arr.size:
                zarr_arr[...] = arr
        except Exception as exc:
            raise StoreError(f"{where}: cannot write compound dataset ({exc})") from exc
        self.nodes.append((path, "array"))

    # -- specs and consolidation ---------------------------------------------------------
    def _write_specs(self, zroot: Any, namespaces: dict[str, Any]) -> None:
        """Cache each namespace's JSON under /specifications/<ns>/<version>/<source> (written concurrently)."""
        jobs = encode_cache(namespaces)
        attrs = self.conv.scalar_attrs()
        shape = self.conv.scalar_shape

        async def _one(group: Any, name: str, text: str) -> None:
            value = np.empty(shape, dtype=STRING_DTYPE)
            value[...] = text
            arr = await group.create_array(name, shape=shape, dtype=str, chunks=shape, attributes=attrs, overwrite=True)
            await arr.setitem(..., value)

        async def _all() -> None:
            aroot = async_group(zroot)
            spec = await aroot.require_group(conv.SPEC_GROUP)
            groups: dict[tuple[str, str], Any] = {}
            for ns_name, version, _, _ in jobs:
                if (ns_name, version) not in groups:
                    ns_group = await spec.require_group(ns_name)
                    groups[(ns_name, version)] = await ns_group.require_group(version)
            await asyncio.gather(*(_one(groups[(n, v)], src, text) for n, v, src, text in jobs))

        try:
            run(_all())
        except Exception as exc:
            raise StoreError(f"{self.handle.url}: cannot cache the specs ({exc})") from exc
        self.nodes.append((conv.SPEC_GROUP, "group"))
        for ns_name, version, src, _ in jobs:
            self.nodes.append((f"{conv.SPEC_GROUP}/{ns_name}", "group"))
            self.nodes.append((f"{conv.SPEC_GROUP}/{ns_name}/{version}", "group"))
            self.nodes.append((f"{conv.SPEC_GROUP}/{ns_name}/{version}/{src}", "array"))

    def consolidate(self) -> None:
        """Write consolidated metadata (the convention's document) from the nodes written: the commit point."""
        raw, after = self.conv.encode_consolidated(self.handle, self.nodes if self.fresh else None)
        self.handle.set(self.conv.consolidated_key, raw)
        for key, doc in after:
            self.handle.set(key, json.dumps(doc, indent=4, allow_nan=True).encode())


def _cast_numeric(data: Any, target: np.dtype) -> np.ndarray:
    """``data`` as ``target``, widening an integer target rather than wrapping values that do not fit
    (spec integer dtypes are minimums, as in hdmf: ``spec.dtypes.fit_integers``)."""
    arr = np.asarray(data)
    if arr.dtype.kind in "iu" and target.kind in "iu" and arr.size and arr.dtype != target:
        wide = fit_integers(int(arr.min()), int(arr.max()), target)
        if wide != target:
            return arr.astype(wide if wide is not None else np.promote_types(arr.dtype, target))
    return arr.astype(target, copy=False) if arr.dtype != target else arr
