"""Decoding that never exceeds what the array metadata declares (decompression bombs): :mod:`.store` installs
:class:`BoundedCodecPipeline` as zarr's ``codec_pipeline.path``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import cached_property
from typing import Any

import numpy as np

from .compat import BatchedCodecPipeline, ChunkTransform
from .safety import check_decoded_size, max_chunk_bytes

__all__ = ["BoundedCodecPipeline", "chunk_bound", "codec_id"]

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
