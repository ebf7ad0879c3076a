"""Copying a store: Zarr format 2 <-> 3, or an hdmf/pynwb HDF5 file -> Zarr, streaming big datasets.

``convert(src, dst)`` opens the source with whichever backend can (``hdmfzarr.backends.open``),
makes its builder tree writable elsewhere (big numeric datasets become block iterators over the
source, so memory stays bounded) and writes it, with the cached specs, through ``ZarrIO``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..build.builders import DatasetBuilder, GroupBuilder
from ..dataio import DataChunkIterator, DataIO
from ..errors import HdmfZarrError
from ..progress import SilentBar, progress_bar
from . import is_url
from . import open as open_store

__all__ = ["convert", "prepare_for_copy", "stored_chunks", "options_for", "STREAM_BYTES"]

#: datasets bigger than this are copied block by block (bounded memory)
STREAM_BYTES = 32 * 1024 * 1024


def stored_chunks(data: Any) -> tuple[int, ...] | None:
    """The chunk shape a lazy array is stored with (None when unknown or not chunked)."""
    for obj in (data, getattr(data, "source", None)):
        chunks = getattr(obj, "chunks", None)
        if isinstance(chunks, tuple) and chunks:
            return chunks
    return None


def _progress(total: int, label: str) -> Any:
    """A byte-counting bar for long conversions (interactive sessions only, see hdmfzarr.progress)."""
    if total < STREAM_BYTES:
        return SilentBar()
    return progress_bar(total, label, unit="B", unit_scale=True)


def _nbytes(data: Any) -> int:
    shape = getattr(data, "shape", None)
    dtype = getattr(data, "dtype", None)
    if shape is None or dtype is None:
        return 0
    return int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize


def _stream(data: Any, bar: Any, rows_per_block: int) -> Iterator[np.ndarray]:
    n = data.shape[0]
    for start in range(0, n, rows_per_block):
        block = np.asarray(data[start:start + rows_per_block])
        bar.update(block.nbytes)
        yield block


def prepare_for_copy(root: GroupBuilder, label: str = "convert") -> Any:
    """Make a read builder tree writable elsewhere: big numeric datasets become
    ``DataChunkIterator``s over blocks of the source (bounded memory); small HDF5-backed arrays
    are read. Zarr chunk shapes are kept; HDF5 ones (often tiny) give way to the Zarr backend's
    chunking policy. Returns the progress bar to close after writing."""
    from .hdf5.reader import H5Array  # imported when copying: h5py stays optional

    big = [n for n in root.walk()
           if isinstance(n, DatasetBuilder) and _is_streamable(n) and _nbytes(n.data) > STREAM_BYTES]
    bar = _progress(sum(_nbytes(n.data) for n in big), label)
    big_ids = {id(n) for n in big}
    for node in root.walk():
        if not isinstance(node, DatasetBuilder):
            continue
        data = node.data
        chunks = None if isinstance(data, H5Array) else stored_chunks(data)
        if id(node) in big_ids:
            row_bytes = max(1, _nbytes(data) // max(1, data.shape[0]))
            step = chunks[0] if chunks else 1
            rows = max(step, (STREAM_BYTES // row_bytes) // step * step)
            node.data = DataChunkIterator(
                _stream(data, bar, rows), dtype=data.dtype, row_shape=tuple(data.shape[1:]),
                chunks=chunks, total_rows=data.shape[0])
        elif isinstance(data, H5Array):
            node.data = data.read()
        elif hasattr(data, "store_url"):  # a lazy array from a Zarr store: copy it, never link back
            node.data = DataIO(data, chunks=chunks if chunks and len(data.shape) else None, link_data=False)
    return bar


def _is_streamable(node: DatasetBuilder) -> bool:
    data = node.data
    dtype = getattr(data, "dtype", None)
    shape = getattr(data, "shape", None)
    return (dtype is not None and shape is not None and len(shape) >= 1 and np.dtype(dtype).kind in "biuf"
            and not isinstance(node.dtype, list))


def convert(src: str, dst: str, zarr_format: int | None = None,
            storage_options: dict[str, Any] | None = None, overwrite: bool = False) -> int:
    """Copy ``src`` (Zarr store or hdmf/pynwb HDF5 file) to a Zarr store ``dst``; returns the format written.

    Zarr sources default to the other format; HDF5 sources to format 3. Cached specs are carried over.
    ``storage_options`` apply to whichever of ``src``/``dst`` is a URL.
    """
    from .zarr import ZarrIO
    from .zarr.convention import conversion_format

    if _same_place(src, dst):
        raise HdmfZarrError(f"convert: source and destination are the same store ({src})")
    with open_store(src, storage_options=options_for(src, storage_options)) as source:
        root, cache = source.read_builder(), source.spec_cache()
        if zarr_format is None:
            zarr_format = conversion_format(source.zarr_format)
        label = f"{os.path.basename(src.rstrip('/'))} -> {os.path.basename(dst.rstrip('/'))}"
        bar = prepare_for_copy(root, label=label)
        try:
            mode = "w" if overwrite else "w-"
            with ZarrIO(dst, mode=mode, storage_options=options_for(dst, storage_options),
                        zarr_format=zarr_format) as out:
                out.write_builder(root, namespaces=cache or None)
        finally:
            bar.close()
    return zarr_format


def _same_place(a: str, b: str) -> bool:
    if is_url(a) or is_url(b):
        return a.rstrip("/") == b.rstrip("/")
    return os.path.abspath(a) == os.path.abspath(b)


def options_for(url: str, options: dict[str, Any] | None) -> dict[str, Any] | None:
    """Storage options apply to remote URLs only (a local path next to an S3 URL takes none)."""
    return options if is_url(url) else None
