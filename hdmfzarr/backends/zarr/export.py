"""Copying a builder tree read from any backend into a Zarr store (``ZarrIO.export``, ``hdmfzarr.convert``), big
numeric datasets as block iterators over the source (bounded memory)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from ...build.builders import DatasetBuilder, GroupBuilder
from ...dataio import DataChunkIterator, DataIO, stored_chain
from ...progress import SilentBar, progress_bar
from .. import stored_chunks

if TYPE_CHECKING:
    from .io import ZarrIO

__all__ = ["write_copy", "STREAM_BYTES"]

#: datasets bigger than this are copied block by block (bounded memory)
STREAM_BYTES = 32 * 1024 * 1024


def _progress(total: int, label: str) -> Any:
    """A byte-counting bar for long conversions (interactive sessions only, see hdmfzarr.progress)."""
    return SilentBar() if total < STREAM_BYTES else progress_bar(total, label, unit="B", unit_scale=True)


def _nbytes(data: Any) -> int:
    shape, dtype = getattr(data, "shape", None), getattr(data, "dtype", None)
    return 0 if shape is None or dtype is None else int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize


def _stream(data: Any, bar: Any, rows_per_block: int) -> Iterator[np.ndarray]:
    for start in range(0, data.shape[0], rows_per_block):
        block = np.asarray(data[start:start + rows_per_block])
        bar.update(block.nbytes)
        yield block


def write_copy(out: ZarrIO, root: GroupBuilder, cache: dict[str, Any] | None, label: str) -> None:
    """Write ``root`` (a tree read from any backend) into ``out``, caching the ``cache`` specs (none when empty): big
    numeric datasets streamed, small HDF5 arrays read, Zarr chunk shapes kept, HDF5's left to the Zarr policy."""
    from ..hdf5 import H5Array  # imported when copying: h5py stays optional

    datasets = [n for n in root.walk() if isinstance(n, DatasetBuilder)]
    # streamed: numeric, not compound, over STREAM_BYTES (so at least 1-d)
    big = [n for n in datasets if not isinstance(n.dtype, list)
           and _nbytes(n.data) > STREAM_BYTES and np.dtype(n.data.dtype).kind in "biuf"]
    bar = _progress(sum(_nbytes(n.data) for n in big), label)
    big_ids = {id(n) for n in big}
    for node in datasets:
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
        elif any(a.store_url is not None for a in stored_chain(data)):  # from a Zarr store: copy, never link back
            node.data = DataIO(data, chunks=chunks if chunks and len(data.shape) else None, link_data=False)
    try:
        out.write_builder(root, namespaces=cache or None)
    finally:
        bar.close()
