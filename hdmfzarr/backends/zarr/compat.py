"""Every zarr-python API hdmfzarr relies on beyond ``zarr``'s top-level names: some are undocumented, so a zarr
upgrade is checked here alone (``TESTED_ZARR``; ``tests/backends/test_backends_zarr_compat.py``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

import numpy as np

import zarr
from zarr import Array, AsyncArray, AsyncGroup, Group
from zarr.abc.store import ByteRequest, RangeByteRequest, Store, _store_supports_sync_io
from zarr.core.array_spec import ArraySpec
from zarr.core.buffer import Buffer, BufferPrototype, default_buffer_prototype
from zarr.codecs import BytesCodec, ShardingCodec
from zarr.core.chunk_utils import ChunkTransform, fill_value_or_default
from zarr.core.chunk_key_encodings import DefaultChunkKeyEncoding, V2ChunkKeyEncoding
from zarr.core.codec_pipeline import BatchedCodecPipeline
from zarr.core.dtype import get_data_type_from_native_dtype
from zarr.core.metadata import ArrayV2Metadata, ArrayV3Metadata
from zarr.core.sync import sync as run  # a coroutine run on zarr's own event loop (the one its stores live on)
from zarr.dtype import VariableLengthBytes
from zarr.registry import register_pipeline
from zarr.storage import FsspecStore, LocalStore, StorePath, WrapperStore
from zarr.storage._utils import _normalize_byte_range_index

from .safety import check_decoded_size, max_chunk_bytes

__all__ = [
    "TESTED_ZARR", "run", "array_from_metadata", "async_array", "async_group", "buffer_prototype",
    "Array", "AsyncArray", "Group", "Store", "StorePath", "FsspecStore", "LocalStore", "WrapperStore",
    "Buffer", "BufferPrototype", "ByteRequest", "byte_range_of", "chunk_range_reader",
    "VariableLengthBytes", "BoundedCodecPipeline", "edit_array_document",
    "read_whole_chunks", "read_whole_chunks_sync", "reads_synchronously",
]

#: the zarr-python versions this module was written and tested against (pyproject.toml pins the same)
TESTED_ZARR = ">=3.4,<3.5"


def array_from_metadata(metadata: dict[str, Any], store: Store, path: str) -> Array:
    """An array over ``store``/``path`` from metadata we already parsed (no second metadata request)."""
    where = StorePath(store, path)
    return Array(AsyncArray(metadata=_parsed(metadata), store_path=where))  # type: ignore[call-overload]


_PARSED: dict[str, Any] = {}
_PARSED_MAX = 512


def _parsed(doc: dict[str, Any]) -> Any:
    """zarr's metadata object of an array document, parsed once per distinct document (a parse costs ~1 ms, and
    each append commit meets the previous one's documents again)."""
    try:
        key = json.dumps(doc, sort_keys=True, allow_nan=True)
    except (TypeError, ValueError):  # not plain JSON: parse without caching
        return _parse(doc)
    return _PARSED.get(key) or _remember(key, _parse(doc))


def _parse(doc: dict[str, Any]) -> Any:
    return (ArrayV3Metadata if doc.get("zarr_format") == 3 else ArrayV2Metadata).from_dict(dict(doc))


def _remember(key: str, meta: Any) -> Any:
    if len(_PARSED) >= _PARSED_MAX:  # drop the oldest; tolerant of another thread dropping it first
        _PARSED.pop(next(iter(_PARSED), ""), None)
    _PARSED[key] = meta
    return meta


def async_array(array: Array) -> AsyncArray[Any]:
    """The async twin of an array (to gather many reads on zarr's loop)."""
    return array.async_array


def async_group(group: Group) -> AsyncGroup:
    """The async twin of a group (to create many members concurrently)."""
    return group._async_group


def _whole_chunk_spec(array: Array) -> tuple[Any, ArraySpec]:
    """(zarr's async array, the ArraySpec of one whole chunk of ``array``)."""
    aarr = array.async_array
    meta, config = aarr.metadata, aarr.config
    if isinstance(meta, ArrayV2Metadata):  # a v2 array's memory order is its own, not the config's
        config = dataclasses.replace(config, order=meta.order)
    return aarr, ArraySpec(shape=tuple(array.chunks), dtype=meta.dtype, fill_value=meta.fill_value, config=config,
                           prototype=default_buffer_prototype())


def _as_blocks(decoded: list[Any], spec: ArraySpec) -> list[np.ndarray | None]:
    """Decoded chunks as numpy; a chunk not stored is the fill value, or None where zarr refuses it."""
    refuse = getattr(spec.config, "read_missing_chunks", True) is False
    return [d.as_numpy_array() if d is not None else None if refuse
            else np.full(spec.shape, fill_value_or_default(spec), dtype=spec.dtype.to_native_dtype()) for d in decoded]


async def read_whole_chunks(array: Array, coords: list[tuple[int, ...]]) -> list[np.ndarray | None]:
    """Whole decoded chunks of an unsharded array (not copied into an output buffer as ``getitem`` does); a chunk
    not stored is the fill value, or ``None`` where zarr is configured to refuse it."""
    aarr, spec = _whole_chunk_spec(array)
    raws = await asyncio.gather(*((aarr.store_path / aarr.metadata.encode_chunk_key(c)).get(prototype=spec.prototype)
                                  for c in coords))
    return _as_blocks(list(await aarr.codec_pipeline.decode([(raw, spec) for raw in raws])), spec)


def reads_synchronously(store: Store) -> bool:
    """Whether ``store`` reads through ``get_sync`` what its ``get`` reads: zarr says so, and the class defining
    ``get`` (a wrapper's and the wrapped store's) defines ``get_sync`` too."""
    if not _store_supports_sync_io(store):
        return False
    owner = next((cls for cls in type(store).__mro__ if "get" in vars(cls)), None)
    if owner is None or "get_sync" not in vars(owner):
        return False
    inner = getattr(store, "_store", None) if isinstance(store, WrapperStore) else None
    return inner is None or reads_synchronously(inner)


def read_whole_chunks_sync(array: Array, coords: list[tuple[int, ...]]) -> list[np.ndarray | None] | None:
    """:func:`read_whole_chunks` in the calling thread for a store that :func:`reads_synchronously`; None when the
    codec pipeline offers no ``decode_sync``."""
    aarr, spec = _whole_chunk_spec(array)
    decode = getattr(aarr.codec_pipeline, "decode_sync", None)
    if decode is None:
        return None
    raws = [(aarr.store_path / aarr.metadata.encode_chunk_key(c)).get_sync(prototype=spec.prototype) for c in coords]
    decoded = decode(raws, spec)
    return None if decoded is None else _as_blocks(decoded, spec)


def byte_range_of(buf: Buffer, byte_range: ByteRequest | None) -> Buffer:
    """The part of ``buf`` a zarr byte request asks for (zarr's own reading of the request)."""
    start, stop = _normalize_byte_range_index(buf, byte_range)
    return buf[start:stop]


def chunk_range_reader(store: Store, path: str, encode: Callable[[tuple[int, ...]], str]
                       ) -> Callable[[tuple[int, ...], int, np.ndarray], int | None]:
    """``read(coords, start, out)``: fill ``out`` from byte ``start`` of the chunk ``encode(coords)`` of the array at
    ``path`` (synchronous store) by the store's positional read if it has one, else ``get_sync``; the bytes read, or
    None if not stored."""
    root = StorePath(store, path)
    positional = getattr(type(store), "read_range_sync", None)
    where: dict[tuple[int, ...], StorePath] = {}

    def read(coords: tuple[int, ...], start: int, out: np.ndarray) -> int | None:
        chunk = where.get(coords)
        if chunk is None:
            chunk = where[coords] = root / encode(coords)
        if positional is not None:
            return positional(store, chunk.path, start, out)  # type: ignore[no-any-return]
        raw = chunk.get_sync(prototype=default_buffer_prototype(),
                             byte_range=RangeByteRequest(start, start + out.nbytes))
        if raw is None:
            return None
        got = raw.as_numpy_array().view(np.uint8)
        n = min(got.size, out.nbytes)
        out.view(np.uint8)[:n] = got[:n]
        return int(got.size)

    return read


buffer_prototype = default_buffer_prototype  # CPU buffers, for raw store reads and writes


def edit_array_document(doc: dict[str, Any], *, shape: Any = None, dtype: np.dtype | None = None,
                        flip_chunk_keys: bool = False) -> dict[str, Any]:
    """An array document with a new ``shape``, a wider numeric ``dtype`` or (format 3) its chunk key encoding flipped
    (``c/0`` <-> ``0``: rewritten chunks never overwrite committed ones), edited through zarr so zarr validates it."""
    v3 = doc.get("zarr_format") == 3
    meta: Any = _parsed(doc)
    if shape is not None:
        meta = meta.update_shape(tuple(int(n) for n in shape))
    changes: dict[str, Any] = {}
    if dtype is not None:
        changes["data_type" if v3 else "dtype"] = get_data_type_from_native_dtype(np.dtype(dtype))
        if v3:
            changes["codecs"] = tuple(_little_endian(c) for c in meta.codecs)
    if flip_chunk_keys and v3:
        v2_keys = isinstance(meta.chunk_key_encoding, V2ChunkKeyEncoding)
        changes["chunk_key_encoding"] = (DefaultChunkKeyEncoding(separator="/") if v2_keys
                                         else V2ChunkKeyEncoding(separator="."))
    if changes:
        meta = dataclasses.replace(meta, **changes)
    out: dict[str, Any] = json.loads(json.dumps(meta.to_dict()))
    if not v3:
        out = {k: v for k, v in out.items() if k in doc or k in ("shape", "dtype")}
        if dtype is None and "fill_value" in doc:
            out["fill_value"] = doc["fill_value"]
    elif shape is not None and not changes:  # the next commit (and the array opened on it) meets this document
        _remember(json.dumps(out, sort_keys=True, allow_nan=True), meta)
    return out


def _little_endian(codec: Any) -> Any:
    """``codec`` with its bytes codec little-endian (needed once the dtype is multi-byte)."""
    if isinstance(codec, BytesCodec):
        return BytesCodec(endian="little")
    if isinstance(codec, ShardingCodec):
        return dataclasses.replace(codec, codecs=tuple(_little_endian(c) for c in codec.codecs))
    return codec


# -- decoding that never exceeds what the array metadata declares (decompression bombs) ---------------------
_ZARR_NAMES = {"ZstdCodec": "zstd", "GzipCodec": "gzip", "BloscCodec": "blosc"}


def codec_id(codec: Any) -> str | None:
    """The compressor name of a zarr v3 codec, a numcodecs.zarr3 wrapper or a numcodecs codec."""
    name = _ZARR_NAMES.get(type(codec).__name__)
    if name:
        return name
    wrapped = getattr(codec, "codec_name", None)  # numcodecs.zarr3: "numcodecs.zstd"
    if isinstance(wrapped, str):
        return wrapped.rpartition(".")[2]
    cid = getattr(codec, "codec_id", None)
    return cid if isinstance(cid, str) else None


def chunk_bound(spec: Any) -> int:
    """Most bytes the compressor of a chunk with ArraySpec ``spec`` may decode to."""
    n = math.prod(spec.shape)
    try:
        native = spec.dtype.to_native_dtype()
    except Exception:  # noqa: BLE001 - unknown dtype classes: treat as variable length
        native = np.dtype(object)
    return max_chunk_bytes(n, None if native.kind in "OT" else native.itemsize)


class BoundedCodecPipeline(BatchedCodecPipeline):
    """zarr's batched pipeline, refusing chunks whose compressor would decode past the metadata's size."""

    def _outer(self) -> tuple[str | None, int]:
        """(compressor applied last when encoding, trailing bytes after it: crc32c checksums)."""
        v2_compressor = getattr(self.array_bytes_codec, "compressor", None)
        if v2_compressor is not None and not self.bytes_bytes_codecs:  # zarr format 2: V2Codec
            return codec_id(v2_compressor), 0
        trailing = 0
        for codec in reversed(self.bytes_bytes_codecs):
            if type(codec).__name__ != "Crc32cCodec":
                return codec_id(codec), trailing
            trailing += 4
        return None, 0

    def _check(self, pairs: list[tuple[Any, Any]]) -> None:
        """Refuse (DecodedSizeError) any chunk whose outermost compressor would decode past its bound."""
        name, trailing = self._outer()
        if name is not None:
            for data, spec in pairs:
                if data is not None:
                    raw = data.as_array_like()
                    if trailing:
                        raw = raw[:-trailing]
                    check_decoded_size(name, raw, chunk_bound(spec))

    async def decode_batch(self, chunk_bytes_and_specs: Iterable[tuple[Any, Any]]) -> Iterable[Any]:
        pairs = list(chunk_bytes_and_specs)
        self._check(pairs)
        return await super().decode_batch(pairs)

    @cached_property
    def _transform(self) -> ChunkTransform | None:
        """The codecs as one synchronous chain, None when one of them only decodes asynchronously."""
        try:
            return ChunkTransform(codecs=tuple(self))
        except TypeError:
            return None

    def decode_sync(self, chunks: list[Any], spec: Any) -> list[Any] | None:
        """Chunks (None: not stored) of one ArraySpec decoded and checked in the calling thread; None when a codec
        has no synchronous decoder."""
        transform = self._transform
        if transform is None:
            return None
        self._check([(data, spec) for data in chunks])
        return [None if data is None else transform.decode_chunk(data, spec) for data in chunks]


# zarr decodes through it unless the application changed ``codec_pipeline.path`` (no chunk decoded past its bound)
register_pipeline(BoundedCodecPipeline)
if zarr.config.get("codec_pipeline.path") == "zarr.core.codec_pipeline.BatchedCodecPipeline":  # zarr's default
    zarr.config.set({"codec_pipeline.path": f"{__name__}.BoundedCodecPipeline"})
