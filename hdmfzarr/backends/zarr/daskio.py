"""Dask arrays written to zarr in parallel: rechunked to the zarr chunk (or shard) grid, so every block covers
whole chunks, and stored with ``dask.array.store`` without locks on the active scheduler."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from ...dataio import import_dask_array
from ...errors import StoreError
from ...progress import SilentBar, progress_bar
from .values import TEXT_KINDS, stream_dtype, to_text_array

if TYPE_CHECKING:
    from .writer import Target, ZarrWriter

__all__ = ["write_dask"]


@contextlib.contextmanager
def _ticking(bar: Any) -> Iterator[None]:
    """Tick ``bar`` per finished dask task (local schedulers; a distributed client has its own dashboard)."""
    if isinstance(bar, SilentBar):
        yield
        return
    from dask.callbacks import Callback

    def start_state(dsk: Any, state: Any) -> None:
        bar.total = sum(len(state[k]) for k in ("ready", "waiting", "running", "finished"))
        bar.refresh()

    with Callback(start_state=start_state, posttask=lambda *a: bar.update(1)):
        yield


def write_dask(writer: ZarrWriter, t: Target, darr: Any, dtype: Any) -> None:
    """Create the array of the new dataset ``t`` for dask array ``darr`` and store it block by block through dask."""
    da = import_dask_array()
    where = t.where
    if any(np.isnan(s) for s in darr.shape):
        raise StoreError(f"{where}: the dask array has unknown chunk sizes; call compute_chunk_sizes() first")
    shape = tuple(int(s) for s in darr.shape)
    canonical = stream_dtype(dtype, darr.dtype, where)
    if canonical in TEXT_KINDS:
        zdtype: Any = str
        darr = darr.map_blocks(lambda b: to_text_array(b).astype(object), dtype=object)
    else:
        zdtype = np.dtype(canonical)
        darr = darr.astype(zdtype) if darr.dtype != zdtype else darr
    chunks = writer.chunks_for(shape, 16 if zdtype is str else zdtype.itemsize, t.dio)
    with writer.array_write(t.path, "write dask array"):
        zarr_arr = writer.create_array(t, shape, zdtype, chunks, writer.conv.encode_dtype(canonical))
        grid = tuple(zarr_arr.shards or chunks)
        if shape and all(shape):
            aligned = darr.rechunk(grid)
            with progress_bar(None, f"storing /{t.path}", unit="task") as bar, _ticking(bar):
                da.store(aligned, zarr_arr, lock=False, compute=True)
        elif not shape:
            zarr_arr[...] = np.asarray(darr.compute())
